//! What changed since the previous build: `changes.json` and the section
//! «Что изменилось с прошлой сборки» of the reading documents.
//!
//! # Matching ideas by their members
//!
//! A cluster id is a hash of its representative's terms: when the
//! representative leaves (its export was removed) or a stricter pair
//! decision regroups the proposals, the same idea gets another id. So ideas
//! are matched through their proposals, never by id. The previous build's
//! `proposals.jsonl` gives each of its proposals' id (`FILE#RECORD`), text
//! and cluster ([`Previous::read`]). A proposal of this build is the same
//! proposal as one of the previous build when both id and text are equal;
//! the ones left over are then paired by text alone, in order (a file
//! renamed, or rows renumbered by a row inserted above them). Only 64-bit
//! hashes of the ids and texts are kept (a collision among a million
//! proposals has odds of about 10⁻⁸).
//!
//! The pairs link previous ideas to current ones. An idea of this build
//! that no pair reaches is `new`; a previous idea that no pair leaves is
//! `gone`; a previous idea whose proposals went to two ideas or more is
//! `split`, a current idea that gathers the proposals of two previous ideas
//! or more is `merged` (both at once when the groups cross); an idea linked
//! to exactly one idea that is linked only to it has `grown` or `shrunk`
//! when its number of proposals changed. Nothing here depends on why the
//! grouping changed (exports added or removed, deduplication, an analyst's
//! decision).
//!
//! A previous idea's text is that of its first proposal in the previous
//! `proposals.jsonl` (the build's representative is not written there); a
//! current idea's is its representative's, as in the documents.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::hash::Hasher;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use sborka_core::{Cluster, ClusterId, IdOf, Proposal};

use crate::plural;

/// The version of `changes.json`'s shape (`schema/changes.schema.json`).
pub const CHANGES_SCHEMA_VERSION: u32 = 1;

/// How many ideas of each list the reading documents show; `changes.json`
/// has them all.
pub const CHANGES_SHOWN: usize = 20;

/// A previous build, as far as the comparison needs it.
#[derive(Debug)]
pub struct Previous {
    pub build: PreviousBuild,
    /// `proposals.jsonl`, read again for the texts of the previous ideas
    /// that changed.
    proposals_path: PathBuf,
    rows: Vec<Row>,
    clusters: Vec<OldCluster>,
}

/// What `changes.json` says of the previous build.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PreviousBuild {
    /// Its `report.json`'s digest of the inputs.
    pub inputs_sha256: Option<String>,
    /// The `--date` it was built with, if any.
    pub date: Option<String>,
    pub proposals: u64,
    pub ideas: u64,
}

/// One line of the previous `proposals.jsonl`: hashes of its id and text.
#[derive(Clone, Copy, Debug)]
struct Row {
    /// Id and text together.
    id_text: u64,
    text: u64,
    /// Index into [`Previous::clusters`].
    cluster: u32,
}

#[derive(Clone, Copy, Debug)]
struct OldCluster {
    id: ClusterId,
    proposals: u32,
    /// Byte offset of its first line in `proposals.jsonl`.
    first: u64,
}

/// The fields of a `proposals.jsonl` line that the comparison reads.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    cluster: Cow<'a, str>,
}

