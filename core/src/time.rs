//! Times as people in China read them: Beijing time (UTC+8, no daylight
//! saving since 1991), minutes, no `T` and no `Z`.
//!
//! The worker stores instants as RFC 3339 UTC text (`2026-11-29T11:43:12.049Z`);
//! every page shows them through [`beijing`] so nobody reads a time eight
//! hours off. Core reads no clock: these functions only convert text.

/// Offset of China Standard Time from UTC, in minutes.
const OFFSET_MINUTES: i64 = 8 * 60;

/// `2026-11-29T11:43:12.049Z` → `2026-11-29 19:43`. Accepts `T` or a space
/// between date and time, optional seconds and fractions, and `Z`, `+00:00`
/// or no zone (taken as UTC, as the worker writes). A bare date is returned
/// as it is (dates carry no zone); anything else unreadable is returned
/// unchanged, so nothing is hidden from the reader.
pub fn beijing(instant: &str) -> String {
    match parse_utc(instant) {
        Some(minutes) => format_minutes(minutes + OFFSET_MINUTES),
        None => instant.to_owned(),
    }
}

/// The Beijing calendar date of an instant: `2026-11-29T17:00:00Z` → `2026-11-30`.
pub fn beijing_date(instant: &str) -> String {
    match parse_utc(instant) {
        Some(minutes) => format_minutes(minutes + OFFSET_MINUTES)[..10].to_owned(),
        None => instant.get(..10).unwrap_or(instant).to_owned(),
    }
}

/// The UTC instant at which a Beijing calendar day (`YYYY-MM-DD`) begins,
/// written as the worker writes instants (`2026-11-29` →
/// `2026-11-28T16:00:00.000Z`), so that stored times compare with it as
/// text. `None` for anything but a real date.
pub fn beijing_day_start_utc(date: &str) -> Option<String> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = date.get(range)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let text = format_minutes(days_from_civil(year, month, day) * 1440 - OFFSET_MINUTES);
    Some(format!("{}T{}:00.000Z", &text[..10], &text[11..]))
}

/// The Beijing calendar day after `date` (`2026-12-31` → `2027-01-01`).
pub fn next_day(date: &str) -> Option<String> {
    let minutes = parse_utc(&beijing_day_start_utc(date)?)? + OFFSET_MINUTES + 1440;
    Some(format_minutes(minutes)[..10].to_owned())
}

/// Unix seconds of a UTC instant written as text (`2026-11-29T11:43:12.049Z`;
/// a fraction of a second is dropped), for session expiry and login
/// throttling.
pub fn unix_seconds(instant: &str) -> Option<u64> {
    let minutes = parse_utc(instant)?;
    let seconds: i64 =
        instant.trim().get(16..).and_then(|r| r.strip_prefix(':')).and_then(|r| r.get(..2)).map_or(Some(0), |s| s.parse().ok())?;
    u64::try_from(minutes * 60 + seconds).ok()
}

/// Minutes since 1970-01-01T00:00Z of a UTC instant written as text.
fn parse_utc(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
    };
    let (year, month, day, hour, minute) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // What follows the minutes: seconds, fraction, zone; only UTC is accepted.
    let mut rest = &text[16..];
    if let Some(after) = rest.strip_prefix(':') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits != 2 {
            return None;
        }
        rest = &after[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            rest = &fraction[digits..];
        }
    }
    if !matches!(rest, "" | "Z" | "z" | "+00:00" | "+0000") {
        return None;
    }
    Some((days_from_civil(year, month, day) * 24 + hour) * 60 + minute)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// well-known civil calendar algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn format_minutes(minutes: i64) -> String {
    let (days, minute_of_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(beijing(input), expected, "{input}");
    }

    #[test]
    fn instants_in_beijing_time() {
        check("2026-11-29T11:43:12.049Z", "2026-11-29 19:43");
        check("2026-11-29T11:43:12Z", "2026-11-29 19:43");
        check("2026-11-29 11:43", "2026-11-29 19:43");
        check("2026-11-29T11:43:00+00:00", "2026-11-29 19:43");
        // Crossing midnight, a month end, a year end and a leap day.
        check("2026-11-29T16:00:00Z", "2026-11-30 00:00");
        check("2026-11-30T20:30:00Z", "2026-12-01 04:30");
        check("2026-12-31T23:59:59Z", "2027-01-01 07:59");
        check("2028-02-28T18:00:00Z", "2028-02-29 02:00");
        check("1999-12-31T16:00:00Z", "2000-01-01 00:00");
    }

    #[test]
    fn a_beijing_day_begins_at_sixteen_utc_the_day_before() {
        assert_eq!(beijing_day_start_utc("2026-11-29").as_deref(), Some("2026-11-28T16:00:00.000Z"));
        assert_eq!(beijing_day_start_utc("2027-01-01").as_deref(), Some("2026-12-31T16:00:00.000Z"));
        assert_eq!(beijing_day_start_utc("2028-03-01").as_deref(), Some("2028-02-29T16:00:00.000Z"));
        for bad in ["2026-02-30", "2026-13-01", "20261129", "2026-11-29T00:00", "", "x"] {
            assert_eq!(beijing_day_start_utc(bad), None, "{bad}");
        }
        assert_eq!(next_day("2026-12-31").as_deref(), Some("2027-01-01"));
        assert_eq!(next_day("2028-02-28").as_deref(), Some("2028-02-29"));
        // An instant stored at the start of the day compares as inside it.
        assert!("2026-11-28T16:00:00.000Z" >= beijing_day_start_utc("2026-11-29").unwrap().as_str());
        assert!("2026-11-28T15:59:59.999Z" < beijing_day_start_utc("2026-11-29").unwrap().as_str());
    }

    #[test]
    fn what_is_not_an_utc_instant_is_shown_as_it_is() {
        check("2026-11-29", "2026-11-29");
        check("2026-02-30T10:00:00Z", "2026-02-30T10:00:00Z");
        check("2026-11-29T11:43:12+08:00", "2026-11-29T11:43:12+08:00");
        check("yesterday", "yesterday");
        check("", "");
        check("2026-11-29T1x:43Z", "2026-11-29T1x:43Z");
    }

    #[test]
    fn dates_in_beijing() {
        assert_eq!(beijing_date("2026-11-29T17:00:00Z"), "2026-11-30");
        assert_eq!(beijing_date("2026-11-29T15:59:00Z"), "2026-11-29");
        assert_eq!(beijing_date("2026-11-29"), "2026-11-29");
    }
}
