//! Outgoing text for platforms: the FAQ's light Markdown (`**bold**`, `[text](url)`, `- `
//! bullets, `#` headings) rendered as Telegram HTML or as plain text, and long messages
//! split at paragraph boundaries to fit a platform's limit.

/// One run of inline text.
#[derive(Debug, PartialEq)]
enum Span<'a> {
    Text(&'a str),
    Bold(&'a str),
    Link { text: &'a str, url: &'a str },
}

/// Link targets we render as links; anything else stays literal text.
fn is_link_target(url: &str) -> bool {
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|p| url.starts_with(p))
        && !url.contains(char::is_whitespace)
}

fn spans(line: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut plain_start = 0; // byte offset in `line` where the pending plain run begins
    let mut pos = 0;
    while !rest.is_empty() {
        let consumed = if let Some(after) = rest.strip_prefix("**") {
            after
                .find("**")
                .filter(|&end| end > 0)
                .map(|end| (Span::Bold(&after[..end]), end + 4))
        } else if let Some(after) = rest.strip_prefix('[') {
            after.find("](").and_then(|close| {
                let text = &after[..close];
                let tail = &after[close + 2..];
                let end = tail.find(')')?;
                let url = &tail[..end];
                (!text.is_empty() && !text.contains('[') && is_link_target(url))
                    .then(|| (Span::Link { text, url }, 1 + close + 2 + end + 1))
            })
        } else {
            None
        };
        match consumed {
            Some((span, len)) => {
                if plain_start < pos {
                    out.push(Span::Text(&line[plain_start..pos]));
                }
                out.push(span);
                pos += len;
                plain_start = pos;
            }
            None => pos += rest.chars().next().map_or(1, char::len_utf8),
        }
        rest = &line[pos..];
    }
    if plain_start < line.len() {
        out.push(Span::Text(&line[plain_start..]));
    }
    out
}

/// A line's block marker: bullets become "• ", headings become bold.
fn block(line: &str) -> (String, &str, bool) {
    let indent_len = line.len() - line.trim_start().len();
    let (indent, body) = line.split_at(indent_len);
    if let Some(item) = body.strip_prefix("- ").or_else(|| body.strip_prefix("* ")) {
        return (format!("{indent}• "), item, false);
    }
    let hashes = body.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && body[hashes..].starts_with(' ') {
        return (indent.to_string(), body[hashes..].trim_start(), true);
    }
    (indent.to_string(), body, false)
}

/// Escapes text for Telegram's HTML parse mode (`<`, `>`, `&`, and `"` inside attributes).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Telegram HTML: links stay links, bold stays bold, everything else is escaped text.
pub fn to_telegram_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + 32);
    for (i, line) in markdown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (prefix, body, heading) = block(line);
        out.push_str(&escape_html(&prefix));
        if heading {
            out.push_str("<b>");
        }
        for span in spans(body) {
            match span {
                Span::Text(t) => out.push_str(&escape_html(t)),
                Span::Bold(t) => {
                    out.push_str("<b>");
                    out.push_str(&escape_html(t));
                    out.push_str("</b>");
                }
                Span::Link { text, url } => {
                    out.push_str("<a href=\"");
                    out.push_str(&escape_html(url));
                    out.push_str("\">");
                    out.push_str(&escape_html(text));
                    out.push_str("</a>");
                }
            }
        }
        if heading {
            out.push_str("</b>");
        }
    }
    out
}

/// Matrix's HTML body: as for Telegram, with line breaks as `<br>`.
pub fn to_matrix_html(markdown: &str) -> String {
    to_telegram_html(markdown).replace('\n', "<br>")
}

/// Plain text for platforms without markup: a link shows its address after its text.
pub fn to_plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for (i, line) in markdown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (prefix, body, _) = block(line);
        out.push_str(&prefix);
        for span in spans(body) {
            match span {
                Span::Text(t) | Span::Bold(t) => out.push_str(t),
                Span::Link { text, url } => {
                    let shown = url.strip_prefix("mailto:").unwrap_or(url);
                    if text == shown || text == url {
                        out.push_str(text);
                    } else {
                        out.push_str(text);
                        out.push_str(" (");
                        out.push_str(shown);
                        out.push(')');
                    }
                }
            }
        }
    }
    out
}

