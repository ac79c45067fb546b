//! Lookups of district-wide keys that reveal no one.
//!
//! A person's ID number (an enterprise's credit code) is registered in one
//! unit of the district, so every write path looks new keys up in every
//! unit. The answer to "is this key registered elsewhere?" must not turn
//! the product into a directory of who lives where: a refusal names the
//! number, the person and the unit only to a reader who may read that
//! unit's ledger (a town centre for its villages, the district's
//! specialists); everyone else gets [`withheld`]. Refusals are audited and
//! counted per user and day ([`REFUSED_KEYS_PER_DAY`], previews included),
//! and a file with an implausible share of keys found elsewhere
//! ([`implausible_share`]) is refused whole, without saying which rows.

use serde_json::Value;

use super::{Action, Principal, authorize};
use crate::field_error::FieldError;
use crate::ledger::{LedgerRecord, RecordType};
use crate::text::Text;

/// Refused lookups (keys found in a unit the reader may not see) a user may
/// cause per calendar day (UTC), previews included. A village meets a few
/// people who moved in; a guesser meets this limit.
pub const REFUSED_KEYS_PER_DAY: u32 = 20;

/// Whether `principal` may learn which record of `org_unit` holds a key:
/// exactly when it may read that unit's ledger.
pub fn may_name(principal: &Principal, org_unit: &str) -> bool {
    authorize(principal, &Action::ReadLedger { org_unit }).is_allowed()
}

/// The refusal of a key registered in a unit the reader may not see: it
/// names neither the number, nor the person, nor the unit.
/// `key_zh` / `key_en` name the key's fields (`身份证号`, `id_number`).
pub fn withheld(key_zh: &str, key_en: &str) -> Text {
    Text::new(
        format!("该{key_zh}已在本区其他村（社区）登记：请在「迁移申请」中申请迁入，由乡镇协同中心办理"),
        format!(
            "this {key_en} is already registered in another village or community of the district; request a transfer (Transfers); the town coordination centre decides it"
        ),
    )
}

/// Whether a file of `rows` rows of which `refused` hold keys registered in
/// units the reader may not see looks like a lookup rather than a ledger:
/// more than 5 such rows and more than a fifth of the file. Such a file is
/// refused whole.
pub fn implausible_share(rows: usize, refused: usize) -> bool {
    refused > 5 && refused * 5 > rows
}

/// The daily limit's verdict after adding `refused` to the `total` the user
/// has reached today (the count already includes this request).
pub fn over_daily_limit(total_today: u32) -> bool {
    total_today > REFUSED_KEYS_PER_DAY
}

/// The answer once the daily limit is reached (HTTP 429).
pub fn limit_message() -> Text {
    Text::new(
        format!("今日查重被拒次数已达上限（{REFUSED_KEYS_PER_DAY} 次），请明天再试或联系乡镇协同中心"),
        format!(
            "you reached today's limit of {REFUSED_KEYS_PER_DAY} refused key lookups; try again tomorrow or ask the town coordination centre"
        ),
    )
}

/// The answer to a file refused whole for [`implausible_share`].
pub fn implausible_message() -> Text {
    Text::new(
        "文件中大量号码已在本区其他村（社区）登记，不像本村（社区）台账，整份文件不予处理",
        "too many keys of this file are registered in other villages of the district for it to be this unit's ledger; the whole file is refused",
    )
}

/// A change of record `record_id` to `data` whose district-wide key is
/// already another record's (`found`: the records holding that key, in any
/// unit): the error of the change, and the other record's id when it lies
/// in a unit `principal` may not see (a refused lookup, to audit and
/// count). `None` when the key is free or not district-wide.
pub fn key_refusal(
    principal: &Principal,
    record_type: &RecordType,
    record_id: &str,
    data: &Value,
    found: &[LedgerRecord],
) -> Option<(FieldError, Option<String>)> {
    let field = record_type.district_key_field()?;
    let key = record_type.natural_key(data)?;
    let other = found.iter().find(|r| {
        r.id != record_id && r.entity == record_type.entity && record_type.natural_key(&r.data).as_deref() == Some(key.as_str())
    })?;
    let title = record_type.field(field).map_or(field, |f| f.title.as_str());
    let pointer = format!("/patch/{field}");
    if may_name(principal, &other.org_unit) {
        let message = Text::new(
            format!("{title} {key} 已登记在 {}（记录 {}），不能重复登记", other.org_unit, other.id),
            format!("{field} {key} is already registered in {} (record {})", other.org_unit, other.id),
        );
        return Some((FieldError::new(pointer, "key_in_other_unit", message), None));
    }
    let error = FieldError::new(pointer, "key_in_other_unit", withheld(title, field));
    Some((error, Some(other.id.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    use crate::test_support::principal;

    #[test]
    fn only_who_may_read_the_other_unit_learns_it() {
        let other = "500118100002";
        assert!(!may_name(&principal(Role::VillageStaff, "500118100001"), other));
        assert!(may_name(&principal(Role::TownCoordinator, "500118100"), other));
        assert!(!may_name(&principal(Role::TownCoordinator, "500118101"), other), "another town's centre");
    }

    #[test]
    fn the_withheld_refusal_names_no_one() {
        let text = withheld("身份证号", "id_number");
        assert_eq!(text.zh, "该身份证号已在本区其他村（社区）登记：请在「迁移申请」中申请迁入，由乡镇协同中心办理");
        assert!(!text.zh.chars().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn a_file_of_guesses_is_implausible_and_a_ledger_with_a_few_movers_is_not() {
        assert!(!implausible_share(500, 5));
        assert!(!implausible_share(100, 6), "6 of 100");
        assert!(implausible_share(20, 6));
        assert!(implausible_share(200_000, 150_000));
        assert!(!over_daily_limit(REFUSED_KEYS_PER_DAY));
        assert!(over_daily_limit(REFUSED_KEYS_PER_DAY + 1));
    }
}
