//! Which column holds which ledger field: suggestions from the headers
//! villages actually write (姓名, 身份证号码, 公民身份号码, 联系方式 …), each
//! with a confidence the UI can show before the clerk confirms.

use serde::{Deserialize, Serialize};

use crate::ledger::RecordType;

/// Headers meaning a field, beyond its schema title and name. `*` applies
/// to every record type that has the field.
const SYNONYMS: &[(&str, &str, &[&str])] = &[
    ("person", "name", &["姓名", "名字", "成员姓名"]),
    ("*", "id_number", &["身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码"]),
    ("*", "gender", &["性别"]),
    ("*", "birth_date", &["出生日期", "出生年月", "出生年月日", "生日"]),
    ("*", "ethnicity", &["民族"]),
    ("*", "phone", &["联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"]),
    ("person", "address", &["住址", "家庭住址", "现住址", "地址", "居住地址", "户籍地址"]),
    ("person", "household", &["户号", "户编号", "户编码"]),
    ("*", "village", &["村（社区）代码", "村代码", "区划代码"]),
    ("person", "tags", &["人员类别", "人员标签", "类别", "标签", "人员类型"]),
    ("*", "disability_level", &["残疾等级", "残疾级别"]),
    ("household", "household_no", &["户号", "户编号", "户编码"]),
    ("household", "head_name", &["户主", "户主姓名"]),
    ("household", "head_id_number", &["户主身份证号", "户主身份证号码"]),
    ("household", "member_count", &["家庭人口", "家庭人口数", "人口数", "人数"]),
    ("household", "address", &["住址", "家庭住址", "地址"]),
    ("house", "address", &["地址", "房屋地址", "房屋坐落", "坐落"]),
    ("house", "owner_name", &["产权人", "户主", "房主"]),
    ("house", "owner_id_number", &["产权人身份证号", "户主身份证号"]),
    ("house", "structure", &["结构", "房屋结构", "结构类型"]),
    ("house", "floors", &["层数", "楼层数"]),
    ("house", "area", &["建筑面积", "面积"]),
    ("house", "safety_rating", &["鉴定等级", "安全等级", "安全鉴定等级"]),
    ("house", "occupants", &["居住人数", "常住人数"]),
    ("land_parcel", "parcel_no", &["地块编码", "地块编号", "地块代码"]),
    ("land_parcel", "area_mu", &["面积", "面积（亩）", "承包面积", "合同面积", "亩数"]),
    ("land_parcel", "contract_holder", &["承包方", "承包户", "承包人", "承包方代表"]),
    ("land_parcel", "contract_holder_id_number", &["承包方身份证号", "承包方证件号码"]),
    ("land_parcel", "transfer_status", &["是否流转", "流转情况", "流转状态"]),
    ("land_parcel", "lessee", &["流入方", "受让方", "承租方"]),
    ("land_parcel", "rent", &["租金", "流转价格", "流转租金"]),
    ("enterprise", "credit_code", &["统一社会信用代码", "信用代码", "社会信用代码"]),
    ("enterprise", "name", &["企业名称", "单位名称", "名称"]),
    ("enterprise", "legal_representative", &["法定代表人", "法人", "法人代表", "负责人"]),
    ("enterprise", "address", &["经营地址", "地址", "住所"]),
    ("enterprise", "industry", &["行业", "所属行业"]),
    ("enterprise", "employees", &["从业人数", "员工人数", "职工人数"]),
    ("venue", "name", &["场所名称", "店名", "名称"]),
    ("venue", "address", &["场所地址", "地址"]),
    ("venue", "venue_type", &["场所类型", "类型"]),
    ("venue", "operator", &["经营者", "负责人"]),
];

/// Longer cells are not headers, whatever words they contain.
const MAX_PARTIAL_HEADER: usize = 20;

/// How sure a suggestion is.
pub const EXACT: f32 = 1.0;
pub const SYNONYM: f32 = 0.9;
pub const PARTIAL: f32 = 0.6;

/// The suggestion for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// 0-based column index.
    pub column: usize,
    pub header: String,
    /// The merged title over this column in a two-row header (`联系方式`
    /// over `手机`), which the header is read in the context of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The ledger field, or `None` for a column that is not imported.
    pub field: Option<String>,
    /// 1.0 title or name; 0.9 known synonym; 0.6 the header contains one.
    pub confidence: f32,
    /// The header names a field the system writes (a list of records such
    /// as 灾情记录, exported as text for people to read): the column is
    /// skipped, and a mapping may not send it to that field.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// Headers compare without spaces, with full-width brackets made ASCII and
/// a trailing required-marker `*` dropped.
fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .trim_end_matches('*')
        .to_owned()
}

/// How well `header` names `field` of `record_type` (0 = not at all).
fn score(record_type: &RecordType, field: &str, title: &str, header: &str) -> f32 {
    if header == normalize(title) || header == field {
        return EXACT;
    }
    let synonyms = SYNONYMS
        .iter()
        .filter(|(entity, f, _)| *f == field && (*entity == "*" || *entity == record_type.entity))
        .flat_map(|(_, _, words)| words.iter().map(|w| normalize(w)));
    let mut best: f32 = 0.0;
    for word in synonyms.chain([normalize(title)]) {
        if header == word {
            return SYNONYM;
        }
        // A sentence (a title row, a note) is not a header that contains a word.
        if word.chars().count() >= 2 && header.chars().count() <= MAX_PARTIAL_HEADER && header.contains(word.as_str()) {
            best = PARTIAL;
        }
    }
    best
}