/// The fields of the previous `report.json` that `changes.json` repeats.
#[derive(Deserialize)]
struct Report {
    inputs_sha256: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

/// Lines parsed side by side: a block of about this many bytes at a time.
const BLOCK: usize = 8 << 20;

impl Previous {
    /// The build in `dir`: `None` when `dir` holds none (no `report.json`
    /// or no `proposals.jsonl`), an error saying where when they cannot be
    /// read.
    pub fn read(dir: &Path) -> io::Result<Option<Previous>> {
        let report_path = dir.join("report.json");
        let proposals_path = dir.join("proposals.jsonl");
        if !report_path.is_file() || !proposals_path.is_file() {
            return Ok(None);
        }
        let where_ = |path: &Path, e: &dyn std::fmt::Display| {
            io::Error::other(format!("{}: {e}", path.display()))
        };
        let bytes = std::fs::read(&report_path).map_err(|e| where_(&report_path, &e))?;
        let report: Report =
            serde_json::from_slice(&bytes).map_err(|e| where_(&report_path, &e))?;

        let mut file = File::open(&proposals_path).map_err(|e| where_(&proposals_path, &e))?;
        let mut rows = Vec::new();
        let mut clusters: Vec<OldCluster> = Vec::new();
        let mut index: HashMap<u64, u32> = HashMap::new();
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (1 << 16));
        let mut offset = 0u64;
        let mut line_no = 0usize;
        loop {
            // Fill the block, then parse the whole lines it holds.
            let start = buf.len();
            buf.resize(BLOCK.max(start * 2), 0);
            let n =
                read_full(&mut file, &mut buf[start..]).map_err(|e| where_(&proposals_path, &e))?;
            buf.truncate(start + n);
            let end = if n == 0 {
                buf.len()
            } else {
                match memchr_last(&buf) {
                    Some(i) => i + 1,
                    None => continue,
                }
            };
            let lines: Vec<(usize, &[u8])> = split_lines(&buf[..end]);
            let parsed: Vec<Result<(u64, u64, u64, usize), String>> = lines
                .par_iter()
                .enumerate()
                .map(|(k, &(at, line))| {
                    let l: Line<'_> = serde_json::from_slice(line)
                        .map_err(|e| format!("line {}: {e}", line_no + k + 1))?;
                    let cluster = l
                        .cluster
                        .strip_prefix('c')
                        .and_then(|h| u64::from_str_radix(h, 16).ok())
                        .ok_or_else(|| {
                            format!("line {}: not a cluster id: {}", line_no + k + 1, l.cluster)
                        })?;
                    let (id_text, text) = keys(&l.id, &l.text);
                    Ok((id_text, text, cluster, at))
                })
                .collect();
            line_no += lines.len();
            for p in parsed {
                let (id_text, text, cluster, at) = p.map_err(|e| where_(&proposals_path, &e))?;
                let next = clusters.len() as u32;
                let c = *index.entry(cluster).or_insert(next);
                if c == next {
                    clusters.push(OldCluster {
                        id: ClusterId(cluster),
                        proposals: 0,
                        first: offset + at as u64,
                    });
                }
                clusters[c as usize].proposals += 1;
                rows.push(Row {
                    id_text,
                    text,
                    cluster: c,
                });
            }
            offset += end as u64;
            buf.drain(..end);
            if n == 0 {
                break;
            }
        }
        Ok(Some(Previous {
            build: PreviousBuild {
                inputs_sha256: report.inputs_sha256,
                date: report.date,
                proposals: rows.len() as u64,
                ideas: clusters.len() as u64,
            },
            proposals_path,
            rows,
            clusters,
        }))
    }

    /// The texts of the previous ideas `wanted` (indexes into
    /// [`Previous::clusters`]): their first lines, read in file order.
    fn texts(&self, wanted: &mut [u32]) -> io::Result<HashMap<u32, String>> {
        let where_ = |e: &dyn std::fmt::Display| {
            io::Error::other(format!("{}: {e}", self.proposals_path.display()))
        };
        wanted.sort_unstable_by_key(|&c| self.clusters[c as usize].first);
        let mut out = HashMap::with_capacity(wanted.len());
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut reader = BufReader::with_capacity(
            1 << 20,
            File::open(&self.proposals_path).map_err(|e| where_(&e))?,
        );
        let mut at = 0u64;
        let mut line = Vec::new();
        for &c in wanted.iter() {
            let first = self.clusters[c as usize].first;
            if first < at {
                continue; // one line per cluster: cannot happen
            }
            io::copy(&mut (&mut reader).take(first - at), &mut io::sink())
                .map_err(|e| where_(&e))?;
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| where_(&e))?;
            at = first + n as u64;
            let l: Line<'_> = serde_json::from_slice(&line).map_err(|e| where_(&e))?;
            out.insert(c, l.text.into_owned());
        }
        Ok(out)
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn memchr_last(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'\n')
}

/// The non-empty lines of `b`, each with its offset.
fn split_lines(b: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in b.split(|&c| c == b'\n') {
        let len = line.len();
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        if !trimmed.iter().all(u8::is_ascii_whitespace) {
            out.push((at, trimmed));
        }
        at += len + 1;
    }
    out
}

/// Hashes of a proposal's id and text together, and of its text.
fn keys(id: &str, text: &str) -> (u64, u64) {
    let mut t = std::hash::DefaultHasher::new();
    t.write(text.as_bytes());
    let text_key = t.finish();
    let mut it = std::hash::DefaultHasher::new();
    it.write(id.as_bytes());
    it.write_u8(0xff);
    it.write(text.as_bytes());
    (it.finish(), text_key)
}

