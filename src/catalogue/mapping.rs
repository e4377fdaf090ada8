//! The neutral MARC record model shared by the binary (ISO 2709) and MARCXML readers, its
//! mapping to [`CatalogueRecord`], the per-record error type of every reader, and input
//! format detection.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::record::{Availability, CatalogueRecord, DueDate, Holding};

/// A MARC 21 record as read from a file, before mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarcRecord {
    /// The 24-character leader.
    pub leader: String,
    /// The variable fields in record order.
    pub fields: Vec<Field>,
}

/// A variable field: a control field (tags 001-009) or a data field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Control {
        tag: String,
        value: String,
    },
    Data {
        tag: String,
        ind1: char,
        ind2: char,
        /// (code, value) in field order.
        subfields: Vec<(char, String)>,
    },
}

/// A record that could not be read. Readers yield it in place of the record and go on with
/// the next one where the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {position} (byte {offset}): {message}")]
pub struct RecordError {
    /// 1-based number of the record (CSV: of the data row) in the file.
    pub position: usize,
    /// Byte offset where the record (row) starts.
    pub offset: u64,
    pub message: String,
}

impl Field {
    pub fn tag(&self) -> &str {
        match self {
            Field::Control { tag, .. } | Field::Data { tag, .. } => tag,
        }
    }

    /// The first subfield `code` of a data field (None for a control field).
    pub fn subfield(&self, code: char) -> Option<&str> {
        self.subfields(code).next()
    }

    /// Every subfield `code` of a data field, in order.
    pub fn subfields(&self, code: char) -> impl Iterator<Item = &str> {
        let all: &[(char, String)] = match self {
            Field::Data { subfields, .. } => subfields,
            Field::Control { .. } => &[],
        };
        all.iter()
            .filter(move |(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }

    /// The indicators of a data field.
    pub fn indicators(&self) -> Option<(char, char)> {
        match self {
            Field::Data { ind1, ind2, .. } => Some((*ind1, *ind2)),
            Field::Control { .. } => None,
        }
    }
}

impl MarcRecord {
    /// The value of the first control field `tag`.
    pub fn control(&self, tag: &str) -> Option<&str> {
        self.fields.iter().find_map(|f| match f {
            Field::Control { tag: t, value } if t == tag => Some(value.as_str()),
            _ => None,
        })
    }

    /// The data fields `tag`, in record order.
    pub fn data_fields<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| matches!(f, Field::Data { tag: t, .. } if t == tag))
    }
}

/// Maps a MARC record to the catalogue record refdesk keeps. Fails (with a message for the
/// import report) when the record has no control number (001) or no title (245 $a).
pub fn to_catalogue(rec: &MarcRecord) -> Result<CatalogueRecord, String> {
    let id = rec.control("001").map(str::trim).unwrap_or_default();
    if id.is_empty() {
        return Err("no control number (001)".to_string());
    }
    let title = title(rec).ok_or_else(|| format!("{id}: no title (245 $a)"))?;

    let mut out = CatalogueRecord {
        id: id.to_string(),
        title,
        authors: authors(rec),
        subjects: subjects(rec),
        publisher: publisher(rec),
        year: year(rec),
        isbns: isbns(rec),
        call_number: None,
        language: language(rec),
        holdings: holdings(rec),
    };
    out.call_number = call_number(rec);
    Ok(out)
}

/// 245 $a $b $n $p joined with spaces, the closing ISBD punctuation removed.
fn title(rec: &MarcRecord) -> Option<String> {
    let field = rec.data_fields("245").find(|f| f.subfield('a').is_some())?;
    let Field::Data { subfields, .. } = field else {
        return None;
    };
    let mut title = String::new();
    for (_, value) in subfields
        .iter()
        .filter(|(c, _)| matches!(c, 'a' | 'b' | 'n' | 'p'))
    {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(value);
    }
    let title = trim_isbd(&title);
    (!title.is_empty()).then(|| title.to_string())
}

