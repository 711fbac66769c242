//! Groups proposals that state one idea: verbatim and exact copies first,
//! then restatements, while keeping apart "twins", different ideas that
//! share most of their words. A wrong merge hides an idea from the roadmap
//! and no reader can see it; a missed one shows an idea twice, which a
//! reader sees and an analyst can fix (the review queue). So every step
//! errs towards keeping texts apart.
//!
//! # Overview
//!
//! A [`Deduper`] works in two steps, timed separately by the pipeline:
//! [`Deduper::prepare`] analyses every text once (in parallel) into
//! [`Prepared`], and [`Deduper::cluster`] (or [`Deduper::clustering`], with
//! each link's probability and the near misses) groups them into
//! [`Cluster`]s.
//!
//! - **Analysis** (`analysis.rs`): normalized, folded by the lexicon
//!   («СО НКО» = «социально ориентированные некоммерческие организации»,
//!   «пенсионеры» = «пожилые граждане», «восьми» = «8»), boilerplate
//!   openings dropped; «не», «без» and numbers kept.
//! - **Exact** (`collection.rs`): texts with the same folded terms form one
//!   node.
//! - **Candidates** (`collection.rs`): each node looks up, in an inverted
//!   index of the terms held by at most [`Config::max_postings`] nodes, the
//!   nodes sharing one of its [`Config::probe_terms`] rarest terms, reading
//!   at most [`Config::probe_budget`] postings beyond its rarest term's.
//!   Cost grows with the number of texts, not of pairs.
//! - **The pair decision** (`guards.rs`, `pair.rs`): a candidate pair is
//!   refused when a guard objects — different figures (a figure only one
//!   states included), different target groups, opposite sides of an
//!   antonym pair, a word one negates and the other affirms — or when each
//!   text has content words the other lacks (the twin rule, see `pair.rs`).
//!   Otherwise a logistic regression over lexical features of the pair
//!   (the [`Model`] in `catalog/pair_model.toml`, fitted on the tuning sets
//!   by `examples/fit.rs`) gives the probability that the two state one
//!   idea, and the pair is an edge when it reaches the operating point.
//! - **Clusters** (`stars.rs`): stars. Nodes are taken by decreasing
//!   centrality (the sum of their edges' probabilities weighted by the
//!   neighbours' sizes); a node not yet taken becomes a representative and
//!   takes its untaken neighbours, most likely first, each only if no
//!   guard and no twin rule refuses it against a member already taken. So
//!   every member passed the pair decision against its representative, and
//!   nothing chains: A~B and B~C do not make A~C.
//! - **Representative**: within the central node, the member whose
//!   matching text (`sborka_text::match_key`) is the most repeated, then
//!   the shortest text, then the text's stable hash, then the lowest
//!   index; so not file order. The cluster id is the stable hash of the
//!   representative's folded terms.
//!
//! Nothing depends on the order of the input or the number of threads
//! beyond the indexes returned: clusters are sorted by their first member
//! and members ascend.
//!
//! **Cost.** Analysis runs in parallel with per-thread buffers; a text
//! costs one allocation for its terms and a few for what it states.
//! Clustering keeps its structures flat (postings, edges and stars are
//! ranges of one array each). The bench (`benches/dedup.rs`) prints a
//! digest of the clusters, and `examples/digest.rs` digests of
//! normalization, terms and clusters for a CSV corpus, so that a change
//! meant only to be faster can be shown to change nothing.
//!
//! **Quality.** `examples/quality.rs` measures the clusters on the labelled
//! sets in `fixtures/` beside the Python peers; `examples/fit.rs` refits
//! the pair model on the tuning sets only.
//!
//! # Example
//!
//! ```
//! let deduper = sborka_dedup::Deduper::new();
//! let texts = [
//!     "Открыть школу ухода для родственников пожилых с деменцией",
//!     "Ввести мораторий на строительство домов-интернатов",
//!     "Предлагаем открыть «школу ухода» для родственников пожилых с деменцией!",
//!     "Открыть школу ухода для родственников пожилых с деменцией",
//!     // Another group: a twin, kept apart.
//!     "Открыть школу ухода для родственников детей-инвалидов",
//! ];
//! let clusters = deduper.cluster(&deduper.prepare(&texts));
//! assert_eq!(clusters.len(), 3);
//! assert_eq!(clusters[0].members, [0, 2, 3]);
//! assert_eq!(clusters[0].verbatim, 1);
//! ```

mod analysis;
mod collection;
mod constraints;
pub mod eval;
mod guards;
mod pair;
mod stars;
mod vocabulary;

pub use constraints::{Constraints, Effects};
pub use pair::{FEATURE_COUNT, FEATURES, Model, ModelError};

use std::collections::HashMap;

use rayon::prelude::*;
use sborka_core::{Cluster, ClusterId, stable_hash};
use sborka_text::{Analyzer, FxHasher, Lexicon, LexiconError};

use analysis::{Doc, feature, feature_hash, term_hash};
use collection::Stats;
use guards::compatible;
use vocabulary::Vocabulary;

pub(crate) type FxHashSet<T> =
    std::collections::HashSet<T, std::hash::BuildHasherDefault<FxHasher>>;

