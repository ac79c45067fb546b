//! The state of one form being filled in, as a reducer: what staff typed,
//! and the errors core's validator finds in it.
//!
//! Every row is its own `Rc<RowState>`: an edit clones only the edited row
//! (and the vector of pointers), and row components compare rows by
//! pointer, so a keystroke in a 2,000-row form re-renders one row.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use serde_json::{Map, Value};
use ybt_core::api::{Form, Provenance, SubmissionReceipt, SubmissionRequest, SubmittedRow};
use ybt_core::compile::FieldPlan;
use ybt_core::ledger::LedgerRecord;
use ybt_core::messages::Text;
use ybt_core::{CompiledTemplate, FieldError};
use yew::Reducible;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Editing,
    Submitting,
    Submitted(SubmissionReceipt),
}

/// A cell: row index and field key.
pub type Cell = (usize, String);

/// One row: its values, what staff typed, its errors and the provenance of
/// its pre-filled cells (which a correction updates).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowState {
    pub values: Map<String, Value>,
    /// What staff typed, exactly, per new-field cell.
    pub raw: HashMap<String, String>,
    pub errors: HashMap<String, Text>,
    /// Cells staff have typed in: only their errors show while typing, so
    /// filling one cell does not paint the rest of its row red.
    pub touched: HashSet<String>,
    /// Cells whose control holds input the browser could not read (a date
    /// such as 2026-02-30): no value, and an error that says so.
    pub bad_input: HashSet<String>,
    pub provenance: BTreeMap<String, Provenance>,
}

impl RowState {
    /// The error to show at a cell now, if any.
    pub fn visible_error(&self, key: &str, attempted: bool) -> Option<&Text> {
        (attempted || self.touched.contains(key)).then(|| self.errors.get(key)).flatten()
    }

    fn revalidate(&mut self, template: &CompiledTemplate) {
        self.errors.clear();
        for error in ybt_core::validate(template, &Value::Object(self.values.clone())) {
            self.errors.entry(first_segment(&error.pointer)).or_insert(error.message);
        }
        self.mark_bad_input();
    }

    /// Unreadable input is named as such, whatever else the validator says
    /// of the empty cell (not 必填项 for a date typed as 02/30).
    fn mark_bad_input(&mut self) {
        for key in &self.bad_input {
            self.errors.insert(key.clone(), bad_input_message());
        }
    }
}

#[derive(Debug, Clone)]
pub struct FormState {
    pub form: Rc<Form>,
    pub template: Rc<CompiledTemplate>,
    /// The form's columns, shared by every row component.
    pub columns: Rc<Vec<Rc<FieldPlan>>>,
    pub rows: Vec<Rc<RowState>>,
    /// Whether a submit was tried: from then on every error shows.
    pub attempted: bool,
    /// Errors not tied to a cell (from the worker).
    pub general: Vec<Text>,
    /// Idempotency key: the same for every retry of this form's submit.
    pub submission_id: String,
    pub status: Status,
    /// Pre-filled cells corrected in the ledger from this form.
    pub corrected_cells: u32,
    /// Grows with every change of typed values: drafts save when it moves.
    pub edits: u64,
    /// The first cell with a problem after a failed submit, and how many
    /// problems there are; `focus_seq` grows with every such submit so the
    /// page moves focus there each time.
    pub first_problem: Option<Cell>,
    pub problem_count: usize,
    pub focus_seq: u64,
}

pub enum FormAction {
    Edit {
        row: usize,
        key: String,
        raw: String,
        bad_input: bool,
    },
    /// A ledger record as stored now, after a correction (`corrected`) or
    /// as the answer to a stale one: its cells and provenance are updated.
    Record {
        row: usize,
        record: LedgerRecord,
        corrected: bool,
    },
    /// Typed values adopted from another copy of the draft: `merged` was
    /// made from this browser's `local` draft (see `FormState::adopt`).
    Adopt {
        local: Vec<SubmittedRow>,
        merged: Vec<SubmittedRow>,
    },
    ShowErrors(Vec<FieldError>),
    Submitting,
    Submitted(SubmissionReceipt),
    Failed(Text),
}

