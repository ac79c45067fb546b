//! In-memory ports of the task, dispatch and submission use cases, for
//! their native tests: the same conditions as the D1 adapters' SQL (a
//! conditional update changes nothing when its condition fails; a failed
//! transaction stores nothing), plus hooks to lose a race on purpose.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use crate::access::Principal;
use crate::api::{DispatchSummary, Draft, StatusCounts, StoredSubmission, SubmissionReceipt, SubmittedRow, TaskSummary};
use crate::ledger::{Conflict, OrgLevel, OrgUnit, RecordTypes, Write};
use crate::tasks::TaskStatus;
use crate::{Catalog, CompiledTemplate, LedgerRecord};

use super::dispatch::{DispatchFilter, DispatchStore, NewDispatch, ReviewState};
use super::submission_reads::SubmissionReads;
use super::submissions::{NewSubmission, SubmissionStore};
use super::tasks::{DraftSaved, DraftWrite, OpenTask, OpenTasks, TaskFilter, TaskMove, TaskReturn, TaskStore};
use super::{AuditLog, Directory, Now, ServiceError};

/// A stored submission: its receipt and rows.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub receipt: SubmissionReceipt,
    pub rows: Vec<SubmittedRow>,
    pub submitted_by: String,
}

#[derive(Default)]
pub struct Memory {
    pub templates: HashMap<(String, u32), Rc<CompiledTemplate>>,
    pub units: Vec<OrgUnit>,
    pub reviews: HashMap<String, ReviewState>,
    pub tasks: RefCell<BTreeMap<String, TaskSummary>>,
    pub drafts: RefCell<BTreeMap<String, Draft>>,
    pub records: RefCell<BTreeMap<String, LedgerRecord>>,
    /// (org unit, hash) of uploaded photos.
    pub uploads: Vec<(String, String)>,
    pub closed_surveys: RefCell<HashSet<String>>,
    pub submissions: RefCell<BTreeMap<String, StoredRow>>,
    pub photo_refs: RefCell<Vec<(String, String)>>,
    /// (action, items, record ids) of each unmasked read logged.
    pub audit: RefCell<Vec<(String, Vec<String>, Vec<String>)>>,
    /// Run once just before the next transactional write: another writer
    /// getting there first.
    pub race: RefCell<Option<Box<dyn FnOnce(&Memory)>>>,
    /// The next transactional write fails as a storage failure (a crash).
    pub crash: Cell<bool>,
}

impl Memory {
    pub fn with_template(mut self, template: CompiledTemplate) -> Memory {
        self.templates.insert((template.meta.id.clone(), template.meta.version), Rc::new(template));
        self
    }

    pub fn with_unit(mut self, code: &str, name: &str) -> Memory {
        let level = OrgLevel::of_code(code).expect("a district, town or village code");
        let parent_code = match level {
            OrgLevel::Village => OrgLevel::Town.of(code).map(str::to_owned),
            OrgLevel::Town => OrgLevel::District.of(code).map(str::to_owned),
            OrgLevel::District => None,
        };
        self.units.push(OrgUnit { code: code.into(), name: name.into(), level, parent_code });
        self
    }

    pub fn with_record(self, record: LedgerRecord) -> Memory {
        self.records.borrow_mut().insert(record.id.clone(), record);
        self
    }

    pub fn task_of(&self, id: &str) -> TaskSummary {
        self.tasks.borrow()[id].clone()
    }

    pub fn set_status(&self, id: &str, status: TaskStatus) {
        self.tasks.borrow_mut().get_mut(id).expect("task").status = status;
    }

    /// Runs `f` as the next writer racing this one.
    pub fn race(&self, f: impl FnOnce(&Memory) + 'static) {
        *self.race.borrow_mut() = Some(Box::new(f));
    }

    /// Before a transaction: the racing writer, then whether to crash.
    fn before_write(&self) -> Result<(), ServiceError> {
        let racer = self.race.borrow_mut().take();
        if let Some(f) = racer {
            f(self);
        }
        if self.crash.replace(false) { Err(ServiceError::Storage("crashed".into())) } else { Ok(()) }
    }

