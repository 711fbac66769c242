//! A labelled query set and how well a searcher answers it: recall and
//! precision at 10 per query (`fixtures/queries/queries.toml`, read by
//! the `queries` example and the integration tests).

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;

use crate::{Query, Searcher};

/// The most proposals one query of the set may find and still be scored
/// whole: more than the bundled sample holds.
const ALL: usize = 10_000;

/// Queries, each with the ids of the proposals that answer it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySet {
    #[serde(rename = "query")]
    pub queries: Vec<Labelled>,
}

/// One query of a [`QuerySet`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// The query as typed into `sborka search`.
    pub q: String,
    /// The relevance rule its labels follow.
    pub note: String,
    /// Ids (`FILE#RECORD`) of the proposals that answer it.
    pub relevant: Vec<String>,
}

impl QuerySet {
    /// Reads a query set from its TOML text.
    pub fn parse(text: &str) -> Result<QuerySet, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }
}

/// How one query was answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub q: String,
    pub relevant: usize,
    /// Proposals found.
    pub hits: usize,
    /// Relevant proposals found.
    pub found: usize,
    /// Relevant proposals among the first ten (ranked, every proposal).
    pub top10: usize,
    /// What the lexicon added to the query, as shown to the user.
    pub added: Vec<String>,
}

impl Scored {
    pub fn recall(&self) -> f64 {
        if self.relevant == 0 {
            return 1.0;
        }
        self.found as f64 / self.relevant as f64
    }

    /// Precision at 10: relevant proposals among the first ten, over ten.
    pub fn precision_at_10(&self) -> f64 {
        self.top10 as f64 / 10.0
    }
}

/// A query set's answers and their means.
#[derive(Clone, Debug)]
pub struct Report {
    pub queries: Vec<Scored>,
}

impl Report {
    /// Mean recall per query.
    pub fn recall(&self) -> f64 {
        mean(self.queries.iter().map(Scored::recall))
    }

    /// Mean precision at 10 per query.
    pub fn precision_at_10(&self) -> f64 {
        mean(self.queries.iter().map(Scored::precision_at_10))
    }
}

fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    values.sum::<f64>() / n as f64
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<46} {:>8} {:>5} {:>5} {:>6} {:>5}  added",
            "query", "relevant", "hits", "found", "recall", "P@10"
        )?;
        for s in &self.queries {
            writeln!(
                f,
                "{:<46} {:>8} {:>5} {:>5} {:>6.2} {:>5.1}  {}",
                s.q,
                s.relevant,
                s.hits,
                s.found,
                s.recall(),
                s.precision_at_10(),
                s.added.join("; ")
            )?;
        }
        write!(
            f,
            "{} queries: mean recall {:.3}, mean P@10 {:.3}",
            self.queries.len(),
            self.recall(),
            self.precision_at_10()
        )
    }
}

/// Runs every query of `set` on `searcher` (every proposal, ranked, with
/// the fuzzy fallback as `sborka search` has it), as written when `exact`
/// (no typos, no lexicon), and scores the answers.
pub fn evaluate(searcher: &Searcher, set: &QuerySet, exact: bool) -> crate::Result<Report> {
    let mut queries = Vec::with_capacity(set.queries.len());
    for labelled in &set.queries {
        let mut q = Query::new(&labelled.q);
        q.all = true;
        q.limit = ALL;
        q.fuzzy_fallback = !exact;
        q.expand = !exact;
        let results = searcher.search(&q)?;
        let relevant: HashSet<&str> = labelled.relevant.iter().map(String::as_str).collect();
        let is_relevant = |id: &String| relevant.contains(id.as_str());
        queries.push(Scored {
            q: labelled.q.clone(),
            relevant: relevant.len(),
            hits: results.hits.len(),
            found: results.hits.iter().filter(|h| is_relevant(&h.id)).count(),
            top10: results
                .hits
                .iter()
                .take(10)
                .filter(|h| is_relevant(&h.id))
                .count(),
            added: results
                .expanded
                .iter()
                .flat_map(|e| e.added.iter().cloned())
                .collect(),
        });
    }
    Ok(Report { queries })
}
