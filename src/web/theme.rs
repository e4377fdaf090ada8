//! The library's accent colour as the chat's CSS custom properties (`GET /chat/theme.css`),
//! with text colours chosen for contrast (WCAG 2.1 AA: 4.5:1 for text).

use std::fmt;

/// An sRGB colour from a CSS hex colour (`#1b4f8f` or `#15f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// Black: with white, one of the two reaches 4.5:1 on any colour (at worst 4.58:1).
const INK: Rgb = Rgb(0, 0, 0);
/// WCAG 2.1 AA for normal text.
const AA_TEXT: f64 = 4.5;

impl Rgb {
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text
            .trim()
            .strip_prefix('#')
            .ok_or("a colour starts with #")?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("only hex digits may follow the #".into());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).expect("a hex digit");
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits");
        match hex.len() {
            3 => Ok(Rgb(digit(0) * 17, digit(1) * 17, digit(2) * 17)),
            6 => Ok(Rgb(pair(0), pair(2), pair(4))),
            n => Err(format!("{n} hex digits; give 6 (#rrggbb) or 3 (#rgb)")),
        }
    }

    /// Relative luminance as WCAG 2.1 defines it.
    pub fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// The WCAG contrast ratio, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// `self` moved `share` (0..1) of the way towards `other`.
    pub fn mix(self, other: Rgb, share: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * share).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// White or black, whichever reads better on this colour. One of them always
    /// reaches 4.5:1.
    pub fn text_on(self) -> Rgb {
        if WHITE.contrast(self) >= INK.contrast(self) {
            WHITE
        } else {
            INK
        }
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The colours derived from the accent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub accent: Rgb,
    pub accent_hover: Rgb,
    pub on_accent: Rgb,
    pub head_bg: Rgb,
    pub head_text: Rgb,
    pub head_sub: Rgb,
}

impl Theme {
    pub fn from_accent(accent: Rgb) -> Self {
        let on_accent = accent.text_on();
        // Hovering moves the colour away from its text, so contrast only grows.
        let away = if on_accent == WHITE {
            Rgb(0, 0, 0)
        } else {
            WHITE
        };
        let accent_hover = accent.mix(away, 0.2);
        let head_bg = accent.mix(Rgb(0, 0, 0), 0.25);
        let head_text = head_bg.text_on();
        let softer = head_text.mix(head_bg, 0.18);
        let head_sub = if softer.contrast(head_bg) >= AA_TEXT {
            softer
        } else {
            head_text
        };
        Self {
            accent,
            accent_hover,
            on_accent,
            head_bg,
            head_text,
            head_sub,
        }
    }

    /// The style sheet both the page and the widget load after the chat component's.
    /// The header takes the accent in the light scheme; the dark scheme keeps its own
    /// dark header, with the accent on the buttons.
    pub fn css(&self) -> String {
        format!(
            "/* refdesk: the library's colours, from [library] accent_colour */\n\
             .refdesk-root,\n.refdesk-widget {{\n  --rd-accent: {accent};\n  --rd-accent-hover: {hover};\n  --rd-on-accent: {on};\n}}\n\n\
             @media not (prefers-color-scheme: dark) {{\n  \
             :root {{\n    --nb-head-bg: {bg};\n    --nb-head-text: {text};\n    --nb-head-sub: {sub};\n  }}\n  \
             .refdesk-root {{\n    --rd-head-bg: {bg};\n    --rd-head-text: {text};\n    --rd-head-sub: {sub};\n  }}\n}}\n",
            accent = self.accent,
            hover = self.accent_hover,
            on = self.on_accent,
            bg = self.head_bg,
            text = self.head_text,
            sub = self.head_sub,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_css_hex_colours_and_says_what_is_wrong() {
        assert_eq!(Rgb::parse("#1b4f8f"), Ok(Rgb(0x1b, 0x4f, 0x8f)));
        assert_eq!(Rgb::parse("#1B4F8F"), Ok(Rgb(0x1b, 0x4f, 0x8f)));
        assert_eq!(Rgb::parse("#15f"), Ok(Rgb(0x11, 0x55, 0xff)));
        assert_eq!(Rgb(0x11, 0x55, 0xff).to_string(), "#1155ff");
        assert!(Rgb::parse("1b4f8f").unwrap_err().contains("#"));
        assert!(Rgb::parse("#1b4f8").unwrap_err().contains("5 hex digits"));
        assert!(Rgb::parse("#gggggg").unwrap_err().contains("hex digits"));
        assert!(Rgb::parse("red").is_err());
        assert!(Rgb::parse("#1b4f8f; }").is_err());
    }

    #[test]
    fn contrast_matches_wcag() {
        assert!((WHITE.contrast(Rgb(0, 0, 0)) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Rgb(0x76, 0x76, 0x76);
        assert!((grey.contrast(WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn every_accent_gets_readable_text() {
        for hex in [
            "#1b4f8f", "#ffffff", "#000000", "#ffcc00", "#777777", "#00ff00", "#e30613", "#f5f5dc",
        ] {
            let t = Theme::from_accent(Rgb::parse(hex).unwrap());
            assert!(t.on_accent.contrast(t.accent) >= AA_TEXT, "{hex}: {t:?}");
            assert!(
                t.on_accent.contrast(t.accent_hover) >= AA_TEXT,
                "{hex} hover: {t:?}"
            );
            assert!(
                t.head_text.contrast(t.head_bg) >= AA_TEXT,
                "{hex} head: {t:?}"
            );
            assert!(
                t.head_sub.contrast(t.head_bg) >= AA_TEXT,
                "{hex} sub: {t:?}"
            );
        }
        let light = Theme::from_accent(Rgb::parse("#ffcc00").unwrap());
        assert_eq!(light.on_accent, INK);
    }

    #[test]
    fn css_carries_the_colours() {
        let css = Theme::from_accent(Rgb::parse("#e30613").unwrap()).css();
        assert!(css.contains("--rd-accent: #e30613;"), "{css}");
        assert!(css.contains("--nb-head-bg: "), "{css}");
    }
}
