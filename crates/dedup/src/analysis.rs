//! Analysis: each text once into a [`Doc`], what every pair decision reads
//! of it.
//!
//! A text is normalized (`sborka_text::normalize`), its numbers after «№»
//! dropped (identifiers, not amounts), analysed by the lexicon's
//! [`Analyzer`] (stems, families, number words), its boilerplate opening
//! dropped and «не» moved past a modal word («не следует включать» →
//! «не включать»). Terms become *features* (stems cut to [`PREFIX`]
//! characters, family terms whole) kept as sorted hashes, with what the
//! guards read (numbers, target groups, negated terms, antonym polarity).

use rayon::prelude::*;
use sborka_core::stable_hash;
use sborka_text::{Analyzer, FxHashMap, Terms};

use crate::{Deduper, Prepared, Vocabulary};

/// One text, analysed.
#[derive(Clone, Debug)]
pub(crate) struct Doc {
    /// Hash of the matching text: equal for verbatim copies.
    pub(crate) verbatim: u64,
    /// 128-bit hash of the folded terms: equal for exact duplicates.
    pub(crate) exact: (u64, u64),
    /// Length of the raw text, in bytes.
    pub(crate) len: u32,
    /// Hash of the raw text, to break ties without looking at file order.
    pub(crate) raw: u64,
    /// The distinct folded terms (as hashes), sorted.
    pub(crate) terms: Box<[u64]>,
    /// The numbers stated, sorted.
    pub(crate) numbers: Box<[u64]>,
    /// The target groups named, sorted.
    pub(crate) groups: Box<[u64]>,
    /// Terms negated by «не» or «без», sorted.
    pub(crate) negated: Box<[u64]>,
    /// Polarity on each antonym pair of the lexicon: bit i of `.0` set for
    /// side a, of `.1` for side b.
    pub(crate) polarity: (u32, u32),
}

/// What analysing a text needs and the next text can reuse.
#[derive(Default)]
pub(crate) struct Scratch {
    normalized: String,
    terms: Terms,
    hashes: Vec<u64>,
}

/// The whole terms one worker has seen: term hash → (feature hash, term).
/// Keyed by the whole term so that a term seen again costs one lookup.
type Seen = FxHashMap<u64, (u64, Box<str>)>;

