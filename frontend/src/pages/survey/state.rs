//! The survey page's state as one reducer: the form and its compiled
//! template, what the device keeps (`Local`), core's errors of each row —
//! recomputed for a row when it changes, never while rendering — and the
//! messages shown.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ybt_core::api::{Form, SubmittedRow, TaskForm, TaskSummary};
use ybt_core::survey::error_place;
use ybt_core::{CompiledTemplate, FieldError};
use yew::prelude::*;

use crate::survey_io;

/// What the device keeps of a survey being filled: the rows, the text
/// typed into number boxes, the 本村无灾情 confirmation and the id the
/// submission will carry (chosen once, so a re-send is the same submission).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Local {
    pub submission_id: String,
    pub rows: Vec<SubmittedRow>,
    /// Typed text of number fields, by `subject_id` and field key.
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
    #[serde(default)]
    pub nothing_to_report: bool,
}

/// Where the task's form is kept for use offline: the answer to
/// `POST /api/tasks/{id}/form` as it came (a [`TaskForm`]; kept as text, so
/// the village wasm carries no serializer of a form and its plan). A copy
/// kept by an older app (a bare `Form`) does not read and is fetched again.
pub fn form_key(task: &str) -> String {
    format!("ybt-survey-form:{task}")
}

thread_local! {
    /// The task (as the form's answer gave it) whose form the page that
    /// opened it has just fetched and kept (`OpenTask` asks for a task's
    /// form while it finds out whether the task is a survey's): the survey
    /// page takes that copy rather than asking for the form a second time.
    static JUST_KEPT: std::cell::RefCell<Option<TaskSummary>> = const { std::cell::RefCell::new(None) };
}

/// Keeps the form `OpenTask` was answered (its text, as the server sent
/// it, and the task it came with) for the survey page about to open.
pub fn keep_opened(task: &TaskSummary, text: &str) {
    survey_io::save_text(&form_key(&task.id), text);
    JUST_KEPT.with(|k| *k.borrow_mut() = Some(task.clone()));
}

/// The task of the form kept for `task_id`, when it was fetched just now,
/// on the way to this page (taken once: a later visit asks the server
/// again).
pub fn take_just_kept(task_id: &str) -> Option<TaskSummary> {
    JUST_KEPT.with(|k| k.borrow_mut().take_if(|t| t.id == task_id))
}

pub fn rows_key(task: &str) -> String {
    format!("ybt-survey-rows:{task}")
}

/// The key of one cell (a number box's text, a field's message).
pub fn text_key(subject: &str, key: &str) -> String {
    format!("{subject}\u{1f}{key}")
}

pub fn uuid() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_default()
}

/// A compiled template, compared by identity (it is compiled once per form).
#[derive(Debug, Clone)]
pub struct Template(pub Rc<CompiledTemplate>);

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The form's template from the plan the worker sent with it (never compiled here).
fn template_of(form: &Form) -> Option<Template> {
    crate::pages::task::load_template(form).ok().map(|t| Template(Rc::new(t)))
}

/// A message at a field (photo refused or resized, location failed); `error` marks a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurveyState {
    pub form: Option<Rc<Form>>,
    pub template: Option<Template>,
    pub local: Local,
    /// Core's errors of each row, by `subject_id`.
    pub checks: HashMap<String, Rc<Vec<FieldError>>>,
    /// The message under the submit button.
    pub note: Option<String>,
    /// The errors of the last submit attempt (placed by row number).
    pub shown_errors: Vec<FieldError>,
    /// Whether staff tried to submit: missing values are pointed out from then on.
    pub tried: bool,
    /// Messages at fields, by `text_key`.
    pub notes: HashMap<String, Note>,
    /// `blob:` URLs of the photos kept on the device (or the server's address), by hash.
    pub previews: Rc<HashMap<String, String>>,
}

