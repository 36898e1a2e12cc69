//! RFC 3339 UTC timestamps with microsecond precision. Owns the strict RFC 3339 grammar and
//! its error messages, formatting, serde support and the `GIT_LINEAGE_NOW` clock override used
//! for reproducible tests; calendar arithmetic (leap years, days since the epoch) is `jiff`'s.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Time};

/// Environment variable that, when set to a valid RFC 3339 timestamp, replaces the system
/// clock in [`Timestamp::now`] (for reproducible tests).
pub const NOW_ENV_VAR: &str = "GIT_LINEAGE_NOW";

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// The Gregorian calendar repeats exactly every 400 years (146,097 days).
const MICROS_PER_400_YEARS: i64 = 146_097 * MICROS_PER_DAY;
/// 1970-01-01T00:00:00 as a civil date-time (the Unix epoch in UTC).
const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// A UTC instant with microsecond precision, printed as RFC 3339 like
/// `2026-11-22T10:00:00.123456Z` (always 6 fractional digits).
///
/// Ordering follows time. Instants outside the years 0000–9999 can be represented and are
/// displayed with a signed, expanded year (e.g. `+10000-01-01T…`), but cannot be parsed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Microseconds since the Unix epoch (1970-01-01T00:00:00Z).
    micros: i64,
}

impl Timestamp {
    /// The current time, or the value of the `GIT_LINEAGE_NOW` environment variable when it
    /// is set to a valid RFC 3339 timestamp (an invalid value is ignored).
    pub fn now() -> Timestamp {
        let env = std::env::var(NOW_ENV_VAR).ok();
        now_from(env.as_deref())
    }

    /// The instant `micros` microseconds after the Unix epoch (negative: before it).
    pub fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp { micros }
    }

    /// Converts a [`SystemTime`], truncating to whole microseconds (towards the past) and
    /// saturating at the range of `i64` microseconds (about ±292,000 years).
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        let nanos: i128 = match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
            Err(before) => i128::try_from(before.duration().as_nanos())
                .map(|n| -n)
                .unwrap_or(i128::MIN),
        };
        let micros = nanos.div_euclid(1000);
        let micros = i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX });
        Timestamp { micros }
    }

    /// Microseconds since the Unix epoch (negative before 1970).
    pub fn unix_micros(self) -> i64 {
        self.micros
    }

    /// Parses an RFC 3339 timestamp and converts it to UTC.
    ///
    /// Accepts `YYYY-MM-DDTHH:MM:SS[.frac]Z` or the same with a `+HH:MM` / `-HH:MM` offset
    /// instead of `Z`; `t` and `z` may be lower case; the fraction has 1 to 9 digits and is
    /// truncated to microseconds. A plain date `YYYY-MM-DD` means midnight UTC. Calendar
    /// dates (including leap years) and time fields are range-checked; leap seconds
    /// (`:60`) are rejected.
    ///
    /// # Errors
    ///
    /// [`ParseError`] naming the text and what is wrong with it.
    pub fn parse(text: &str) -> Result<Timestamp, ParseError> {
        parse_micros(text)
            .map(Timestamp::from_unix_micros)
            .map_err(|reason| ParseError {
                text: text.to_owned(),
                reason,
            })
    }
}