impl ColumnMapping {
    /// The column as named in messages: `联系方式/手机` under a group.
    pub fn label(&self) -> String {
        match &self.group {
            Some(group) => format!("{group}/{}", self.header),
            None => self.header.clone(),
        }
    }
}

/// Suggests a field for every column. Each field goes to at most one column,
/// the one that names it best (leftmost on a tie).
pub fn suggest(record_type: &RecordType, headers: &[String]) -> Vec<ColumnMapping> {
    suggest_grouped(record_type, headers, &[])
}

/// [`suggest`] for a two-row header: each column's header is read alone
/// and after its group's title (`户主` + `身份证号`), whichever names a
/// field better.
pub fn suggest_grouped(record_type: &RecordType, headers: &[String], groups: &[Option<String>]) -> Vec<ColumnMapping> {
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut candidates: Vec<(f32, usize, &str)> = Vec::new();
    for (column, header) in normalized.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        let grouped = groups.get(column).cloned().flatten().map(|g| normalize(&g) + header);
        for field in &record_type.fields {
            let alone = score(record_type, &field.name, &field.title, header);
            let s = grouped.as_deref().map_or(alone, |g| alone.max(score(record_type, &field.name, &field.title, g)));
            if s > 0.0 {
                candidates.push((s, column, field.name.as_str()));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<ColumnMapping> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| ColumnMapping {
            column,
            header: header.clone(),
            group: groups.get(column).cloned().flatten(),
            field: None,
            confidence: 0.0,
            read_only: false,
        })
        .collect();
    for (s, column, field) in candidates {
        if s == EXACT && record_type.field(field).is_some_and(|f| f.structured) {
            out[column].read_only = true;
            continue;
        }
        let taken = out.iter().any(|m| m.field.as_deref() == Some(field));
        if out[column].field.is_none() && !out[column].read_only && !taken {
            out[column].field = Some(field.to_owned());
            out[column].confidence = s;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RecordTypes;

    fn check(entity: &str, headers: &[&str], expect: &[(Option<&str>, f32)]) {
        let types = RecordTypes::builtin().expect("types");
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        let got: Vec<(Option<String>, f32)> =
            suggest(types.get(entity).expect("entity"), &headers).into_iter().map(|m| (m.field, m.confidence)).collect();
        let expect: Vec<(Option<String>, f32)> = expect.iter().map(|(f, c)| (f.map(str::to_owned), *c)).collect();
        assert_eq!(got, expect, "{headers:?}");
    }

    #[test]
    fn suggestions() {
        check("person", &["姓名", "身份证号"], &[(Some("name"), EXACT), (Some("id_number"), EXACT)]);
        check(
            "person",
            &["公民身份号码", "手机号", "家庭住址"],
            &[(Some("id_number"), SYNONYM), (Some("phone"), SYNONYM), (Some("address"), SYNONYM)],
        );
        check("person", &["序号", " 姓 名 ", "身份证号码*"], &[(None, 0.0), (Some("name"), EXACT), (Some("id_number"), SYNONYM)]);
        check("person", &["户主身份证号", "身份证号"], &[(None, 0.0), (Some("id_number"), EXACT)]);
        check("person", &["联系电话（手机）"], &[(Some("phone"), PARTIAL)]);
        check(
            "land_parcel",
            &["承包方", "面积（亩）", "是否流转"],
            &[(Some("contract_holder"), EXACT), (Some("area_mu"), EXACT), (Some("transfer_status"), SYNONYM)],
        );
        check(
            "enterprise",
            &["统一社会信用代码", "名称", "法人"],
            &[(Some("credit_code"), EXACT), (Some("name"), SYNONYM), (Some("legal_representative"), SYNONYM)],
        );
        check("person", &["姓名", "姓名"], &[(Some("name"), EXACT), (None, 0.0)]);
        // The system's own list of records is read-only: never suggested.
        check("person", &["身份证号", "灾情记录"], &[(Some("id_number"), EXACT), (None, 0.0)]);
    }

    #[test]
    fn a_column_of_a_structured_field_is_marked_read_only() {
        let types = RecordTypes::builtin().expect("types");
        let headers: Vec<String> = ["身份证号", "灾情记录"].map(str::to_owned).to_vec();
        let got: Vec<bool> = suggest(types.get("person").expect("person"), &headers).into_iter().map(|m| m.read_only).collect();
        assert_eq!(got, [false, true]);
    }

    #[test]
    fn groups_give_context() {
        let types = RecordTypes::builtin().expect("types");
        let household = types.get("household").expect("entity");
        let headers: Vec<String> = ["户编号", "姓名", "身份证号"].map(str::to_owned).to_vec();
        let groups = [None, Some("户主".to_owned()), Some("户主".to_owned())];
        let got: Vec<Option<String>> = suggest_grouped(household, &headers, &groups).into_iter().map(|m| m.field).collect();
        assert_eq!(got, [Some("household_no".to_owned()), Some("head_name".to_owned()), Some("head_id_number".to_owned())]);
    }
}
