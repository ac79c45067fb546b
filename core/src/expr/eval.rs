//! Evaluating a parsed expression over one row (and, for `sum`, a column).
//!
//! Evaluation never fails loudly: a missing input, a division by zero or a
//! type mix-up gives [`Value::Null`], and the computed field stays empty —
//! staff see a blank, not an error about a formula they did not write.

use serde_json::{Map, Value as Json};

use super::{BinOp, Expr, Func};
use crate::formats::{is_cn_id_number, is_valid_date};

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Number(f64),
    Str(String),
    Bool(bool),
    /// Only for `len` of a list field.
    List(usize),
}

impl Value {
    fn from_json(value: Option<&Json>) -> Value {
        match value {
            Some(Json::Number(n)) => n.as_f64().map_or(Value::Null, Value::Number),
            Some(Json::String(s)) => Value::Str(s.clone()),
            Some(Json::Bool(b)) => Value::Bool(*b),
            Some(Json::Array(items)) => Value::List(items.len()),
            Some(Json::Null | Json::Object(_)) | None => Value::Null,
        }
    }

    /// The JSON to store; whole numbers become integers so that a computed
    /// field typed `integer` validates.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Number(n) if !n.is_finite() => Json::Null,
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => Json::from(*n as i64),
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::String(s.clone()),
            Value::Bool(b) => Json::Bool(*b),
            Value::List(n) => Json::from(*n),
            Value::Null => Json::Null,
        }
    }
}

/// A calendar date; core has no clock, so "today" is always passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real date) or `YYYYMMDD`.
    pub fn parse(s: &str) -> Option<Date> {
        let digits: String = match s.len() {
            10 if s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' => s.split('-').collect(),
            8 => s.to_owned(),
            _ => return None,
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = digits[..4].parse().ok()?;
        let month = digits[4..6].parse().ok()?;
        let day = digits[6..].parse().ok()?;
        is_valid_date(year, month, day).then_some(Date { year, month, day })
    }

    /// Whole years from `self` to `today`; `None` if `today` is earlier.
    pub fn years_until(self, today: Date) -> Option<u32> {
        if today < self {
            return None;
        }
        let birthday_passed = (today.month, today.day) >= (self.month, self.day);
        Some(today.year - self.year - u32::from(!birthday_passed))
    }
}

/// What an expression may see besides literals.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The row being computed.
    pub row: &'a Map<String, Json>,
    /// Every row of the form, for `sum`; empty when computing one row.
    pub rows: &'a [Map<String, Json>],
    /// For `age()`; core has no clock. `None`: `age()` is empty.
    pub today: Option<Date>,
}

/// Evaluates `expr`.
pub fn eval(expr: &Expr, ctx: &EvalContext<'_>) -> Value {
    match expr {
        Expr::Number(n) => Value::Number(*n),
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Field(name) => Value::from_json(ctx.row.get(name)),
        Expr::Neg(inner) => match eval(inner, ctx) {
            Value::Number(n) => Value::Number(-n),
            _ => Value::Null,
        },
        Expr::Binary(op, a, b) => binary(*op, eval(a, ctx), eval(b, ctx)),
        Expr::Call(func, args) => call(*func, args, ctx),
    }
}

fn binary(op: BinOp, a: Value, b: Value) -> Value {
    use BinOp as B;
    use Value as V;
    match (op, a, b) {
        (_, V::Null, _) | (_, _, V::Null) => V::Null,
        (B::Add, V::Number(x), V::Number(y)) => V::Number(x + y),
        // `+` on text joins it: e.g. a full address from two parts.
        (B::Add, V::Str(x), V::Str(y)) => V::Str(x + &y),
        (B::Sub, V::Number(x), V::Number(y)) => V::Number(x - y),
        (B::Mul, V::Number(x), V::Number(y)) => V::Number(x * y),
        // Per-capita over zero members is unknown, not infinite.
        (B::Div, V::Number(_), V::Number(0.0)) => V::Null,
        (B::Div, V::Number(x), V::Number(y)) => V::Number(x / y),
        (B::Eq, x, y) => V::Bool(x == y),
        (B::Ne, x, y) => V::Bool(x != y),
        (op @ (B::Lt | B::Le | B::Gt | B::Ge), x, y) => {
            let ordering = match (x, y) {
                (V::Number(x), V::Number(y)) => x.partial_cmp(&y),
                (V::Str(x), V::Str(y)) => Some(x.cmp(&y)),
                _ => None,
            };
            ordering.map_or(V::Null, |o| {
                V::Bool(match op {
                    B::Lt => o.is_lt(),
                    B::Le => o.is_le(),
                    B::Gt => o.is_gt(),
                    _ => o.is_ge(),
                })
            })
        }
        _ => V::Null,
    }
}

