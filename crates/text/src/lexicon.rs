//! The lexicon: abbreviation and synonym families, boilerplate openings and
//! antonyms, read from `catalog/abbreviations.toml` and
//! `catalog/synonyms.toml` (embedded, or replaced from a folder).

use std::collections::HashMap;
use std::fmt;

use sborka_core::CatalogFiles;

use serde::Deserialize;

use rust_stemmers::Stemmer;

use crate::{Analyzer, Span, StemCache, Terms, term_into, words};

/// The lexicon's catalogue files (read by `sborka-core`'s one loader,
/// [`CatalogFiles`]).
const FILES: [&str; 2] = ["abbreviations.toml", "synonyms.toml"];

/// Number words and the figure they stand for, so that «восемь» and «8»,
/// «трех» and «3» are one term. Only word forms that cannot be another
/// word are listed (no «сто», which stems like «стоит»).
const NUMBER_WORDS: &[(&str, &[&str])] = &[
    (
        "1",
        &[
            // Not «один» and its forms: in a proposal they mean "a single"
            // or "alone" more often than a count («одним соцработником»,
            // «одного раза в три года», «в одном окне», «один на один»).
            "первый",
            "первого",
            "первая",
            "первой",
        ],
    ),
    (
        "2",
        &[
            "два",
            "две",
            "двух",
            "двум",
            "двумя",
            "второй",
            "второго",
            "второе",
        ],
    ),
    (
        "3",
        &[
            "три",
            "трех",
            "трем",
            "тремя",
            "третий",
            "третьего",
            "третьей",
            "третья",
            "третье",
        ],
    ),
    (
        "4",
        &["четыре", "четырех", "четырем", "четвертый", "четвертого"],
    ),
    ("5", &["пять", "пяти", "пятью", "пятый", "пятого"]),
    ("6", &["шесть", "шести", "шестой", "шестого"]),
    ("7", &["семь", "семи", "седьмой", "седьмого"]),
    ("8", &["восемь", "восьми", "восемью", "восьмой", "восьмого"]),
    ("9", &["девять", "девяти", "девятый"]),
    ("10", &["десять", "десяти", "десятый", "десятого"]),
    ("12", &["двенадцать", "двенадцати", "двенадцатью"]),
    ("20", &["двадцать", "двадцати"]),
    ("11", &["одиннадцать", "одиннадцати"]),
    ("14", &["четырнадцать", "четырнадцати"]),
    ("15", &["пятнадцать", "пятнадцати"]),
    ("16", &["шестнадцать", "шестнадцати"]),
    ("18", &["восемнадцать", "восемнадцати"]),
    ("30", &["тридцать", "тридцати"]),
    ("40", &["сорок", "сорока"]),
    ("50", &["пятьдесят", "пятидесяти"]),
    ("60", &["шестьдесят", "шестидесяти"]),
    ("70", &["семьдесят", "семидесяти"]),
    ("80", &["восемьдесят", "восьмидесяти"]),
    ("90", &["девяносто", "девяноста"]),
    // «Ста» and «сто» only as whole words («стоит» is another word).
    ("100", &["сто", "ста"]),
    ("200", &["двести", "двухсот"]),
    ("300", &["триста", "трехсот"]),
    ("500", &["пятьсот", "пятисот"]),
    (
        "2",
        &[
            "двукратный",
            "двукратного",
            "двукратном",
            "двукратной",
            "двукратная",
            "двукратное",
            "двукратную",
        ],
    ),
    (
        "3",
        &[
            "трехкратный",
            "трехкратного",
            "трехкратной",
            "трехкратная",
            "трехкратное",
            "трехкратную",
        ],
    ),
];

/// A lexicon file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    /// `abbreviations.toml`, `synonyms.toml`, or a path.
    pub file: String,
    pub message: String,
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lexicon {}: {}", self.file, self.message)
    }
}

impl std::error::Error for LexiconError {}

