//! Analysts' answers: read from answered review sheets, keyed by the
//! normalized texts of both sides, checked against each other, and turned
//! into constraints on the texts of a build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sborka_dedup::Constraints;
use sborka_ingest::Limits;

use crate::COLUMNS;

/// One answered row of a review sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub text_a: String,
    pub text_b: String,
    /// «да»: one idea; «нет»: two.
    pub same: bool,
    /// Where it was read: the file as given (or found in a folder), the
    /// sheet of a workbook, the line or spreadsheet row.
    pub file: String,
    pub sheet: Option<String>,
    pub row: u64,
}

impl Answer {
    /// `file`, `file [sheet]` and the row, for messages.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{} [{sheet}] row {}", self.file, self.row),
            None => format!("{} line {}", self.file, self.row),
        }
    }

    /// The pair's key: the two sides' matching texts, in order.
    pub fn key(&self) -> (String, String) {
        let (a, b) = (key(&self.text_a), key(&self.text_b));
        if a <= b { (a, b) } else { (b, a) }
    }
}

/// The key of a text: its matching text (case, ё/е, punctuation, spaces
/// and list markers do not matter), so that an answer survives re-exports,
/// renamed files and reordered rows.
pub fn key(text: &str) -> String {
    sborka_text::match_key(text)
}

/// Something in the answer files that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, and where in it (`None` for the whole file).
    pub file: String,
    pub place: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{} {place}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A cell's answer: `Some(true)` for да / yes / 1 / +, `Some(false)` for
/// нет / no / 0 / − (any case, stray spaces and a final dot ignored),
/// `None` for an empty cell, `Err` for anything else.
pub fn parse_answer(cell: &str) -> Result<Option<bool>, String> {
    let word = cell.trim().trim_end_matches('.').trim().to_lowercase();
    match word.as_str() {
        "" => Ok(None),
        "да" | "yes" | "y" | "1" | "+" | "д" => Ok(Some(true)),
        "нет" | "no" | "n" | "0" | "-" | "−" | "–" | "—" | "н" => Ok(Some(false)),
        _ => Err(format!(
            "the answer {:?} is none of да / нет / yes / no / 1 / 0 / + / −",
            cell.trim()
        )),
    }
}

/// The answer files under `paths` (files, or folders read recursively),
/// sorted by path so that the order they are named in does not matter.
fn answer_files(paths: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem {
                    file: dir.display().to_string(),
                    place: None,
                    message: e.to_string(),
                });
                return;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || name.starts_with("~$") {
                continue;
            }
            if path.is_dir() {
                walk(&path, out, problems);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files, problems);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            problems.push(Problem {
                file: path.display().to_string(),
                place: None,
                message: "no such file or folder".into(),
            });
        }
    }
    files.sort();
    files.dedup();
    files
}

/// Reads every answered row of the review sheets under `paths` (XLSX, XLS
/// or delimited text, as `sborka review` writes them or a script fills
/// them: a header row with the columns `text_a`, `text_b` and `decision`,
/// in any order). Unanswered rows are skipped; everything that cannot be
/// used is a [`Problem`] naming its file and row. Answers come sorted by
/// file, sheet and row.
pub fn read_answers(paths: &[PathBuf], limits: &Limits) -> (Vec<Answer>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    for path in answer_files(paths, &mut problems) {
        let file = path.display().to_string();
        let sheets = match sborka_ingest::read_rows(&path, limits) {
            Ok(s) => s,
            Err(message) => {
                problems.push(Problem {
                    file,
                    place: None,
                    message,
                });
                continue;
            }
        };
        let mut found = false;
        for sheet in sheets {
            let Some((at, header)) = sheet
                .rows
                .iter()
                .enumerate()
                .take(20)
                .find(|(_, (_, cells))| {
                    ["text_a", "text_b", "decision"]
                        .iter()
                        .all(|c| position(cells, c).is_some())
                })
                .map(|(at, (_, cells))| (at, cells.clone()))
            else {
                continue;
            };
            found = true;
            let column = |name: &str| position(&header, name).expect("found in the header");
            let (a, b, d) = (column("text_a"), column("text_b"), column("decision"));
            for (row, cells) in &sheet.rows[at + 1..] {
                let place = || match &sheet.name {
                    Some(name) => format!("[{name}] row {row}"),
                    None => format!("line {row}"),
                };
                match parse_answer(cell(cells, d)) {
                    Ok(None) => {}
                    Ok(Some(same)) => {
                        let (text_a, text_b) = (cell(cells, a), cell(cells, b));
                        if key(text_a).is_empty() || key(text_b).is_empty() {
                            problems.push(Problem {
                                file: file.clone(),
                                place: Some(place()),
                                message: "an answer without both texts".into(),
                            });
                            continue;
                        }
                        answers.push(Answer {
                            text_a: text_a.to_string(),
                            text_b: text_b.to_string(),
                            same,
                            file: file.clone(),
                            sheet: sheet.name.clone(),
                            row: *row,
                        });
                    }
                    Err(message) => problems.push(Problem {
                        file: file.clone(),
                        place: Some(place()),
                        message,
                    }),
                }
            }
        }
        if !found {
            problems.push(Problem {
                file,
                place: None,
                message: format!(
                    "no sheet with the columns text_a, text_b and decision (the columns of a review sheet: {})",
                    COLUMNS.join(", ")
                ),
            });
        }
    }
    (answers, problems)
}

fn position(cells: &[String], name: &str) -> Option<usize> {
    cells
        .iter()
        .position(|c| c.trim().eq_ignore_ascii_case(name))
}

