//! Streaming MARCXML reader (MARC 21 slim schema): yields one [`MarcRecord`] per `<record>`,
//! whether the records are wrapped in a `<collection>` or the document is a single record,
//! with or without a namespace prefix (`marc:record`). Elements are matched by local name;
//! anything else in the document is ignored.
//!
//! A record without `<leader>` gets 24 blanks; a leader of another length is padded or cut
//! to 24 characters. Combining diacritics are composed as in the binary reader. XML cannot be
//! resynchronised after a syntax error, so an error (including a document that ends inside a
//! record) yields one [`RecordError`] and ends the iteration.

use std::io::BufRead;
use std::iter::FusedIterator;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

pub use super::mapping::{Field, MarcRecord, RecordError};
use super::marc8;

const LEADER_LEN: usize = 24;

/// Reads MARCXML records one at a time.
pub struct MarcXmlReader<R> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Records started so far.
    position: usize,
    done: bool,
}

/// What the text being read belongs to.
enum Target {
    None,
    Leader,
    Control,
    Subfield,
}

/// A record being assembled.
struct Building {
    offset: u64,
    leader: Option<String>,
    fields: Vec<Field>,
    text: String,
    target: Target,
}

impl<R: BufRead> MarcXmlReader<R> {
    pub fn new(inner: R) -> Self {
        let mut reader = Reader::from_reader(inner);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        MarcXmlReader {
            reader,
            buf: Vec::with_capacity(4096),
            position: 0,
            done: false,
        }
    }

