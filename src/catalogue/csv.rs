//! CSV catalogue import, for libraries whose system cannot export MARC.
//!
//! # Layout
//!
//! A UTF-8 CSV file (comma-separated, fields quoted with `"` where they contain commas,
//! quotes or line breaks; a byte-order mark is allowed). The first row names the columns,
//! in any order and any letter case (spaces and hyphens in a name count as `_`, so
//! `Call Number` is `call_number`). Unknown columns are ignored. One row per title:
//!
//! | column        | required | content                                                   |
//! |---------------|----------|-----------------------------------------------------------|
//! | `id`          | yes      | the record's unique id (the key for re-imports)           |
//! | `title`       | yes      | the title                                                 |
//! | `authors`     | no       | names, several separated by `\|` (`Pratchett, Terry\|Gaiman, Neil`) |
//! | `subjects`    | no       | subject headings, separated by `\|`                       |
//! | `publisher`   | no       | the publisher                                             |
//! | `year`        | no       | year of publication, digits only (`1999`)                 |
//! | `isbn`        | no       | ISBNs separated by `\|`; hyphens are fine (`978-0-441-17271-9`); values that are not a 10- or 13-character ISBN are left out |
//! | `call_number` | no       | shelf mark / call number                                  |
//! | `language`    | no       | MARC language code (`eng`, `fre`, `ger`)                  |
//! | `branch`      | no       | the branch holding the copy: a code from `[catalogue.branches]` or a name (`MAIN`, `Main Library`) |
//! | `location`    | no       | where in the branch it is shelved: a code from `[catalogue.locations]` or a name (`Fiction`) |
//! | `barcode`     | no       | the copy's barcode                                        |
//! | `status`      | no       | `available`, `on_loan`, `not_for_loan`, `lost` (or `missing`), `withdrawn`, `damaged` or `unknown`; empty means unknown (or on loan when `due` is given) |
//! | `due`         | no       | due date while on loan: `2026-07-01` (a time after it is fine) is shown as a date in the patron's language, anything else as written |
//!
//! `authors`, `author`, `subjects`, `subject`, `isbn` and `isbns` are accepted for the
//! multi-valued columns. Values are trimmed; an empty cell is the same as a missing one.
//! When any of `branch`, `location`, `barcode`, `status`, `due` or `call_number` is given, the
//! record gets one holding (copy) with them.
//!
//! A row without an id or a title, or with a year or status that cannot be read, is
//! reported with its row number (the first data row is 1) and skipped; the rest of the file
//! is imported.

use std::io::Read;
use std::iter::FusedIterator;

use super::mapping::{RecordError, normalise_isbn};
use super::record::{Availability, CatalogueRecord, DueDate, Holding};

/// Column positions, found from the header row.
#[derive(Debug, Clone, Default)]
struct Columns {
    id: usize,
    title: usize,
    authors: Option<usize>,
    subjects: Option<usize>,
    publisher: Option<usize>,
    year: Option<usize>,
    isbn: Option<usize>,
    call_number: Option<usize>,
    language: Option<usize>,
    branch: Option<usize>,
    location: Option<usize>,
    barcode: Option<usize>,
    status: Option<usize>,
    due: Option<usize>,
}

/// Reads catalogue records from CSV in the layout above, one per data row.
pub struct CsvReader<R> {
    reader: csv::Reader<R>,
    columns: Columns,
    row: csv::StringRecord,
    /// Data rows seen so far.
    position: usize,
    done: bool,
}

impl<R: Read> CsvReader<R> {
    /// Reads the header row. Fails (position 0) when it cannot be read or lacks the `id` or
    /// `title` column.
    pub fn new(inner: R) -> Result<Self, RecordError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(inner);
        let header_error = |message: String| RecordError {
            position: 0,
            offset: 0,
            message,
        };
        let headers = reader
            .headers()
            .map_err(|e| header_error(format!("cannot read the header row: {e}")))?;
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
            .collect();
        let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
        let required = |name: &str| {
            find(&[name]).ok_or_else(|| {
                header_error(format!(
                    "the header row has no `{name}` column (found: {})",
                    names.join(", ")
                ))
            })
        };
        let columns = Columns {
            id: required("id")?,
            title: required("title")?,
            authors: find(&["authors", "author"]),
            subjects: find(&["subjects", "subject"]),
            publisher: find(&["publisher"]),
            year: find(&["year"]),
            isbn: find(&["isbn", "isbns"]),
            call_number: find(&["call_number"]),
            language: find(&["language"]),
            branch: find(&["branch"]),
            location: find(&["location"]),
            barcode: find(&["barcode"]),
            status: find(&["status"]),
            due: find(&["due"]),
        };
        Ok(CsvReader {
            reader,
            columns,
            row: csv::StringRecord::new(),
            position: 0,
            done: false,
        })
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<CatalogueRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.reader.read_record(&mut self.row);
        match result {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                self.position += 1;
                let offset = self.row.position().map_or(0, |p| p.byte());
                Some(
                    row_to_record(&self.columns, &self.row).map_err(|message| RecordError {
                        position: self.position,
                        offset,
                        message,
                    }),
                )
            }
            Err(e) => {
                self.position += 1;
                let offset = e.position().map_or(0, |p| p.byte());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.done = true;
                }
                Some(Err(RecordError {
                    position: self.position,
                    offset,
                    message: e.to_string(),
                }))
            }
        }
    }
}

