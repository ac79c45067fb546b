//! The field plan: for each top-level property, where its value comes from
//! (`x-ledger`, `x-compute` or staff), its write-back target and UI hints.

use serde_json::{Map, Value};

use super::error::{TemplateError, TemplateErrorCode as C, problem};
use super::plan::{FieldPlan, FieldSource, UiHints, escape_pointer};
use crate::catalog::{Catalog, CatalogItem};
use crate::expr::{self, Expr};
use crate::template::Subject;
use crate::text::Text;

/// Widgets the front-end knows how to draw.
pub const WIDGETS: &[&str] = &["text", "textarea", "number", "date", "select", "radio", "checkbox"];
/// Widest cell a template may ask for, in characters.
pub const MAX_WIDTH: u64 = 100;

/// A computed field ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct ComputedField {
    pub key: String,
    pub expr: Expr,
    /// Uses `sum`: computed once per form, not per row.
    pub aggregate: bool,
}

/// Builds the plan of every property, pushing each problem found.
pub(super) fn plan(
    doc: &Map<String, Value>,
    catalog: &Catalog,
    subject: Option<&Subject>,
    errors: &mut Vec<TemplateError>,
) -> (Vec<FieldPlan>, Vec<ComputedField>) {
    let required: Vec<&str> =
        doc.get("required").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let Some(properties) = doc.get("properties").and_then(Value::as_object) else {
        return (Vec::new(), Vec::new());
    };
    let mut fields = Vec::new();
    let mut computed: Vec<ComputedField> = Vec::new();
    for (index, (key, spec)) in properties.iter().enumerate() {
        let pointer = format!("/properties/{}", escape_pointer(key));
        let json_type = spec.get("type").and_then(Value::as_str).map(str::to_owned);
        let source = match (spec.get("x-ledger"), spec.get("x-compute")) {
            (Some(_), Some(_)) => {
                errors.push(problem(
                    format!("{pointer}/x-compute"),
                    C::ComputedAndBound,
                    Text::new(
                        "字段不能同时来自台账（x-ledger）和计算（x-compute）",
                        "a field cannot be both bound (x-ledger) and computed (x-compute)",
                    ),
                    Text::new("删去其中一个", "remove one of them"),
                ));
                FieldSource::New
            }
            (Some(binding), None) => {
                let name = binding.as_str().unwrap_or_default();
                let title = spec.get("title").and_then(Value::as_str);
                check_binding(name, title, &format!("{pointer}/x-ledger"), &pointer, json_type.as_deref(), catalog, subject, errors);
                FieldSource::Ledger { item: name.to_owned() }
            }
            (None, Some(source)) => {
                let text = source.as_str().unwrap_or_default();
                if let Some(field) = parse_computed(key, text, index, properties, &computed, &format!("{pointer}/x-compute"), errors) {
                    computed.push(field);
                }
                FieldSource::Computed { expr: text.to_owned() }
            }
            (None, None) => FieldSource::New,
        };
        let writeback = writeback(key, spec, &source, &pointer, json_type.as_deref(), catalog, subject, errors);
        let ui = ui_hints(spec.get("x-ui"), &format!("{pointer}/x-ui"), errors);
        let sensitive = sensitive(spec, &source, json_type.as_deref(), &pointer, errors);
        let known = |kind: &str| subject.is_some_and(|s| s.is_pick() && s.kinds.iter().any(|k| k.kind == kind));
        if let Some(unknown) = ui.kinds.iter().find(|k| !known(k)) {
            errors.push(problem(
                format!("{pointer}/x-ui/kinds"),
                C::InvalidUiHint,
                Text::new(
                    format!("x-ui 的 kinds 无效：“{unknown}”不是 x-subject.kinds 中的类别"),
                    format!("invalid x-ui kinds: \"{unknown}\" is not a kind of x-subject.kinds"),
                ),
                Text::new("kinds 只用于选取模式（mode: pick）的表", "kinds is for pick-mode forms only"),
            ));
        }
        fields.push(FieldPlan {
            key: key.clone(),
            title: spec.get("title").and_then(Value::as_str).unwrap_or(key).to_owned(),
            source,
            json_type,
            format: spec.get("format").and_then(Value::as_str).map(str::to_owned),
            pattern: spec.get("pattern").and_then(Value::as_str).map(str::to_owned),
            options: spec
                .get("enum")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            required: required.contains(&key.as_str()),
            ui,
            writeback,
            max_length: spec.get("maxLength").and_then(Value::as_u64),
            sensitive,
        });
    }
    check_carried(&fields, &computed, catalog, errors);
    // Fields with an explicit order first, by it; the rest keep document order.
    fields.sort_by_key(|f| (f.ui.order.is_none(), f.ui.order));
    (fields, computed)
}

