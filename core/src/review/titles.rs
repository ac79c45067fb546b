//! Field titles read the way a reviewer reads them: 家庭月收入(元) and
//! 家庭月收入（元） are one title, 身份证号码 is 身份证号, 家庭住址 is a 住址
//! with a prefix that does not change what is asked, and 监护人身份证号 is
//! about somebody else.

use unicode_normalization::UnicodeNormalization;

/// Brackets whose content is set aside (units, qualifiers), after NFKC
/// (which already turns （ into ( and ［ into [).
const OPEN: &[char] = &['(', '[', '{', '【', '〔', '〈', '《', '「', '『', '〖'];
const CLOSE: &[char] = &[')', ']', '}', '】', '〕', '〉', '》', '」', '』', '〗'];

/// Units a title may end with after a separator (面积/亩, 金额：元) or,
/// for money, right after the noun (月收入元).
const UNITS: &[&str] = &[
    "万元",
    "元",
    "亩",
    "平方米",
    "m2",
    "公顷",
    "人",
    "户",
    "个",
    "次",
    "天",
    "岁",
    "公斤",
    "千克",
    "斤",
    "吨",
    "米",
    "公里",
    "小时",
    "%",
];
/// Characters after which a bare 元 is a unit (收入元, 金额元), not part of a word (单元).
const MONEY_NOUN_ENDS: &[char] = &['入', '额', '费', '金', '资', '款', '价', '租', '值', '出', '助', '贴', '失'];

/// Words that do not change which item a title asks for when they lead it:
/// 家庭住址 is a 住址, 申请人姓名 a 姓名, 现居住地址 a 居住地址.
const SELF_PREFIXES: &[&str] = &[
    "申请人",
    "服务对象",
    "救助对象",
    "补贴对象",
    "参保人",
    "对象",
    "本人",
    "个人",
    "家庭",
    "户籍",
    "常住",
    "实际",
    "目前",
    "当前",
    "现住",
    "现",
    "详细",
    "所在",
    "所属",
];

/// Nouns naming a record type, read as prefixes only on forms about it:
/// 房屋结构 on a house form is its 结构, 单位地址 on a person form is not the person's 地址.
pub const ENTITY_NOUNS: &[(&str, &[&str])] = &[
    ("person", &["人员", "居民"]),
    ("household", &["户", "家庭"]),
    ("house", &["房屋", "住房", "房子"]),
    ("land_parcel", &["地块", "土地", "承包地", "耕地"]),
    ("enterprise", &["企业", "单位", "公司"]),
    ("venue", &["场所", "门店", "店铺"]),
    ("org_unit", &["村", "社区", "村（社区）"]),
];

/// The prefixes of [`ENTITY_NOUNS`] for `entity`.
pub fn entity_nouns(entity: &str) -> &'static [&'static str] {
    ENTITY_NOUNS.iter().find(|(e, _)| *e == entity).map_or(&[], |(_, nouns)| nouns)
}

/// Words naming somebody other than the row's subject. A title with one
/// (监护人身份证号, 紧急联系人电话, 户主姓名) asks about that person: it is
/// never read as the subject's item by format, prefix or likeness.
const ROLES: &[&str] = &[
    "紧急联系人",
    "联系人",
    "监护人",
    "配偶",
    "户主",
    "父亲",
    "母亲",
    "父母",
    "子女",
    "孩子",
    "儿子",
    "女儿",
    "法定代表人",
    "法人",
    "经办人",
    "代理人",
    "代领人",
    "受托人",
    "赡养人",
    "抚养人",
    "扶养人",
    "担保人",
    "填报人",
    "填表人",
    "负责人",
    "帮扶人",
    "帮扶责任人",
    "责任人",
    "网格员",
    "承包方",
    "承包人",
    "产权人",
    "房主",
    "村干部",
    "见证人",
    "签收人",
    "领取人",
    "家属",
    "亲属",
    "医生",
    "驾驶员",
    "施工方",
    "房东",
    "租户",
    "承租人",
    "出租人",
    "员工",
    "职工",
    "丈夫",
    "妻子",
    "爱人",
    "祖父",
    "祖母",
    "外祖父",
    "外祖母",
    "孙子",
    "孙女",
    "儿媳",
    "女婿",
    "兄弟",
    "姐妹",
];

/// Words that say what is asked about a person; before one, a word ending
/// in 人 names that person (巡查人电话, 调查人姓名).
pub(super) const PERSON_ATTRIBUTES: &[&str] = &["姓名", "电话", "手机", "身份证", "联系方式", "联系电话", "签字", "签名"];

/// Words ending in 人 that are the row's subject itself.
const SELF_PERSONS: &[&str] = &["本人", "个人", "申请人", "参保人", "当事人", "老人", "病人"];

/// Words with the same meaning in a title, folded to one spelling.
const SYNONYMS: &[(&str, &str)] = &[("号码", "号"), ("情况", "状况"), ("编码", "编号"), ("代码", "编号"), ("户口", "户籍")];

