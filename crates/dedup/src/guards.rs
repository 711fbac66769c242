//! The guards: what refuses a pair whatever its similarity — different
//! figures, different target groups, opposite sides of an antonym pair of
//! the lexicon, and «не»/«без» before a word the other text affirms.

use crate::Refusal;
use crate::analysis::{Doc, term_hash};

/// The guards that depend on a text's signature only: numbers, groups,
/// antonyms.
pub(crate) fn guards(a: &Doc, b: &Doc) -> Result<(), Refusal> {
    if figures_differ(&a.numbers, &b.numbers) {
        return Err(Refusal::Numbers);
    }
    if !a.groups.is_empty() && !b.groups.is_empty() && a.groups != b.groups {
        return Err(Refusal::Groups);
    }
    if (a.polarity.0 & b.polarity.1) != 0 || (a.polarity.1 & b.polarity.0) != 0 {
        return Err(Refusal::Antonyms);
    }
    Ok(())
}

/// Whether two texts state different figures, a figure that only one of
/// them states included («до 2 МРОТ» / «до МРОТ»). A 1 that only one of
/// them states does not count: «не реже 1 раза в 3 года» / «раз в три
/// года» («раз» needs no figure); 1 against 5 still differs.
fn figures_differ(a: &[u64], b: &[u64]) -> bool {
    if a == b {
        return false;
    }
    let one = term_hash("1");
    !a.iter()
        .filter(|&&v| v != one)
        .eq(b.iter().filter(|&&v| v != one))
}

pub(crate) fn same_signature(a: &Doc, b: &Doc) -> bool {
    a.numbers == b.numbers && a.groups == b.groups && a.polarity == b.polarity
}

/// Whether a guard objects to merging two texts: see the crate docs.
pub(crate) fn compatible(a: &Doc, b: &Doc) -> Result<(), Refusal> {
    guards(a, b)?;
    // One negates what the other affirms.
    let affirms =
        |d: &Doc, t: u64| d.terms.binary_search(&t).is_ok() && d.negated.binary_search(&t).is_err();
    if a.negated.iter().any(|&t| affirms(b, t)) || b.negated.iter().any(|&t| affirms(a, t)) {
        return Err(Refusal::Negation);
    }
    Ok(())
}