    fn read_record(&mut self) -> Result<Option<MarcRecord>, RecordError> {
        let mut building: Option<Building> = None;
        loop {
            self.buf.clear();
            let before = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(e) => {
                    let at = self.reader.error_position();
                    return Err(RecordError {
                        position: self.position.max(1),
                        offset: at,
                        message: format!("XML error: {e}"),
                    });
                }
            };
            match event {
                Event::Start(e) => {
                    let name = e.local_name();
                    match (name.as_ref(), building.as_mut()) {
                        ("record", None) => {
                            self.position += 1;
                            building = Some(Building::new(before));
                        }
                        ("record", Some(_)) => {
                            return Err(record_error(
                                self.position,
                                before,
                                "nested <record>".into(),
                            ));
                        }
                        (_, Some(b)) => b
                            .start(&e)
                            .map_err(|m| record_error(self.position, before, m))?,
                        (_, None) => {}
                    }
                }
                Event::Empty(e) => {
                    let name = e.local_name();
                    match (name.as_ref(), building.as_mut()) {
                        ("record", None) => {
                            self.position += 1;
                            return Ok(Some(Building::new(before).finish()));
                        }
                        (_, Some(b)) => {
                            // <subfield code="a"/>, <controlfield tag="005"/>, <datafield .../>
                            b.start(&e)
                                .map_err(|m| record_error(self.position, before, m))?;
                            b.end(e.local_name().as_ref());
                        }
                        (_, None) => {}
                    }
                }
                Event::End(e) => {
                    if let Some(b) = building.as_mut() {
                        if e.local_name().as_ref() == "record" {
                            if let Some(b) = building.take() {
                                return Ok(Some(b.finish()));
                            }
                        } else {
                            b.end(e.local_name().as_ref());
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(b) = building.as_mut().filter(|b| b.collecting()) {
                        b.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some(b) = building.as_mut().filter(|b| b.collecting()) {
                        b.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(b) = building.as_mut().filter(|b| b.collecting()) {
                        let resolved = match r.resolve_char_ref() {
                            Ok(Some(c)) => Some(c.to_string()),
                            Ok(None) => {
                                resolve_predefined_entity(&r.xml10_content()).map(String::from)
                            }
                            Err(e) => {
                                return Err(record_error(
                                    self.position,
                                    before,
                                    format!("XML error: {e}"),
                                ));
                            }
                        };
                        match resolved {
                            Some(s) => b.text.push_str(&s),
                            None => {
                                return Err(record_error(
                                    self.position,
                                    before,
                                    format!("unknown entity &{};", r.xml10_content()),
                                ));
                            }
                        }
                    }
                }
                Event::Eof => {
                    return match building {
                        Some(b) => Err(record_error(
                            self.position,
                            self.reader.buffer_position(),
                            format!(
                                "the document ends inside the record that starts at byte {}",
                                b.offset
                            ),
                        )),
                        None => Ok(None),
                    };
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

impl Building {
    fn new(offset: u64) -> Self {
        Building {
            offset,
            leader: None,
            fields: Vec::new(),
            text: String::new(),
            target: Target::None,
        }
    }

    fn collecting(&self) -> bool {
        !matches!(self.target, Target::None)
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        match e.local_name().as_ref() {
            "leader" => {
                self.text.clear();
                self.target = Target::Leader;
            }
            "controlfield" => {
                self.fields.push(Field::Control {
                    tag: attribute(e, "tag")?.unwrap_or_default(),
                    value: String::new(),
                });
                self.text.clear();
                self.target = Target::Control;
            }
            "datafield" => {
                let indicator = |name: &str| -> Result<char, String> {
                    Ok(attribute(e, name)?
                        .and_then(|v| v.chars().next())
                        .unwrap_or(' '))
                };
                self.fields.push(Field::Data {
                    tag: attribute(e, "tag")?.unwrap_or_default(),
                    ind1: indicator("ind1")?,
                    ind2: indicator("ind2")?,
                    subfields: Vec::new(),
                });
                self.target = Target::None;
            }
            "subfield" => {
                let code = attribute(e, "code")?
                    .and_then(|v| v.chars().next())
                    .unwrap_or(' ');
                if let Some(Field::Data { subfields, .. }) = self.fields.last_mut() {
                    subfields.push((code, String::new()));
                    self.text.clear();
                    self.target = Target::Subfield;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        let text = std::mem::take(&mut self.text);
        match (name, &self.target) {
            ("leader", Target::Leader) => self.leader = Some(text),
            ("controlfield", Target::Control) => {
                if let Some(Field::Control { value, .. }) = self.fields.last_mut() {
                    *value = marc8::compose(&text).into_owned();
                }
            }
            ("subfield", Target::Subfield) => {
                if let Some(Field::Data { subfields, .. }) = self.fields.last_mut()
                    && let Some((_, value)) = subfields.last_mut()
                {
                    *value = marc8::compose(&text).into_owned();
                }
            }
            _ => {
                self.text = text;
                return;
            }
        }
        self.target = Target::None;
    }

    fn finish(self) -> MarcRecord {
        let mut leader: String = self
            .leader
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(LEADER_LEN)
            .collect();
        let missing = LEADER_LEN.saturating_sub(leader.chars().count());
        leader.extend(std::iter::repeat_n(' ', missing));
        MarcRecord {
            leader,
            fields: self.fields,
        }
    }
}

fn record_error(position: usize, offset: u64, message: String) -> RecordError {
    RecordError {
        position: position.max(1),
        offset,
        message,
    }
}

/// The value of attribute `name` (matched by local name), entities resolved.
fn attribute(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("XML error: {err}"))?;
        if attr.key.local_name().as_ref() == name {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("XML error: {err}"))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

impl<R: BufRead> Iterator for MarcXmlReader<R> {
    type Item = Result<MarcRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<R: BufRead> FusedIterator for MarcXmlReader<R> {}

#[cfg(test)]
mod tests {
    use super::super::mapping::to_catalogue;
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/catalogue/");

    fn read_str(xml: &str) -> Vec<Result<MarcRecord, RecordError>> {
        MarcXmlReader::new(xml.as_bytes()).collect()
    }

    fn read_fixture(name: &str) -> Vec<Result<MarcRecord, RecordError>> {
        let file = std::fs::File::open(format!("{FIXTURES}{name}")).unwrap();
        MarcXmlReader::new(std::io::BufReader::new(file)).collect()
    }

    #[test]
    fn batch_fixture() {
        let records = read_fixture("batch.xml");
        assert_eq!(records.len(), 2);
        let first = records[0].as_ref().unwrap();
        assert_eq!(first.leader, "00925njm  22002777a 4500");
        let recs: Vec<_> = records
            .iter()
            .map(|r| to_catalogue(r.as_ref().unwrap()).unwrap())
            .collect();
        assert_eq!(recs[0].id, "5637241");
        assert_eq!(recs[0].title, "The Great Ray Charles");
        assert_eq!(recs[0].authors, vec!["Charles, Ray"]);
        assert_eq!(recs[0].year, Some(1957));
        assert_eq!(recs[0].publisher.as_deref(), Some("Atlantic"));
        assert_eq!(recs[0].call_number.as_deref(), Some("Atlantic 1259"));
        assert_eq!(
            recs[0].subjects,
            vec!["Jazz -- 1951-1960", "Piano with jazz ensemble"]
        );
        assert_eq!(recs[1].id, "12149120");
        assert_eq!(recs[1].title, "The White House");
        assert_eq!(recs[1].authors, vec!["White House Web Team"]);
        assert_eq!(recs[1].year, Some(1994));
    }

    #[test]
    fn utf8_fixture() {
        let records = read_fixture("utf8.xml");
        assert_eq!(records.len(), 1);
        let rec = records[0].as_ref().unwrap();
        let f505 = rec.data_fields("505").next().unwrap();
        assert_eq!(f505.subfield('t'), Some("Préludes"));
        let rec = to_catalogue(rec).unwrap();
        assert_eq!(rec.id, "ASP925318/clmu");
        assert_eq!(rec.title, "Zen Classics");
        assert_eq!(rec.publisher.as_deref(), Some("Virgin Classics"));
        // 008/07-10 says "9999", 260 $c "03 Nov 2008": the imprint wins.
        assert_eq!(rec.year, Some(2008));
    }

    #[test]
    fn single_record_without_prefix_or_leader() {
        let xml = r#"<?xml version="1.0"?>
            <record xmlns="http://www.loc.gov/MARC21/slim">
              <controlfield tag="001">x1</controlfield>
              <datafield tag="245" ind1="1" ind2="0">
                <subfield code="a">Tom &amp; Jerry &#233;t&#xE9; <![CDATA[<raw>]]> /</subfield>
                <subfield code="c">Nobody.</subfield>
                <subfield code="b"/>
              </datafield>
              <datafield tag="650" ind1=" " ind2="0"><subfield code="a">Cats</subfield><subfield code="x">Humor.</subfield></datafield>
              <unknown>ignored <b>text</b></unknown>
            </record>"#;
        let records = read_str(xml);
        assert_eq!(records.len(), 1);
        let rec = records[0].as_ref().unwrap();
        assert_eq!(rec.leader, " ".repeat(24));
        let f245 = rec.data_fields("245").next().unwrap();
        assert_eq!(f245.indicators(), Some(('1', '0')));
        assert_eq!(f245.subfield('b'), Some(""));
        let mapped = to_catalogue(rec).unwrap();
        assert_eq!(mapped.title, "Tom & Jerry été <raw>");
        assert_eq!(mapped.subjects, vec!["Cats -- Humor"]);
    }

    #[test]
    fn prefixed_collection_and_decomposed_text() {
        let xml = "<m:collection xmlns:m=\"http://www.loc.gov/MARC21/slim\">\
            <m:record><m:leader>00000nam a2200000 a 4500</m:leader>\
            <m:controlfield tag=\"001\">a</m:controlfield>\
            <m:datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><m:subfield code=\"a\">Cafe\u{301}</m:subfield></m:datafield>\
            </m:record><m:record/>\
            <m:record><m:leader>short</m:leader></m:record></m:collection>";
        let records = read_str(xml);
        assert_eq!(records.len(), 3);
        assert_eq!(
            to_catalogue(records[0].as_ref().unwrap()).unwrap().title,
            "Café"
        );
        assert_eq!(records[1].as_ref().unwrap().fields, vec![]);
        assert_eq!(
            records[2].as_ref().unwrap().leader,
            format!("short{}", " ".repeat(19))
        );
    }

    #[test]
    fn syntax_error_yields_one_error_then_stops() {
        let xml = "<collection><record><controlfield tag=\"001\">1</controlfield></record>\
            <record><controlfield tag=\"001\">2</controlfield></wrong></record>\
            <record><controlfield tag=\"001\">3</controlfield></record></collection>";
        let records = read_str(xml);
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(records[0].is_ok());
        let err = records[1].as_ref().unwrap_err();
        assert_eq!(err.position, 2);
        assert!(err.offset > 0);
        assert!(err.to_string().starts_with("record 2 (byte "));
    }

    #[test]
    fn document_ending_inside_a_record() {
        let xml = "<collection><record><controlfield tag=\"001\">1</controlfield></record>\
            <record><controlfield tag=\"001\">2</controlfield>";
        let records = read_str(xml);
        assert_eq!(records.len(), 2);
        assert!(records[1].is_err());
        assert!(read_str("").is_empty());
        assert!(read_str("<collection/>").is_empty());
    }

    #[test]
    fn never_panics_on_mangled_xml() {
        let xml = std::fs::read(format!("{FIXTURES}batch.xml")).unwrap();
        let mut state: u64 = 0xDEAD_BEEF_CAFE_F00D;
        for _ in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut bytes = xml.clone();
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] = (state >> 32) as u8;
            bytes.truncate(bytes.len() - (state >> 48) as usize % 200);
            let records: Vec<_> = MarcXmlReader::new(&bytes[..]).collect();
            assert!(records.len() <= 3);
        }
    }
}