/// Tails that name a kind of question rather than its subject (房屋结构 =
/// 结构类型): dropped to compare heads.
const GENERIC_TAILS: &[&str] = &["类型", "类别", "种类", "状况", "名称", "性质", "形式", "级别", "等级"];

/// A title as read for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadTitle {
    /// The title as written, trimmed.
    pub raw: String,
    /// NFKC, without spaces, punctuation, bracketed parts or a trailing
    /// unit; synonyms folded and a trailing 号/码 dropped (身份证号码 →
    /// 身份证). Empty for a title of punctuation only.
    pub core: String,
    /// What was set aside: bracketed parts and a trailing unit (元, 亩, 社区).
    pub qualifiers: Vec<String>,
    /// The core without a leading prefix that does not change the item,
    /// and that prefix, when what remains is at least two characters and
    /// not a generic word alone (类型, 名称).
    pub stem: Option<(String, String)>,
    /// The first word naming somebody other than the subject, if any.
    pub role: Option<String>,
}

impl ReadTitle {
    pub fn new(title: &str) -> ReadTitle {
        ReadTitle::with_prefixes(title, &[])
    }

    /// Also treats `extra` (the nouns of the form's record types) as prefixes.
    pub fn with_prefixes(title: &str, extra: &[&str]) -> ReadTitle {
        let raw = title.trim().to_owned();
        let folded: String = raw.nfkc().collect::<String>().to_lowercase();
        let mut qualifiers = Vec::new();
        let mut text = String::new();
        let mut depth = 0usize;
        let mut inside = String::new();
        for c in folded.chars() {
            if OPEN.contains(&c) {
                depth += 1;
                continue;
            }
            if CLOSE.contains(&c) && depth > 0 {
                depth -= 1;
                if depth == 0 {
                    push_qualifier(&mut qualifiers, &inside);
                    inside.clear();
                }
                continue;
            }
            if depth > 0 {
                inside.push(c);
            } else {
                text.push(c);
            }
        }
        push_qualifier(&mut qualifiers, &inside);
        // A unit after a separator (面积/亩, 金额:元) or a money unit right after its noun.
        let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || is_separator(c));
        let mut core_text = trimmed.to_owned();
        if let Some((head, unit)) = trimmed.rsplit_once(['/', ':', '-', '_', '|', ','])
            && UNITS.contains(&unit.trim())
        {
            push_qualifier(&mut qualifiers, unit);
            core_text = head.to_owned();
        } else {
            for unit in ["万元", "元"] {
                if let Some(head) = trimmed.strip_suffix(unit)
                    && head.chars().count() >= 2
                    && head.ends_with(MONEY_NOUN_ENDS)
                {
                    push_qualifier(&mut qualifiers, unit);
                    core_text = head.to_owned();
                    break;
                }
            }
        }
        let mut core: String = core_text.chars().filter(|c| c.is_alphanumeric()).collect();
        for (from, to) in SYNONYMS {
            core = core.replace(from, to);
        }
        if core.chars().count() > 1 {
            core = core.strip_suffix(['号', '码']).map(str::to_owned).unwrap_or(core);
        }
        let role = ROLES.iter().copied().find(|r| core.contains(r)).map(str::to_owned).or_else(|| person_before_attribute(&core));
        // Up to two prefixes (家庭 + 详细 in 家庭详细住址), each the longest
        // that leaves a word: 服务对象 before 对象.
        let mut stem: Option<(String, String)> = None;
        for _ in 0..2 {
            let text = stem.as_ref().map_or(core.as_str(), |(s, _)| s.as_str());
            let next = SELF_PREFIXES
                .iter()
                .copied()
                .chain(extra.iter().copied())
                .filter_map(|p| text.strip_prefix(p).map(|rest| (rest, p)))
                .filter(|(rest, _)| rest.chars().count() >= 2 && !GENERIC_TAILS.contains(rest))
                .max_by_key(|(_, p)| p.len())
                .map(|(rest, p)| (rest.to_owned(), format!("{}{p}", stem.as_ref().map_or("", |(_, q)| q.as_str()))));
            match next {
                Some(found) => stem = Some(found),
                None => break,
            }
        }
        ReadTitle { raw, core, qualifiers, stem, role }
    }

    /// The core without a generic tail (类型, 状况 …) and a prefix: the
    /// head a likeness is judged on (房屋结构 → 结构, 结构类型 → 结构).
    pub fn head(&self) -> &str {
        let base = self.stem.as_ref().map_or(self.core.as_str(), |(s, _)| s.as_str());
        GENERIC_TAILS.iter().find_map(|t| base.strip_suffix(t).filter(|h| h.chars().count() >= 2)).unwrap_or(base)
    }
}

/// `巡查人` in 巡查人电话: a word ending in 人 right before a person's
/// attribute, unless it is the subject (本人, 申请人).
fn person_before_attribute(core: &str) -> Option<String> {
    PERSON_ATTRIBUTES.iter().find_map(|attribute| {
        let at = core.find(attribute)?;
        let before = &core[..at];
        (before.chars().count() >= 2 && before.ends_with('人') && !SELF_PERSONS.iter().any(|s| before.ends_with(s)))
            .then(|| before.to_owned())
    })
}