/// A lexicon or pair model that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    Lexicon(LexiconError),
    /// `pair_model.toml` (the path, or `embedded`) and what is wrong.
    Model(String, ModelError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Lexicon(e) => e.fmt(f),
            Error::Model(file, e) => write!(f, "{file}: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<LexiconError> for Error {
    fn from(e: LexiconError) -> Error {
        Error::Lexicon(e)
    }
}

/// The knobs of near-duplicate clustering.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The operating point: the least probability of the pair model for two
    /// texts to merge; `None` takes the model's own (`threshold` in
    /// `pair_model.toml`).
    pub threshold: Option<f32>,
    /// Pairs whose IDF-weighted cosine is below this are not described to
    /// the model (it would refuse them): a bound on the cost only.
    pub min_cosine: f32,
    /// How many of a text's rarest terms it looks up candidates by.
    pub probe_terms: usize,
    /// Terms held by more texts than this do not generate candidates (they
    /// still count in the similarity).
    pub max_postings: usize,
    /// How many postings a text reads at most to find its candidates
    /// (beyond its rarest term's): the bound that keeps the cost linear
    /// when a collection has many words of middling frequency.
    pub probe_budget: usize,
    /// Pairs kept apart whose probability reaches this are near misses
    /// ([`Clustering::near_misses`]), the questions of the review queue.
    pub near_miss: f32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            threshold: None,
            min_cosine: 0.2,
            probe_terms: 5,
            max_postings: 256,
            probe_budget: 96,
            near_miss: 0.1,
        }
    }
}

/// Clusters texts.
#[derive(Clone, Debug)]
pub struct Deduper {
    analyzer: Analyzer,
    config: Config,
    model: Model,
    /// Feature hashes of the lexicon's function words.
    function: FxHashSet<u64>,
}

impl Default for Deduper {
    fn default() -> Self {
        Deduper::new()
    }
}

/// Why two texts were not merged.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// Both state numbers, not the same (see `figures_differ`).
    Numbers,
    /// Both name target groups, not the same.
    Groups,
    /// They stand on opposite sides of an antonym pair of the lexicon.
    Antonyms,
    /// One negates («не», «без») a word the other affirms.
    Negation,
    /// Each has content words the other lacks (see `pair`): the shape of
    /// a twin — the same frame about another group, profession, object,
    /// service, place or purpose — and of a restatement in words of its
    /// own, which the machine cannot tell apart.
    Twin,
    /// Their IDF-weighted cosine is too low to describe them to the model.
    Dissimilar(f32),
    /// The pair model's probability (given) is below the operating point.
    Unlikely(f32),
}

/// What the pair decision saw of two texts.
#[derive(Clone, Debug, PartialEq)]
pub struct PairView {
    /// The pair's [`FEATURES`], when it got as far as the model (no guard
    /// refused it, and it is similar enough to ask); `None` for texts with
    /// the same terms too.
    pub features: Option<[f32; pair::FEATURE_COUNT]>,
    /// The pair model's probability that they state one idea, when asked
    /// (also when the twin rule refused them).
    pub probability: Option<f32>,
    /// The content words (features: stems cut short) each text has that
    /// the other lacks.
    pub own_words: (Vec<String>, Vec<String>),
    /// The probability the pair merged with, or why it did not.
    pub verdict: Result<f32, Refusal>,
}

/// Texts analysed for clustering.
#[derive(Clone, Debug)]
pub struct Prepared {
    docs: Vec<Doc>,
    /// Feature hash → the whole terms (stems, family terms, numbers) of
    /// that feature, sorted, for telling misspellings apart.
    vocabulary: Vocabulary,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// The pair model's file in a catalogue folder (`--catalog`).
pub const MODEL_FILE: &str = "pair_model.toml";

impl Deduper {
    /// A deduper with the embedded lexicon and the default [`Config`].
    pub fn new() -> Deduper {
        Deduper::with_lexicon(Lexicon::embedded(), Config::default())
    }

    /// A deduper with the lexicon (`abbreviations.toml`, `synonyms.toml`)
    /// and the pair model (`pair_model.toml`) of the catalogue files.
    pub fn load(files: &sborka_core::CatalogFiles) -> Result<Deduper, Error> {
        let lexicon = Lexicon::from_files(files)?;
        let model = Model::from_toml(files.text(MODEL_FILE))
            .map_err(|e| Error::Model(files.source(MODEL_FILE).to_string(), e))?;
        Ok(Deduper::with_lexicon(lexicon, Config::default()).with_model(model))
    }

    pub fn with_lexicon(lexicon: Lexicon, config: Config) -> Deduper {
        let function = lexicon
            .function_words()
            .map(|w| term_hash(feature(w)))
            .collect();
        Deduper {
            analyzer: Analyzer::with_lexicon(lexicon),
            config,
            model: Model::embedded(),
            function,
        }
    }