/// `"x-sensitive": true` marks a new text field as personal data. Bound
/// fields take their sensitivity from the catalog and computed fields carry
/// nothing (their formulas may not copy a protected value), so the keyword
/// belongs on new fields of type string only.
fn sensitive(spec: &Value, source: &FieldSource, json_type: Option<&str>, pointer: &str, errors: &mut Vec<TemplateError>) -> bool {
    let Some(value) = spec.get("x-sensitive") else { return false };
    let at = format!("{pointer}/x-sensitive");
    let Some(flag) = value.as_bool() else {
        errors.push(problem(
            at,
            C::InvalidSensitive,
            Text::new("x-sensitive 只能是 true 或 false", "x-sensitive must be true or false"),
            Text::new("敏感字段写 \"x-sensitive\": true，否则删去此项", "write \"x-sensitive\": true, or remove it"),
        ));
        return false;
    };
    if !flag {
        return false;
    }
    let problem_with = match (source, json_type) {
        (FieldSource::Ledger { .. }, _) => Some(Text::new(
            "台账字段的敏感级别由台账决定，不能用 x-sensitive 标记",
            "a ledger field's sensitivity comes from the ledger: x-sensitive does not apply",
        )),
        (FieldSource::Computed { .. }, _) => {
            Some(Text::new("计算字段不能标记为敏感（x-sensitive）", "a computed field cannot be marked x-sensitive"))
        }
        (FieldSource::New, Some("string")) => None,
        (FieldSource::New, _) => Some(Text::new(
            "只有文本字段（\"type\": \"string\"）可以标记为敏感（x-sensitive）",
            "only text fields (\"type\": \"string\") can be marked x-sensitive",
        )),
    };
    match problem_with {
        Some(message) => {
            errors.push(problem(
                at,
                C::InvalidSensitive,
                message,
                Text::new(
                    "银行卡号等敏感信息请用文本字段（\"type\": \"string\"）并加 \"x-sensitive\": true",
                    "type sensitive data such as bank card numbers as text (\"type\": \"string\") with \"x-sensitive\": true",
                ),
            ));
            false
        }
        None => true,
    }
}

/// A formula's result is shown to every reader of the form, unmasked: it
/// may read a protected field (bound to an ID number, a phone or a birth
/// date, written back to one, typed in an identifier format) only through
/// `age()` or `len()`, which reveal no more than masking shows.
fn check_carried(fields: &[FieldPlan], computed: &[ComputedField], catalog: &Catalog, errors: &mut Vec<TemplateError>) {
    for c in computed {
        let protected: Vec<&str> = c
            .expr
            .carried_fields()
            .into_iter()
            .filter(|name| fields.iter().any(|f| f.key == *name && crate::access::field_guard(catalog, f).is_some()))
            .collect();
        if let Some(name) = protected.first() {
            errors.push(problem(
                format!("/properties/{}/x-compute", escape_pointer(&c.key)),
                C::ComputedReadsSensitive,
                Text::new(
                    format!("计算公式直接使用了敏感字段 {name}（身份证号、电话或出生日期），结果会绕过脱敏"),
                    format!(
                        "the formula reads the sensitive field {name} (ID number, phone or birth date); its result would bypass masking"
                    ),
                ),
                Text::new(
                    "敏感字段只能经 age() 或 len() 使用，或改为绑定台账数据项（x-ledger）",
                    "read sensitive fields only through age() or len(), or bind the ledger item (x-ledger) instead",
                ),
            ));
        }
    }
}

/// A binding must name a catalog item of the form's subject, of the same type.
#[allow(clippy::too_many_arguments)]
fn check_binding(
    name: &str,
    title: Option<&str>,
    at: &str,
    field_pointer: &str,
    json_type: Option<&str>,
    catalog: &Catalog,
    subject: Option<&Subject>,
    errors: &mut Vec<TemplateError>,
) -> Option<CatalogItem> {
    let Some(item) = catalog.get(name) else {
        let entity = subject.filter(|s| !s.is_pick()).map(|s| s.entity.as_str());
        let hint = match catalog.suggest(name, title, entity) {
            Some(close) => Text::new(
                format!("是否想绑定「{}」？改为 \"{}\"；或在“从台账目录选择”中搜索中文名称", close.title, close.name),
                format!("did you mean \"{}\" ({})? Or search the ledger catalog by its Chinese name", close.name, close.title),
            ),
            None => Text::new(
                "在“从台账目录选择”中按中文名称搜索，点“添加”；台账里没有的数据请作为新增填报字段（删去 x-ledger）",
                "search the ledger catalog by the Chinese name and add it; data the ledger lacks is a new field (remove x-ledger)",
            ),
        };
        errors.push(problem(
            at,
            C::UnknownLedgerItem,
            Text::new(format!("台账中没有数据项 \"{name}\""), format!("no ledger item \"{name}\"")),
            hint,
        ));
        return None;
    };
    if let Some(subject) = subject.filter(|s| !s.binds(&item.entity)) {
        let entities = if subject.is_pick() {
            subject.kinds.iter().filter_map(|k| k.entity.as_deref()).collect::<Vec<_>>().join("/")
        } else {
            subject.entity.clone()
        };
        errors.push(problem(
            at,
            C::LedgerEntityMismatch,
            Text::new(format!("表格每行是 {entities}，不能绑定 {name}"), format!("rows are {entities} records; cannot bind {name}")),
            Text::new(format!("绑定 {entities} 的数据项"), format!("bind an item of {entities}")),
        ));
    }
    if let (Some(declared), Some(expected)) = (json_type, &item.json_type)
        && declared != expected
    {
        errors.push(problem(
            format!("{field_pointer}/type"),
            C::LedgerTypeMismatch,
            Text::new(
                format!("类型 {declared} 与台账数据项 {name} 的类型 {expected} 不符"),
                format!("type {declared} contradicts ledger item {name} of type {expected}"),
            ),
            Text::new(format!("改为 \"type\": \"{expected}\""), format!("use \"type\": \"{expected}\"")),
        ));
    }
    Some(item.clone())
}