fn is_separator(c: char) -> bool {
    matches!(c, ':' | '/' | '-' | '_' | '|' | ',' | '*' | '?' | '.' | '、' | '。' | '：')
}

fn push_qualifier(qualifiers: &mut Vec<String>, text: &str) {
    let q: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !q.is_empty() && !qualifiers.contains(&q) {
        qualifiers.push(q);
    }
}

/// Whether `word` is one of the words naming somebody other than the subject.
pub fn is_role(word: &str) -> bool {
    ROLES.contains(&word)
}

/// Titles of per-report notes and sign-offs: every form has its own, so
/// sharing one with another form is no duplicate (备注, 填表人, 审核意见).
pub fn is_free_text(title: &ReadTitle) -> bool {
    const FREE: &[&str] = &[
        "备注",
        "说明",
        "其他",
        "其它",
        "情况说明",
        "备注说明",
        "其他说明",
        "其他状况",
        "签名",
        "签字",
        "意见",
        "审核意见",
        "核查意见",
        "村意见",
        "镇意见",
        "填表人",
        "填报人",
        "填表日期",
        "填报日期",
        "审核人",
        "审核日期",
        "序号",
        "照片",
        "现场照片",
        "附件",
        "描述",
        "状况描述",
        "存在问题",
        "问题描述",
        "整改措施",
    ];
    FREE.contains(&title.core.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(title: &str) -> String {
        ReadTitle::new(title).core
    }

    #[test]
    fn width_brackets_and_units_are_folded() {
        for same in [
            "家庭月收入（元）",
            "家庭月收入(元)",
            "家庭月收入 ( 元 )",
            "家庭月收入元",
            "家庭月收入/元",
            "家庭月收入【元】",
            "家庭月收入：元",
        ] {
            let t = ReadTitle::new(same);
            assert_eq!((t.core.as_str(), t.qualifiers.as_slice()), ("家庭月收入", ["元".to_owned()].as_slice()), "{same}");
        }
        assert_eq!(core("ＩＤ　号码"), "id");
        assert_eq!(core("单元"), "单元", "元 ends a word here, not a unit");
        assert_eq!(core("所属村（社区）"), "所属村");
    }

    #[test]
    fn number_words_and_synonyms_are_folded() {
        for same in ["身份证号", "身份证号码", "身份证码", "身份证"] {
            assert_eq!(core(same), "身份证", "{same}");
        }
        assert_eq!(core("生活情况"), core("生活状况"));
        assert_eq!(core("地块编码"), core("地块编号"));
        assert_ne!(core("出生地"), core("出生日期"));
        assert_ne!(core("联系人"), core("联系电话"));
    }

    #[test]
    fn prefixes_and_roles() {
        let t = ReadTitle::new("家庭住址");
        let stem = |t: &str, nouns: &[&str]| ReadTitle::with_prefixes(t, nouns).stem.map(|(s, p)| format!("{p}+{s}"));
        assert_eq!(t.stem, Some(("住址".to_owned(), "家庭".to_owned())));
        assert_eq!(stem("服务对象姓名", &[]).as_deref(), Some("服务对象+姓名"));
        assert_eq!(stem("现住址", &[]).as_deref(), Some("现+住址"));
        assert_eq!(stem("家庭详细住址", &[]).as_deref(), Some("家庭详细+住址"));
        assert_eq!(stem("现金", &[]), None, "a one-character rest is no stem");
        assert_eq!(stem("户籍类型", &[]), None, "a generic word alone is no stem");
        assert_eq!(stem("单位地址", entity_nouns("person")), None);
        assert_eq!(stem("单位地址", entity_nouns("enterprise")).as_deref(), Some("单位+地址"));
        let role = |t: &str| ReadTitle::new(t).role;
        assert_eq!(role("监护人身份证号码").as_deref(), Some("监护人"));
        assert_eq!(role("联系人").as_deref(), Some("联系人"));
        assert_eq!(role("丈夫联系电话").as_deref(), Some("丈夫"));
        assert_eq!(role("巡查人电话").as_deref(), Some("巡查人"));
        assert_eq!(role("申请人电话"), None);
        assert_eq!(role("联系电话"), None);
        assert_eq!(ReadTitle::new("户口所在地").core, ReadTitle::new("户籍所在地").core);
        assert_eq!(ReadTitle::with_prefixes("房屋结构", entity_nouns("house")).head(), "结构");
        assert_eq!(ReadTitle::new("结构类型").head(), "结构");
    }

    #[test]
    fn free_text_titles() {
        assert!(is_free_text(&ReadTitle::new("备注")));
        assert!(is_free_text(&ReadTitle::new("备 注：")));
        assert!(!is_free_text(&ReadTitle::new("走访日期")));
    }
}
