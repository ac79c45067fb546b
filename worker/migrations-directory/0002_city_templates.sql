-- Issue 16, the city level: a city department's templates, filed once in
-- the directory and then as one 报表准入 request in each covered district's
-- database (id `city-<filing id>`, an insert-or-ignore keyed by it), where
-- that district's town centres admit or reject it. The state per district
-- is read from the districts; nothing here is a copy of it.
CREATE TABLE city_templates (
  id           TEXT PRIMARY KEY,            -- the client's request id
  city         TEXT NOT NULL,               -- e.g. 500000 (the author's org unit)
  template_id  TEXT NOT NULL,
  version      INTEGER NOT NULL,
  title        TEXT NOT NULL,
  department   TEXT NOT NULL,               -- e.g. 重庆市民政局
  document     TEXT NOT NULL CHECK (json_valid(document)),
  districts    TEXT NOT NULL CHECK (json_valid(districts)),  -- codes, fixed by the first filing
  submitted_by TEXT NOT NULL,
  submitted_at TEXT NOT NULL
);
CREATE INDEX city_templates_by_department ON city_templates (city, department, submitted_at);

-- A city dispatch: its id is the dispatch id of the district-level
-- dispatch it makes in each chosen district that admitted the template.
CREATE TABLE city_dispatches (
  id            TEXT PRIMARY KEY,
  filing_id     TEXT NOT NULL REFERENCES city_templates (id),
  due_date      TEXT NOT NULL,
  dispatched_by TEXT NOT NULL,
  dispatched_at TEXT NOT NULL
);