/// Parses `x-compute` and checks what it reads: other fields of this
/// template; a row formula may read computed fields only if they come
/// earlier (rows are computed in document order, so there are no cycles).
fn parse_computed(
    key: &str,
    source: &str,
    index: usize,
    properties: &Map<String, Value>,
    earlier: &[ComputedField],
    pointer: &str,
    errors: &mut Vec<TemplateError>,
) -> Option<ComputedField> {
    let expr = match expr::parse(source) {
        Ok(expr) => expr,
        Err(e) => {
            let text = e.kind.text();
            errors.push(problem(
                pointer,
                C::InvalidExpression,
                Text::new(
                    format!("计算公式第 {} 个字符处：{}", e.position + 1, text.zh),
                    format!("formula, at character {}: {}", e.position + 1, text.en),
                ),
                formula_hint(),
            ));
            return None;
        }
    };
    let aggregate = expr.is_aggregate();
    let mut ok = true;
    for name in expr.fields() {
        let position = properties.keys().position(|k| k == name);
        let computed_later = properties.get(name).is_some_and(|s| s.get("x-compute").is_some()) && !earlier.iter().any(|c| c.key == name);
        let reads_aggregate = earlier.iter().any(|c| c.key == name && c.aggregate);
        let reason = match position {
            None => Some(Text::new(format!("没有字段 {name}"), format!("no field {name}"))),
            Some(i) if i == index => Some(Text::new("公式不能引用字段自身", "a formula cannot read its own field")),
            _ if computed_later && !aggregate => {
                Some(Text::new(format!("{name} 是后面的计算字段"), format!("{name} is a computed field that comes later")))
            }
            _ if reads_aggregate && !aggregate => Some(Text::new(
                format!("{name} 是汇总字段，每行公式不能引用"),
                format!("{name} is a summary field; row formulas cannot read it"),
            )),
            _ => None,
        };
        if let Some(reason) = reason {
            ok = false;
            errors.push(problem(
                pointer,
                C::UnknownFieldReference,
                Text::new(format!("计算公式引用无效：{}", reason.zh), format!("invalid reference in formula: {}", reason.en)),
                Text::new(
                    format!(
                        "公式里用字段名（英文）引用本表中排在前面的字段，本表的字段名有：{}",
                        properties.keys().filter(|k| *k != key).cloned().collect::<Vec<_>>().join("、")
                    ),
                    format!(
                        "refer to fields of this form that come earlier, by key: {}",
                        properties.keys().filter(|k| *k != key).cloned().collect::<Vec<_>>().join(", ")
                    ),
                ),
            ));
        }
    }
    ok.then(|| ComputedField { key: key.to_owned(), expr, aggregate })
}

/// How formulas are written, in words (authors do not have our docs).
pub(crate) fn formula_hint() -> Text {
    Text::new(
        "公式用字段名（英文）、数字和 + - * /，文本加单引号；可用函数：round(数, 位数) 四舍五入，if(条件, 是时的值, 否时的值)，age(身份证号或出生日期字段) 算年龄，len(文本) 算字数，sum(字段) 合计全表。例如 round(income / members, 2)",
        "a formula uses field keys, numbers and + - * /, text in single quotes; functions: round(x, n), if(condition, a, b), age(id number or birth date), len(text), sum(field) over all rows. E.g. round(income / members, 2)",
    )
}

