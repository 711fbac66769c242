//! The pair decision: whether two texts state one idea.
//!
//! A candidate pair that no guard refuses is described by a handful of
//! lexical [`FEATURES`] — how much of each text the other covers, weighted
//! by how rare its words are, how many content words each has that the
//! other lacks, how the two line up word by word — and a logistic
//! regression over them ([`Model`], its weights in
//! `catalog/pair_model.toml`, fitted by `examples/fit.rs` on the tuning
//! sets) gives the probability that they are one idea. The pair is an edge
//! when the probability reaches the model's operating point.
//!
//! One rule comes before the model: when **each** text has content words
//! of its own — words the other lacks that are neither function words, nor
//! one word misspelt or cut short on the other side, nor one family of the
//! lexicon (abbreviations and synonyms are one term already) — the pair is
//! refused ([`Refusal::Twin`](crate::Refusal::Twin)). That is the shape of
//! a twin: the same frame about another group, profession, object,
//! service, place or purpose, or the opposite action. It is also the shape
//! of a restatement in words of its own, and no lexical measure tells the
//! two apart (the tuning sets show twins with higher similarity than most
//! restatements), so the rule refuses both: a missed merge shows an idea
//! twice, which a reader sees; a wrong merge hides one. The rule depends on
//! neither a list of groups nor on how often a word occurs. The model still
//! scores such a pair, so that the review queue can ask about the likeliest.

use crate::{Doc, Vocabulary};

/// What the model reads of a pair, in this order.
pub const FEATURES: [&str; 11] = [
    "cosine",
    "dice",
    "missing_hi",
    "missing_lo",
    "unmatched_hi",
    "unmatched_lo",
    "shared",
    "length_ratio",
    "rare_unmatched",
    "number_one_side",
    "own_words_both",
];

/// The number of features.
pub const FEATURE_COUNT: usize = FEATURES.len();

/// What the pair decision needs of the collection besides the two texts.
pub(crate) struct Context<'a> {
    /// Feature hashes of the lexicon's function words.
    pub(crate) function: &'a crate::FxHashSet<u64>,
    /// The whole terms of each feature, for telling a misspelling from
    /// another word.
    pub(crate) vocabulary: &'a Vocabulary,
    /// The largest IDF weight in the collection (of a term one text holds).
    pub(crate) max_weight: f32,
    /// The feature hash of a word (a stem).
    pub(crate) feature: fn(&str) -> u64,
}

/// One side of a pair: the text's analysis, its terms' IDF weights (in
/// the order of `doc.terms`) and their Euclidean norm.
#[derive(Clone, Copy)]
pub(crate) struct Side<'a> {
    pub(crate) doc: &'a Doc,
    pub(crate) weights: &'a [f32],
    pub(crate) norm: f32,
}

/// A pair described: the features, and whether each text has content
/// words of its own (the twin rule refuses it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Described {
    pub(crate) features: [f32; FEATURE_COUNT],
    pub(crate) own_words_both: bool,
    /// Each side's content words of its own (feature hashes).
    pub(crate) own: (Vec<u64>, Vec<u64>),
}

/// The IDF-weighted cosine of two texts' term sets.
pub(crate) fn cosine(a: Side<'_>, b: Side<'_>) -> f32 {
    if a.norm == 0.0 || b.norm == 0.0 {
        return 0.0;
    }
    let (ta, tb) = (&a.doc.terms, &b.doc.terms);
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < ta.len() && j < tb.len() {
        match ta[i].cmp(&tb[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a.weights[i] * b.weights[j];
                i += 1;
                j += 1;
            }
        }
    }
    dot / (a.norm * b.norm)
}

/// Whether each text has content words of its own (the twin rule).
pub(crate) fn own_words_both(a: Side<'_>, b: Side<'_>, context: &Context<'_>) -> bool {
    describe(a, b, context).own_words_both
}

