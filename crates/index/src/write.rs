//! Writing the index: the proposals, cluster by cluster (each cluster's
//! representative first), cut at cluster starts into parts written side by
//! side by tantivy's `SegmentWriter`s and kept as segments in build order.

use super::*;

/// Settings of [`build`].
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Parts the documents are cut into (of at least `min_part_docs`):
    /// they are indexed side by side as rayon tasks, in the pool the caller
    /// runs in, and kept as segments in build order, so the answers are the
    /// same for any number.
    pub parts: usize,
    /// Bytes the writers of the parts running at once (one per thread of
    /// the pool) may hold together: a part's writer lays its segment on
    /// disk and starts another when it holds its share.
    pub memory: usize,
    /// The fewest documents a part is given (below, fewer parts): a part
    /// costs a writer and a segment.
    pub min_part_docs: usize,
    /// The most documents in one segment: a part's writer starts a new
    /// segment at the first cluster past it (or past [`Self::memory`]).
    pub segment_docs: usize,
    /// The lexicon searches will expand queries with: the lemmas of its
    /// forms are kept with the index's own words (see [`LEMMAS_FILE`]).
    pub lexicon: Option<Arc<sborka_text::Lexicon>>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            parts: 1,
            memory: 200_000_000,
            min_part_docs: 5_000,
            segment_docs: 1 << 30,
            lexicon: None,
        }
    }
}

/// Writes a new index of `proposals` into `dir`, which must not exist or be
/// empty, each with its cluster's id and [`Support`].
///
/// The documents are the clusters' members, cluster by cluster, each
/// cluster's representative first. They are cut, at cluster starts, into
/// [`BuildOptions::parts`] parts (of at least
/// [`BuildOptions::min_part_docs`] each); the parts are indexed side by
/// side as rayon tasks, each writing its own segments in order, and the
/// segments are listed in build order. Document order is thus build order
/// whatever the number of parts, and the searcher answers every query the
/// same way: ranking ties are broken by address.
pub fn build(
    dir: &Path,
    proposals: &[Proposal],
    clusters: &[Cluster],
    catalog: &Catalog,
    options: &BuildOptions,
) -> Result<()> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let facts = ClusterFacts::gather(proposals, clusters, catalog);
    let docs = facts.docs.len();
    let parts = options
        .parts
        .clamp(1, 8)
        .min(docs.div_ceil(options.min_part_docs.max(1)))
        .max(1);
    let ranges = facts.parts(parts);
    let limits = SegmentLimits {
        // Shared by the parts that run at once: one per thread of the pool.
        memory: (options.memory / ranges.len().min(rayon::current_num_threads()).max(1))
            .clamp(15_000_000, 4_000_000_000),
        docs: options.segment_docs.max(1),
    };
    let (schema, fields) = schema();
    // Each part compresses its stored documents on its own thread (tantivy
    // would give every segment writer a second thread for it, waiting on
    // each other over a channel: 50,000 proposals, `--threads 1`, 1.085 →
    // 1.035 CPU-s).
    let settings = tantivy::IndexSettings {
        docstore_compress_dedicated_thread: false,
        ..Default::default()
    };
    let directory = directory::BuildDirectory::open(dir)?;
    let index = Index::create(directory.clone(), schema, settings)?;
    // The analysis keeps every lemma it asked the dictionary for: written
    // beside the index, they spare a search the dictionary's loading.
    let morphology = Arc::new(sborka_text::Morphology::recording()?);
    let analyzer = sborka_text::Analyzer::lemmatizing(morphology.clone());
    analyzer::register(&index, &analyzer);
    if let Some(lexicon) = &options.lexicon {
        drop(Expander::new(lexicon, &analyzer));
    }
    let part = |range: &Range<usize>| write_part(&index, proposals, range, &facts, fields, limits);
    // The parts are rayon tasks: they share the pool with whatever else
    // the caller runs beside the index (the documents, in `sborka build`).
    // Each task takes the next part, largest first.
    let next = AtomicUsize::new(0);
    let written: Mutex<Vec<(usize, Result<Vec<SegmentMeta>>)>> = Mutex::default();
    rayon::scope(|scope| {
        for _ in 0..ranges.len().min(rayon::current_num_threads()) {
            scope.spawn(|_| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = ranges.get(k) else { break };
                    let result = part(range);
                    written
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((k, result));
                }
            });
        }
    });
    let mut written = written.into_inner().unwrap_or_else(PoisonError::into_inner);
    written.sort_unstable_by_key(|&(k, _)| k);
    let written = written.into_iter().map(|(_, result)| result);
    let mut meta = index.load_metas()?;
    for segments in written {
        meta.segments.extend(segments?);
    }
    meta.opstamp = docs as u64;
    // tantivy's own files (`.managed.json`), then the segments' meta.
    directory.write_held().map_err(io(dir))?;
    let path = dir.join("meta.json");
    let json = serde_json::to_string_pretty(&meta).expect("index meta serializes");
    std::fs::write(&path, json).map_err(io(&path))?;
    let meta = Meta {
        format: FORMAT,
        sborka: env!("CARGO_PKG_VERSION").to_string(),
        facets: facets::Names::of(catalog),
    };
    let meta = serde_json::to_string(&meta).expect("meta serializes");
    std::fs::write(dir.join(META_FILE), meta).map_err(io(dir))?;
    let mut lemmas = String::new();
    for (word, lemma) in morphology.answers() {
        lemmas.push_str(&word);
        lemmas.push('\t');
        lemmas.push_str(&lemma);
        lemmas.push('\n');
    }
    let path = dir.join(LEMMAS_FILE);
    std::fs::write(&path, lemmas).map_err(io(&path))?;
    Ok(())
}