/// Whether two lists hold the very same rows: rows compare by pointer, so a
/// keystroke that replaced one row is seen without comparing any values.
pub fn same_rows(a: &[Rc<RowState>], b: &[Rc<RowState>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| Rc::ptr_eq(a, b))
}

impl PartialEq for FormState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.form, &other.form)
            && same_rows(&self.rows, &other.rows)
            && self.attempted == other.attempted
            && self.general == other.general
            && self.status == other.status
            && self.corrected_cells == other.corrected_cells
            && self.first_problem == other.first_problem
            && self.problem_count == other.problem_count
            && self.focus_seq == other.focus_seq
    }
}

impl FormState {
    /// A form with `restored` typed values (a draft) laid over the
    /// generated rows.
    pub fn new(form: Form, template: CompiledTemplate, submission_id: String, restored: &[SubmittedRow]) -> FormState {
        crate::catalog::remember_item_titles(&form.item_titles);
        let values = ybt_core::drafts::restore(&form.columns, &form.rows, restored);
        let today = today();
        let rows = form
            .rows
            .iter()
            .zip(values)
            .map(|(generated, mut values)| {
                ybt_core::compute_row(&template, &mut values, today);
                let provenance = form.columns.iter().filter_map(|c| Some((c.key.clone(), generated.provenance(c)?))).collect();
                Rc::new(RowState { values, provenance, ..RowState::default() })
            })
            .collect();
        FormState {
            columns: Rc::new(form.columns.iter().cloned().map(Rc::new).collect()),
            form: Rc::new(form),
            template: Rc::new(template),
            rows,
            attempted: false,
            general: Vec::new(),
            submission_id,
            status: Status::Editing,
            corrected_cells: 0,
            edits: 0,
            first_problem: None,
            problem_count: 0,
            focus_seq: 0,
        }
    }

    /// The submission body for the current values.
    pub fn request(&self) -> SubmissionRequest {
        SubmissionRequest {
            submission_id: self.submission_id.clone(),
            template_id: self.form.template_id.clone(),
            template_version: self.form.template_version,
            org_unit: self.form.org_unit.code.clone(),
            rows: self
                .form
                .rows
                .iter()
                .zip(&self.rows)
                .map(|(row, state)| SubmittedRow { subject_id: row.subject_id.clone(), values: state.values.clone() })
                .collect(),
            task_id: None,
            corrected_cells: self.corrected_cells,
            nothing_to_report: false,
        }
    }

    /// What a draft keeps: the typed values of each row.
    pub fn typed_rows(&self) -> Vec<SubmittedRow> {
        ybt_core::drafts::typed_rows(
            &self.form.columns,
            self.form.rows.iter().zip(&self.rows).map(|(row, state)| (row.subject_id.as_str(), &state.values)),
        )
    }

    /// Validates the whole form with core, as the worker will, plus the
    /// cells whose input the browser could not read.
    pub fn check_all(&self) -> Vec<FieldError> {
        let mut errors = match submission_body(&self.request()) {
            Ok(body) => ybt_core::validate_submission(&self.template, &body).err().unwrap_or_default(),
            Err(e) => {
                vec![FieldError::zh_en("", "malformed", e.to_string(), e.to_string())]
            }
        };
        for (i, row) in self.rows.iter().enumerate() {
            for key in &row.bad_input {
                errors.push(FieldError::new(
                    format!("/rows/{i}/values/{}", key.replace('~', "~0").replace('/', "~1")),
                    "bad_input",
                    bad_input_message(),
                ));
            }
        }
        errors
    }