/// What the documents say about the previous build.
#[derive(Clone, Debug, Default)]
pub enum History<'a> {
    /// There was none: the first build.
    #[default]
    First,
    /// The output folder held one that could not be read (why).
    Unreadable { reason: String },
    /// The comparison with it.
    Compared(Box<Changes<'a>>),
}

/// `changes.json`: the ideas that changed since the previous build.
#[derive(Clone, Debug, Serialize)]
pub struct Changes<'a> {
    pub schema_version: u32,
    pub previous: PreviousBuild,
    /// The changes in one phrase: «+12 новых идей, 30 выросли, 2 объединены».
    pub summary: String,
    pub counts: Counts,
    pub ideas: Lists<'a>,
}

/// How many entries each list has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub new: u64,
    pub gone: u64,
    pub grown: u64,
    pub shrunk: u64,
    pub merged: u64,
    pub split: u64,
}

/// The six lists, each sorted by the size of the change, then cluster id.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Lists<'a> {
    pub new: Vec<Change<'a>>,
    pub gone: Vec<Change<'a>>,
    pub grown: Vec<Change<'a>>,
    pub shrunk: Vec<Change<'a>>,
    pub merged: Vec<Change<'a>>,
    pub split: Vec<Change<'a>>,
}

/// One changed idea: the ideas it was (`from`, previous build) and is
/// (`to`, this build), and their proposals before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change<'a> {
    /// The idea named: this build's when there is one (`new`, `grown`,
    /// `shrunk`, `merged`), the previous build's otherwise (`gone`,
    /// `split`).
    pub cluster: ClusterId,
    pub text: Cow<'a, str>,
    /// Proposals of the `from` ideas.
    pub before: u64,
    /// Proposals of the `to` ideas.
    pub after: u64,
    pub from: Vec<Side<'a>>,
    pub to: Vec<Side<'a>>,
}

/// An idea of one of the two builds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Side<'a> {
    pub cluster: ClusterId,
    pub text: Cow<'a, str>,
    pub proposals: u64,
}

/// One of the six lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    New,
    Gone,
    Grown,
    Shrunk,
    Merged,
    Split,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::New,
        Kind::Gone,
        Kind::Grown,
        Kind::Shrunk,
        Kind::Merged,
        Kind::Split,
    ];

    /// The list's heading in the documents.
    pub fn title(self) -> &'static str {
        match self {
            Kind::New => "Новые идеи",
            Kind::Gone => "Исчезли",
            Kind::Grown => "Выросли",
            Kind::Shrunk => "Уменьшились",
            Kind::Merged => "Объединены",
            Kind::Split => "Разделены",
        }
    }

    /// `n` entries of this list, in words: «+3 новые идеи», «2 выросли».
    fn phrase(self, n: u64) -> String {
        let p = |one, few, many| plural(n, one, few, many);
        match self {
            Kind::New => format!("+{n} {}", p("новая идея", "новые идеи", "новых идей")),
            Kind::Gone => format!("{n} {}", p("исчезла", "исчезли", "исчезли")),
            Kind::Grown => format!("{n} {}", p("выросла", "выросли", "выросли")),
            Kind::Shrunk => format!("{n} {}", p("уменьшилась", "уменьшились", "уменьшились")),
            Kind::Merged => format!("{n} {}", p("объединена", "объединены", "объединены")),
            Kind::Split => format!("{n} {}", p("разделена", "разделены", "разделены")),
        }
    }
}

impl<'a> Lists<'a> {
    pub fn get(&self, kind: Kind) -> &[Change<'a>] {
        match kind {
            Kind::New => &self.new,
            Kind::Gone => &self.gone,
            Kind::Grown => &self.grown,
            Kind::Shrunk => &self.shrunk,
            Kind::Merged => &self.merged,
            Kind::Split => &self.split,
        }
    }

    fn counts(&self) -> Counts {
        let n = |k| self.get(k).len() as u64;
        Counts {
            new: n(Kind::New),
            gone: n(Kind::Gone),
            grown: n(Kind::Grown),
            shrunk: n(Kind::Shrunk),
            merged: n(Kind::Merged),
            split: n(Kind::Split),
        }
    }
}

