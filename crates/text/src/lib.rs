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
//! - [`personal`] finds personal data in a text (phones, e-mail, СНИЛС,
//!   ИНН, passports, bank cards, names with initials) and masks it; ingest
//!   applies it to every record, so everything downstream sees the masked
//!   text.
//!
//! # Cost
//!
//! Every word of every proposal passes here, twice when clustering
//! (normalized, then analysed), so the hot path allocates nothing per
//! word: [`Analyzer::analyse`] fills a reusable [`Terms`] (the terms back
//! to back in one string) and [`normalize_into`] a reusable string. Words
//! are found by a scan of bytes that decodes only characters outside ASCII
//! and U+0400–U+047F. A word of lower-case ASCII or basic Cyrillic letters
//! is recognised by a scan of its bytes and copied; a word of the basic
//! alphabets is lower-cased by arithmetic; only the rest go through NFC
//! and the Unicode tables. Terms are remembered per analyzer by the word as
//! written (up to 2^19 words, words and terms in one string, found by
//! their Fx hash and compared, so a collision costs a re-analysis and
//! never a wrong term), under a lock taken once per text: a repeated word
//! is neither folded nor stemmed again.
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

mod lexicon;
mod morph;
pub mod personal;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use lexicon::{Lexicon, LexiconError};
pub use morph::{ALTERNATIVE, Morphology, MorphologyError};
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
    /// The word's number in the text: the lemmas of an ambiguous word
    /// ([`Analyzer::lemmatizing`]) are tokens of one position.
    pub position: usize,
}

/// Characters that render as nothing: they are dropped, and inside a word
/// they do not split it (a soft hyphen in «соци\u{ad}альный»).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{180e}'
            | '\u{34f}'
            | '\u{61c}'
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
    // The common letters first: the general lookup is slow for Cyrillic.
    c.is_ascii_alphanumeric()
        || matches!(c, '\u{410}'..='\u{44f}' | 'ё' | 'Ё')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// The folded form of a letter or digit that needs no composing: ASCII and
/// the basic Cyrillic alphabet, where lower case is arithmetic. `None` for
/// any other character.
fn fold_simple(c: char, mixed: bool) -> Option<char> {
    let c = if mixed {
        cyrillic_lookalike(c).unwrap_or(c)
    } else {
        c
    };
    Some(match c {
        'a'..='z' | '0'..='9' | 'а'..='я' => c,
        'A'..='Z' => c.to_ascii_lowercase(),
        'А'..='Я' => char::from_u32(c as u32 + 32)?,
        'ё' | 'Ё' => 'е',
        _ => return None,
    })
}

/// Whether a word is its own folded form for a reason a scan of its bytes
/// can tell: lower-case ASCII letters and digits, or lower-case letters of
/// the basic Cyrillic alphabet (а–я, no ё) and digits. Most words of a
/// text are, and all of a normalized one: they are copied whole.
fn is_folded_basic(word: &str) -> bool {
    let bytes = word.as_bytes();
    let (mut latin, mut cyrillic) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => i += 1,
            b'a'..=b'z' => {
                latin = true;
                i += 1;
            }
            // а–п are D0 B0–BF, р–я are D1 80–8F in UTF-8.
            0xd0 if matches!(bytes.get(i + 1), Some(0xb0..=0xbf)) => {
                cyrillic = true;
                i += 2;
            }
            0xd1 if matches!(bytes.get(i + 1), Some(0x80..=0x8f)) => {
                cyrillic = true;
                i += 2;
            }
            _ => return false,
        }
    }
    // Latin letters in a Cyrillic word are look-alikes to replace.
    !(latin && cyrillic)
}

/// The next fastest path of [`fold_word_into`]: a word of ASCII letters
/// and digits, or of basic Cyrillic letters (А–Я, а–я, Ё, ё) and digits,
/// where lower case is arithmetic and nothing composes. Appends its folded
/// form to `out` and returns `true`; returns `false` (appending nothing)
/// for any other word: Latin look-alikes in a Cyrillic word, other
/// letters, marks, invisible characters.
fn fold_basic_into(word: &str, out: &mut String) -> bool {
    let start = out.len();
    let (mut latin, mut cyrillic) = (false, false);
    for c in word.chars() {
        let folded = match c {
            '0'..='9' => c,
            'a'..='z' => {
                latin = true;
                c
            }
            'A'..='Z' => {
                latin = true;
                c.to_ascii_lowercase()
            }
            'а'..='я' => {
                cyrillic = true;
                c
            }
            'А'..='Я' => {
                cyrillic = true;
                char::from_u32(c as u32 + 32).unwrap_or(c)
            }
            'ё' | 'Ё' => {
                cyrillic = true;
                'е'
            }
            _ => {
                out.truncate(start);
                return false;
            }
        };
        out.push(folded);
    }
    if latin && cyrillic {
        out.truncate(start);
        return false;
    }
    true
}