    /// The deduper with another pair model.
    pub fn with_model(mut self, model: Model) -> Deduper {
        self.model = model;
        self
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The operating point in use: [`Config::threshold`] or the model's.
    pub fn threshold(&self) -> f32 {
        self.config.threshold.unwrap_or(self.model.threshold)
    }

    pub fn with_config(mut self, config: Config) -> Deduper {
        self.config = config;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The analyzer whose terms clustering compares; an index that wants
    /// to see the same terms uses it (or one with the same lexicon).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Whether two nodes merge: the pair model's probability, or why not.
    fn verdict(
        &self,
        stats: &Stats<'_>,
        vocabulary: &Vocabulary,
        k: usize,
        l: usize,
    ) -> Result<f32, Refusal> {
        let (described, verdict) = self.describe(stats, vocabulary, k, l);
        drop(described);
        verdict
    }

    /// The pair of nodes described (when it got as far as the model), and
    /// the verdict.
    fn describe(
        &self,
        stats: &Stats<'_>,
        vocabulary: &Vocabulary,
        k: usize,
        l: usize,
    ) -> (Option<pair::Described>, Result<f32, Refusal>) {
        let (a, b) = (stats.node_doc(k), stats.node_doc(l));
        if let Err(refusal) = compatible(a, b) {
            return (None, Err(refusal));
        }
        let side = |k: usize| pair::Side {
            doc: stats.node_doc(k),
            weights: &stats.weights[k],
            norm: stats.norms[k],
        };
        let cosine = pair::cosine(side(k), side(l));
        if cosine < self.config.min_cosine {
            return (None, Err(Refusal::Dissimilar(cosine)));
        }
        let context = pair::Context {
            function: &self.function,
            vocabulary,
            max_weight: stats.max_weight,
            feature: feature_hash,
        };
        let described = pair::describe(side(k), side(l), &context);
        let verdict = if described.own_words_both {
            Err(Refusal::Twin)
        } else {
            let p = self.model.probability(&described.features);
            if p < self.threshold() {
                Err(Refusal::Unlikely(p))
            } else {
                Ok(p)
            }
        };
        (Some(described), verdict)
    }

    /// Why texts `i` and `j` of `prepared` are (or are not) put together:
    /// their similarity, or the guard that refused them. Ignores the
    /// candidate step and the other texts' assignments (for explaining).
    /// `i` and `j` must be indexes of texts given to [`Deduper::prepare`]:
    /// it panics otherwise, like slice indexing.
    pub fn explain_pair(&self, prepared: &Prepared, i: usize, j: usize) -> Result<f32, Refusal> {
        let stats = self.stats(&prepared.docs);
        let node = |x: usize| {
            (0..stats.nodes.len())
                .position(|k| stats.nodes[k].contains(&(x as u32)))
                .expect("every text is in a node")
        };
        let (k, l) = (node(i), node(j));
        if k == l {
            return Ok(1.0);
        }
        self.verdict(&stats, &prepared.vocabulary, k, l)
    }

    /// For each pair `(i, j)` of texts of `prepared`, what the pair
    /// decision saw ([`PairView`]). For fitting and explaining the model;
    /// ignores the candidate step and the clusters.
    pub fn describe_pairs(&self, prepared: &Prepared, pairs: &[(usize, usize)]) -> Vec<PairView> {
        let stats = self.stats(&prepared.docs);
        let mut node = vec![0usize; prepared.docs.len()];
        for k in 0..stats.nodes.len() {
            for &i in &stats.nodes[k] {
                node[i as usize] = k;
            }
        }
        pairs
            .par_iter()
            .map(|&(i, j)| {
                let (k, l) = (node[i], node[j]);
                if k == l {
                    return PairView {
                        features: None,
                        probability: None,
                        own_words: (Vec::new(), Vec::new()),
                        verdict: Ok(1.0),
                    };
                }
                let (described, verdict) = self.describe(&stats, &prepared.vocabulary, k, l);
                let word = |h: &u64| match prepared.vocabulary.terms(*h) {
                    [] => format!("#{h:x}"),
                    terms => terms.join("/"),
                };
                match described {
                    Some(d) => PairView {
                        features: Some(d.features),
                        probability: Some(self.model.probability(&d.features)),
                        own_words: (
                            d.own.0.iter().map(word).collect(),
                            d.own.1.iter().map(word).collect(),
                        ),
                        verdict,
                    },
                    None => PairView {
                        features: None,
                        probability: None,
                        own_words: (Vec::new(), Vec::new()),
                        verdict,
                    },
                }
            })
            .collect()
    }

    /// Groups the prepared texts; `members` index into the texts given to
    /// [`Deduper::prepare`].
    pub fn cluster(&self, prepared: &Prepared) -> Vec<Cluster> {
        self.clustering(prepared).clusters
    }

    /// Groups the prepared texts, with the probability of each text's link
    /// to its cluster and the near misses.
    pub fn clustering(&self, prepared: &Prepared) -> Clustering {
        self.clustering_with(prepared, &Constraints::default())
    }

    /// [`Deduper::clustering`] honouring analysts' answers: see
    /// [`Constraints`].
    pub fn clustering_with(&self, prepared: &Prepared, constraints: &Constraints) -> Clustering {
        let docs = &prepared.docs;
        if docs.is_empty() {
            return Clustering::default();
        }
        let stats = self.stats(docs);
        let m = stats.nodes.len();

        let postings = self.postings(&stats);
        // Candidates: the nodes sharing one of a node's rarest terms, as
        // pairs (k, l), k < l, found from either side.
        let mut pairs: Vec<(u32, u32)> = (0..m)
            .into_par_iter()
            .flat_map_iter(|k| {
                let k = k as u32;
                self.candidates(&stats, &postings, k as usize)
                    .into_iter()
                    .map(move |l| (k.min(l), k.max(l)))
            })
            .collect();
        drop(postings);
        pairs.par_sort_unstable();
        pairs.dedup();

        // The pair decision on every candidate: edges (k, l, probability),
        // and the pairs kept apart that the model found likely.
        let stats = &stats;
        let vocabulary = &prepared.vocabulary;
        let near_floor = self.config.near_miss;
        let decided: Vec<Decided> = pairs
            .par_iter()
            .filter_map(|&(k, l)| {
                let (described, verdict) = self.describe(stats, vocabulary, k as usize, l as usize);
                match verdict {
                    Ok(p) => Some(Decided::Edge(k, l, p)),
                    Err(refusal) => {
                        let p = self.model.probability(&described?.features);
                        (p >= near_floor).then_some(Decided::Apart(k, l, p, refusal))
                    }
                }
            })
            .collect();
        drop(pairs);
        let mut edges = Vec::new();
        let mut apart = Vec::new();
        for d in decided {
            match d {
                Decided::Edge(k, l, p) => edges.push((k, l, p)),
                Decided::Apart(k, l, p, r) => apart.push((k, l, p, r)),
            }
        }

        // Stars: a member joins only if neither a guard nor the twin rule
        // refuses it against a member already taken.
        let refused = |k: u32, l: u32| -> bool {
            let (a, b) = (stats.node_doc(k as usize), stats.node_doc(l as usize));
            if compatible(a, b).is_err() {
                return true;
            }
            let side = |k: u32| pair::Side {
                doc: stats.node_doc(k as usize),
                weights: &stats.weights[k as usize],
                norm: stats.norms[k as usize],
            };
            let context = pair::Context {
                function: &self.function,
                vocabulary,
                max_weight: stats.max_weight,
                feature: feature_hash,
            };
            pair::own_words_both(side(k), side(l), &context)
        };
        let (center, link) = stars::stars(stats, &edges, refused);
        drop(edges);

        // Each text's star, then the analysts' answers.
        let nodes = &stats.nodes;
        let mut label = vec![0u32; docs.len()];
        for k in 0..m {
            for &i in &nodes[k] {
                label[i as usize] = center[k];
            }
        }
        let machine = label.clone();
        let star_representative = |c: u32| stars::representative(docs, &nodes[c as usize]);
        let shaped = constraints::apply(docs, constraints, &mut label, star_representative);

        // Gather the members of each cluster.
        let mut by_label: Vec<(u32, u32)> = (0..docs.len() as u32)
            .map(|i| (label[i as usize], i))
            .collect();
        by_label.sort_unstable();
        let runs: Vec<&[(u32, u32)]> = by_label.chunk_by(|a, b| a.0 == b.0).collect();
        let mut clusters: Vec<(Cluster, bool)> = runs
            .into_par_iter()
            .map(|run| {
                let members: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
                let representative = shaped
                    .representative(run[0].0)
                    .unwrap_or_else(|| star_representative(run[0].0));
                let mut keys: Vec<u64> =
                    members.iter().map(|&i| docs[i as usize].verbatim).collect();
                keys.sort_unstable();
                keys.dedup();
                let cluster = Cluster {
                    id: ClusterId(docs[representative as usize].exact.0),
                    verbatim: (members.len() - keys.len()) as u32,
                    members,
                    representative,
                };
                (cluster, shaped.is_shaped(run[0].0))
            })
            .collect();
        clusters.par_sort_unstable_by_key(|c| c.0.members[0]);
        let (mut clusters, decided): (Vec<Cluster>, Vec<bool>) = clusters.into_iter().unzip();
        if !constraints.is_empty() {
            // Answers can leave two clusters whose representatives have the
            // same terms (a «нет» between copies): the later one's id takes
            // its representative's text too, so that ids stay unique.
            let mut seen = std::collections::HashSet::new();
            for c in &mut clusters {
                if !seen.insert(c.id) {
                    let raw = docs[c.representative as usize].raw;
                    c.id = ClusterId(c.id.0 ^ raw.rotate_left(17));
                    seen.insert(c.id);
                }
            }
        }

        // A text keeps its edge's probability while it is in its star; a
        // text an analyst placed is certain.
        let mut links = vec![1.0f32; docs.len()];
        for k in 0..m {
            for &i in &nodes[k] {
                if label[i as usize] == machine[i as usize] && !shaped.is_endpoint(i) {
                    links[i as usize] = link[k];
                }
            }
        }
        // Near misses between clusters, by the representative text of each
        // node, likeliest first (ties by the texts' indexes).
        let node_text = |k: u32| stars::representative(docs, &nodes[k as usize]);
        let mut near_misses: Vec<NearMiss> = apart
            .into_iter()
            .map(|(k, l, probability, refusal)| (node_text(k), node_text(l), probability, refusal))
            .filter(|&(a, b, ..)| label[a as usize] != label[b as usize])
            .map(|(a, b, probability, refusal)| NearMiss {
                a: a.min(b),
                b: a.max(b),
                probability,
                refusal,
            })
            .collect();
        near_misses.par_sort_unstable_by(|x, y| {
            y.probability
                .total_cmp(&x.probability)
                .then_with(|| (x.a, x.b).cmp(&(y.a, y.b)))
        });
        Clustering {
            clusters,
            decided,
            effects: shaped.effects,
            links,
            near_misses,
        }
    }
}

/// A candidate pair of nodes, decided.
enum Decided {
    Edge(u32, u32, f32),
    Apart(u32, u32, f32, Refusal),
}

/// Clusters, with how sure each link is and what was kept apart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Clustering {
    /// Sorted by their first member; members ascend.
    pub clusters: Vec<Cluster>,
    /// For each cluster: whether an analyst's answer shaped it (it holds a
    /// text of an answered pair).
    pub decided: Vec<bool>,
    /// What the answers changed.
    pub effects: Effects,
    /// For each text: the pair model's probability that it states its
    /// cluster's idea (that of its link to the representative); `1.0` for
    /// texts with the representative's terms.
    pub links: Vec<f32>,
    /// Pairs of texts in different clusters that the model found likely
    /// to be one idea (at least [`Config::near_miss`]) but the pair
    /// decision kept apart, likeliest first. A pair stands for the two
    /// groups of texts with the same terms it was decided between.
    pub near_misses: Vec<NearMiss>,
}

/// Two texts kept apart though the pair model found them likely one.
#[derive(Clone, Debug, PartialEq)]
pub struct NearMiss {
    /// The texts (indexes given to [`Deduper::prepare`]), `a < b`.
    pub a: u32,
    pub b: u32,
    pub probability: f32,
    /// Why they were kept apart.
    pub refusal: Refusal,
}

/// One cluster per distinct key, in first-seen order, the first member as
/// representative: the exact matching of the first version, kept for
/// callers that already have keys. `keys[i]` is the matching key of text
/// `i`.
pub fn cluster_exact<K: AsRef<str>>(keys: &[K]) -> Vec<Cluster> {
    let mut first: HashMap<&str, u32> = HashMap::with_capacity(keys.len());
    let mut clusters: Vec<Cluster> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let i = u32::try_from(i).expect("fewer than 2^32 proposals");
        let key = key.as_ref();
        match first.get(key) {
            Some(&c) => {
                let cluster = &mut clusters[c as usize];
                cluster.members.push(i);
                cluster.verbatim += 1;
            }
            None => {
                first.insert(key, clusters.len() as u32);
                clusters.push(Cluster {
                    id: ClusterId(stable_hash(key.as_bytes())),
                    members: vec![i],
                    representative: i,
                    verbatim: 0,
                });
            }
        }
    }
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unrelated proposals, so that word weights are like those of a real
    /// collection rather than of two texts.
    const BACKGROUND: [&str; 12] = [
        "Развивать сеть спортивных площадок во дворах многоквартирных домов",
        "Создать региональный реестр волонтерских организаций",
        "Провести конкурс грантов для молодежных инициатив в сфере культуры",
        "Открыть библиотечные пункты выдачи книг в отдаленных поселках",
        "Перевести запись к врачу в электронный вид во всех поликлиниках",
        "Организовать курсы русского языка для детей мигрантов",
        "Построить бассейны при общеобразовательных школах",
        "Увеличить число бюджетных мест в колледжах по рабочим профессиям",
        "Ввести налоговый вычет за занятия спортом",
        "Обеспечить школы психологами из расчета один на пятьсот учеников",
        "Проводить ежегодный фестиваль народных промыслов",
        "Создать музей истории района при доме культуры",
    ];

