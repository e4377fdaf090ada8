//! A catalogue record as refdesk keeps it: the few fields a patron's question needs, mapped
//! from MARC 21 (or a CSV row), plus holdings where the records carry them.
//!
//! Records are stored as JSON in the catalogue index. Fields added since the first release
//! default when missing, and the old item states still read (`"missing"` as lost, a due date
//! as the text it was), so an index written by an earlier version keeps working.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRecord {
    /// The control number (001), the key for re-imports.
    pub id: String,
    /// 245 $a $b $n $p, without the trailing ISBD punctuation.
    pub title: String,
    /// 100, 110, 700, 710 $a (and $b for corporate names), as the record writes them.
    pub authors: Vec<String>,
    /// 650 $a with its subdivisions ($x $y $z $v) joined by " -- ".
    pub subjects: Vec<String>,
    /// 264 (second indicator 1) $b, else 260 $b.
    pub publisher: Option<String>,
    /// The year in 264 (second indicator 1) $c, else 260 $c; else 008/07-10; else any
    /// other 264 $c.
    pub year: Option<u16>,
    /// 020 $a: ISBN-10 or ISBN-13, digits (and a final X) only.
    pub isbns: Vec<String>,
    /// 050 $a $b, else 090, else the first holding's.
    pub call_number: Option<String>,
    /// 008/35-37, a MARC language code such as "eng".
    pub language: Option<String>,
    /// 852 / 952 (Koha) items, with availability where the record says.
    pub holdings: Vec<Holding>,
}

/// One copy (item) of a record, or a holdings statement (852) standing for the copies at one
/// place. Codes (branch, location) are kept as the record writes them; the reply turns them
/// into names with the code table in the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Holding {
    /// The branch that owns the item: 952 $a (Koha's home branch), 852 $a.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_branch: Option<String>,
    /// The branch where the item is kept now: 952 $b (Koha's holding branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holding_branch: Option<String>,
    /// The shelving location within the branch: 952 $c; 852 $b and $c. (In an index
    /// written before branches were kept apart: the place as then recorded.)
    pub location: Option<String>,
    /// 852 $h $i, 952 $o.
    pub call_number: Option<String>,
    /// The item's barcode, the key the library system knows it by: 952 $p, 852 $p.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    pub status: Availability,
}

impl Holding {
    /// The branch a patron would find the item at: where it is kept, else its home.
    pub fn branch(&self) -> Option<&str> {
        self.holding_branch
            .as_deref()
            .or(self.home_branch.as_deref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    Available,
    /// Checked out; 952 $q gives the due date.
    OnLoan {
        #[serde(default)]
        due: Option<DueDate>,
    },
    /// Reference only, or otherwise not for loan (952 $7 not 0).
    NotForLoan,
    /// Lost (952 $1 not 0). Indexes from earlier versions say `missing` for lost or
    /// withdrawn items; they read as lost.
    #[serde(alias = "missing")]
    Lost,
    /// Withdrawn from the collection (952 $0 not 0).
    Withdrawn,
    /// Damaged (952 $4 not 0).
    Damaged,
    /// The record does not say (852 without circulation data).
    #[default]
    Unknown,
}

impl Availability {
    /// Lost, withdrawn or damaged: not a copy a patron can count on.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            Availability::Lost | Availability::Withdrawn | Availability::Damaged
        )
    }
}

/// A date on the calendar, without time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

impl CalendarDate {
    /// The date, if it exists (month 1-12, day within the month, leap years counted).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Self { year, month, day })
    }

    /// Reads `YYYY-MM-DD`, alone or followed by a time (`2027-03-14 23:59:00`,
    /// `2027-03-14T23:59`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (date, rest) = text.split_at_checked(10)?;
        if !(rest.is_empty() || rest.starts_with([' ', 'T'])) {
            return None;
        }
        let bytes = date.as_bytes();
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = &date[range];
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        Self::new(
            number(0..4)?,
            u8::try_from(number(5..7)?).ok()?,
            u8::try_from(number(8..10)?).ok()?,
        )
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// 1 (January) to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for CalendarDate {
    /// ISO 8601: `2027-03-14`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// When a loan is due back: a date where the record gives one refdesk can read, else the
/// record's own words. Stored as a string (`"2027-03-14"`, or the text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DueDate {
    Date(CalendarDate),
    Text(String),
}

impl DueDate {
    /// A date when `text` is one (time of day dropped), else the trimmed text.
    pub fn parse(text: &str) -> Self {
        match CalendarDate::parse(text) {
            Some(date) => DueDate::Date(date),
            None => DueDate::Text(text.trim().to_string()),
        }
    }

    pub fn date(&self) -> Option<CalendarDate> {
        match self {
            DueDate::Date(date) => Some(*date),
            DueDate::Text(_) => None,
        }
    }
}

impl From<String> for DueDate {
    fn from(text: String) -> Self {
        DueDate::parse(&text)
    }
}

impl From<DueDate> for String {
    fn from(due: DueDate) -> Self {
        match due {
            DueDate::Date(date) => date.to_string(),
            DueDate::Text(text) => text,
        }
    }
}

