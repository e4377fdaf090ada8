//! Message text as Telegram reads it: HTML parse mode, entities in UTF-16 offsets, trimming.

use super::wire::ApiErr;
use super::*;

pub(super) fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A formatting entity of a sent message (offsets in UTF-16 code units).
pub(super) struct Entity {
    pub(super) offset: usize,
    pub(super) length: usize,
    /// `type` and its extra fields (`url`, `language`).
    pub(super) fields: Map<String, Value>,
}

impl Entity {
    pub(super) fn to_json(&self) -> Value {
        let mut v = Map::new();
        v.insert("offset".into(), json!(self.offset));
        v.insert("length".into(), json!(self.length));
        v.extend(self.fields.clone());
        Value::Object(v)
    }
}

/// The text Telegram would show, with its entities, or the "can't parse entities" error.
pub(super) fn format_text(
    text: &str,
    parse_mode: Option<&str>,
) -> Result<(String, Vec<Entity>), ApiErr> {
    let (plain, entities) = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None => (text.to_string(), Vec::new()),
        Some("html") => parse_html(text)
            .map_err(|e| ApiErr::bad(format!("Bad Request: can't parse entities: {e}")))?,
        // Not checked by this fake.
        Some("markdown" | "markdownv2") => (text.to_string(), Vec::new()),
        Some(_) => return Err(ApiErr::bad("Bad Request: unsupported parse_mode")),
    };
    Ok(trim_text(&plain, entities))
}

/// Telegram drops leading and trailing whitespace; entities are clipped to what is left.
pub(super) fn trim_text(plain: &str, entities: Vec<Entity>) -> (String, Vec<Entity>) {
    let lead: usize = plain
        .chars()
        .take_while(|c| c.is_whitespace())
        .map(char::len_utf16)
        .sum();
    let trimmed = plain.trim();
    let end = lead + utf16_len(trimmed);
    let entities = entities
        .into_iter()
        .filter_map(|e| {
            let from = e.offset.max(lead);
            let to = (e.offset + e.length).min(end);
            (to > from).then(|| Entity {
                offset: from - lead,
                length: to - from,
                fields: e.fields,
            })
        })
        .collect();
    (trimmed.to_string(), entities)
}

pub(super) const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
];

pub(super) struct OpenTag {
    pub(super) name: String,
    /// UTF-16 offset in the output where the tag's content starts.
    pub(super) start: usize,
    /// The entity's `type` and fields; `None` for a link Telegram would ignore.
    pub(super) entity: Option<Map<String, Value>>,
    /// `code`: its `language-*` class; `pre`: the language an inner `code` gave.
    pub(super) language: Option<String>,
}

/// Parses Telegram's HTML style: the allowed tags (balanced), `&lt; &gt; &amp; &quot;` and
/// numeric entities. Returns the plain text and its entities, or an error like Telegram's.
pub(super) fn parse_html(src: &str) -> Result<(String, Vec<Entity>), String> {
    let tag_name_len = |from: usize| {
        src[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(src.len() - from)
    };
    let mut out = String::with_capacity(src.len());
    let mut len16 = 0usize;
    let mut open: Vec<OpenTag> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while let Some(c) = src[i..].chars().next() {
        if c == '&' {
            let (ch, used) = decode_entity(&src[i..]).ok_or_else(|| {
                format!("Character '&' at byte offset {i} must be escaped as \"&amp;\"")
            })?;
            out.push(ch);
            len16 += ch.len_utf16();
            i += used;
        } else if c == '<' && src[i..].starts_with("</") {
            let name_at = i + 2;
            let name_end = name_at + tag_name_len(name_at);
            let name = src[name_at..name_end].to_ascii_lowercase();
            let close = skip_space(src, name_end);
            if !src[close..].starts_with('>') {
                return Err(format!("Unclosed end tag at byte offset {i}"));
            }
            let Some(tag) = open.pop() else {
                return Err(format!("Unexpected end tag at byte offset {i}"));
            };
            if tag.name != name {
                return Err(format!(
                    "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                    tag.name
                ));
            }
            close_tag(tag, len16, &mut open, &mut entities);
            i = close + 1;
        } else if c == '<' {
            let name_at = i + 1;
            let name_end = name_at + tag_name_len(name_at);
            let name = src[name_at..name_end].to_ascii_lowercase();
            if !HTML_TAGS.contains(&name.as_str()) {
                return Err(format!(
                    "Unsupported start tag \"{name}\" at byte offset {i}"
                ));
            }
            let (attrs, after) = parse_attributes(src, name_end)
                .ok_or_else(|| format!("Unclosed start tag at byte offset {i}"))?;
            open.push(open_tag(name, &attrs, len16, i)?);
            i = after;
        } else {
            out.push(c);
            len16 += c.len_utf16();
            i += c.len_utf8();
        }
    }
    if let Some(tag) = open.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            tag.name
        ));
    }
    entities.sort_by_key(|e: &Entity| (e.offset, Reverse(e.length)));
    Ok((out, entities))
}

