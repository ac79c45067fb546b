//! City-level principals (issue 16, the city level): a department of a
//! city (e.g. 重庆市民政局, org unit `500000`) reads the summaries of the
//! districts it covers; with [`CITY_AUTHOR_GRANT`] it also files templates
//! once for all of them and dispatches them to the districts that admitted
//! them. It never acts on a district route.
//!
//! A city is a GB/T 2260 code at city level: a 6-digit code ending in
//! `00`. The districts it covers are those whose code begins with its
//! prefix (`500000` → `50`: every district of 重庆; `350300` → `3503`:
//! every district of 莆田), among the districts a deployment serves.

/// The code prefix of the districts a city-level org unit covers: `None`
/// for a district, town or village (or anything else).
pub fn city_prefix(org_unit: &str) -> Option<&str> {
    if org_unit.len() != 6 || !org_unit.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = if org_unit.ends_with("0000") {
        &org_unit[..2]
    } else if org_unit.ends_with("00") {
        &org_unit[..4]
    } else {
        return None;
    };
    // `000000` and `xx0000`-less nonsense such as `000100` cover nothing.
    if prefix.bytes().all(|b| b == b'0') { None } else { Some(prefix) }
}

/// Whether `org_unit` (a district or anything inside one) lies in the
/// city `city`: never the city itself, nor another city-level code.
pub fn in_city(city: &str, org_unit: &str) -> bool {
    match city_prefix(city) {
        Some(prefix) => {
            org_unit.len() >= 6
                && org_unit.starts_with(prefix)
                && org_unit.bytes().all(|b| b.is_ascii_digit())
                && city_prefix(&org_unit[..6]).is_none()
        }
        None => false,
    }
}

/// The grant that makes a city-level department analyst its department's
/// *author*: it files city templates ([`super::Action::FileCityTemplate`])
/// and dispatches them ([`super::Action::Dispatch`] within its city). An
/// analyst without it stays read-only. It names no ledger item, so it
/// unmasks nothing.
pub const CITY_AUTHOR_GRANT: &str = "city.author";

/// Whether a city department (e.g. `重庆市民政局`) reads the data of a
/// template owned by `department`: its own (`重庆市民政局`, what it filed),
/// or its districts' counterpart — the same office one level down, named
/// `区` + what follows `市` (`区民政局`), as the districts' departments are.
pub fn covers_department(city_department: &str, department: &str) -> bool {
    if city_department.is_empty() {
        return false;
    }
    if city_department == department {
        return true;
    }
    match city_department.split_once('市') {
        Some((_, office)) if !office.is_empty() => department.strip_prefix('区') == Some(office),
        _ => false,
    }
}

/// Whether the principal's org unit is a city (a city-level principal).
pub fn is_city_level(principal: &super::Principal) -> bool {
    city_prefix(&principal.org_unit).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(city_prefix("500000"), Some("50"));
        assert_eq!(city_prefix("350300"), Some("3503"));
        assert_eq!(city_prefix("500118"), None);
        assert_eq!(city_prefix("500118100"), None);
        assert_eq!(city_prefix("000000"), None);
        assert_eq!(city_prefix("50000x"), None);
        assert_eq!(city_prefix(""), None);
    }

    #[test]
    fn a_city_department_covers_itself_and_its_district_counterpart() {
        assert!(covers_department("重庆市民政局", "重庆市民政局"));
        assert!(covers_department("重庆市民政局", "区民政局"));
        assert!(!covers_department("重庆市民政局", "区应急管理局"));
        assert!(!covers_department("重庆市民政局", "民政局"));
        assert!(!covers_department("重庆市民政局", "区区民政局"));
        assert!(!covers_department("重庆市民政局", "莆田市民政局"));
        assert!(!covers_department("重庆市", "区"));
        assert!(!covers_department("", ""));
        // A name without 市 covers only itself.
        assert!(covers_department("区民政局", "区民政局"));
        assert!(!covers_department("民政局", "区民政局"));
    }

    #[test]
    fn districts_of_a_city() {
        assert!(in_city("500000", "500118"));
        assert!(in_city("500000", "500105"));
        assert!(in_city("500000", "500118100001"));
        assert!(!in_city("500000", "350304"));
        assert!(!in_city("500000", "500000"));
        assert!(!in_city("500000", "500100"));
        assert!(!in_city("500000", "5001"));
        assert!(!in_city("500118", "500118"));
        assert!(in_city("350300", "350304"));
        assert!(!in_city("350300", "500118"));
    }
}