fn call(func: Func, args: &[Expr], ctx: &EvalContext<'_>) -> Value {
    let arg = |i: usize| args.get(i).map_or(Value::Null, |a| eval(a, ctx));
    match func {
        // Only the chosen branch is evaluated.
        Func::If => match arg(0) {
            Value::Bool(true) => arg(1),
            Value::Bool(false) => arg(2),
            _ => Value::Null,
        },
        Func::Age => match arg(0) {
            Value::Str(s) => birth_date(&s)
                .zip(ctx.today)
                .and_then(|(b, today)| b.years_until(today))
                .map_or(Value::Null, |y| Value::Number(f64::from(y))),
            _ => Value::Null,
        },
        Func::Round => match (arg(0), arg(1)) {
            (Value::Number(x), Value::Number(n)) if (0.0..=10.0).contains(&n) => {
                let scale = 10f64.powi(n as i32);
                Value::Number((x * scale).round() / scale)
            }
            _ => Value::Null,
        },
        Func::Len => match arg(0) {
            Value::Str(s) => Value::Number(s.chars().count() as f64),
            Value::List(n) => Value::Number(n as f64),
            _ => Value::Null,
        },
        Func::Sum => match args.first() {
            Some(Expr::Field(name)) => Value::Number(ctx.rows.iter().filter_map(|r| r.get(name).and_then(Json::as_f64)).sum()),
            _ => Value::Null,
        },
    }
}

/// A birth date from a date string or from an 18-digit ID number.
fn birth_date(s: &str) -> Option<Date> {
    if s.len() == 18 {
        return is_cn_id_number(s).then(|| Date::parse(&s[6..14])).flatten();
    }
    Date::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;
    use serde_json::json;

    const TODAY: Date = Date { year: 2026, month: 11, day: 2 };

    fn check(source: &str, row: Json, expect: Json) {
        let row = row.as_object().cloned().unwrap_or_default();
        let rows = [row.clone()];
        let ctx = EvalContext { row: &row, rows: &rows, today: Some(TODAY) };
        let expr = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(eval(&expr, &ctx).to_json(), expect, "{source}");
    }

    #[test]
    fn arithmetic_and_per_capita() {
        check("round(income / members, 2)", json!({"income": 1000, "members": 3}), json!(333.33));
        check("income / members", json!({"income": 1000, "members": 0}), json!(null));
        check("income / members", json!({"income": 1000}), json!(null));
        check("a + b * 2 - -1", json!({"a": 1, "b": 2}), json!(6));
        check("round(2.5, 0)", json!({}), json!(3));
        check("round(x, 11)", json!({"x": 1}), json!(null));
        check("'青峰' + '村'", json!({}), json!("青峰村"));
        check("'a' + 1", json!({}), json!(null));
    }

    #[test]
    fn comparisons_and_if() {
        check("if(age(birth) >= 60, '老年', '非老年')", json!({"birth": "1966-11-02"}), json!("老年"));
        check("if(age(birth) >= 60, '老年', '非老年')", json!({"birth": "1966-11-03"}), json!("非老年"));
        check("if(x, 1, 2)", json!({"x": 5}), json!(null));
        check("a == '男'", json!({"a": "男"}), json!(true));
        check("a < 'b'", json!({"a": 1}), json!(null));
    }

    #[test]
    fn age_from_dates_and_id_numbers() {
        check("age(x)", json!({"x": "11010519491231002X"}), json!(76));
        check("age(x)", json!({"x": "1949-12-31"}), json!(76));
        check("age(x)", json!({"x": "2026-11-03"}), json!(null)); // born tomorrow
        check("age(x)", json!({"x": "110105194912310021"}), json!(null)); // bad check digit
        check("age(x)", json!({"x": "2023-02-29"}), json!(null));
    }

    #[test]
    fn len_and_sum() {
        check("len(name)", json!({"name": "张三丰"}), json!(3));
        check("len(tags)", json!({"tags": ["低保", "残疾"]}), json!(2));
        check("sum(n)", json!({"n": 4}), json!(4));
        let rows: Vec<Map<String, Json>> =
            [json!({"n": 1}), json!({"n": 2.5}), json!({"n": "x"}), json!({})].iter().filter_map(|v| v.as_object().cloned()).collect();
        let ctx = EvalContext { row: &rows[0], rows: &rows, today: Some(TODAY) };
        assert_eq!(eval(&parse("sum(n)").expect("parses"), &ctx), Value::Number(3.5));
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
        assert_eq!(Date::parse("20240229"), Some(Date { year: 2024, month: 2, day: 29 }));
        assert_eq!(Date::parse("2024-2-29"), None);
        assert_eq!(Date::parse("2024-02-3x"), None);
        assert_eq!(Date::parse("２０２４-02-29"), None);
    }
}