pub(super) fn skip_space(src: &str, from: usize) -> usize {
    from + src[from..]
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(src.len() - from)
}

/// A start tag's attributes (from after its name to its `>`); `None` if it never closes.
pub(super) fn parse_attributes(src: &str, from: usize) -> Option<(Vec<(String, String)>, usize)> {
    let mut attrs = Vec::new();
    let mut j = from;
    loop {
        j = skip_space(src, j);
        let rest = &src[j..];
        if rest.is_empty() {
            return None;
        }
        if rest.starts_with('>') {
            return Some((attrs, j + 1));
        }
        let n = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
            .unwrap_or(rest.len())
            .max(1);
        let name = rest[..n].to_ascii_lowercase();
        j = skip_space(src, j + n);
        let mut value = String::new();
        if src[j..].starts_with('=') {
            j = skip_space(src, j + 1);
            let rest = &src[j..];
            match rest.chars().next()? {
                q @ ('"' | '\'') => {
                    let len = rest[1..].find(q)?;
                    value = decode_lenient(&rest[1..1 + len]);
                    j += len + 2;
                }
                _ => {
                    let len = rest
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(rest.len());
                    value = decode_lenient(&rest[..len]);
                    j += len;
                }
            }
        }
        attrs.push((name, value));
    }
}

pub(super) fn open_tag(
    name: String,
    attrs: &[(String, String)],
    start: usize,
    at: usize,
) -> Result<OpenTag, String> {
    let attr = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut entity = Map::new();
    let kind = match name.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" => "spoiler",
        "span" if attr("class") == Some("tg-spoiler") => "spoiler",
        "span" => {
            return Err(format!(
                "Tag \"span\" must have class \"tg-spoiler\" at byte offset {at}"
            ));
        }
        "a" => {
            let href = attr("href").ok_or_else(|| {
                format!("Tag \"a\" must have attribute \"href\" at byte offset {at}")
            })?;
            match link_url(href) {
                Some(url) => {
                    entity.insert("url".into(), json!(url));
                    "text_link"
                }
                None => "",
            }
        }
        "code" => "code",
        "pre" => "pre",
        "blockquote" if attr("expandable").is_some() => "expandable_blockquote",
        "blockquote" => "blockquote",
        _ => {
            return Err(format!(
                "Unsupported start tag \"{name}\" at byte offset {at}"
            ));
        }
    };
    let language = attr("class")
        .and_then(|c| c.strip_prefix("language-"))
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    let entity = (!kind.is_empty()).then(|| {
        entity.insert("type".into(), json!(kind));
        entity
    });
    Ok(OpenTag {
        name,
        start,
        entity,
        language: if kind == "code" { language } else { None },
    })
}

pub(super) fn close_tag(
    tag: OpenTag,
    end: usize,
    open: &mut [OpenTag],
    entities: &mut Vec<Entity>,
) {
    if tag.name == "code" {
        // <pre><code class="language-x"> is one pre entity with a language.
        if let Some(pre) = open.last_mut().filter(|t| t.name == "pre") {
            if tag.language.is_some() {
                pre.language = tag.language;
            }
            return;
        }
    }
    let Some(mut fields) = tag.entity else {
        return;
    };
    if let Some(language) = tag.language.filter(|_| tag.name == "pre") {
        fields.insert("language".into(), json!(language));
    }
    if end > tag.start {
        entities.push(Entity {
            offset: tag.start,
            length: end - tag.start,
            fields,
        });
    }
}

/// The URL Telegram would keep for `href`; `None` for one it drops.
pub(super) fn link_url(href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.contains(char::is_whitespace) {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    let schemes = ["http://", "https://", "tg://", "ton://", "mailto:"];
    if schemes.iter().any(|s| lower.starts_with(s)) {
        Some(href.to_string())
    } else if !lower.contains("://") && href.contains('.') {
        Some(format!("http://{href}"))
    } else {
        None
    }
}

/// `&lt;`, `&gt;`, `&amp;`, `&quot;` or `&#NN;`/`&#xHH;` at the start of `s`: the
/// character and the bytes used.
pub(super) fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.find(';')?;
    let name = s.get(1..end)?;
    let ch = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                    number.parse().ok()?
                }
                _ => return None,
            };
            char::from_u32(code).filter(|c| *c != '\0')?
        }
    };
    Some((ch, end + 1))
}

/// Attribute values: entities decoded where they are entities, other `&` kept.
pub(super) fn decode_lenient(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if c == '&'
            && let Some((ch, used)) = decode_entity(&s[i..])
        {
            out.push(ch);
            i += used;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}
