//! Russian text normalization and analysis, shared by clustering and the
//! index so that a document and a query are seen alike.
//!
//! # Overview
//!
//! - [`normalize`] turns a proposal into its *matching text*: NFC, lower
//!   case, ё→е, Latin look-alike letters inside Cyrillic words replaced,
//!   invisible characters dropped, quotes, dashes and whitespace unified.
//!   Two proposals with the same matching text are verbatim copies.
//! - [`Analyzer`] splits a text into [`Token`]s: words folded like
//!   [`normalize`] does and reduced to their Snowball stem, each with its
//!   byte range in the original text (for highlighting). No stop list:
//!   «не» and «без» carry meaning in a proposal.
//!
//! # Example
//!
//! ```
//! use sborka_text::{Analyzer, normalize};
//!
//! assert_eq!(normalize("  Обеспечить «ёлку»\u{a0}— детям! "), "обеспечить \"елку\" - детям!");
//! let analyzer = Analyzer::new();
//! let stems: Vec<String> = analyzer.tokens("пожилых пожилым").into_iter().map(|t| t.term).collect();
//! assert_eq!(stems[0], stems[1]);
//! ```

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A word of a text: its byte range in the text it came from and its term
/// (folded and stemmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub term: String,
}

/// Characters that render as nothing: they are dropped, and inside a word
/// they do not split it (a soft hyphen in «соци\u{ad}альный»).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{180e}'
    )
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '«' | '»' | '„' | '“' | '”' | '‟' | '″' | '〝' | '〞' | '＂' | '‹' | '›'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '‘' | '’' | '‚' | '‛' | '`' | '´' | 'ʼ')
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '⁃' | '﹘' | '﹣' | '－'
    )
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{4ff}')
}

/// The Cyrillic letter a Latin letter imitates, for letters that look the
/// same in common fonts. Applied only inside words that also hold Cyrillic
/// letters, so that Latin words («IT», «online») are left alone.
fn cyrillic_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'A' => 'А',
        'B' => 'В',
        'c' => 'с',
        'C' => 'С',
        'e' => 'е',
        'E' => 'Е',
        'H' => 'Н',
        'k' => 'к',
        'K' => 'К',
        'M' => 'М',
        'o' => 'о',
        'O' => 'О',
        'p' => 'р',
        'P' => 'Р',
        'T' => 'Т',
        'x' => 'х',
        'X' => 'Х',
        'y' => 'у',
        'Y' => 'У',
        _ => return None,
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Appends the folded form of one word (NFC, look-alikes, lower case, ё→е,
/// invisibles dropped) to `out`.
fn fold_word_into(word: &str, out: &mut String) {
    let mixed = word.chars().any(is_cyrillic) && word.chars().any(|c| c.is_ascii_alphabetic());
    for c in word.nfc() {
        if is_invisible(c) {
            continue;
        }
        let c = if mixed {
            cyrillic_lookalike(c).unwrap_or(c)
        } else {
            c
        };
        for lower in c.to_lowercase() {
            out.push(if lower == 'ё' { 'е' } else { lower });
        }
    }
}

/// Splits `text` into words: runs of letters and digits, with the combining
/// marks and invisible characters inside them. Yields byte ranges.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip to the first character of a word.
        let start = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) || is_combining_mark(c) || is_invisible(c) {
                chars.next();
            } else {
                end = i;
                break;
            }
        }
        // Invisible characters at the end of a word are not part of it.
        let word = text[start..end].trim_end_matches(is_invisible);
        Some((start, start + word.len()))
    })
}

/// The matching text of a proposal: what two verbatim copies have in common
/// whatever their typography.
///
/// Idempotent: `normalize(normalize(t)) == normalize(t)`.
pub fn normalize(text: &str) -> String {
    let mut out = Normalized {
        text: String::with_capacity(text.len()),
        space: false,
    };
    let mut last = 0;
    for (start, end) in words(text) {
        out.separators(&text[last..start]);
        out.gap();
        fold_word_into(&text[start..end], &mut out.text);
        last = end;
    }
    out.separators(&text[last..]);
    out.text
}

/// The text being normalized, with a space owed before the next character.
struct Normalized {
    text: String,
    space: bool,
}

impl Normalized {
    fn gap(&mut self) {
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
    }

    fn push(&mut self, c: char) {
        self.gap();
        self.text.push(c);
    }

