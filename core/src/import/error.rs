//! What can be wrong with an import, in the words a village clerk reads.

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// A problem with the file as a whole: nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FileError {
    #[error("file is {bytes} bytes, the limit is {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error("file has more than {max} rows")]
    TooManyRows { max: usize },
    #[error("file is empty")]
    Empty,
    #[error("archive has more than {max} entries")]
    TooManyEntries { max: usize },
    #[error("part {part} is over {max} bytes uncompressed")]
    PartTooLarge { part: String, max: usize },
    #[error("parts are over {max} bytes uncompressed together")]
    Uncompressed { max: usize },
    #[error("part {part} is compressed more than {max}:1")]
    CompressionRatio { part: String, max: u64 },
    #[error("more than {max} shared strings")]
    TooManySharedStrings { max: usize },
    #[error("more than {max} columns")]
    TooManyColumns { max: usize },
    #[error("more than {max} cells")]
    TooManyCells { max: usize },
    #[error("part {part} nests XML deeper than {max}")]
    TooDeep { part: String, max: usize },
    #[error("file is neither UTF-8 nor GBK text")]
    UnknownEncoding,
    #[error("file ends in the middle of a character: it looks truncated")]
    Truncated,
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("not a readable XLSX workbook: {reason}")]
    Unreadable { reason: String },
    #[error("no header row names a known column")]
    NoHeader,
    #[error("sheet `{sheet}` has no header row naming a known column")]
    NoHeaderInSheet { sheet: String },
    #[error("the workbook has no sheet {index}")]
    NoSuchSheet { index: usize },
    #[error("sheet `{sheet}` has other columns than sheet `{first}`: one mapping cannot serve both")]
    SheetLayoutsDiffer { first: String, sheet: String },
    #[error("unknown record type `{entity}`")]
    UnknownEntity { entity: String },
    #[error("the mapping names unknown field `{field}`")]
    UnknownField { field: String },
    #[error("field `{field}` is written by the system and cannot be imported")]
    ReadOnlyField { field: String, title: String },
    #[error("the mapping sends two columns to field `{field}`")]
    DuplicateColumn { field: String },
    #[error("the mapping names {given} columns, the file has {columns}")]
    MappingTooLong { given: usize, columns: usize },
    #[error("no column holds `{field}`, which identifies records")]
    MissingKeyColumn { field: String, title: String },
}

