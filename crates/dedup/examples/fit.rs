//! Fits the pair model (`catalog/pair_model.toml`) on the tuning sets and
//! chooses its operating point for precision.
//!
//!     cargo run --release -p sborka-dedup --example fit               # prints the model and its figures
//!     cargo run --release -p sborka-dedup --example fit -- --write    # and writes catalog/pair_model.toml
//!
//! The tuning data (never `validation` nor the ParaPhraser check half):
//!
//! - `tune`, the ParaPhraser.ru tuning half: each labelled pair of
//!   headlines, `1` (the same meaning) as one idea and `-1` (different)
//!   as two; `0` (close, not the same) is left out;
//! - `gold` and `train` (`fixtures/dedup-train`, when present), proposals
//!   with ideas: every pair of rows that reaches the model (no guard
//!   refuses it and its cosine is high enough to be asked), one idea or
//!   two as labelled.
//!
//! Each set weighs the same in the fit, and within a set both labels weigh
//! the same. The fit is an L2-regularized logistic regression by Newton's
//! method. The operating point is the lowest probability at which, on
//! every tuning set, at most `--max-fp` (default 1%) of the pairs of two
//! ideas that reach the model would merge. `--dump FILE` writes every
//! pair's features as TSV for study elsewhere.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "support/sets.rs"]
mod sets;

use sborka_dedup::{Deduper, FEATURES, Model};