/// [`Timestamp::now`] with the environment variable's value passed in, so it can be tested
/// without touching the process environment.
fn now_from(env_value: Option<&str>) -> Timestamp {
    env_value
        .and_then(|text| Timestamp::parse(text.trim()).ok())
        .unwrap_or_else(|| Timestamp::from_system_time(SystemTime::now()))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // jiff's civil range is the years -9999..=9999, narrower than i64 microseconds, so the
        // instant is moved into 1970..2370 by whole 400-year cycles (which leave month, day and
        // time unchanged) and the cycles are added back to the year.
        let cycles = self.micros.div_euclid(MICROS_PER_400_YEARS);
        let within = self.micros.rem_euclid(MICROS_PER_400_YEARS);
        let civil = EPOCH
            .checked_add(SignedDuration::from_micros(within))
            .expect("1970 plus under 400 years is within jiff's range");
        let year = i64::from(civil.year()) + 400 * cycles;
        let (month, day) = (civil.month(), civil.day());
        let (hour, minute, second) = (civil.hour(), civil.minute(), civil.second());
        let fraction = within % MICROS_PER_SECOND;
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{fraction:06}Z"
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string like 2026-11-22T10:00:00Z")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Error for an unparsable timestamp.
///
/// Displays as `invalid timestamp '<text>': <reason>; expected RFC 3339 like
/// 2026-11-22T10:00:00Z`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp '{text}': {reason}; expected RFC 3339 like 2026-11-22T10:00:00Z")]
pub struct ParseError {
    text: String,
    reason: String,
}

impl ParseError {
    /// The text that failed to parse.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What is wrong with the text, e.g. `month 13 is out of range 01-12`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A cursor over the ASCII bytes of a timestamp.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the text".to_owned(),
            Some(b) if b.is_ascii_graphic() => {
                format!("'{}' at position {}", b as char, self.pos + 1)
            }
            Some(_) => format!("an unexpected character at position {}", self.pos + 1),
        }
    }

    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize, what: &str) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => {
                    return Err(format!(
                        "expected {count}-digit {what}, found {}",
                        self.found()
                    ));
                }
            }
        }
        Ok(value)
    }

    /// One of `allowed`, returning which byte it was.
    fn expect(&mut self, allowed: &[u8], what: &str) -> Result<u8, String> {
        match self.peek() {
            Some(b) if allowed.contains(&b) => {
                self.pos += 1;
                Ok(b)
            }
            _ => Err(format!("expected {what}, found {}", self.found())),
        }
    }
}

fn check_range(value: u32, max: u32, what: &str, range: &str) -> Result<(), String> {
    if value > max {
        Err(format!("{what} {value:02} is out of range {range}"))
    } else {
        Ok(())
    }
}

/// Parses RFC 3339 (or a plain date) into microseconds since the epoch; errors are reasons.
fn parse_micros(text: &str) -> Result<i64, String> {
    if text.is_empty() {
        return Err("the text is empty".to_owned());
    }
    let mut c = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let year = c.digits(4, "year")?;
    c.expect(b"-", "'-' after the year")?;
    let month = c.digits(2, "month")?;
    c.expect(b"-", "'-' after the month")?;
    let day = c.digits(2, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} is out of range 01-12"));
    }
    // Four and two digits: the narrowing conversions below are lossless.
    let (year, month, day) = (year as i16, month as i8, day as i8);
    let date = Date::new(year, month, day).map_err(|_| {
        let month_days = Date::new(year, month, 1).map_or(31, Date::days_in_month);
        format!(
            "day {day:02} is out of range for {year:04}-{month:02}, which has {month_days} days"
        )
    })?;
    if c.peek().is_none() {
        return Ok(micros_since_epoch(date.to_datetime(Time::midnight())));
    }

    c.expect(b"Tt", "'T' between the date and the time")?;
    let hour = c.digits(2, "hour")?;
    c.expect(b":", "':' after the hour")?;
    let minute = c.digits(2, "minute")?;
    c.expect(b":", "':' after the minutes")?;
    let second = c.digits(2, "second")?;
    check_range(hour, 23, "hour", "00-23")?;
    check_range(minute, 59, "minute", "00-59")?;
    if second == 60 {
        return Err("leap second 60 is not supported".to_owned());
    }
    check_range(second, 59, "second", "00-59")?;

    let mut fraction: i64 = 0;
    if c.peek() == Some(b'.') {
        c.pos += 1;
        let start = c.pos;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
        }
        let digits = &c.bytes[start..c.pos];
        if digits.is_empty() {
            return Err(format!("expected digits after '.', found {}", c.found()));
        }
        if digits.len() > 9 {
            return Err(format!(
                "fractional seconds have {} digits; at most 9 are allowed",
                digits.len()
            ));
        }
        // Keep microseconds: take (up to) the first 6 digits and right-pad with zeros.
        for i in 0..6 {
            let digit = digits.get(i).map_or(0, |b| i64::from(b - b'0'));
            fraction = fraction * 10 + digit;
        }
    }

    let offset_seconds: i64 = match c.peek() {
        None => {
            return Err("missing time zone: add 'Z' for UTC or an offset like +02:00".to_owned());
        }
        Some(b'Z' | b'z') => {
            c.pos += 1;
            0
        }
        Some(b'+' | b'-') => {
            let sign = if c.expect(b"+-", "offset sign")? == b'-' {
                -1
            } else {
                1
            };
            let offset_hour = c.digits(2, "offset hour")?;
            c.expect(b":", "':' in the offset")?;
            let offset_minute = c.digits(2, "offset minutes")?;
            check_range(offset_hour, 23, "offset hour", "00-23")?;
            check_range(offset_minute, 59, "offset minute", "00-59")?;
            sign * (i64::from(offset_hour) * 3600 + i64::from(offset_minute) * 60)
        }
        Some(_) => {
            return Err(format!(
                "expected 'Z' or an offset like +02:00, found {}",
                c.found()
            ));
        }
    };
    if c.peek().is_some() {
        return Err(format!("unexpected {} after the time zone", c.found()));
    }

    // Range-checked above: the narrowing conversions are lossless and `Time::new` succeeds.
    let time = Time::new(hour as i8, minute as i8, second as i8, 0)
        .map_err(|e| format!("invalid time of day: {e}"))?;
    let local = micros_since_epoch(date.to_datetime(time));
    Ok(local + fraction - offset_seconds * MICROS_PER_SECOND)
}

