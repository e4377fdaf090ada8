//! MARC-8 to Unicode.
//!
//! MARC-8 is the pre-Unicode character encoding of MARC 21 records (leader/09 blank). A field
//! starts with Basic Latin (ASCII) designated as G0 (bytes 0x21-0x7E) and Extended Latin
//! (ANSEL) as G1 (bytes 0xA1-0xFE); escape sequences switch either to another set. ANSEL's
//! combining diacritics (0xE0-0xFE) come *before* the letter they modify, where Unicode puts
//! them after: the decoder reorders them and composes the common Latin letters to their
//! precomposed (NFC) forms, so `0xE2 'e'` becomes `"é"`.
//!
//! Supported sets: Basic Latin, Extended Latin (ANSEL), Basic and Extended Cyrillic, Basic
//! Greek, and the Greek symbols / subscript / superscript sets. Every other set (Hebrew,
//! Arabic, the multibyte East Asian set, ...) decodes to U+FFFD per character (per 3-byte
//! group for multibyte sets), so the rest of the text stays readable. Undefined codes decode
//! to U+FFFD; a malformed escape sequence drops the ESC byte and decoding goes on.

use std::borrow::Cow;

use super::marc8_tables::{COMBINING_CLASSES, COMPOSITIONS};

const ESC: u8 = 0x1B;
const REPLACEMENT: char = '\u{FFFD}';

/// A graphic character set that can be designated as G0 or G1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// Basic Latin (ASCII): final `B`, or `s` (technique 1).
    Ascii,
    /// Extended Latin (ANSEL): final `E` (written `!E`).
    Ansel,
    /// Basic Cyrillic: final `N`.
    BasicCyrillic,
    /// Extended Cyrillic: final `Q`.
    ExtendedCyrillic,
    /// Basic Greek: final `S`.
    BasicGreek,
    /// Greek symbols (technique 1): `ESC g`.
    GreekSymbols,
    /// Subscripts (technique 1): `ESC b`.
    Subscript,
    /// Superscripts (technique 1): `ESC p`.
    Superscript,
    /// Any set this decoder has no table for.
    Unsupported,
}