/// `x-writeback: true` on a new field names the ledger item its value is
/// written to: `x-writeback-item`, or else `<subject entity>.<key>`.
#[allow(clippy::too_many_arguments)]
fn writeback(
    key: &str,
    spec: &Value,
    source: &FieldSource,
    pointer: &str,
    json_type: Option<&str>,
    catalog: &Catalog,
    subject: Option<&Subject>,
    errors: &mut Vec<TemplateError>,
) -> Option<String> {
    let explicit = spec.get("x-writeback-item").and_then(Value::as_str);
    match spec.get("x-writeback") {
        None | Some(Value::Bool(false)) if explicit.is_none() => return None,
        None | Some(Value::Bool(false)) => {
            errors.push(problem(
                format!("{pointer}/x-writeback-item"),
                C::InvalidWriteback,
                Text::new("有 x-writeback-item 却没有 \"x-writeback\": true", "x-writeback-item without \"x-writeback\": true"),
                Text::new("加上 \"x-writeback\": true，或删去 x-writeback-item", "add \"x-writeback\": true or remove x-writeback-item"),
            ));
            return None;
        }
        Some(Value::Bool(true)) => {}
        Some(_) => {
            errors.push(problem(
                format!("{pointer}/x-writeback"),
                C::InvalidWriteback,
                Text::new("x-writeback 必须是 true 或 false", "x-writeback must be true or false"),
                Text::new("写成 \"x-writeback\": true", "write \"x-writeback\": true"),
            ));
            return None;
        }
    }
    if *source != FieldSource::New {
        errors.push(problem(
            format!("{pointer}/x-writeback"),
            C::InvalidWriteback,
            Text::new(
                "只有新填字段可以回写台账（已绑定或计算的字段不行）",
                "only new fields can be written back (not bound or computed ones)",
            ),
            Text::new("删去 x-writeback", "remove x-writeback"),
        ));
        return None;
    }
    let entity = subject.map_or("org_unit", |s| s.entity.as_str());
    let item = explicit.map_or_else(|| format!("{entity}.{key}"), str::to_owned);
    let at = if explicit.is_some() { format!("{pointer}/x-writeback-item") } else { format!("{pointer}/x-writeback") };
    check_binding(&item, spec.get("title").and_then(Value::as_str), &at, pointer, json_type, catalog, subject, errors).map(|i| i.name)
}

/// `x-ui`: display hints only; they never change what is valid.
fn ui_hints(value: Option<&Value>, pointer: &str, errors: &mut Vec<TemplateError>) -> UiHints {
    let Some(value) = value else { return UiHints::default() };
    let mut hints = UiHints::default();
    let mut bad = |key: &str, zh: &str, en: &str| {
        errors.push(problem(
            format!("{pointer}/{}", escape_pointer(key)),
            C::InvalidUiHint,
            Text::new(format!("x-ui 的 {key} 无效：{zh}"), format!("invalid x-ui {key}: {en}")),
            Text::new(
                format!("x-ui 可写：order（整数，排列顺序）、widget（{}）、help（填写说明文字）、width（列宽字符数 1–{MAX_WIDTH}）、kinds（选取模式的行种类）", WIDGETS.join("、")),
                format!("x-ui takes: order (integer), widget ({}), help (text), width (1–{MAX_WIDTH} characters), kinds (pick forms)", WIDGETS.join(", ")),
            ),
        ));
    };
    let Some(map) = value.as_object() else {
        bad("", "应为对象", "must be an object");
        return hints;
    };
    for (key, v) in map {
        match key.as_str() {
            "order" => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
                Some(n) => hints.order = Some(n),
                None => bad(key, "应为整数", "must be an integer"),
            },
            "widget" => match v.as_str().filter(|w| WIDGETS.contains(w)) {
                Some(w) => hints.widget = Some(w.to_owned()),
                None => bad(key, &format!("应为 {} 之一", WIDGETS.join("、")), &format!("must be one of {}", WIDGETS.join(", "))),
            },
            "help" => match v.as_str() {
                Some(h) => hints.help = Some(h.to_owned()),
                None => bad(key, "应为文本", "must be a string"),
            },
            "width" => match v.as_u64().filter(|w| (1..=MAX_WIDTH).contains(w)) {
                Some(w) => hints.width = Some(w as u32),
                None => {
                    bad(key, &format!("应为 1–{MAX_WIDTH} 的整数（字符数）"), &format!("must be an integer 1–{MAX_WIDTH} (characters)"))
                }
            },
            "kinds" => match v.as_array().map(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>()) {
                Some(Some(kinds)) if !kinds.is_empty() => hints.kinds = kinds.into_iter().map(str::to_owned).collect(),
                _ => bad(key, "应为非空的类别名数组", "must be a non-empty array of kind names"),
            },
            _ => {
                bad(key, "未知的提示（可用：order、widget、help、width、kinds）", "unknown hint (known: order, widget, help, width, kinds)")
            }
        }
    }
    hints
}