impl FileError {
    /// The message shown to users.
    pub fn message(&self) -> Text {
        match self {
            FileError::TooLarge { bytes, max } => Text::new(
                format!("文件过大（{}），单次最多导入 {}，请拆分后分批导入", size(*bytes), size(*max)),
                format!("the file is too large ({}); the limit is {}: split it and import in parts", size(*bytes), size(*max)),
            ),
            FileError::TooManyRows { max } => Text::new(
                format!("行数超过上限 {max} 行，请拆分后分批导入"),
                format!("more than {max} rows; split the file and import in parts"),
            ),
            FileError::Empty => Text::new("文件是空的", "the file is empty"),
            FileError::TooManyEntries { max } => Text::new(
                format!("Excel 文件内部的部件超过 {max} 个，不像正常的表格文件，已拒绝"),
                format!("the Excel file holds more than {max} parts (limit max_entries); refused"),
            ),
            FileError::PartTooLarge { part, max } => Text::new(
                format!("Excel 文件的部件 {part} 解压后超过 {}，已拒绝", size(*max)),
                format!("part {part} of the Excel file is over {} uncompressed (limit max_part_bytes); refused", size(*max)),
            ),
            FileError::Uncompressed { max } => Text::new(
                format!("Excel 文件解压后超过 {}，请拆分后分批导入", size(*max)),
                format!("the Excel file is over {} uncompressed (limit max_uncompressed); split it and import in parts", size(*max)),
            ),
            FileError::CompressionRatio { part, max } => Text::new(
                format!("Excel 文件的部件 {part} 压缩比超过 {max}:1，疑似压缩炸弹，已拒绝"),
                format!("part {part} of the Excel file is compressed more than {max}:1 (limit max_ratio), like a zip bomb; refused"),
            ),
            FileError::TooManySharedStrings { max } => Text::new(
                format!("Excel 文件的共享字符串超过 {max} 个（声明或实际），已拒绝"),
                format!("the Excel file declares or holds more than {max} shared strings (limit max_shared_strings); refused"),
            ),
            FileError::TooManyColumns { max } => Text::new(
                format!("列数超过上限 {max} 列，请删去多余的列"),
                format!("more than {max} columns (limit max_columns); remove the columns not needed"),
            ),
            FileError::TooManyCells { max } => Text::new(
                format!("单元格范围超过上限 {max} 个（行数 × 列数），请删去远处的空单元格或拆分文件"),
                format!("the cells span more than {max} (rows × columns, limit max_cells); clear far-away cells or split the file"),
            ),
            FileError::TooDeep { part, max } => Text::new(
                format!("Excel 文件的部件 {part} 嵌套超过 {max} 层，已拒绝"),
                format!("part {part} of the Excel file nests deeper than {max} levels (limit max_xml_depth); refused"),
            ),
            FileError::UnknownEncoding => Text::new(
                "无法识别文件编码（应为 UTF-8 或 GBK），请在 Excel 中另存为“CSV UTF-8”或 .xlsx",
                "cannot tell the file's encoding (expected UTF-8 or GBK); save it as \"CSV UTF-8\" or .xlsx",
            ),
            FileError::Truncated => Text::new(
                "文件不完整（在字符中间结束），可能上传中断，请重新上传",
                "the file ends in the middle of a character; the upload may have been cut off: upload it again",
            ),
            FileError::Malformed { line, reason } => {
                Text::new(format!("第 {line} 行格式错误：{}", reason_zh(reason)), format!("line {line} is malformed: {reason}"))
            }
            FileError::Unreadable { reason } => Text::new(
                "无法读取该 Excel 文件（可能已损坏或不完整），请在 Excel 中重新保存后再导入",
                format!("cannot read this Excel file (damaged or incomplete); save it again in Excel and retry: {reason}"),
            ),
            FileError::NoHeader => Text::new(
                "找不到表头：前 10 行中没有一行包含可识别的列名（如 姓名、身份证号）",
                "no header row: none of the first 10 rows names known columns (such as 姓名, 身份证号)",
            ),
            FileError::NoHeaderInSheet { sheet } => Text::new(
                format!("工作表“{sheet}”的前 10 行中找不到表头（如 姓名、身份证号）"),
                format!("sheet {sheet}: none of the first 10 rows names known columns (such as 姓名, 身份证号)"),
            ),
            FileError::NoSuchSheet { index } => Text::new(
                format!("文件中没有第 {} 个工作表，请重新预览", index + 1),
                format!("the workbook has no sheet number {}; preview the file again", index + 1),
            ),
            FileError::SheetLayoutsDiffer { first, sheet } => Text::new(
                format!("工作表“{sheet}”的表头与“{first}”不同，不能共用一套列对应关系：请分别选择工作表导入"),
                format!(
                    "sheet {sheet} has other columns than sheet {first}, so one column mapping cannot serve both: import them one at a time"
                ),
            ),
            FileError::UnknownField { field } => {
                Text::new(format!("列对应关系中有未知字段：{field}"), format!("the column mapping names an unknown field: {field}"))
            }
            FileError::ReadOnlyField { field, title } => Text::new(
                format!("“{title}”由系统生成（如应急摸排结束时写入），不能从文件导入：请把该列设为“不导入”"),
                format!(
                    "{title} ({field}) is written by the system (e.g. when a survey closes) and cannot be imported: set its column to skip"
                ),
            ),
            FileError::DuplicateColumn { field } => Text::new(
                format!("有两列都对应到字段 {field}，请只保留一列"),
                format!("two columns are mapped to the field {field}; keep one"),
            ),
            FileError::MappingTooLong { given, columns } => Text::new(
                format!("列对应关系给出了 {given} 列，但文件表头只有 {columns} 列，请重新预览"),
                format!("the column mapping names {given} columns but the file's header has {columns}; preview the file again"),
            ),
            FileError::MissingKeyColumn { field, title } => Text::new(
                format!("文件中没有“{title}”列：需要它来判断记录是否已登记"),
                format!("no column holds {field} ({title}), which is needed to tell whether a record exists"),
            ),
            FileError::UnknownEntity { entity } => {
                Text::new(format!("未知的台账类型：{entity}"), format!("unknown ledger record type: {entity}"))
            }
        }
    }
}

/// Chinese for the few parser reasons [`FileError::Malformed`] carries.
fn reason_zh(reason: &str) -> &str {
    match reason {
        UNCLOSED_QUOTE => "引号没有闭合，文件可能不完整",
        _ => "无法解析",
    }
}

/// The reason of a CSV field whose opening quote is never closed.
pub(crate) const UNCLOSED_QUOTE: &str = "a quoted field is never closed (the file may be truncated)";

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 { format!("{:.1} MB", bytes as f64 / f64::from(1u32 << 20)) } else { format!("{} KB", bytes.div_ceil(1024)) }
}

/// A problem with one row (or cell) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row number as the user sees it in Excel or a text editor (1-based,
    /// header included); for ingested JSON, the 1-based position.
    pub row: usize,
    /// The worksheet, in a workbook with several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The column header as written in the file, when the error is about one.
    pub column: Option<String>,
    /// The ledger field, when the error is about one.
    pub field: Option<String>,
    /// Stable code: a JSON Schema keyword, or `duplicate_key`,
    /// `key_in_other_unit`, `unit_outside_target`, `cell_error`, `lost_precision`, `missing_key`.
    pub code: String,
    pub message: Text,
}
