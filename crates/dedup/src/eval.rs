//! Pairwise clustering metrics against a labelled set (the gold set in
//! `fixtures/gold`): pure functions, no input or output.

use std::collections::BTreeMap;

/// How a clustering compares with the gold labels, counted over pairs of
/// rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Pairs of rows put in one cluster / of which share a gold idea.
    pub precision: f64,
    /// Pairs of rows sharing a gold idea / of which put in one cluster.
    pub recall: f64,
    pub f1: f64,
    /// Recall on the listed paraphrase pairs only.
    pub paraphrase_recall: f64,
    /// Pairs of rows from two twin ideas (one row from each) put in one
    /// cluster, over all such row pairs.
    pub twins_merged: f64,
    /// Twin idea pairs with at least one row pair merged, and how many
    /// twin idea pairs there are.
    pub twin_ideas_touched: (usize, usize),
    /// Clusters made and gold ideas.
    pub clusters: usize,
    pub ideas: usize,
}

/// Compares `predicted[i]` (any cluster label of row `i`) with `gold[i]`
/// (its idea). `paraphrases` are pairs of row indexes; `twins` pairs of
/// idea labels.
pub fn pairwise<P: Ord, G: Ord + AsRef<str>>(
    predicted: &[P],
    gold: &[G],
    paraphrases: &[(usize, usize)],
    twins: &[(String, String)],
) -> Metrics {
    assert_eq!(
        predicted.len(),
        gold.len(),
        "one label per row on each side"
    );
    let n = gold.len();
    let (mut both, mut same_pred, mut same_gold) = (0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let p = predicted[i] == predicted[j];
            let g = gold[i] == gold[j];
            same_pred += u64::from(p);
            same_gold += u64::from(g);
            both += u64::from(p && g);
        }
    }
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(both, same_pred);
    let recall = ratio(both, same_gold);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let merged = paraphrases
        .iter()
        .filter(|&&(a, b)| predicted[a] == predicted[b])
        .count() as u64;
    let paraphrase_recall = ratio(merged, paraphrases.len() as u64);

    let mut rows: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in gold.iter().enumerate() {
        rows.entry(g.as_ref()).or_default().push(i);
    }
    let (mut twin_pairs, mut twin_merged, mut touched) = (0u64, 0u64, 0usize);
    for (a, b) in twins {
        let (ra, rb) = (
            rows.get(a.as_str()).map_or(&[][..], Vec::as_slice),
            rows.get(b.as_str()).map_or(&[][..], Vec::as_slice),
        );
        let mut any = false;
        for &i in ra {
            for &j in rb {
                twin_pairs += 1;
                if predicted[i] == predicted[j] {
                    twin_merged += 1;
                    any = true;
                }
            }
        }
        touched += usize::from(any);
    }
    let mut labels: Vec<&P> = predicted.iter().collect();
    labels.sort();
    labels.dedup();
    Metrics {
        precision,
        recall,
        f1,
        paraphrase_recall,
        twins_merged: if twin_pairs == 0 {
            0.0
        } else {
            twin_merged as f64 / twin_pairs as f64
        },
        twin_ideas_touched: (touched, twins.len()),
        clusters: labels.len(),
        ideas: rows.len(),
    }
}

/// How many labelled pairs of each class ended in one cluster: the
/// measure on sets of labelled pairs (ParaPhraser.ru), where rows carry no
/// idea.
#[derive(Clone, Debug, PartialEq)]
pub struct PairClasses {
    /// `(class, merged, pairs)`, classes descending (`1`, `0`, `-1`).
    pub classes: Vec<(i8, usize, usize)>,
}

impl PairClasses {
    /// The share of pairs of `class` merged (0 when there are none).
    pub fn merged(&self, class: i8) -> f64 {
        self.classes
            .iter()
            .find(|c| c.0 == class)
            .map_or(0.0, |&(_, merged, total)| {
                if total == 0 {
                    0.0
                } else {
                    merged as f64 / total as f64
                }
            })
    }
}

/// Counts, per class, the pairs `(a, b, class)` whose rows share a
/// predicted cluster.
pub fn pair_classes<P: PartialEq>(predicted: &[P], pairs: &[(usize, usize, i8)]) -> PairClasses {
    let mut classes: BTreeMap<std::cmp::Reverse<i8>, (usize, usize)> = BTreeMap::new();
    for &(a, b, class) in pairs {
        let entry = classes.entry(std::cmp::Reverse(class)).or_default();
        entry.0 += usize::from(predicted[a] == predicted[b]);
        entry.1 += 1;
    }
    PairClasses {
        classes: classes
            .into_iter()
            .map(|(c, (merged, total))| (c.0, merged, total))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_table() {
        let twins = [("a".to_string(), "b".to_string())];
        // (predicted, gold, paraphrases, precision, recall, twins merged)
        type Case<'a> = (
            &'a [u32],
            &'a [&'a str],
            &'a [(usize, usize)],
            f64,
            f64,
            f64,
        );
        let cases: [Case<'_>; 4] = [
            // Perfect.
            (
                &[1, 1, 2, 2],
                &["a", "a", "b", "b"],
                &[(0, 1)],
                1.0,
                1.0,
                0.0,
            ),
            // All in one: every twin pair merged, precision 2/6.
            (
                &[1, 1, 1, 1],
                &["a", "a", "b", "b"],
                &[(0, 1)],
                2.0 / 6.0,
                1.0,
                1.0,
            ),
            // All apart: no pair predicted, recall 0.
            (
                &[1, 2, 3, 4],
                &["a", "a", "b", "b"],
                &[(0, 1)],
                1.0,
                0.0,
                0.0,
            ),
            // One row of b joins a: of 3 predicted pairs 1 is right.
            (
                &[1, 1, 1, 2],
                &["a", "a", "b", "b"],
                &[(2, 3)],
                1.0 / 3.0,
                0.5,
                0.5,
            ),
        ];
        for (predicted, gold, paraphrases, precision, recall, twins_merged) in cases {
            let m = pairwise(predicted, gold, paraphrases, &twins);
            assert!(
                (m.precision - precision).abs() < 1e-9,
                "{predicted:?}: {m:?}"
            );
            assert!((m.recall - recall).abs() < 1e-9, "{predicted:?}: {m:?}");
            assert!(
                (m.twins_merged - twins_merged).abs() < 1e-9,
                "{predicted:?}: {m:?}"
            );
        }
    }

    #[test]
    fn pair_classes_count_merged_pairs_per_class() {
        let predicted = [1, 1, 2, 2, 3];
        let pairs = [(0, 1, 1), (0, 2, 1), (2, 3, -1), (3, 4, -1), (1, 4, 0)];
        let m = pair_classes(&predicted, &pairs);
        assert_eq!(m.classes, [(1, 1, 2), (0, 0, 1), (-1, 1, 2)]);
        assert!((m.merged(1) - 0.5).abs() < 1e-12);
        assert_eq!(m.merged(7), 0.0);
    }
}