/// Where a reply learns the state of each copy.
///
/// [`StoredAvailability`] answers from the catalogue as last imported. A live source would
/// ask the library system about each item by its [`Holding::barcode`]: Koha's REST API
/// (`GET /api/v1/items?external_id=<barcode>` for the lost, withdrawn, damaged and
/// not-for-loan states, and the item's checkout for its due date), or a SIP2 Item
/// Information request (message 17) with the barcode as item identifier, reading the
/// circulation status and due date from the response (18). It would fall back to the stored
/// status for an item without a barcode, or when the system does not answer quickly, and,
/// since replies are built without waiting on the network, answer from a short-lived cache
/// that it fills ahead of time.
pub trait AvailabilitySource: Send + Sync {
    /// The state of `item`, one of `record`'s holdings.
    fn status(&self, record: &CatalogueRecord, item: &Holding) -> Availability;
}

/// The state each item had in the catalogue at its last import.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredAvailability;

impl AvailabilitySource for StoredAvailability {
    fn status(&self, _record: &CatalogueRecord, item: &Holding) -> Availability {
        item.status.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_are_checked() {
        let d = CalendarDate::parse("2027-03-14").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2027, 3, 14));
        assert_eq!(
            CalendarDate::parse(" 2027-03-14 23:59:00"),
            Some(d),
            "time of day dropped"
        );
        assert_eq!(CalendarDate::parse("2027-03-14T08:00"), Some(d));
        assert_eq!(d.to_string(), "2027-03-14");
        assert!(CalendarDate::parse("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-04-31",
            "2027-3-14",
            "14/03/2027",
            "2027-03-14x",
            "2027-03-1",
            "20270314",
            "+027-03-14",
            "",
            "2027-03-ü",
        ] {
            assert_eq!(CalendarDate::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn due_dates_keep_what_they_cannot_read() {
        assert_eq!(
            DueDate::parse("2027-03-14 23:59:00").date(),
            CalendarDate::new(2027, 3, 14)
        );
        assert_eq!(
            DueDate::parse(" next Tuesday "),
            DueDate::Text("next Tuesday".into())
        );
    }

    #[test]
    fn records_stored_by_earlier_versions_still_read() {
        // The holdings as the first release stored them: one place, `missing`, due as text.
        let old = r#"{"id":"k1","title":"T","authors":[],"subjects":[],"publisher":null,
            "year":1999,"isbns":[],"call_number":null,"language":"eng","holdings":[
            {"location":"MAIN","call_number":"FIC","status":{"state":"available"}},
            {"location":"MAIN","call_number":null,"status":{"state":"on_loan","due":"2026-06-15"}},
            {"location":null,"call_number":null,"status":{"state":"on_loan","due":null}},
            {"location":"BRANCH","call_number":null,"status":{"state":"missing"}},
            {"location":null,"call_number":null,"status":{"state":"unknown"}}]}"#;
        let rec: CatalogueRecord = serde_json::from_str(old).unwrap();
        let statuses: Vec<Availability> = rec.holdings.iter().map(|h| h.status.clone()).collect();
        assert_eq!(
            statuses,
            [
                Availability::Available,
                Availability::OnLoan {
                    due: Some(DueDate::Date(CalendarDate::new(2026, 6, 15).unwrap()))
                },
                Availability::OnLoan { due: None },
                Availability::Lost,
                Availability::Unknown,
            ]
        );
        assert_eq!(rec.holdings[0].location.as_deref(), Some("MAIN"));
        assert_eq!(rec.holdings[0].branch(), None);
    }

    #[test]
    fn records_round_trip() {
        let rec = CatalogueRecord {
            id: "r".into(),
            title: "T".into(),
            holdings: vec![
                Holding {
                    home_branch: Some("MAIN".into()),
                    holding_branch: Some("EAST".into()),
                    location: Some("MC".into()),
                    call_number: Some("FIC".into()),
                    barcode: Some("3900001".into()),
                    status: Availability::OnLoan {
                        due: Some(DueDate::parse("2027-03-14 23:59:00")),
                    },
                },
                Holding {
                    status: Availability::OnLoan {
                        due: Some(DueDate::parse("after the summer")),
                    },
                    ..Default::default()
                },
                Holding {
                    status: Availability::Damaged,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let json = serde_json::to_string(&rec).unwrap();
        assert!(json.contains(r#""due":"2027-03-14""#), "{json}");
        assert_eq!(serde_json::from_str::<CatalogueRecord>(&json).unwrap(), rec);
        assert_eq!(rec.holdings[0].branch(), Some("EAST"));
        let home_only = Holding {
            home_branch: Some("MAIN".into()),
            ..Default::default()
        };
        assert_eq!(home_only.branch(), Some("MAIN"));
    }

    #[test]
    fn the_stored_source_reports_the_imported_state() {
        let item = Holding {
            barcode: Some("1".into()),
            status: Availability::NotForLoan,
            ..Default::default()
        };
        let rec = CatalogueRecord::default();
        assert_eq!(
            StoredAvailability.status(&rec, &item),
            Availability::NotForLoan
        );
        assert!(Availability::Withdrawn.is_gone() && !Availability::Unknown.is_gone());
    }
}
