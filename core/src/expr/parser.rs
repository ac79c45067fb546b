//! Recursive-descent parser for `x-compute` expressions. Recursion is
//! bounded by [`MAX_EXPR_DEPTH`], so hostile input cannot overflow the stack.

use super::{BinOp, Expr, Func, MAX_EXPR_DEPTH, MAX_EXPR_LEN, ParseError, ParseErrorKind};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

/// Parses one expression.
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    if source.len() > MAX_EXPR_LEN {
        return Err(ParseError { position: 0, kind: ParseErrorKind::TooLong });
    }
    let tokens = lex(source)?;
    let mut parser = Parser { tokens, at: 0, end: source.chars().count() };
    let expr = parser.expr(0)?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some((pos, _)) => Err(ParseError { position: *pos, kind: ParseErrorKind::Expected("运算符 / an operator") }),
    }
}

/// Tokens with their character positions.
fn lex(source: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let err = |kind| ParseError { position: start, kind };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            Tok::Num(text.parse().map_err(|_| err(ParseErrorKind::BadNumber(text.clone())))?)
        } else if c == '"' || c == '\'' {
            i += 1;
            let from = i;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            if i == chars.len() {
                return Err(err(ParseErrorKind::UnterminatedString));
            }
            i += 1;
            Tok::Str(chars[from..i - 1].iter().collect())
        } else if c.is_alphabetic() || c == '_' {
            // Field keys may be Chinese: any Unicode letter starts an identifier.
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Ident(chars[start..i].iter().collect())
        } else {
            i += 1;
            let next = chars.get(i).copied();
            match (c, next) {
                ('(', _) => Tok::LParen,
                (')', _) => Tok::RParen,
                (',', _) => Tok::Comma,
                ('=', Some('=')) | ('!', Some('=')) | ('<', Some('=')) | ('>', Some('=')) => {
                    i += 1;
                    Tok::Op(match c {
                        '=' => "==",
                        '!' => "!=",
                        '<' => "<=",
                        _ => ">=",
                    })
                }
                ('+', _) => Tok::Op("+"),
                ('-', _) => Tok::Op("-"),
                ('*', _) => Tok::Op("*"),
                ('/', _) => Tok::Op("/"),
                ('<', _) => Tok::Op("<"),
                ('>', _) => Tok::Op(">"),
                _ => return Err(err(ParseErrorKind::UnexpectedChar(c))),
            }
        };
        out.push((start, tok));
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    at: usize,
    /// Character length of the source, for errors at the end.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn fail<T>(&self, kind: ParseErrorKind) -> Result<T, ParseError> {
        Err(ParseError { position: self.position(), kind })
    }

    fn op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(op)) if ops.contains(op) => {
                let op = *op;
                self.at += 1;
                Some(op)
            }
            _ => None,
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_EXPR_DEPTH {
            return self.fail(ParseErrorKind::TooDeep);
        }
        let left = self.sum(depth + 1)?;
        match self.op(&["==", "!=", "<", "<=", ">", ">="]) {
            None => Ok(left),
            Some(op) => {
                let right = self.sum(depth + 1)?;
                Ok(Expr::Binary(bin_op(op), Box::new(left), Box::new(right)))
            }
        }
    }

    fn sum(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.product(depth + 1)?;
        while let Some(op) = self.op(&["+", "-"]) {
            let right = self.product(depth + 1)?;
            left = Expr::Binary(bin_op(op), Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut left = self.unary(depth + 1)?;
        while let Some(op) = self.op(&["*", "/"]) {
            let right = self.unary(depth + 1)?;
            left = Expr::Binary(bin_op(op), Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_EXPR_DEPTH {
            return self.fail(ParseErrorKind::TooDeep);
        }
        if self.op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth + 1)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let start = self.position();
        let Some(tok) = self.peek().cloned() else { return self.fail(ParseErrorKind::UnexpectedEnd) };
        self.at += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Number(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::LParen => {
                let inner = self.expr(depth + 1)?;
                self.expect_rparen()?;
                Ok(inner)
            }
            Tok::Ident(name) if self.peek() == Some(&Tok::LParen) => {
                self.at += 1;
                let Some(func) = Func::from_name(&name) else {
                    return Err(ParseError { position: start, kind: ParseErrorKind::UnknownFunction(name) });
                };
                let mut args = Vec::new();
                if self.peek() != Some(&Tok::RParen) {
                    args.push(self.expr(depth + 1)?);
                    while self.peek() == Some(&Tok::Comma) {
                        self.at += 1;
                        args.push(self.expr(depth + 1)?);
                    }
                }
                self.expect_rparen()?;
                if args.len() != func.arity() {
                    let kind = ParseErrorKind::WrongArity { func: func.name(), expected: func.arity(), found: args.len() };
                    return Err(ParseError { position: start, kind });
                }
                if func == Func::Sum && !matches!(args[0], Expr::Field(_)) {
                    return Err(ParseError { position: start, kind: ParseErrorKind::SumNeedsField });
                }
                Ok(Expr::Call(func, args))
            }
            Tok::Ident(name) => Ok(Expr::Field(name)),
            Tok::RParen | Tok::Comma | Tok::Op(_) => {
                self.at -= 1;
                self.fail(ParseErrorKind::Expected("数字、字段或 ( / a number, a field or ("))
            }
        }
    }

    fn expect_rparen(&mut self) -> Result<(), ParseError> {
        if self.peek() == Some(&Tok::RParen) {
            self.at += 1;
            Ok(())
        } else if self.peek().is_none() {
            self.fail(ParseErrorKind::UnexpectedEnd)
        } else {
            self.fail(ParseErrorKind::Expected(") / `)`"))
        }
    }
}

fn bin_op(op: &str) -> BinOp {
    match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        _ => BinOp::Ge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Box<Expr> {
        Box::new(Expr::Field(name.into()))
    }

    #[test]
    fn precedence_and_calls() {
        assert_eq!(
            parse("round(income / members, 2)"),
            Ok(Expr::Call(Func::Round, vec![Expr::Binary(BinOp::Div, field("income"), field("members")), Expr::Number(2.0)]))
        );
        assert_eq!(
            parse("a + b * c"),
            Ok(Expr::Binary(BinOp::Add, field("a"), Box::new(Expr::Binary(BinOp::Mul, field("b"), field("c")))))
        );
        assert_eq!(parse("-(a - 1)").map(|e| e.fields().len()), Ok(1));
        assert_eq!(parse("if(年龄 >= 60, '老年', \"其他\")").map(|e| e.fields().join(",")), Ok("年龄".to_owned()));
    }

    fn check_err(source: &str, position: usize, kind: ParseErrorKind) {
        assert_eq!(parse(source), Err(ParseError { position, kind }), "{source:?}");
    }

    #[test]
    fn errors_point_at_the_character() {
        check_err("a + ", 4, ParseErrorKind::UnexpectedEnd);
        check_err("a $ b", 2, ParseErrorKind::UnexpectedChar('$'));
        check_err("eval(x)", 0, ParseErrorKind::UnknownFunction("eval".into()));
        check_err("round(x)", 0, ParseErrorKind::WrongArity { func: "round", expected: 2, found: 1 });
        check_err("sum(a + b)", 0, ParseErrorKind::SumNeedsField);
        check_err("'abc", 0, ParseErrorKind::UnterminatedString);
        check_err("a b", 2, ParseErrorKind::Expected("运算符 / an operator"));
        check_err("1.2.3", 0, ParseErrorKind::BadNumber("1.2.3".into()));
        check_err("(a", 2, ParseErrorKind::UnexpectedEnd);
        check_err("姓名 + )", 5, ParseErrorKind::Expected("数字、字段或 ( / a number, a field or ("));
    }

    #[test]
    fn size_and_depth_are_limited() {
        check_err(&"1+".repeat(300), 0, ParseErrorKind::TooLong);
        let deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(parse(&deep).map_err(|e| e.kind), Err(ParseErrorKind::TooDeep));
        let negations = "-".repeat(200) + "1";
        assert_eq!(parse(&negations).map_err(|e| e.kind), Err(ParseErrorKind::TooDeep));
    }
}
