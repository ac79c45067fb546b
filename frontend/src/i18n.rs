//! UI strings in Simplified Chinese (the default) and English.

use ybt_core::messages::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn toggled(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn pick<'a>(self, text: &'a Text) -> &'a str {
        match self {
            Lang::Zh => &text.zh,
            Lang::En => &text.en,
        }
    }
}

/// Every fixed string of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    AppTitle,
    SwitchLanguage,
    ChooseUnit,
    Town,
    Village,
    Templates,
    Generate,
    Prefilled,
    NewFields,
    Loading,
    NoRows,
    Submit,
    Submitting,
    Back,
    Submitted,
    SubmissionId,
    Rows,
    FixErrors,
    FromLedger,
    MustEnter,
    ChooseOption,
    SignIn,
    SignOut,
    Username,
    Password,
    Admin,
    Reports,
    Accounts,
    DisplayName,
    Role,
    OrgUnit,
    Unmasked,
    AuditLog,
    When,
    What,
    Items,
    Records,
    Department,
    CreateAccount,
    Computed,
    Ledger,
    History,
    Version,
    Who,
    Source,
    Changes,
    Import,
    ImportUploading,
    ImportChecking,
    ImportWriting,
    ImportDone,
    ImportColumn,
    ImportField,
    ImportSkip,
    ImportCheck,
    ImportCommit,
    ImportRecheck,
    NoHistory,
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    let (zh, en) = match key {
        AppTitle => ("一表通 · 基层报表", "Yibiaotong · village reports"),
        SwitchLanguage => ("English", "中文"),
        ChooseUnit => ("选择填报单位", "Choose your unit"),
        Town => ("镇（街道）", "Town / street"),
        Village => ("村（社区）", "Village / community"),
        Templates => ("报表模板", "Report templates"),
        Generate => ("一键生成", "Generate"),
        Prefilled => ("项自动填入", "fields pre-filled"),
        NewFields => ("项需填写", "fields to enter"),
        Loading => ("加载中…", "Loading…"),
        NoRows => ("本村（社区）台账中没有符合条件的对象。", "No matching records in this village's ledger."),
        Submit => ("提交", "Submit"),
        Submitting => ("提交中…", "Submitting…"),
        Back => ("返回", "Back"),
        Submitted => ("已提交", "Submitted"),
        SubmissionId => ("提交编号", "Submission id"),
        Rows => ("行", "rows"),
        FixErrors => ("请先改正标红的格子", "Fix the cells marked in red first"),
        FromLedger => ("来自台账", "from the ledger"),
        MustEnter => ("需填写", "to enter"),
        ChooseOption => ("请选择", "Choose"),
        SignIn => ("登录", "Sign in"),
        SignOut => ("退出", "Sign out"),
        Username => ("用户名", "User name"),
        Password => ("密码", "Password"),
        Admin => ("账号与审计", "Accounts & audit"),
        Reports => ("报表", "Reports"),
        Accounts => ("账号与授权", "Accounts and grants"),
        DisplayName => ("姓名", "Name"),
        Role => ("角色", "Role"),
        OrgUnit => ("所属单位", "Org unit"),
        Unmasked => ("明文查看", "Unmasked"),
        AuditLog => ("敏感信息查看记录", "Audit log of unmasked reads"),
        When => ("时间", "When"),
        What => ("操作", "Action"),
        Items => ("数据项", "Items"),
        Records => ("记录数", "Records"),
        Department => ("所属部门（部门分析员）", "Department (analysts)"),
        CreateAccount => ("新建账号", "Create account"),
        Computed => ("自动计算", "computed"),
        Ledger => ("台账", "Ledger"),
        History => ("历史", "History"),
        Version => ("版本", "Version"),
        Who => ("修改人", "Changed by"),
        Source => ("来源", "Source"),
        Changes => ("修改内容（原值 → 新值）", "Changes (old → new)"),
        NoHistory => ("没有修改记录", "No changes recorded"),
        Import => ("导入台账（Excel / CSV）", "Import a ledger (Excel / CSV)"),
        ImportUploading => ("上传中", "Uploading"),
        ImportChecking => ("检查中：逐行校验、查重（尚未写入任何数据）…", "Checking every row and duplicates (nothing written yet)…"),
        ImportWriting => ("检查并写入中，批数：", "Checking and writing, batches:"),
        ImportDone => ("导入完成。", "Imported."),
        ImportColumn => ("文件中的列", "Column in the file"),
        ImportField => ("对应台账字段", "Ledger field"),
        ImportSkip => ("（不导入）", "(not imported)"),
        ImportCheck => ("检查", "Check"),
        ImportCommit => ("确认导入", "Import"),
        ImportRecheck => ("列对应关系已修改，请先点“检查”", "The mapping changed: check again before importing"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A string of one page only: the issue-7 pages (authoring, review,
/// dispatch, board, summary) keep their strings beside their markup.
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