    fn together(a: &str, b: &str) -> bool {
        let mut texts: Vec<&str> = BACKGROUND.to_vec();
        texts.push(a);
        texts.push(b);
        let d = Deduper::new();
        let clusters = d.cluster(&d.prepare(&texts));
        let (i, j) = (texts.len() as u32 - 2, texts.len() as u32 - 1);
        clusters
            .iter()
            .any(|c| c.members.contains(&i) && c.members.contains(&j))
    }

    #[test]
    fn restatements_merge_and_twins_do_not() {
        // (a, b, merge?, what the case shows)
        let cases = [
            (
                "Открыть школу ухода для родственников пожилых с деменцией",
                "Предлагаем открыть «школу ухода» для родственников пожилых с деменцией!",
                true,
                "boilerplate, quotes",
            ),
            (
                "Открыть школу ухода для родственников пожилых с деменцией",
                "Для родственников пожилых с деменцией открыть школу ухода",
                true,
                "word order",
            ),
            (
                "Продлить срок бесплатного пользования ТСР в пунктах проката до 30 дней",
                "3. Продлить до 30 дней срок бесплатного пользования техническими средствами реабилитации в пунктах проката",
                true,
                "abbreviation vs full form, list number",
            ),
            (
                "Обеспечить сиделками одиноких пожилых граждан",
                "Обеспечить сиделками одиноких пенсионеров",
                true,
                "domain synonym",
            ),
            (
                "Продлить срок бесплатного пользования ТСР в пунктах проката до 30 дней",
                "Продлить срок бесплатного пользования ТСР в пунктах проката до 90 дней",
                false,
                "another number",
            ),
            (
                "Установить норматив: не более восьми получателей услуг на соцработника на селе",
                "Установить норматив: не более 12 получателей услуг на соцработника на селе",
                false,
                "a number in words against another in figures",
            ),
            (
                "Ввести требование медицинской лицензии для НКО по уходу за лежачими",
                "Отменить требование медицинской лицензии для НКО по уходу за лежачими",
                false,
                "antonyms",
            ),
            (
                "Предоставлять раннюю помощь детям с ОВЗ бесплатно с учетом дохода семьи",
                "Предоставлять раннюю помощь детям с ОВЗ бесплатно без учета дохода семьи",
                false,
                "с / без",
            ),
            (
                "Учитывать стипендии студентов в доходе семьи при назначении пособий",
                "Не учитывать стипендии студентов в доходе семьи при назначении пособий",
                false,
                "не",
            ),
            (
                "Организовать бесплатные услуги сиделок для одиноких пожилых граждан",
                "Организовать бесплатные услуги сиделок для семей с детьми-инвалидами",
                false,
                "another target group",
            ),
            (
                "Учитывать стипендии студентов в доходе семьи при назначении пособий",
                "Не следует учитывать стипендии студентов в доходе семьи при назначении пособий",
                false,
                "не through a modal word",
            ),
            (
                "Не учитывать стипендии студентов в доходе семьи при назначении пособий",
                "Не следует учитывать стипендии студентов в доходе семьи при назначении пособий",
                true,
                "a modal word after не changes nothing",
            ),
            (
                "Обеспечить повышение квалификации соцработников не реже 1 раза в 3 года",
                "Обеспечить повышение квалификации соцработников раз в три года",
                true,
                "a 1 one side lacks, the other figures alike",
            ),
            (
                "Принимать решение о надомном обслуживании за 1 рабочий день",
                "Принимать решение о надомном обслуживании за 5 рабочих дней",
                false,
                "1 against 5",
            ),
            (
                "Повысить выплату неработающим родителям по уходу за ребенком-инвалидом до 2 МРОТ",
                "Повысить выплату неработающим родителям по уходу за ребенком-инвалидом до МРОТ",
                false,
                "a figure only one states",
            ),
            (
                "Установить надбавку 25% к окладу тренерам сельских спортивных школ",
                "Установить надбавку 25% к окладу библиотекарям сельских библиотек",
                false,
                "another profession, not in the lexicon",
            ),
            (
                "Предоставлять служебное жилье молодым учителям в сельских школах",
                "Предоставлять служебное жилье молодым врачам в сельских больницах",
                false,
                "another profession and institution",
            ),
            (
                "Раз в месяц пускать пожилых людей на спектакли областных театров без билета",
                "Раз в месяц пускать пожилых людей в областные музеи без билета",
                false,
                "another object",
            ),
            (
                "Разрешить тратить региональные гранты НКО на приобретение оборудования",
                "Разрешить тратить региональные гранты НКО на зарплату штатных сотрудников",
                false,
                "the same grant for another purpose",
            ),
            (
                "Опустить планку дохода, ниже которой семья считается малообеспеченной",
                "Поднять планку дохода, ниже которой семья считается малообеспеченной",
                false,
                "the opposite action, the verbs in no antonym pair",
            ),
            (
                "Ввести обязательное обучение и аттестацию для частных нянь",
                "Предлагаю ввести обязательное обучение и атестацию частных нянь",
                true,
                "a typo in a word both state",
            ),
            (
                "Сделать бесплатными кружки и секции доп. образования для детей до 14 лет",
                "Сделать бесплатными кружки и секции дополнительного образования для детей до 14 лет.",
                true,
                "a word cut with a dot",
            ),
        ];
        for (a, b, want, what) in cases {
            assert_eq!(together(a, b), want, "{what}: {a:?} / {b:?}");
        }
    }

