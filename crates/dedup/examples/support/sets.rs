//! The labelled sets deduplication is measured on, read from `fixtures/`:
//! shared by the `quality` and `fit` examples and the quality tests
//! (`#[path]`-included, so that the library itself reads no files).
//!
//! - `gold`: `fixtures/gold` (350 proposals, 67 ideas, 24 twin pairs), the
//!   tuning set: written together with the lexicon and the guards.
//! - `validation`: `fixtures/validation`, written blind by someone who had
//!   not read the code, the lexicon or the gold set. Never tuned on.
//! - `train`: `fixtures/dedup-train`, proposals written blind like
//!   `validation` but by another hand, for fitting the pair model.
//! - `tune` / `check`: the two halves of the ParaPhraser.ru headline pairs
//!   (`fixtures/paraphraser-ru`). The pair model is fitted on `tune`;
//!   `check` is only reported.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A set of rows to cluster, with what is known of them.
#[derive(Clone, Debug, Default)]
pub struct Set {
    pub name: &'static str,
    pub ids: Vec<String>,
    pub texts: Vec<String>,
    /// The idea of each row (proposal sets); empty for headline pairs.
    pub ideas: Vec<String>,
    pub districts: Vec<String>,
    /// The theme slug of each row, when the set gives one.
    pub themes: Vec<String>,
    /// Pairs of rows labelled paraphrases of one idea.
    pub paraphrases: Vec<(usize, usize)>,
    /// Twin ideas: (idea a, idea b, what differs).
    pub twins: Vec<(String, String, String)>,
    /// Labelled pairs of rows (headlines): `1` the same meaning, `0` close
    /// but not the same, `-1` different.
    pub pairs: Vec<(usize, usize, i8)>,
}

impl Set {
    /// Whether rows carry ideas (proposal sets) rather than labelled
    /// pairs (headlines).
    pub fn has_ideas(&self) -> bool {
        !self.ideas.is_empty()
    }
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The names [`load`] takes, in the order figures are shown.
pub const NAMES: [&str; 5] = ["gold", "train", "validation", "tune", "check"];

/// Reads a set by name (see [`NAMES`]).
pub fn load(name: &str) -> Result<Set, String> {
    let fixtures = root().join("fixtures");
    match name {
        "gold" => read_proposals("gold", &fixtures.join("gold"), "gold.csv"),
        "validation" => read_proposals("validation", &fixtures.join("validation"), "proposals.csv"),
        "train" => read_proposals("train", &fixtures.join("dedup-train"), "proposals.csv"),
        "tune" => read_pairs("tune", &fixtures.join("paraphraser-ru/tune.tsv")),
        "check" => read_pairs("check", &fixtures.join("paraphraser-ru/check.tsv")),
        _ => Err(format!("unknown set {name:?}: one of {NAMES:?}")),
    }
}

fn records(
    path: &Path,
    delimiter: u8,
) -> Result<(csv::StringRecord, Vec<csv::StringRecord>), String> {
    let shown = |e: csv::Error| format!("{}: {e}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .map_err(shown)?;
    let header = reader.headers().map_err(shown)?.clone();
    let rows = reader.records().collect::<Result<_, _>>().map_err(shown)?;
    Ok((header, rows))
}

/// The position of column `name` in `header`.
fn column(header: &csv::StringRecord, name: &str, path: &Path) -> Result<usize, String> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("{}: no column {name:?}", path.display()))
}

/// A set of proposals with ideas: `file` (`id,idea,district,[theme,level,]text`),
/// `twins.csv` and `paraphrases.csv` beside it.
fn read_proposals(name: &'static str, dir: &Path, file: &str) -> Result<Set, String> {
    let path = dir.join(file);
    let (header, rows) = records(&path, b',')?;
    let at = |c: &str| column(&header, c, &path);
    let (id, idea, district, text) = (at("id")?, at("idea")?, at("district")?, at("text")?);
    let theme = at("theme").ok();
    let mut set = Set {
        name,
        ..Set::default()
    };
    for r in &rows {
        set.ids.push(r[id].to_string());
        set.ideas.push(r[idea].to_string());
        set.districts.push(r[district].to_string());
        set.texts.push(r[text].to_string());
        set.themes
            .push(theme.map_or(String::new(), |t| r[t].to_string()));
    }
    let index: BTreeMap<&str, usize> = set
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let paraphrases_path = dir.join("paraphrases.csv");
    let mut paraphrases = Vec::new();
    for r in records(&paraphrases_path, b',')?.1 {
        match (index.get(&r[0]), index.get(&r[1])) {
            (Some(&a), Some(&b)) => paraphrases.push((a, b)),
            _ => {
                return Err(format!(
                    "{}: unknown id in {r:?}",
                    paraphrases_path.display()
                ));
            }
        }
    }
    set.paraphrases = paraphrases;
    let twins_path = dir.join("twins.csv");
    let (header, rows) = records(&twins_path, b',')?;
    let differs = column(&header, "differs_by", &twins_path)?;
    set.twins = rows
        .iter()
        .map(|r| (r[0].to_string(), r[1].to_string(), r[differs].to_string()))
        .collect();
    Ok(set)
}

/// ParaPhraser pairs (`id, id_1, id_2, text_1, text_2, jaccard, class`):
/// each headline once as a row, in first-seen order.
fn read_pairs(name: &'static str, path: &Path) -> Result<Set, String> {
    let (header, rows) = records(path, b'\t')?;
    let at = |c: &str| column(&header, c, path);
    let (id1, id2, t1, t2, class) = (
        at("id_1")?,
        at("id_2")?,
        at("text_1")?,
        at("text_2")?,
        at("class")?,
    );
    let mut set = Set {
        name,
        ..Set::default()
    };
    let mut row_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut row = |set: &mut Set, id: &str, text: &str| -> usize {
        *row_of.entry(id.to_string()).or_insert_with(|| {
            set.ids.push(id.to_string());
            set.texts.push(text.to_string());
            set.districts.push(String::new());
            set.themes.push(String::new());
            set.ids.len() - 1
        })
    };
    for r in &rows {
        let a = row(&mut set, &r[id1], &r[t1]);
        let b = row(&mut set, &r[id2], &r[t2]);
        let label: i8 = r[class]
            .parse()
            .map_err(|_| format!("{}: class {:?}", path.display(), &r[class]))?;
        set.pairs.push((a, b, label));
    }
    Ok(set)
}