/// Removes trailing ISBD punctuation (" /", " :", " ;", " =", ",") and a closing full stop
/// that is not part of an initial or an abbreviation.
fn trim_isbd(s: &str) -> &str {
    let mut s = s.trim_end();
    loop {
        if let Some(rest) = s.strip_suffix(['/', ':', ';', '=', ',']) {
            s = rest.trim_end();
        } else if s.ends_with('.') && !s.ends_with("...") {
            let stripped = strip_final_period(s);
            if stripped.len() == s.len() {
                return s;
            }
            s = stripped.trim_end();
        } else {
            return s;
        }
    }
}

/// Abbreviations whose full stop stays at the end of a name.
const ABBREVIATIONS: &[&str] = &[
    "Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "Bros", "etc", "Dept", "St",
];

/// Strips one trailing '.' unless the word before it is a single letter (an initial, as in
/// "Tolkien, J. R. R.") or a common abbreviation ("Jr.", "Inc.").
fn strip_final_period(s: &str) -> &str {
    let Some(body) = s.strip_suffix('.') else {
        return s;
    };
    let word_start = body
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &body[word_start..];
    if word.chars().count() == 1 || ABBREVIATIONS.contains(&word) {
        s
    } else {
        body
    }
}

/// A name heading: trailing "," always removed, a trailing "." when it is not an initial's.
fn clean_name(s: &str) -> String {
    let mut s = s.trim();
    loop {
        let before = s.len();
        if let Some(rest) = s.strip_suffix([',', ';', ':', '/']) {
            s = rest.trim_end();
        }
        s = strip_final_period(s).trim_end();
        if s.len() == before {
            return s.to_string();
        }
    }
}

fn joined(field: &Field, codes: &[char]) -> String {
    let Field::Data { subfields, .. } = field else {
        return String::new();
    };
    let mut out = String::new();
    for (_, value) in subfields.iter().filter(|(c, _)| codes.contains(c)) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(value);
    }
    out
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// 100 $a, 110 $a $b, then 700 $a, 710 $a $b; duplicates dropped.
fn authors(rec: &MarcRecord) -> Vec<String> {
    let mut authors = Vec::new();
    for group in [["100", "110"], ["700", "710"]] {
        for field in rec
            .fields
            .iter()
            .filter(|f| matches!(f, Field::Data { .. }) && group.contains(&f.tag()))
        {
            let name = if field.tag().ends_with("10") {
                joined(field, &['a', 'b'])
            } else {
                joined(field, &['a'])
            };
            push_unique(&mut authors, clean_name(&name));
        }
    }
    authors
}

/// 650 $a with $x $y $z $v as " -- " subdivisions.
fn subjects(rec: &MarcRecord) -> Vec<String> {
    let mut subjects = Vec::new();
    for field in rec.data_fields("650") {
        let Field::Data { subfields, .. } = field else {
            continue;
        };
        if field.subfield('a').is_none() {
            continue;
        }
        let parts: Vec<&str> = subfields
            .iter()
            .filter(|(c, _)| matches!(c, 'a' | 'x' | 'y' | 'z' | 'v'))
            .map(|(_, v)| strip_final_period(v.trim()).trim_end())
            .filter(|v| !v.is_empty())
            .collect();
        push_unique(&mut subjects, parts.join(" -- "));
    }
    subjects
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// 264 (second indicator 1) $b, else 260 $b.
fn publisher(rec: &MarcRecord) -> Option<String> {
    let from_264 = rec
        .data_fields("264")
        .filter(|f| f.indicators().is_some_and(|(_, i2)| i2 == '1'))
        .find_map(|f| f.subfield('b'));
    let raw = from_264.or_else(|| rec.data_fields("260").find_map(|f| f.subfield('b')))?;
    let mut s = raw.trim();
    while let Some(rest) = s.strip_suffix([',', ':', ';', '/']) {
        s = rest.trim_end();
    }
    non_empty(s)
}

/// The year of publication: the first four-digit run in 264 $c (second indicator 1,
/// publication) or else 260 $c, which wins when 008/07-10 says otherwise (a wrong 008 is
/// common in converted records; the imprint is what the title page says). With no year
/// there, 008/07-10 when four digits, else the first year in any other 264 $c (copyright,
/// distribution).
fn year(rec: &MarcRecord) -> Option<u16> {
    let in_c = |fields: &mut dyn Iterator<Item = &Field>| {
        fields
            .flat_map(|f| f.subfields('c'))
            .find_map(first_four_digit_run)
    };
    let publication = |f: &&Field| f.indicators().is_some_and(|(_, i2)| i2 == '1');
    let published = in_c(&mut rec.data_fields("264").filter(publication))
        .or_else(|| in_c(&mut rec.data_fields("260")));
    published
        .or_else(|| year_008(rec))
        .or_else(|| in_c(&mut rec.data_fields("264").filter(|f| !publication(f))))
}

/// 008/07-10 when it is four digits.
fn year_008(rec: &MarcRecord) -> Option<u16> {
    let date: String = rec.control("008")?.chars().skip(7).take(4).collect();
    if date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()) {
        date.parse().ok()
    } else {
        None
    }
}