    fn place_errors(&mut self, errors: Vec<FieldError>) {
        for row in &mut self.rows {
            if !row.errors.is_empty() {
                Rc::make_mut(row).errors.clear();
            }
        }
        self.general.clear();
        for error in errors {
            match cell_of(&error.pointer) {
                Some((row, key)) if row < self.rows.len() => {
                    Rc::make_mut(&mut self.rows[row]).errors.entry(key).or_insert(error.message);
                }
                _ => self.general.push(error.message),
            }
        }
        for row in &mut self.rows {
            if !row.bad_input.is_empty() {
                Rc::make_mut(row).mark_bad_input();
            }
        }
        // The first problem in reading order: row by row, column by column.
        let columns = Rc::clone(&self.columns);
        self.problem_count = self.rows.iter().map(|r| r.errors.len()).sum();
        self.first_problem = self
            .rows
            .iter()
            .enumerate()
            .find_map(|(i, row)| columns.iter().find(|c| row.errors.contains_key(&c.key)).map(|c| (i, c.key.clone())));
        self.focus_seq += 1;
    }

    fn edit(&mut self, row: usize, key: String, raw: String, bad_input: bool) {
        let json_type = self.template.field(&key).and_then(|f| f.json_type.clone());
        let template = Rc::clone(&self.template);
        let state = Rc::make_mut(&mut self.rows[row]);
        match parse_input(json_type.as_deref(), &raw) {
            Some(value) => state.values.insert(key.clone(), value),
            None => state.values.remove(&key),
        };
        state.touched.insert(key.clone());
        if bad_input {
            state.values.remove(&key);
            state.bad_input.insert(key.clone());
        } else {
            state.bad_input.remove(&key);
        }
        state.raw.insert(key, raw);
        ybt_core::compute_row(&template, &mut state.values, today());
        state.revalidate(&template);
        self.edits += 1;
    }

    /// Takes a ledger record's current values and version into every cell
    /// of `row` that was pre-filled from it.
    fn take_record(&mut self, row: usize, record: &LedgerRecord) {
        let template = Rc::clone(&self.template);
        let columns = Rc::clone(&self.columns);
        let subject = self.form.rows[row].subject_id.clone();
        let state = Rc::make_mut(&mut self.rows[row]);
        for column in columns.iter() {
            let ybt_core::compile::FieldSource::Ledger { item } = &column.source else { continue };
            let from_record = state.provenance.get(&column.key).map_or(record.id == subject, |p| p.record_id == record.id);
            let Some((_, field)) = ybt_core::ids::LedgerItem::split(item) else { continue };
            if !from_record {
                continue;
            }
            match record.data.get(field) {
                None | Some(Value::Null) => state.values.remove(&column.key),
                Some(value) => state.values.insert(column.key.clone(), value.clone()),
            };
            state.provenance.insert(
                column.key.clone(),
                Provenance {
                    item: item.clone(),
                    record_id: record.id.clone(),
                    record_version: record.version,
                    updated_at: record.updated_at.clone(),
                    updated_by: record.updated_by.clone(),
                },
            );
        }
        ybt_core::compute_row(&template, &mut state.values, today());
        state.revalidate(&template);
    }

    /// Takes a merged draft (`merged`, made from this browser's `local`
    /// draft and a newer one on the server) without losing what was typed
    /// during the round trip: the same three-way merge again, with `local`
    /// as the base and what the form holds now as ours, so a cell changed
    /// since `local` keeps its current value.
    fn adopt(&mut self, local: &[SubmittedRow], merged: &[SubmittedRow]) {
        let typed = ybt_core::drafts::merge(local, &self.typed_rows(), merged);
        let merged = ybt_core::drafts::restore(&self.form.columns, &self.form.rows, &typed);
        let template = Rc::clone(&self.template);
        for (state, mut values) in self.rows.iter_mut().zip(merged) {
            // Pre-filled cells keep what this form shows now (corrections included).
            for column in self.form.columns.iter().filter(|c| !c.is_new()) {
                match state.values.get(&column.key) {
                    Some(v) => values.insert(column.key.clone(), v.clone()),
                    None => values.remove(&column.key),
                };
            }
            ybt_core::compute_row(&template, &mut values, today());
            if values != state.values {
                let state = Rc::make_mut(state);
                // Only cells whose value changes lose their typed text.
                let changed: Vec<String> = state.raw.keys().filter(|k| values.get(*k) != state.values.get(*k)).cloned().collect();
                for key in changed {
                    state.raw.remove(&key);
                }
                state.values = values;
                state.revalidate(&template);
            }
        }
    }
}