    #[test]
    fn ne_before_a_modal_word_negates_the_verb_after_it() {
        let d = Deduper::new();
        assert_eq!(
            d.terms("Стипендию не следует включать в доход"),
            d.terms("Стипендию не включать в доход")
        );
        // «не должен носить» negates «носить», not «должен».
        let texts = [
            "Инвалид не должен сам носить документы в бюро МСЭ",
            "Документы в бюро МСЭ должны передаваться без участия инвалида",
        ];
        let prepared = d.prepare(&texts);
        assert_ne!(d.explain_pair(&prepared, 0, 1), Err(Refusal::Negation));
    }

    #[test]
    fn a_text_without_a_figure_does_not_bridge_two_figures() {
        let texts = [
            "Продлить срок бесплатного пользования ТСР в пунктах проката до 30 дней",
            "Продлить срок бесплатного пользования ТСР в пунктах проката",
            "Продлить срок бесплатного пользования ТСР в пунктах проката до 90 дней",
            "Продлить срок бесплатного пользования ТСР в пунктах проката",
        ];
        let d = Deduper::new();
        let clusters = d.cluster(&d.prepare(&texts));
        let of = |i: u32| clusters.iter().position(|c| c.members.contains(&i));
        assert_ne!(of(0), of(2), "{clusters:?}");
        // The figure-less texts are verbatim copies and stay together.
        assert_eq!(of(1), of(3));
    }

