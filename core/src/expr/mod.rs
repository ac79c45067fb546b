//! The expression language of computed fields (`"x-compute"`): a tiny,
//! sandboxed language — no loops, no user functions, no access to anything
//! but the row (and, for `sum`, the column) — never JavaScript `eval`.
//!
//! ```text
//! expr    := compare
//! compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | primary
//! primary := NUMBER | STRING | IDENT | IDENT "(" expr ("," expr)* ")" | "(" expr ")"
//! ```
//!
//! Functions: `if(c, a, b)`, `age(birth_date_or_id_number)`, `round(x, n)`,
//! `len(x)`, `sum(field)` (column sum; only in summary fields). Everything
//! else is a field reference. Source is at most [`MAX_EXPR_LEN`] bytes and
//! nests at most [`MAX_EXPR_DEPTH`] deep, so evaluation is bounded too.

mod eval;
mod parser;

pub use eval::{Date, EvalContext, Value, eval};
pub use parser::parse;

use crate::text::Text;

/// Longest expression source, in bytes.
pub const MAX_EXPR_LEN: usize = 500;
/// Deepest nesting of operators, calls and parentheses.
pub const MAX_EXPR_DEPTH: usize = 32;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Str(String),
    /// A field of the same row, by key.
    Field(String),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The built-in functions; there are no others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    If,
    Age,
    Round,
    Len,
    Sum,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "if" => Func::If,
            "age" => Func::Age,
            "round" => Func::Round,
            "len" => Func::Len,
            "sum" => Func::Sum,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        match self {
            Func::If => 3,
            Func::Round => 2,
            Func::Age | Func::Len | Func::Sum => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::If => "if",
            Func::Age => "age",
            Func::Round => "round",
            Func::Len => "len",
            Func::Sum => "sum",
        }
    }
}

impl Expr {
    /// Every field the expression reads, in order of appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Field(name) = e {
                out.push(name.as_str());
            }
        });
        out
    }

    /// The fields whose value may flow into the result: every reference
    /// except those read only through `age()` (which yields no more than a
    /// birth year) or `len()`. A formula over a protected field must read
    /// it only through those, or it could copy what masking hides.
    pub fn carried_fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.carried(&mut out);
        out
    }

    fn carried<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) | Expr::Str(_) | Expr::Call(Func::Age | Func::Len, _) => {}
            Expr::Field(name) => out.push(name),
            Expr::Neg(inner) => inner.carried(out),
            Expr::Binary(_, a, b) => {
                a.carried(out);
                b.carried(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.carried(out)),
        }
    }

    /// Whether the expression aggregates a column (`sum`): such a field is
    /// computed once for the whole form, not per row.
    pub fn is_aggregate(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Call(Func::Sum, _)));
        found
    }

    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Number(_) | Expr::Str(_) | Expr::Field(_) => {}
            Expr::Neg(inner) => inner.visit(f),
            Expr::Binary(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.visit(f)),
        }
    }
}

/// Why an expression does not parse. `position` counts characters from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {}", self.kind.text().en)]
pub struct ParseError {
    pub position: usize,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    TooLong,
    TooDeep,
    UnexpectedChar(char),
    UnterminatedString,
    BadNumber(String),
    Expected(&'static str),
    UnexpectedEnd,
    UnknownFunction(String),
    WrongArity {
        func: &'static str,
        expected: usize,
        found: usize,
    },
    /// `sum` takes a field name, not an expression.
    SumNeedsField,
}

impl ParseErrorKind {
    /// The problem in both UI languages.
    pub fn text(&self) -> Text {
        use ParseErrorKind as K;
        match self {
            K::TooLong => Text::new(format!("表达式超过 {MAX_EXPR_LEN} 个字节"), format!("expression longer than {MAX_EXPR_LEN} bytes")),
            K::TooDeep => {
                Text::new(format!("表达式嵌套超过 {MAX_EXPR_DEPTH} 层"), format!("expression nests deeper than {MAX_EXPR_DEPTH}"))
            }
            K::UnexpectedChar(c) => Text::new(format!("不能识别的字符 “{c}”"), format!("unexpected character `{c}`")),
            K::UnterminatedString => Text::new("字符串缺少结尾的引号", "string is missing its closing quote"),
            K::BadNumber(n) => Text::new(format!("无效的数字 {n}"), format!("invalid number {n}")),
            K::Expected(what) => Text::new(format!("此处应为 {what}"), format!("expected {what} here")),
            K::UnexpectedEnd => Text::new("表达式不完整", "the expression ends too early"),
            K::UnknownFunction(name) => Text::new(
                format!("没有函数 {name}（可用：if、age、round、len、sum）"),
                format!("no function {name} (available: if, age, round, len, sum)"),
            ),
            K::WrongArity { func, expected, found } => Text::new(
                format!("{func} 需要 {expected} 个参数，这里有 {found} 个"),
                format!("{func} takes {expected} arguments, found {found}"),
            ),
            K::SumNeedsField => Text::new("sum 的参数必须是字段名", "sum takes a field name"),
        }
    }
}