impl Counts {
    fn get(&self, kind: Kind) -> u64 {
        match kind {
            Kind::New => self.new,
            Kind::Gone => self.gone,
            Kind::Grown => self.grown,
            Kind::Shrunk => self.shrunk,
            Kind::Merged => self.merged,
            Kind::Split => self.split,
        }
    }

    /// The changes in one phrase, «без изменений» when there are none.
    pub fn phrase(&self) -> String {
        let parts: Vec<String> = Kind::ALL
            .iter()
            .filter(|&&k| self.get(k) > 0)
            .map(|&k| k.phrase(self.get(k)))
            .collect();
        if parts.is_empty() {
            "без изменений".to_string()
        } else {
            parts.join(", ")
        }
    }
}

impl History<'_> {
    /// What the build's summary line says: «первая сборка», or the changes
    /// in one phrase.
    pub fn phrase(&self) -> String {
        match self {
            History::First => "первая сборка".to_string(),
            History::Unreadable { .. } => "прошлую сборку прочитать не удалось".to_string(),
            History::Compared(c) => c.summary.clone(),
        }
    }
}

/// Compares this build (`proposals` grouped by `clusters`) with `previous`.
pub fn compare<'a>(
    previous: &Previous,
    proposals: &'a [Proposal],
    clusters: &'a [Cluster],
) -> io::Result<Changes<'a>> {
    // This build's keys, in build order.
    let keys_now: Vec<(u64, u64)> = proposals
        .par_iter()
        .map_init(String::new, |id, p| {
            use std::fmt::Write as _;
            id.clear();
            let _ = write!(id, "{}", IdOf(&p.source));
            keys(id, &p.text)
        })
        .collect();
    let mut cluster_of = vec![u32::MAX; proposals.len()];
    for (c, cluster) in clusters.iter().enumerate() {
        for &m in &cluster.members {
            if let Some(slot) = cluster_of.get_mut(m as usize) {
                *slot = c as u32;
            }
        }
    }

    // Proposals paired by id and text, then the rest by text, in order.
    let rows = &previous.rows;
    let mut by_id_text: HashMap<u64, u32> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        by_id_text.entry(r.id_text).or_insert(i as u32);
    }
    let mut taken = vec![false; rows.len()];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut left_now: Vec<(u64, u32)> = Vec::new();
    for (n, &(id_text, text)) in keys_now.iter().enumerate() {
        match by_id_text.get(&id_text) {
            Some(&o) if !taken[o as usize] => {
                taken[o as usize] = true;
                pairs.push((o, n as u32));
            }
            _ => left_now.push((text, n as u32)),
        }
    }
    drop(by_id_text);
    let mut left_before: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .filter(|&(i, _)| !taken[i])
        .map(|(i, r)| (r.text, i as u32))
        .collect();
    left_now.sort_unstable();
    left_before.sort_unstable();
    let (mut a, mut b) = (0, 0);
    while a < left_before.len() && b < left_now.len() {
        let (ta, o) = left_before[a];
        let (tb, n) = left_now[b];
        match ta.cmp(&tb) {
            std::cmp::Ordering::Less => a += 1,
            std::cmp::Ordering::Greater => b += 1,
            std::cmp::Ordering::Equal => {
                pairs.push((o, n));
                a += 1;
                b += 1;
            }
        }
    }

    // Links between ideas: (previous, current), each once.
    let mut links: Vec<(u32, u32)> = pairs
        .iter()
        .filter_map(|&(o, n)| {
            let now = *cluster_of.get(n as usize)?;
            (now != u32::MAX).then(|| (rows[o as usize].cluster, now))
        })
        .collect();
    links.sort_unstable();
    links.dedup();
    let mut by_now = links.clone();
    by_now.sort_unstable_by_key(|&(o, n)| (n, o));
    let mut out_degree = vec![0u32; previous.clusters.len()];
    let mut in_degree = vec![0u32; clusters.len()];
    for &(o, n) in &links {
        out_degree[o as usize] += 1;
        in_degree[n as usize] += 1;
    }

    let now_side = |n: u32| {
        let c = &clusters[n as usize];
        let text = proposals
            .get(c.representative as usize)
            .map_or("", |p| p.text.as_str());
        Side {
            cluster: c.id,
            text: Cow::Borrowed(text),
            proposals: c.members.len() as u64,
        }
    };
    // Previous ideas' texts are filled in at the end, read from the file.
    let before_side = |o: u32| {
        let c = &previous.clusters[o as usize];
        Side {
            cluster: c.id,
            text: Cow::Borrowed(""),
            proposals: u64::from(c.proposals),
        }
    };
    let change = |from: Vec<Side<'a>>, to: Vec<Side<'a>>, name_from: bool| {
        let named = if name_from { &from[0] } else { &to[0] };
        Change {
            cluster: named.cluster,
            text: named.text.clone(),
            before: from.iter().map(|s| s.proposals).sum(),
            after: to.iter().map(|s| s.proposals).sum(),
            from,
            to,
        }
    };
    let mut lists = Lists::default();
    for (n, &d) in in_degree.iter().enumerate() {
        if d == 0 {
            lists
                .new
                .push(change(Vec::new(), vec![now_side(n as u32)], false));
        }
    }
    for (o, &d) in out_degree.iter().enumerate() {
        if d == 0 {
            lists
                .gone
                .push(change(vec![before_side(o as u32)], Vec::new(), true));
        }
    }
    for run in links.chunk_by(|x, y| x.0 == y.0) {
        let o = run[0].0;
        if run.len() >= 2 {
            let to = run.iter().map(|&(_, n)| now_side(n)).collect();
            lists.split.push(change(vec![before_side(o)], to, true));
        } else {
            let n = run[0].1;
            if in_degree[n as usize] == 1 {
                let (from, to) = (before_side(o), now_side(n));
                match to.proposals.cmp(&from.proposals) {
                    std::cmp::Ordering::Greater => {
                        lists.grown.push(change(vec![from], vec![to], false));
                    }
                    std::cmp::Ordering::Less => {
                        lists.shrunk.push(change(vec![from], vec![to], false));
                    }
                    std::cmp::Ordering::Equal => {}
                }
            }
        }
    }
    for run in by_now.chunk_by(|x, y| x.1 == y.1) {
        if run.len() >= 2 {
            let from = run.iter().map(|&(o, _)| before_side(o)).collect();
            lists
                .merged
                .push(change(from, vec![now_side(run[0].1)], false));
        }
    }

    // The previous ideas' texts.
    let mut wanted: Vec<u32> = Vec::new();
    let index: HashMap<ClusterId, u32> = previous
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i as u32))
        .collect();
    for kind in Kind::ALL {
        for c in lists.get(kind) {
            wanted.extend(c.from.iter().filter_map(|s| index.get(&s.cluster).copied()));
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let texts = previous.texts(&mut wanted)?;
    let text_of = |id: ClusterId| {
        index
            .get(&id)
            .and_then(|i| texts.get(i))
            .cloned()
            .unwrap_or_default()
    };
    for list in [
        &mut lists.new,
        &mut lists.gone,
        &mut lists.grown,
        &mut lists.shrunk,
        &mut lists.merged,
        &mut lists.split,
    ] {
        for c in list.iter_mut() {
            for s in &mut c.from {
                s.text = Cow::Owned(text_of(s.cluster));
            }
            if c.to.is_empty() {
                c.text = c.from[0].text.clone();
            }
            if c.from.len() == 1 && c.to.len() > 1 {
                c.text = c.from[0].text.clone();
            }
            let by_size = |a: &Side<'_>, b: &Side<'_>| {
                b.proposals
                    .cmp(&a.proposals)
                    .then(a.cluster.cmp(&b.cluster))
            };
            c.from.sort_by(by_size);
            c.to.sort_by(by_size);
        }
    }
    let by = |key: fn(&Change<'_>) -> u64| {
        move |a: &Change<'_>, b: &Change<'_>| key(b).cmp(&key(a)).then(a.cluster.cmp(&b.cluster))
    };
    lists.new.sort_by(by(|c| c.after));
    lists.gone.sort_by(by(|c| c.before));
    lists.grown.sort_by(by(|c| c.after - c.before));
    lists.shrunk.sort_by(by(|c| c.before - c.after));
    lists.merged.sort_by(by(|c| c.after));
    lists.split.sort_by(by(|c| c.before));

    let counts = lists.counts();
    Ok(Changes {
        schema_version: CHANGES_SCHEMA_VERSION,
        previous: previous.build.clone(),
        summary: counts.phrase(),
        counts,
        ideas: lists,
    })
}

/// What the reading documents show of the changes: a lead paragraph and,
/// per non-empty list, its first [`CHANGES_SHOWN`] entries.
pub(crate) struct View<'c, 'a> {
    pub(crate) lead: String,
    pub(crate) lists: Vec<ListView<'c, 'a>>,
}

pub(crate) struct ListView<'c, 'a> {
    pub(crate) kind: Kind,
    pub(crate) total: usize,
    pub(crate) shown: &'c [Change<'a>],
}