    /// Every member passed the pair decision against its representative,
    /// and no two members of a cluster are refused by a guard or the twin
    /// rule: a short text cannot bring two twins together.
    #[test]
    fn members_pass_the_pair_decision() {
        let mut texts: Vec<&str> = BACKGROUND.to_vec();
        texts.extend([
            "Установить квоту рабочих мест",
            "Установить квоту рабочих мест для инвалидов",
            "Установить квоту рабочих мест для выпускников детских домов",
            "Предлагаем установить квоту рабочих мест",
        ]);
        let d = Deduper::new();
        let prepared = d.prepare(&texts);
        let clustering = d.clustering(&prepared);
        for cluster in &clustering.clusters {
            for &m in &cluster.members {
                assert!(
                    d.explain_pair(&prepared, m as usize, cluster.representative as usize)
                        .is_ok(),
                    "{m} against {}: {clustering:?}",
                    cluster.representative
                );
                for &o in &cluster.members {
                    let view = &d.describe_pairs(&prepared, &[(m as usize, o as usize)])[0];
                    assert!(
                        !matches!(
                            view.verdict,
                            Err(Refusal::Twin
                                | Refusal::Numbers
                                | Refusal::Groups
                                | Refusal::Antonyms
                                | Refusal::Negation)
                        ),
                        "{m} and {o}: {view:?}"
                    );
                }
            }
        }
        let n = BACKGROUND.len() as u32;
        let of = |i: u32| {
            clustering
                .clusters
                .iter()
                .position(|c| c.members.contains(&i))
        };
        assert_eq!(of(n), of(n + 3), "boilerplate: {clustering:?}");
        assert_ne!(of(n + 1), of(n + 2), "twins: {clustering:?}");
    }