pub enum Action {
    /// The form came from the worker (the template is compiled again).
    FormLoaded(Form),
    AddRow(SubmittedRow),
    RemoveRow {
        subject: String,
    },
    /// Sets (or clears) a cell's value and, for a number box, its typed text.
    SetCell {
        subject: String,
        key: String,
        value: Option<Value>,
        text: Option<String>,
    },
    NothingToReport(bool),
    Note(Option<String>),
    FieldNote {
        key: String,
        note: Option<Note>,
    },
    /// A refused submit: its errors, shown at their fields, and the message.
    ShowErrors {
        errors: Vec<FieldError>,
        note: String,
    },
    /// Queued: the shown errors and the message go.
    Queued,
    Preview {
        hash: String,
        url: String,
    },
}

impl SurveyState {
    /// The state kept on this device for `task_id`, with every row checked.
    pub fn load(task_id: &str) -> SurveyState {
        let form = survey_io::load::<TaskForm>(&form_key(task_id)).map(|kept| kept.form);
        let local = survey_io::load::<Local>(&rows_key(task_id)).unwrap_or_else(|| Local { submission_id: uuid(), ..Local::default() });
        let mut state =
            SurveyState { template: form.as_ref().and_then(template_of), form: form.map(Rc::new), local, ..SurveyState::default() };
        state.check_all();
        state
    }

    fn check_all(&mut self) {
        self.checks.clear();
        for i in 0..self.local.rows.len() {
            self.check(i);
        }
    }

    fn check(&mut self, index: usize) {
        let (Some(template), Some(row)) = (&self.template, self.local.rows.get(index)) else { return };
        let errors = ybt_core::validate(&template.0, &Value::Object(row.values.clone()));
        self.checks.insert(row.subject_id.clone(), Rc::new(errors));
    }

    /// Core's errors of a row.
    pub fn errors_of(&self, subject: &str) -> Rc<Vec<FieldError>> {
        self.checks.get(subject).cloned().unwrap_or_default()
    }

    /// An edit of the kept rows: a message about the form as it was ("add a
    /// row…") goes with it.
    fn edited(&mut self) {
        self.note = None;
    }
}

impl Reducible for SurveyState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::FormLoaded(form) => {
                next.template = template_of(&form);
                next.form = Some(Rc::new(form));
                next.check_all();
            }
            Action::AddRow(row) => {
                next.edited();
                next.local.rows.push(row);
                next.local.nothing_to_report = false;
                next.check(next.local.rows.len() - 1);
            }
            Action::RemoveRow { subject } => {
                next.edited();
                // Server messages are placed by row number: they no longer fit.
                next.shown_errors.clear();
                next.local.rows.retain(|r| r.subject_id != subject);
                next.local.texts.retain(|k, _| !k.starts_with(&format!("{subject}\u{1f}")));
                next.checks.remove(&subject);
            }
            Action::SetCell { subject, key, value, text } => {
                next.edited();
                let Some(index) = next.local.rows.iter().position(|r| r.subject_id == subject) else { return self };
                // The messages of the field go once it is edited.
                next.shown_errors.retain(|e| error_place(&e.pointer) != Some((index, Some(key.as_str()))));
                let row = &mut next.local.rows[index];
                match value {
                    Some(v) => row.values.insert(key.clone(), v),
                    None => row.values.remove(&key),
                };
                match text {
                    Some(t) => next.local.texts.insert(text_key(&subject, &key), t),
                    None => next.local.texts.remove(&text_key(&subject, &key)),
                };
                next.check(index);
            }
            Action::NothingToReport(checked) => {
                next.edited();
                next.local.nothing_to_report = checked;
            }
            Action::Note(note) => next.note = note,
            Action::FieldNote { key, note } => {
                match note {
                    Some(n) => next.notes.insert(key, n),
                    None => next.notes.remove(&key),
                };
            }
            Action::ShowErrors { errors, note } => {
                next.tried = true;
                next.shown_errors = errors;
                next.note = Some(note);
            }
            Action::Queued => {
                next.tried = true;
                next.shown_errors.clear();
                next.note = None;
            }
            Action::Preview { hash, url } => {
                Rc::make_mut(&mut next.previews).insert(hash, url);
            }
        }
        Rc::new(next)
    }
}