/// One labelled pair's features, its label and its weight in the fit.
struct Row {
    set: &'static str,
    /// The pair's class where the set gives one (ParaPhraser: 1, 0, -1).
    class: i8,
    /// Refused by the twin rule before the model.
    substitution: bool,
    texts: (String, String),
    features: Vec<f64>,
    same: bool,
    weight: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |f: &str| -> Option<&str> {
        let i = args.iter().position(|a| a == f)?;
        args.get(i + 1).map(String::as_str)
    };
    let max_fp: f64 = value("--max-fp").map_or(0.01, |v| v.parse().expect("--max-fp number"));
    let min_precision: f64 =
        value("--min-precision").map_or(0.98, |v| v.parse().expect("--min-precision number"));
    let lambda: f64 = value("--l2").map_or(1.0, |v| v.parse().expect("--l2 number"));
    let deduper = Deduper::new();
    let mut rows: Vec<Row> = Vec::new();
    // Pairs of each set that never reach the model (refused by a guard,
    // or too dissimilar to ask): they count in the rates below.
    let mut unasked: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut names = vec!["tune", "gold"];
    if sets::root()
        .join("fixtures/dedup-train/proposals.csv")
        .exists()
    {
        names.push("train");
    }
    for name in names {
        let set = sets::load(name).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(1)
        });
        let labelled: Vec<(usize, usize, i8)> = if set.has_ideas() {
            let n = set.texts.len();
            (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .map(|(i, j)| (i, j, if set.ideas[i] == set.ideas[j] { 1 } else { -1 }))
                .collect()
        } else {
            // Near paraphrases (`0`) are left out of the fit: the measure
            // is precise paraphrases (`1`) against different meanings (`-1`).
            set.pairs.iter().copied().filter(|p| p.2 != 0).collect()
        };
        let prepared = deduper.prepare(&set.texts);
        let pairs: Vec<(usize, usize)> = labelled.iter().map(|&(i, j, _)| (i, j)).collect();
        let described = deduper.describe_pairs(&prepared, &pairs);
        let mut kept: Vec<Row> = Vec::new();
        let (mut lost_same, mut lost_other) = (0, 0);
        let mut reasons: std::collections::BTreeMap<(bool, String), usize> = Default::default();
        for (&(i, j, class), view) in labelled.iter().zip(&described) {
            let (features, verdict) = (&view.features, &view.verdict);
            let same = class == 1;
            if let Err(refusal) = verdict {
                let why = match refusal {
                    sborka_dedup::Refusal::Dissimilar(c) => {
                        format!("cosine {:.1}", (c * 10.0).floor() / 10.0)
                    }
                    sborka_dedup::Refusal::Unlikely(_) => "unlikely".into(),
                    other => format!("{other:?}"),
                };
                *reasons.entry((same, why)).or_default() += 1;
            }
            match features {
                Some(f) => kept.push(Row {
                    set: set.name,
                    class,
                    substitution: matches!(verdict, Err(sborka_dedup::Refusal::Twin)),
                    texts: (
                        format!("{} [{}]", set.texts[i], view.own_words.0.join(" ")),
                        format!("{} [{}]", set.texts[j], view.own_words.1.join(" ")),
                    ),
                    features: f.iter().map(|&x| f64::from(x)).collect(),
                    same,
                    weight: 0.0,
                }),
                None if same => lost_same += 1,
                None => lost_other += 1,
            }
        }
        let same = kept.iter().filter(|r| r.same).count().max(1) as f64;
        let other = kept.iter().filter(|r| !r.same).count().max(1) as f64;
        for r in &mut kept {
            r.weight = if r.same { 0.5 / same } else { 0.5 / other };
        }
        eprintln!(
            "{name}: {} pairs reach the model ({} one idea, {} two); not asked: {lost_same} one idea, {lost_other} two",
            kept.len(),
            same,
            other
        );
        unasked.push((set.name, lost_same, lost_other));
        if args.iter().any(|a| a == "--reasons") {
            for ((same, why), count) in &reasons {
                eprintln!(
                    "  {} {why}: {count}",
                    if *same { "one idea" } else { "two ideas" }
                );
            }
        }
        rows.extend(kept);
    }
    if let Some(path) = value("--dump") {
        let mut out = String::from("set\tclass\tsubstitution");
        for f in FEATURES {
            out.push('\t');
            out.push_str(f);
        }
        out.push_str("\ttext_a\ttext_b\n");
        for r in &rows {
            out.push_str(&format!(
                "{}\t{}\t{}",
                r.set,
                r.class,
                u8::from(r.substitution)
            ));
            for x in &r.features {
                out.push_str(&format!("\t{x}"));
            }
            let clean = |t: &str| t.replace(['\t', '\n', '\r'], " ");
            out.push_str(&format!("\t{}\t{}\n", clean(&r.texts.0), clean(&r.texts.1)));
        }
        std::fs::write(path, out).expect("write the dump");
    }

    // The model decides only the pairs the twin rule lets through: it is
    // fitted on those (the others still count in the rates below).
    let decided: Vec<&Row> = rows.iter().filter(|r| !r.substitution).collect();
    let (bias, weights) = fit(&decided, lambda);
    let probability = |r: &Row| -> f64 {
        let z = bias
            + weights
                .iter()
                .zip(&r.features)
                .map(|(w, x)| w * x)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    };
    let scored: Vec<(f64, &Row)> = rows.iter().map(|r| (probability(r), r)).collect();
    // At a threshold, per set: (set, share of one-idea pairs merged, share
    // of two-idea pairs merged, precision of the merged pairs). Pairs never
    // asked count as not merged.
    let rates = |threshold: f64| -> Vec<(&'static str, f64, f64, f64)> {
        unasked
            .iter()
            .map(|&(set, lost_same, lost_other)| {
                let (mut tp, mut fp, mut pos, mut neg) = (0usize, 0usize, lost_same, lost_other);
                for (p, r) in scored.iter().filter(|(_, r)| r.set == set) {
                    let merged = *p >= threshold && !r.substitution;
                    if r.same {
                        pos += 1;
                        tp += usize::from(merged);
                    } else {
                        neg += 1;
                        fp += usize::from(merged);
                    }
                }
                let precision = if tp + fp == 0 {
                    1.0
                } else {
                    tp as f64 / (tp + fp) as f64
                };
                (
                    set,
                    tp as f64 / pos.max(1) as f64,
                    fp as f64 / neg.max(1) as f64,
                    precision,
                )
            })
            .collect()
    };
    // The operating point: the least probability at which the headline
    // pairs merge at most max_fp of their different-meaning pairs and the
    // proposal sets' merged pairs are at least min_precision right.
    let acceptable = |t: f64| {
        rates(t).iter().all(|&(set, _, fp, precision)| {
            if set == "tune" {
                fp <= max_fp
            } else {
                precision >= min_precision
            }
        })
    };
    let threshold = (0..=99)
        .map(|step| 0.5 + f64::from(step) * 0.005)
        .find(|&t| acceptable(t))
        .unwrap_or(0.995);
    println!("bias {bias:.4}");
    for (name, w) in FEATURES.iter().zip(&weights) {
        println!("  {name:<16} {w:>8.4}");
    }
    println!(
        "operating point {threshold:.3} (headlines: at most {:.1}% of different-meaning pairs merged; proposals: pair precision at least {min_precision})",
        100.0 * max_fp
    );
    for t in [0.5, 0.6, 0.7, 0.8, 0.9, threshold] {
        let shown: Vec<String> = rates(t)
            .iter()
            .map(|(set, tp, fp, precision)| {
                format!(
                    "{set}: one idea {:.1}%, two ideas {:.2}%, precision {precision:.3}",
                    100.0 * tp,
                    100.0 * fp
                )
            })
            .collect();
        println!("  at {t:.3}: {}", shown.join("; "));
    }
    if args.iter().any(|a| a == "--write") {
        let path = sets::root().join("catalog").join(sborka_dedup::MODEL_FILE);
        let mut text = String::from(
            "# The pair model of deduplication: a logistic regression over the features\n\
             # of a candidate pair (crates/dedup/src/pair.rs), and its operating point.\n\
             # Fitted on the tuning sets only (ParaPhraser.ru tune half, fixtures/gold,\n\
             # fixtures/dedup-train); never on fixtures/validation nor the check half.\n\
             # Written by: cargo run --release -p sborka-dedup --example fit -- --write\n",
        );
        text.push_str(&format!(
            "bias = {bias:.6}\nthreshold = {threshold:.3}\n\n[weights]\n"
        ));
        for (name, w) in FEATURES.iter().zip(&weights) {
            text.push_str(&format!("{name} = {w:.6}\n"));
        }
        Model::from_toml(&text).expect("the written model reads back");
        std::fs::write(&path, text).expect("write the model");
        println!("wrote {}", path.display());
    }
}