/// Appends the folded form of one word (NFC, look-alikes, lower case, ё→е,
/// invisibles dropped) to `out`.
fn fold_word_into(word: &str, out: &mut String) {
    if is_folded_basic(word) {
        out.push_str(word);
    } else if !fold_basic_into(word, out) {
        fold_chars_into(word, out);
    }
}

/// [`fold_word_into`] character by character.
fn fold_chars_into(word: &str, out: &mut String) {
    let mixed = word.chars().any(is_cyrillic) && word.chars().any(|c| c.is_ascii_alphabetic());
    let fold = move |c: char| {
        let c = if mixed {
            cyrillic_lookalike(c).unwrap_or(c)
        } else {
            c
        };
        c.to_lowercase().map(|l| if l == 'ё' { 'е' } else { l })
    };
    // The common case: ASCII and basic Cyrillic only, nothing to compose
    // (a combining mark is not simple).
    let start = out.len();
    if word.chars().all(|c| match fold_simple(c, mixed) {
        Some(f) => {
            out.push(f);
            true
        }
        None => false,
    }) {
        return;
    }
    out.truncate(start);
    // Invisible characters go before composing, so that a combining mark
    // behind one composes now; and folding can make a letter composable
    // again («ё» + breve → «е» + breve → «ӗ»), so fold and compose until
    // nothing changes (a few rounds at most; bounded all the same).
    let mut folded: String = word
        .chars()
        .filter(|&c| !is_invisible(c))
        .nfc()
        .flat_map(fold)
        .collect();
    for _ in 0..8 {
        let next: String = folded.nfc().flat_map(fold).collect();
        if next == folded {
            break;
        }
        folded = next;
    }
    // Composing puts combining marks in canonical order, which can move a
    // mark that is no letter (a virama) in front of one that is (a vowel
    // sign): such a mark cannot start a word, and a second pass would drop
    // it as punctuation, so it goes now.
    out.push_str(folded.trim_start_matches(|c| !is_word_char(c)));
}

/// Splits `text` into words: runs of letters and digits, with the combining
/// marks and invisible characters inside them. Yields byte ranges.
///
/// Scans bytes: an ASCII byte is told by a table, and a Cyrillic letter of
/// U+0400–U+047F (lead byte D0 or D1, all letters) without decoding it;
/// only other characters are decoded and looked up. [`words_by_chars`] is
/// the same split written plainly, which the tests hold this to.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        // Skip to the first character of a word.
        let start = loop {
            let &b = bytes.get(at)?;
            let (len, word) = match b {
                0..0x80 => (1, b.is_ascii_alphanumeric()),
                0xd0 | 0xd1 => (2, true),
                _ => {
                    let c = text[at..].chars().next()?;
                    (c.len_utf8(), is_word_char(c))
                }
            };
            at += len;
            if word {
                break at - len;
            }
        };
        while let Some(&b) = bytes.get(at) {
            let len = match b {
                // No ASCII character is a combining mark or invisible.
                0..0x80 if b.is_ascii_alphanumeric() => 1,
                0..0x80 => break,
                0xd0 | 0xd1 => 2,
                _ => match text[at..].chars().next() {
                    Some(c) if is_word_char(c) || is_combining_mark(c) || is_invisible(c) => {
                        c.len_utf8()
                    }
                    _ => break,
                },
            };
            at += len;
        }
        // Invisible characters at the end of a word are not part of it.
        let word = text[start..at].trim_end_matches(is_invisible);
        Some((start, start + word.len()))
    })
}

/// [`words`] character by character: the reference its byte scan is
/// tested against.
#[cfg(test)]
fn words_by_chars(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) || (!c.is_ascii() && (is_combining_mark(c) || is_invisible(c))) {
                chars.next();
            } else {
                end = i;
                break;
            }
        }
        let word = text[start..end].trim_end_matches(is_invisible);
        Some((start, start + word.len()))
    })
}