impl Charset {
    fn from_final(final_byte: u8) -> Charset {
        match final_byte {
            b'B' | b's' => Charset::Ascii,
            b'E' => Charset::Ansel,
            b'N' => Charset::BasicCyrillic,
            b'Q' => Charset::ExtendedCyrillic,
            b'S' => Charset::BasicGreek,
            b'g' => Charset::GreekSymbols,
            b'b' => Charset::Subscript,
            b'p' => Charset::Superscript,
            _ => Charset::Unsupported,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Designation {
    set: Charset,
    /// Multibyte sets (designated with `ESC $`) take three bytes per character.
    multibyte: bool,
}

const DEFAULT_G0: Designation = Designation {
    set: Charset::Ascii,
    multibyte: false,
};
const DEFAULT_G1: Designation = Designation {
    set: Charset::Ansel,
    multibyte: false,
};

/// A MARC-8 decoder. Designations made by escape sequences persist across calls to
/// [`Decoder::decode_into`] until [`Decoder::reset`], so a field's subfields can be decoded
/// one by one with the state carried over (reset it at the start of each field).
#[derive(Debug, Clone)]
pub struct Decoder {
    g0: Designation,
    g1: Designation,
    marks: Vec<char>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Decodes MARC-8 bytes to a Unicode string, starting from the default sets.
pub fn decode(bytes: &[u8]) -> String {
    if bytes.is_ascii() && !bytes.contains(&ESC) {
        // Plain ASCII: nothing to map (the common case in MARC-8 records).
        return bytes.iter().map(|&b| b as char).collect();
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 4);
    Decoder::new().decode_into(bytes, &mut out);
    out
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            g0: DEFAULT_G0,
            g1: DEFAULT_G1,
            marks: Vec::new(),
        }
    }

    /// Back to the default sets (ASCII as G0, ANSEL as G1).
    pub fn reset(&mut self) {
        self.g0 = DEFAULT_G0;
        self.g1 = DEFAULT_G1;
        self.marks.clear();
    }

    /// Decodes `bytes`, appending to `out`. Combining marks left without a base letter at the
    /// end of `bytes` are written out as they are.
    pub fn decode_into(&mut self, bytes: &[u8], out: &mut String) {
        if self.g0 == DEFAULT_G0
            && self.marks.is_empty()
            && bytes.is_ascii()
            && !bytes.contains(&ESC)
            && let Ok(ascii) = std::str::from_utf8(bytes)
        {
            out.push_str(ascii);
            return;
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                ESC => {
                    i += self.escape(&bytes[i + 1..]);
                    continue;
                }
                0x20 => self.push(' ', false, out),
                0x00..=0x1F | 0x7F => self.push(b as char, false, out),
                0x21..=0x7E | 0xA1..=0xFE => {
                    let slot = if b < 0x80 { self.g0 } else { self.g1 };
                    if slot.multibyte {
                        // Three bytes per character, all from the same half of the code table.
                        let high = b & 0x80;
                        let group = bytes[i..].iter().take(3).take_while(|&&x| {
                            x & 0x80 == high && (0x21..=0x7E).contains(&(x & 0x7F))
                        });
                        let n = group.count();
                        self.push(REPLACEMENT, false, out);
                        i += n;
                        continue;
                    }
                    match lookup(slot.set, b & 0x7F) {
                        Some((c, combining)) => self.push(c, combining, out),
                        None => self.push(REPLACEMENT, false, out),
                    }
                }
                // Non-sort begin / end: sorting hints, not text.
                0x88 | 0x89 => {}
                0x8D => self.push('\u{200D}', false, out),
                0x8E => self.push('\u{200C}', false, out),
                _ => self.push(REPLACEMENT, false, out),
            }
            i += 1;
        }
        if !self.marks.is_empty() {
            out.extend(self.marks.drain(..));
        }
    }

    /// Interprets an escape sequence whose bytes after ESC are `rest`; returns how many bytes
    /// (ESC included) it used. A malformed sequence uses only the ESC byte.
    fn escape(&mut self, rest: &[u8]) -> usize {
        let Some(&first) = rest.first() else {
            return 1;
        };
        // Technique 1: ESC g / b / p / s designate G0 directly.
        if matches!(first, b'g' | b'b' | b'p' | b's') {
            self.g0 = Designation {
                set: Charset::from_final(first),
                multibyte: false,
            };
            return 2;
        }
        let mut j = 0;
        let multibyte = first == b'$';
        if multibyte {
            j += 1;
        }
        // Which of G0 / G1; `ESC $ F` (no intermediate) designates G0.
        let g1 = match rest.get(j) {
            Some(b'(' | b',') => {
                j += 1;
                false
            }
            Some(b')' | b'-') => {
                j += 1;
                true
            }
            Some(_) if multibyte => false,
            _ => return 1,
        };
        if rest.get(j) == Some(&b'!') {
            j += 1;
        }
        let Some(&final_byte) = rest.get(j) else {
            return 1;
        };
        if !(0x30..=0x7E).contains(&final_byte) {
            return 1;
        }
        let designation = Designation {
            set: if multibyte {
                Charset::Unsupported
            } else {
                Charset::from_final(final_byte)
            },
            multibyte,
        };
        if g1 {
            self.g1 = designation;
        } else {
            self.g0 = designation;
        }
        j + 2
    }

    fn push(&mut self, c: char, combining: bool, out: &mut String) {
        if combining {
            self.marks.push(c);
        } else if self.marks.is_empty() {
            out.push(c);
        } else {
            push_cluster(c, &mut self.marks, out);
            self.marks.clear();
        }
    }
}

/// The character for a 7-bit code (0x21-0x7E) in `set`, and whether it is a combining mark.
fn lookup(set: Charset, code: u8) -> Option<(char, bool)> {
    match set {
        Charset::Ascii => Some((code as char, false)),
        Charset::Ansel => ansel(code | 0x80),
        Charset::BasicCyrillic => basic_cyrillic(code).map(|c| (c, false)),
        Charset::ExtendedCyrillic => extended_cyrillic(code).map(|c| (c, false)),
        Charset::BasicGreek => basic_greek(code),
        Charset::GreekSymbols => greek_symbol(code).map(|c| (c, false)),
        Charset::Subscript => subscript(code).map(|c| (c, false)),
        Charset::Superscript => superscript(code).map(|c| (c, false)),
        Charset::Unsupported => None,
    }
}

/// Extended Latin (ANSEL), by its G1 code (0xA1-0xFE).
fn ansel(code: u8) -> Option<(char, bool)> {
    let spacing = match code {
        0xA1 => '\u{0141}', // Ł
        0xA2 => '\u{00D8}', // Ø
        0xA3 => '\u{0110}', // Đ
        0xA4 => '\u{00DE}', // Þ
        0xA5 => '\u{00C6}', // Æ
        0xA6 => '\u{0152}', // Œ
        0xA7 => '\u{02B9}', // ʹ modifier letter prime (soft sign)
        0xA8 => '\u{00B7}', // · middle dot
        0xA9 => '\u{266D}', // ♭ music flat
        0xAA => '\u{00AE}', // ® registered sign (patent mark)
        0xAB => '\u{00B1}', // ± plus-minus
        0xAC => '\u{01A0}', // Ơ O hook
        0xAD => '\u{01AF}', // Ư U hook
        0xAE => '\u{02BC}', // ʼ alif (modifier letter apostrophe)
        0xB0 => '\u{02BB}', // ʻ ayn (modifier letter turned comma)
        0xB1 => '\u{0142}', // ł
        0xB2 => '\u{00F8}', // ø
        0xB3 => '\u{0111}', // đ
        0xB4 => '\u{00FE}', // þ
        0xB5 => '\u{00E6}', // æ
        0xB6 => '\u{0153}', // œ
        0xB7 => '\u{02BA}', // ʺ modifier letter double prime (hard sign)
        0xB8 => '\u{0131}', // ı dotless i
        0xB9 => '\u{00A3}', // £
        0xBA => '\u{00F0}', // ð eth
        0xBC => '\u{01A1}', // ơ o hook
        0xBD => '\u{01B0}', // ư u hook
        0xC0 => '\u{00B0}', // ° degree sign
        0xC1 => '\u{2113}', // ℓ script small l
        0xC2 => '\u{2117}', // ℗ sound recording copyright
        0xC3 => '\u{00A9}', // © copyright sign
        0xC4 => '\u{266F}', // ♯ music sharp
        0xC5 => '\u{00BF}', // ¿
        0xC6 => '\u{00A1}', // ¡
        0xC7 => '\u{00DF}', // ß eszett
        0xC8 => '\u{20AC}', // € euro sign
        _ => {
            let mark = match code {
                0xE0 => '\u{0309}', // hook above (pseudo question mark)
                0xE1 => '\u{0300}', // grave
                0xE2 => '\u{0301}', // acute
                0xE3 => '\u{0302}', // circumflex
                0xE4 => '\u{0303}', // tilde
                0xE5 => '\u{0304}', // macron
                0xE6 => '\u{0306}', // breve
                0xE7 => '\u{0307}', // dot above (superior dot)
                0xE8 => '\u{0308}', // diaeresis (umlaut)
                0xE9 => '\u{030C}', // caron (hacek)
                0xEA => '\u{030A}', // ring above (angstrom)
                0xEB => '\u{FE20}', // ligature, first half
                0xEC => '\u{FE21}', // ligature, second half
                0xED => '\u{0315}', // comma above right (high comma, off centre)
                0xEE => '\u{030B}', // double acute
                0xEF => '\u{0310}', // candrabindu
                0xF0 => '\u{0327}', // cedilla
                0xF1 => '\u{0328}', // ogonek (right hook)
                0xF2 => '\u{0323}', // dot below
                0xF3 => '\u{0324}', // diaeresis below (double dot below)
                0xF4 => '\u{0325}', // ring below (circle below)
                0xF5 => '\u{0333}', // double low line (double underscore)
                0xF6 => '\u{0332}', // low line (underscore)
                0xF7 => '\u{0326}', // comma below (left hook)
                0xF8 => '\u{031C}', // left half ring below (right cedilla)
                0xF9 => '\u{032E}', // breve below (upadhmaniya)
                0xFA => '\u{FE22}', // double tilde, first half
                0xFB => '\u{FE23}', // double tilde, second half
                0xFE => '\u{0313}', // comma above (high comma, centred)
                _ => return None,
            };
            return Some((mark, true));
        }
    };
    Some((spacing, false))
}

/// Basic Cyrillic: 0x21-0x3F as in ASCII, 0x40-0x5F lowercase, 0x60-0x7E uppercase.
fn basic_cyrillic(code: u8) -> Option<char> {
    const LETTERS: [char; 32] = [
        'ю', 'а', 'б', 'ц', 'д', 'е', 'ф', 'г', 'х', 'и', 'й', 'к', 'л', 'м', 'н', 'о', //
        'п', 'я', 'р', 'с', 'т', 'у', 'ж', 'в', 'ь', 'ы', 'з', 'ш', 'э', 'щ', 'ч', 'ъ',
    ];
    match code {
        0x21..=0x3F => Some(code as char),
        0x40..=0x5F => Some(LETTERS[usize::from(code - 0x40)]),
        // The capitals follow the same order; there is no capital hard sign (0x7F).
        0x60..=0x7E => LETTERS[usize::from(code - 0x60)].to_uppercase().next(),
        _ => None,
    }
}

/// Extended Cyrillic, by 7-bit code (G1 0xC0-0xFF less 0x80).
fn extended_cyrillic(code: u8) -> Option<char> {
    Some(match code {
        0x40 => 'ґ',
        0x41 => 'ђ',
        0x42 => 'ѓ',
        0x43 => 'є',
        0x44 => 'ё',
        0x45 => 'ѕ',
        0x46 => 'і',
        0x47 => 'ї',
        0x48 => 'ј',
        0x49 => 'љ',
        0x4A => 'њ',
        0x4B => 'ћ',
        0x4C => 'ќ',
        0x4D => 'ў',
        0x4E => 'џ',
        0x50 => 'ѣ',
        0x51 => 'ѳ',
        0x52 => 'ѵ',
        0x53 => 'ѫ',
        0x5B => '[',
        0x5D => ']',
        0x5F => '_',
        0x60 => 'Ґ',
        0x61 => 'Ђ',
        0x62 => 'Ѓ',
        0x63 => 'Є',
        0x64 => 'Ё',
        0x65 => 'Ѕ',
        0x66 => 'І',
        0x67 => 'Ї',
        0x68 => 'Ј',
        0x69 => 'Љ',
        0x6A => 'Њ',
        0x6B => 'Ћ',
        0x6C => 'Ќ',
        0x6D => 'Ў',
        0x6E => 'Џ',
        0x6F => 'Ъ',
        0x70 => 'Ѣ',
        0x71 => 'Ѳ',
        0x72 => 'Ѵ',
        0x73 => 'Ѫ',
        _ => return None,
    })
}

/// Basic Greek: accents (combining), punctuation and the letters with the archaic ones.
fn basic_greek(code: u8) -> Option<(char, bool)> {
    let mark = match code {
        0x21 => Some('\u{0300}'), // grave (varia)
        0x22 => Some('\u{0301}'), // acute (oxia / tonos)
        0x23 => Some('\u{0308}'), // diaeresis (dialytika)
        0x24 => Some('\u{0342}'), // circumflex (perispomeni)
        0x25 => Some('\u{0313}'), // smooth breathing (psili)
        0x26 => Some('\u{0314}'), // rough breathing (dasia)
        0x27 => Some('\u{0345}'), // iota subscript (ypogegrammeni)
        _ => None,
    };
    if let Some(mark) = mark {
        return Some((mark, true));
    }
    let c = match code {
        0x30 => '«',
        0x31 => '»',
        0x32 => '“',
        0x33 => '”',
        0x34 => '\u{0374}', // numeral sign
        0x35 => '\u{0375}', // lower numeral sign
        0x3B => '\u{0387}', // ano teleia
        0x3F => '\u{037E}', // question mark
        0x41 => 'Α',
        0x42 => 'Β',
        0x44 => 'Γ',
        0x45 => 'Δ',
        0x46 => 'Ε',
        0x47 => 'Ϛ',
        0x48 => 'Ϝ',
        0x49 => 'Ζ',
        0x4A => 'Η',
        0x4B => 'Θ',
        0x4C => 'Ι',
        0x4D => 'Κ',
        0x4E => 'Λ',
        0x4F => 'Μ',
        0x50 => 'Ν',
        0x51 => 'Ξ',
        0x52 => 'Ο',
        0x53 => 'Π',
        0x54 => 'Ϟ',
        0x55 => 'Ρ',
        0x56 => 'Σ',
        0x58 => 'Τ',
        0x59 => 'Υ',
        0x5A => 'Φ',
        0x5B => 'Χ',
        0x5C => 'Ψ',
        0x5D => 'Ω',
        0x5E => 'Ϡ',
        0x61 => 'α',
        0x62 => 'β',
        0x63 => 'ϐ',
        0x64 => 'γ',
        0x65 => 'δ',
        0x66 => 'ε',
        0x67 => 'ϛ',
        0x68 => 'ϝ',
        0x69 => 'ζ',
        0x6A => 'η',
        0x6B => 'θ',
        0x6C => 'ι',
        0x6D => 'κ',
        0x6E => 'λ',
        0x6F => 'μ',
        0x70 => 'ν',
        0x71 => 'ξ',
        0x72 => 'ο',
        0x73 => 'π',
        0x74 => 'ϟ',
        0x75 => 'ρ',
        0x76 => 'σ',
        0x77 => 'ς',
        0x78 => 'τ',
        0x79 => 'υ',
        0x7A => 'φ',
        0x7B => 'χ',
        0x7C => 'ψ',
        0x7D => 'ω',
        0x7E => 'ϡ',
        _ => return None,
    };
    Some((c, false))
}

/// Greek symbols (technique 1).
fn greek_symbol(code: u8) -> Option<char> {
    match code {
        0x61 => Some('α'),
        0x62 => Some('β'),
        0x63 => Some('γ'),
        _ => None,
    }
}

/// Subscripts (technique 1): digits, parentheses, plus and minus.
fn subscript(code: u8) -> Option<char> {
    match code {
        0x28 => Some('\u{208D}'),
        0x29 => Some('\u{208E}'),
        0x2B => Some('\u{208A}'),
        0x2D => Some('\u{208B}'),
        0x30..=0x39 => char::from_u32(0x2080 + u32::from(code - 0x30)),
        _ => None,
    }
}

/// Superscripts (technique 1): digits, parentheses, plus and minus.
fn superscript(code: u8) -> Option<char> {
    match code {
        0x28 => Some('\u{207D}'),
        0x29 => Some('\u{207E}'),
        0x2B => Some('\u{207A}'),
        0x2D => Some('\u{207B}'),
        0x31 => Some('\u{00B9}'),
        0x32 => Some('\u{00B2}'),
        0x33 => Some('\u{00B3}'),
        0x30 | 0x34..=0x39 => char::from_u32(0x2070 + u32::from(code - 0x30)),
        _ => None,
    }
}

/// Writes `base` followed by `marks` (in canonical order), composing what has a precomposed
/// form. Follows the NFC composition rule: a mark composes with the base unless an
/// uncomposed mark of the same or a higher combining class stands between them.
fn push_cluster(base: char, marks: &mut [char], out: &mut String) {
    if marks.len() > 1 {
        marks.sort_by_key(|&m| combining_class(m)); // stable: canonical ordering
    }
    let mut current = base;
    let mut kept = 0;
    let mut last_kept_class = 0u8;
    for read in 0..marks.len() {
        let mark = marks[read];
        let class = combining_class(mark);
        let blocked = kept > 0 && last_kept_class >= class;
        if !blocked && let Some(composed) = compose_pair(current, mark) {
            current = composed;
            continue;
        }
        marks[kept] = mark;
        kept += 1;
        last_kept_class = class;
    }
    out.push(current);
    out.extend(&marks[..kept]);
}

fn combining_class(c: char) -> u8 {
    match COMBINING_CLASSES.binary_search_by_key(&c, |&(m, _)| m) {
        Ok(i) => COMBINING_CLASSES[i].1,
        Err(_) => 0,
    }
}

fn compose_pair(base: char, mark: char) -> Option<char> {
    COMPOSITIONS
        .binary_search_by(|&(b, m, _)| (b, m).cmp(&(base, mark)))
        .ok()
        .map(|i| COMPOSITIONS[i].2)
}

/// Whether `c` is a combining mark this module knows (and may compose).
fn is_known_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c) || ('\u{FE20}'..='\u{FE23}').contains(&c)
}

