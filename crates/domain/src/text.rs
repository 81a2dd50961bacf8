//! Free text as people write it: a bounded number of characters, no control characters, no
//! blank at either end. Each rule can also be written as the regular expression the OpenAPI
//! document publishes, so that what the document promises and what the service accepts are the
//! same set of strings (the tests below check both directions).

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Fewer characters than required.
    #[error("{}", too_short(*.min))]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More characters than allowed.
    #[error("au plus {max} caractères")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// Holds control characters (line breaks and tabs are allowed in multi-line texts only).
    #[error("caractères de contrôle interdits")]
    Control,
    /// Holds invisible formatting characters (zero-width, bidirectional controls, byte order
    /// mark) that could make a text read differently from what it holds.
    #[error("caractères invisibles ou de contrôle bidirectionnel interdits")]
    Invisible,
    /// Starts or ends with a blank.
    #[error("pas d'espace au début ni à la fin")]
    Blank,
}

fn too_short(min: usize) -> String {
    if min <= 1 {
        "à renseigner".to_owned()
    } else {
        format!("au moins {min} caractères")
    }
}

/// What a text field accepts. Lengths count Unicode characters, as JSON Schema does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The fewest characters; 0 lets the empty string through.
    pub min: usize,
    /// The most characters.
    pub max: usize,
    /// Whether line breaks and tabs may appear inside the text.
    pub multiline: bool,
}

/// Control characters (Unicode category Cc) and the invisible formatting characters of
/// [`is_invisible`], as a regular-expression class body.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff";
/// The same, except tab, line feed and carriage return.
const CONTROL_BUT_BREAKS: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff";

/// Zero-width characters, bidirectional embeddings, overrides and isolates, and the byte order
/// mark: invisible, they can make a title or a name display as something else.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}
/// Blanks that are not control characters: with [`CONTROL`], exactly what
/// [`char::is_whitespace`] accepts.
const BLANK: &str = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Any text without control characters, as an ECMA-262 regular expression: the rule of a
/// search, which looks for text that titles can hold.
pub fn control_free_pattern() -> String {
    format!("^[^{CONTROL}]*$")
}

impl TextRule {
    /// A text on one line.
    pub const fn line(min: usize, max: usize) -> Self {
        TextRule {
            min,
            max,
            multiline: false,
        }
    }

    /// A text that may span several lines.
    pub const fn lines(min: usize, max: usize) -> Self {
        TextRule {
            min,
            max,
            multiline: true,
        }
    }

    /// Checks `s` against the rule.
    ///
    /// # Errors
    /// The first reason it is refused.
    pub fn check(&self, s: &str) -> Result<(), TextError> {
        let count = s.chars().count();
        if count < self.min {
            return Err(TextError::TooShort { min: self.min });
        }
        if count > self.max {
            return Err(TextError::TooLong { max: self.max });
        }
        let allowed_control = |c: char| self.multiline && matches!(c, '\t' | '\n' | '\r');
        if s.chars().any(|c| c.is_control() && !allowed_control(c)) {
            return Err(TextError::Control);
        }
        if s.chars().any(is_invisible) {
            return Err(TextError::Invisible);
        }
        let blank_edge = |c: Option<char>| c.is_some_and(char::is_whitespace);
        if blank_edge(s.chars().next()) || blank_edge(s.chars().next_back()) {
            return Err(TextError::Blank);
        }
        Ok(())
    }

    /// The rule's characters and edges as an ECMA-262 regular expression (lengths are left to
    /// `minLength`/`maxLength`).
    pub fn pattern(&self) -> String {
        let inner = if self.multiline {
            CONTROL_BUT_BREAKS
        } else {
            CONTROL
        };
        let edge = format!("[^{CONTROL}{BLANK}]");
        let text = format!("{edge}([^{inner}]*{edge})?");
        if self.min == 0 {
            format!("^({text})?$")
        } else {
            format!("^{text}$")
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    const RULES: [TextRule; 4] = [
        TextRule::line(3, 200),
        TextRule::line(0, 20),
        TextRule::lines(1, 1000),
        TextRule::lines(0, 50),
    ];

    fn within_bounds(rule: &TextRule, s: &str) -> bool {
        (rule.min..=rule.max).contains(&s.chars().count())
    }

    #[test]
    fn blanks_at_either_end_are_refused() {
        let rule = TextRule::line(3, 200);
        assert_eq!(rule.check(" Jardin"), Err(TextError::Blank));
        assert_eq!(rule.check("Jardin\u{a0}"), Err(TextError::Blank));
        assert_eq!(rule.check("Jardin partagé"), Ok(()));
    }

    #[test]
    fn line_breaks_are_allowed_inside_multiline_texts_only() {
        assert_eq!(TextRule::line(1, 50).check("a\nb"), Err(TextError::Control));
        assert_eq!(TextRule::lines(1, 50).check("a\r\n\tb"), Ok(()));
        assert_eq!(TextRule::lines(1, 50).check("ab\n"), Err(TextError::Blank));
        assert_eq!(
            TextRule::lines(1, 50).check("a\u{0}b"),
            Err(TextError::Control)
        );
    }

    #[test]
    fn zero_width_and_bidirectional_controls_are_refused() {
        let rule = TextRule::line(1, 50);
        for bad in [
            "a\u{200b}b",
            "\u{202e}txt.exe",
            "ab\u{2066}c",
            "\u{feff}abc",
            "a\u{200f}b",
        ] {
            assert_eq!(rule.check(bad), Err(TextError::Invisible), "{bad:?}");
        }
        assert_eq!(rule.check("l\u{2019}école"), Ok(()));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let rule = TextRule::line(3, 5);
        assert_eq!(rule.check("ééééé"), Ok(()));
        assert_eq!(rule.check("éééééé"), Err(TextError::TooLong { max: 5 }));
        assert_eq!(rule.check("éé"), Err(TextError::TooShort { min: 3 }));
        assert_eq!(TextRule::line(0, 5).check(""), Ok(()));
    }

    proptest! {
        #[test]
        fn every_string_the_pattern_describes_is_accepted(
            (rule, value) in (0..RULES.len()).prop_flat_map(|i| {
                let pattern = RULES[i].pattern();
                // The generator writes whole matches and does not take anchors.
                let body = pattern.trim_start_matches('^').trim_end_matches('$');
                let values = proptest::string::string_regex(body).expect("pattern");
                (Just(RULES[i]), values)
            }),
        ) {
            if within_bounds(&rule, &value) {
                prop_assert_eq!(rule.check(&value), Ok(()), "{:?}", value);
            }
        }

        #[test]
        fn every_string_accepted_matches_the_pattern(
            index in 0..RULES.len(),
            value in "\\PC{0,4}[\\s\\pC\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}]{0,2}\\PC{0,4}|.{0,12}",
        ) {
            let rule = RULES[index];
            let pattern = Regex::new(&rule.pattern()).expect("pattern");
            let accepted = rule.check(&value).is_ok();
            let described = pattern.is_match(&value) && within_bounds(&rule, &value);
            prop_assert_eq!(accepted, described, "{:?}", value);
        }
    }
}