/// The matching text of a proposal: what two verbatim copies have in common
/// whatever their typography. Leading list numbering and bullets («1.»,
/// «а)», «—», «•») are dropped, as long as words remain.
///
/// Idempotent: `normalize(normalize(t)) == normalize(t)`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// [`normalize`] into `out` (emptied first), so that a caller normalizing
/// many texts can reuse one buffer.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    let mut norm = Normalized {
        text: std::mem::take(out),
        space: false,
    };
    let mut last = 0;
    for (start, end) in words(text) {
        norm.separators(&text[last..start]);
        norm.gap();
        fold_word_into(&text[start..end], &mut norm.text);
        last = end;
    }
    norm.separators(&text[last..]);
    let mut text = norm.text;
    // The markers are recognised in the normalized text, where they have
    // one form each, so that a second pass finds nothing more to drop.
    let mut cut = 0;
    while let Some(len) = list_marker_len(&text[cut..]) {
        if !has_words(&text[cut + len..]) {
            break;
        }
        cut += len;
    }
    text.drain(..cut);
    *out = text;
}

/// The length of a list marker and its space at the start of a normalized
/// text: «12. », «3) », «а) », «- », «• ».
fn list_marker_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    let after = if first.is_ascii_digit() {
        let mut digits = 1;
        loop {
            let (i, c) = chars.next()?;
            if c.is_ascii_digit() && digits < 3 {
                digits += 1;
            } else if c == '.' || c == ')' {
                break i + 1;
            } else {
                return None;
            }
        }
    } else if first.is_alphabetic() {
        let (i, c) = chars.next()?;
        if c != ')' {
            return None;
        }
        i + 1
    } else if matches!(
        first,
        '-' | '•' | '·' | '▪' | '◦' | '●' | '►' | '‣' | '*' | '⁃'
    ) {
        first.len_utf8()
    } else {
        return None;
    };
    text[after..].starts_with(' ').then_some(after + 1)
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
        if between == " " {
            self.space = true;
            return;
        }
        // ASCII is NFC already, and composes with nothing.
        if between.is_ascii() {
            between.chars().for_each(|c| self.separator(c));
        } else {
            between
                .chars()
                .filter(|&c| !is_invisible(c))
                .nfc()
                .for_each(|c| self.separator(c));
        }
    }

    /// Appends one character of what lies between two words.
    fn separator(&mut self, c: char) {
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

/// The key under which verbatim copies meet: the words of [`normalize`]'s
/// text joined by single spaces. Punctuation, quotes, spacing and list
/// numbering do not count; every other word, negations and numbers
/// included, does.
pub fn match_key(text: &str) -> String {
    let normalized = normalize(text);
    let mut out = String::with_capacity(normalized.len());
    for (start, end) in words(&normalized) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&normalized[start..end]);
    }
    out
}

/// Whether a text has anything to say: at least one letter or digit.
pub fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// Splits and stems Russian text. Cheap to clone; one per thread is best
/// (each keeps its own cache of stems).
pub struct Analyzer {
    russian: Stemmer,
    lexicon: Option<Arc<Lexicon>>,
    /// With a dictionary, a word it lists is reduced to its lemma rather
    /// than its stem.
    morphology: Option<Arc<Morphology>>,
    /// Word as written → term: folding and stemming cost far more than a
    /// lookup, and a collection repeats its words. A mutex (uncontended with one
    /// analyzer per thread, and taken once per text) keeps the analyzer
    /// `Sync`, as a tantivy tokenizer must be.
    cache: Mutex<StemCache>,
}

/// A fast hasher for short keys (the Fx hash of rustc): the analyzer's
/// maps are keyed by words, looked up for every word of every text, and
/// not exposed to anyone choosing keys to collide.
#[derive(Clone, Copy, Default)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn write_u64(&mut self, i: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// How many words an analyzer remembers at most: enough for the
/// vocabulary of a million proposals (a few hundred thousand word forms),
/// at about 50 bytes each.
const STEM_CACHE: usize = 1 << 19;

/// The terms an analyzer remembers, by the word as written, without an
/// allocation per word: the words and their terms lie back to back in one
/// string, and a map from the Fx hash of a word holds where (the word's
/// start, its length and its term's, in bytes; the term follows the word),
/// and the family bucket the term begins (with a lexicon).
/// Keyed by the word before folding, so that a repeated word is neither
/// folded nor stemmed. Two words with one hash share a slot: the second
/// is analysed every time (the word in the slot is compared, so a
/// collision costs time, never a wrong term). Emptied when it reaches
/// [`STEM_CACHE`] words.
#[derive(Default)]
struct StemCache {
    slots: FxHashMap<u64, (u32, u16, u16, Option<lexicon::Family>)>,
    arena: String,
}