    fn matches(task: &TaskSummary, f: &TaskFilter<'_>) -> bool {
        task.org_unit.starts_with(f.scope)
            && f.status.is_none_or(|s| task.status == s)
            && f.template_id.is_none_or(|t| task.template_id == t)
            && f.dispatch_id.is_none_or(|d| task.dispatch_id == d)
            && f.department.is_none_or(|d| task.department == d)
    }
}

impl Directory for Memory {
    async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        Ok(match version {
            Some(v) => self.templates.get(&(id.to_owned(), v)).cloned(),
            None => self.templates.iter().filter(|((i, _), _)| i == id).max_by_key(|((_, v), _)| *v).map(|(_, t)| t.clone()),
        })
    }

    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        Ok(self.units.iter().find(|u| u.code == code).cloned())
    }
}

impl AuditLog for Memory {
    async fn unmasked_read(&self, _: &Principal, action: &str, items: &[String], ids: &[String], _: &Now) -> Result<(), ServiceError> {
        if !items.is_empty() && !ids.is_empty() {
            self.audit.borrow_mut().push((action.into(), items.to_vec(), ids.to_vec()));
        }
        Ok(())
    }
}

impl OpenTasks for Memory {
    async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, ServiceError> {
        let drafts = self.drafts.borrow();
        Ok(self
            .tasks
            .borrow()
            .values()
            .filter(|t| t.template_id == template_id && t.template_version < version && t.status != TaskStatus::Submitted)
            .map(|t| OpenTask {
                id: t.id.clone(),
                template_version: t.template_version,
                revision: drafts.get(&t.id).map(|d| d.revision),
                rows: drafts.get(&t.id).map(|d| d.rows.clone()),
            })
            .collect())
    }

    async fn move_tasks(&self, version: u32, moves: &[TaskMove], at: &str) -> Result<(), ServiceError> {
        self.before_write()?;
        let mut tasks = self.tasks.borrow_mut();
        let mut drafts = self.drafts.borrow_mut();
        for m in moves {
            let Some(task) = tasks.get_mut(&m.task_id) else { continue };
            if task.template_version != m.from_version || task.status == TaskStatus::Submitted {
                continue;
            }
            if let (Some(revision), Some(rows)) = (m.draft_revision, &m.draft_rows)
                && let Some(draft) = drafts.get_mut(&m.task_id).filter(|d| d.revision == revision)
            {
                draft.rows = rows.clone();
                draft.revision += 1;
                draft.saved_at = at.into();
            }
            task.template_version = version;
        }
        Ok(())
    }
}

impl TaskStore for Memory {
    async fn task(&self, id: &str) -> Result<Option<TaskSummary>, ServiceError> {
        Ok(self.tasks.borrow().get(id).cloned())
    }

    async fn tasks(&self, filter: &TaskFilter<'_>) -> Result<Vec<TaskSummary>, ServiceError> {
        let mut found: Vec<TaskSummary> = self.tasks.borrow().values().filter(|t| Memory::matches(t, filter)).cloned().collect();
        found.sort_by(|a, b| (&a.due_date, &a.org_unit, &a.id).cmp(&(&b.due_date, &b.org_unit, &b.id)));
        Ok(found)
    }

    async fn draft(&self, task_id: &str) -> Result<Option<Draft>, ServiceError> {
        Ok(self.drafts.borrow().get(task_id).cloned())
    }

    async fn mark_opened(&self, task_id: &str, at: &str) -> Result<(), ServiceError> {
        if let Some(task) = self.tasks.borrow_mut().get_mut(task_id) {
            task.status = task.status.on_open();
            task.opened_at.get_or_insert_with(|| at.to_owned());
        }
        Ok(())
    }

    async fn save_draft(&self, write: &DraftWrite<'_>) -> Result<DraftSaved, ServiceError> {
        self.before_write()?;
        let open = self.tasks.borrow().get(write.task_id).is_some_and(|t| t.status.is_open_for_entry());
        let current = self.drafts.borrow().get(write.task_id).map(|d| d.revision).unwrap_or(0);
        let saved = open && current == write.base_revision;
        if saved {
            let draft =
                Draft { task_id: write.task_id.into(), revision: current + 1, rows: write.rows.to_vec(), saved_at: write.saved_at.into() };
            self.drafts.borrow_mut().insert(write.task_id.into(), draft);
        }
        self.mark_opened(write.task_id, write.saved_at).await?;
        Ok(DraftSaved { saved, current: self.drafts.borrow().get(write.task_id).cloned() })
    }

