//! Generating a form (`POST /api/forms`) and opening a task's form
//! (`POST /api/tasks/{id}/form`): pre-filled from the ledger now, masked
//! for the reader (unmasked reads audited). Read-only but for marking a
//! task opened, which repeating changes nothing.

use crate::service::require;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use crate::CompiledTemplate;
use crate::access::{Action, Principal, mask_template_rows};
use crate::api::{Draft, Form, FormRequest, TaskForm};
use crate::ledger::{OrgLevel, OrgUnit};
use crate::messages::Text;
use crate::tasks::TaskStatus;

use super::submission_reads::SubmissionReads;
use super::submissions::SubmissionStore;
use super::tasks::task_or_404;
use super::{AuditLog, Directory, Now, ServiceError};

/// Where generating a form spent its time, in milliseconds of the
/// caller's clock (for `Server-Timing`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FormTiming {
    /// Reading the subjects' ledger records.
    pub records: f64,
    pub prefill: f64,
    pub mask_audit: f64,
}

impl FormTiming {
    /// The spans as a `Server-Timing` value. Under `wrangler dev` the clock
    /// also moves while the worker computes; on Cloudflare only across I/O
    /// (then `prefill` reads 0).
    pub fn spans(&self) -> String {
        format!("d1;dur={:.1}, prefill;dur={:.1}, mask-audit;dur={:.1}", self.records, self.prefill, self.mask_audit)
    }
}

/// Awaits both futures together (two independent storage reads).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut left, mut right) = (None, None);
    poll_fn(|cx| {
        if left.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            left = Some(v);
        }
        if right.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            right = Some(v);
        }
        match (left.take(), right.take()) {
            (Some(l), Some(r)) => Poll::Ready((l, r)),
            (l, r) => {
                (left, right) = (l, r);
                Poll::Pending
            }
        }
    })
    .await
}

fn unit_not_found() -> ServiceError {
    ServiceError::NotFound { what: "org unit", zh: "该行政区划" }
}

/// The form of `template` for `unit`, pre-filled from its ledger now and
/// masked for `principal` (unmasked reads audited as `form`).
async fn form_for<S: SubmissionStore + AuditLog>(
    principal: &Principal,
    template: &CompiledTemplate,
    unit: &OrgUnit,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<(Form, FormTiming), ServiceError> {
    let entity = &template.subject.entity;
    if entity != "org_unit" && unit.level != OrgLevel::Village {
        return Err(ServiceError::BadRequest {
            code: "not_a_village",
            message: Text::new(
                "此报表按村（社区）台账生成，请选择一个村或社区",
                "this form is generated from a village's ledger: choose a village or community",
            ),
        });
    }
    let started = clock();
    let records = if entity == "org_unit" { Vec::new() } else { store.records(&unit.code, entity).await? };
    let fetched = clock();
    let mut form = match now.today() {
        Some(today) => crate::prefill::prefill_on(template, unit, &records, today),
        None => crate::prefill(template, unit, &records),
    };
    form.plan = Some(template.plan());
    let filled = clock();
    let catalog = store.catalog()?;
    form.item_titles = template
        .fields
        .iter()
        .filter_map(|f| match &f.source {
            crate::compile::FieldSource::Ledger { item } => catalog.get(item).map(|i| (item.clone(), i.title.clone())),
            _ => None,
        })
        .collect();
    let unmasked = mask_template_rows(principal, &catalog, template, form.rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = form.rows.iter().map(|r| r.subject_id.clone()).collect();
    store.unmasked_read(principal, "form", &unmasked, &subjects, now).await?;
    let audited = clock();
    Ok((form, FormTiming { records: fetched - started, prefill: filled - fetched, mask_audit: audited - filled }))
}

/// The newest version of a template as a form for an org unit.
pub async fn generate_form<S: Directory + SubmissionStore + AuditLog>(
    principal: &Principal,
    request: &FormRequest,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<(Form, FormTiming), ServiceError> {
    require(principal, &Action::GenerateForm { org_unit: &request.org_unit })?;
    let template =
        store.template(&request.template_id, None).await?.ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
    let unit = store.org_unit(&request.org_unit).await?.ok_or_else(unit_not_found)?;
    form_for(principal, &template, &unit, now, store, clock).await
}

/// Task `id`'s form, generated now, and its draft (for a returned task
/// without one: the rows it was returned with, as revision 0). Marks the
/// task opened the first time.
pub async fn open_task_form<S: Directory + SubmissionStore + SubmissionReads + AuditLog>(
    principal: &Principal,
    id: &str,
    now: &Now,
    store: &S,
    clock: &dyn Fn() -> f64,
) -> Result<(TaskForm, FormTiming), ServiceError> {
    let mut task = task_or_404(store, id).await?;
    require(principal, &Action::GenerateForm { org_unit: &task.org_unit })?;
    let (template, unit) = join(store.template(&task.template_id, Some(task.template_version)), store.org_unit(&task.org_unit)).await;
    let (template, unit) = (template?, unit?.ok_or_else(unit_not_found)?);
    let template = template.ok_or_else(|| ServiceError::Storage(format!("task {id} names a missing template")))?;
    // The form and the draft are independent reads: await them together.
    let (form, draft) = join(form_for(principal, &template, &unit, now, store, clock), store.draft(&task.id)).await;
    let ((form, timing), draft) = (form?, draft?);
    if task.status == TaskStatus::NotOpened || task.opened_at.is_none() {
        store.mark_opened(&task.id, &now.instant).await?;
        task.status = task.status.on_open();
        task.opened_at.get_or_insert_with(|| now.instant.clone());
    }
    let draft = match (draft, &task.submission_id) {
        (Some(draft), _) => Some(draft),
        (None, Some(submission)) if task.status == TaskStatus::Returned => store.submission(submission).await?.map(|s| Draft {
            task_id: task.id.clone(),
            revision: 0,
            rows: s.rows,
            saved_at: s.receipt.submitted_at,
        }),
        (None, _) => None,
    };
    Ok((TaskForm { task, form, draft }, timing))
}