impl StemCache {
    fn clear(&mut self) {
        self.slots.clear();
        self.arena.clear();
    }
}

/// Appends the term of `word`, one word of a text as written, to `out`:
/// the word folded ([`fold_word_into`], into `folded`), then its figure
/// when `lexicon` knows it as a number word, else its stem
/// ([`stem_into`]). Returns the family bucket of `lexicon` the term
/// begins, if any. Remembered in `cache`, which must only ever see one
/// stemmer and one lexicon (those of its analyzer).
fn term_into(
    stemmer: &Stemmer,
    morphology: Option<&Morphology>,
    cache: &mut StemCache,
    lexicon: Option<&Lexicon>,
    word: &str,
    folded: &mut String,
    out: &mut String,
) -> Option<lexicon::Family> {
    let hash = {
        let mut h = FxHasher::default();
        std::hash::Hasher::write(&mut h, word.as_bytes());
        std::hash::Hasher::finish(&h)
    };
    let slot = cache.slots.get(&hash).copied();
    if let Some((at, len, term, family)) = slot {
        let (at, len, term) = (at as usize, usize::from(len), usize::from(term));
        if &cache.arena[at..at + len] == word {
            out.push_str(&cache.arena[at + len..at + len + term]);
            return family;
        }
    }
    folded.clear();
    fold_word_into(word, folded);
    let from = out.len();
    match lexicon.and_then(|l| l.number(folded)) {
        Some(figure) => out.push_str(figure),
        None => match morphology {
            Some(m) if folded.chars().any(is_cyrillic) && m.lemmas_into(folded, out) => {}
            _ => stem_into(stemmer, folded, out),
        },
    }
    let term = &out[from..];
    let family = lexicon.and_then(|l| l.family(term));
    // Another word with the same hash holds the slot: it keeps it.
    if slot.is_some() {
        return family;
    }
    let (Ok(word_len), Ok(term_len)) = (u16::try_from(word.len()), u16::try_from(term.len()))
    else {
        return family;
    };
    if cache.slots.len() >= STEM_CACHE
        || cache.arena.len() + word.len() + term.len() > u32::MAX as usize
    {
        cache.clear();
    }
    let at = cache.arena.len() as u32;
    cache.arena.push_str(word);
    cache.arena.push_str(term);
    cache.slots.insert(hash, (at, word_len, term_len, family));
    family
}

/// Appends the stem of one folded word to `out`. Words without Cyrillic
/// letters (numbers, Latin abbreviations) are kept as they are.
fn stem_into(stemmer: &Stemmer, folded: &str, out: &mut String) {
    if folded.chars().any(is_cyrillic) {
        out.push_str(&stemmer.stem(folded));
    } else {
        out.push_str(folded);
    }
}

/// The terms of a text, with their byte ranges in it: what
/// [`Analyzer::analyse`] fills. Reusable: analysing many texts into one
/// `Terms` allocates nothing once its buffers have grown.
#[derive(Clone, Debug, Default)]
pub struct Terms {
    /// The terms, back to back.
    text: String,
    tokens: Vec<Span>,
    /// Work space: the word being folded, and the stems of every word
    /// before the lexicon's phrases are folded, with the family bucket
    /// each begins.
    folded: String,
    stems: String,
    stem_spans: Vec<Span>,
    families: Vec<Option<lexicon::Family>>,
}

/// A term: its byte range in the analysed text, and in the buffer that
/// holds it.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    /// The word's number: the lemmas of one word share it.
    position: usize,
    term: (usize, usize),
}

impl Terms {
    /// The number of terms.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Term `i`; panics when `i` is out of range, like slice indexing.
    pub fn term(&self, i: usize) -> &str {
        let (from, to) = self.tokens[i].term;
        &self.text[from..to]
    }

    /// The word term `i` belongs to: the lemmas of an ambiguous word are
    /// terms of one position.
    pub fn position(&self, i: usize) -> usize {
        self.tokens[i].position
    }

    /// The byte range in the analysed text of term `i`.
    pub fn span(&self, i: usize) -> (usize, usize) {
        (self.tokens[i].start, self.tokens[i].end)
    }

