//! Groups proposals that state one idea: verbatim and exact copies first,
//! then restatements, while keeping apart "twins", different ideas that
//! share most of their words.
//!
//! # Overview
//!
//! A [`Deduper`] works in two steps, timed separately by the pipeline:
//! [`Deduper::prepare`] analyses every text once (in parallel) into
//! [`Prepared`], and [`Deduper::cluster`] groups them into [`Cluster`]s.
//!
//! **Analysis.** Each text is normalized (`sborka_text::normalize`: NFC,
//! case, ё→е, look-alike letters, invisible characters, quotes, dashes,
//! list numbering) and folded by `sborka_text::Analyzer::with_lexicon`:
//! Snowball stems, with abbreviations and their expansions, domain synonyms
//! and number words folded into one term each («СО НКО» = «социально
//! ориентированные некоммерческие организации», «пенсионеры» = «пожилые
//! граждане», «восьми» = «8»). Boilerplate openings («Предлагаем»,
//! «Считаем целесообразным») are dropped. Negations («не», «без») and
//! numbers are kept.
//!
//! **Exact.** Texts with the same folded terms form one node.
//!
//! **Candidates.** Each node looks up, in an inverted index of the terms
//! held by at most [`Config::max_postings`] nodes, the nodes sharing one of
//! its [`Config::probe_terms`] rarest terms, reading at most
//! [`Config::probe_budget`] postings beyond its rarest term's. A pair is a
//! candidate when either side finds the other. Cost grows with the number
//! of texts times that bounded number of postings, not with the number of
//! pairs.
//!
//! **Verification.** A candidate pair is an edge when the IDF-weighted
//! cosine of the two term sets reaches [`Config::threshold`] and no guard
//! objects. The guards refuse a pair whose texts state different numbers
//! (both state numbers, not the same ones; a number after «№» is an
//! identifier and does not count; «один» and its forms are not a figure,
//! and a 1 only one text states is ignored when the other figures agree:
//! «не реже 1 раза в 3 года» / «раз в три года»),
//! name different target groups (both name some, not the same), stand on
//! opposite sides of an antonym pair of the lexicon («ввести» /
//! «отменить», «с учетом» / «без учета»), or where one negates («не»,
//! «без»; «не» reaches through a modal word: «не следует включать») a
//! word the other affirms. A last guard is about the object: when
//! each text holds a *distinctive* word the other lacks (one held by a few
//! texts, [`Config::distinctive_share`]) and the rest of the two texts
//! agrees (their cosine without those words reaches
//! [`Config::object_rest`]), they say the same thing about different
//! objects («налог на имущество» / «земельный налог») and are refused. A
//! restatement with words of its own on both sides has a lower rest and is
//! judged by the threshold.
//!
//! **Clusters.** Every member of a cluster is an edge away from its
//! representative (A~B and B~C do not make A~C: C joins only a star whose
//! centre it matches), and no guard refuses it against any other member
//! (a text without a figure cannot bring "30 days" and "90 days" into one
//! cluster). Nodes are taken by decreasing centrality (the sum of their
//! edge similarities weighted by the neighbours' sizes, ties by the stable
//! hash of the folded terms); a node not yet taken becomes a
//! representative and takes its untaken neighbours, most similar first.
//!
//! **Leftovers.** A text the star step left alone (no copy, no edge taken)
//! joins the cluster whose texts it is most similar to on average
//! (at most 64 of them, the centre first), found through its own
//! candidates, when that mean reaches [`Config::attach_threshold`], beats
//! the next cluster's by [`Config::attach_margin`], and no guard refuses it
//! against a member: a restatement in other words shares some words with
//! each wording of its idea without matching any one of them closely. If
//! the nearest cluster is refused by a guard (an opposite action, another
//! figure), the text stays alone rather than go to the second nearest. All
//! decisions are taken against the stars, then applied most similar first,
//! each refused if a guard objects to a text that joined the same cluster
//! before it; a text that joined attracts nothing.
//!
//! **Representative.** Within the central node, the member whose matching
//! text (`sborka_text::match_key`) is the most repeated, then the shortest
//! text, then the text's stable hash, then the lowest index; so not file
//! order. The cluster id is the stable hash of the representative's folded
//! terms.
//!
//! Nothing depends on the order of the input or the number of threads
//! beyond the indexes returned: clusters are sorted by their first member
//! and members ascend.
//!
//! **Cost.** Analysis runs in parallel with per-thread buffers (the
//! normalized text, the terms, their hashes): a text costs one allocation
//! for its terms and a few for what it states. Clustering keeps its
//! structures flat: the postings are one array of nodes with a map from a
//! term to its range (its length is the term's document frequency), and
//! each node's edges and each star's nodes are ranges of one array, not a
//! vector each. The bench (`benches/dedup.rs`) prints a digest of the
//! clusters, and `examples/digest.rs` digests of normalization, terms and
//! clusters for a CSV corpus, so that a change meant only to be faster can
//! be shown to change nothing.
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
//! ];
//! let clusters = deduper.cluster(&deduper.prepare(&texts));
//! assert_eq!(clusters.len(), 2);
//! assert_eq!(clusters[0].members, [0, 2, 3]);
//! assert_eq!(clusters[0].verbatim, 1);
//! ```

pub mod eval;

use std::cmp::Reverse;
use std::collections::HashMap;

use rayon::prelude::*;
use sborka_core::{Cluster, ClusterId, stable_hash};
use sborka_text::{Analyzer, FxHashMap, Lexicon, LexiconError, Terms};

/// A lexicon that could not be loaded.
pub type Error = LexiconError;