impl ListView<'_, '_> {
    /// «Новые идеи — 12».
    pub(crate) fn title(&self) -> String {
        format!("{} — {}", self.kind.title(), self.total)
    }

    /// The note after the shown entries when the list is longer.
    pub(crate) fn more(&self) -> Option<String> {
        let rest = self.total - self.shown.len();
        (rest > 0).then(|| format!("… и ещё {rest}: полный список — в changes.json"))
    }
}

/// The section's heading in every document.
pub(crate) const TITLE: &str = "Что изменилось с прошлой сборки";

pub(crate) fn view<'c, 'a>(history: &'c History<'a>) -> View<'c, 'a> {
    match history {
        History::First => View {
            lead: "Это первая сборка: в папке вывода не было прошлой сборки, сравнивать не с \
                   чем. Следующая сборка в ту же папку покажет здесь, какие идеи появились, \
                   исчезли, выросли, уменьшились, объединились или разделились."
                .to_string(),
            lists: Vec::new(),
        },
        History::Unreadable { reason } => View {
            lead: format!(
                "Прошлую сборку в папке вывода прочитать не удалось ({reason}): изменения не \
                 подсчитаны."
            ),
            lists: Vec::new(),
        },
        History::Compared(c) => {
            let p = &c.previous;
            let mut when = String::new();
            if let Some(date) = &p.date {
                when.push_str(&format!(" от {date}"));
            }
            let lead = format!(
                "С прошлой сборки{when}: {}. Тогда было {} {} в {} {}. Идеи сопоставлены \
                 по их предложениям (адрес и текст предложения, затем только текст), а не по \
                 коду идеи; число у идеи — её предложения до и после. Полный список — в \
                 changes.json.",
                c.summary,
                p.proposals,
                plural(p.proposals, "предложение", "предложения", "предложений"),
                p.ideas,
                plural(p.ideas, "идее", "идеях", "идеях"),
            );
            let lists = Kind::ALL
                .iter()
                .map(|&kind| {
                    let all = c.ideas.get(kind);
                    ListView {
                        kind,
                        total: all.len(),
                        shown: &all[..all.len().min(CHANGES_SHOWN)],
                    }
                })
                .filter(|l| l.total > 0)
                .collect();
            View { lead, lists }
        }
    }
}

