//! When librarians are on duty: `[hours]` in the settings (per weekday, in the library's
//! time zone, with holidays). Without it the desk counts as always staffed.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

/// `[hours]` as written: each day `"09:00-18:00"`, several spans with commas
/// (`"09:00-12:00, 13:00-17:00"`), empty for closed; holidays as `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoursSettings {
    /// An IANA time zone ("Asia/Baku", "Europe/Minsk").
    pub timezone: String,
    pub monday: String,
    pub tuesday: String,
    pub wednesday: String,
    pub thursday: String,
    pub friday: String,
    pub saturday: String,
    pub sunday: String,
    pub holidays: Vec<String>,
}

impl Default for HoursSettings {
    fn default() -> Self {
        let day = |s: &str| s.to_string();
        Self {
            timezone: "UTC".into(),
            monday: day("09:00-17:00"),
            tuesday: day("09:00-17:00"),
            wednesday: day("09:00-17:00"),
            thursday: day("09:00-17:00"),
            friday: day("09:00-17:00"),
            saturday: String::new(),
            sunday: String::new(),
            holidays: Vec::new(),
        }
    }
}

/// Minutes since midnight, [start, end).
type Span = (u16, u16);

/// The duty rota, ready to ask.
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: TimeZone,
    /// Monday first.
    days: [Vec<Span>; 7],
    holidays: BTreeSet<Date>,
}

/// When the next librarian comes on duty, in the library's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextOpening {
    /// Monday = 0.
    pub weekday: usize,
    /// "09:00".
    pub time: String,
    /// 0 today, 1 tomorrow, and so on.
    pub days_ahead: i64,
}

impl HoursSettings {
    /// The rota, or a sentence saying what is wrong with the settings.
    pub fn schedule(&self) -> Result<Schedule, String> {
        let tz = TimeZone::get(&self.timezone).map_err(|_| {
            format!(
                "hours.timezone: `{}` is not a known time zone (write one like \"Europe/Minsk\")",
                self.timezone
            )
        })?;
        let named = [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ];
        let mut days: [Vec<Span>; 7] = Default::default();
        for (i, (name, text)) in named.iter().enumerate() {
            days[i] = spans(text).map_err(|e| format!("hours.{name}: {e}"))?;
        }
        let holidays = self
            .holidays
            .iter()
            .map(|d| {
                d.trim()
                    .parse::<Date>()
                    .map_err(|_| format!("hours.holidays: `{d}` is not a date (YYYY-MM-DD)"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Schedule { tz, days, holidays })
    }
}

/// "09:00-12:00, 13:00-17:00" -> spans; "" -> closed.
fn spans(text: &str) -> Result<Vec<Span>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (from, to) = part
            .split_once('-')
            .ok_or_else(|| format!("`{part}` is not a span like 09:00-17:00"))?;
        let (from, to) = (minute_of_day(from)?, minute_of_day(to)?);
        if from >= to {
            return Err(format!("`{part}` ends before it starts"));
        }
        out.push((from, to));
    }
    out.sort_unstable();
    Ok(out)
}

fn minute_of_day(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let bad = || format!("`{text}` is not a time like 09:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    // 24:00 closes a day that runs to midnight.
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

impl Schedule {
    fn local(&self, now_ms: i64) -> ZonedDateTime {
        Timestamp::from_millisecond(now_ms)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(self.tz.clone())
    }

    fn spans_on(&self, date: Date) -> &[Span] {
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.days[weekday_index(date.weekday())]
    }

    /// Whether a librarian is on duty at `now_ms`.
    pub fn on_duty(&self, now_ms: i64) -> bool {
        let local = self.local(now_ms);
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.spans_on(local.date())
            .iter()
            .any(|&(from, to)| from <= minute && minute < to)
    }

    /// When the next span starts after `now_ms` (within two weeks; `None`: nobody is ever
    /// on duty in that time).
    pub fn next_opening(&self, now_ms: i64) -> Option<NextOpening> {
        let local = self.local(now_ms);
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        let today = local.date();
        for days_ahead in 0..15i64 {
            let date = today.checked_add(jiff::Span::new().days(days_ahead)).ok()?;
            let start = self
                .spans_on(date)
                .iter()
                .map(|&(from, _)| from)
                .find(|&from| days_ahead > 0 || from > minute);
            if let Some(from) = start {
                return Some(NextOpening {
                    weekday: weekday_index(date.weekday()),
                    time: format!("{:02}:{:02}", from / 60, from % 60),
                    days_ahead,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minsk() -> Schedule {
        HoursSettings {
            timezone: "Europe/Minsk".into(),
            saturday: "10:00-14:00".into(),
            holidays: vec!["2026-12-25".into()],
            ..HoursSettings::default()
        }
        .schedule()
        .unwrap()
    }

    /// `YYYY-MM-DDTHH:MM` in Minsk (UTC+3) as ms.
    fn at(local: &str) -> i64 {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        dt.to_zoned_datetime(TimeZone::get("Europe/Minsk").unwrap())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    #[test]
    fn duty_follows_the_local_clock() {
        let s = minsk();
        // Wednesday 2026-12-02.
        assert!(s.on_duty(at("2026-12-02T09:00")));
        assert!(s.on_duty(at("2026-12-02T16:59")));
        assert!(!s.on_duty(at("2026-12-02T17:00")));
        assert!(!s.on_duty(at("2026-12-02T08:59")));
        // Saturday short hours, Sunday closed, a holiday closed.
        assert!(s.on_duty(at("2026-12-05T11:00")));
        assert!(!s.on_duty(at("2026-12-06T11:00")));
        assert!(!s.on_duty(at("2026-12-25T11:00")));
    }

    #[test]
    fn the_next_opening_skips_closed_days() {
        let s = minsk();
        let next = |t| s.next_opening(at(t)).unwrap();
        // Before opening: today.
        assert_eq!(
            next("2026-12-02T07:30"),
            NextOpening {
                weekday: 2,
                time: "09:00".into(),
                days_ahead: 0
            }
        );
        // After closing: tomorrow.
        assert_eq!(next("2026-12-02T18:00").days_ahead, 1);
        // Saturday afternoon: Sunday is closed, so Monday.
        assert_eq!(
            next("2026-12-05T15:00"),
            NextOpening {
                weekday: 0,
                time: "09:00".into(),
                days_ahead: 2
            }
        );
        // Christmas Eve evening: the holiday is skipped.
        assert_eq!(
            next("2026-12-24T18:00"),
            NextOpening {
                weekday: 5,
                time: "10:00".into(),
                days_ahead: 2
            }
        );
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        let bad = |s: HoursSettings| s.schedule().unwrap_err();
        assert!(
            bad(HoursSettings {
                timezone: "Mars/Olympus".into(),
                ..Default::default()
            })
            .contains("hours.timezone")
        );
        assert!(
            bad(HoursSettings {
                monday: "9-5".into(),
                ..Default::default()
            })
            .contains("hours.monday")
        );
        assert!(
            bad(HoursSettings {
                friday: "17:00-09:00".into(),
                ..Default::default()
            })
            .contains("ends before")
        );
        assert!(
            bad(HoursSettings {
                holidays: vec!["25 Dec".into()],
                ..Default::default()
            })
            .contains("hours.holidays")
        );
        assert_eq!(
            spans("09:00-12:00, 13:00-24:00").unwrap(),
            vec![(540, 720), (780, 1440)]
        );
    }
}