/// What every document needs to know of its cluster, decided over all
/// documents before they are cut into parts.
struct ClusterFacts<'c> {
    /// Per document, in build order: its proposal.
    docs: Vec<u32>,
    /// Per document: its cluster's number (its place in the clusters).
    ords: Vec<u64>,
    /// Per cluster number: its first document's number and its size.
    spans: Vec<(u64, u64)>,
    /// Per cluster number: its id, its proposals and its districts as
    /// slugs, sorted (from its [`Support`]).
    support: Vec<(ClusterId, u64, Vec<&'c str>)>,
}

impl<'c> ClusterFacts<'c> {
    /// The documents, cluster by cluster, each cluster's representative
    /// first and then its other members in order, and the facts.
    fn gather(
        proposals: &[Proposal],
        clusters: &[Cluster],
        catalog: &'c Catalog,
    ) -> ClusterFacts<'c> {
        let mut facts = ClusterFacts {
            docs: Vec::with_capacity(proposals.len()),
            ords: Vec::with_capacity(proposals.len()),
            spans: Vec::with_capacity(clusters.len()),
            support: Vec::with_capacity(clusters.len()),
        };
        let mut support = Support::default();
        for (ord, cluster) in clusters.iter().enumerate() {
            let from = facts.docs.len();
            let others = cluster
                .members
                .iter()
                .copied()
                .filter(|&m| m != cluster.representative);
            for m in std::iter::once(cluster.representative).chain(others) {
                if (m as usize) < proposals.len() {
                    facts.docs.push(m);
                    facts.ords.push(ord as u64);
                }
            }
            facts
                .spans
                .push((from as u64, (facts.docs.len() - from) as u64));
            support.gather(cluster, |m| {
                let f = &proposals.get(m as usize)?.facets;
                Some((f.district.known(), f.region.known()))
            });
            let mut districts: Vec<&'c str> = support
                .districts
                .iter()
                .map(|&d| catalog.district_info(d).slug.as_str())
                .collect();
            districts.sort_unstable();
            facts
                .support
                .push((cluster.id, u64::from(support.proposals), districts));
        }
        facts
    }
}

impl ClusterFacts<'_> {
    /// Cuts the documents into at most `parts` ranges, each cut at the
    /// start of a cluster (a cluster lives in one segment), of decreasing
    /// size: part k of n holds about n − k shares. Taken largest first, the
    /// parts end together: the last to start is the smallest, so no worker
    /// writes a big part alone at the end while the others wait.
    fn parts(&self, parts: usize) -> Vec<Range<usize>> {
        let total = self.ords.len();
        let n = parts.max(1);
        let shares = n * (n + 1) / 2;
        // The documents before the end of part k: k + 1 parts' shares.
        let end = |k: usize| {
            let before: usize = (0..=k).map(|j| n - j).sum();
            total * before / shares
        };
        let mut ranges = Vec::new();
        let mut start = 0;
        for &(from, _) in &self.spans {
            let from = from as usize;
            if ranges.len() + 1 < n && from > start && from >= end(ranges.len()) {
                ranges.push(start..from);
                start = from;
            }
        }
        ranges.push(start..total);
        ranges
    }
}