impl LexiconError {
    fn new(file: &str, message: impl fmt::Display) -> LexiconError {
        LexiconError {
            file: file.to_string(),
            message: message.to_string(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FamilyEntry {
    term: String,
    #[serde(default)]
    group: bool,
    forms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AntonymEntry {
    a: Vec<String>,
    b: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    openings: Vec<String>,
    #[serde(default)]
    family: Vec<FamilyEntry>,
    #[serde(default)]
    antonyms: Vec<AntonymEntry>,
    #[serde(default)]
    function_words: Vec<String>,
}

type FxHashSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<crate::FxHasher>>;

/// One phrase of the lexicon as a sequence of stems.
type Phrase = Vec<String>;

/// Abbreviation and synonym families, boilerplate openings and antonym
/// pairs, as stem sequences.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    /// The first characters of a phrase's first stem (see [`bucket`]) →
    /// its [`Family`], the place of its phrases in `families`.
    buckets: crate::FxHashMap<String, Family>,
    /// The phrases of each bucket: (the whole phrase, family term),
    /// longest phrase first.
    families: Vec<Vec<(Phrase, String)>>,
    /// Family terms that name a target group.
    groups: FxHashSet<String>,
    /// Opening phrases as family-folded term sequences.
    openings: Vec<Phrase>,
    /// Antonym pairs as family-folded term sequences: (a side, b side).
    antonyms: Vec<(Vec<Phrase>, Vec<Phrase>)>,
    /// Every phrase of [`Lexicon::antonyms`], found by its first word:
    /// ordered by the [`initial`] of that word, those of initial bit `k`
    /// being `antonym_phrases[antonym_starts[k]..antonym_starts[k + 1]]`.
    antonym_phrases: Vec<AntonymPhrase>,
    antonym_starts: Vec<usize>,
    /// The [`bucket`]s of the first words of the antonym phrases: a text
    /// without a term in one of them has no polarity, and is told so by
    /// one lookup per term.
    antonym_buckets: FxHashSet<String>,
    /// The [`initial`]s of those buckets, as bits: most terms are told
    /// apart by their first letter, without hashing.
    antonym_initials: u64,
    /// Function words (prepositions, conjunctions, particles, pronouns)
    /// as folded terms: words that carry no content of their own, so that
    /// a text differing from another only by them says the same thing.
    function_words: FxHashSet<String>,
    /// Folded number words → the figure («восьми» → `8`).
    numbers: crate::FxHashMap<String, &'static str>,
    /// Where each file came from: `embedded` or a path.
    sources: Vec<(String, String)>,
    /// Each family as written: its term and its forms, in file order.
    written: Vec<(String, Vec<String>)>,
}

impl Lexicon {
    /// The lexicon compiled in from the repository's `catalog/` folder.
    pub fn embedded() -> Lexicon {
        Lexicon::from_files(&CatalogFiles::embedded()).expect("the embedded lexicon is valid")
    }

    /// The lexicon of the catalogue files `files` (`abbreviations.toml`
    /// and `synonyms.toml`).
    pub fn from_files(files: &CatalogFiles) -> Result<Lexicon, LexiconError> {
        let texts: Vec<(String, String)> = FILES
            .iter()
            .map(|&name| {
                let shown = match files.source(name) {
                    "embedded" => name,
                    path => path,
                };
                (shown.to_string(), files.text(name).to_string())
            })
            .collect();
        Lexicon::from_texts(&texts)
    }

    /// Builds a lexicon from `(source name, TOML text)` pairs.
    pub fn from_texts(texts: &[(String, String)]) -> Result<Lexicon, LexiconError> {
        let plain = Analyzer::new();
        let mut lexicon = Lexicon::default();
        let mut openings = Vec::new();
        let mut antonyms = Vec::new();
        let mut function_words = Vec::new();
        let mut seen: HashMap<Phrase, String> = HashMap::new();
        for (name, text) in texts {
            let file: LexiconFile = toml::from_str(text)
                .map_err(|e| LexiconError::new(name, e.to_string().trim_end()))?;
            for family in file.family {
                if family.term.trim().is_empty() {
                    return Err(LexiconError::new(name, "a family has an empty term"));
                }
                let term = crate::normalize(&family.term);
                lexicon.written.push((term.clone(), family.forms.clone()));
                if family.group {
                    lexicon.groups.insert(term.clone());
                }
                for form in &family.forms {
                    let phrase = plain.terms(form);
                    if phrase.is_empty() {
                        return Err(LexiconError::new(
                            name,
                            format!("family «{}»: form {form:?} has no words", family.term),
                        ));
                    }
                    match seen.get(&phrase) {
                        Some(other) if *other != term => {
                            return Err(LexiconError::new(
                                name,
                                format!("form {form:?} is in two families: «{other}» and «{term}»"),
                            ));
                        }
                        Some(_) => continue,
                        None => {}
                    }
                    seen.insert(phrase.clone(), term.clone());
                    let next = Family(lexicon.families.len() as u32);
                    let at = *lexicon
                        .buckets
                        .entry(bucket(&phrase[0]).to_string())
                        .or_insert(next);
                    if at == next {
                        lexicon.families.push(Vec::new());
                    }
                    lexicon.families[at.0 as usize].push((phrase, term.clone()));
                }
            }
            openings.extend(file.openings);
            antonyms.extend(file.antonyms);
            function_words.extend(file.function_words);
        }
        // Number words are matched as folded words, not stems: «семи»
        // and «семей» share a stem.
        for (number, forms) in NUMBER_WORDS {
            for form in *forms {
                lexicon.numbers.insert((*form).to_string(), *number);
            }
        }
        // Longest first; then by the phrase, so that the order does not
        // depend on the order of the files. (Each list is sorted on its own:
        // the order of the buckets does not matter.)
        lexicon.families.iter_mut().for_each(|candidates| {
            candidates.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        });
        // Openings and antonyms are matched against folded terms, so fold
        // them with the families just read.
        let folding = Analyzer::with_lexicon(lexicon.clone());
        lexicon.openings = openings
            .iter()
            .map(|o| folding.terms(o))
            .filter(|t| !t.is_empty())
            .collect();
        lexicon.openings.sort();
        lexicon.openings.dedup();
        let side = |words: &[String]| -> Vec<Phrase> {
            words
                .iter()
                .map(|w| folding.terms(w))
                .filter(|t| !t.is_empty())
                .collect()
        };
        lexicon.function_words = function_words
            .iter()
            .flat_map(|w| folding.terms(w))
            .collect();
        lexicon.antonyms = antonyms.iter().map(|p| (side(&p.a), side(&p.b))).collect();
        lexicon.antonym_buckets = lexicon
            .antonyms
            .iter()
            .flat_map(|(a, b)| a.iter().chain(b))
            .map(|phrase| bucket(&phrase[0]).to_string())
            .collect();
        lexicon.antonym_phrases = Vec::new();
        for (pair, (a, b)) in lexicon.antonyms.iter().enumerate() {
            for (phrases, b_side) in [(a, false), (b, true)] {
                lexicon
                    .antonym_phrases
                    .extend(phrases.iter().map(|words| AntonymPhrase {
                        initial: initial(&words[0]),
                        pair,
                        b_side,
                        words: words.clone(),
                    }));
            }
        }
        // By initial (stable: a pair's phrases keep their order).
        lexicon
            .antonym_phrases
            .sort_by_key(|p| p.initial.trailing_zeros());
        lexicon.antonym_starts = (0..=64)
            .map(|k| {
                lexicon
                    .antonym_phrases
                    .partition_point(|p| (p.initial.trailing_zeros() as usize) < k)
            })
            .collect();
        lexicon.antonym_initials = lexicon
            .antonyms
            .iter()
            .flat_map(|(a, b)| a.iter().chain(b))
            .fold(0, |bits, phrase| bits | initial(&phrase[0]));
        lexicon.sources = texts
            .iter()
            .zip(FILES)
            .map(|((shown, _), name)| {
                let source = if shown == name { "embedded" } else { shown };
                (name.to_string(), source.to_string())
            })
            .collect();
        Ok(lexicon)
    }

    /// Every family as written in the files: its term and its forms, in
    /// file order (what a search expands a query with).
    pub fn families(&self) -> impl Iterator<Item = (&str, &[String])> + '_ {
        self.written.iter().map(|(t, f)| (t.as_str(), f.as_slice()))
    }

    /// Where each lexicon file came from: `embedded` or a path.
    pub fn sources(&self) -> &[(String, String)] {
        &self.sources
    }

    /// The family bucket a stem begins, if any: where
    /// [`Lexicon::longest_match`] looks for phrases starting with it.
    pub(crate) fn family(&self, stem: &str) -> Option<Family> {
        self.buckets.get(bucket(stem)).copied()
    }

    /// The longest family phrase that starts `spans` (stems in `stems`;
    /// the first in bucket `family`): its length in stems and the family
    /// term.
    fn longest_match(&self, stems: &str, spans: &[Span], family: Family) -> Option<(usize, &str)> {
        let stem = |k: usize| &stems[spans[k].term.0..spans[k].term.1];
        self.families[family.0 as usize]
            .iter()
            .find(|(phrase, _)| {
                // Single words must match exactly: a one-word form is often
                // a short abbreviation. Inside a phrase a word may be
                // stemmed to a longer or shorter stem in another case
                // («граждане» → «граждан», «граждан» → «гражда»).
                if phrase.len() == 1 {
                    return stem(0) == phrase[0];
                }
                phrase.len() <= spans.len()
                    && phrase
                        .iter()
                        .enumerate()
                        .all(|(k, p)| same_stem(p, stem(k)))
            })
            .map(|(phrase, term)| (phrase.len(), term.as_str()))
    }

    /// The figure a folded number word stands for.
    pub(crate) fn number(&self, folded: &str) -> Option<&'static str> {
        self.numbers.get(folded).copied()
    }

    /// Whether a folded term names a target group.
    pub fn is_group(&self, term: &str) -> bool {
        self.groups.contains(term)
    }

    /// The function words, as folded terms, in no particular order.
    pub fn function_words(&self) -> impl Iterator<Item = &str> + '_ {
        self.function_words.iter().map(String::as_str)
    }

    /// Whether a folded term is a function word (`function_words` in
    /// `synonyms.toml`): a preposition, conjunction, particle or pronoun.
    pub fn is_function_word(&self, term: &str) -> bool {
        self.function_words.contains(term)
    }

    /// How many leading terms are boilerplate openings («Предлагаем»,
    /// «Считаем целесообразным»), possibly several in a row.
    pub fn opening_len<S: AsRef<str>>(&self, terms: &[S]) -> usize {
        let mut at = 0;
        'outer: loop {
            for opening in &self.openings {
                let starts = terms.len() - at >= opening.len()
                    && terms[at..]
                        .iter()
                        .zip(opening)
                        .all(|(t, o)| t.as_ref() == o.as_str());
                if starts && at + opening.len() < terms.len() {
                    at += opening.len();
                    continue 'outer;
                }
            }
            return at;
        }
    }

