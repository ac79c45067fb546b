//! In-memory ports for the survey and intake use cases' tests: surveys,
//! tasks, submissions, ledger records, the review queue, photos and the
//! audit log in cells, with switches to fail a write the way D1 can.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::CompiledTemplate;
use crate::access::Principal;
use crate::api::TaskSummary;
use crate::ledger::{LedgerRecord, OrgLevel, OrgUnit, Write};
use crate::service::intake::{IntakeStore, QueuedRecord};
use crate::service::{AuditLog, Directory, LookupBudget, Now, ServiceError};
use crate::survey::intake::IntakeStatus;
use crate::survey::{ReviewCandidate, SurveySummary};
use crate::tasks::TaskStatus;

use super::{Closing, NewSurvey, PhotoStore, PhotoUpload, StoredPhoto, SurveyStore, SurveySubmission};

/// An unmasked read as logged: (action, items, record ids).
pub(crate) type Logged = (String, Vec<String>, Vec<String>);

#[derive(Default)]
pub(crate) struct Memory {
    pub templates: RefCell<Vec<Rc<CompiledTemplate>>>,
    /// Published ad-hoc documents, by template id.
    pub published: RefCell<BTreeMap<String, String>>,
    pub units: Vec<OrgUnit>,
    pub surveys: RefCell<BTreeMap<String, SurveySummary>>,
    pub tasks: RefCell<Vec<TaskSummary>>,
    pub submissions: RefCell<Vec<SurveySubmission>>,
    pub records: RefCell<BTreeMap<String, LedgerRecord>>,
    pub queue: RefCell<Vec<QueuedRecord>>,
    /// Photos: content type and the villages each was uploaded for.
    pub photos: RefCell<BTreeMap<String, (String, Vec<String>)>>,
    pub objects: RefCell<BTreeMap<String, Vec<u8>>>,
    /// (action, items, record ids) of every unmasked read logged.
    pub audit: RefCell<Vec<Logged>>,
    pub refused_lookups: Cell<u32>,
    /// Close batches written so far; the batch (1-based) to fail, as a
    /// record changed meanwhile would.
    pub batches: Cell<usize>,
    pub fail_batch: Cell<Option<usize>>,
    /// Another coordinator's decision, landing just before an accept.
    pub decided_meanwhile: RefCell<Option<(&'static str, &'static str)>>,
}

impl Memory {
    pub fn new(units: Vec<OrgUnit>, templates: Vec<CompiledTemplate>) -> Memory {
        Memory { units, templates: RefCell::new(templates.into_iter().map(Rc::new).collect()), ..Memory::default() }
    }

    fn apply(&self, writes: &[Write]) -> Result<(), ServiceError> {
        let mut records = self.records.borrow_mut();
        for w in writes {
            let stored = records.get(&w.record.id).map(|r| r.version);
            if stored != w.expected_version {
                return Err(ServiceError::Storage(format!("conflict on {}", w.record.id)));
            }
        }
        for w in writes {
            records.insert(w.record.id.clone(), w.record.clone());
        }
        Ok(())
    }
}

impl Directory for Memory {
    async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        let templates = self.templates.borrow();
        let mut found: Vec<&Rc<CompiledTemplate>> =
            templates.iter().filter(|t| t.meta.id == id && version.is_none_or(|v| t.meta.version == v)).collect();
        found.sort_by_key(|t| t.meta.version);
        Ok(found.last().map(|t| Rc::clone(t)))
    }

    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        Ok(self.units.iter().find(|u| u.code == code).cloned())
    }
}

impl AuditLog for Memory {
    async fn unmasked_read(&self, _: &Principal, action: &str, items: &[String], ids: &[String], _: &Now) -> Result<(), ServiceError> {
        if !items.is_empty() && !ids.is_empty() {
            self.audit.borrow_mut().push((action.to_owned(), items.to_vec(), ids.to_vec()));
        }
        Ok(())
    }
}

impl SurveyStore for Memory {
    const WRITES_PER_BATCH: usize = 2;

    async fn survey(&self, dispatch_id: &str) -> Result<Option<SurveySummary>, ServiceError> {
        let villages = self.tasks.borrow().iter().filter(|t| t.dispatch_id == dispatch_id).count() as u32;
        Ok(self.surveys.borrow().get(dispatch_id).cloned().map(|s| SurveySummary { villages, ..s }))
    }

    async fn surveys(&self, scope: &str) -> Result<Vec<SurveySummary>, ServiceError> {
        let overlapping = |s: &SurveySummary| OrgLevel::contains(scope, &s.scope) || OrgLevel::contains(&s.scope, scope);
        Ok(self.surveys.borrow().values().filter(|s| overlapping(s)).cloned().collect())
    }

    async fn village_count(&self, scope: &str) -> Result<u32, ServiceError> {
        Ok(self.units.iter().filter(|u| u.level == OrgLevel::Village && OrgLevel::contains(scope, &u.code)).count() as u32)
    }