    /// Each text's link probability is its edge's, 1 for texts with the
    /// representative's terms; a pair kept apart by the twin rule that the
    /// model finds likely is a near miss.
    #[test]
    fn links_and_near_misses() {
        let mut texts: Vec<&str> = BACKGROUND.to_vec();
        texts.extend([
            "Открыть школу ухода для родственников пожилых с деменцией",
            "Открыть школу ухода для родственников пожилых с деменцией",
            "Предлагаем открыть школу ухода для родственников пожилых людей с деменцией в каждом районе",
            "Открыть школу ухода для родственников пожилых с болезнью Альцгеймера",
        ]);
        let n = BACKGROUND.len();
        let d = Deduper::new().with_config(Config {
            near_miss: 0.0,
            ..Config::default()
        });
        let prepared = d.prepare(&texts);
        let clustering = d.clustering(&prepared);
        assert_eq!(clustering.links.len(), texts.len());
        assert_eq!(clustering.links[n], 1.0);
        assert_eq!(clustering.links[n + 1], 1.0);
        let p = clustering.links[n + 2];
        assert!(p < 1.0 && p >= d.threshold(), "{clustering:?}");
        let miss = clustering
            .near_misses
            .iter()
            .find(|m| m.b == (n + 3) as u32)
            .unwrap_or_else(|| panic!("{clustering:?}"));
        assert_eq!(miss.refusal, Refusal::Twin);
        assert!(
            clustering
                .near_misses
                .windows(2)
                .all(|w| w[0].probability >= w[1].probability)
        );
    }

    #[test]
    fn cluster_exact_groups_by_key_in_first_seen_order() {
        let keys = ["x", "y", "x", "z", "y", "x"];
        let clusters = cluster_exact(&keys);
        let members: Vec<&[u32]> = clusters.iter().map(|c| c.members.as_slice()).collect();
        assert_eq!(members, [&[0, 2, 5][..], &[1, 4], &[3]]);
        let verbatim: Vec<u32> = clusters.iter().map(|c| c.verbatim).collect();
        assert_eq!(verbatim, [2, 1, 0]);
        assert_eq!(clusters[0].id, ClusterId(stable_hash(b"x")));
    }

    #[test]
    fn representative_verbatim_and_id() {
        let texts = [
            "Предлагаем открыть школу ухода для родственников",
            "Открыть школу ухода для родственников",
            "открыть «школу ухода» для родственников!",
            "Другая идея о спорте",
        ];
        let d = Deduper::new();
        let clusters = d.cluster(&d.prepare(&texts));
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        let first = &clusters[0];
        assert_eq!(first.members, [0, 1, 2]);
        // 1 and 2 are one matching text: it is the most repeated, and the
        // shorter of the two is the representative, not the first in file.
        assert_eq!(first.representative, 1);
        assert_eq!(first.verbatim, 1);
        // The id does not move when unrelated texts are added before it.
        let mut more = vec!["Совсем другое предложение о культуре"];
        more.extend(texts);
        let again = d.cluster(&d.prepare(&more));
        let same = again.iter().find(|c| c.members.contains(&2)).unwrap();
        assert_eq!(same.id, first.id);
        assert_eq!(same.representative, 2);
    }

    #[test]
    fn empty_and_wordless_input() {
        let d = Deduper::new();
        assert!(d.cluster(&d.prepare::<&str>(&[])).is_empty());
        let clusters = d.cluster(&d.prepare(&["", "—", "", "..."]));
        let members: usize = clusters.iter().map(|c| c.members.len()).sum();
        assert_eq!(members, 4);
    }

    /// Texts made of a few ideas, each in a few wordings, some repeated.
    fn corpus(picks: &[(usize, usize)]) -> Vec<String> {
        const IDEAS: [&str; 5] = [
            "продлить срок пользования ТСР в пунктах проката до {n} дней",
            "ввести требование лицензии для НКО по уходу за лежачими",
            "отменить требование лицензии для НКО по уходу за лежачими",
            "обеспечить сиделками одиноких {g} в сельских районах",
            "создать кризисные отделения для женщин с детьми в каждом районе",
        ];
        const WAYS: [&str; 4] = [
            "{}",
            "Предлагаем {}",
            "3. {}!",
            "Считаем целесообразным «{}»",
        ];
        picks
            .iter()
            .map(|&(idea, way)| {
                let text = IDEAS[idea % IDEAS.len()]
                    .replace("{n}", if way % 2 == 0 { "30" } else { "90" })
                    .replace(
                        "{g}",
                        if way % 3 == 0 {
                            "пожилых"
                        } else {
                            "пенсионеров"
                        },
                    );
                WAYS[way % WAYS.len()].replace("{}", &text)
            })
            .collect()
    }