impl<R: Read> FusedIterator for CsvReader<R> {}

fn row_to_record(columns: &Columns, row: &csv::StringRecord) -> Result<CatalogueRecord, String> {
    let cell = |column: Option<usize>| {
        column
            .and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let id = cell(Some(columns.id)).ok_or("the row has no id")?;
    let title = cell(Some(columns.title)).ok_or_else(|| format!("{id}: the row has no title"))?;
    let year = match cell(columns.year) {
        None => None,
        Some(y) if y.len() <= 4 && y.bytes().all(|b| b.is_ascii_digit()) => y.parse().ok(),
        Some(y) => return Err(format!("{id}: year {y:?} is not a year")),
    };
    let status = match cell(columns.status) {
        None => None,
        Some(s) => Some(parse_status(s).ok_or_else(|| {
            format!(
                "{id}: status {s:?} is not one of available, on_loan, not_for_loan, lost, withdrawn, damaged, unknown"
            )
        })?),
    };
    let due = cell(columns.due).map(DueDate::parse);
    let branch = cell(columns.branch).map(String::from);
    let location = cell(columns.location).map(String::from);
    let barcode = cell(columns.barcode).map(String::from);
    let call_number = cell(columns.call_number).map(String::from);

    let any_holding = branch.is_some()
        || location.is_some()
        || barcode.is_some()
        || status.is_some()
        || due.is_some()
        || call_number.is_some();
    let holdings = if any_holding {
        let status = match status {
            Some(Availability::OnLoan { .. }) => Availability::OnLoan { due },
            Some(status) => status,
            None if due.is_some() => Availability::OnLoan { due },
            None => Availability::Unknown,
        };
        vec![Holding {
            home_branch: branch,
            holding_branch: None,
            location,
            call_number: call_number.clone(),
            barcode,
            status,
        }]
    } else {
        Vec::new()
    };

    Ok(CatalogueRecord {
        id: id.to_string(),
        title: title.to_string(),
        authors: multi(cell(columns.authors)),
        subjects: multi(cell(columns.subjects)),
        publisher: cell(columns.publisher).map(String::from),
        year,
        isbns: {
            let mut isbns: Vec<String> = Vec::new();
            for isbn in multi(cell(columns.isbn))
                .iter()
                .filter_map(|v| normalise_isbn(v))
            {
                if !isbns.contains(&isbn) {
                    isbns.push(isbn);
                }
            }
            isbns
        },
        call_number,
        language: cell(columns.language).map(str::to_ascii_lowercase),
        holdings,
    })
}

/// Splits a `|`-separated cell into its trimmed, non-empty values.
fn multi(cell: Option<&str>) -> Vec<String> {
    cell.map(|c| {
        c.split('|')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect()
    })
    .unwrap_or_default()
}

fn parse_status(s: &str) -> Option<Availability> {
    let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    Some(match s.as_str() {
        "available" => Availability::Available,
        "on_loan" => Availability::OnLoan { due: None },
        "not_for_loan" => Availability::NotForLoan,
        "lost" | "missing" => Availability::Lost,
        "withdrawn" => Availability::Withdrawn,
        "damaged" => Availability::Damaged,
        "unknown" => Availability::Unknown,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/catalogue/sample.csv"
    );

    fn read(text: &[u8]) -> Vec<Result<CatalogueRecord, RecordError>> {
        CsvReader::new(text).unwrap().collect()
    }

    #[test]
    fn sample_fixture() {
        let file = std::fs::File::open(SAMPLE).unwrap();
        let rows: Vec<_> = CsvReader::new(file).unwrap().collect();
        assert_eq!(rows.len(), 5);
        let b1 = rows[0].as_ref().unwrap();
        assert_eq!(b1.id, "b1");
        assert_eq!(b1.title, "Dune");
        assert_eq!(b1.authors, vec!["Herbert, Frank"]);
        assert_eq!(
            b1.subjects,
            vec!["Science fiction", "Desert ecology -- Fiction"]
        );
        assert_eq!(b1.year, Some(1965));
        assert_eq!(b1.isbns, vec!["9780441172719", "0441172717"]);
        assert_eq!(b1.call_number.as_deref(), Some("PS3558.E63 D8"));
        assert_eq!(b1.language.as_deref(), Some("eng"));
        assert_eq!(
            b1.holdings,
            vec![Holding {
                location: Some("Main / Fiction".into()),
                call_number: Some("PS3558.E63 D8".into()),
                status: Availability::Available,
                ..Default::default()
            }]
        );
        let b2 = rows[1].as_ref().unwrap();
        assert_eq!(
            b2.title,
            "Good omens: the nice and accurate prophecies of Agnes Nutter, witch"
        );
        assert_eq!(b2.authors, vec!["Pratchett, Terry", "Gaiman, Neil"]);
        assert_eq!(
            b2.holdings[0].status,
            Availability::OnLoan {
                due: Some(DueDate::parse("2026-07-01"))
            }
        );
        let b3 = rows[2].as_ref().unwrap();
        assert_eq!(b3.authors, vec!["Saint-Exupéry, Antoine de"]);
        assert_eq!(b3.holdings[0].status, Availability::NotForLoan);
        assert_eq!(b3.holdings[0].call_number, None);
        let err = rows[3].as_ref().unwrap_err();
        assert_eq!(err.position, 4);
        assert!(err.message.contains("no title"), "{err}");
        let text = std::fs::read_to_string(SAMPLE).unwrap();
        assert_eq!(err.offset as usize, text.find("b4,").unwrap());
        let b5 = rows[4].as_ref().unwrap();
        assert_eq!(b5.holdings[0].status, Availability::Lost);
        assert_eq!(b5.publisher.as_deref(), Some("Allen & Unwin"));
    }

    #[test]
    fn header_in_any_order_and_case_with_bom() {
        let rows = read(
            "\u{FEFF}Title,Call Number,ID,Extra\n\
             \"A \"\"quoted\"\", multi-line\ntitle\",QA1 .B2,x1,whatever\n\
             Plain,,x2\n"
                .as_bytes(),
        );
        assert_eq!(rows.len(), 2);
        let r = rows[0].as_ref().unwrap();
        assert_eq!(r.id, "x1");
        assert_eq!(r.title, "A \"quoted\", multi-line\ntitle");
        assert_eq!(r.call_number.as_deref(), Some("QA1 .B2"));
        assert_eq!(r.holdings[0].status, Availability::Unknown);
        // A short row is fine; no holding without holding columns.
        let r = rows[1].as_ref().unwrap();
        assert_eq!((r.id.as_str(), r.holdings.len()), ("x2", 0));
    }

    #[test]
    fn branch_barcode_and_the_states_of_a_copy() {
        let rows = read(
            b"id,title,branch,location,barcode,status,due\n\
              1,One,MAIN,MC,39001,on loan,2027-03-14 23:59:00\n\
              2,Two,EAST,,,withdrawn,\n\
              3,Three,,,,Damaged,\n\
              4,Four,,,,LOST,\n\
              5,Five,,,39005,,\n",
        );
        let one = &rows[0].as_ref().unwrap().holdings[0];
        assert_eq!(
            (
                one.branch(),
                one.location.as_deref(),
                one.barcode.as_deref()
            ),
            (Some("MAIN"), Some("MC"), Some("39001"))
        );
        assert_eq!(
            one.status,
            Availability::OnLoan {
                due: Some(DueDate::Date(
                    crate::catalogue::record::CalendarDate::new(2027, 3, 14).unwrap()
                ))
            }
        );
        let statuses: Vec<Availability> = rows[1..]
            .iter()
            .map(|r| r.as_ref().unwrap().holdings[0].status.clone())
            .collect();
        assert_eq!(
            statuses,
            [
                Availability::Withdrawn,
                Availability::Damaged,
                Availability::Lost,
                Availability::Unknown
            ]
        );
    }

    #[test]
    fn missing_required_column() {
        let err = CsvReader::new(&b"id,author\n1,x\n"[..]).err().unwrap();
        assert!(err.message.contains("`title`"), "{err}");
        assert!(CsvReader::new(&b""[..]).is_err());
    }

    #[test]
    fn bad_rows_are_reported_and_skipped() {
        let rows = read(
            b"id,title,year,status,due\n\
              1,One,1999,,\n\
              ,No id,,,\n\
              3,Three,c1999,,\n\
              4,Four,,borrowed-ish,\n\
              5,Bad \xff utf8,,,\n\
              6,Six,,,2026-01-01\n\
              7,Seven,,On loan,\n\
              8,Eight,99999,,\n",
        );
        let shape: Vec<bool> = rows.iter().map(Result::is_ok).collect();
        assert_eq!(
            shape,
            vec![true, false, false, false, false, true, true, false]
        );
        let positions: Vec<usize> = rows
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| e.position))
            .collect();
        assert_eq!(positions, vec![2, 3, 4, 5, 8]);
        assert_eq!(
            rows[5].as_ref().unwrap().holdings[0].status,
            Availability::OnLoan {
                due: Some(DueDate::parse("2026-01-01"))
            }
        );
        assert_eq!(
            rows[6].as_ref().unwrap().holdings[0].status,
            Availability::OnLoan { due: None }
        );
        assert_eq!(rows[0].as_ref().unwrap().year, Some(1999));
    }
}
