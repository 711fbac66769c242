//! The review queue: the questions whose answers change the roadmap most.
//!
//! - **merge**: two ideas the pair decision kept apart though the model
//!   found a pair of their texts likely one (a near miss); asked about the
//!   ideas' representatives, so that «да» joins the two ideas.
//! - **member**: a member whose link to its idea is the least certain;
//!   asked about the member and the idea's representative, so that «нет»
//!   takes it out.
//!
//! Ordered by expected effect: the proposals of the ideas involved times
//! the uncertainty (for a near miss the probability that the two are one,
//! for a member the probability that it is not), then by score, then by
//! the texts, so the same build gives the same queue.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::answers::{Answer, key};

/// A build as the queue sees it: its proposals and near misses.
#[derive(Clone, Debug, Default)]
pub struct Build {
    pub proposals: Vec<Item>,
    /// Pairs of proposals (indexes into `proposals`) in different ideas
    /// that the model found likely one, with its probability.
    pub near_misses: Vec<(usize, usize, f32)>,
}

/// One proposal of a build.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub cluster: String,
    /// The district's name to show, when known.
    pub district: Option<String>,
    pub theme: Option<String>,
    pub level: Option<String>,
    /// The probability of its link to its idea (1 for the representative
    /// and its copies).
    pub link: f32,
    pub representative: bool,
}

/// What kind of question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Merge,
    Member,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Merge => "merge",
            Kind::Member => "member",
        }
    }
}

/// One row of the review sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub kind: Kind,
    pub text_a: String,
    pub text_b: String,
    pub support_a: usize,
    pub support_b: usize,
    pub districts_a: Vec<String>,
    pub districts_b: Vec<String>,
    /// The model's probability that the two are one idea.
    pub score: f32,
    /// The ideas (cluster ids) of each side, the proposals shown, and the
    /// theme and level of side a's idea.
    pub cluster_a: String,
    pub cluster_b: String,
    pub id_a: String,
    pub id_b: String,
    pub theme: Option<String>,
    pub level: Option<String>,
    /// Expected effect: support × uncertainty.
    pub effect: f32,
}

#[derive(Deserialize)]
struct ProposalLine {
    id: String,
    text: String,
    cluster: String,
    district: Option<String>,
    theme: Option<String>,
    level: Option<String>,
    #[serde(default = "one")]
    link: f32,
    #[serde(default)]
    representative: bool,
}

fn one() -> f32 {
    1.0
}

#[derive(Deserialize)]
struct NearLine {
    a: String,
    b: String,
    probability: f32,
}

impl Build {
    /// Reads a build's `proposals.jsonl` and `near_misses.jsonl` from its
    /// output folder; `name` gives a district slug's name to show.
    pub fn read(dir: &Path, name: impl Fn(&str) -> String) -> Result<Build, String> {
        let lines = |file: &str| -> Result<String, String> {
            let path = dir.join(file);
            std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "{}: {e} (is {} the output folder of `sborka build`?)",
                    path.display(),
                    dir.display()
                )
            })
        };
        let mut build = Build::default();
        let mut at: BTreeMap<String, usize> = BTreeMap::new();
        for (n, line) in lines("proposals.jsonl")?.lines().enumerate() {
            let p: ProposalLine = serde_json::from_str(line)
                .map_err(|e| format!("proposals.jsonl line {}: {e}", n + 1))?;
            at.insert(p.id.clone(), build.proposals.len());
            build.proposals.push(Item {
                id: p.id,
                text: p.text,
                cluster: p.cluster,
                district: p.district.as_deref().map(&name),
                theme: p.theme,
                level: p.level,
                link: p.link,
                representative: p.representative,
            });
        }
        for (n, line) in lines("near_misses.jsonl")?.lines().enumerate() {
            let m: NearLine = serde_json::from_str(line)
                .map_err(|e| format!("near_misses.jsonl line {}: {e}", n + 1))?;
            let find = |id: &str| {
                at.get(id).copied().ok_or_else(|| {
                    format!(
                        "near_misses.jsonl line {}: no proposal {id} in proposals.jsonl",
                        n + 1
                    )
                })
            };
            build
                .near_misses
                .push((find(&m.a)?, find(&m.b)?, m.probability));
        }
        Ok(build)
    }
}

