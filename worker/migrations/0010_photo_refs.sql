-- Issue 19: a photo is stored once by content hash, but may be sent by
-- several villages and named by several submissions. Reading it is decided
-- by those, not by whoever uploaded it first:
--   photo_uploads: every village a photo was uploaded for (a village may
--     name in its submissions only photos uploaded for it);
--   photo_refs: every submission naming the photo, written in the
--     submission's own batch; any reader of any of them may see the photo.

CREATE TABLE photo_uploads (
  hash        TEXT NOT NULL REFERENCES photos (hash),
  org_unit    TEXT NOT NULL REFERENCES org_units (code),
  uploaded_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  PRIMARY KEY (hash, org_unit)
);

CREATE TABLE photo_refs (
  hash          TEXT NOT NULL REFERENCES photos (hash),
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  PRIMARY KEY (hash, submission_id)
);

-- What was stored before: the first uploader, and the submissions naming a stored photo.
INSERT OR IGNORE INTO photo_uploads (hash, org_unit, uploaded_by, uploaded_at)
  SELECT hash, org_unit, uploaded_by, uploaded_at FROM photos;
INSERT OR IGNORE INTO photo_refs (hash, submission_id)
  SELECT DISTINCT j.value, s.id FROM submissions s, json_tree(s.rows) j
  WHERE j.type = 'text' AND length(j.value) = 64 AND j.value IN (SELECT hash FROM photos);