    async fn start_survey(&self, s: &NewSurvey<'_>) -> Result<(), ServiceError> {
        if let Some(adhoc) = &s.publish {
            let document: serde_json::Value = serde_json::from_str(adhoc.document).map_err(|e| ServiceError::Storage(e.to_string()))?;
            let catalog = crate::Catalog::builtin().map_err(|e| ServiceError::Storage(e.to_string()))?;
            let template = crate::compile(&document, &catalog).map_err(|_| ServiceError::Storage("does not compile".into()))?;
            self.published.borrow_mut().entry(s.template_id.to_owned()).or_insert_with(|| adhoc.document.to_owned());
            if self.template(s.template_id, Some(1)).await?.is_none() {
                self.templates.borrow_mut().push(Rc::new(template));
            }
        }
        let template = self.template(s.template_id, Some(s.template_version)).await?.ok_or(ServiceError::Storage("no template".into()))?;
        let scope_name = self.units.iter().find(|u| u.code == s.scope).map(|u| u.name.clone()).unwrap_or_default();
        self.surveys.borrow_mut().entry(s.dispatch_id.to_owned()).or_insert_with(|| SurveySummary {
            dispatch_id: s.dispatch_id.into(),
            template_id: s.template_id.into(),
            template_version: s.template_version,
            title: template.title.clone(),
            department: template.meta.department.clone(),
            scope: s.scope.into(),
            scope_name,
            started_by: s.started_by.into(),
            started_at: s.started_at.into(),
            due_date: s.due_date.into(),
            fast_track: s.fast_track.into(),
            closed_at: None,
            villages: 0,
        });
        let mut tasks = self.tasks.borrow_mut();
        for village in self.units.iter().filter(|u| u.level == OrgLevel::Village && OrgLevel::contains(s.scope, &u.code)) {
            let id = format!("{}-{}", s.dispatch_id, village.code);
            if tasks.iter().any(|t| t.id == id) {
                continue;
            }
            tasks.push(TaskSummary {
                id,
                dispatch_id: s.dispatch_id.into(),
                template_id: s.template_id.into(),
                template_version: s.template_version,
                title: template.title.clone(),
                department: template.meta.department.clone(),
                org_unit: village.code.clone(),
                org_unit_name: village.name.clone(),
                due_date: s.due_date.into(),
                status: TaskStatus::NotOpened,
                dispatched_at: s.started_at.into(),
                opened_at: None,
                submission_id: None,
                submitted_at: None,
                return_comment: None,
            });
        }
        Ok(())
    }

    async fn survey_tasks(&self, dispatch_id: &str, scope: &str) -> Result<Vec<TaskSummary>, ServiceError> {
        Ok(self.tasks.borrow().iter().filter(|t| t.dispatch_id == dispatch_id && OrgLevel::contains(scope, &t.org_unit)).cloned().collect())
    }

    async fn survey_submissions(&self, _dispatch_id: &str) -> Result<Vec<SurveySubmission>, ServiceError> {
        Ok(self.submissions.borrow().clone())
    }

    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(self.units.iter().filter(|u| codes.contains(&u.code.as_str())).map(|u| (u.code.clone(), u.name.clone())).collect())
    }

    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(self.records.borrow().values().filter(|r| r.entity == entity && OrgLevel::contains(org_unit, &r.org_unit)).cloned().collect())
    }

    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(self.records.borrow().values().filter(|r| ids.contains(&r.id.as_str())).cloned().collect())
    }

    async fn write_close_batch(&self, writes: &[Write]) -> Result<(), ServiceError> {
        assert!(writes.len() <= Self::WRITES_PER_BATCH);
        self.batches.set(self.batches.get() + 1);
        if self.fail_batch.get() == Some(self.batches.get()) {
            return Err(ServiceError::Storage("a record changed meanwhile".into()));
        }
        self.apply(writes)
    }

    async fn finish_close(&self, dispatch_id: &str, candidates: &[ReviewCandidate], closing: &Closing<'_>) -> Result<usize, ServiceError> {
        let mut queue = self.queue.borrow_mut();
        let mut queued = 0;
        for c in candidates {
            if queue.iter().any(|q| q.submission_id == c.submission_id && q.subject_id == c.subject_id) {
                continue;
            }
            let survey = self.surveys.borrow().get(dispatch_id).cloned().ok_or(ServiceError::Storage("no survey".into()))?;
            queue.push(QueuedRecord {
                submission_id: c.submission_id.clone(),
                subject_id: c.subject_id.clone(),
                dispatch_id: dispatch_id.into(),
                template_id: survey.template_id,
                template_version: survey.template_version,
                title: survey.title,
                org_unit: c.org_unit.clone(),
                org_unit_name: String::new(),
                entity: c.entity.clone(),
                row_values: serde_json::to_string(&c.values).map_err(|e| ServiceError::Storage(e.to_string()))?,
                status: "pending".into(),
                queued_at: closing.now.into(),
                record_id: None,
                decided_by: None,
                decided_at: None,
                reason: None,
            });
            queued += 1;
        }
        let submitted = self.tasks.borrow().iter().filter(|t| t.dispatch_id == dispatch_id && t.status == TaskStatus::Submitted).count();
        if submitted == closing.submitted
            && let Some(survey) = self.surveys.borrow_mut().get_mut(dispatch_id)
        {
            survey.closed_at.get_or_insert_with(|| closing.now.to_owned());
        }
        Ok(queued)
    }
}