    /// The terms in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.tokens.iter().map(|t| &self.text[t.term.0..t.term.1])
    }

    fn clear(&mut self) {
        self.text.clear();
        self.tokens.clear();
        self.stems.clear();
        self.stem_spans.clear();
        self.families.clear();
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Analyzer {
            russian: Stemmer::create(Algorithm::Russian),
            lexicon: self.lexicon.clone(),
            morphology: self.morphology.clone(),
            cache: Mutex::default(),
        }
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words = match self.morphology {
            Some(_) => "lemmas",
            None => "stems",
        };
        match self.lexicon {
            Some(_) => write!(f, "Analyzer(russian {words}, lexicon)"),
            None => write!(f, "Analyzer(russian {words})"),
        }
    }
}

impl Analyzer {
    /// Words, folded and stemmed; nothing else.
    pub fn new() -> Analyzer {
        Analyzer {
            russian: Stemmer::create(Algorithm::Russian),
            lexicon: None,
            morphology: None,
            cache: Mutex::default(),
        }
    }

    /// Words folded and reduced to their lemma when `morphology` lists
    /// them («сиделки», «сиделок» → `сиделка`; «уходит» → `уходить`, «ухода»
    /// → `уход`), to their stem otherwise (typos, new words, abbreviations):
    /// the analysis of the search index.
    pub fn lemmatizing(morphology: Arc<Morphology>) -> Analyzer {
        Analyzer {
            morphology: Some(morphology),
            ..Analyzer::new()
        }
    }

    /// Whether words are reduced to lemmas ([`Analyzer::lemmatizing`]).
    pub fn lemmatizes(&self) -> bool {
        self.morphology.is_some()
    }

    /// The dictionary of a lemmatizing analyzer.
    pub fn morphology(&self) -> Option<&Morphology> {
        self.morphology.as_deref()
    }

    /// Words folded and stemmed, then the phrases of `lexicon` folded into
    /// their family terms: «СО НКО», «социально ориентированных
    /// некоммерческих организаций» and «НКО» all become `нко`, «восьми»
    /// becomes `8`. A family term covers the byte range from its first
    /// word to its last. This is the analysis clustering uses; an index
    /// built with it must analyse its queries with it too.
    pub fn with_lexicon(lexicon: Lexicon) -> Analyzer {
        Analyzer {
            russian: Stemmer::create(Algorithm::Russian),
            lexicon: Some(Arc::new(lexicon)),
            morphology: None,
            cache: Mutex::default(),
        }
    }

    /// [`Analyzer::with_lexicon`] with the embedded lexicon.
    pub fn folding() -> Analyzer {
        Analyzer::with_lexicon(Lexicon::embedded())
    }

    /// The lexicon this analyzer folds with, if any.
    pub fn lexicon(&self) -> Option<&Lexicon> {
        self.lexicon.as_deref()
    }

