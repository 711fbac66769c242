//! The whole terms behind each feature, and which features are one word
//! written two ways.
//!
//! A feature is a stem cut to its first characters, so a misspelling or a
//! word cut short can land on another feature than the word it stands for.
//! The twin rule asks, for every candidate pair, whether a content word of
//! one side is one word with a content word of the other. Comparing their
//! whole terms there cost a pair of features dozens of string comparisons,
//! asked again for every pair of texts: on a million generated proposals
//! that was most of the clustering time. The relation depends only on the
//! vocabulary, so it is found once, when the texts are prepared: terms are
//! put in buckets that every pair of terms one word with each other must share
//! (their first four letters; a variant with one letter deleted, as
//! SymSpell does), and only the pairs within a bucket are compared.

use std::hash::Hasher;

use rayon::prelude::*;
use sborka_text::{FxHashMap, FxHasher};

use crate::FxHashSet;

/// Feature hash → its whole terms (stems, family terms, numbers), and the
/// pairs of features that are one word.
#[derive(Clone, Debug, Default)]
pub(crate) struct Vocabulary {
    terms: FxHashMap<u64, Vec<Box<str>>>,
    /// `(x, y)`, `x < y`: some whole term of `x` is one word with some
    /// whole term of `y`.
    joined: FxHashSet<(u64, u64)>,
}

impl Vocabulary {
    /// From each feature's whole terms (in any order).
    pub(crate) fn new(mut terms: FxHashMap<u64, Vec<Box<str>>>) -> Vocabulary {
        #[allow(clippy::iter_over_hash_type)] // each list on its own
        for list in terms.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let joined = joined(&terms);
        Vocabulary { terms, joined }
    }

    /// The whole terms of a feature, sorted.
    pub(crate) fn terms(&self, feature: u64) -> &[Box<str>] {
        self.terms.get(&feature).map_or(&[][..], Vec::as_slice)
    }

    /// Whether two features are one word written two ways: a whole term of
    /// one is one word with a whole term of the other (see
    /// [`one_word_chars`]).
    pub(crate) fn one_word(&self, x: u64, y: u64) -> bool {
        self.joined.contains(&(x.min(y), x.max(y)))
    }
}

/// Whether two terms are one word written two ways (see
/// [`one_word_chars`]); for the tests, which compare every pair.
#[cfg(test)]
fn one_word(x: &str, y: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
    a.iter().chain(&b).all(|c| c.is_alphabetic()) && one_word_chars(&a, &b)
}

/// Whether two terms (stems) of letters only are one word written two
/// ways: they agree on their first four letters or more and on all of the
/// shorter but its last («соц.» / «социальных», «сёлах» / «сельских»), or
/// both are of four letters or more and one edit (a letter changed, added,
/// dropped, or two adjacent swapped) apart («атестацию» / «аттестацию»).
fn one_word_chars(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // Cut short, or of one root with another ending («село» / «сельс»).
    let common = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if common >= 4 && common + 1 >= short.len() {
        return true;
    }
    short.len() >= 4 && edit_distance_at_most_one(a, b)
}

/// Damerau–Levenshtein distance (adjacent transpositions) ≤ 1.
fn edit_distance_at_most_one(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if prefix == short.len() {
        return true;
    }
    if short.len() == long.len() {
        // One changed letter, or two adjacent letters swapped.
        let i = prefix;
        short[i + 1..] == long[i + 1..]
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..])
    } else {
        // One letter added to the shorter.
        short[prefix..] == long[prefix + 1..]
    }
}