/// Describes a pair of texts: see [`FEATURES`].
pub(crate) fn describe(a: Side<'_>, b: Side<'_>, context: &Context<'_>) -> Described {
    let (ta, tb) = (&a.doc.terms, &b.doc.terms);
    // Shared terms and each side's terms of its own, by a merge of the
    // sorted term sets.
    let (mut i, mut j) = (0, 0);
    let mut dot = 0.0f32;
    let mut shared_content = 0usize;
    let mut shared_all = 0usize;
    let mut only_a: Vec<usize> = Vec::new();
    let mut only_b: Vec<usize> = Vec::new();
    while i < ta.len() || j < tb.len() {
        let order = match (ta.get(i), tb.get(j)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                only_a.push(i);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                only_b.push(j);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                dot += a.weights[i] * b.weights[j];
                shared_all += 1;
                shared_content += usize::from(!context.function.contains(&ta[i]));
                i += 1;
                j += 1;
            }
        }
    }
    // Content words of their own: not function words, and not one word
    // written otherwise on the other side.
    let content = |side: &[u64], own: &[usize]| -> Vec<usize> {
        own.iter()
            .copied()
            .filter(|&k| !context.function.contains(&side[k]))
            .collect()
    };
    let (mut ca, mut cb) = (content(ta, &only_a), content(tb, &only_b));
    // A family phrase found on one side only because the other wrote its
    // words in another order («выделить средства» / «средства выделять»)
    // is not a word of its own when the other side holds all its words.
    let spelled_out = |h: u64, other: &[u64]| {
        context.vocabulary.terms(h).iter().any(|t| {
            t.contains(' ')
                && t.split(' ')
                    .all(|w| other.binary_search(&(context.feature)(w)).is_ok())
        })
    };
    ca.retain(|&k| !spelled_out(ta[k], tb));
    cb.retain(|&k| !spelled_out(tb[k], ta));
    // Two features are one word when a whole term of one is one word with
    // a whole term of the other.
    let same = |x: u64, y: u64| context.vocabulary.one_word(x, y);
    if !ca.is_empty() && !cb.is_empty() {
        let mut matched_b = vec![false; cb.len()];
        ca.retain(|&k| {
            for (at, &l) in cb.iter().enumerate() {
                if !matched_b[at] && same(ta[k], tb[l]) {
                    matched_b[at] = true;
                    return false;
                }
            }
            true
        });
        let mut at = 0;
        cb.retain(|_| {
            at += 1;
            !matched_b[at - 1]
        });
    }
    let mass = |side: Side<'_>, own: &[usize]| -> f32 {
        if side.norm == 0.0 {
            return 0.0;
        }
        own.iter()
            .map(|&k| side.weights[k] * side.weights[k])
            .sum::<f32>()
            / (side.norm * side.norm)
    };
    let (ma, mb) = (mass(a, &ca), mass(b, &cb));
    let rare = |side: Side<'_>, own: &[usize]| -> f32 {
        own.iter().map(|&k| side.weights[k]).fold(0.0, f32::max)
    };
    let cosine = if a.norm == 0.0 || b.norm == 0.0 {
        0.0
    } else {
        dot / (a.norm * b.norm)
    };
    let (la, lb) = (ta.len() as f32, tb.len() as f32);
    let own_words_both = !ca.is_empty() && !cb.is_empty();
    let numbers_one_side = a.doc.numbers.is_empty() != b.doc.numbers.is_empty();
    let features = [
        cosine,
        if la + lb == 0.0 {
            0.0
        } else {
            2.0 * shared_all as f32 / (la + lb)
        },
        ma.max(mb),
        ma.min(mb),
        (ca.len().max(cb.len()) as f32).ln_1p(),
        (ca.len().min(cb.len()) as f32).ln_1p(),
        (shared_content as f32).ln_1p(),
        if la.max(lb) == 0.0 {
            0.0
        } else {
            la.min(lb) / la.max(lb)
        },
        if context.max_weight > 0.0 {
            rare(a, &ca).max(rare(b, &cb)) / context.max_weight
        } else {
            0.0
        },
        f32::from(u8::from(numbers_one_side)),
        f32::from(u8::from(own_words_both)),
    ];
    Described {
        features,
        own_words_both,
        own: (
            ca.iter().map(|&k| ta[k]).collect(),
            cb.iter().map(|&k| tb[k]).collect(),
        ),
    }
}

/// A logistic regression over the [`FEATURES`] of a pair, and the
/// probability from which a pair is an edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub bias: f32,
    pub weights: [f32; FEATURE_COUNT],
    /// The operating point: a pair whose probability reaches it is an edge.
    pub threshold: f32,
}

/// A pair model file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError(pub String);

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pair model: {}", self.0)
    }
}

impl std::error::Error for ModelError {}

/// The model compiled in from `catalog/pair_model.toml`.
pub(crate) const EMBEDDED: &str = include_str!("../../../catalog/pair_model.toml");

impl Model {
    /// The model compiled in from `catalog/pair_model.toml`.
    pub fn embedded() -> Model {
        Model::from_toml(EMBEDDED).expect("the embedded pair model is valid")
    }

    /// Reads a model file: `bias`, `threshold` and a `[weights]` table
    /// with one number per feature, by name.
    pub fn from_toml(text: &str) -> Result<Model, ModelError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            bias: f32,
            threshold: f32,
            weights: std::collections::BTreeMap<String, f32>,
        }
        let file: File =
            toml::from_str(text).map_err(|e| ModelError(e.to_string().trim_end().to_string()))?;
        let mut weights = [0.0; FEATURE_COUNT];
        for (name, w) in &file.weights {
            let k = FEATURES
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| ModelError(format!("unknown feature {name:?}")))?;
            weights[k] = *w;
        }
        if let Some(missing) = FEATURES.iter().find(|f| !file.weights.contains_key(**f)) {
            return Err(ModelError(format!("no weight for feature {missing:?}")));
        }
        if !(0.0..=1.0).contains(&file.threshold) {
            return Err(ModelError(format!(
                "threshold {} is not a probability",
                file.threshold
            )));
        }
        Ok(Model {
            bias: file.bias,
            weights,
            threshold: file.threshold,
        })
    }

    /// The probability that a pair with these features states one idea.
    pub fn probability(&self, features: &[f32; FEATURE_COUNT]) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(features)
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_file_names_every_feature() {
        let weights: String = FEATURES.iter().map(|f| format!("{f} = 0.5\n")).collect();
        let good = format!("bias = -1.0\nthreshold = 0.7\n[weights]\n{weights}");
        let model = Model::from_toml(&good).unwrap();
        assert_eq!(model.weights, [0.5; FEATURE_COUNT]);
        let z = -1.0 + 0.5 * FEATURE_COUNT as f32;
        let p = model.probability(&[1.0; FEATURE_COUNT]);
        assert!((p - 1.0 / (1.0 + (-z).exp())).abs() < 1e-6);
        let missing = good.replace("cosine = 0.5\n", "");
        assert!(Model::from_toml(&missing).unwrap_err().0.contains("cosine"));
        let unknown = format!("{good}colour = 1.0\n");
        assert!(Model::from_toml(&unknown).unwrap_err().0.contains("colour"));
        let odd = good.replace("threshold = 0.7", "threshold = 7");
        assert!(Model::from_toml(&odd).is_err());
        Model::embedded();
    }
}