/// Indexes the documents numbered `range`, into new segments of `index`,
/// in order: a segment is closed at a cluster start once it holds
/// `limits`. Returns the segments in document order.
///
/// Segment writers are used directly, not through an `IndexWriter`: that
/// one hands every document to a thread of its own over a channel, and the
/// two threads spent about a tenth of the stage's CPU waiting on each
/// other; nor is anything merged or committed (the caller lists the
/// segments in `meta.json`).
fn write_part(
    index: &Index,
    proposals: &[Proposal],
    range: &Range<usize>,
    facts: &ClusterFacts<'_>,
    f: Fields,
    limits: SegmentLimits,
) -> Result<Vec<SegmentMeta>> {
    let mut segments = Vec::new();
    let mut segment = index.new_segment();
    let mut writer = SegmentWriter::for_segment(TERM_TABLE_BUDGET, segment.clone())?;
    let mut checked = 0;
    let mut packed = Vec::new();
    for ord in range.clone() {
        let cluster_ord = facts.ords[ord];
        let (from, members) = facts.spans[cluster_ord as usize];
        // A segment is closed only where a cluster starts (a cluster's
        // documents are counted by range, in one segment), when it is full.
        // Its memory is looked at every so many documents.
        let held = writer.max_doc() as usize;
        if from == ord as u64 && held > 0 {
            let full = held >= limits.docs
                || (held >= checked + 64 && {
                    checked = held;
                    writer.mem_usage() >= limits.memory
                });
            if full {
                let new = index.new_segment();
                let new_writer = SegmentWriter::for_segment(TERM_TABLE_BUDGET, new.clone())?;
                let full_writer = std::mem::replace(&mut writer, new_writer);
                segments.push(finish(std::mem::replace(&mut segment, new), full_writer)?);
                checked = 0;
            }
        }
        let p = &proposals[facts.docs[ord] as usize];
        let (cluster, cluster_proposals, districts) = &facts.support[cluster_ord as usize];
        let mut doc = TantivyDocument::default();
        doc.add_text(f.text, &p.text);
        doc.add_u64(f.facets, facets::pack(p));
        doc.add_u64(f.cluster_ord, cluster_ord);
        let stored = Stored {
            cluster: cluster.0,
            members_from: from,
            members,
            cluster_proposals: *cluster_proposals,
            cluster_districts: districts.len() as u64,
            file: &p.source.file,
            sheet: p.source.sheet.as_deref(),
            record: p.source.record,
            line: p.source.line,
            source_id: p.source.source_id.as_deref(),
            districts: if from == ord as u64 {
                districts.clone()
            } else {
                Vec::new()
            },
        };
        packed.clear();
        stored.write(&mut packed);
        doc.add_bytes(f.stored, &packed);
        writer.add_document(AddOperation {
            opstamp: ord as u64,
            document: doc,
        })?;
    }
    if writer.max_doc() > 0 {
        segments.push(finish(segment, writer)?);
    }
    Ok(segments)
}

/// The memory budget a segment writer is told of. tantivy sizes the table
/// of a segment's terms from it alone (a third of it, at most 2^19 slots:
/// 4 MB, filled at the start and walked to the end however few terms the
/// segment has); the table doubles when it fills, so it starts at 2^15
/// slots here. When a segment is closed is decided by
/// [`SegmentLimits::memory`], not by this.
const TERM_TABLE_BUDGET: usize = 1_500_000;

/// When a part closes a segment and opens the next.
#[derive(Clone, Copy)]
struct SegmentLimits {
    /// Bytes held by the segment's writer.
    memory: usize,
    /// Documents in the segment.
    docs: usize,
}

/// Lays a segment's writer on disk and returns the segment's meta.
fn finish(segment: tantivy::Segment, writer: SegmentWriter) -> Result<SegmentMeta> {
    let docs = writer.max_doc();
    writer.finalize()?;
    Ok(segment.with_max_doc(docs).meta().clone())
}