fn cell(cells: &[String], i: usize) -> &str {
    cells.get(i).map_or("", String::as_str)
}

/// Answers that contradict each other: the build applies none of them and
/// names them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Why they contradict each other.
    pub why: String,
    pub answers: Vec<Answer>,
}

/// The answers resolved against the texts of a build.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// What the clustering must honour.
    pub constraints: Constraints,
    /// Answers applied (a repeated answer counts once), «да» and «нет».
    pub applied_same: usize,
    pub applied_different: usize,
    /// Answers whose texts no longer appear among the proposals.
    pub stale: Vec<Answer>,
    pub conflicts: Vec<Conflict>,
}

impl Resolution {
    pub fn applied(&self) -> usize {
        self.applied_same + self.applied_different
    }
}

/// Union–find over keys (by index), the smaller index winning.
fn find(parent: &mut [usize], x: usize) -> usize {
    let mut root = x;
    while parent[root] != root {
        root = parent[root];
    }
    let mut at = x;
    while parent[at] != root {
        let next = parent[at];
        parent[at] = root;
        at = next;
    }
    root
}

/// Resolves `answers` against `texts` (the proposals of a build, in its
/// order). An answer whose texts do not both appear is stale. «Да» answers
/// tie texts together, transitively; a «нет» between two texts tied
/// together, or two answers about one pair that disagree, is a conflict:
/// every answer involved is set aside and reported, and those texts are
/// left as the machine put them — the build does not guess. Deterministic
/// whatever the order of the answers.
pub fn resolve(answers: &[Answer], texts: &[&str]) -> Resolution {
    let mut resolution = Resolution::default();
    // The texts of each key, in build order.
    let mut keys: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut answers: Vec<&Answer> = answers.iter().collect();
    answers.sort_by(|x, y| {
        (&x.file, &x.sheet, x.row, x.same).cmp(&(&y.file, &y.sheet, y.row, y.same))
    });
    for answer in &answers {
        for text in [&answer.text_a, &answer.text_b] {
            let k = key(text);
            if !index.contains_key(&k) {
                index.insert(k.clone(), keys.len());
                keys.push(k);
            }
        }
    }
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
    for (i, text) in texts.iter().enumerate() {
        if let Some(&k) = index.get(&key(text)) {
            holders[k].push(i as u32);
        }
    }
    // Live answers, by pair of keys.
    let mut pairs: BTreeMap<(usize, usize), Vec<&Answer>> = BTreeMap::new();
    for &answer in &answers {
        let (a, b) = (index[&key(&answer.text_a)], index[&key(&answer.text_b)]);
        if holders[a].is_empty() || holders[b].is_empty() {
            resolution.stale.push(answer.clone());
            continue;
        }
        pairs.entry((a.min(b), a.max(b))).or_default().push(answer);
    }
    let mut conflicted_pairs: Vec<(usize, usize)> = Vec::new();
    for (&(a, b), list) in &pairs {
        let disagree = list.iter().any(|x| x.same != list[0].same);
        let same_text_apart = a == b && !list[0].same;
        if disagree || same_text_apart {
            resolution.conflicts.push(Conflict {
                why: if disagree {
                    "the same pair is answered both да and нет".into()
                } else {
                    "нет between two copies of one text".into()
                },
                answers: list.iter().map(|&x| x.clone()).collect(),
            });
            conflicted_pairs.push((a, b));
        }
    }
    for p in &conflicted_pairs {
        pairs.remove(p);
    }
    // «Да» ties keys together; a «нет» inside a tie contradicts it.
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    for (&(a, b), list) in &pairs {
        if list[0].same {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            let (low, high) = (ra.min(rb), ra.max(rb));
            parent[high] = low;
        }
    }
    let mut broken: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (&(a, b), list) in &pairs {
        if !list[0].same && find(&mut parent, a) == find(&mut parent, b) {
            broken.entry(find(&mut parent, a)).or_default().push((a, b));
        }
    }
    for (&root, nots) in &broken {
        let mut involved: Vec<Answer> = Vec::new();
        let members: Vec<(usize, usize)> = pairs
            .keys()
            .copied()
            .filter(|&(a, _)| find(&mut parent, a) == root)
            .collect();
        for p in &members {
            if pairs[p][0].same || nots.contains(p) {
                involved.extend(pairs[p].iter().map(|&x| x.clone()));
            }
        }
        for p in &members {
            if pairs[p][0].same || nots.contains(p) {
                pairs.remove(p);
            }
        }
        involved.sort_by(|x, y| (&x.file, &x.sheet, x.row).cmp(&(&y.file, &y.sheet, y.row)));
        resolution.conflicts.push(Conflict {
            why: "да answers tie together two texts a нет answer keeps apart".into(),
            answers: involved,
        });
    }
    // The constraints: copies of an answered text go with it.
    let mut tied_copies = vec![false; keys.len()];
    for (&(a, b), list) in &pairs {
        for k in [a, b] {
            if !tied_copies[k] {
                tied_copies[k] = true;
                let first = holders[k][0];
                for &other in &holders[k][1..] {
                    resolution.constraints.same.push((first, other));
                }
            }
        }
        let (ta, tb) = (holders[a][0], holders[b][0]);
        if list[0].same {
            resolution.applied_same += 1;
            if a != b {
                resolution.constraints.same.push((ta, tb));
            }
        } else {
            resolution.applied_different += 1;
            resolution.constraints.different.push((ta, tb));
        }
    }
    resolution
}