    /// The cache of stems, locked. A poisoned cache is only a cache: it
    /// starts afresh.
    fn cache(&self) -> std::sync::MutexGuard<'_, StemCache> {
        self.cache.lock().unwrap_or_else(|poisoned| {
            let mut cache = poisoned.into_inner();
            cache.clear();
            cache
        })
    }

    /// Analyses `text` into `out` (emptied first): the tokens of
    /// [`Analyzer::tokens`] without an allocation per word.
    pub fn analyse(&self, text: &str, out: &mut Terms) {
        out.clear();
        let mut cache = self.cache();
        if let Some(lexicon) = &self.lexicon {
            lexicon::fold_families(
                &self.russian,
                self.morphology.as_deref(),
                &mut cache,
                lexicon,
                text,
                out,
            );
            return;
        }
        for (start, end) in words(text) {
            let from = out.text.len();
            term_into(
                &self.russian,
                self.morphology.as_deref(),
                &mut cache,
                None,
                &text[start..end],
                &mut out.folded,
                &mut out.text,
            );
            let position = out.tokens.last().map_or(0, |t| t.position + 1);
            // The lemmas of an ambiguous word: one token each, at one
            // position (only a lemmatizing analyzer writes them).
            let mut at = from;
            while let Some(k) = out.text[at..].find(ALTERNATIVE) {
                out.tokens.push(Span {
                    start,
                    end,
                    position,
                    term: (at, at + k),
                });
                at += k + ALTERNATIVE.len_utf8();
            }
            out.tokens.push(Span {
                start,
                end,
                position,
                term: (at, out.text.len()),
            });
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
        let mut terms = Terms::default();
        self.analyse(text, &mut terms);
        for (i, term) in terms.iter().enumerate() {
            let (start, end) = terms.span(i);
            f(Token {
                start,
                end,
                term: term.to_string(),
                position: terms.position(i),
            });
        }
    }

    /// The stem of one folded word. Words without Cyrillic letters (numbers,
    /// Latin abbreviations) are kept as they are.
    pub fn stem(&self, folded: &str) -> String {
        let mut out = String::new();
        stem_into(&self.russian, folded, &mut out);
        out
    }

    /// The terms of `text` word by word: each word's lemmas (one unless
    /// the word is ambiguous), or its stem.
    pub fn words(&self, text: &str) -> Vec<Vec<String>> {
        let mut terms = Terms::default();
        self.analyse(text, &mut terms);
        let mut words: Vec<Vec<String>> = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            match words.get_mut(terms.position(i)) {
                Some(word) => word.push(term.to_string()),
                None => words.push(vec![term.to_string()]),
            }
        }
        words
    }

    /// The terms of `text` only (every lemma of an ambiguous word).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut terms = Terms::default();
        self.analyse(text, &mut terms);
        terms.iter().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_words_are_folded_by_their_bytes() {
        for (word, basic) in [
            ("пожилых", true),
            ("Пожилых", true),
            ("ЁЛКА", true),
            ("ёлка", true),
            ("ЯСЛИ", true),
            ("COVID19", true),
            ("30", true),
            ("", true),
            ("сoциальный", false),
            ("й\u{306}", false),
            ("ӗ", false),
            ("straße", false),
        ] {
            let (mut fast, mut slow) = (String::new(), String::new());
            assert_eq!(fold_basic_into(word, &mut fast), basic, "{word:?}");
            if is_folded_basic(word) {
                assert_eq!(fast, word, "{word:?}");
            }
            fold_chars_into(word, &mut slow);
            if basic {
                assert_eq!(fast, slow, "{word:?}");
            } else {
                assert_eq!(fast, "", "{word:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn folding_by_bytes_agrees_with_folding_by_chars(word in "[а-яёА-ЯЁa-zA-Z0-9\u{306}\u{301}ӗ]{0,40}") {
            let (mut fast, mut slow) = (String::new(), String::new());
            fold_chars_into(&word, &mut slow);
            if fold_basic_into(&word, &mut fast) {
                proptest::prop_assert_eq!(&fast, &slow);
            }
            if is_folded_basic(&word) {
                proptest::prop_assert_eq!(&slow, &word);
            }
        }
    }

    /// Text of every kind a word scan meets: Cyrillic (with ё and the
    /// letters beyond а–я), Latin and look-alikes, digits, combining
    /// accents, invisible characters, dashes, quotes, other scripts.
    const MIXED: &str = "[ а-яёА-ЯЁѐ-џѠ-ҁ҂҃a-zA-Z0-9\u{300}-\u{36f}\u{ad}\u{200b}-\u{200f}\u{2060}\u{feff}\u{a0}—–‐−\\-.,«»\"'№²ßİǅ日٣Ωα𝔸]{0,60}";

    proptest::proptest! {
        #[test]
        fn word_scan_by_bytes_agrees_with_scan_by_chars(text in MIXED) {
            let fast: Vec<_> = words(&text).collect();
            let slow: Vec<_> = words_by_chars(&text).collect();
            proptest::prop_assert_eq!(fast, slow);
        }

        #[test]
        fn word_scan_agrees_on_any_text(text in "\\PC{0,40}") {
            let fast: Vec<_> = words(&text).collect();
            let slow: Vec<_> = words_by_chars(&text).collect();
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    proptest::proptest! {
        /// A remembered term is the term: the words of a text, analysed
        /// twice through one cache (the second time from it), give what
        /// folding and stemming each word afresh gives.
        #[test]
        fn remembered_terms_are_the_terms(text in MIXED) {
            // Number words and their cases, whatever else is drawn.
            let text = format!("Восьми восьми ВОСЬМИ 8 Пожилых пожилых {text}");
            let stemmer = Stemmer::create(Algorithm::Russian);
            let lexicon = Lexicon::embedded();
            for lexicon in [None, Some(&lexicon)] {
                let mut cache = StemCache::default();
                for _ in 0..2 {
                    for (start, end) in words_by_chars(&text) {
                        let word = &text[start..end];
                        let (mut folded, mut term) = (String::new(), String::new());
                        term_into(&stemmer, None, &mut cache, lexicon, word, &mut folded, &mut term);
                        let mut want = String::new();
                        fold_word_into(word, &mut want);
                        let want = match lexicon.and_then(|l| l.number(&want)) {
                            Some(figure) => figure.to_string(),
                            None if want.chars().any(is_cyrillic) => stemmer.stem(&want).into_owned(),
                            None => want,
                        };
                        proptest::prop_assert_eq!(term, want, "{:?}", word);
                    }
                }
            }
        }
    }

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
            // A virama composed in front of a vowel sign cannot start a word.
            ("\u{c55}\u{dca}", "\u{c55}"),
            // Latin look-alikes inside a Cyrillic word, but not in a Latin one.
            ("сoциальный", "социальный"),
            ("COVID и IT", "covid и it"),
            // NFC: й written as и + combining breve.
            ("и\u{306}од", "йод"),
            ("№ 5", "№ 5"),
            // NFC, not NFKC: the numero sign and superscripts survive.
            ("указ № 597, м²", "указ № 597, м²"),
            // Bidi marks and word joiners render as nothing.
            ("\u{200e}слово\u{2060}", "слово"),
            ("", ""),
            // List numbering and bullets, as long as words remain.
            ("3. Обеспечить сиделками", "обеспечить сиделками"),
            ("12) создать", "создать"),
            ("а) создать", "создать"),
            ("— Создать центр", "создать центр"),
            ("• создать", "создать"),
            ("1. 2. создать", "создать"),
            ("1.", "1."),
            ("- 5", "5"),
            // Not a list marker: a figure, a word.
            ("3.5 тысячи", "3.5 тысячи"),
            ("100 человек", "100 человек"),
            ("до 30 дней", "до 30 дней"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw), want, "normalize({raw:?})");
            assert_eq!(normalize(want), want, "idempotent on {want:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn normalize_is_idempotent(text in "[ а-яА-ЯёЁa-zA-Z0-9.,;:!?()«»\"'№%\u{a0}\u{ad}\u{200b}\u{301}\u{306}—–•*-]{0,40}") {
            let once = normalize(&text);
            proptest::prop_assert_eq!(normalize(&once), once.clone());
            proptest::prop_assert_eq!(match_key(&once), match_key(&text));
        }

        #[test]
        fn normalize_is_idempotent_on_any_text(text in "\\PC{0,30}") {
            let once = normalize(&text);
            proptest::prop_assert_eq!(normalize(&once), once);
        }
    }

    fn folded(text: &str) -> Vec<String> {
        Analyzer::folding().terms(text)
    }

    #[test]
    fn families_fold_abbreviations_and_synonyms() {
        // Each group of spellings folds to the same terms.
        let groups: [&[&str]; 9] = [
            &[
                "НКО",
                "СО НКО",
                "социально ориентированные некоммерческие организации",
                "социально ориентированным некоммерческим организациям",
            ],
            &[
                "КЦСОН",
                "комплексный центр социального обслуживания населения",
            ],
            &["МФЦ", "многофункциональные центры"],
            &["ТСР", "технических средств реабилитации"],
            &["бюро МСЭ", "медико-социальной экспертизы"],
            &["с ОВЗ", "с ограниченными возможностями здоровья"],
            &[
                "соцработник",
                "социальный работник",
                "социальных работников",
            ],
            &[
                "пожилых",
                "пенсионеров",
                "граждан старшего возраста",
                "престарелых",
            ],
            &["восьми", "8", "восемью"],
        ];
        for group in groups {
            let terms: Vec<Vec<String>> = group.iter().map(|t| folded(t)).collect();
            assert!(
                terms.windows(2).all(|w| w[0] == w[1]),
                "{group:?} -> {terms:?}"
            );
        }
        // Negations and numbers are kept, and «семей» is not «семи».
        assert_eq!(folded("не учитывать")[0], "не");
        assert_eq!(folded("без учета")[0], "без");
        assert_ne!(folded("семей"), folded("семи"));
        assert_eq!(folded("до 30 дней")[1], "30");
        // «один» is "a single" more often than a count: not a figure.
        assert_ne!(folded("одним соцработником")[0], "1");
        assert_eq!(folded("в первый год")[1], "1");
    }

    #[test]
    fn folded_tokens_span_their_words() {
        let text = "Поддержка «СО НКО» и пенсионеров";
        let tokens = Analyzer::folding().tokens(text);
        let spans: Vec<(&str, &str)> = tokens
            .iter()
            .map(|t| (&text[t.start..t.end], t.term.as_str()))
            .collect();
        assert_eq!(
            spans,
            [
                ("Поддержка", "поддержк"),
                ("СО НКО", "нко"),
                ("и", "и"),
                ("пенсионеров", "пожилые"),
            ]
        );
    }

    #[test]
    fn openings_and_antonyms() {
        let lexicon = Lexicon::embedded();
        let analyzer = Analyzer::with_lexicon(lexicon.clone());
        let cases = [
            ("Предлагаем создать центр", 1),
            ("Считаем целесообразным создать центр", 2),
            ("Необходимо. Предлагаем создать центр", 2),
            ("Создать центр", 0),
            // An opening alone is the text, not boilerplate.
            ("Необходимо", 0),
        ];
        for (text, want) in cases {
            assert_eq!(lexicon.opening_len(&analyzer.terms(text)), want, "{text:?}");
        }
        // One axis per antonym pair of synonyms.toml: 0 ввести / отменить,
        // 1 включить / освободить, 2 учитывать / не учитывать.
        let polarity = |text: &str| lexicon.polarities(&analyzer.terms(text));
        assert_eq!(polarity("Ввести требование лицензии")[..3], [1, 0, 0]);
        assert_eq!(polarity("Отменить требование лицензии")[..3], [-1, 0, 0]);
        assert_eq!(polarity("Включать стипендии в доход")[..3], [0, 1, 0]);
        assert_eq!(polarity("Освободить НКО от НОК")[..3], [0, -1, 0]);
        assert_eq!(polarity("Не учитывать стипендии")[..3], [0, 0, -1]);
        assert_eq!(polarity("Учитывать стипендии")[..3], [0, 0, 1]);
        // Another axis: introducing a payment "whatever the region" is not
        // the opposite of introducing it.
        assert_eq!(
            polarity("Ввести выплату независимо от региона")[..3],
            [1, 0, -1]
        );
        assert_eq!(polarity("Создать центр")[..3], [0, 0, 0]);
    }

    #[test]
    fn lexicon_errors_say_where() {
        let bad = |text: &str| {
            Lexicon::from_texts(&[("mine.toml".to_string(), text.to_string())])
                .unwrap_err()
                .to_string()
        };
        let cases = [
            ("[[family]]\nterm = \"x\"\n", "lexicon mine.toml: "),
            (
                "[[family]]\nterm = \"a\"\nforms = [\"мфц\"]\n[[family]]\nterm = \"b\"\nforms = [\"МФЦ\"]\n",
                "is in two families",
            ),
            (
                "[[family]]\nterm = \"a\"\nforms = [\"—\"]\n",
                "has no words",
            ),
        ];
        for (text, want) in cases {
            let message = bad(text);
            assert!(message.contains(want), "{text:?}: {message}");
            assert!(message.starts_with("lexicon mine.toml"), "{message}");
        }
    }

    #[test]
    fn lexicon_from_a_folder_replaces_the_embedded_file() {
        let dir = std::env::temp_dir().join(format!("sborka-text-lexicon-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("synonyms.toml"),
            "[[family]]\nterm = \"ёлка\"\nforms = [\"ель\", \"елка\"]\n",
        )
        .unwrap();
        let lexicon =
            Lexicon::from_files(&sborka_core::CatalogFiles::load_dir(&dir).unwrap()).unwrap();
        let analyzer = Analyzer::with_lexicon(lexicon.clone());
        assert_eq!(analyzer.terms("ели"), analyzer.terms("ёлки"));
        // The embedded abbreviations stay; the embedded synonyms are gone.
        assert_eq!(
            analyzer.terms("МФЦ"),
            analyzer.terms("многофункциональный центр")
        );
        assert_ne!(analyzer.terms("пенсионеров"), analyzer.terms("пожилых"));
        assert_eq!(lexicon.sources()[0].1, "embedded");
        assert!(lexicon.sources()[1].1.ends_with("synonyms.toml"));
        let missing = sborka_core::CatalogFiles::load_dir(&dir.join("nope")).unwrap_err();
        assert!(missing.to_string().contains("not a folder"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn one_terms_buffer_serves_many_texts() {
        let analyzer = Analyzer::folding();
        let mut terms = Terms::default();
        for text in [
            "Поддержка «СО НКО» и пенсионеров",
            "",
            "Ёлка — для восьми детей-сирот",
            "—",
            "Поддержка «СО НКО» и пенсионеров",
        ] {
            analyzer.analyse(text, &mut terms);
            let tokens = analyzer.tokens(text);
            assert_eq!(terms.len(), tokens.len(), "{text:?}");
            assert_eq!(terms.is_empty(), tokens.is_empty());
            for (i, (term, token)) in terms.iter().zip(&tokens).enumerate() {
                assert_eq!(term, token.term, "{text:?}");
                assert_eq!(terms.term(i), token.term);
                assert_eq!(terms.span(i), (token.start, token.end));
            }
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