/// The knobs of near-duplicate clustering.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The least IDF-weighted cosine of two texts' terms for them to merge.
    pub threshold: f32,
    /// How many of a text's rarest terms it looks up candidates by.
    pub probe_terms: usize,
    /// Terms held by more texts than this do not generate candidates (they
    /// still count in the similarity).
    pub max_postings: usize,
    /// How many postings a text reads at most to find its candidates
    /// (beyond its rarest term's): the bound that keeps the cost linear
    /// when a collection has many words of middling frequency.
    pub probe_budget: usize,
    /// A term held by at least 3 texts and at most this share of them
    /// (at least 10 and at most [`Config::max_postings`]) is *distinctive*: when each
    /// of two texts holds a distinctive term the other lacks, they are
    /// about different things (налог на имущество / земельный налог) and
    /// do not merge. Words held by one text only (typos, a paraphrase's own
    /// words) are not distinctive.
    pub distinctive_share: f32,
    /// When each of two texts holds a distinctive term the other lacks,
    /// they are refused as about different things only if the rest of
    /// their terms (the cosine without those distinctive terms) reaches
    /// this: the same frame with another object («налог на имущество» /
    /// «земельный налог»). A restatement that words much of the proposal
    /// otherwise («освободить от уплаты» / «установить нулевую ставку»)
    /// has distinctive words of its own on both sides and a lower rest;
    /// it is judged by [`Config::threshold`] alone. `0.0` refuses every
    /// such pair (the behaviour before this knob).
    pub object_rest: f32,
    /// A text left alone by the star step (no copy, no neighbour) joins the
    /// cluster it is, on average over the cluster's texts, most similar to (the IDF
    /// cosine, no guard refusing it against any member), when that mean
    /// reaches this and beats the next cluster by [`Config::attach_margin`].
    /// Above `1.0` nothing attaches.
    pub attach_threshold: f32,
    /// How much the best cluster's mean similarity must exceed the next
    /// one's for a lone text to attach.
    pub attach_margin: f32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            threshold: 0.45,
            probe_terms: 5,
            max_postings: 256,
            probe_budget: 96,
            distinctive_share: 0.03,
            object_rest: 0.6,
            attach_threshold: 0.2,
            attach_margin: 0.03,
        }
    }
}

/// Clusters texts.
#[derive(Clone, Debug)]
pub struct Deduper {
    analyzer: Analyzer,
    config: Config,
}

impl Default for Deduper {
    fn default() -> Self {
        Deduper::new()
    }
}

/// One text, analysed.
#[derive(Clone, Debug)]
struct Doc {
    /// Hash of the matching text: equal for verbatim copies.
    verbatim: u64,
    /// 128-bit hash of the folded terms: equal for exact duplicates.
    exact: (u64, u64),
    /// Length of the raw text, in bytes.
    len: u32,
    /// Hash of the raw text, to break ties without looking at file order.
    raw: u64,
    /// The distinct folded terms (as hashes), sorted.
    terms: Box<[u64]>,
    /// The numbers stated, sorted.
    numbers: Box<[u64]>,
    /// The target groups named, sorted.
    groups: Box<[u64]>,
    /// Terms negated by «не» or «без», sorted.
    negated: Box<[u64]>,
    /// Polarity on each antonym pair of the lexicon: bit i of `.0` set for
    /// side a, of `.1` for side b.
    polarity: (u32, u32),
}

/// What analysing a text needs and the next text can reuse.
#[derive(Default)]
struct Scratch {
    normalized: String,
    terms: Terms,
    hashes: Vec<u64>,
}

/// Exact nodes and collection statistics.
struct Stats<'a> {
    docs: &'a [Doc],
    /// Texts with the same folded terms, ascending; nodes in the order of
    /// their exact key.
    nodes: Ragged<u32>,
    /// Document frequency (over nodes) of each term of each node, in the
    /// order of its terms: looked up once here, so that the postings and
    /// the candidates of a node read it without hashing the term again.
    dfs: Ragged<u32>,
    /// IDF weight of each term of each node.
    weights: Ragged<f32>,
    norms: Vec<f32>,
    /// The weights of distinctive terms.
    distinctive: std::ops::RangeInclusive<f32>,
}

impl Stats<'_> {
    fn node_doc(&self, k: usize) -> &Doc {
        &self.docs[self.nodes[k][0] as usize]
    }
}

/// The inverted index of the terms held by 2 to [`Config::max_postings`]
/// nodes: the nodes holding a term are `nodes[start..start + len]`, in
/// ascending order, for `ranges[term] = (start, len)`; `len` is the term's
/// document frequency.
struct Postings {
    ranges: FxHashMap<u64, (u32, u32)>,
    nodes: Vec<u32>,
}

/// Groups of items in one array (rather than a vector per group): group
/// `k` is `items[bounds[k]..bounds[k + 1]]`.
struct Ragged<T> {
    items: Vec<T>,
    bounds: Vec<usize>,
}

impl<T> Default for Ragged<T> {
    fn default() -> Ragged<T> {
        Ragged {
            items: Vec::new(),
            bounds: vec![0],
        }
    }
}

impl<T> Ragged<T> {
    /// From all the items, group after group, and the groups' lengths.
    fn from_parts(items: Vec<T>, lens: impl Iterator<Item = usize>) -> Ragged<T> {
        let mut bounds = vec![0];
        for len in lens {
            bounds.push(bounds[bounds.len() - 1] + len);
        }
        debug_assert_eq!(bounds[bounds.len() - 1], items.len());
        Ragged { items, bounds }
    }

    /// The number of groups.
    fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Starts a new, empty group.
    fn new_group(&mut self) {
        self.bounds.push(self.items.len());
    }

    /// Adds an item to the last group (starting one if there is none).
    fn push(&mut self, item: T) {
        if self.len() == 0 {
            self.new_group();
        }
        self.items.push(item);
        if let Some(end) = self.bounds.last_mut() {
            *end = self.items.len();
        }
    }
}

impl<T> std::ops::Index<usize> for Ragged<T> {
    type Output = [T];

    fn index(&self, k: usize) -> &[T] {
        &self.items[self.bounds[k]..self.bounds[k + 1]]
    }
}

/// The edges of each node, in one array: node `k`'s neighbours (and the
/// similarity to each) are `edges[start[k]..start[k + 1]]`.
struct Adjacency {
    start: Vec<u32>,
    edges: Vec<(u32, f32)>,
}