impl Build {
    /// A build in memory: `texts` clustered as `clustering` says (ids are
    /// the texts' indexes; no districts, themes or levels).
    pub fn from_clustering(texts: &[&str], clustering: &sborka_dedup::Clustering) -> Build {
        let mut proposals: Vec<Item> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Item {
                id: i.to_string(),
                text: t.to_string(),
                cluster: String::new(),
                district: None,
                theme: None,
                level: None,
                link: clustering.links.get(i).copied().unwrap_or(1.0),
                representative: false,
            })
            .collect();
        for c in &clustering.clusters {
            let id = c.id.to_string();
            for &m in &c.members {
                proposals[m as usize].cluster.clone_from(&id);
            }
            proposals[c.representative as usize].representative = true;
        }
        Build {
            proposals,
            near_misses: clustering
                .near_misses
                .iter()
                .map(|m| (m.a as usize, m.b as usize, m.probability))
                .collect(),
        }
    }
}

/// An idea of the build: its representative and support.
struct Idea {
    representative: usize,
    support: usize,
    districts: Vec<String>,
}

/// The questions of `build` not answered in `answered`, most effect
/// first, at most `limit`.
pub fn questions(build: &Build, answered: &[Answer], limit: usize) -> Vec<Question> {
    let items = &build.proposals;
    let mut ideas: BTreeMap<&str, Idea> = BTreeMap::new();
    for (i, p) in items.iter().enumerate() {
        let idea = ideas.entry(p.cluster.as_str()).or_insert(Idea {
            representative: i,
            support: 0,
            districts: Vec::new(),
        });
        idea.support += 1;
        if p.representative {
            idea.representative = i;
        }
        if let Some(d) = &p.district
            && !idea.districts.contains(d)
        {
            idea.districts.push(d.clone());
        }
    }
    for idea in ideas.values_mut() {
        idea.districts.sort();
    }
    let done: BTreeSet<(String, String)> = answered.iter().map(Answer::key).collect();
    let is_done = |a: &str, b: &str| {
        let (a, b) = (key(a), key(b));
        let pair = if a <= b { (a, b) } else { (b, a) };
        pair.0 == pair.1 || done.contains(&pair)
    };
    let question = |kind: Kind, a: &Idea, b: &Idea, ia: usize, ib: usize, score: f32| {
        let (pa, pb) = (&items[ia], &items[ib]);
        let effect = match kind {
            Kind::Merge => (a.support + b.support) as f32 * score,
            Kind::Member => a.support as f32 * (1.0 - score),
        };
        Question {
            kind,
            text_a: pa.text.clone(),
            text_b: pb.text.clone(),
            support_a: a.support,
            support_b: b.support,
            districts_a: a.districts.clone(),
            districts_b: b.districts.clone(),
            score,
            cluster_a: pa.cluster.clone(),
            cluster_b: pb.cluster.clone(),
            id_a: pa.id.clone(),
            id_b: pb.id.clone(),
            theme: items[a.representative].theme.clone(),
            level: items[a.representative].level.clone(),
            effect,
        }
    };
    let mut out: Vec<Question> = Vec::new();
    // Near misses: the likeliest pair of each two ideas.
    let mut merges: BTreeMap<(&str, &str), f32> = BTreeMap::new();
    for &(a, b, p) in &build.near_misses {
        let (ca, cb) = (items[a].cluster.as_str(), items[b].cluster.as_str());
        if ca == cb {
            continue;
        }
        let pair = (ca.min(cb), ca.max(cb));
        let best = merges.entry(pair).or_insert(p);
        *best = best.max(p);
    }
    for ((ca, cb), p) in merges {
        let (a, b) = (&ideas[ca], &ideas[cb]);
        let (ra, rb) = (a.representative, b.representative);
        if is_done(&items[ra].text, &items[rb].text) {
            continue;
        }
        out.push(question(Kind::Merge, a, b, ra, rb, p));
    }
    // Members less than certain, one question per text.
    let mut asked: BTreeSet<(String, String)> = BTreeSet::new();
    for (i, p) in items.iter().enumerate() {
        let idea = &ideas[p.cluster.as_str()];
        let r = idea.representative;
        if p.link >= 1.0 || i == r || is_done(&p.text, &items[r].text) {
            continue;
        }
        if !asked.insert((key(&p.text), key(&items[r].text))) {
            continue;
        }
        out.push(question(Kind::Member, idea, idea, i, r, p.link));
    }
    out.sort_by(|x, y| {
        y.effect
            .total_cmp(&x.effect)
            .then_with(|| y.score.total_cmp(&x.score))
            .then_with(|| x.kind.cmp(&y.kind))
            .then_with(|| (&x.id_a, &x.id_b).cmp(&(&y.id_a, &y.id_b)))
    });
    out.truncate(limit);
    out
}