/// The pairs of distinct features with a pair of whole terms that are one
/// word. Two such terms are both of four letters or more and share a
/// bucket: their first four letters (when one is cut short of the other),
/// or the term with one letter deleted, or the term itself (when they are
/// one edit apart: a changed letter deleted from both, an added one from
/// the longer, one of two swapped letters from both).
fn joined(terms: &FxHashMap<u64, Vec<Box<str>>>) -> FxHashSet<(u64, u64)> {
    // (feature, letters) of every term that can be one word with another.
    let mut words: Vec<(u64, Vec<char>)> = Vec::new();
    #[allow(clippy::iter_over_hash_type)] // sorted below
    for (&feature, list) in terms {
        for term in list {
            let letters: Vec<char> = term.chars().collect();
            if letters.len() >= 4 && letters.iter().all(|c| c.is_alphabetic()) {
                words.push((feature, letters));
            }
        }
    }
    words.sort_unstable();
    // (bucket, word) for every bucket of every word; a bucket is a hash
    // of its letters (a collision only costs a comparison).
    let key = |letters: &mut dyn Iterator<Item = char>| -> u64 {
        let mut h = FxHasher::default();
        letters.for_each(|c| h.write_u64(u64::from(c)));
        h.finish()
    };
    let mut keyed: Vec<(u64, u32)> = words
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (_, letters))| {
            let i = i as u32;
            let cut = key(&mut letters[..4].iter().copied());
            let whole = key(&mut letters.iter().copied());
            let deleted = (0..letters.len()).map(move |at| {
                let mut rest = letters[..at].iter().chain(&letters[at + 1..]).copied();
                key(&mut rest)
            });
            [cut, whole].into_iter().chain(deleted).map(move |k| (k, i))
        })
        .collect();
    keyed.par_sort_unstable();
    // A word's variants can coincide («сс» less either letter).
    keyed.dedup();
    keyed
        .par_chunk_by(|a, b| a.0 == b.0)
        .flat_map_iter(|bucket| {
            let words = &words;
            bucket.iter().enumerate().flat_map(move |(n, &(_, i))| {
                let (x, a) = &words[i as usize];
                bucket[n + 1..].iter().filter_map(move |&(_, j)| {
                    let (y, b) = &words[j as usize];
                    (x != y && one_word_chars(a, b)).then(|| (*x.min(y), *x.max(y)))
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_word_written_two_ways() {
        // (a, b, one word?)
        let cases = [
            ("социа", "соцал", false), // two edits
            ("социа", "соцна", true),  // a letter changed
            ("социа", "сцоиа", true),  // «оц» swapped
            ("социа", "сиоца", false), // not adjacent
            ("социа", "осциа", true),  // two adjacent letters swapped
            ("педаг", "педаг", true),
            ("сидел", "сиде", true), // cut short
            ("сиделк", "сидел", true),
            ("аттестац", "атестац", true),
            ("дом", "доч", false),
            ("дом", "домашн", false),
            ("соц", "социа", false), // the lexicon's
            ("дет", "дот", false),   // too short for a typo
            ("со", "социа", false),  // too short to be cut
            ("2018", "2019", false), // figures
            ("2", "20", false),
            ("земел", "имуще", false),
            ("врач", "врачей", true), // one begins the other
            ("учит", "учащ", false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(one_word(a, b), expected, "{a} / {b}");
            assert_eq!(one_word(b, a), expected, "{b} / {a}");
        }
    }

    /// Features of a few letters' alphabet, so that many terms are one
    /// word with another and the buckets are tested where they are full.
    fn vocabulary() -> impl Strategy<Value = FxHashMap<u64, Vec<Box<str>>>> {
        let term =
            prop_oneof![4 => "[абв]{3,6}", 1 => "[аб1 ]{1,5}"].prop_map(String::into_boxed_str);
        proptest::collection::vec((0u64..12, term), 0..60).prop_map(|pairs| {
            let mut terms: FxHashMap<u64, Vec<Box<str>>> = FxHashMap::default();
            for (feature, term) in pairs {
                terms.entry(feature).or_default().push(term);
            }
            terms
        })
    }

    proptest! {
        #[test]
        fn the_buckets_find_every_pair_comparing_all_would(terms in vocabulary()) {
            let vocabulary = Vocabulary::new(terms.clone());
            let mut features: Vec<u64> = terms.keys().copied().collect();
            features.sort_unstable();
            for &x in &features {
                for &y in &features {
                    let all = x != y
                        && terms[&x].iter().any(|w| terms[&y].iter().any(|v| one_word(w, v)));
                    prop_assert_eq!(vocabulary.one_word(x, y), all, "{:?} / {:?}", terms[&x], terms[&y]);
                }
            }
        }
    }
}