/// Composes base letters with following combining marks to precomposed forms where the table
/// has them (canonical composition for Latin, Greek and Cyrillic letters). Used for UTF-8
/// records, whose text is often decomposed (NFD), so that they match MARC-8 decoded text.
/// Returns the input unchanged (borrowed) when it has no combining mark in U+0300-U+036F or
/// U+FE20-U+FE23.
pub fn compose(s: &str) -> Cow<'_, str> {
    if !may_need_compose(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut base: Option<char> = None;
    let mut marks: Vec<char> = Vec::new();
    for c in s.chars() {
        if is_known_mark(c) {
            marks.push(c);
            continue;
        }
        flush(base.take(), &mut marks, &mut out);
        base = Some(c);
    }
    flush(base, &mut marks, &mut out);
    Cow::Owned(out)
}

fn flush(base: Option<char>, marks: &mut Vec<char>, out: &mut String) {
    match base {
        Some(b) if !marks.is_empty() => push_cluster(b, marks, out),
        Some(b) => out.push(b),
        None => out.extend(marks.iter()),
    }
    marks.clear();
}

/// Quick test for [`compose`]'s work: does this UTF-8 text contain a byte that starts a
/// combining diacritic (U+0300-U+036F are encoded 0xCC 0x80 - 0xCD 0xAF)?
pub fn may_need_compose(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == 0xCC || b == 0xCD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(seq: &str) -> Vec<u8> {
        let mut v = vec![ESC];
        v.extend_from_slice(seq.as_bytes());
        v
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn ascii_passes_through() {
        assert_eq!(
            decode(b"Escape from loneliness /"),
            "Escape from loneliness /"
        );
        assert_eq!(decode(b""), "");
    }

    #[test]
    fn combining_mark_precedes_its_letter_and_is_composed() {
        assert_eq!(decode(&[0xE2, b'e']), "é");
        assert_eq!(decode(b"communaut\xE2e"), "communauté");
        assert_eq!(decode(b"Dvo\xE9r\xE2ak"), "Dvořák");
        assert_eq!(decode(b"Dvor\xE9ak"), "Dvorǎk");
        assert_eq!(
            decode(b"M\xE8uller Espa\xE4na Gar\xF0con \xEAAngstr\xE8om"),
            "Müller España Garçon Ångström"
        );
        assert_eq!(decode(b"\xE1a la"), "à la");
        assert_eq!(decode(b"\xF1a\xE7z"), "ąż");
        assert_eq!(decode(b"\xEEo \xE5O"), "ő Ō");
    }

    #[test]
    fn spacing_characters() {
        assert_eq!(decode(&[0xA5]), "Æ");
        assert_eq!(decode(&[0xC7]), "ß");
        assert_eq!(decode(&[0xC8]), "€");
        assert_eq!(
            decode(b"\xA1\xB1\xA2\xB2\xA3\xB3\xA4\xB4\xB5\xA6\xB6"),
            "ŁłØøĐđÞþæŒœ"
        );
        assert_eq!(
            decode(b"\xC3 1999 \xC2 \xB9 \xC0 \xC5 \xC6 \xBA \xB8"),
            "© 1999 ℗ £ ° ¿ ¡ ð ı"
        );
        assert_eq!(decode(b"Ob\xA7ekt \xB0Al\xAE"), "Obʹekt ʻAlʼ");
        assert_eq!(decode(b"\xAC\xBC\xAD\xBD"), "ƠơƯư");
    }

    #[test]
    fn marks_without_precomposed_form_stay_decomposed() {
        assert_eq!(decode(&[0xE5, b'q']), "q\u{304}");
        // Ligature halves around "ts": t + U+FE20, s + U+FE21.
        assert_eq!(decode(b"\xEBt\xECs"), "t\u{FE20}s\u{FE21}");
    }

    #[test]
    fn several_marks_on_one_letter_are_ordered_canonically() {
        // Vietnamese: a with dot below and circumflex, in either MARC-8 order.
        assert_eq!(decode(&[0xF2, 0xE3, b'a']), "ậ");
        assert_eq!(decode(&[0xE3, 0xF2, b'a']), "ậ");
        // o with horn (a spacing letter in ANSEL) and acute.
        assert_eq!(decode(&[0xE2, 0xBC]), "ớ");
    }

    #[test]
    fn trailing_mark_is_kept() {
        assert_eq!(decode(&[b'a', 0xE2]), "a\u{301}");
    }

    #[test]
    fn cyrillic_g0_and_g1() {
        let bytes = cat(&[&esc("(N"), b"mOSKWA", &esc("(B"), b" 1998"]);
        assert_eq!(decode(&bytes), "Москва 1998");
        let bytes = cat(&[
            &esc(")N"),
            &[0xF2, 0xD5, 0xD3, 0xD3, 0xCB, 0xC9, 0xCA],
            b" 2",
        ]);
        assert_eq!(decode(&bytes), "Русский 2");
        let bytes = cat(&[&esc("(N"), b"`"]);
        assert_eq!(decode(&bytes), "Ю");
        let bytes = cat(&[&esc("(Q"), b"DF", &esc("(B"), b"!"]);
        assert_eq!(decode(&bytes), "ёі!");
    }

    #[test]
    fn greek_sets_subscripts_and_superscripts() {
        let h2o = cat(&[b"H", &esc("b"), b"2", &esc("s"), b"O"]);
        assert_eq!(decode(&h2o), "H₂O");
        let square = cat(&[b"x", &esc("p"), b"2", &esc("s"), b"+1"]);
        assert_eq!(decode(&square), "x²+1");
        let alpha = cat(&[&esc("g"), b"abc", &esc("s")]);
        assert_eq!(decode(&alpha), "αβγ");
        let greek = cat(&[&esc("(S"), b"\"akFu", &esc("(B")]);
        assert_eq!(decode(&greek), "άθΕρ");
    }

    #[test]
    fn unsupported_sets_become_replacement_characters() {
        let cjk = cat(&[&esc("$1"), b"!S+!#!", &esc("(B"), b"x"]);
        assert_eq!(decode(&cjk), "\u{FFFD}\u{FFFD}x");
        let hebrew = cat(&[&esc("(2"), b"ab", &esc("(B"), b"c"]);
        assert_eq!(decode(&hebrew), "\u{FFFD}\u{FFFD}c");
        // A truncated multibyte group still yields one replacement and stops cleanly.
        let cut = cat(&[&esc("$1"), b"!S"]);
        assert_eq!(decode(&cut), "\u{FFFD}");
    }

    #[test]
    fn undefined_codes_and_bad_escapes() {
        assert_eq!(decode(&[b'a', 0xCB, b'b']), "a\u{FFFD}b");
        assert_eq!(decode(b"linn\x1Benne"), "linnenne");
        assert_eq!(decode(b"x\x1B"), "x");
        assert_eq!(decode(b"x\x1B(\x01y"), "x(\u{1}y");
        // Non-sort markers vanish.
        assert_eq!(decode(b"\x88The \x89title"), "The title");
    }

    #[test]
    fn decoder_state_carries_across_calls_until_reset() {
        let mut d = Decoder::new();
        let mut out = String::new();
        d.decode_into(&cat(&[&esc("(N"), b"DA"]), &mut out);
        d.decode_into(b"NET", &mut out);
        assert_eq!(out, "данет");
        d.reset();
        out.clear();
        d.decode_into(b"NET", &mut out);
        assert_eq!(out, "NET");
    }

    #[test]
    fn compose_utf8_text() {
        assert_eq!(compose("Tournier e\u{301}"), "Tournier é");
        assert!(matches!(compose("plain"), Cow::Borrowed(_)));
        assert_eq!(compose("Presvi\u{361}atoi\u{306}"), "Presvi\u{361}atoĭ");
        assert_eq!(compose("\u{301}x"), "\u{301}x");
        assert_eq!(compose("a\u{323}\u{302}"), "ậ");
        assert_eq!(compose("a\u{302}\u{323}"), "ậ");
    }

    #[test]
    fn tables_are_sorted() {
        assert!(
            COMPOSITIONS
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
        );
        assert!(COMBINING_CLASSES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn never_panics_on_random_bytes() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    // Bias towards escapes and the interesting ranges.
                    match r % 8 {
                        0 => ESC,
                        1 => b"()$,-!1NQSgbpsEB"[(r >> 8) as usize % 16],
                        _ => (r >> 16) as u8,
                    }
                })
                .collect();
            let _ = decode(&bytes);
        }
    }
}