/// What the patron sees of a message in Telegram, counted as Telegram counts its limit
/// (UTF-16 code units of the text after markup is parsed).
pub fn telegram_visible_len(markdown: &str) -> usize {
    let mut n = 0;
    for (i, line) in markdown.split('\n').enumerate() {
        n += usize::from(i > 0);
        let (prefix, body, _) = block(line);
        n += prefix.encode_utf16().count();
        for span in spans(body) {
            let shown = match span {
                Span::Text(t) | Span::Bold(t) => t,
                Span::Link { text, .. } => text,
            };
            n += shown.encode_utf16().count();
        }
    }
    n
}

/// Length in characters: the measure of platforms whose limits count characters.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// Splits `text` into parts whose `measure` is at most `max`: between paragraphs where it
/// can, else between lines, else between words, else anywhere (on a character boundary).
/// Parts keep their order; whitespace at a cut is dropped.
pub fn split(text: &str, max: usize, measure: &dyn Fn(&str) -> usize) -> Vec<String> {
    let text = text.trim();
    if measure(text) <= max || max == 0 {
        return vec![text.to_string()];
    }
    let mut parts = Vec::new();
    split_on(text, max, measure, &["\n\n", "\n", " "], &mut parts);
    parts
}

fn split_on(
    text: &str,
    max: usize,
    measure: &dyn Fn(&str) -> usize,
    seps: &[&str],
    parts: &mut Vec<String>,
) {
    let Some((sep, finer)) = seps.split_first() else {
        hard_split(text, max, measure, parts);
        return;
    };
    let mut current = String::new();
    for piece in text.split(sep).map(str::trim).filter(|p| !p.is_empty()) {
        let joined = if current.is_empty() {
            piece.to_string()
        } else {
            format!("{current}{sep}{piece}")
        };
        if measure(&joined) <= max {
            current = joined;
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if measure(piece) <= max {
            current = piece.to_string();
        } else {
            split_on(piece, max, measure, finer, parts);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
}

fn hard_split(text: &str, max: usize, measure: &dyn Fn(&str) -> usize, parts: &mut Vec<String>) {
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if measure(&current) > max {
            current.pop();
            parts.push(std::mem::take(&mut current));
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_bold_and_bullets_become_html() {
        let md =
            "Open [My Account](https://x.example/account) and choose **Renew**.\n- one\n# Title";
        assert_eq!(
            to_telegram_html(md),
            "Open <a href=\"https://x.example/account\">My Account</a> and choose <b>Renew</b>.\n• one\n<b>Title</b>"
        );
    }

    #[test]
    fn special_characters_are_escaped_not_interpreted() {
        let md = "a < b & c > d, snake_case and 2 * 3, [not a link](javascript:alert(1))";
        let html = to_telegram_html(md);
        assert_eq!(
            html,
            "a &lt; b &amp; c &gt; d, snake_case and 2 * 3, [not a link](javascript:alert(1))"
        );
        assert_eq!(
            to_telegram_html("[x](https://e.example/?a=1&b=\"2\")"),
            "<a href=\"https://e.example/?a=1&amp;b=&quot;2&quot;\">x</a>"
        );
    }

    #[test]
    fn unclosed_markers_stay_literal() {
        assert_eq!(to_telegram_html("**open"), "**open");
        assert_eq!(to_plain("[a](b"), "[a](b");
        assert_eq!(to_plain("****"), "****");
    }

    #[test]
    fn plain_text_shows_link_addresses() {
        assert_eq!(
            to_plain(
                "See [our page](https://l.example) or [a@l.example](mailto:a@l.example), **now**."
            ),
            "See our page (https://l.example) or a@l.example, now."
        );
    }

    #[test]
    fn visible_length_counts_utf16_without_markup() {
        assert_eq!(telegram_visible_len("**ab** [c](https://x.example)"), 4);
        assert_eq!(telegram_visible_len("😀"), 2);
        assert_eq!(telegram_visible_len("- x"), 3);
    }

    #[test]
    fn splits_on_paragraphs_then_words_then_characters() {
        let count = |s: &str| s.chars().count();
        let para = |c: char| std::iter::repeat_n(c, 40).collect::<String>();
        let text = format!("{}\n\n{}\n\n{}", para('a'), para('b'), para('c'));
        assert_eq!(
            split(&text, 85, &count),
            vec![format!("{}\n\n{}", para('a'), para('b')), para('c')]
        );
        assert_eq!(split("one two three", 7, &count), vec!["one two", "three"]);
        assert_eq!(split("abcdefgh", 3, &count), vec!["abc", "def", "gh"]);
        assert_eq!(split("short", 100, &count), vec!["short"]);
        for part in split(&"word ".repeat(2000), 4096, &count) {
            assert!(count(&part) <= 4096);
        }
    }
}