/// Microseconds from the epoch to a civil date-time read as UTC (years 0000–9999 fit in i64).
fn micros_since_epoch(civil: DateTime) -> i64 {
    let micros = civil.duration_since(EPOCH).as_micros();
    // At most about ±2.5e17 for the years 0000–9999, far inside i64.
    i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX })
}

/// A `--since`/`--until` date that is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a date: give 2026-11-24, 2026-11-24T10:00:00Z, now, today, yesterday, \
     N.UNIT.ago or 'N UNITs ago' (UNIT: second, minute, hour, day, week, month, year), \
     or 'last UNIT'"
)]
pub struct DateError(String);

/// Parse a date the way `--since`/`--until` take it: an RFC 3339 instant,
/// a bare `YYYY-MM-DD` (midnight UTC, or the day's last microsecond when
/// `end_of_day`), or the subset of git's relative dates below, relative to
/// `now` (all UTC):
///
/// - `now`; `today` (midnight today); `yesterday` (24 hours before `now`, as
///   git reads it);
/// - `N.UNIT.ago`, `N UNIT ago`, `N UNITs ago` (`2.weeks.ago`, `3 days ago`);
/// - `last UNIT` (one UNIT ago: `last week`);
///
/// with UNIT one of second, minute, hour, day, week, month, year (plural or
/// not). Months and years are calendar months and years.
///
/// # Errors
///
/// [`DateError`] for anything else (git's fuzzier forms like `last friday`
/// or `noon` are not supported).
pub fn parse_date(text: &str, now: Timestamp, end_of_day: bool) -> Result<Timestamp, DateError> {
    let error = || DateError(text.to_string());
    if let Ok(t) = Timestamp::parse(text) {
        let bare_day = text.len() == 10 && !text.contains(['T', 't']);
        return Ok(if end_of_day && bare_day {
            Timestamp::from_unix_micros(t.unix_micros() + MICROS_PER_DAY - 1)
        } else {
            t
        });
    }
    let lower = text.trim().to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c == '.' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let (count, unit) = match words.as_slice() {
        ["now"] => return Ok(now),
        ["today"] => {
            let micros = now.unix_micros();
            return Ok(Timestamp::from_unix_micros(
                micros - micros.rem_euclid(MICROS_PER_DAY),
            ));
        }
        ["yesterday"] => (1, "day"),
        ["last", unit] => (1, *unit),
        [count, unit, "ago"] => (count.parse::<i64>().map_err(|_| error())?, *unit),
        _ => return Err(error()),
    };
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let span = match unit {
        "second" | "sec" => jiff::Span::new().try_seconds(count),
        "minute" | "min" => jiff::Span::new().try_minutes(count),
        "hour" => jiff::Span::new().try_hours(count),
        "day" => jiff::Span::new().try_days(count),
        "week" => jiff::Span::new().try_weeks(count),
        "month" => jiff::Span::new().try_months(count),
        "year" => jiff::Span::new().try_years(count),
        _ => return Err(error()),
    }
    .map_err(|_| error())?;
    // Calendar arithmetic in the 1970..2370 window `Display` uses.
    let cycles = now.unix_micros().div_euclid(MICROS_PER_400_YEARS);
    let within = now.unix_micros().rem_euclid(MICROS_PER_400_YEARS);
    let civil = EPOCH
        .checked_add(SignedDuration::from_micros(within))
        .map_err(|_| error())?;
    let earlier = civil.checked_sub(span).map_err(|_| error())?;
    let micros = i64::try_from(earlier.duration_since(EPOCH).as_micros()).map_err(|_| error())?;
    Ok(Timestamp::from_unix_micros(
        micros + cycles * MICROS_PER_400_YEARS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(text: &str) -> ParseError {
        match Timestamp::parse(text) {
            Ok(t) => panic!("{text:?} should not parse, got {t}"),
            Err(e) => e,
        }
    }

    #[test]
    fn known_epochs() {
        let s = |secs: i64| Timestamp::from_unix_micros(secs * MICROS_PER_SECOND).to_string();
        assert_eq!(s(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(s(951_782_400), "2000-02-29T00:00:00.000000Z");
        assert_eq!(s(1_000_000_000), "2001-09-09T01:46:40.000000Z");
        assert_eq!(s(-1), "1969-12-31T23:59:59.000000Z");
        assert_eq!(s(-86_400), "1969-12-31T00:00:00.000000Z");
        assert_eq!(s(-2_208_988_800), "1900-01-01T00:00:00.000000Z");
        assert_eq!(s(-62_167_219_200), "0000-01-01T00:00:00.000000Z");
        assert_eq!(s(253_402_300_799), "9999-12-31T23:59:59.000000Z");
        assert_eq!(
            Timestamp::from_unix_micros(-1).to_string(),
            "1969-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            Timestamp::from_unix_micros(1_795_860_000_123_456).to_string(),
            "2026-11-28T10:00:00.123456Z"
        );
        assert_eq!(ts("1970-01-01T00:00:00Z").unix_micros(), 0);
        assert_eq!(
            ts("2000-02-29").unix_micros(),
            951_782_400 * MICROS_PER_SECOND
        );
        assert_eq!(ts("1969-12-31T23:59:59.999999Z").unix_micros(), -1);
    }

    #[test]
    fn extreme_values_display_without_panicking() {
        assert!(
            Timestamp::from_unix_micros(i64::MIN)
                .to_string()
                .starts_with('-')
        );
        assert!(
            Timestamp::from_unix_micros(i64::MAX)
                .to_string()
                .starts_with('+')
        );
        assert_eq!(
            Timestamp::from_unix_micros(253_402_300_800 * MICROS_PER_SECOND).to_string(),
            "+10000-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp::from_unix_micros(-62_167_219_200 * MICROS_PER_SECOND - 1).to_string(),
            "-0001-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            Timestamp::from_unix_micros(i64::MIN).to_string(),
            "-290308-12-21T19:59:05.224192Z"
        );
        assert_eq!(
            Timestamp::from_unix_micros(i64::MAX).to_string(),
            "+294247-01-10T04:00:54.775807Z"
        );
        // An offset can carry the last representable local time past the year 9999.
        assert_eq!(
            ts("9999-12-31T23:59:59-05:00").to_string(),
            "+10000-01-01T04:59:59.000000Z"
        );
    }

    /// An independent calendar: the first and last day of every month from 0000-01 to 9999-12
    /// print for the instant a counted number of days after 0000-01-01 and parse back to it,
    /// which pins the month lengths and the leap-year rule over the whole parsable range.
    #[test]
    fn every_month_from_year_0_to_9999_prints_and_parses() {
        let mut micros = -62_167_219_200 * MICROS_PER_SECOND; // 0000-01-01T00:00:00Z
        for year in 0..=9999i64 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            for month in 1..=12u32 {
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for (day, at) in [(1, micros), (days, micros + (days - 1) * MICROS_PER_DAY)] {
                    let date = format!("{year:04}-{month:02}-{day:02}");
                    let t = Timestamp::from_unix_micros(at);
                    assert_eq!(t.to_string(), format!("{date}T00:00:00.000000Z"));
                    assert_eq!(ts(&date), t, "{date}");
                }
                micros += days * MICROS_PER_DAY;
            }
        }
        assert_eq!(micros, 253_402_300_800 * MICROS_PER_SECOND); // 10000-01-01T00:00:00Z
    }

    #[test]
    fn parse_format_round_trip() {
        let min = ts("0000-01-01T00:00:00Z").unix_micros();
        let max = ts("9999-12-31T23:59:59.999999Z").unix_micros();
        let span = u64::try_from(max - min).expect("positive span");
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        let mut values = vec![min, max, 0, -1, 1];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(min + i64::try_from(x % (span + 1)).expect("fits"));
        }
        for micros in values {
            let t = Timestamp::from_unix_micros(micros);
            let text = t.to_string();
            assert_eq!(text.len(), 27, "{text}");
            assert_eq!(Timestamp::parse(&text), Ok(t), "{text}");
        }
    }

    #[test]
    fn offsets_fractions_and_case() {
        let utc = ts("2026-11-22T10:00:00Z");
        assert_eq!(ts("2026-11-22T12:30:00+02:30"), utc);
        assert_eq!(ts("2026-11-22T05:00:00-05:00"), utc);
        assert_eq!(ts("2026-11-22t10:00:00z"), utc);
        assert_eq!(ts("2026-11-22T10:00:00-00:00"), utc);
        assert_eq!(ts("2026-11-22T10:00:00.000Z"), utc);
        assert_eq!(ts("2026-11-23T00:30:00+14:30"), utc);
        assert_eq!(
            ts("2026-11-21T23:30:00-10:30").to_string(),
            "2026-11-22T10:00:00.000000Z"
        );
        assert_eq!(
            ts("2000-01-01T00:00:00+01:00").to_string(),
            "1999-12-31T23:00:00.000000Z"
        );
        assert_eq!(
            ts("2026-11-22T10:00:00.1Z").unix_micros() - utc.unix_micros(),
            100_000
        );
        assert_eq!(
            ts("2026-11-22T10:00:00.123456789Z").unix_micros() - utc.unix_micros(),
            123_456
        );
        assert_eq!(ts("2026-11-22").to_string(), "2026-11-22T00:00:00.000000Z");
        assert_eq!(ts("2024-02-29").to_string(), "2024-02-29T00:00:00.000000Z");
        assert!(ts("2026-11-22T10:00:00Z") < ts("2026-11-22T10:00:00.000001Z"));
    }

    #[test]
    fn invalid_inputs() {
        let cases = [
            ("2026-13-01T00:00:00Z", "month 13 is out of range 01-12"),
            ("2026-00-01", "month 00 is out of range"),
            ("2026-02-30T00:00:00Z", "day 30 is out of range for 2026-02"),
            ("2023-02-29", "which has 28 days"),
            ("1900-02-29", "which has 28 days"),
            ("2026-04-31", "day 31"),
            ("2026-01-00", "day 00"),
            ("2026-11-22T10:00:00", "missing time zone"),
            ("2026-11-22T24:00:00Z", "hour 24 is out of range 00-23"),
            ("2026-11-22T10:60:00Z", "minute 60"),
            ("2026-11-22T10:00:60Z", "leap second"),
            ("2026-11-22T10:00:61Z", "second 61"),
            ("2026-11-22T10:00:00.Z", "expected digits after '.'"),
            ("2026-11-22T10:00:00.1234567890Z", "at most 9"),
            ("2026-11-22T10:00:00+24:00", "offset hour 24"),
            ("2026-11-22T10:00:00+02:60", "offset minute 60"),
            ("2026-11-22T10:00:00+0200", "expected ':' in the offset"),
            ("2026-11-22T10:00:00ZZ", "after the time zone"),
            ("2026-11-22T10:00:00 UTC", "expected 'Z' or an offset"),
            ("2026-11-22 10:00:00Z", "expected 'T'"),
            ("2026-11-22T10:00Z", "expected ':' after the minutes"),
            ("26-11-22", "expected 4-digit year"),
            ("2026-1-22", "expected 2-digit month"),
            ("garbage", "expected 4-digit year, found 'g' at position 1"),
            ("", "empty"),
            ("２０２６-11-22", "expected 4-digit year"),
            ("2026-11-22T10:00:00.5é", "unexpected character"),
        ];
        for (text, reason) in cases {
            let e = err(text);
            assert!(e.reason().contains(reason), "{text:?}: {e}");
            assert_eq!(e.text(), text);
        }
        assert!(Timestamp::parse("2000-02-29").is_ok());
        assert!(Timestamp::parse("2024-02-29T23:59:59.999999Z").is_ok());
        assert_eq!(
            err("2026-13-01").to_string(),
            "invalid timestamp '2026-13-01': month 13 is out of range 01-12; \
             expected RFC 3339 like 2026-11-22T10:00:00Z"
        );
    }

    #[test]
    fn serde_round_trip_via_yaml() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Record {
            created: Timestamp,
            all: Vec<Timestamp>,
        }
        let record = Record {
            created: ts("2026-11-22T10:00:00.123456Z"),
            all: vec![
                Timestamp::from_unix_micros(-1),
                Timestamp::from_unix_micros(0),
            ],
        };
        let text = crate::yaml::to_string(&record).expect("serialise");
        assert!(text.contains("2026-11-22T10:00:00.123456Z"), "{text}");
        let back: Record = crate::yaml::from_str(&text).expect("deserialise");
        assert_eq!(back, record);

        let plain: Record =
            crate::yaml::from_str("created: 2026-11-22T12:00:00+02:00\nall: [2026-11-22]\n")
                .expect("deserialise plain scalars");
        assert_eq!(plain.created, ts("2026-11-22T10:00:00Z"));

        let bad = crate::yaml::from_str::<Record>("created: 2026-02-30\nall: []\n")
            .expect_err("invalid date");
        let message = bad.to_string();
        assert!(
            message.contains("invalid timestamp '2026-02-30'"),
            "{message}"
        );
        assert!(crate::yaml::from_str::<Record>("created: 5\nall: []\n").is_err());
    }

    #[test]
    fn now_honours_the_override() {
        let fixed = ts("2026-11-22T10:00:00Z");
        assert_eq!(now_from(Some("2026-11-22T10:00:00Z")), fixed);
        assert_eq!(now_from(Some(" 2026-11-22T12:00:00+02:00\n")), fixed);

        let before = Timestamp::from_system_time(SystemTime::now());
        let from_garbage = now_from(Some("not a time"));
        let from_none = now_from(None);
        let after = Timestamp::from_system_time(SystemTime::now());
        assert!(before <= from_garbage && from_garbage <= after);
        assert!(before <= from_none && from_none <= after);
        // `now()` itself works whatever the environment holds.
        assert!(Timestamp::now().unix_micros() != i64::MIN);
    }

    #[test]
    fn from_system_time_truncates_towards_the_past() {
        use std::time::Duration;
        let t = UNIX_EPOCH + Duration::from_nanos(1_500);
        assert_eq!(Timestamp::from_system_time(t).unix_micros(), 1);
        let t = UNIX_EPOCH - Duration::from_nanos(1_500);
        assert_eq!(Timestamp::from_system_time(t).unix_micros(), -2);
        let t = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(
            Timestamp::from_system_time(t).to_string(),
            "1969-12-31T00:00:00.000000Z"
        );
    }

    #[test]
    fn git_relative_dates() {
        let now = Timestamp::parse("2026-03-31T10:30:00Z").unwrap();
        let at = |text: &str| parse_date(text, now, false).map(|t| t.to_string());
        let day = |s: &str| Ok(format!("{s}.000000Z"));
        assert_eq!(at("now"), day("2026-03-31T10:30:00"));
        assert_eq!(at("today"), day("2026-03-31T00:00:00"));
        assert_eq!(at("yesterday"), day("2026-03-30T10:30:00"));
        assert_eq!(at("2.weeks.ago"), day("2026-03-17T10:30:00"));
        assert_eq!(at("3 days ago"), day("2026-03-28T10:30:00"));
        assert_eq!(at("1 hour ago"), day("2026-03-31T09:30:00"));
        assert_eq!(at("last week"), day("2026-03-24T10:30:00"));
        // Calendar months: March 31st minus a month is the end of February.
        assert_eq!(at("1.month.ago"), day("2026-02-28T10:30:00"));
        assert_eq!(at("2.years.ago"), day("2024-03-31T10:30:00"));
        assert_eq!(at("2026-01-02"), day("2026-01-02T00:00:00"));
        assert_eq!(
            parse_date("2026-01-02", now, true).map(|t| t.to_string()),
            Ok("2026-01-02T23:59:59.999999Z".into())
        );
        assert_eq!(
            parse_date("2026-01-02T05:00:00Z", now, true).map(|t| t.to_string()),
            Ok("2026-01-02T05:00:00.000000Z".into())
        );
        for bad in [
            "last friday",
            "noon",
            "2.fortnights.ago",
            "x days ago",
            "",
            "ago",
        ] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }
}