    /// The clusters as sets of texts, with their representative's text and
    /// id: what must not depend on order or threads.
    fn shape(texts: &[String], clusters: &[Cluster]) -> Vec<(Vec<String>, String, u64, u32)> {
        let mut shape: Vec<(Vec<String>, String, u64, u32)> = clusters
            .iter()
            .map(|c| {
                let mut members: Vec<String> = c
                    .members
                    .iter()
                    .map(|&m| texts[m as usize].clone())
                    .collect();
                members.sort();
                (
                    members,
                    texts[c.representative as usize].clone(),
                    c.id.0,
                    c.verbatim,
                )
            })
            .collect();
        shape.sort();
        shape
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn clusters_do_not_depend_on_order_or_threads(
            picks in proptest::collection::vec((0usize..5, 0usize..6), 1..40),
            seed in 0u64..1000,
        ) {
            let texts = corpus(&picks);
            let d = Deduper::new();
            let base = shape(&texts, &d.cluster(&d.prepare(&texts)));
            // A permutation from the seed.
            let mut order: Vec<usize> = (0..texts.len()).collect();
            order.sort_by_key(|&i| stable_hash(format!("{seed}/{i}").as_bytes()));
            let shuffled: Vec<String> = order.iter().map(|&i| texts[i].clone()).collect();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
            let other = pool.install(|| d.cluster(&d.prepare(&shuffled)));
            proptest::prop_assert_eq!(&base, &shape(&shuffled, &other));
            let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            let one = single.install(|| d.cluster(&d.prepare(&texts)));
            proptest::prop_assert_eq!(&base, &shape(&texts, &one));
            // Every text is in exactly one cluster; members ascend.
            let mut seen: Vec<u32> = other.iter().flat_map(|c| c.members.clone()).collect();
            seen.sort_unstable();
            proptest::prop_assert_eq!(seen, (0..texts.len() as u32).collect::<Vec<_>>());
            for c in &other {
                proptest::prop_assert!(c.members.windows(2).all(|w| w[0] < w[1]));
                proptest::prop_assert!(c.members.contains(&c.representative));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Every «да» puts its texts in one cluster and every «нет» keeps
        /// them in two, whatever the machine thought, in any order of the
        /// answers; a cluster an answer touched is marked.
        #[test]
        fn every_answer_is_honoured(
            picks in proptest::collection::vec((0usize..5, 0usize..6), 2..30),
            same in proptest::collection::vec((0usize..30, 0usize..30), 0..8),
            different in proptest::collection::vec((0usize..30, 0usize..30), 0..8),
            seed in 0u64..1000,
        ) {
            let texts = corpus(&picks);
            let n = texts.len();
            let mut constraints = Constraints {
                same: same
                    .iter()
                    .map(|&(a, b)| ((a % n) as u32, (b % n) as u32))
                    .filter(|(a, b)| a != b)
                    .collect(),
                different: Vec::new(),
            };
            // Only «нет» answers that agree with the «да» answers.
            let mut tied = constraints::tests_support::Tied::new(n, &constraints.same);
            constraints.different = different
                .iter()
                .map(|&(a, b)| ((a % n) as u32, (b % n) as u32))
                .filter(|&(a, b)| a != b && !tied.same(a, b))
                .collect();
            let d = Deduper::new();
            let prepared = d.prepare(&texts);
            let clustering = d.clustering_with(&prepared, &constraints);
            let of = |i: u32| {
                clustering
                    .clusters
                    .iter()
                    .position(|c| c.members.contains(&i))
                    .expect("every text clustered")
            };
            for &(a, b) in &constraints.same {
                proptest::prop_assert_eq!(of(a), of(b), "да {} {}: {:?}", a, b, clustering);
                proptest::prop_assert!(clustering.decided[of(a)]);
            }
            for &(a, b) in &constraints.different {
                proptest::prop_assert_ne!(of(a), of(b), "нет {} {}: {:?}", a, b, clustering);
                proptest::prop_assert!(clustering.decided[of(a)] && clustering.decided[of(b)]);
            }
            let mut seen: Vec<u32> = clustering
                .clusters
                .iter()
                .flat_map(|c| c.members.clone())
                .collect();
            seen.sort_unstable();
            proptest::prop_assert_eq!(seen, (0..n as u32).collect::<Vec<_>>());
            for c in &clustering.clusters {
                proptest::prop_assert!(c.members.contains(&c.representative));
            }
            // The answers in another order give the same clusters.
            let mut shuffled = constraints.clone();
            shuffled.same.reverse();
            shuffled
                .different
                .sort_by_key(|p| stable_hash(format!("{seed}/{p:?}").as_bytes()));
            proptest::prop_assert_eq!(
                &clustering,
                &d.clustering_with(&prepared, &shuffled)
            );
        }
    }
}