/// The line under a changed idea: its proposals before and after, and the
/// ideas it came from or went to.
pub(crate) fn note(kind: Kind, c: &Change<'_>) -> String {
    let n = |v: u64| {
        format!(
            "{v} {}",
            plural(v, "предложение", "предложения", "предложений")
        )
    };
    let sides = |sides: &[Side<'_>]| {
        sides
            .iter()
            .map(|s| format!("«{}» ({})", shorten(&s.text, 80), s.proposals))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match kind {
        Kind::New => n(c.after),
        Kind::Gone => format!("было {}", n(c.before)),
        Kind::Grown | Kind::Shrunk => format!("было {} → стало {}", c.before, n(c.after)),
        Kind::Merged => format!(
            "{} → {}; были идеями: {}",
            c.before,
            n(c.after),
            sides(&c.from)
        ),
        Kind::Split => format!(
            "{} → {}; теперь идеи: {}",
            c.before,
            n(c.after),
            sides(&c.to)
        ),
    }
}

fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    Cow::Owned(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_table() {
        let c = |new, gone, grown, shrunk, merged, split| Counts {
            new,
            gone,
            grown,
            shrunk,
            merged,
            split,
        };
        let cases = [
            (
                c(12, 0, 30, 0, 2, 0),
                "+12 новых идей, 30 выросли, 2 объединены",
            ),
            (
                c(1, 1, 1, 1, 1, 1),
                "+1 новая идея, 1 исчезла, 1 выросла, 1 уменьшилась, 1 объединена, 1 разделена",
            ),
            (
                c(3, 21, 0, 0, 0, 5),
                "+3 новые идеи, 21 исчезла, 5 разделены",
            ),
            (c(0, 0, 0, 0, 0, 0), "без изменений"),
        ];
        for (counts, want) in cases {
            assert_eq!(counts.phrase(), want);
        }
    }
}
