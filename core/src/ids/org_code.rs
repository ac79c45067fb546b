//! The code of an org unit after GB/T 2260 (district 6 digits, town 9,
//! village 12), with the level its length names. Codes nest by prefix:
//! village 500118100001 lies in town 500118100, in district 500118.

use serde::{Deserialize, Serialize};

use super::{IdError, error, string_id};

/// The three levels of org unit the service knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    District,
    Town,
    Village,
}

impl OrgLevel {
    /// The level a GB/T 2260 code of this length names.
    pub fn of_code(code: &str) -> Option<OrgLevel> {
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match code.len() {
            6 => Some(OrgLevel::District),
            9 => Some(OrgLevel::Town),
            12 => Some(OrgLevel::Village),
            _ => None,
        }
    }

    /// Whether `code` is this unit or lies inside it: GB/T 2260 codes nest
    /// by prefix (village 500118100001 is in town 500118100, district 500118).
    pub fn contains(unit: &str, code: &str) -> bool {
        code.starts_with(unit)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrgLevel::District => "district",
            OrgLevel::Town => "town",
            OrgLevel::Village => "village",
        }
    }

    /// The code of the unit of this level that `code` lies in (`code`
    /// itself at its own level); `None` when `code` is not a unit code or
    /// lies above this level.
    pub fn of(self, code: &str) -> Option<&str> {
        let level = OrgLevel::of_code(code)?;
        (self <= level).then(|| &code[..self.code_len()])
    }

    /// How many digits a code of this level has.
    pub fn code_len(self) -> usize {
        match self {
            OrgLevel::District => 6,
            OrgLevel::Town => 9,
            OrgLevel::Village => 12,
        }
    }
}

/// A district, town or village code: all digits, 6, 9 or 12 of them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgCode(String);

string_id!(OrgCode);

impl OrgCode {
    pub fn parse(text: &str) -> Result<OrgCode, IdError> {
        match OrgLevel::of_code(text) {
            Some(_) => Ok(OrgCode(text.to_owned())),
            None => Err(error(
                text,
                "单位代码应为6位（区县）、9位（乡镇）或12位（村、社区）数字",
                "an org unit code is 6 (district), 9 (town) or 12 (village) digits",
            )),
        }
    }

    pub fn level(&self) -> OrgLevel {
        OrgLevel::of_code(&self.0).unwrap_or(OrgLevel::District)
    }

    /// The unit of `level` this code lies in (itself at its own level), or
    /// `None` when `level` is below this code's.
    pub fn at(&self, level: OrgLevel) -> Option<OrgCode> {
        (level <= self.level()).then(|| OrgCode(self.0[..level.code_len()].to_owned()))
    }

    /// The district this unit lies in.
    pub fn district(&self) -> OrgCode {
        OrgCode(self.0[..OrgLevel::District.code_len()].to_owned())
    }

    /// The town this unit lies in; `None` for a district.
    pub fn town(&self) -> Option<OrgCode> {
        self.at(OrgLevel::Town)
    }

    /// Whether `other` is this unit or lies inside it.
    pub fn contains(&self, other: &str) -> bool {
        OrgLevel::contains(&self.0, other)
    }

    /// The narrower of two nested units (the one further down), e.g. a
    /// town user's view of a district-wide survey is their town.
    pub fn narrower<'a>(&'a self, other: &'a OrgCode) -> &'a OrgCode {
        if other.level() > self.level() { other } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(OrgLevel::of_code("500118"), Some(OrgLevel::District));
        assert_eq!(OrgLevel::of_code("500118100"), Some(OrgLevel::Town));
        assert_eq!(OrgLevel::of_code("500118100001"), Some(OrgLevel::Village));
        assert_eq!(OrgLevel::of_code("5001181"), None);
        assert_eq!(OrgLevel::of_code("50011810000a"), None);
    }

    #[test]
    fn a_code_knows_its_level_and_the_units_above_it() {
        let village = OrgCode::parse("500118100001").expect("a village code");
        assert_eq!(village.level(), OrgLevel::Village);
        assert_eq!(village.town().map(String::from), Some("500118100".to_owned()));
        assert_eq!(village.district().as_str(), "500118");
        let district = OrgCode::parse("500118").expect("a district code");
        assert_eq!(district.town(), None);
        assert!(district.contains(&village));
        assert_eq!(district.narrower(&village), &village);
        assert!(OrgCode::parse("5001181").is_err());
        assert!(serde_json::from_str::<OrgCode>("\"abc\"").is_err());
        assert_eq!(serde_json::to_string(&village).expect("serializes"), "\"500118100001\"");
    }
}
