//! ISBNs: both lengths normalised to ISBN-13 (the index key), check digits verified.

/// The ISBN-13 for an ISBN-10 or ISBN-13 written with or without hyphens and spaces;
/// `None` when it is not a valid ISBN.
pub fn to_isbn13(raw: &str) -> Option<String> {
    let chars: Vec<char> = raw
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match chars.len() {
        10 if valid_isbn10(&chars) => {
            let body: String = std::iter::once("978".to_string())
                .chain(chars[..9].iter().map(|c| c.to_string()))
                .collect();
            Some(format!("{body}{}", isbn13_check(&body)?))
        }
        // Every ISBN-13 is a Bookland EAN: 978 or 979 first.
        13 if chars.iter().all(char::is_ascii_digit)
            && (chars[..3] == ['9', '7', '8'] || chars[..3] == ['9', '7', '9']) =>
        {
            let body: String = chars[..12].iter().collect();
            (isbn13_check(&body)? == chars[12]).then(|| chars.iter().collect())
        }
        _ => None,
    }
}

fn valid_isbn10(chars: &[char]) -> bool {
    let mut sum = 0;
    for (i, c) in chars.iter().enumerate() {
        let v = match c {
            '0'..='9' => c.to_digit(10).unwrap_or_default(),
            'X' if i == 9 => 10,
            _ => return false,
        };
        sum += v * (10 - i as u32);
    }
    sum % 11 == 0
}

fn isbn13_check(first12: &str) -> Option<char> {
    let mut sum = 0;
    for (i, c) in first12.chars().enumerate() {
        sum += c.to_digit(10)? * if i % 2 == 0 { 1 } else { 3 };
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// The first valid ISBN written in `text` ("isbn 978-0-14-044913-6", "ISBN 0441013597"),
/// as ISBN-13. A bare 10-digit number counts only next to the word "ISBN": too many phone
/// and card numbers pass the ISBN-10 check by chance.
pub fn find_in(text: &str) -> Option<String> {
    let says_isbn = text.to_ascii_lowercase().contains("isbn");
    let mut candidate = String::new();
    let check = |c: &mut String| -> Option<String> {
        let digits = c.chars().filter(|ch| *ch != '-').count();
        let found = to_isbn13(c).filter(|_| digits == 13 || says_isbn);
        c.clear();
        found
    };
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || ((ch == 'X' || ch == 'x') && !candidate.is_empty()) {
            candidate.push(ch);
        } else if ch == '-' && !candidate.is_empty() {
            // hyphens inside an ISBN are skipped
        } else if let Some(isbn) = check(&mut candidate) {
            return Some(isbn);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_lengths_become_isbn13() {
        assert_eq!(to_isbn13("0-441-01359-7").as_deref(), Some("9780441013593"));
        assert_eq!(
            to_isbn13("978-0-441-01359-3").as_deref(),
            Some("9780441013593")
        );
        assert_eq!(to_isbn13("080442957X").as_deref(), Some("9780804429573"));
        assert_eq!(to_isbn13("0441013598"), None, "bad check digit");
        assert_eq!(to_isbn13("12345"), None);
    }

    #[test]
    fn found_in_a_question() {
        assert_eq!(
            find_in("do you have isbn 978-0-441-01359-3?").as_deref(),
            Some("9780441013593")
        );
        assert_eq!(find_in("room 101 at 9:30"), None);
        assert_eq!(
            find_in("my card is 0123456789"),
            None,
            "no ISBN without the word"
        );
        assert_eq!(find_in("ISBN 0123456789").as_deref(), Some("9780123456786"));
        assert_eq!(
            find_in("barcode 2000000000008"),
            None,
            "not a 978/979 number"
        );
    }
}