impl Adjacency {
    /// From the edges `(k, l, similarity)`, each listed once.
    fn new(m: usize, edges: &[(u32, u32, f32)]) -> Adjacency {
        let mut start = vec![0u32; m + 1];
        for &(k, l, _) in edges {
            start[k as usize + 1] += 1;
            start[l as usize + 1] += 1;
        }
        for k in 0..m {
            start[k + 1] += start[k];
        }
        let mut next: Vec<u32> = start[..m].to_vec();
        let mut slots = vec![(0u32, 0.0f32); edges.len() * 2];
        for &(k, l, sim) in edges {
            slots[next[k as usize] as usize] = (l, sim);
            next[k as usize] += 1;
            slots[next[l as usize] as usize] = (k, sim);
            next[l as usize] += 1;
        }
        Adjacency {
            start,
            edges: slots,
        }
    }

    fn of(&mut self, k: usize) -> &mut [(u32, f32)] {
        &mut self.edges[self.start[k] as usize..self.start[k + 1] as usize]
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
    /// Each holds a distinctive word the other lacks.
    Distinct,
    /// Their similarity is below the threshold.
    Dissimilar(f32),
}

/// Texts analysed for clustering.
#[derive(Clone, Debug)]
pub struct Prepared {
    docs: Vec<Doc>,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Two FNV-1a hashes (the second from another offset, to make exact keys
/// 128 bits wide) of words joined by single spaces, fed a word at a time:
/// `a` equals `stable_hash` of the joined text.
struct Fnv {
    a: u64,
    b: u64,
    empty: bool,
}

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv {
            a: 0xcbf2_9ce4_8422_2325,
            b: 0x6c62_272e_07bb_0142,
            empty: true,
        }
    }
}

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.a = (self.a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            self.b = (self.b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn word(&mut self, word: &str) {
        if !self.empty {
            self.bytes(b" ");
        }
        self.empty = false;
        self.bytes(word.as_bytes());
    }

    /// Feeds the words of `text`, its runs of letters and digits, one by
    /// one. Scans bytes: ASCII is told by a table and a Cyrillic letter of
    /// U+0400–U+047F (lead byte D0 or D1, all letters) without decoding
    /// it; other characters are decoded.
    fn words(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut start = None;
        let mut at = 0;
        while let Some(&b) = bytes.get(at) {
            let (len, alphanumeric) = match b {
                0..0x80 => (1, b.is_ascii_alphanumeric()),
                0xd0 | 0xd1 => (2, true),
                _ => text[at..]
                    .chars()
                    .next()
                    .map_or((1, false), |c| (c.len_utf8(), c.is_alphanumeric())),
            };
            match (alphanumeric, start) {
                (true, None) => start = Some(at),
                (false, Some(from)) => {
                    self.word(&text[from..at]);
                    start = None;
                }
                _ => {}
            }
            at += len;
        }
        if let Some(from) = start {
            self.word(&text[from..]);
        }
    }
}

fn term_hash(term: &str) -> u64 {
    stable_hash(term.as_bytes())
}

/// A word held by this many texts or fewer is distinctive whatever the
/// size of the collection ([`Config::distinctive_share`] of a few hundred
/// texts would be a handful): one idea is often restated by ten texts, and
/// the word that tells it from its twin is in each of them.
const DISTINCTIVE_FLOOR: f32 = 10.0;

/// How many characters of a stem clustering compares: Snowball leaves some
/// forms apart («сиделок» / «сиделк», «граждан» / «гражда»), and cutting
/// every stem to its first characters brings them together, at the price
/// of a few merges of words that begin alike, which the similarity of the
/// rest of the text has to outweigh.
const PREFIX: usize = 5;

/// The feature of a term: family terms and numbers whole, words cut to
/// their first [`PREFIX`] characters.
fn feature(term: &str) -> &str {
    match term.char_indices().nth(PREFIX) {
        Some((i, _)) if !term.contains(' ') => &term[..i],
        _ => term,
    }
}

fn is_number(term: &str) -> bool {
    !term.is_empty() && term.bytes().all(|b| b.is_ascii_digit())
}

fn sorted(mut v: Vec<u64>) -> Box<[u64]> {
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

impl Deduper {
    /// A deduper with the embedded lexicon and the default [`Config`].
    pub fn new() -> Deduper {
        Deduper::with_lexicon(Lexicon::embedded(), Config::default())
    }

    /// A deduper with the lexicon of the catalogue files `files`
    /// (`abbreviations.toml` and `synonyms.toml`).
    pub fn load(files: &sborka_core::CatalogFiles) -> Result<Deduper, Error> {
        Ok(Deduper::with_lexicon(
            Lexicon::from_files(files)?,
            Config::default(),
        ))
    }

    pub fn with_lexicon(lexicon: Lexicon, config: Config) -> Deduper {
        Deduper {
            analyzer: Analyzer::with_lexicon(lexicon),
            config,
        }
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

    /// The folded terms clustering compares for `text`, boilerplate
    /// opening dropped (for explaining a decision).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let normalized = sborka_text::normalize(text);
        let mut terms = self.analyzer.terms(&drop_identifiers(&normalized));
        if let Some(lexicon) = self.analyzer.lexicon() {
            terms.drain(..lexicon.opening_len(&terms));
        }
        drop_negated_modals(&mut terms);
        terms
    }

    /// Analyses every text once, in parallel. Texts written the same, byte
    /// for byte (pasted copies, a fifth of the generated corpora), are
    /// analysed once and their [`Doc`] copied.
    pub fn prepare<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Prepared {
        let text = |i: u32| texts[i as usize].as_ref();
        let n = u32::try_from(texts.len()).expect("fewer than 2^32 proposals");
        let raw: Vec<u64> = texts
            .par_iter()
            .map(|t| stable_hash(t.as_ref().as_bytes()))
            .collect();
        // The first text written the same as each (itself, mostly): texts
        // ordered by hash, then compared within a run of equal hashes.
        let mut order: Vec<u32> = (0..n).collect();
        order.par_sort_unstable_by_key(|&i| (raw[i as usize], i));
        let mut original: Vec<u32> = (0..n).collect();
        let mut firsts = Vec::new();
        for run in order.chunk_by(|&a, &b| raw[a as usize] == raw[b as usize]) {
            // The different texts of the run (one, unless hashes collide).
            firsts.clear();
            for &i in run {
                match firsts.iter().find(|&&f| text(f) == text(i)) {
                    Some(&first) => original[i as usize] = first,
                    None => firsts.push(i),
                }
            }
        }
        drop(order);
        let unique: Vec<u32> = (0..n).filter(|&i| original[i as usize] == i).collect();
        // One analyzer (with its cache of stems) per worker thread, for the
        // whole call: rayon's per-job state would start many cold caches.
        let analyzers: Vec<Analyzer> = (0..rayon::current_num_threads().max(1))
            .map(|_| self.analyzer.clone())
            .collect();
        let mut analysed = unique
            .par_iter()
            .map_init(Scratch::default, |scratch, &i| {
                let worker = rayon::current_thread_index().unwrap_or(0) % analyzers.len();
                self.analyse(&analyzers[worker], scratch, text(i), raw[i as usize])
            })
            .collect::<Vec<Doc>>()
            .into_iter();
        // A copy always comes after its original.
        let mut docs: Vec<Doc> = Vec::with_capacity(texts.len());
        for (i, &first) in original.iter().enumerate() {
            let doc = if first as usize == i {
                analysed.next().expect("an analysis for every original")
            } else {
                docs[first as usize].clone()
            };
            docs.push(doc);
        }
        Prepared { docs }
    }

    /// One text's [`Doc`]; `scratch` is reused from text to text.
    fn analyse(&self, analyzer: &Analyzer, scratch: &mut Scratch, text: &str, raw: u64) -> Doc {
        sborka_text::normalize_into(text, &mut scratch.normalized);
        let normalized = scratch.normalized.as_str();
        // The matching text's words joined by spaces, hashed as they come.
        let mut key = Fnv::default();
        key.words(normalized);
        analyzer.analyse(&drop_identifiers(normalized), &mut scratch.terms);
        let mut terms: Vec<&str> = scratch.terms.iter().collect();
        let lexicon = analyzer.lexicon();
        if let Some(lexicon) = lexicon {
            terms.drain(..lexicon.opening_len(&terms));
        }
        drop_negated_modals(&mut terms);
        let mut exact = Fnv::default();
        for term in &terms {
            exact.word(term);
        }
        let mut numbers = Vec::new();
        let mut groups = Vec::new();
        let mut negated = Vec::new();
        let hashes = &mut scratch.hashes;
        hashes.clear();
        for (i, term) in terms.iter().enumerate() {
            let is_group = lexicon.is_some_and(|l| l.is_group(term));
            let h = if is_group {
                term_hash(term)
            } else {
                term_hash(feature(term))
            };
            hashes.push(h);
            if is_number(term) {
                numbers.push(h);
            }
            if is_group {
                groups.push(h);
            }
            if i > 0 && matches!(terms[i - 1], "не" | "без") {
                negated.push(h);
            }
        }
        let polarity = lexicon.map_or((0, 0), |l| l.polarity_bits(&terms));
        Doc {
            verbatim: key.a,
            exact: (exact.a, exact.b),
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
            raw,
            terms: {
                hashes.sort_unstable();
                hashes.dedup();
                hashes.as_slice().into()
            },
            numbers: sorted(numbers),
            groups: sorted(groups),
            negated: sorted(negated),
            polarity,
        }
    }

    /// Exact nodes and collection statistics: what every pair decision
    /// needs.
    fn stats<'a>(&self, docs: &'a [Doc]) -> Stats<'a> {
        let n = u32::try_from(docs.len()).expect("fewer than 2^32 proposals");
        // Exact: nodes of texts with the same folded terms.
        let mut order: Vec<u32> = (0..n).collect();
        order.par_sort_unstable_by_key(|&i| (docs[i as usize].exact, i));
        let mut nodes = Ragged::default();
        for (at, &i) in order.iter().enumerate() {
            if at == 0 || docs[order[at - 1] as usize].exact != docs[i as usize].exact {
                nodes.new_group();
            }
            nodes.push(i);
        }
        drop(order);
        let m = nodes.len();
        let node_doc = |k: usize| &docs[nodes[k][0] as usize];

        // Document frequencies over nodes, so that pasted copies do not make
        // a word look common.
        // A few large pieces: each piece's map holds much of the
        // vocabulary, and merging many of them would cost more than
        // counting.
        let pieces = (rayon::current_num_threads() * 2).max(1);
        let df: FxHashMap<u64, u32> = (0..m)
            .into_par_iter()
            .with_min_len(m.div_ceil(pieces).max(1))
            .fold(FxHashMap::default, |mut df: FxHashMap<u64, u32>, k| {
                for &t in node_doc(k).terms.iter() {
                    *df.entry(t).or_insert(0) += 1;
                }
                df
            })
            .reduce(FxHashMap::default, |a, b| {
                if a.len() < b.len() {
                    merge(b, a)
                } else {
                    merge(a, b)
                }
            });
        // Node k's frequencies and weights are those of its terms, in the
        // same order.
        let lens = || (0..m).map(|k| node_doc(k).terms.len());
        let dfs = Ragged::from_parts(
            (0..m)
                .into_par_iter()
                .flat_map_iter(|k| {
                    node_doc(k)
                        .terms
                        .iter()
                        .map(|t| df.get(t).copied().unwrap_or(1))
                })
                .collect(),
            lens(),
        );
        drop(df);
        let weights = Ragged {
            items: dfs
                .items
                .par_iter()
                .map(|&d| ((m as f32 + 1.0) / d.max(1) as f32).ln())
                .collect(),
            bounds: dfs.bounds.clone(),
        };
        let norms: Vec<f32> = (0..m)
            .into_par_iter()
            .map(|k| weights[k].iter().map(|x| x * x).sum::<f32>().sqrt())
            .collect();
        // Distinctive terms by weight: df in 3..=rare_df; in a small
        // collection, a word of up to DISTINCTIVE_FLOOR texts still is.
        let rare_df = (self.config.distinctive_share * m as f32)
            .min(self.config.max_postings as f32)
            .max(DISTINCTIVE_FLOOR);
        let distinctive = ((m as f32 + 1.0) / rare_df).ln()..=((m as f32 + 1.0) / 3.0).ln();
        Stats {
            docs,
            nodes,
            dfs,
            weights,
            norms,
            distinctive,
        }
    }

    /// Whether two nodes merge: their similarity, or why not.
    fn verdict(&self, stats: &Stats<'_>, k: usize, l: usize) -> Result<f32, Refusal> {
        let (a, b) = (stats.node_doc(k), stats.node_doc(l));
        compatible(a, b)?;
        let sim = similarity(
            (a, &stats.weights[k], stats.norms[k]),
            (b, &stats.weights[l], stats.norms[l]),
            &stats.distinctive,
            self.config.object_rest,
        )?;
        if sim < self.config.threshold {
            return Err(Refusal::Dissimilar(sim));
        }
        Ok(sim)
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
        self.verdict(&stats, k, l)
    }

    /// Groups the prepared texts; `members` index into the texts given to
    /// [`Deduper::prepare`].
    pub fn cluster(&self, prepared: &Prepared) -> Vec<Cluster> {
        let docs = &prepared.docs;
        if docs.is_empty() {
            return Vec::new();
        }
        let stats = self.stats(docs);
        let nodes = &stats.nodes;
        let node_doc = |k: usize| stats.node_doc(k);
        let m = nodes.len();

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

        // Verification: the edges (k, l, similarity).
        let stats = &stats;
        let edges: Vec<(u32, u32, f32)> = pairs
            .par_iter()
            .filter_map(|&(k, l)| {
                let sim = self.verdict(stats, k as usize, l as usize).ok()?;
                Some((k, l, sim))
            })
            .collect();
        drop(pairs);

        // Centrality, then greedy stars around the most central nodes.
        let sizes: Vec<f32> = (0..m).map(|k| nodes[k].len() as f32).collect();
        let mut centrality: Vec<f32> = sizes.clone();
        for &(k, l, sim) in &edges {
            centrality[k as usize] += sim * sizes[l as usize];
            centrality[l as usize] += sim * sizes[k as usize];
        }
        let mut adjacency = Adjacency::new(m, &edges);
        drop(edges);
        let mut by_centrality: Vec<u32> = (0..m as u32).collect();
        by_centrality.par_sort_unstable_by(|&a, &b| {
            let (da, db) = (node_doc(a as usize), node_doc(b as usize));
            centrality[b as usize]
                .total_cmp(&centrality[a as usize])
                .then_with(|| da.exact.cmp(&db.exact))
        });
        const NONE: u32 = u32::MAX;
        let mut center = vec![NONE; m];
        // The guard signatures (numbers, groups, polarity) already in the
        // star being built: a neighbour joins only if no guard refuses it
        // against any of them, so that a text without a figure cannot
        // bring "30 days" and "90 days" into one cluster.
        let mut signatures: Vec<&Doc> = Vec::new();
        for &c in &by_centrality {
            if center[c as usize] != NONE {
                continue;
            }
            center[c as usize] = c;
            signatures.clear();
            signatures.push(node_doc(c as usize));
            let neighbours = adjacency.of(c as usize);
            // The most similar first, ties by the neighbour's exact key.
            neighbours.sort_unstable_by(|a, b| {
                b.1.total_cmp(&a.1).then_with(|| {
                    node_doc(a.0 as usize)
                        .exact
                        .cmp(&node_doc(b.0 as usize).exact)
                })
            });
            for &(l, _) in neighbours.iter() {
                if center[l as usize] != NONE {
                    continue;
                }
                let doc = node_doc(l as usize);
                if signatures.iter().any(|s| guards(s, doc).is_err()) {
                    continue;
                }
                center[l as usize] = c;
                if !signatures.iter().any(|s| same_signature(s, doc)) {
                    signatures.push(doc);
                }
            }
        }
        drop(adjacency);
        self.attach(stats, &mut center);

        // Gather the members of each star.
        let mut stars: Vec<(u32, u32)> = (0..m as u32).map(|k| (center[k as usize], k)).collect();
        let docs = stats.docs;
        stars.sort_unstable();
        // Each star's cluster, made in parallel.
        let runs: Vec<&[(u32, u32)]> = stars.chunk_by(|a, b| a.0 == b.0).collect();
        let mut clusters: Vec<Cluster> = runs
            .into_par_iter()
            .map(|run| {
                let c = run[0].0;
                let mut members: Vec<u32> = run
                    .iter()
                    .flat_map(|&(_, k)| nodes[k as usize].iter().copied())
                    .collect();
                members.sort_unstable();
                let representative = representative(docs, &nodes[c as usize]);
                let mut keys: Vec<u64> =
                    members.iter().map(|&i| docs[i as usize].verbatim).collect();
                keys.sort_unstable();
                keys.dedup();
                Cluster {
                    id: ClusterId(docs[representative as usize].exact.0),
                    verbatim: (members.len() - keys.len()) as u32,
                    members,
                    representative,
                }
            })
            .collect();
        clusters.par_sort_unstable_by_key(|c| c.members[0]);
        clusters
    }
}

impl Deduper {
    /// Inverted index over the terms that few nodes hold.
    fn postings(&self, stats: &Stats<'_>) -> Postings {
        let max_postings = self.config.max_postings as u32;
        let mut pairs: Vec<(u64, u32)> = (0..stats.nodes.len())
            .into_par_iter()
            .flat_map_iter(|k| {
                stats
                    .node_doc(k)
                    .terms
                    .iter()
                    .zip(&stats.dfs[k])
                    .filter(|&(_, d)| (2..=max_postings).contains(d))
                    .map(move |(&t, _)| (t, k as u32))
            })
            .collect();
        pairs.par_sort_unstable();
        let mut ranges = FxHashMap::default();
        let mut start = 0;
        while start < pairs.len() {
            let term = pairs[start].0;
            let end = start + pairs[start..].partition_point(|p| p.0 == term);
            ranges.insert(term, (start as u32, (end - start) as u32));
            start = end;
        }
        let nodes = pairs.iter().map(|p| p.1).collect();
        Postings { ranges, nodes }
    }