    async fn return_task(&self, write: &TaskReturn<'_>) -> Result<bool, ServiceError> {
        self.before_write()?;
        let mut tasks = self.tasks.borrow_mut();
        let Some(task) = tasks.get_mut(write.task_id).filter(|t| t.status == TaskStatus::Submitted) else { return Ok(false) };
        task.status = TaskStatus::Returned;
        task.return_comment = Some(write.comment.into());
        Ok(true)
    }
}

impl DispatchStore for Memory {
    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError> {
        let mut found: Vec<OrgUnit> =
            self.units.iter().filter(|u| u.level == OrgLevel::Village && u.code.starts_with(code)).cloned().collect();
        found.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(found)
    }

    async fn dispatches(&self, filter: &DispatchFilter<'_>) -> Result<Vec<DispatchSummary>, ServiceError> {
        let tasks = TaskFilter {
            scope: filter.scope,
            template_id: filter.template_id,
            department: filter.department,
            dispatch_id: filter.dispatch_id,
            status: None,
        };
        let mut out: Vec<DispatchSummary> = Vec::new();
        for task in self.tasks(&tasks).await? {
            let entry = match out.iter().position(|d| d.dispatch_id == task.dispatch_id) {
                Some(i) => &mut out[i],
                None => {
                    out.push(DispatchSummary {
                        dispatch_id: task.dispatch_id.clone(),
                        template_id: task.template_id.clone(),
                        template_version: task.template_version,
                        title: task.title.clone(),
                        department: task.department.clone(),
                        due_date: task.due_date.clone(),
                        dispatched_at: task.dispatched_at.clone(),
                        dispatched_by: String::new(),
                        counts: StatusCounts::default(),
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            entry.counts.add(task.status);
        }
        Ok(out)
    }

    async fn insert_tasks(&self, dispatch: &NewDispatch<'_>) -> Result<usize, ServiceError> {
        self.before_write()?;
        let template = self.templates[&(dispatch.template_id.to_owned(), dispatch.template_version)].clone();
        let mut tasks = self.tasks.borrow_mut();
        let mut created = 0;
        for (id, village) in &dispatch.tasks {
            let taken = tasks.values().any(|t| t.dispatch_id == dispatch.dispatch_id && t.org_unit == *village);
            if taken || tasks.contains_key(id) {
                continue;
            }
            let name = self.units.iter().find(|u| u.code == *village).map(|u| u.name.clone()).unwrap_or_default();
            tasks.insert(
                id.clone(),
                TaskSummary {
                    id: id.clone(),
                    dispatch_id: dispatch.dispatch_id.into(),
                    template_id: dispatch.template_id.into(),
                    template_version: dispatch.template_version,
                    title: template.title.clone(),
                    department: template.meta.department.clone(),
                    org_unit: (*village).into(),
                    org_unit_name: name,
                    due_date: dispatch.due_date.into(),
                    status: TaskStatus::NotOpened,
                    dispatched_at: dispatch.dispatched_at.into(),
                    opened_at: None,
                    submission_id: None,
                    submitted_at: None,
                    return_comment: None,
                },
            );
            created += 1;
        }
        Ok(created)
    }

    async fn latest_review(&self, template_id: &str) -> Result<Option<ReviewState>, ServiceError> {
        Ok(self.reviews.get(template_id).cloned())
    }
}

impl SubmissionStore for Memory {
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError> {
        RecordTypes::builtin().map(Rc::new).map_err(|e| ServiceError::Storage(e.to_string()))
    }

    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError> {
        Catalog::builtin().map(Rc::new).map_err(|e| ServiceError::Storage(e.to_string()))
    }

    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(self.records.borrow().values().filter(|r| r.org_unit == org_unit && r.entity == entity).cloned().collect())
    }

    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(ids.iter().filter_map(|id| self.records.borrow().get(*id).cloned()).collect())
    }

    async fn photos_not_uploaded(&self, org_unit: &str, hashes: &[&str]) -> Result<Vec<String>, ServiceError> {
        Ok(hashes.iter().filter(|h| !self.uploads.iter().any(|(o, u)| o == org_unit && u == *h)).map(|h| (*h).to_owned()).collect())
    }

    async fn survey_closed(&self, dispatch_id: &str) -> Result<bool, ServiceError> {
        Ok(self.closed_surveys.borrow().contains(dispatch_id))
    }

    async fn receipt(&self, id: &str) -> Result<Option<SubmissionReceipt>, ServiceError> {
        Ok(self.submissions.borrow().get(id).map(|s| s.receipt.clone()))
    }

    async fn insert_submission(&self, new: &NewSubmission<'_>) -> Result<(), ServiceError> {
        self.before_write()?;
        let request = new.request;
        let fail = |why: &str| Err(ServiceError::Storage(format!("constraint: {why}")));
        if self.submissions.borrow().contains_key(&request.submission_id) {
            return fail("submission id");
        }
        if let Some(id) = &request.task_id {
            let tasks = self.tasks.borrow();
            let Some(task) = tasks.get(id) else { return fail("task") };
            let open = task.org_unit == request.org_unit
                && task.template_id == request.template_id
                && task.status != TaskStatus::Submitted
                && !self.closed_surveys.borrow().contains(&task.dispatch_id);
            if !open {
                return fail("task");
            }
        }
        let records = self.records.borrow();
        for write in new.writes {
            let stored = records.get(&write.record.id).map(|r| r.version);
            if stored != write.expected_version {
                return fail("record version");
            }
        }
        drop(records);
        if let Some(id) = &request.task_id {
            let mut tasks = self.tasks.borrow_mut();
            let task = tasks.get_mut(id).expect("checked");
            task.status = TaskStatus::Submitted;
            task.submission_id = Some(request.submission_id.clone());
            task.submitted_at = Some(new.submitted_at.into());
            task.return_comment = None;
            self.drafts.borrow_mut().remove(id);
        }
        for hash in new.photos {
            self.photo_refs.borrow_mut().push(((*hash).into(), request.submission_id.clone()));
        }
        for write in new.writes {
            self.records.borrow_mut().insert(write.record.id.clone(), write.record.clone());
        }
        let receipt = SubmissionReceipt {
            id: request.submission_id.clone(),
            template_id: request.template_id.clone(),
            template_version: request.template_version,
            org_unit: request.org_unit.clone(),
            row_count: request.rows.len(),
            submitted_at: new.submitted_at.into(),
        };
        let stored = StoredRow { receipt, rows: request.rows.clone(), submitted_by: new.submitted_by.into() };
        self.submissions.borrow_mut().insert(request.submission_id.clone(), stored);
        Ok(())
    }

    async fn stale_write(&self, writes: &[Write]) -> Result<Option<Conflict>, ServiceError> {
        let records = self.records.borrow();
        Ok(writes
            .iter()
            .find(|w| records.get(&w.record.id).map(|r| r.version) != w.expected_version)
            .map(|w| Conflict { id: w.record.id.clone(), current: records.get(&w.record.id).cloned().map(Box::new) }))
    }
}

impl SubmissionReads for Memory {
    async fn submission(&self, id: &str) -> Result<Option<StoredSubmission>, ServiceError> {
        Ok(self.submissions.borrow().get(id).map(|s| StoredSubmission {
            receipt: s.receipt.clone(),
            rows: s.rows.clone(),
            columns: vec![],
        }))
    }

    async fn submissions(&self, template_id: &str, org_unit: Option<&str>) -> Result<Vec<SubmissionReceipt>, ServiceError> {
        let mut found: Vec<SubmissionReceipt> = self
            .submissions
            .borrow()
            .values()
            .map(|s| s.receipt.clone())
            .filter(|r| r.template_id == template_id && org_unit.is_none_or(|u| r.org_unit == u))
            .collect();
        found.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at));
        Ok(found)
    }
}
