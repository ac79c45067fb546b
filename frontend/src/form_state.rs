//! The state of one form being filled in, as a reducer: what staff typed,
//! and the errors core's validator finds in it.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde_json::{Map, Value};
use yew::Reducible;
use ybt_core::api::{Form, SubmissionReceipt, SubmissionRequest, SubmittedRow};
use ybt_core::messages::Text;
use ybt_core::{CompiledTemplate, FieldError};

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Editing,
    Submitting,
    Submitted(SubmissionReceipt),
}

/// A cell: row index and field key.
pub type Cell = (usize, String);

#[derive(Debug, Clone)]
pub struct FormState {
    pub form: Rc<Form>,
    pub template: Rc<CompiledTemplate>,
    /// Current values of every row: pre-filled and entered.
    pub rows: Vec<Map<String, Value>>,
    /// What staff typed, exactly, per new-field cell.
    pub raw: HashMap<Cell, String>,
    pub errors: HashMap<Cell, Text>,
    /// Cells staff have typed in: only their errors show while typing, so
    /// filling one cell does not paint the rest of its row red.
    pub touched: HashSet<Cell>,
    /// Whether a submit was tried: from then on every error shows.
    pub attempted: bool,
    /// Errors not tied to a cell (from the worker).
    pub general: Vec<Text>,
    /// Idempotency key: the same for every retry of this form's submit.
    pub submission_id: String,
    pub status: Status,
}

pub enum FormAction {
    Edit { row: usize, key: String, raw: String },
    ShowErrors(Vec<FieldError>),
    Submitting,
    Submitted(SubmissionReceipt),
    Failed(Text),
}

impl PartialEq for FormState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.form, &other.form)
            && self.rows == other.rows
            && self.errors == other.errors
            && self.general == other.general
            && self.status == other.status
    }
}

impl FormState {
    /// The error to show at a cell now, if any.
    pub fn visible_error(&self, cell: &Cell) -> Option<&Text> {
        (self.attempted || self.touched.contains(cell)).then(|| self.errors.get(cell)).flatten()
    }

    pub fn new(form: Form, template: CompiledTemplate, submission_id: String) -> FormState {
        let mut rows: Vec<Map<String, Value>> = form.rows.iter().map(|r| r.values.clone()).collect();
        for row in &mut rows {
            ybt_core::compute_row(&template, row, today());
        }
        FormState {
            form: Rc::new(form),
            template: Rc::new(template),
            rows,
            raw: HashMap::new(),
            errors: HashMap::new(),
            touched: HashSet::new(),
            attempted: false,
            general: Vec::new(),
            submission_id,
            status: Status::Editing,
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
                .map(|(row, values)| SubmittedRow { subject_id: row.subject_id.clone(), values: values.clone() })
                .collect(),
            task_id: None,
            corrected_cells: 0,
        }
    }

    /// Validates the whole form with core, as the worker will.
    pub fn check_all(&self) -> Vec<FieldError> {
        match serde_json::to_value(self.request()) {
            Ok(body) => ybt_core::validate_submission(&self.template, &body).err().unwrap_or_default(),
            Err(e) => vec![FieldError { pointer: String::new(), code: "malformed".into(), message: Text::new(e.to_string(), e.to_string()) }],
        }
    }

    fn revalidate_row(&mut self, row: usize) {
        self.errors.retain(|(r, _), _| *r != row);
        let values = Value::Object(self.rows[row].clone());
        for error in ybt_core::validate(&self.template, &values) {
            let key = first_segment(&error.pointer);
            self.errors.entry((row, key)).or_insert(error.message);
        }
    }

    fn place_errors(&mut self, errors: Vec<FieldError>) {
        self.errors.clear();
        self.general.clear();
        for error in errors {
            match cell_of(&error.pointer) {
                Some(cell) => {
                    self.errors.entry(cell).or_insert(error.message);
                }
                None => self.general.push(error.message),
            }
        }
    }
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
        Some("number") => trimmed.parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
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
        let mut next = (*self).clone();
        match action {
            FormAction::Edit { row, key, raw } => {
                if row >= next.rows.len() || next.status != Status::Editing {
                    return self;
                }
                let json_type = next.template.field(&key).and_then(|f| f.json_type.clone());
                match parse_input(json_type.as_deref(), &raw) {
                    Some(value) => next.rows[row].insert(key.clone(), value),
                    None => next.rows[row].remove(&key),
                };
                next.touched.insert((row, key.clone()));
                next.raw.insert((row, key), raw);
                let template = Rc::clone(&next.template);
                ybt_core::compute_row(&template, &mut next.rows[row], today());
                next.revalidate_row(row);
            }
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
        }
        Rc::new(next)
    }
}