fn first_four_digit_run(s: &str) -> Option<u16> {
    s.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 4)
        .and_then(|run| run.parse().ok())
}

/// 020 $a: the first token, digits and X only, ISBN-10 or ISBN-13.
fn isbns(rec: &MarcRecord) -> Vec<String> {
    let mut isbns = Vec::new();
    for value in rec.data_fields("020").flat_map(|f| f.subfields('a')) {
        if let Some(isbn) = normalise_isbn(value) {
            push_unique(&mut isbns, isbn);
        }
    }
    isbns
}

/// Normalises an ISBN as written ("0-596-00085-5 (pbk.)") to its digits (and final X):
/// the first whitespace-separated token, ten or thirteen characters, X only last in an
/// ISBN-10. Used for CSV input too.
pub fn normalise_isbn(value: &str) -> Option<String> {
    let token = value.split_whitespace().next()?;
    let isbn: String = token
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let x_ok = match isbn.find('X') {
        None => true,
        Some(i) => isbn.len() == 10 && i == 9,
    };
    (matches!(isbn.len(), 10 | 13) && x_ok).then_some(isbn)
}

/// $a (+ " " + $b) of the first field `tag` with a non-empty `a`.
fn classification(rec: &MarcRecord, tag: &str, a: char, b: char) -> Option<String> {
    rec.data_fields(tag).find_map(|f| {
        let first = non_empty(f.subfield(a)?)?;
        Some(match f.subfield(b).and_then(non_empty) {
            Some(second) => format!("{first} {second}"),
            None => first,
        })
    })
}

/// 050 $a $b, else 090 $a $b, else 852 $h $i, else 952 $o.
fn call_number(rec: &MarcRecord) -> Option<String> {
    classification(rec, "050", 'a', 'b')
        .or_else(|| classification(rec, "090", 'a', 'b'))
        .or_else(|| classification(rec, "852", 'h', 'i'))
        .or_else(|| {
            rec.data_fields("952")
                .find_map(|f| f.subfield('o').and_then(non_empty))
        })
}

/// 008/35-37 when three letters.
fn language(rec: &MarcRecord) -> Option<String> {
    let f008 = rec.control("008")?;
    let code: String = f008.chars().skip(35).take(3).collect();
    (code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| code.to_ascii_lowercase())
}

fn holdings(rec: &MarcRecord) -> Vec<Holding> {
    rec.fields
        .iter()
        .filter(|f| matches!(f, Field::Data { .. }))
        .filter_map(|field| match field.tag() {
            "852" => Some(holdings_statement(field)),
            "952" => Some(koha_item(field)),
            _ => None,
        })
        .collect()
}

/// A MARC holdings field (852): $a the library or branch, $b the sublocation or collection
/// and $c the shelving location (joined), $h $i call number, $p barcode. It says nothing of
/// circulation.
fn holdings_statement(field: &Field) -> Holding {
    let places: Vec<String> = ['b', 'c']
        .iter()
        .flat_map(|&c| field.subfields(c))
        .filter_map(non_empty)
        .collect();
    Holding {
        home_branch: field.subfield('a').and_then(non_empty),
        holding_branch: None,
        location: (!places.is_empty()).then(|| places.join(", ")),
        call_number: non_empty(&joined(field, &['h', 'i'])),
        barcode: field.subfield('p').and_then(non_empty),
        status: Availability::Unknown,
    }
}

