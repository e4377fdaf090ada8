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

/// Canonical compositions (base, combining mark) -> precomposed letter, sorted.
/// Generated from the Unicode Character Database (Latin, Greek and Cyrillic blocks).
#[rustfmt::skip]
const COMPOSITIONS: &[(char, char, char)] = &[
    ('A', '\u{300}', 'À'),
    ('A', '\u{301}', 'Á'),
    ('A', '\u{302}', 'Â'),
    ('A', '\u{303}', 'Ã'),
    ('A', '\u{304}', 'Ā'),
    ('A', '\u{306}', 'Ă'),
    ('A', '\u{307}', 'Ȧ'),
    ('A', '\u{308}', 'Ä'),
    ('A', '\u{309}', 'Ả'),
    ('A', '\u{30a}', 'Å'),
    ('A', '\u{30c}', 'Ǎ'),
    ('A', '\u{30f}', 'Ȁ'),
    ('A', '\u{311}', 'Ȃ'),
    ('A', '\u{323}', 'Ạ'),
    ('A', '\u{325}', 'Ḁ'),
    ('A', '\u{328}', 'Ą'),
    ('B', '\u{307}', 'Ḃ'),
    ('B', '\u{323}', 'Ḅ'),
    ('B', '\u{331}', 'Ḇ'),
    ('C', '\u{301}', 'Ć'),
    ('C', '\u{302}', 'Ĉ'),
    ('C', '\u{307}', 'Ċ'),
    ('C', '\u{30c}', 'Č'),
    ('C', '\u{327}', 'Ç'),
    ('D', '\u{307}', 'Ḋ'),
    ('D', '\u{30c}', 'Ď'),
    ('D', '\u{323}', 'Ḍ'),
    ('D', '\u{327}', 'Ḑ'),
    ('D', '\u{32d}', 'Ḓ'),
    ('D', '\u{331}', 'Ḏ'),
    ('E', '\u{300}', 'È'),
    ('E', '\u{301}', 'É'),
    ('E', '\u{302}', 'Ê'),
    ('E', '\u{303}', 'Ẽ'),
    ('E', '\u{304}', 'Ē'),
    ('E', '\u{306}', 'Ĕ'),
    ('E', '\u{307}', 'Ė'),
    ('E', '\u{308}', 'Ë'),
    ('E', '\u{309}', 'Ẻ'),
    ('E', '\u{30c}', 'Ě'),
    ('E', '\u{30f}', 'Ȅ'),
    ('E', '\u{311}', 'Ȇ'),
    ('E', '\u{323}', 'Ẹ'),
    ('E', '\u{327}', 'Ȩ'),
    ('E', '\u{328}', 'Ę'),
    ('E', '\u{32d}', 'Ḙ'),
    ('E', '\u{330}', 'Ḛ'),
    ('F', '\u{307}', 'Ḟ'),
    ('G', '\u{301}', 'Ǵ'),
    ('G', '\u{302}', 'Ĝ'),
    ('G', '\u{304}', 'Ḡ'),
    ('G', '\u{306}', 'Ğ'),
    ('G', '\u{307}', 'Ġ'),
    ('G', '\u{30c}', 'Ǧ'),
    ('G', '\u{327}', 'Ģ'),
    ('H', '\u{302}', 'Ĥ'),
    ('H', '\u{307}', 'Ḣ'),
    ('H', '\u{308}', 'Ḧ'),
    ('H', '\u{30c}', 'Ȟ'),
    ('H', '\u{323}', 'Ḥ'),
    ('H', '\u{327}', 'Ḩ'),
    ('H', '\u{32e}', 'Ḫ'),
    ('I', '\u{300}', 'Ì'),
    ('I', '\u{301}', 'Í'),
    ('I', '\u{302}', 'Î'),
    ('I', '\u{303}', 'Ĩ'),
    ('I', '\u{304}', 'Ī'),
    ('I', '\u{306}', 'Ĭ'),
    ('I', '\u{307}', 'İ'),
    ('I', '\u{308}', 'Ï'),
    ('I', '\u{309}', 'Ỉ'),
    ('I', '\u{30c}', 'Ǐ'),
    ('I', '\u{30f}', 'Ȉ'),
    ('I', '\u{311}', 'Ȋ'),
    ('I', '\u{323}', 'Ị'),
    ('I', '\u{328}', 'Į'),
    ('I', '\u{330}', 'Ḭ'),
    ('J', '\u{302}', 'Ĵ'),
    ('K', '\u{301}', 'Ḱ'),
    ('K', '\u{30c}', 'Ǩ'),
    ('K', '\u{323}', 'Ḳ'),
    ('K', '\u{327}', 'Ķ'),
    ('K', '\u{331}', 'Ḵ'),
    ('L', '\u{301}', 'Ĺ'),
    ('L', '\u{30c}', 'Ľ'),
    ('L', '\u{323}', 'Ḷ'),
    ('L', '\u{327}', 'Ļ'),
    ('L', '\u{32d}', 'Ḽ'),
    ('L', '\u{331}', 'Ḻ'),
    ('M', '\u{301}', 'Ḿ'),
    ('M', '\u{307}', 'Ṁ'),
    ('M', '\u{323}', 'Ṃ'),
    ('N', '\u{300}', 'Ǹ'),
    ('N', '\u{301}', 'Ń'),
    ('N', '\u{303}', 'Ñ'),
    ('N', '\u{307}', 'Ṅ'),
    ('N', '\u{30c}', 'Ň'),
    ('N', '\u{323}', 'Ṇ'),
    ('N', '\u{327}', 'Ņ'),
    ('N', '\u{32d}', 'Ṋ'),
    ('N', '\u{331}', 'Ṉ'),
    ('O', '\u{300}', 'Ò'),
    ('O', '\u{301}', 'Ó'),
    ('O', '\u{302}', 'Ô'),
    ('O', '\u{303}', 'Õ'),
    ('O', '\u{304}', 'Ō'),
    ('O', '\u{306}', 'Ŏ'),
    ('O', '\u{307}', 'Ȯ'),
    ('O', '\u{308}', 'Ö'),
    ('O', '\u{309}', 'Ỏ'),
    ('O', '\u{30b}', 'Ő'),
    ('O', '\u{30c}', 'Ǒ'),
    ('O', '\u{30f}', 'Ȍ'),
    ('O', '\u{311}', 'Ȏ'),
    ('O', '\u{31b}', 'Ơ'),
    ('O', '\u{323}', 'Ọ'),
    ('O', '\u{328}', 'Ǫ'),
    ('P', '\u{301}', 'Ṕ'),
    ('P', '\u{307}', 'Ṗ'),
    ('R', '\u{301}', 'Ŕ'),
    ('R', '\u{307}', 'Ṙ'),
    ('R', '\u{30c}', 'Ř'),
    ('R', '\u{30f}', 'Ȑ'),
    ('R', '\u{311}', 'Ȓ'),
    ('R', '\u{323}', 'Ṛ'),
    ('R', '\u{327}', 'Ŗ'),
    ('R', '\u{331}', 'Ṟ'),
    ('S', '\u{301}', 'Ś'),
    ('S', '\u{302}', 'Ŝ'),
    ('S', '\u{307}', 'Ṡ'),
    ('S', '\u{30c}', 'Š'),
    ('S', '\u{323}', 'Ṣ'),
    ('S', '\u{326}', 'Ș'),
    ('S', '\u{327}', 'Ş'),
    ('T', '\u{307}', 'Ṫ'),
    ('T', '\u{30c}', 'Ť'),
    ('T', '\u{323}', 'Ṭ'),
    ('T', '\u{326}', 'Ț'),
    ('T', '\u{327}', 'Ţ'),
    ('T', '\u{32d}', 'Ṱ'),
    ('T', '\u{331}', 'Ṯ'),
    ('U', '\u{300}', 'Ù'),
    ('U', '\u{301}', 'Ú'),
    ('U', '\u{302}', 'Û'),
    ('U', '\u{303}', 'Ũ'),
    ('U', '\u{304}', 'Ū'),
    ('U', '\u{306}', 'Ŭ'),
    ('U', '\u{308}', 'Ü'),
    ('U', '\u{309}', 'Ủ'),
    ('U', '\u{30a}', 'Ů'),
    ('U', '\u{30b}', 'Ű'),
    ('U', '\u{30c}', 'Ǔ'),
    ('U', '\u{30f}', 'Ȕ'),
    ('U', '\u{311}', 'Ȗ'),
    ('U', '\u{31b}', 'Ư'),
    ('U', '\u{323}', 'Ụ'),
    ('U', '\u{324}', 'Ṳ'),
    ('U', '\u{328}', 'Ų'),
    ('U', '\u{32d}', 'Ṷ'),
    ('U', '\u{330}', 'Ṵ'),
    ('V', '\u{303}', 'Ṽ'),
    ('V', '\u{323}', 'Ṿ'),
    ('W', '\u{300}', 'Ẁ'),
    ('W', '\u{301}', 'Ẃ'),
    ('W', '\u{302}', 'Ŵ'),
    ('W', '\u{307}', 'Ẇ'),
    ('W', '\u{308}', 'Ẅ'),
    ('W', '\u{323}', 'Ẉ'),
    ('X', '\u{307}', 'Ẋ'),
    ('X', '\u{308}', 'Ẍ'),
    ('Y', '\u{300}', 'Ỳ'),
    ('Y', '\u{301}', 'Ý'),
    ('Y', '\u{302}', 'Ŷ'),
    ('Y', '\u{303}', 'Ỹ'),
    ('Y', '\u{304}', 'Ȳ'),
    ('Y', '\u{307}', 'Ẏ'),
    ('Y', '\u{308}', 'Ÿ'),
    ('Y', '\u{309}', 'Ỷ'),
    ('Y', '\u{323}', 'Ỵ'),
    ('Z', '\u{301}', 'Ź'),
    ('Z', '\u{302}', 'Ẑ'),
    ('Z', '\u{307}', 'Ż'),
    ('Z', '\u{30c}', 'Ž'),
    ('Z', '\u{323}', 'Ẓ'),
    ('Z', '\u{331}', 'Ẕ'),
    ('a', '\u{300}', 'à'),
    ('a', '\u{301}', 'á'),
    ('a', '\u{302}', 'â'),
    ('a', '\u{303}', 'ã'),
    ('a', '\u{304}', 'ā'),
    ('a', '\u{306}', 'ă'),
    ('a', '\u{307}', 'ȧ'),
    ('a', '\u{308}', 'ä'),
    ('a', '\u{309}', 'ả'),
    ('a', '\u{30a}', 'å'),
    ('a', '\u{30c}', 'ǎ'),
    ('a', '\u{30f}', 'ȁ'),
    ('a', '\u{311}', 'ȃ'),
    ('a', '\u{323}', 'ạ'),
    ('a', '\u{325}', 'ḁ'),
    ('a', '\u{328}', 'ą'),
    ('b', '\u{307}', 'ḃ'),
    ('b', '\u{323}', 'ḅ'),
    ('b', '\u{331}', 'ḇ'),
    ('c', '\u{301}', 'ć'),
    ('c', '\u{302}', 'ĉ'),
    ('c', '\u{307}', 'ċ'),
    ('c', '\u{30c}', 'č'),
    ('c', '\u{327}', 'ç'),
    ('d', '\u{307}', 'ḋ'),
    ('d', '\u{30c}', 'ď'),
    ('d', '\u{323}', 'ḍ'),
    ('d', '\u{327}', 'ḑ'),
    ('d', '\u{32d}', 'ḓ'),
    ('d', '\u{331}', 'ḏ'),
    ('e', '\u{300}', 'è'),
    ('e', '\u{301}', 'é'),
    ('e', '\u{302}', 'ê'),
    ('e', '\u{303}', 'ẽ'),
    ('e', '\u{304}', 'ē'),
    ('e', '\u{306}', 'ĕ'),
    ('e', '\u{307}', 'ė'),
    ('e', '\u{308}', 'ë'),
    ('e', '\u{309}', 'ẻ'),
    ('e', '\u{30c}', 'ě'),
    ('e', '\u{30f}', 'ȅ'),
    ('e', '\u{311}', 'ȇ'),
    ('e', '\u{323}', 'ẹ'),
    ('e', '\u{327}', 'ȩ'),
    ('e', '\u{328}', 'ę'),
    ('e', '\u{32d}', 'ḙ'),
    ('e', '\u{330}', 'ḛ'),
    ('f', '\u{307}', 'ḟ'),
    ('g', '\u{301}', 'ǵ'),
    ('g', '\u{302}', 'ĝ'),
    ('g', '\u{304}', 'ḡ'),
    ('g', '\u{306}', 'ğ'),
    ('g', '\u{307}', 'ġ'),
    ('g', '\u{30c}', 'ǧ'),
    ('g', '\u{327}', 'ģ'),
    ('h', '\u{302}', 'ĥ'),
    ('h', '\u{307}', 'ḣ'),
    ('h', '\u{308}', 'ḧ'),
    ('h', '\u{30c}', 'ȟ'),
    ('h', '\u{323}', 'ḥ'),
    ('h', '\u{327}', 'ḩ'),
    ('h', '\u{32e}', 'ḫ'),
    ('h', '\u{331}', 'ẖ'),
    ('i', '\u{300}', 'ì'),
    ('i', '\u{301}', 'í'),
    ('i', '\u{302}', 'î'),
    ('i', '\u{303}', 'ĩ'),
    ('i', '\u{304}', 'ī'),
    ('i', '\u{306}', 'ĭ'),
    ('i', '\u{308}', 'ï'),
    ('i', '\u{309}', 'ỉ'),
    ('i', '\u{30c}', 'ǐ'),
    ('i', '\u{30f}', 'ȉ'),
    ('i', '\u{311}', 'ȋ'),
    ('i', '\u{323}', 'ị'),
    ('i', '\u{328}', 'į'),
    ('i', '\u{330}', 'ḭ'),
    ('j', '\u{302}', 'ĵ'),
    ('j', '\u{30c}', 'ǰ'),
    ('k', '\u{301}', 'ḱ'),
    ('k', '\u{30c}', 'ǩ'),
    ('k', '\u{323}', 'ḳ'),
    ('k', '\u{327}', 'ķ'),
    ('k', '\u{331}', 'ḵ'),
    ('l', '\u{301}', 'ĺ'),
    ('l', '\u{30c}', 'ľ'),
    ('l', '\u{323}', 'ḷ'),
    ('l', '\u{327}', 'ļ'),
    ('l', '\u{32d}', 'ḽ'),
    ('l', '\u{331}', 'ḻ'),
    ('m', '\u{301}', 'ḿ'),
    ('m', '\u{307}', 'ṁ'),
    ('m', '\u{323}', 'ṃ'),
    ('n', '\u{300}', 'ǹ'),
    ('n', '\u{301}', 'ń'),
    ('n', '\u{303}', 'ñ'),
    ('n', '\u{307}', 'ṅ'),
    ('n', '\u{30c}', 'ň'),
    ('n', '\u{323}', 'ṇ'),
    ('n', '\u{327}', 'ņ'),
    ('n', '\u{32d}', 'ṋ'),
    ('n', '\u{331}', 'ṉ'),
    ('o', '\u{300}', 'ò'),
    ('o', '\u{301}', 'ó'),
    ('o', '\u{302}', 'ô'),
    ('o', '\u{303}', 'õ'),
    ('o', '\u{304}', 'ō'),
    ('o', '\u{306}', 'ŏ'),
    ('o', '\u{307}', 'ȯ'),
    ('o', '\u{308}', 'ö'),
    ('o', '\u{309}', 'ỏ'),
    ('o', '\u{30b}', 'ő'),
    ('o', '\u{30c}', 'ǒ'),
    ('o', '\u{30f}', 'ȍ'),
    ('o', '\u{311}', 'ȏ'),
    ('o', '\u{31b}', 'ơ'),
    ('o', '\u{323}', 'ọ'),
    ('o', '\u{328}', 'ǫ'),
    ('p', '\u{301}', 'ṕ'),
    ('p', '\u{307}', 'ṗ'),
    ('r', '\u{301}', 'ŕ'),
    ('r', '\u{307}', 'ṙ'),
    ('r', '\u{30c}', 'ř'),
    ('r', '\u{30f}', 'ȑ'),
    ('r', '\u{311}', 'ȓ'),
    ('r', '\u{323}', 'ṛ'),
    ('r', '\u{327}', 'ŗ'),
    ('r', '\u{331}', 'ṟ'),
    ('s', '\u{301}', 'ś'),
    ('s', '\u{302}', 'ŝ'),
    ('s', '\u{307}', 'ṡ'),
    ('s', '\u{30c}', 'š'),
    ('s', '\u{323}', 'ṣ'),
    ('s', '\u{326}', 'ș'),
    ('s', '\u{327}', 'ş'),
    ('t', '\u{307}', 'ṫ'),
    ('t', '\u{308}', 'ẗ'),
    ('t', '\u{30c}', 'ť'),
    ('t', '\u{323}', 'ṭ'),
    ('t', '\u{326}', 'ț'),
    ('t', '\u{327}', 'ţ'),
    ('t', '\u{32d}', 'ṱ'),
    ('t', '\u{331}', 'ṯ'),
    ('u', '\u{300}', 'ù'),
    ('u', '\u{301}', 'ú'),
    ('u', '\u{302}', 'û'),
    ('u', '\u{303}', 'ũ'),
    ('u', '\u{304}', 'ū'),
    ('u', '\u{306}', 'ŭ'),
    ('u', '\u{308}', 'ü'),
    ('u', '\u{309}', 'ủ'),
    ('u', '\u{30a}', 'ů'),
    ('u', '\u{30b}', 'ű'),
    ('u', '\u{30c}', 'ǔ'),
    ('u', '\u{30f}', 'ȕ'),
    ('u', '\u{311}', 'ȗ'),
    ('u', '\u{31b}', 'ư'),
    ('u', '\u{323}', 'ụ'),
    ('u', '\u{324}', 'ṳ'),
    ('u', '\u{328}', 'ų'),
    ('u', '\u{32d}', 'ṷ'),
    ('u', '\u{330}', 'ṵ'),
    ('v', '\u{303}', 'ṽ'),
    ('v', '\u{323}', 'ṿ'),
    ('w', '\u{300}', 'ẁ'),
    ('w', '\u{301}', 'ẃ'),
    ('w', '\u{302}', 'ŵ'),
    ('w', '\u{307}', 'ẇ'),
    ('w', '\u{308}', 'ẅ'),
    ('w', '\u{30a}', 'ẘ'),
    ('w', '\u{323}', 'ẉ'),
    ('x', '\u{307}', 'ẋ'),
    ('x', '\u{308}', 'ẍ'),
    ('y', '\u{300}', 'ỳ'),
    ('y', '\u{301}', 'ý'),
    ('y', '\u{302}', 'ŷ'),
    ('y', '\u{303}', 'ỹ'),
    ('y', '\u{304}', 'ȳ'),
    ('y', '\u{307}', 'ẏ'),
    ('y', '\u{308}', 'ÿ'),
    ('y', '\u{309}', 'ỷ'),
    ('y', '\u{30a}', 'ẙ'),
    ('y', '\u{323}', 'ỵ'),
    ('z', '\u{301}', 'ź'),
    ('z', '\u{302}', 'ẑ'),
    ('z', '\u{307}', 'ż'),
    ('z', '\u{30c}', 'ž'),
    ('z', '\u{323}', 'ẓ'),
    ('z', '\u{331}', 'ẕ'),
    ('¨', '\u{300}', '῭'),
    ('¨', '\u{301}', '΅'),
    ('¨', '\u{342}', '῁'),
    ('Â', '\u{300}', 'Ầ'),
    ('Â', '\u{301}', 'Ấ'),
    ('Â', '\u{303}', 'Ẫ'),
    ('Â', '\u{309}', 'Ẩ'),
    ('Ä', '\u{304}', 'Ǟ'),
    ('Å', '\u{301}', 'Ǻ'),
    ('Æ', '\u{301}', 'Ǽ'),
    ('Æ', '\u{304}', 'Ǣ'),
    ('Ç', '\u{301}', 'Ḉ'),
    ('Ê', '\u{300}', 'Ề'),
    ('Ê', '\u{301}', 'Ế'),
    ('Ê', '\u{303}', 'Ễ'),
    ('Ê', '\u{309}', 'Ể'),
    ('Ï', '\u{301}', 'Ḯ'),
    ('Ô', '\u{300}', 'Ồ'),
    ('Ô', '\u{301}', 'Ố'),
    ('Ô', '\u{303}', 'Ỗ'),
    ('Ô', '\u{309}', 'Ổ'),
    ('Õ', '\u{301}', 'Ṍ'),
    ('Õ', '\u{304}', 'Ȭ'),
    ('Õ', '\u{308}', 'Ṏ'),
    ('Ö', '\u{304}', 'Ȫ'),
    ('Ø', '\u{301}', 'Ǿ'),
    ('Ü', '\u{300}', 'Ǜ'),
    ('Ü', '\u{301}', 'Ǘ'),
    ('Ü', '\u{304}', 'Ǖ'),
    ('Ü', '\u{30c}', 'Ǚ'),
    ('â', '\u{300}', 'ầ'),
    ('â', '\u{301}', 'ấ'),
    ('â', '\u{303}', 'ẫ'),
    ('â', '\u{309}', 'ẩ'),
    ('ä', '\u{304}', 'ǟ'),
    ('å', '\u{301}', 'ǻ'),
    ('æ', '\u{301}', 'ǽ'),
    ('æ', '\u{304}', 'ǣ'),
    ('ç', '\u{301}', 'ḉ'),
    ('ê', '\u{300}', 'ề'),
    ('ê', '\u{301}', 'ế'),
    ('ê', '\u{303}', 'ễ'),
    ('ê', '\u{309}', 'ể'),
    ('ï', '\u{301}', 'ḯ'),
    ('ô', '\u{300}', 'ồ'),
    ('ô', '\u{301}', 'ố'),
    ('ô', '\u{303}', 'ỗ'),
    ('ô', '\u{309}', 'ổ'),
    ('õ', '\u{301}', 'ṍ'),
    ('õ', '\u{304}', 'ȭ'),
    ('õ', '\u{308}', 'ṏ'),
    ('ö', '\u{304}', 'ȫ'),
    ('ø', '\u{301}', 'ǿ'),
    ('ü', '\u{300}', 'ǜ'),
    ('ü', '\u{301}', 'ǘ'),
    ('ü', '\u{304}', 'ǖ'),
    ('ü', '\u{30c}', 'ǚ'),
    ('Ă', '\u{300}', 'Ằ'),
    ('Ă', '\u{301}', 'Ắ'),
    ('Ă', '\u{303}', 'Ẵ'),
    ('Ă', '\u{309}', 'Ẳ'),
    ('ă', '\u{300}', 'ằ'),
    ('ă', '\u{301}', 'ắ'),
    ('ă', '\u{303}', 'ẵ'),
    ('ă', '\u{309}', 'ẳ'),
    ('Ē', '\u{300}', 'Ḕ'),
    ('Ē', '\u{301}', 'Ḗ'),
    ('ē', '\u{300}', 'ḕ'),
    ('ē', '\u{301}', 'ḗ'),
    ('Ō', '\u{300}', 'Ṑ'),
    ('Ō', '\u{301}', 'Ṓ'),
    ('ō', '\u{300}', 'ṑ'),
    ('ō', '\u{301}', 'ṓ'),
    ('Ś', '\u{307}', 'Ṥ'),
    ('ś', '\u{307}', 'ṥ'),
    ('Š', '\u{307}', 'Ṧ'),
    ('š', '\u{307}', 'ṧ'),
    ('Ũ', '\u{301}', 'Ṹ'),
    ('ũ', '\u{301}', 'ṹ'),
    ('Ū', '\u{308}', 'Ṻ'),
    ('ū', '\u{308}', 'ṻ'),
    ('ſ', '\u{307}', 'ẛ'),
    ('Ơ', '\u{300}', 'Ờ'),
    ('Ơ', '\u{301}', 'Ớ'),
    ('Ơ', '\u{303}', 'Ỡ'),
    ('Ơ', '\u{309}', 'Ở'),
    ('Ơ', '\u{323}', 'Ợ'),
    ('ơ', '\u{300}', 'ờ'),
    ('ơ', '\u{301}', 'ớ'),
    ('ơ', '\u{303}', 'ỡ'),
    ('ơ', '\u{309}', 'ở'),
    ('ơ', '\u{323}', 'ợ'),
    ('Ư', '\u{300}', 'Ừ'),
    ('Ư', '\u{301}', 'Ứ'),
    ('Ư', '\u{303}', 'Ữ'),
    ('Ư', '\u{309}', 'Ử'),
    ('Ư', '\u{323}', 'Ự'),
    ('ư', '\u{300}', 'ừ'),
    ('ư', '\u{301}', 'ứ'),
    ('ư', '\u{303}', 'ữ'),
    ('ư', '\u{309}', 'ử'),
    ('ư', '\u{323}', 'ự'),
    ('Ʒ', '\u{30c}', 'Ǯ'),
    ('Ǫ', '\u{304}', 'Ǭ'),
    ('ǫ', '\u{304}', 'ǭ'),
    ('Ȧ', '\u{304}', 'Ǡ'),
    ('ȧ', '\u{304}', 'ǡ'),
    ('Ȩ', '\u{306}', 'Ḝ'),
    ('ȩ', '\u{306}', 'ḝ'),
    ('Ȯ', '\u{304}', 'Ȱ'),
    ('ȯ', '\u{304}', 'ȱ'),
    ('ʒ', '\u{30c}', 'ǯ'),
    ('Α', '\u{300}', 'Ὰ'),
    ('Α', '\u{301}', 'Ά'),
    ('Α', '\u{304}', 'Ᾱ'),
    ('Α', '\u{306}', 'Ᾰ'),
    ('Α', '\u{313}', 'Ἀ'),
    ('Α', '\u{314}', 'Ἁ'),
    ('Α', '\u{345}', 'ᾼ'),
    ('Ε', '\u{300}', 'Ὲ'),
    ('Ε', '\u{301}', 'Έ'),
    ('Ε', '\u{313}', 'Ἐ'),
    ('Ε', '\u{314}', 'Ἑ'),
    ('Η', '\u{300}', 'Ὴ'),
    ('Η', '\u{301}', 'Ή'),
    ('Η', '\u{313}', 'Ἠ'),
    ('Η', '\u{314}', 'Ἡ'),
    ('Η', '\u{345}', 'ῌ'),
    ('Ι', '\u{300}', 'Ὶ'),
    ('Ι', '\u{301}', 'Ί'),
    ('Ι', '\u{304}', 'Ῑ'),
    ('Ι', '\u{306}', 'Ῐ'),
    ('Ι', '\u{308}', 'Ϊ'),
    ('Ι', '\u{313}', 'Ἰ'),
    ('Ι', '\u{314}', 'Ἱ'),
    ('Ο', '\u{300}', 'Ὸ'),
    ('Ο', '\u{301}', 'Ό'),
    ('Ο', '\u{313}', 'Ὀ'),
    ('Ο', '\u{314}', 'Ὁ'),
    ('Ρ', '\u{314}', 'Ῥ'),
    ('Υ', '\u{300}', 'Ὺ'),
    ('Υ', '\u{301}', 'Ύ'),
    ('Υ', '\u{304}', 'Ῡ'),
    ('Υ', '\u{306}', 'Ῠ'),
    ('Υ', '\u{308}', 'Ϋ'),
    ('Υ', '\u{314}', 'Ὑ'),
    ('Ω', '\u{300}', 'Ὼ'),
    ('Ω', '\u{301}', 'Ώ'),
    ('Ω', '\u{313}', 'Ὠ'),
    ('Ω', '\u{314}', 'Ὡ'),
    ('Ω', '\u{345}', 'ῼ'),
    ('ά', '\u{345}', 'ᾴ'),
    ('ή', '\u{345}', 'ῄ'),
    ('α', '\u{300}', 'ὰ'),
    ('α', '\u{301}', 'ά'),
    ('α', '\u{304}', 'ᾱ'),
    ('α', '\u{306}', 'ᾰ'),
    ('α', '\u{313}', 'ἀ'),
    ('α', '\u{314}', 'ἁ'),
    ('α', '\u{342}', 'ᾶ'),
    ('α', '\u{345}', 'ᾳ'),
    ('ε', '\u{300}', 'ὲ'),
    ('ε', '\u{301}', 'έ'),
    ('ε', '\u{313}', 'ἐ'),
    ('ε', '\u{314}', 'ἑ'),
    ('η', '\u{300}', 'ὴ'),
    ('η', '\u{301}', 'ή'),
    ('η', '\u{313}', 'ἠ'),
    ('η', '\u{314}', 'ἡ'),
    ('η', '\u{342}', 'ῆ'),
    ('η', '\u{345}', 'ῃ'),
    ('ι', '\u{300}', 'ὶ'),
    ('ι', '\u{301}', 'ί'),
    ('ι', '\u{304}', 'ῑ'),
    ('ι', '\u{306}', 'ῐ'),
    ('ι', '\u{308}', 'ϊ'),
    ('ι', '\u{313}', 'ἰ'),
    ('ι', '\u{314}', 'ἱ'),
    ('ι', '\u{342}', 'ῖ'),
    ('ο', '\u{300}', 'ὸ'),
    ('ο', '\u{301}', 'ό'),
    ('ο', '\u{313}', 'ὀ'),
    ('ο', '\u{314}', 'ὁ'),
    ('ρ', '\u{313}', 'ῤ'),
    ('ρ', '\u{314}', 'ῥ'),
    ('υ', '\u{300}', 'ὺ'),
    ('υ', '\u{301}', 'ύ'),
    ('υ', '\u{304}', 'ῡ'),
    ('υ', '\u{306}', 'ῠ'),
    ('υ', '\u{308}', 'ϋ'),
    ('υ', '\u{313}', 'ὐ'),
    ('υ', '\u{314}', 'ὑ'),
    ('υ', '\u{342}', 'ῦ'),
    ('ω', '\u{300}', 'ὼ'),
    ('ω', '\u{301}', 'ώ'),
    ('ω', '\u{313}', 'ὠ'),
    ('ω', '\u{314}', 'ὡ'),
    ('ω', '\u{342}', 'ῶ'),
    ('ω', '\u{345}', 'ῳ'),
    ('ϊ', '\u{300}', 'ῒ'),
    ('ϊ', '\u{301}', 'ΐ'),
    ('ϊ', '\u{342}', 'ῗ'),
    ('ϋ', '\u{300}', 'ῢ'),
    ('ϋ', '\u{301}', 'ΰ'),
    ('ϋ', '\u{342}', 'ῧ'),
    ('ώ', '\u{345}', 'ῴ'),
    ('ϒ', '\u{301}', 'ϓ'),
    ('ϒ', '\u{308}', 'ϔ'),
    ('І', '\u{308}', 'Ї'),
    ('А', '\u{306}', 'Ӑ'),
    ('А', '\u{308}', 'Ӓ'),
    ('Г', '\u{301}', 'Ѓ'),
    ('Е', '\u{300}', 'Ѐ'),
    ('Е', '\u{306}', 'Ӗ'),
    ('Е', '\u{308}', 'Ё'),
    ('Ж', '\u{306}', 'Ӂ'),
    ('Ж', '\u{308}', 'Ӝ'),
    ('З', '\u{308}', 'Ӟ'),
    ('И', '\u{300}', 'Ѝ'),
    ('И', '\u{304}', 'Ӣ'),
    ('И', '\u{306}', 'Й'),
    ('И', '\u{308}', 'Ӥ'),
    ('К', '\u{301}', 'Ќ'),
    ('О', '\u{308}', 'Ӧ'),
    ('У', '\u{304}', 'Ӯ'),
    ('У', '\u{306}', 'Ў'),
    ('У', '\u{308}', 'Ӱ'),
    ('У', '\u{30b}', 'Ӳ'),
    ('Ч', '\u{308}', 'Ӵ'),
    ('Ы', '\u{308}', 'Ӹ'),
    ('Э', '\u{308}', 'Ӭ'),
    ('а', '\u{306}', 'ӑ'),
    ('а', '\u{308}', 'ӓ'),
    ('г', '\u{301}', 'ѓ'),
    ('е', '\u{300}', 'ѐ'),
    ('е', '\u{306}', 'ӗ'),
    ('е', '\u{308}', 'ё'),
    ('ж', '\u{306}', 'ӂ'),
    ('ж', '\u{308}', 'ӝ'),
    ('з', '\u{308}', 'ӟ'),
    ('и', '\u{300}', 'ѝ'),
    ('и', '\u{304}', 'ӣ'),
    ('и', '\u{306}', 'й'),
    ('и', '\u{308}', 'ӥ'),
    ('к', '\u{301}', 'ќ'),
    ('о', '\u{308}', 'ӧ'),
    ('у', '\u{304}', 'ӯ'),
    ('у', '\u{306}', 'ў'),
    ('у', '\u{308}', 'ӱ'),
    ('у', '\u{30b}', 'ӳ'),
    ('ч', '\u{308}', 'ӵ'),
    ('ы', '\u{308}', 'ӹ'),
    ('э', '\u{308}', 'ӭ'),
    ('і', '\u{308}', 'ї'),
    ('Ѵ', '\u{30f}', 'Ѷ'),
    ('ѵ', '\u{30f}', 'ѷ'),
    ('Ә', '\u{308}', 'Ӛ'),
    ('ә', '\u{308}', 'ӛ'),
    ('Ө', '\u{308}', 'Ӫ'),
    ('ө', '\u{308}', 'ӫ'),
    ('Ḷ', '\u{304}', 'Ḹ'),
    ('ḷ', '\u{304}', 'ḹ'),
    ('Ṛ', '\u{304}', 'Ṝ'),
    ('ṛ', '\u{304}', 'ṝ'),
    ('Ṣ', '\u{307}', 'Ṩ'),
    ('ṣ', '\u{307}', 'ṩ'),
    ('Ạ', '\u{302}', 'Ậ'),
    ('Ạ', '\u{306}', 'Ặ'),
    ('ạ', '\u{302}', 'ậ'),
    ('ạ', '\u{306}', 'ặ'),
    ('Ẹ', '\u{302}', 'Ệ'),
    ('ẹ', '\u{302}', 'ệ'),
    ('Ọ', '\u{302}', 'Ộ'),
    ('ọ', '\u{302}', 'ộ'),
    ('ἀ', '\u{300}', 'ἂ'),
    ('ἀ', '\u{301}', 'ἄ'),
    ('ἀ', '\u{342}', 'ἆ'),
    ('ἀ', '\u{345}', 'ᾀ'),
    ('ἁ', '\u{300}', 'ἃ'),
    ('ἁ', '\u{301}', 'ἅ'),
    ('ἁ', '\u{342}', 'ἇ'),
    ('ἁ', '\u{345}', 'ᾁ'),
    ('ἂ', '\u{345}', 'ᾂ'),
    ('ἃ', '\u{345}', 'ᾃ'),
    ('ἄ', '\u{345}', 'ᾄ'),
    ('ἅ', '\u{345}', 'ᾅ'),
    ('ἆ', '\u{345}', 'ᾆ'),
    ('ἇ', '\u{345}', 'ᾇ'),
    ('Ἀ', '\u{300}', 'Ἂ'),
    ('Ἀ', '\u{301}', 'Ἄ'),
    ('Ἀ', '\u{342}', 'Ἆ'),
    ('Ἀ', '\u{345}', 'ᾈ'),
    ('Ἁ', '\u{300}', 'Ἃ'),
    ('Ἁ', '\u{301}', 'Ἅ'),
    ('Ἁ', '\u{342}', 'Ἇ'),
    ('Ἁ', '\u{345}', 'ᾉ'),
    ('Ἂ', '\u{345}', 'ᾊ'),
    ('Ἃ', '\u{345}', 'ᾋ'),
    ('Ἄ', '\u{345}', 'ᾌ'),
    ('Ἅ', '\u{345}', 'ᾍ'),
    ('Ἆ', '\u{345}', 'ᾎ'),
    ('Ἇ', '\u{345}', 'ᾏ'),
    ('ἐ', '\u{300}', 'ἒ'),
    ('ἐ', '\u{301}', 'ἔ'),
    ('ἑ', '\u{300}', 'ἓ'),
    ('ἑ', '\u{301}', 'ἕ'),
    ('Ἐ', '\u{300}', 'Ἒ'),
    ('Ἐ', '\u{301}', 'Ἔ'),
    ('Ἑ', '\u{300}', 'Ἓ'),
    ('Ἑ', '\u{301}', 'Ἕ'),
    ('ἠ', '\u{300}', 'ἢ'),
    ('ἠ', '\u{301}', 'ἤ'),
    ('ἠ', '\u{342}', 'ἦ'),
    ('ἠ', '\u{345}', 'ᾐ'),
    ('ἡ', '\u{300}', 'ἣ'),
    ('ἡ', '\u{301}', 'ἥ'),
    ('ἡ', '\u{342}', 'ἧ'),
    ('ἡ', '\u{345}', 'ᾑ'),
    ('ἢ', '\u{345}', 'ᾒ'),
    ('ἣ', '\u{345}', 'ᾓ'),
    ('ἤ', '\u{345}', 'ᾔ'),
    ('ἥ', '\u{345}', 'ᾕ'),
    ('ἦ', '\u{345}', 'ᾖ'),
    ('ἧ', '\u{345}', 'ᾗ'),
    ('Ἠ', '\u{300}', 'Ἢ'),
    ('Ἠ', '\u{301}', 'Ἤ'),
    ('Ἠ', '\u{342}', 'Ἦ'),
    ('Ἠ', '\u{345}', 'ᾘ'),
    ('Ἡ', '\u{300}', 'Ἣ'),
    ('Ἡ', '\u{301}', 'Ἥ'),
    ('Ἡ', '\u{342}', 'Ἧ'),
    ('Ἡ', '\u{345}', 'ᾙ'),
    ('Ἢ', '\u{345}', 'ᾚ'),
    ('Ἣ', '\u{345}', 'ᾛ'),
    ('Ἤ', '\u{345}', 'ᾜ'),
    ('Ἥ', '\u{345}', 'ᾝ'),
    ('Ἦ', '\u{345}', 'ᾞ'),
    ('Ἧ', '\u{345}', 'ᾟ'),
    ('ἰ', '\u{300}', 'ἲ'),
    ('ἰ', '\u{301}', 'ἴ'),
    ('ἰ', '\u{342}', 'ἶ'),
    ('ἱ', '\u{300}', 'ἳ'),
    ('ἱ', '\u{301}', 'ἵ'),
    ('ἱ', '\u{342}', 'ἷ'),
    ('Ἰ', '\u{300}', 'Ἲ'),
    ('Ἰ', '\u{301}', 'Ἴ'),
    ('Ἰ', '\u{342}', 'Ἶ'),
    ('Ἱ', '\u{300}', 'Ἳ'),
    ('Ἱ', '\u{301}', 'Ἵ'),
    ('Ἱ', '\u{342}', 'Ἷ'),
    ('ὀ', '\u{300}', 'ὂ'),
    ('ὀ', '\u{301}', 'ὄ'),
    ('ὁ', '\u{300}', 'ὃ'),
    ('ὁ', '\u{301}', 'ὅ'),
    ('Ὀ', '\u{300}', 'Ὂ'),
    ('Ὀ', '\u{301}', 'Ὄ'),
    ('Ὁ', '\u{300}', 'Ὃ'),
    ('Ὁ', '\u{301}', 'Ὅ'),
    ('ὐ', '\u{300}', 'ὒ'),
    ('ὐ', '\u{301}', 'ὔ'),
    ('ὐ', '\u{342}', 'ὖ'),
    ('ὑ', '\u{300}', 'ὓ'),
    ('ὑ', '\u{301}', 'ὕ'),
    ('ὑ', '\u{342}', 'ὗ'),
    ('Ὑ', '\u{300}', 'Ὓ'),
    ('Ὑ', '\u{301}', 'Ὕ'),
    ('Ὑ', '\u{342}', 'Ὗ'),
    ('ὠ', '\u{300}', 'ὢ'),
    ('ὠ', '\u{301}', 'ὤ'),
    ('ὠ', '\u{342}', 'ὦ'),
    ('ὠ', '\u{345}', 'ᾠ'),
    ('ὡ', '\u{300}', 'ὣ'),
    ('ὡ', '\u{301}', 'ὥ'),
    ('ὡ', '\u{342}', 'ὧ'),
    ('ὡ', '\u{345}', 'ᾡ'),
    ('ὢ', '\u{345}', 'ᾢ'),
    ('ὣ', '\u{345}', 'ᾣ'),
    ('ὤ', '\u{345}', 'ᾤ'),
    ('ὥ', '\u{345}', 'ᾥ'),
    ('ὦ', '\u{345}', 'ᾦ'),
    ('ὧ', '\u{345}', 'ᾧ'),
    ('Ὠ', '\u{300}', 'Ὢ'),
    ('Ὠ', '\u{301}', 'Ὤ'),
    ('Ὠ', '\u{342}', 'Ὦ'),
    ('Ὠ', '\u{345}', 'ᾨ'),
    ('Ὡ', '\u{300}', 'Ὣ'),
    ('Ὡ', '\u{301}', 'Ὥ'),
    ('Ὡ', '\u{342}', 'Ὧ'),
    ('Ὡ', '\u{345}', 'ᾩ'),
    ('Ὢ', '\u{345}', 'ᾪ'),
    ('Ὣ', '\u{345}', 'ᾫ'),
    ('Ὤ', '\u{345}', 'ᾬ'),
    ('Ὥ', '\u{345}', 'ᾭ'),
    ('Ὦ', '\u{345}', 'ᾮ'),
    ('Ὧ', '\u{345}', 'ᾯ'),
    ('ὰ', '\u{345}', 'ᾲ'),
    ('ὴ', '\u{345}', 'ῂ'),
    ('ὼ', '\u{345}', 'ῲ'),
    ('ᾶ', '\u{345}', 'ᾷ'),
    ('᾿', '\u{300}', '῍'),
    ('᾿', '\u{301}', '῎'),
    ('᾿', '\u{342}', '῏'),
    ('ῆ', '\u{345}', 'ῇ'),
    ('ῶ', '\u{345}', 'ῷ'),
    ('῾', '\u{300}', '῝'),
    ('῾', '\u{301}', '῞'),
    ('῾', '\u{342}', '῟'),
];

