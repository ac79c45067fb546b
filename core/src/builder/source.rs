//! The template as text, for the builder's source view: a JSON syntax
//! error said in Chinese with its line and column and a fix, and the line
//! each JSON pointer starts on, so every compile error is shown at its line.

use serde_json::Value;

use crate::text::Text;

/// Why the text is not JSON, where, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// 1-based.
    pub line: usize,
    pub column: usize,
    pub message: Text,
    pub hint: Text,
}

/// Parses the template's text; a syntax error is said in Chinese.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    serde_json::from_str(text).map_err(|e| syntax_error(&e))
}

fn syntax_error(e: &serde_json::Error) -> SyntaxError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let what = full.split(" at line ").next().unwrap_or(&full);
    let (zh, hint) = match what {
        "trailing comma" => ("最后一项后面多了逗号", "删去这个逗号：} 或 ] 前的最后一项后面不加逗号"),
        "EOF while parsing an object" => ("文本在对象中间结束了，缺少 }", "在末尾补上缺少的 }，检查每个 { 都有对应的 }"),
        "EOF while parsing a list" => ("文本在列表中间结束了，缺少 ]", "补上缺少的 ]，检查每个 [ 都有对应的 ]"),
        "EOF while parsing a string" => ("文本（字符串）缺少结尾的双引号", "在文本末尾补上英文双引号 \""),
        "EOF while parsing a value" => ("内容为空，或在该有值的地方结束了", "写出完整的模板，从 { 开始，到 } 结束"),
        "expected `:`" => ("字段名后面缺少冒号", "在字段名后加英文冒号，如 \"title\": \"姓名\""),
        "expected `,` or `}`" => ("两项之间缺少逗号，或缺少 }", "在上一项末尾加英文逗号 ,，或补上 }"),
        "expected `,` or `]`" => ("列表的两项之间缺少逗号，或缺少 ]", "在上一项末尾加英文逗号 ,，或补上 ]"),
        "expected value" => ("这里应当是一个值", "文本要加英文双引号（如 \"姓名\"），数字直接写，是/否写 true 或 false"),
        "expected ident" => ("无法识别的词", "true、false、null 要用小写英文；文本要加英文双引号"),
        "key must be a string" => ("字段名必须用英文双引号括起来", "写成 \"name\": …，不用单引号或中文引号"),
        "invalid escape" => ("文本中有无效的转义（反斜杠 \\ 后的字符）", "反斜杠要写成 \\\\；换行写 \\n"),
        "invalid number" | "number out of range" => ("数字的写法有误", "数字只含 0–9、小数点和负号，如 1200 或 0.5"),
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            ("文本中有换行或制表符", "文本要写在一行内；需要换行时写 \\n")
        }
        "trailing characters" => ("模板结束后还有多余的内容", "删去最后一个 } 之后的内容"),
        "recursion limit exceeded" => ("嵌套层数太深", "减少 { 和 [ 的嵌套"),
        _ if what.contains("unicode") || what.contains("surrogate") => ("无效的 \\u 转义", "\\u 后写4位十六进制数，或直接写汉字"),
        _ => ("JSON 格式有误", "对照出错位置检查括号、引号和逗号（须用英文标点）"),
    };
    let hint = if what.starts_with("expected") && column > 0 {
        format!("{hint}。常见原因：用了中文标点（，：“”）代替英文标点")
    } else {
        hint.to_owned()
    };
    SyntaxError {
        line,
        column,
        message: Text::new(format!("第 {line} 行第 {column} 列：{zh}"), format!("line {line}, column {column}: {what}")),
        hint: Text::new(hint, "check brackets, quotes and commas at that place"),
    }
}

/// The 1-based line each value of `text` (valid JSON) starts on, by JSON
/// pointer; for an object member, the line of its name.
pub fn pointer_lines(text: &str) -> Vec<(String, usize)> {
    let mut scanner = Scanner { bytes: text.as_bytes(), at: 0, line: 1, out: Vec::new() };
    scanner.value(String::new());
    scanner.out
}