/// What a cell whose input could not be read says.
fn bad_input_message() -> Text {
    Text::new("日期无效，请按 年-月-日 填写真实存在的日期", "Not a valid date: enter a real date as year-month-day")
}

/// Today in the browser's time zone, for computed fields such as `age()`.
fn today() -> Option<ybt_core::expr::Date> {
    let now = js_sys::Date::new_0();
    let text = format!("{:04}-{:02}-{:02}", now.get_full_year(), now.get_month() + 1, now.get_date());
    ybt_core::expr::Date::parse(&text)
}

/// `/monthly_income/3` → `monthly_income`.
fn first_segment(pointer: &str) -> String {
    pointer.trim_start_matches('/').split('/').next().unwrap_or_default().replace("~1", "/").replace("~0", "~")
}

/// `/rows/3/values/monthly_income` → `(3, "monthly_income")`.
pub fn cell_of(pointer: &str) -> Option<Cell> {
    let rest = pointer.strip_prefix("/rows/")?;
    let (row, rest) = rest.split_once('/')?;
    let key = rest.strip_prefix("values/")?;
    Some((row.parse().ok()?, first_segment(key)))
}

/// Turns typed text into the JSON value the column expects. Text that is
/// not a number stays text, so the validator reports it as the wrong type.
pub fn parse_input(json_type: Option<&str>, raw: &str) -> Option<Value> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let value = match json_type {
        // Whole numbers stay integers, so a restored draft shows what was typed.
        Some("number") => trimmed
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| trimmed.parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))),
        Some("integer") => trimmed.parse::<i64>().ok().map(Value::from),
        Some("boolean") => match trimmed {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    Some(value.unwrap_or_else(|| Value::String(trimmed.to_owned())))
}

impl Reducible for FormState {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        let editable = next.status == Status::Editing;
        match action {
            FormAction::Edit { row, key, raw, bad_input } if editable && row < next.rows.len() => next.edit(row, key, raw, bad_input),
            FormAction::Record { row, record, corrected } if row < next.rows.len() => {
                next.take_record(row, &record);
                if corrected {
                    next.corrected_cells += 1;
                    next.edits += 1;
                }
            }
            FormAction::Adopt { local, merged } => next.adopt(&local, &merged),
            FormAction::ShowErrors(errors) => {
                next.status = Status::Editing;
                next.attempted = true;
                next.place_errors(errors);
            }
            FormAction::Submitting => next.status = Status::Submitting,
            FormAction::Submitted(receipt) => next.status = Status::Submitted(receipt),
            FormAction::Failed(message) => {
                next.status = Status::Editing;
                next.general = vec![message];
            }
            FormAction::Edit { .. } | FormAction::Record { .. } => {}
        }
        Rc::new(next)
    }
}

/// A page's reducer: empty until the form loads, then the form's state.
#[derive(Clone, PartialEq)]
pub struct FormHolder(pub Option<Rc<FormState>>);

pub enum Holder {
    Load(FormState),
    Act(FormAction),
}

impl Reducible for FormHolder {
    type Action = Holder;

    fn reduce(self: Rc<Self>, action: Holder) -> Rc<Self> {
        match action {
            Holder::Load(state) => Rc::new(FormHolder(Some(Rc::new(state)))),
            // The state is shared with the page's last render (its `FormBody`
            // holds the same `Rc`), so the reducer copies it once per action
            // and the page passes it on without copying again.
            Holder::Act(action) => match Rc::unwrap_or_clone(self).0 {
                Some(current) => Rc::new(FormHolder(Some(current.reduce(action)))),
                None => Rc::new(FormHolder(None)),
            },
        }
    }
}

/// A submission as the JSON value core's `validate_submission` checks: the
/// text the worker will receive, read back. Through text rather than
/// `serde_json::to_value`, so the village wasm carries one serializer of the
/// submission's types, the one that writes the request (issue 14: bytes).
pub fn submission_body(request: &ybt_core::api::SubmissionRequest) -> serde_json::Result<serde_json::Value> {
    serde_json::from_str(&serde_json::to_string(request)?)
}