    /// The polarity of `terms` on each antonym pair: `1` when it holds a
    /// phrase of side a and none of side b, `-1` when it holds a phrase of
    /// side b, `0` when neither. Side b wins because its phrases often
    /// contain side a's («не учитывать» holds «учитывать»). A word of a
    /// phrase matches every term it begins, so that the aspects of a verb
    /// («включ-ить», «включа-ть») count alike.
    pub fn polarities<S: AsRef<str>>(&self, terms: &[S]) -> Vec<i8> {
        // Per pair: bit 0 set when a phrase of side a is held, bit 1 side b.
        let mut held = vec![0u8; self.antonyms.len()];
        self.antonyms_held(terms, |pair, b_side| {
            held[pair] |= if b_side { 2 } else { 1 };
        });
        held.into_iter()
            .map(|h| match h {
                0 => 0,
                1 => 1,
                _ => -1,
            })
            .collect()
    }

    /// [`Lexicon::polarities`] of the first 32 pairs as bits, without an
    /// allocation: bit i of `.0` set when pair i is `1`, of `.1` when `-1`.
    pub fn polarity_bits<S: AsRef<str>>(&self, terms: &[S]) -> (u32, u32) {
        let (mut a, mut b) = (0u32, 0u32);
        self.antonyms_held(terms, |pair, b_side| {
            if pair < 32 {
                if b_side {
                    b |= 1 << pair;
                } else {
                    a |= 1 << pair;
                }
            }
        });
        (a & !b, b)
    }