/// The line to show a problem at `pointer` on: its own, or that of the
/// nearest enclosing value found.
pub fn line_of(lines: &[(String, usize)], pointer: &str) -> Option<usize> {
    let mut p = pointer;
    loop {
        if let Some((_, line)) = lines.iter().find(|(q, _)| q == p) {
            return Some(*line);
        }
        p = &p[..p.rfind('/')?];
    }
}

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
    line: usize,
    out: Vec<(String, usize)>,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.at += 1;
        }
    }

    fn string(&mut self) -> String {
        let start = self.at;
        self.at += 1;
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            match b {
                b'\\' => self.at += 1,
                b'"' => break,
                _ => {}
            }
        }
        let raw = std::str::from_utf8(&self.bytes[start..self.at.min(self.bytes.len())]).unwrap_or("\"\"");
        serde_json::from_str::<String>(raw).unwrap_or_default()
    }

    fn value(&mut self, pointer: String) {
        self.skip_space();
        self.out.push((pointer.clone(), self.line));
        match self.bytes.get(self.at) {
            Some(b'{') => {
                self.at += 1;
                loop {
                    self.skip_space();
                    match self.bytes.get(self.at) {
                        Some(b'"') => {
                            let line = self.line;
                            let key = self.string();
                            let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                            self.skip_space();
                            self.at += 1; // ':'
                            let before = self.out.len();
                            self.value(child);
                            if let Some(entry) = self.out.get_mut(before) {
                                entry.1 = line;
                            }
                        }
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.skip_space();
                    match self.bytes.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return;
                        }
                        None => return,
                        _ => {
                            self.value(format!("{pointer}/{index}"));
                            index += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(&b) = self.bytes.get(self.at) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.at += 1;
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zh(text: &str) -> String {
        parse(text).expect_err("invalid").message.zh
    }

    #[test]
    fn syntax_errors_are_said_in_chinese_at_their_place() {
        let text = "{\n  \"title\": \"低保\",\n  \"required\": [\"a\",],\n}";
        let e = parse(text).expect_err("trailing comma");
        assert_eq!((e.line, e.column), (3, 20));
        assert_eq!(e.message.zh, "第 3 行第 20 列：最后一项后面多了逗号");
        assert!(e.hint.zh.contains("删去这个逗号"));
        assert_eq!(zh("{\"a\" 1}"), "第 1 行第 6 列：字段名后面缺少冒号");
        assert_eq!(zh("{\"a\": 1 \"b\": 2}"), "第 1 行第 9 列：两项之间缺少逗号，或缺少 }");
        assert_eq!(zh("{'a': 1}"), "第 1 行第 2 列：字段名必须用英文双引号括起来");
        assert_eq!(zh("{\"a\": 姓名}"), "第 1 行第 7 列：这里应当是一个值");
        assert!(zh("{\"a\": [1, 2").contains("缺少 ]"));
        assert!(zh("{\"a\": 1} x").contains("多余的内容"));
        let e = parse("{\"a\"：1}").expect_err("full-width colon");
        assert!(e.hint.zh.contains("中文标点"), "{:?}", e.hint);
        // Every message is Chinese, whatever serde_json says.
        for bad in ["", "{", "[", "\"abc", "{\"a\": tru}", "{\"a\": \"\\q\"}", "{\"a\": 1e999}", "{\"a\": \"\u{1}\"}"] {
            let e = parse(bad).expect_err(bad);
            assert!(!e.message.zh.contains("EOF") && !e.message.zh.contains("expected"), "{bad}: {:?}", e.message);
        }
    }

    #[test]
    fn every_pointer_has_its_line() {
        let doc = serde_json::json!({
            "title": "t",
            "properties": {"a/b": {"type": "string", "x-ui": {"width": 0}}, "c": {"enum": ["x", "y"]}},
            "required": ["c"]
        });
        let text = serde_json::to_string_pretty(&doc).expect("text");
        let lines = pointer_lines(&text);
        let line = |p: &str| line_of(&lines, p);
        let at = |needle: &str| text.lines().position(|l| l.contains(needle)).map(|i| i + 1);
        assert_eq!(line("/properties/a~1b/x-ui/width"), at("\"width\""));
        assert_eq!(line("/properties/c/enum/1"), at("\"y\""));
        assert_eq!(line("/properties/c/nothing/here"), at("\"c\": {"));
        assert_eq!(line("/required"), at("\"required\""));
        assert_eq!(line(""), Some(1));
    }
}