    /// Appends what lies between two words: spaces collapse, invisible
    /// characters go, quotes, apostrophes and dashes take one form each.
    fn separators(&mut self, between: &str) {
        for c in between.nfc() {
            if c.is_whitespace() {
                self.space = true;
            } else if is_invisible(c) || is_combining_mark(c) {
                // Renders as nothing.
            } else if is_quote(c) {
                self.push('"');
            } else if is_apostrophe(c) {
                self.push('\'');
            } else if is_dash(c) {
                self.push('-');
            } else {
                self.push(c);
            }
        }
    }
}

/// The key under which verbatim copies meet: the folded words of the text
/// (as [`normalize`] folds them), joined by single spaces. Punctuation,
/// quotes and spacing do not count; every word, negations and numbers
/// included, does.
pub fn match_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (start, end) in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        fold_word_into(&text[start..end], &mut out);
    }
    out
}

/// Whether a text has anything to say: at least one letter or digit.
pub fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Splits and stems Russian text. Cheap to clone; one per thread is fine.
pub struct Analyzer {
    russian: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Analyzer::new()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer(russian)")
    }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer {
            russian: Stemmer::create(Algorithm::Russian),
        }
    }

    /// The tokens of `text`, with byte ranges into `text`.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.for_each_token(text, |t| out.push(t));
        out
    }

    /// Calls `f` with each token of `text`.
    pub fn for_each_token(&self, text: &str, mut f: impl FnMut(Token)) {
        let mut folded = String::new();
        for (start, end) in words(text) {
            folded.clear();
            fold_word_into(&text[start..end], &mut folded);
            let term = self.stem(&folded);
            f(Token { start, end, term });
        }
    }

    /// The stem of one folded word. Words without Cyrillic letters (numbers,
    /// Latin abbreviations) are kept as they are.
    pub fn stem(&self, folded: &str) -> String {
        if folded.chars().any(is_cyrillic) {
            self.russian.stem(folded).into_owned()
        } else {
            folded.to_string()
        }
    }

    /// The terms of `text` only.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(text, |t| out.push(t.term));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_table() {
        let cases = [
            ("Ёлка", "елка"),
            ("  два   пробела\tи\nперевод ", "два пробела и перевод"),
            (
                "«кавычки» „лапки“ \"прямые\"",
                "\"кавычки\" \"лапки\" \"прямые\"",
            ),
            ("тире — и – дефис-минус", "тире - и - дефис-минус"),
            ("non\u{a0}breaking", "non breaking"),
            ("соци\u{ad}альный", "социальный"),
            ("нулевой\u{200b}ширины", "нулевойширины"),
            // Latin look-alikes inside a Cyrillic word, but not in a Latin one.
            ("сoциальный", "социальный"),
            ("COVID и IT", "covid и it"),
            // NFC: й written as и + combining breve.
            ("и\u{306}од", "йод"),
            ("№ 5", "№ 5"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw), want, "normalize({raw:?})");
            assert_eq!(normalize(want), want, "idempotent on {want:?}");
        }
    }

    #[test]
    fn tokens_keep_offsets_into_the_original() {
        let text = "Сиделки для пожилых — без очереди";
        let analyzer = Analyzer::new();
        let tokens = analyzer.tokens(text);
        let words: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(words, ["Сиделки", "для", "пожилых", "без", "очереди"]);
        // Negations and prepositions are kept.
        assert_eq!(tokens[3].term, "без");
    }

    #[test]
    fn word_forms_share_a_stem() {
        let analyzer = Analyzer::new();
        let groups: [&[&str]; 4] = [
            &["пожилой", "пожилых", "пожилым", "пожилые"],
            &["ёлка", "елка", "ЕЛКА"],
            &["инвалидов", "инвалиды", "инвалидам"],
            &["социальный", "социальные", "социальных"],
        ];
        for group in groups {
            let stems: Vec<String> = group.iter().map(|w| analyzer.terms(w).remove(0)).collect();
            assert!(
                stems.windows(2).all(|w| w[0] == w[1]),
                "{group:?} -> {stems:?}"
            );
        }
    }

    #[test]
    fn match_key_table() {
        let cases = [
            (
                "Создать службу сиделок для «пожилых»!",
                "создать службу сиделок для пожилых",
            ),
            (
                "  создать   службу\nсиделок для \"пожилых\" ",
                "создать службу сиделок для пожилых",
            ),
            ("Без очереди — 30 дней", "без очереди 30 дней"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(match_key(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn has_words_table() {
        for (raw, want) in [
            ("—", false),
            ("...", false),
            ("", false),
            ("5", true),
            ("да", true),
        ] {
            assert_eq!(has_words(raw), want, "{raw:?}");
        }
    }
}