    /// Calls `held(pair, b_side)` for every antonym phrase `terms` hold.
    fn antonyms_held<S: AsRef<str>>(&self, terms: &[S], mut held: impl FnMut(usize, bool)) {
        for (i, term) in terms.iter().enumerate() {
            let term = term.as_ref();
            let first = initial(term);
            if self.antonym_initials & first == 0 {
                continue;
            }
            // Whether a phrase may start at this term at all: asked once,
            // only of a term that begins like a phrase.
            let mut admitted = None;
            let k = first.trailing_zeros() as usize;
            let (Some(&from), Some(&to)) =
                (self.antonym_starts.get(k), self.antonym_starts.get(k + 1))
            else {
                continue;
            };
            for phrase in &self.antonym_phrases[from..to] {
                if !term.starts_with(phrase.words[0].as_str()) {
                    continue;
                }
                if !*admitted.get_or_insert_with(|| self.antonym_buckets.contains(bucket(term))) {
                    break;
                }
                let rest = &phrase.words[1..];
                let holds = terms.get(i + 1..i + 1 + rest.len()).is_some_and(|ts| {
                    ts.iter()
                        .zip(rest)
                        .all(|(t, w)| t.as_ref().starts_with(w.as_str()))
                });
                if holds {
                    held(phrase.pair, phrase.b_side);
                }
            }
        }
    }
}