/// A Koha item (952): $a home branch, $b holding branch, $c shelving location, $o call
/// number, $p barcode; $0 withdrawn, $1 lost, $4 damaged, $7 not for loan (each when not
/// 0), $q due date (set while on loan).
fn koha_item(field: &Field) -> Holding {
    let flag = |code: char| {
        field
            .subfield(code)
            .map(str::trim)
            .is_some_and(|v| !v.is_empty() && v != "0")
    };
    let status = if flag('0') {
        Availability::Withdrawn
    } else if flag('1') {
        Availability::Lost
    } else if flag('4') {
        Availability::Damaged
    } else if flag('7') {
        Availability::NotForLoan
    } else if let Some(due) = field.subfield('q').and_then(non_empty) {
        Availability::OnLoan {
            due: Some(DueDate::parse(&due)),
        }
    } else {
        Availability::Available
    };
    let sub = |code: char| field.subfield(code).and_then(non_empty);
    Holding {
        home_branch: sub('a'),
        holding_branch: sub('b'),
        location: sub('c'),
        call_number: sub('o'),
        barcode: sub('p'),
        status,
    }
}

/// The input formats refdesk imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// MARC 21 in ISO 2709 ("binary MARC", .mrc).
    Marc,
    /// MARCXML (a `<collection>` of `<record>`s, or one record).
    MarcXml,
    /// The documented CSV layout (see `csv.rs`).
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Marc => "marc",
            Format::MarcXml => "marcxml",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "marc" | "mrc" | "marc21" | "iso2709" => Ok(Format::Marc),
            "marcxml" | "xml" => Ok(Format::MarcXml),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown catalogue format `{other}` (expected marc, marcxml or csv)"
            )),
        }
    }
}