/// Canonical combining classes of the combining marks this module composes or reorders.
#[rustfmt::skip]
const COMBINING_CLASSES: &[(char, u8)] = &[
    ('\u{300}', 230),
    ('\u{301}', 230),
    ('\u{302}', 230),
    ('\u{303}', 230),
    ('\u{304}', 230),
    ('\u{305}', 230),
    ('\u{306}', 230),
    ('\u{307}', 230),
    ('\u{308}', 230),
    ('\u{309}', 230),
    ('\u{30a}', 230),
    ('\u{30b}', 230),
    ('\u{30c}', 230),
    ('\u{30d}', 230),
    ('\u{30e}', 230),
    ('\u{30f}', 230),
    ('\u{310}', 230),
    ('\u{311}', 230),
    ('\u{312}', 230),
    ('\u{313}', 230),
    ('\u{314}', 230),
    ('\u{315}', 232),
    ('\u{316}', 220),
    ('\u{317}', 220),
    ('\u{318}', 220),
    ('\u{319}', 220),
    ('\u{31a}', 232),
    ('\u{31b}', 216),
    ('\u{31c}', 220),
    ('\u{31d}', 220),
    ('\u{31e}', 220),
    ('\u{31f}', 220),
    ('\u{320}', 220),
    ('\u{321}', 202),
    ('\u{322}', 202),
    ('\u{323}', 220),
    ('\u{324}', 220),
    ('\u{325}', 220),
    ('\u{326}', 220),
    ('\u{327}', 202),
    ('\u{328}', 202),
    ('\u{329}', 220),
    ('\u{32a}', 220),
    ('\u{32b}', 220),
    ('\u{32c}', 220),
    ('\u{32d}', 220),
    ('\u{32e}', 220),
    ('\u{32f}', 220),
    ('\u{330}', 220),
    ('\u{331}', 220),
    ('\u{332}', 220),
    ('\u{333}', 220),
    ('\u{334}', 1),
    ('\u{335}', 1),
    ('\u{336}', 1),
    ('\u{337}', 1),
    ('\u{338}', 1),
    ('\u{339}', 220),
    ('\u{33a}', 220),
    ('\u{33b}', 220),
    ('\u{33c}', 220),
    ('\u{33d}', 230),
    ('\u{33e}', 230),
    ('\u{33f}', 230),
    ('\u{340}', 230),
    ('\u{341}', 230),
    ('\u{342}', 230),
    ('\u{343}', 230),
    ('\u{344}', 230),
    ('\u{345}', 240),
    ('\u{346}', 230),
    ('\u{347}', 220),
    ('\u{348}', 220),
    ('\u{349}', 220),
    ('\u{34a}', 230),
    ('\u{34b}', 230),
    ('\u{34c}', 230),
    ('\u{34d}', 220),
    ('\u{34e}', 220),
    ('\u{350}', 230),
    ('\u{351}', 230),
    ('\u{352}', 230),
    ('\u{353}', 220),
    ('\u{354}', 220),
    ('\u{355}', 220),
    ('\u{356}', 220),
    ('\u{357}', 230),
    ('\u{358}', 232),
    ('\u{359}', 220),
    ('\u{35a}', 220),
    ('\u{35b}', 230),
    ('\u{35c}', 233),
    ('\u{35d}', 234),
    ('\u{35e}', 234),
    ('\u{35f}', 233),
    ('\u{360}', 234),
    ('\u{361}', 234),
    ('\u{362}', 233),
    ('\u{363}', 230),
    ('\u{364}', 230),
    ('\u{365}', 230),
    ('\u{366}', 230),
    ('\u{367}', 230),
    ('\u{368}', 230),
    ('\u{369}', 230),
    ('\u{36a}', 230),
    ('\u{36b}', 230),
    ('\u{36c}', 230),
    ('\u{36d}', 230),
    ('\u{36e}', 230),
    ('\u{36f}', 230),
    ('\u{fe20}', 230),
    ('\u{fe21}', 230),
    ('\u{fe22}', 230),
    ('\u{fe23}', 230),
];

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