/// An antonym phrase with the pair and side it belongs to.
#[derive(Clone, Debug, Default)]
struct AntonymPhrase {
    /// The [`initial`] of its first word.
    initial: u64,
    pair: usize,
    b_side: bool,
    words: Phrase,
}

/// The place of a bucket of family phrases in [`Lexicon`]: remembered
/// with each word's term, so that a repeated word finds its phrases
/// without hashing its stem again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Family(u32);

/// How many characters of a first stem key the families.
const BUCKET: usize = 4;

/// The key of a phrase's first stem in the family map: its first
/// [`BUCKET`] characters.
fn bucket(stem: &str) -> &str {
    match stem.char_indices().nth(BUCKET) {
        Some((i, _)) => &stem[..i],
        None => stem,
    }
}

/// A term's first letter as a bit: bits 0–31 for а–я, bit 63 for anything
/// else (another letter, a digit, nothing).
fn initial(term: &str) -> u64 {
    match term.chars().next() {
        Some(c @ 'а'..='я') => 1 << (c as u32 - 'а' as u32),
        _ => 1 << 63,
    }
}

/// Whether two stems may stand for one word: equal, or one begins the
/// other and the shorter has at least [`BUCKET`] characters.
fn same_stem(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // The prefix test first: counting characters is the dearer part.
    long.starts_with(short) && (short.len() == long.len() || short.chars().count() >= BUCKET)
}