/// Guesses the format of a catalogue file: by extension first (.mrc .marc .dat .utf8 →
/// MARC, .xml → MARCXML, .csv → CSV), then by its first bytes: '<' → MARCXML, five digits
/// (a record length) → MARC, other text → CSV. None for an empty file with no known
/// extension.
pub fn detect_format(first_bytes: &[u8], path: &Path) -> Option<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("mrc" | "marc" | "dat" | "utf8") => return Some(Format::Marc),
        Some("xml") => return Some(Format::MarcXml),
        Some("csv") => return Some(Format::Csv),
        _ => {}
    }
    let bytes = first_bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let bytes = &bytes[start..];
    if bytes[0] == b'<' {
        Some(Format::MarcXml)
    } else if bytes.len() >= 5 && bytes[..5].iter().all(u8::is_ascii_digit) {
        Some(Format::Marc)
    } else {
        Some(Format::Csv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(tag: &str, value: &str) -> Field {
        Field::Control {
            tag: tag.into(),
            value: value.into(),
        }
    }

    fn data(tag: &str, ind: &str, subfields: &[(char, &str)]) -> Field {
        let mut ind = ind.chars();
        Field::Data {
            tag: tag.into(),
            ind1: ind.next().unwrap_or(' '),
            ind2: ind.next().unwrap_or(' '),
            subfields: subfields.iter().map(|(c, v)| (*c, v.to_string())).collect(),
        }
    }

    fn record(fields: Vec<Field>) -> MarcRecord {
        MarcRecord {
            leader: "00000cam a2200000 a 4500".into(),
            fields,
        }
    }

    fn with_title(mut fields: Vec<Field>) -> MarcRecord {
        fields.insert(0, control("001", "  rec1 "));
        fields.push(data("245", "10", &[('a', "A title.")]));
        record(fields)
    }

    #[test]
    fn rejects_records_without_control_number_or_title() {
        let no_id = record(vec![data("245", "10", &[('a', "Title")])]);
        assert!(to_catalogue(&no_id).unwrap_err().contains("001"));
        let blank_id = record(vec![
            control("001", "   "),
            data("245", "10", &[('a', "T")]),
        ]);
        assert!(to_catalogue(&blank_id).is_err());
        let no_title = record(vec![
            control("001", "x1"),
            data("245", "10", &[('c', "by nobody")]),
        ]);
        assert!(to_catalogue(&no_title).unwrap_err().contains("245"));
        let no_245 = record(vec![control("001", "x1")]);
        assert!(to_catalogue(&no_245).is_err());
    }

    #[test]
    fn id_is_trimmed() {
        let rec = to_catalogue(&with_title(vec![])).unwrap();
        assert_eq!(rec.id, "rec1");
        assert_eq!(rec.title, "A title");
    }

    #[test]
    fn title_joins_parts_and_trims_isbd_punctuation() {
        let cases: &[(&[(char, &str)], &str)] = &[
            (
                &[('a', "Programming Python /"), ('c', "Mark Lutz.")],
                "Programming Python",
            ),
            (
                &[
                    ('a', "The pragmatic programmer :"),
                    ('b', "from journeyman to master /"),
                    ('c', "Andrew Hunt."),
                ],
                "The pragmatic programmer : from journeyman to master",
            ),
            (
                &[('a', "The sky pilot;"), ('b', "a tale of the foothills,")],
                "The sky pilot; a tale of the foothills",
            ),
            (
                &[
                    ('a', "Annual report."),
                    ('n', "Part 2,"),
                    ('p', "Appendices."),
                ],
                "Annual report. Part 2, Appendices",
            ),
            (
                &[('a', "Parallel text ="), ('b', "Texte parallèle.")],
                "Parallel text = Texte parallèle",
            ),
            (&[('a', "Songs of J. S. B.")], "Songs of J. S. B."),
            (&[('a', "And then...")], "And then..."),
            (
                &[('a', "Proceedings 4.0 : July 2000, California.")],
                "Proceedings 4.0 : July 2000, California",
            ),
        ];
        for (subfields, want) in cases {
            let rec = record(vec![control("001", "1"), data("245", "10", subfields)]);
            assert_eq!(to_catalogue(&rec).unwrap().title, *want);
        }
    }

    #[test]
    fn authors_keep_initials_and_drop_dates() {
        let rec = with_title(vec![
            data(
                "100",
                "1 ",
                &[('a', "Tolkien, J. R. R.,"), ('d', "1892-1973.")],
            ),
            data("700", "1 ", &[('a', "Lutz, Mark."), ('e', "editor.")]),
            data("700", "1 ", &[('a', "Hunt, Andrew,"), ('d', "1964-")]),
            data("700", "1 ", &[('a', "Zelle, John M.")]),
            data("700", "1 ", &[('a', "King, Martin Luther, Jr.")]),
            data("700", "1 ", &[('a', "Lutz, Mark.")]),
            data(
                "710",
                "2 ",
                &[
                    ('a', "United States."),
                    ('b', "Dept. of State."),
                    ('b', "Bureau of Programs."),
                ],
            ),
            data(
                "110",
                "2 ",
                &[('a', "Library of Congress."), ('b', "Cataloging Division.")],
            ),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(
            rec.authors,
            vec![
                "Tolkien, J. R. R.",
                "Library of Congress. Cataloging Division",
                "Lutz, Mark",
                "Hunt, Andrew",
                "Zelle, John M.",
                "King, Martin Luther, Jr.",
                "United States. Dept. of State. Bureau of Programs",
            ]
        );
    }

    #[test]
    fn subjects_join_subdivisions() {
        let rec = with_title(vec![
            data(
                "650",
                " 0",
                &[('a', "Persons (Law)"), ('z', "United States.")],
            ),
            data(
                "650",
                " 0",
                &[
                    ('a', "Natural history"),
                    ('x', "History"),
                    ('y', "19th century"),
                    ('v', "Periodicals."),
                ],
            ),
            data("650", " 0", &[('a', "Loneliness.")]),
            data("650", " 2", &[('a', "Loneliness.")]),
            data("650", " 0", &[('x', "No main heading.")]),
            data("651", " 0", &[('a', "Kostroma (Russia)")]),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(
            rec.subjects,
            vec![
                "Persons (Law) -- United States",
                "Natural history -- History -- 19th century -- Periodicals",
                "Loneliness",
            ]
        );
    }

    #[test]
    fn publisher_prefers_264_publication() {
        let rec = with_title(vec![
            data(
                "260",
                "  ",
                &[('a', "Boston :"), ('b', "Old Press,"), ('c', "1990.")],
            ),
            data("264", " 4", &[('c', "©2001")]),
            data(
                "264",
                " 1",
                &[('a', "London :"), ('b', "New Press ;"), ('c', "2002.")],
            ),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(rec.publisher.as_deref(), Some("New Press"));
        assert_eq!(rec.year, Some(2002));
        let rec = with_title(vec![data(
            "260",
            "  ",
            &[('b', "Westminster Press ,"), ('c', "c1962.")],
        )]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(rec.publisher.as_deref(), Some("Westminster Press"));
        assert_eq!(rec.year, Some(1962));
    }

    #[test]
    fn year_from_008_or_imprint() {
        let f008 = "840112s1962    pau      b    00010 eng  ";
        // 008 alone, or agreeing with the imprint.
        let rec = to_catalogue(&with_title(vec![control("008", f008)])).unwrap();
        assert_eq!(rec.year, Some(1962));
        assert_eq!(rec.language.as_deref(), Some("eng"));
        let rec = with_title(vec![
            control("008", f008),
            data("260", "  ", &[('c', "c1962.")]),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1962));
        // "19uu" is not a year: fall back to 260 $c, skipping runs of other lengths.
        let rec = with_title(vec![
            control("008", "840112q19uu    pau           00010 fre  "),
            data("260", "  ", &[('c', "[no. 12345, ca. 1923?]")]),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(rec.year, Some(1923));
        assert_eq!(rec.language.as_deref(), Some("fre"));
        // Short 008, blank or fill language.
        for f008 in [
            "8401",
            "840112s1962    pau      b    00010    d",
            "840112s1962    pau      b    00010 |||d",
        ] {
            let rec = to_catalogue(&with_title(vec![control("008", f008)])).unwrap();
            assert_eq!(rec.language, None, "{f008:?}");
        }
        let rec = to_catalogue(&with_title(vec![control("008", "8401")])).unwrap();
        assert_eq!(rec.year, None);
        // An imprint with no year leaves the 008's.
        let rec = with_title(vec![
            control("008", f008),
            data("260", "  ", &[('c', "[n.d.]")]),
            data("264", " 4", &[('c', "©1980")]),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1962));
        // Neither: a copyright year will do.
        let rec = with_title(vec![data("264", " 4", &[('c', "©1980")])]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1980));
        let rec = to_catalogue(&with_title(vec![control(
            "008",
            "840112s1962    pau      b    00010 ENG d",
        )]))
        .unwrap();
        assert_eq!(rec.language.as_deref(), Some("eng"));
    }

    #[test]
    fn the_imprint_year_wins_over_a_disagreeing_008() {
        let wrong_008 = "930412s1899    it            000 1 ita d";
        let rec = with_title(vec![
            control("008", wrong_008),
            data(
                "260",
                "  ",
                &[('a', "Milano :"), ('b', "Bompiani,"), ('c', "1993.")],
            ),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1993));
        // 264 with second indicator 1 (publication) before 260, and before a copyright 264.
        let rec = with_title(vec![
            control("008", wrong_008),
            data("264", " 4", &[('c', "©1990")]),
            data("260", "  ", &[('c', "1991")]),
            data("264", " 1", &[('c', "[2004]")]),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(2004));
        // A publication 264 without a year: 260 $c next.
        let rec = with_title(vec![
            control("008", wrong_008),
            data(
                "264",
                " 1",
                &[('c', "[date of publication not identified]")],
            ),
            data("260", "  ", &[('c', "1991")]),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1991));
        // A copyright date alone does not overrule the 008.
        let rec = with_title(vec![
            control("008", wrong_008),
            data("264", " 4", &[('c', "©1990")]),
        ]);
        assert_eq!(to_catalogue(&rec).unwrap().year, Some(1899));
    }

    #[test]
    fn isbns_are_normalised() {
        let rec = with_title(vec![
            data("020", "  ", &[('a', "0-596-00085-5 (pbk.)")]),
            data("020", "  ", &[('a', "020161622x")]),
            data(
                "020",
                "  ",
                &[('a', "9780415782654 (hardback)"), ('c', "£80.00")],
            ),
            data("020", "  ", &[('a', "1.25")]),
            data("020", "  ", &[('a', "97804157826X4")]),
            data("020", "  ", &[('z', "0596002815")]),
            data("020", "  ", &[('a', "0596000855")]),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        assert_eq!(rec.isbns, vec!["0596000855", "020161622X", "9780415782654"]);
    }

    #[test]
    fn call_number_precedence() {
        let rec = with_title(vec![
            data("050", "00", &[('a', "QA76.73.P98"), ('b', "L877 2001")]),
            data("090", "  ", &[('a', "XX")]),
        ]);
        assert_eq!(
            to_catalogue(&rec).unwrap().call_number.as_deref(),
            Some("QA76.73.P98 L877 2001")
        );
        let rec = with_title(vec![data(
            "090",
            "  ",
            &[('a', "BF575.L7"), ('b', "T68 1962")],
        )]);
        assert_eq!(
            to_catalogue(&rec).unwrap().call_number.as_deref(),
            Some("BF575.L7 T68 1962")
        );
        let rec = with_title(vec![data(
            "852",
            "  ",
            &[('a', "Main"), ('h', "823.912"), ('i', "TOL")],
        )]);
        assert_eq!(
            to_catalogue(&rec).unwrap().call_number.as_deref(),
            Some("823.912 TOL")
        );
        let rec = with_title(vec![data(
            "952",
            "  ",
            &[('a', "MAIN"), ('o', "005.133 LUT")],
        )]);
        assert_eq!(
            to_catalogue(&rec).unwrap().call_number.as_deref(),
            Some("005.133 LUT")
        );
        assert_eq!(to_catalogue(&with_title(vec![])).unwrap().call_number, None);
    }

    #[test]
    fn holdings_from_852_and_koha_952() {
        let rec = with_title(vec![
            data(
                "852",
                "  ",
                &[
                    ('a', "Central Library"),
                    ('b', "Stacks"),
                    ('c', "Level 2"),
                    ('h', "QA76"),
                    ('i', ".L88"),
                    ('p', "C0001"),
                ],
            ),
            data("852", "  ", &[('b', "Annex")]),
            data(
                "952",
                "  ",
                &[
                    ('a', "MAIN"),
                    ('b', "EAST"),
                    ('c', "ADULT"),
                    ('o', "005 LUT"),
                    ('p', "39000001"),
                    ('7', "0"),
                    ('1', "0"),
                    ('0', "0"),
                    ('4', "0"),
                ],
            ),
            data(
                "952",
                "  ",
                &[
                    ('a', "MAIN"),
                    ('o', "005 LUT"),
                    ('q', "2024-05-01 23:59:00"),
                ],
            ),
            data("952", "  ", &[('a', "MAIN"), ('q', "when it's back")]),
            data(
                "952",
                "  ",
                &[('a', "BRANCH"), ('7', "1"), ('q', "2024-05-01")],
            ),
            data("952", "  ", &[('a', "BRANCH"), ('1', "2"), ('7', "1")]),
            data("952", "  ", &[('a', "BRANCH"), ('0', "1"), ('1', "1")]),
            data("952", "  ", &[('a', "BRANCH"), ('4', "1")]),
            data("952", "  ", &[('q', " "), ('p', " ")]),
        ]);
        let rec = to_catalogue(&rec).unwrap();
        let koha = |branch: &str, status| Holding {
            home_branch: Some(branch.into()),
            status,
            ..Default::default()
        };
        assert_eq!(
            rec.holdings,
            vec![
                Holding {
                    home_branch: Some("Central Library".into()),
                    location: Some("Stacks, Level 2".into()),
                    call_number: Some("QA76 .L88".into()),
                    barcode: Some("C0001".into()),
                    ..Default::default()
                },
                Holding {
                    location: Some("Annex".into()),
                    ..Default::default()
                },
                Holding {
                    home_branch: Some("MAIN".into()),
                    holding_branch: Some("EAST".into()),
                    location: Some("ADULT".into()),
                    call_number: Some("005 LUT".into()),
                    barcode: Some("39000001".into()),
                    status: Availability::Available,
                },
                Holding {
                    call_number: Some("005 LUT".into()),
                    ..koha(
                        "MAIN",
                        Availability::OnLoan {
                            due: Some(DueDate::Date(
                                crate::catalogue::record::CalendarDate::new(2024, 5, 1).unwrap()
                            ))
                        }
                    )
                },
                koha(
                    "MAIN",
                    Availability::OnLoan {
                        due: Some(DueDate::Text("when it's back".into()))
                    }
                ),
                koha("BRANCH", Availability::NotForLoan),
                koha("BRANCH", Availability::Lost),
                koha("BRANCH", Availability::Withdrawn),
                koha("BRANCH", Availability::Damaged),
                Holding {
                    status: Availability::Available,
                    ..Default::default()
                },
            ]
        );
        assert_eq!(rec.holdings[2].branch(), Some("EAST"));
        assert_eq!(rec.holdings[3].branch(), Some("MAIN"));
        assert_eq!(rec.call_number.as_deref(), Some("QA76 .L88"));
    }

    #[test]
    fn isbn_normalisation() {
        assert_eq!(
            normalise_isbn("978-0-13-110362-7").as_deref(),
            Some("9780131103627")
        );
        assert_eq!(normalise_isbn("  013110362X"), Some("013110362X".into()));
        assert_eq!(normalise_isbn(""), None);
        assert_eq!(normalise_isbn("12345"), None);
        assert_eq!(normalise_isbn("X131103628"), None);
    }

    #[test]
    fn format_detection() {
        let p = Path::new;
        assert_eq!(detect_format(b"", p("a.MRC")), Some(Format::Marc));
        assert_eq!(
            detect_format(b"", p("BooksAll.2016.part01.utf8")),
            Some(Format::Marc)
        );
        assert_eq!(detect_format(b"id,title", p("x.dat")), Some(Format::Marc));
        assert_eq!(detect_format(b"", p("batch.xml")), Some(Format::MarcXml));
        assert_eq!(detect_format(b"", p("items.CSV")), Some(Format::Csv));
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF  <?xml", p("export")),
            Some(Format::MarcXml)
        );
        assert_eq!(
            detect_format(b"\n00720cam a22", p("export")),
            Some(Format::Marc)
        );
        assert_eq!(detect_format(b"0072", p("export")), Some(Format::Csv));
        assert_eq!(
            detect_format(b"id,title\n", p("export.txt")),
            Some(Format::Csv)
        );
        assert_eq!(detect_format(b" \n ", p("export")), None);
        assert_eq!("MARCXML".parse::<Format>(), Ok(Format::MarcXml));
        assert_eq!("marc".parse::<Format>(), Ok(Format::Marc));
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
        assert!("pdf".parse::<Format>().is_err());
        assert_eq!(Format::MarcXml.to_string(), "marcxml");
    }

    #[test]
    fn record_error_display() {
        let e = RecordError {
            position: 17,
            offset: 40960,
            message: "bad directory".into(),
        };
        assert_eq!(e.to_string(), "record 17 (byte 40960): bad directory");
    }

    #[test]
    fn field_accessors() {
        let f = data("245", "10", &[('a', "x"), ('b', "y"), ('a', "z")]);
        assert_eq!(f.tag(), "245");
        assert_eq!(f.subfield('a'), Some("x"));
        assert_eq!(f.subfields('a').collect::<Vec<_>>(), vec!["x", "z"]);
        assert_eq!(f.indicators(), Some(('1', '0')));
        let c = control("001", "id");
        assert_eq!(c.subfield('a'), None);
        assert_eq!(c.indicators(), None);
        let rec = record(vec![c, f]);
        assert_eq!(rec.control("001"), Some("id"));
        assert_eq!(rec.data_fields("245").count(), 1);
    }
}