impl PhotoStore for Memory {
    async fn has_object(&self, hash: &str) -> Result<bool, ServiceError> {
        Ok(self.objects.borrow().contains_key(hash))
    }

    async fn put_object(&self, hash: &str, bytes: &[u8], _content_type: &str) -> Result<(), ServiceError> {
        self.objects.borrow_mut().insert(hash.to_owned(), bytes.to_vec());
        Ok(())
    }

    async fn object(&self, hash: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        Ok(self.objects.borrow().get(hash).cloned())
    }

    async fn add_photo(&self, p: &PhotoUpload<'_>) -> Result<bool, ServiceError> {
        let mut photos = self.photos.borrow_mut();
        let created = !photos.contains_key(p.hash);
        let (_, villages) = photos.entry(p.hash.to_owned()).or_insert_with(|| (p.content_type.to_owned(), vec![]));
        if !villages.iter().any(|v| v == p.org_unit) {
            villages.push(p.org_unit.to_owned());
        }
        Ok(created)
    }

    async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError> {
        Ok(self.photos.borrow().get(hash).map(|(content_type, villages)| StoredPhoto {
            content_type: content_type.clone(),
            grounds: villages.iter().map(|v| (v.clone(), String::new())).collect(),
        }))
    }
}

impl IntakeStore for Memory {
    async fn queued(&self, scope: &str, status: Option<IntakeStatus>) -> Result<Vec<QueuedRecord>, ServiceError> {
        let wanted = |q: &QueuedRecord| status.is_none_or(|s| s.as_str() == q.status);
        Ok(self.queue.borrow().iter().filter(|q| OrgLevel::contains(scope, &q.org_unit) && wanted(q)).cloned().collect())
    }

    async fn queued_record(&self, submission_id: &str, subject_id: &str) -> Result<Option<QueuedRecord>, ServiceError> {
        Ok(self.queue.borrow().iter().find(|q| q.submission_id == submission_id && q.subject_id == subject_id).cloned())
    }

    async fn accept(&self, submission_id: &str, subject_id: &str, write: &Write) -> Result<(), ServiceError> {
        if let Some((status, by)) = self.decided_meanwhile.borrow_mut().take() {
            let mut queue = self.queue.borrow_mut();
            let q = queue.iter_mut().find(|q| q.submission_id == submission_id && q.subject_id == subject_id).expect("queued");
            q.status = status.into();
            q.decided_by = Some(by.into());
        }
        let pending =
            self.queue.borrow().iter().any(|q| q.submission_id == submission_id && q.subject_id == subject_id && q.status == "pending");
        if !pending {
            return Err(ServiceError::Storage("batch failed: decided meanwhile".into()));
        }
        self.apply(std::slice::from_ref(write))?;
        let mut queue = self.queue.borrow_mut();
        let q = queue.iter_mut().find(|q| q.submission_id == submission_id && q.subject_id == subject_id).expect("queued");
        q.status = "accepted".into();
        q.record_id = Some(write.record.id.clone());
        q.decided_by = Some(write.record.updated_by.clone());
        q.decided_at = Some(write.record.updated_at.clone());
        Ok(())
    }

    async fn reject(&self, submission_id: &str, subject_id: &str, reason: &str, by: &str, now: &str) -> Result<(), ServiceError> {
        let mut queue = self.queue.borrow_mut();
        if let Some(q) = queue.iter_mut().find(|q| q.submission_id == submission_id && q.subject_id == subject_id && q.status == "pending")
        {
            q.status = "rejected".into();
            q.reason = Some(reason.into());
            q.decided_by = Some(by.into());
            q.decided_at = Some(now.into());
        }
        Ok(())
    }

    async fn unit_records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        SurveyStore::records(self, org_unit, entity).await
    }

    async fn records_with_keys(&self, entity: &str, field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError> {
        let key_of = |r: &LedgerRecord| r.data.get(field).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(self.records.borrow().values().filter(|r| r.entity == entity && key_of(r).is_some_and(|k| keys.contains(&k))).cloned().collect())
    }
}

impl LookupBudget for Memory {
    async fn count_refused_lookups(&self, _user_id: &str, _day: &str, refused: u32) -> Result<u32, ServiceError> {
        self.refused_lookups.set(self.refused_lookups.get() + refused);
        Ok(self.refused_lookups.get())
    }
}