/// Folds `text` into family terms: the words, folded and stemmed, with
/// every lexicon phrase replaced by its family term, each with the byte
/// range of its words in `text`, into `out` (emptied by the caller).
pub(crate) fn fold_families(
    stemmer: &Stemmer,
    morphology: Option<&crate::Morphology>,
    cache: &mut StemCache,
    lexicon: &Lexicon,
    text: &str,
    out: &mut Terms,
) {
    for (start, end) in words(text) {
        let from = out.stems.len();
        let family = term_into(
            stemmer,
            morphology,
            cache,
            Some(lexicon),
            &text[start..end],
            &mut out.folded,
            &mut out.stems,
        );
        out.families.push(family);
        out.stem_spans.push(Span {
            start,
            end,
            position: out.stem_spans.len(),
            term: (from, out.stems.len()),
        });
    }
    let mut i = 0;
    while i < out.stem_spans.len() {
        let from = out.text.len();
        let found = out.families[i]
            .and_then(|family| lexicon.longest_match(&out.stems, &out.stem_spans[i..], family));
        let (len, end) = match found {
            Some((len, term)) => {
                out.text.push_str(term);
                (len, out.stem_spans[i + len - 1].end)
            }
            None => {
                let (a, b) = out.stem_spans[i].term;
                out.text.push_str(&out.stems[a..b]);
                (1, out.stem_spans[i].end)
            }
        };
        out.tokens.push(Span {
            position: out.tokens.len(),
            start: out.stem_spans[i].start,
            end,
            term: (from, out.text.len()),
        });
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Polarity as its definition says, phrase by phrase over every place
    /// a phrase may start: what [`Lexicon::polarities`] must give.
    fn polarities_by_definition(lexicon: &Lexicon, terms: &[String]) -> Vec<i8> {
        let starts: Vec<usize> = (0..terms.len())
            .filter(|&i| lexicon.antonym_buckets.contains(bucket(&terms[i])))
            .collect();
        let holds = |phrases: &[Phrase]| {
            phrases.iter().any(|p| {
                starts.iter().any(|&i| {
                    terms
                        .get(i..i + p.len())
                        .is_some_and(|w| w.iter().zip(p).all(|(t, p)| t.starts_with(p.as_str())))
                })
            })
        };
        lexicon
            .antonyms
            .iter()
            .map(|(a, b)| {
                if holds(b) {
                    -1
                } else if holds(a) {
                    1
                } else {
                    0
                }
            })
            .collect()
    }

    /// Words that make the antonym phrases, begin like them, or are cut
    /// from them, with some others.
    fn vocabulary(lexicon: &Lexicon) -> Vec<String> {
        let mut words: Vec<String> = ["центр", "в", "вдоль", "не", "без", "учет", "2025", ""]
            .map(String::from)
            .to_vec();
        for phrase in &lexicon.antonym_phrases {
            for word in &phrase.words {
                words.push(word.clone());
                words.push(format!("{word}ова"));
                words.push(bucket(word).to_string());
                words.push(word.chars().take(2).collect());
            }
        }
        words.sort();
        words.dedup();
        words
    }

    proptest! {
        #[test]
        fn polarities_follow_the_definition(picks in prop::collection::vec(any::<prop::sample::Index>(), 0..12)) {
            let lexicon = Lexicon::embedded();
            let words = vocabulary(&lexicon);
            let terms: Vec<String> = picks.iter().map(|i| i.get(&words).clone()).collect();
            let want = polarities_by_definition(&lexicon, &terms);
            prop_assert_eq!(lexicon.polarities(&terms), want.clone());
            let bit = |value: i8| {
                want.iter()
                    .take(32)
                    .enumerate()
                    .filter(|&(_, &p)| p == value)
                    .fold(0u32, |bits, (i, _)| bits | 1 << i)
            };
            prop_assert_eq!(lexicon.polarity_bits(&terms), (bit(1), bit(-1)));
        }
    }
}