/// Two FNV-1a hashes (the second from another offset, to make exact keys
/// 128 bits wide) of words joined by single spaces, fed a word at a time:
/// `a` equals `stable_hash` of the joined text.
struct Fnv {
    a: u64,
    b: u64,
    empty: bool,
}

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv {
            a: 0xcbf2_9ce4_8422_2325,
            b: 0x6c62_272e_07bb_0142,
            empty: true,
        }
    }
}

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.a = (self.a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            self.b = (self.b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn word(&mut self, word: &str) {
        if !self.empty {
            self.bytes(b" ");
        }
        self.empty = false;
        self.bytes(word.as_bytes());
    }

    /// Feeds the words of `text`, its runs of letters and digits, one by
    /// one. Scans bytes: ASCII is told by a table and a Cyrillic letter of
    /// U+0400–U+047F (lead byte D0 or D1, all letters) without decoding
    /// it; other characters are decoded.
    fn words(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut start = None;
        let mut at = 0;
        while let Some(&b) = bytes.get(at) {
            let (len, alphanumeric) = match b {
                0..0x80 => (1, b.is_ascii_alphanumeric()),
                0xd0 | 0xd1 => (2, true),
                _ => text[at..]
                    .chars()
                    .next()
                    .map_or((1, false), |c| (c.len_utf8(), c.is_alphanumeric())),
            };
            match (alphanumeric, start) {
                (true, None) => start = Some(at),
                (false, Some(from)) => {
                    self.word(&text[from..at]);
                    start = None;
                }
                _ => {}
            }
            at += len;
        }
        if let Some(from) = start {
            self.word(&text[from..]);
        }
    }
}

pub(crate) fn term_hash(term: &str) -> u64 {
    stable_hash(term.as_bytes())
}

/// How many characters of a stem clustering compares: Snowball leaves some
/// forms apart («сиделок» / «сиделк», «граждан» / «гражда»), and cutting
/// every stem to its first characters brings them together, at the price
/// of a few merges of words that begin alike, which the similarity of the
/// rest of the text has to outweigh.
pub(crate) const PREFIX: usize = 5;

/// The hash of a term's feature.
pub(crate) fn feature_hash(term: &str) -> u64 {
    term_hash(feature(term))
}

/// The feature of a term: family terms and numbers whole, words cut to
/// their first [`PREFIX`] characters.
pub(crate) fn feature(term: &str) -> &str {
    match term.char_indices().nth(PREFIX) {
        Some((i, _)) if !term.contains(' ') => &term[..i],
        _ => term,
    }
}

fn is_number(term: &str) -> bool {
    !term.is_empty() && term.bytes().all(|b| b.is_ascii_digit())
}

fn sorted(mut v: Vec<u64>) -> Box<[u64]> {
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

impl Deduper {
    /// The folded terms clustering compares for `text`, boilerplate
    /// opening dropped (for explaining a decision).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let normalized = sborka_text::normalize(text);
        let mut terms = self.analyzer.terms(&drop_identifiers(&normalized));
        if let Some(lexicon) = self.analyzer.lexicon() {
            terms.drain(..lexicon.opening_len(&terms));
        }
        drop_negated_modals(&mut terms);
        terms
    }

    /// Analyses every text once, in parallel. Texts written the same, byte
    /// for byte (pasted copies, a fifth of the generated corpora), are
    /// analysed once and their [`Doc`] copied.
    pub fn prepare<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Prepared {
        let text = |i: u32| texts[i as usize].as_ref();
        let n = u32::try_from(texts.len()).expect("fewer than 2^32 proposals");
        let raw: Vec<u64> = texts
            .par_iter()
            .map(|t| stable_hash(t.as_ref().as_bytes()))
            .collect();
        // The first text written the same as each (itself, mostly): texts
        // ordered by hash, then compared within a run of equal hashes.
        let mut order: Vec<u32> = (0..n).collect();
        order.par_sort_unstable_by_key(|&i| (raw[i as usize], i));
        let mut original: Vec<u32> = (0..n).collect();
        let mut firsts = Vec::new();
        for run in order.chunk_by(|&a, &b| raw[a as usize] == raw[b as usize]) {
            // The different texts of the run (one, unless hashes collide).
            firsts.clear();
            for &i in run {
                match firsts.iter().find(|&&f| text(f) == text(i)) {
                    Some(&first) => original[i as usize] = first,
                    None => firsts.push(i),
                }
            }
        }
        drop(order);
        let unique: Vec<u32> = (0..n).filter(|&i| original[i as usize] == i).collect();
        // One analyzer (with its cache of stems) per worker thread, for the
        // whole call: rayon's per-job state would start many cold caches.
        let analyzers: Vec<Analyzer> = (0..rayon::current_num_threads().max(1))
            .map(|_| self.analyzer.clone())
            .collect();
        let vocabularies: Vec<std::sync::Mutex<Seen>> =
            (0..analyzers.len()).map(|_| Default::default()).collect();
        let mut analysed = unique
            .par_iter()
            .map_init(Scratch::default, |scratch, &i| {
                let worker = rayon::current_thread_index().unwrap_or(0) % analyzers.len();
                let mut vocabulary = vocabularies[worker]
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                self.analyse(
                    &analyzers[worker],
                    scratch,
                    &mut vocabulary,
                    text(i),
                    raw[i as usize],
                )
            })
            .collect::<Vec<Doc>>()
            .into_iter();
        // A copy always comes after its original.
        let mut docs: Vec<Doc> = Vec::with_capacity(texts.len());
        for (i, &first) in original.iter().enumerate() {
            let doc = if first as usize == i {
                analysed.next().expect("an analysis for every original")
            } else {
                docs[first as usize].clone()
            };
            docs.push(doc);
        }
        // The whole terms of each feature, sorted: the same whichever
        // worker saw which.
        let mut vocabulary: FxHashMap<u64, Vec<Box<str>>> = FxHashMap::default();
        for worker in vocabularies {
            let seen = worker
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Each list is sorted below, so the map's order does not
            // reach the vocabulary.
            #[allow(clippy::iter_over_hash_type)]
            for (_, (h, term)) in seen {
                vocabulary.entry(h).or_default().push(term);
            }
        }
        Prepared {
            docs,
            vocabulary: Vocabulary::new(vocabulary),
        }
    }

    /// One text's [`Doc`]; `scratch` is reused from text to text.
    fn analyse(
        &self,
        analyzer: &Analyzer,
        scratch: &mut Scratch,
        vocabulary: &mut Seen,
        text: &str,
        raw: u64,
    ) -> Doc {
        sborka_text::normalize_into(text, &mut scratch.normalized);
        let normalized = scratch.normalized.as_str();
        // The matching text's words joined by spaces, hashed as they come.
        let mut key = Fnv::default();
        key.words(normalized);
        analyzer.analyse(&drop_identifiers(normalized), &mut scratch.terms);
        let mut terms: Vec<&str> = scratch.terms.iter().collect();
        let lexicon = analyzer.lexicon();
        if let Some(lexicon) = lexicon {
            terms.drain(..lexicon.opening_len(&terms));
        }
        drop_negated_modals(&mut terms);
        let mut exact = Fnv::default();
        for term in &terms {
            exact.word(term);
        }
        let mut numbers = Vec::new();
        let mut groups = Vec::new();
        let mut negated = Vec::new();
        let hashes = &mut scratch.hashes;
        hashes.clear();
        for (i, term) in terms.iter().enumerate() {
            let is_group = lexicon.is_some_and(|l| l.is_group(term));
            let h = if is_group {
                term_hash(term)
            } else {
                term_hash(feature(term))
            };
            // Every whole term of a feature (sorted when the workers' terms
            // are merged).
            vocabulary
                .entry(term_hash(term))
                .or_insert_with(|| (h, (*term).into()));
            hashes.push(h);
            if is_number(term) {
                numbers.push(h);
            }
            if is_group {
                groups.push(h);
            }
            if i > 0 && matches!(terms[i - 1], "не" | "без") {
                negated.push(h);
            }
        }
        let polarity = lexicon.map_or((0, 0), |l| l.polarity_bits(&terms));
        hashes.sort_unstable();
        hashes.dedup();
        Doc {
            verbatim: key.a,
            exact: (exact.a, exact.b),
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
            raw,
            terms: hashes.as_slice().into(),
            numbers: sorted(numbers),
            groups: sorted(groups),
            negated: sorted(negated),
            polarity,
        }
    }
}

/// The stems of the modal words through which «не» reaches the verb
/// after them: «не следует включать» negates «включать» as «не включать»
/// does, and «не должен носить» does not negate «должен» («должны
/// уходить» elsewhere is no contradiction). Not «обязан» («не обязан» is
/// not «не»), nor «стоит» (its stem is «сто»).
const MODALS: [&str; 10] = [
    "след",
    "следова",
    "долж",
    "должн",
    "нужн",
    "нуж",
    "над",
    "может",
    "могут",
    "можн",
];

/// Removes the modal words right after «не», so that «не» stands before
/// the verb it negates, for the negation guard and the antonym phrases.
fn drop_negated_modals<S: AsRef<str>>(terms: &mut Vec<S>) {
    let mut i = 1;
    while i < terms.len() {
        if terms[i - 1].as_ref() == "не" && MODALS.contains(&terms[i].as_ref()) {
            terms.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Drops the number after «№» (an identifier: «указ № 597» states no
/// amount) from a normalized text.
fn drop_identifiers(normalized: &str) -> std::borrow::Cow<'_, str> {
    if !normalized.contains('№') {
        return std::borrow::Cow::Borrowed(normalized);
    }
    let mut out = String::with_capacity(normalized.len());
    let mut rest = normalized;
    while let Some(at) = rest.find('№') {
        out.push_str(&rest[..at]);
        let after = rest[at + '№'.len_utf8()..].trim_start();
        let id_len = after
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '/' | '.')))
            .unwrap_or(after.len());
        rest = &after[id_len..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text written like an earlier one gets a copy of its analysis; the
    /// copy is what analysing it alone gives, and texts that differ by a
    /// byte (a space, a letter's case) are analysed each on their own.
    #[test]
    fn copies_are_analysed_once_and_alike() {
        let texts = [
            "Создать музей истории района",
            "Создать музей истории района ",
            "Создать музей истории района",
            "создать музей истории района",
            "",
            "Создать музей истории района",
            "",
        ];
        let d = Deduper::new();
        let together = d.prepare(&texts);
        for (i, text) in texts.iter().enumerate() {
            let alone = d.prepare(&[*text]);
            assert_eq!(
                format!("{:?}", together.docs[i]),
                format!("{:?}", alone.docs[0]),
                "text {i}"
            );
        }
        // The copies are copies, the near-copies are not.
        let docs = &together.docs;
        assert_eq!(docs[0].raw, docs[2].raw);
        assert_eq!(docs[0].raw, docs[5].raw);
        assert_ne!(docs[0].raw, docs[1].raw);
        assert_ne!(docs[0].raw, docs[3].raw);
        assert_eq!(docs[0].exact, docs[1].exact, "the same words");
    }

    #[test]
    fn word_hash_is_the_hash_of_the_joined_words() {
        for words in [&[][..], &["a"], &["создать", "центр", "30"]] {
            let mut h = Fnv::default();
            for w in words {
                h.word(w);
            }
            assert_eq!(h.a, stable_hash(words.join(" ").as_bytes()), "{words:?}");
        }
    }

    #[test]
    fn identifiers_are_not_amounts() {
        let cases = [
            (
                "как предусмотрено указом № 597",
                "как предусмотрено указом ",
            ),
            ("№597 и №  12-а", " и "),
            ("без номера", "без номера"),
        ];
        for (text, want) in cases {
            assert_eq!(drop_identifiers(text), want, "{text:?}");
        }
    }

    proptest::proptest! {
        /// The byte scan of [`Fnv::words`] splits like the character
        /// split it replaced.
        #[test]
        fn words_hash_like_the_split_text(
            text in "[ а-яёА-ЯЁѐ-џѠ-ҁ҂҃a-zA-Z0-9\u{300}-\u{36f}\u{ad}\u{200b}\u{a0}—.,«»\"№²ßİ日٣Ω𝔸-]{0,60}"
        ) {
            let mut fast = Fnv::default();
            fast.words(&text);
            let mut split = Fnv::default();
            let split_at = |c: char| {
                !(c.is_ascii_alphanumeric()
                    || ('а'..='я').contains(&c)
                    || (!c.is_ascii() && c.is_alphanumeric()))
            };
            for word in text.split(split_at).filter(|w| !w.is_empty()) {
                split.word(word);
            }
            proptest::prop_assert_eq!((fast.a, fast.b), (split.a, split.b));
        }
    }
}