    /// The nodes sharing one of node `k`'s rarest terms, ascending: the
    /// rarest terms first, until [`Config::probe_terms`] or the
    /// [`Config::probe_budget`] of postings is spent (the rarest is always
    /// read).
    fn candidates(&self, stats: &Stats<'_>, postings: &Postings, k: usize) -> Vec<u32> {
        // (document frequency, term): a term has postings when its
        // frequency is in 2..=max_postings. Only the terms read are looked
        // up in the postings.
        let max_postings = self.config.max_postings as u32;
        let mut rare: Vec<(u32, u64)> = stats
            .node_doc(k)
            .terms
            .iter()
            .zip(&stats.dfs[k])
            .filter(|&(_, d)| (2..=max_postings).contains(d))
            .map(|(&t, &d)| (d, t))
            .collect();
        rare.sort_unstable();
        let mut read = 0;
        let mut candidates: Vec<u32> = Vec::new();
        for &(d, t) in rare.iter().take(self.config.probe_terms) {
            if read > 0 && read + d as usize > self.config.probe_budget {
                break;
            }
            read += d as usize;
            let (start, len) = postings.ranges[&t];
            debug_assert_eq!(len, d);
            let nodes = &postings.nodes[start as usize..(start + len) as usize];
            candidates.extend(nodes.iter().copied().filter(|&l| l as usize != k));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// Leftovers: a text alone in its cluster joins the star it is most
    /// similar to on average (see [`Config::attach_threshold`]). Every
    /// decision is taken against the stars as the star step left them, so
    /// that the order of decisions does not matter and a joined node
    /// attracts nothing.
    fn attach(&self, stats: &Stats<'_>, center: &mut [u32]) {
        if self.config.attach_threshold > 1.0 {
            return;
        }
        /// The members a mean is taken over, at most (the centre first,
        /// then by exact key): bounds the cost for very large clusters.
        const SAMPLE: usize = 64;
        let m = center.len();
        // The nodes of each star, centre first, then by exact key.
        let mut order: Vec<(u32, bool, (u64, u64), u32)> = (0..m as u32)
            .map(|k| {
                let c = center[k as usize];
                (c, c != k, stats.node_doc(k as usize).exact, k)
            })
            .collect();
        order.par_sort_unstable();
        // The nodes of star `c` are `members[start..start + len]`, for
        // `(start, len) = ranges[c]`.
        let members: Vec<u32> = order.iter().map(|o| o.3).collect();
        let mut ranges = vec![(0u32, 0u32); m];
        for (at, &(c, ..)) in order.iter().enumerate() {
            let star = &mut ranges[c as usize];
            if star.1 == 0 {
                star.0 = at as u32;
            }
            star.1 += 1;
        }
        drop(order);
        let star_nodes = |c: u32| -> &[u32] {
            let (start, len) = ranges[c as usize];
            &members[start as usize..(start + len) as usize]
        };
        // Single texts: a text with copies, or a star, has been confirmed
        // by another text and stays as it is.
        let alone: Vec<u32> = (0..m as u32)
            .filter(|&k| {
                stats.nodes[k as usize].len() == 1 && star_nodes(center[k as usize]).len() == 1
            })
            .collect();
        if alone.is_empty() {
            return;
        }
        let postings = self.postings(stats);
        let center_ro: &[u32] = center;
        let mut moves: Vec<(f32, (u64, u64), u32, u32)> = alone
            .par_iter()
            .filter_map(|&k| {
                let a = stats.node_doc(k as usize);
                let mut stars: Vec<u32> = self
                    .candidates(stats, &postings, k as usize)
                    .into_iter()
                    .map(|l| center_ro[l as usize])
                    .filter(|&c| {
                        let n = star_nodes(c);
                        n.len() > 1 || stats.nodes[n[0] as usize].len() > 1
                    })
                    .collect();
                stars.sort_unstable();
                stars.dedup();
                // (mean similarity, the centre's exact key, centre, whether
                // a guard refuses a member). A refused cluster still counts
                // as a rival: a text whose nearest cluster is refused (an
                // opposite action, another figure) is not sent to the
                // second nearest.
                let mut scores: Vec<(f32, (u64, u64), u32, bool)> = Vec::new();
                for c in stars {
                    let (mut sum, mut rows, mut refused) = (0.0f32, 0.0f32, false);
                    for &l in star_nodes(c).iter().take(SAMPLE) {
                        let b = stats.node_doc(l as usize);
                        refused |= compatible(a, b).is_err();
                        let size = stats.nodes[l as usize].len() as f32;
                        let sim = similarity(
                            (a, &stats.weights[k as usize], stats.norms[k as usize]),
                            (b, &stats.weights[l as usize], stats.norms[l as usize]),
                            &stats.distinctive,
                            f32::INFINITY,
                        )
                        .unwrap_or(0.0);
                        sum += sim * size;
                        rows += size;
                    }
                    if rows > 0.0 {
                        scores.push((sum / rows, stats.node_doc(c as usize).exact, c, refused));
                    }
                }
                scores.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
                let best = scores.first()?;
                let second = scores.get(1).map_or(0.0, |s| s.0);
                (!best.3
                    && best.0 >= self.config.attach_threshold
                    && best.0 - second >= self.config.attach_margin)
                    .then_some((best.0, a.exact, k, best.2))
            })
            .collect();
        // Applied most similar first (ties by exact key), each refused if a
        // guard objects to a text that joined the same cluster before it:
        // two lone texts with other figures do not both join a cluster
        // that states none.
        moves.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
        let mut joined: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (_, _, k, c) in moves {
            let a = stats.node_doc(k as usize);
            let others = joined.entry(c).or_default();
            if others
                .iter()
                .all(|&l| compatible(a, stats.node_doc(l as usize)).is_ok())
            {
                others.push(k);
                center[k as usize] = c;
            }
        }
    }
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

fn merge(mut a: FxHashMap<u64, u32>, b: FxHashMap<u64, u32>) -> FxHashMap<u64, u32> {
    // Addition commutes: the order of the map does not reach the output.
    b.into_iter()
        .for_each(|(t, d)| *a.entry(t).or_insert(0) += d);
    a
}

/// The stems of the modal words through which «не» reaches the verb
/// after them: «не следует включать» negates «включать» as «не включать»
/// does, and «не должен носить» does not negate «должен» («должны
/// уходить» elsewhere is no contradiction). Not «обязан» («не обязан» is
/// not «не»), nor «стоит» (its stem is «сто»).
const MODALS: [&str; 10] = [
    "след",
    "следова",
    "долж",
    "должн",
    "нужн",
    "нуж",
    "над",
    "может",
    "могут",
    "можн",
];

/// Removes the modal words right after «не», so that «не» stands before
/// the verb it negates, for the negation guard and the antonym phrases.
fn drop_negated_modals<S: AsRef<str>>(terms: &mut Vec<S>) {
    let mut i = 1;
    while i < terms.len() {
        if terms[i - 1].as_ref() == "не" && MODALS.contains(&terms[i].as_ref()) {
            terms.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Drops the number after «№» (an identifier: «указ № 597» states no
/// amount) from a normalized text.
fn drop_identifiers(normalized: &str) -> std::borrow::Cow<'_, str> {
    if !normalized.contains('№') {
        return std::borrow::Cow::Borrowed(normalized);
    }
    let mut out = String::with_capacity(normalized.len());
    let mut rest = normalized;
    while let Some(at) = rest.find('№') {
        out.push_str(&rest[..at]);
        let after = rest[at + '№'.len_utf8()..].trim_start();
        let id_len = after
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '/' | '.')))
            .unwrap_or(after.len());
        rest = &after[id_len..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The guards that depend on a text's signature only: numbers, groups,
/// antonyms.
fn guards(a: &Doc, b: &Doc) -> Result<(), Refusal> {
    if figures_differ(&a.numbers, &b.numbers) {
        return Err(Refusal::Numbers);
    }
    if !a.groups.is_empty() && !b.groups.is_empty() && a.groups != b.groups {
        return Err(Refusal::Groups);
    }
    if (a.polarity.0 & b.polarity.1) != 0 || (a.polarity.1 & b.polarity.0) != 0 {
        return Err(Refusal::Antonyms);
    }
    Ok(())
}

/// Whether two texts that both state figures state different ones. A 1
/// that only one of them states does not count when the other figures
/// agree: «не реже 1 раза в 3 года» / «раз в три года» («раз» needs no
/// figure); 1 against 5 still differs.
fn figures_differ(a: &[u64], b: &[u64]) -> bool {
    if a.is_empty() || b.is_empty() || a == b {
        return false;
    }
    let one = term_hash("1");
    let (a_one, b_one) = (a.contains(&one), b.contains(&one));
    if a_one == b_one {
        return true;
    }
    let rest = |x: &[u64]| -> Vec<u64> { x.iter().copied().filter(|&v| v != one).collect() };
    rest(a) != rest(b)
}

fn same_signature(a: &Doc, b: &Doc) -> bool {
    a.numbers == b.numbers && a.groups == b.groups && a.polarity == b.polarity
}

/// Whether a guard objects to merging two texts: see the crate docs.
fn compatible(a: &Doc, b: &Doc) -> Result<(), Refusal> {
    guards(a, b)?;
    // One negates what the other affirms.
    let affirms =
        |d: &Doc, t: u64| d.terms.binary_search(&t).is_ok() && d.negated.binary_search(&t).is_err();
    if a.negated.iter().any(|&t| affirms(b, t)) || b.negated.iter().any(|&t| affirms(a, t)) {
        return Err(Refusal::Negation);
    }
    Ok(())
}

/// The IDF-weighted cosine of two term sets, refused when each holds a
/// distinctive term (by weight) that the other lacks and the cosine of
/// the rest reaches `object_rest` (see [`Config::object_rest`]).
fn similarity(
    (a, wa, na): (&Doc, &[f32], f32),
    (b, wb, nb): (&Doc, &[f32], f32),
    distinctive: &std::ops::RangeInclusive<f32>,
    object_rest: f32,
) -> Result<f32, Refusal> {
    if na == 0.0 || nb == 0.0 {
        return Ok(0.0);
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    // The squared weights of the distinctive terms each holds alone.
    let (mut only_a, mut only_b) = (0.0f32, 0.0f32);
    while i < a.terms.len() || j < b.terms.len() {
        let order = match (a.terms.get(i), b.terms.get(j)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                if distinctive.contains(&wa[i]) {
                    only_a += wa[i] * wa[i];
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                if distinctive.contains(&wb[j]) {
                    only_b += wb[j] * wb[j];
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                dot += wa[i] * wb[j];
                i += 1;
                j += 1;
            }
        }
    }
    if only_a > 0.0 && only_b > 0.0 {
        // The cosine of the terms other than those: the shared terms are
        // the same, the norms lose the distinctive weights.
        let rest = (na * na - only_a).max(0.0).sqrt() * (nb * nb - only_b).max(0.0).sqrt();
        if object_rest.is_finite() && (rest == 0.0 || dot >= object_rest * rest) {
            return Err(Refusal::Distinct);
        }
    }
    Ok(dot / (na * nb))
}

/// The member of a node that stands for its cluster: the most repeated
/// matching text, then the shortest text, then the text's hash, then the
/// lowest index.
fn representative(docs: &[Doc], node: &[u32]) -> u32 {
    let mut counts: Vec<u64> = node.iter().map(|&i| docs[i as usize].verbatim).collect();
    counts.sort_unstable();
    let count =
        |key: u64| counts.partition_point(|&k| k <= key) - counts.partition_point(|&k| k < key);
    *node
        .iter()
        .min_by_key(|&&i| {
            let d = &docs[i as usize];
            (Reverse(count(d.verbatim)), d.len, d.raw, i)
        })
        .expect("a node has members")
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

    /// A text written like an earlier one gets a copy of its analysis; the
    /// copy is what analysing it alone gives, and texts that differ by a
    /// byte (a space, a letter's case) are analysed each on their own.
    #[test]
    fn copies_are_analysed_once_and_alike() {
        let texts = [
            "Создать музей истории района",
            "Создать музей истории района ",
            "Создать музей истории района",
            "создать музей истории района",
            "",
            "Создать музей истории района",
            "",
        ];
        let d = Deduper::new();
        let together = d.prepare(&texts);
        for (i, text) in texts.iter().enumerate() {
            let alone = d.prepare(&[*text]);
            assert_eq!(
                format!("{:?}", together.docs[i]),
                format!("{:?}", alone.docs[0]),
                "text {i}"
            );
        }
        // The copies are copies, the near-copies are not.
        let docs = &together.docs;
        assert_eq!(docs[0].raw, docs[2].raw);
        assert_eq!(docs[0].raw, docs[5].raw);
        assert_ne!(docs[0].raw, docs[1].raw);
        assert_ne!(docs[0].raw, docs[3].raw);
        assert_eq!(docs[0].exact, docs[1].exact, "the same words");
    }

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

    #[test]
    fn a_member_is_similar_to_its_representative() {
        // A~B and B~C with A and C unrelated: C may join B, but never a
        // cluster represented by A (the star step: leftovers off).
        let texts = [
            "альфа браво чарли дельта эхо фокстрот",
            "чарли дельта эхо фокстрот гольф отель",
            "эхо фокстрот гольф отель индия джульетта",
        ];
        let d = Deduper::new().with_config(Config {
            threshold: 0.3,
            attach_threshold: 2.0,
            ..Config::default()
        });
        let prepared = d.prepare(&texts);
        assert!(d.explain_pair(&prepared, 0, 2).is_err());
        for cluster in d.cluster(&prepared) {
            for &m in &cluster.members {
                if m != cluster.representative {
                    assert!(
                        d.explain_pair(&prepared, m as usize, cluster.representative as usize)
                            .is_ok(),
                        "{cluster:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_lone_text_joins_the_cluster_it_is_nearest_on_average() {
        let mut texts: Vec<&str> = BACKGROUND.to_vec();
        texts.extend([
            "Организовать пункты проката колясок при центрах социального обслуживания",
            "Предлагаем организовать пункты проката колясок при центрах социального обслуживания",
            // Shares a few words with the pair: too few for an edge, enough
            // on average, and no other cluster is near.
            "Выдавать коляски напрокат бесплатно через пункты при соцзащите",
        ]);
        let n = texts.len() as u32;
        let of =
            |clusters: &[Cluster], i: u32| clusters.iter().position(|c| c.members.contains(&i));
        let on = Deduper::new().with_config(Config {
            attach_threshold: 0.1,
            ..Config::default()
        });
        let prepared = on.prepare(&texts);
        assert!(
            on.explain_pair(&prepared, n as usize - 3, n as usize - 1)
                .is_err()
        );
        let clusters = on.cluster(&prepared);
        assert_eq!(of(&clusters, n - 3), of(&clusters, n - 2));
        assert_eq!(of(&clusters, n - 1), of(&clusters, n - 3), "{clusters:?}");
        // Off, or below the threshold: it stays alone.
        for attach_threshold in [2.0, 0.9] {
            let off = Deduper::new().with_config(Config {
                attach_threshold,
                ..Config::default()
            });
            let clusters = off.cluster(&off.prepare(&texts));
            assert_ne!(of(&clusters, n - 1), of(&clusters, n - 3), "{clusters:?}");
        }
    }

    #[test]
    fn a_lone_text_whose_nearest_cluster_is_refused_stays_alone() {
        let mut texts: Vec<&str> = BACKGROUND.to_vec();
        texts.extend([
            "Ввести требование медицинской лицензии для НКО по уходу за лежачими",
            "Предлагаем ввести требование медицинской лицензии для НКО по уходу за лежачими",
            "Отменить для некоммерческих организаций лицензирование ухода на дому",
            "Создать музей истории района",
        ]);
        let n = texts.len() as u32;
        let d = Deduper::new().with_config(Config {
            attach_threshold: 0.05,
            attach_margin: 0.0,
            ..Config::default()
        });
        let clusters = d.cluster(&d.prepare(&texts));
        let of = |i: u32| clusters.iter().position(|c| c.members.contains(&i));
        assert_eq!(of(n - 4), of(n - 3));
        // «Отменить» against «ввести»: refused, and not sent elsewhere.
        assert_ne!(of(n - 2), of(n - 4), "{clusters:?}");
        assert_eq!(
            clusters[of(n - 2).unwrap()].members,
            [n - 2],
            "{clusters:?}"
        );
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

    #[test]
    fn word_hash_is_the_hash_of_the_joined_words() {
        for words in [&[][..], &["a"], &["создать", "центр", "30"]] {
            let mut h = Fnv::default();
            for w in words {
                h.word(w);
            }
            assert_eq!(h.a, stable_hash(words.join(" ").as_bytes()), "{words:?}");
        }
    }

    proptest::proptest! {
        /// The byte scan of [`Fnv::words`] splits like the character
        /// split it replaced.
        #[test]
        fn words_hash_like_the_split_text(
            text in "[ а-яёА-ЯЁѐ-џѠ-ҁ҂҃a-zA-Z0-9\u{300}-\u{36f}\u{ad}\u{200b}\u{a0}—.,«»\"№²ßİ日٣Ω𝔸-]{0,60}"
        ) {
            let mut fast = Fnv::default();
            fast.words(&text);
            let mut split = Fnv::default();
            let split_at = |c: char| {
                !(c.is_ascii_alphanumeric()
                    || ('а'..='я').contains(&c)
                    || (!c.is_ascii() && c.is_alphanumeric()))
            };
            for word in text.split(split_at).filter(|w| !w.is_empty()) {
                split.word(word);
            }
            proptest::prop_assert_eq!((fast.a, fast.b), (split.a, split.b));
        }
    }

    #[test]
    fn identifiers_are_not_amounts() {
        let cases = [
            (
                "как предусмотрено указом № 597",
                "как предусмотрено указом ",
            ),
            ("№597 и №  12-а", " и "),
            ("без номера", "без номера"),
        ];
        for (text, want) in cases {
            assert_eq!(drop_identifiers(text), want, "{text:?}");
        }
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
}
