//! A simulated analyst: answers the review queue from a labelled set's
//! ideas, night after night. Shared by the `analyst` example and test.

#![allow(dead_code)]

use std::path::Path;

use sborka_dedup::Deduper;
use sborka_dedup::eval::pairwise;
use sborka_review::{Answer, Build, questions, resolve};

pub(crate) struct Data {
    pub(crate) texts: Vec<String>,
    pub(crate) ideas: Vec<String>,
}

impl Data {
    pub(crate) fn ideas_count(&self) -> usize {
        let mut ideas: Vec<&String> = self.ideas.iter().collect();
        ideas.sort();
        ideas.dedup();
        ideas.len()
    }
}

/// Reads `fixtures/gold/gold.csv` or `fixtures/validation/proposals.csv`.
pub(crate) fn load(set: &str) -> Result<Data, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let path = match set {
        "gold" => root.join("gold/gold.csv"),
        "validation" => root.join("validation/proposals.csv"),
        _ => return Err(format!("unknown set {set:?}: gold or validation")),
    };
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no {name}"))
    };
    let (idea, text) = (at("idea")?, at("text")?);
    let mut data = Data {
        texts: Vec::new(),
        ideas: Vec::new(),
    };
    for row in reader.records() {
        let row = row.map_err(|e| e.to_string())?;
        data.ideas.push(row[idea].to_string());
        data.texts.push(row[text].to_string());
    }
    Ok(data)
}

/// The figures after a night.
pub(crate) struct Step {
    pub(crate) answers: usize,
    pub(crate) f1: f64,
    pub(crate) precision: f64,
    pub(crate) recall: f64,
    pub(crate) clusters: usize,
}

/// `nights` nights of at most `per_night` answers each; the figures
/// before the first answer and after each night.
pub(crate) fn play(data: &Data, nights: usize, per_night: usize) -> Vec<Step> {
    let deduper = Deduper::new();
    let texts: Vec<&str> = data.texts.iter().map(String::as_str).collect();
    let prepared = deduper.prepare(&texts);
    let idea_of = |text: &str| {
        let key = sborka_review::answers::key(text);
        texts
            .iter()
            .position(|t| sborka_review::answers::key(t) == key)
            .map(|i| data.ideas[i].as_str())
    };
    let mut answers: Vec<Answer> = Vec::new();
    let mut steps = Vec::new();
    for night in 0..=nights {
        let resolution = resolve(&answers, &texts);
        let clustering = deduper.clustering_with(&prepared, &resolution.constraints);
        let mut predicted = vec![0usize; texts.len()];
        for (c, cluster) in clustering.clusters.iter().enumerate() {
            for &m in &cluster.members {
                predicted[m as usize] = c;
            }
        }
        let m = pairwise(&predicted, &data.ideas, &[], &[]);
        steps.push(Step {
            answers: answers.len(),
            f1: m.f1,
            precision: m.precision,
            recall: m.recall,
            clusters: clustering.clusters.len(),
        });
        if night == nights {
            break;
        }
        let build = Build::from_clustering(&texts, &clustering);
        let asked = questions(&build, &answers, per_night);
        if asked.is_empty() {
            break;
        }
        for (row, q) in asked.iter().enumerate() {
            let same = idea_of(&q.text_a) == idea_of(&q.text_b);
            answers.push(Answer {
                text_a: q.text_a.clone(),
                text_b: q.text_b.clone(),
                same,
                file: format!("night{night}.xlsx"),
                sheet: None,
                row: row as u64 + 2,
            });
        }
    }
    steps
}