/// L2-regularized weighted logistic regression by Newton's method: the
/// bias and the weights. The bias is not regularized.
fn fit(rows: &[&Row], lambda: f64) -> (f64, Vec<f64>) {
    let d = FEATURES.len() + 1;
    let x = |r: &Row, k: usize| if k == 0 { 1.0 } else { r.features[k - 1] };
    let total: f64 = rows.iter().map(|r| r.weight).sum();
    let mut beta = vec![0.0f64; d];
    for _ in 0..50 {
        let mut gradient = vec![0.0f64; d];
        let mut hessian = vec![vec![0.0f64; d]; d];
        for &r in rows {
            let z: f64 = (0..d).map(|k| beta[k] * x(r, k)).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let y = f64::from(u8::from(r.same));
            let w = r.weight / total;
            let xs: Vec<f64> = (0..d).map(|k| x(r, k)).collect();
            for (a, row) in hessian.iter_mut().enumerate() {
                gradient[a] += w * (p - y) * xs[a];
                for (h, xb) in row.iter_mut().zip(&xs) {
                    *h += w * p * (1.0 - p) * xs[a] * xb;
                }
            }
        }
        // The penalty, scaled to the data's total weight of one.
        let scale = lambda * 1e-3;
        for k in 1..d {
            gradient[k] += scale * beta[k];
            hessian[k][k] += scale;
        }
        let step = solve(hessian, gradient);
        let mut largest = 0.0f64;
        for k in 0..d {
            beta[k] -= step[k];
            largest = largest.max(step[k].abs());
        }
        if largest < 1e-9 {
            break;
        }
    }
    (beta[0], beta[1..].to_vec())
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("a row");
        a.swap(col, pivot);
        b.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-12 {
            continue;
        }
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let f = row[col] / p;
            for (x, y) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * y;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = if a[row][row].abs() < 1e-12 {
            0.0
        } else {
            (b[row] - s) / a[row][row]
        };
    }
    x
}
