//! The document model: built once by [`assemble`], formatted by every
//! renderer.
//!
//! # Borrowed from the input
//!
//! The model borrows what it shows from the [`Input`] rather than copying
//! it: an idea's text is the representative proposal's own, the names of
//! districts, regions, themes, levels and kinds are the catalogue's, and an
//! idea's [`Members`] are the cluster's list of proposal indexes, read
//! back from the proposals when a document is written ([`Members::iter`]).
//! The owned model it replaces held five strings per member and several
//! per idea.
//!
//! # Built in order
//!
//! [`assemble`] first copies the catalogue labels of every proposal into a
//! packed array, 9 bytes each, read in order; the clusters then count
//! their members' labels there ([`Tally`]) rather than across the
//! proposals, a few hundred bytes each. Every cluster is placed: its
//! section (theme and level by majority) and its rank there (districts,
//! proposals, cluster id), small keys sorted instead of the items. The
//! items are then built in their final order, a batch at a time on rayon's
//! threads, each batch's input read first ([`warm`]); the order is the
//! keys', so the model is the same for any number of threads.
//!
//! At a million generated proposals (650,000 ideas; `cargo run --release
//! -p sborka-roadmap --example render_bench -- 1000000`, CPU time of all
//! threads): assemble 2.67 s of CPU and 1.85 s to drop a model of 1,005 MB
//! before; 0.57–0.73 s and 0.02 s for 283 MB since (0.37–0.47 s of wall
//! time on 2 threads).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Serialize, Serializer};

use sborka_core::{
    Catalog, Cluster, ClusterId, DistrictId, Facet, IdOf, Kind, Label, Level, Masked, Proposal,
    Quarantined, Reason, RegionCode, Support as Backing, ThemeId, Value,
};

use crate::changes::History;

/// The version of `roadmap.json`'s shape (see `schema/roadmap.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// The slug of the section of proposals whose theme no catalogue spelling
/// matched.
pub const UNKNOWN_THEME: &str = "unknown";
/// The slug of the section of proposals without a recognised level.
pub const UNSPECIFIED_LEVEL: &str = "unspecified";

/// The roadmap, borrowing its ideas' texts, labels and members from the
/// [`Input`] it was assembled from (`'a`).
#[derive(Clone, Debug, Serialize)]
pub struct Roadmap<'a> {
    pub schema_version: u32,
    pub title: String,
    pub subtitle: String,
    /// The date given with `--date`; no wall-clock time otherwise.
    pub date: Option<String>,
    pub sessions: Vec<Session>,
    pub totals: Totals,
    /// «Как считали»: the counting rules, with this build's numbers.
    pub method: Vec<MethodSection>,
    pub summary: Summary,
    pub themes: Vec<ThemeSection<'a>>,
    pub quarantine: Vec<QuarantineRow>,
    /// What changed since the previous build («Что изменилось с прошлой
    /// сборки»): the first build unless the caller sets the comparison
    /// ([`crate::compare`]). Written to `changes.json` by the caller, not
    /// to `roadmap.json`.
    #[serde(skip)]
    pub changes: History<'a>,
    /// The input, for the spreadsheet's proposals and quarantine sheets.
    #[serde(skip)]
    pub(crate) source: Source<'a>,
}

/// What the model was assembled from, as far as `roadmap.xlsx` lists it
/// beyond the ideas: every proposal (with its cluster) and every
/// quarantined record.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) proposals: &'a [Proposal],
    pub(crate) clusters: &'a [Cluster],
    pub(crate) quarantined: &'a [Quarantined],
}

impl std::fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("proposals", &self.proposals.len())
            .field("clusters", &self.clusters.len())
            .field("quarantined", &self.quarantined.len())
            .finish()
    }
}

impl<'a> Roadmap<'a> {
    /// The roadmap for the documents people read (HTML, DOCX, Markdown):
    /// each level keeps its first `items_per_level` ideas, the best
    /// supported, and says how many ideas and proposals it leaves out.
    /// Totals and summaries still count everything. (The renderers take
    /// the same view of the model in place, without this copy.)
    pub fn for_reading(&self, items_per_level: Option<usize>) -> Cow<'_, Roadmap<'a>> {
        let Some(limit) = items_per_level else {
            return Cow::Borrowed(self);
        };
        let over = |l: &LevelSection<'_>| l.items.len() > limit;
        if !self.themes.iter().flat_map(|t| &t.levels).any(over) {
            return Cow::Borrowed(self);
        }
        let themes = self
            .themes
            .iter()
            .map(|t| ThemeSection {
                slug: t.slug.clone(),
                name: t.name.clone(),
                proposals: t.proposals,
                ideas: t.ideas,
                levels: t
                    .levels
                    .iter()
                    .map(|l| {
                        let (items, omitted) = crate::shown(l, Some(limit));
                        LevelSection {
                            slug: l.slug.clone(),
                            name: l.name.clone(),
                            proposals: l.proposals,
                            items: items.to_vec(),
                            omitted,
                        }
                    })
                    .collect(),
            })
            .collect();
        Cow::Owned(Roadmap {
            schema_version: self.schema_version,
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            date: self.date.clone(),
            sessions: self.sessions.clone(),
            totals: self.totals.clone(),
            method: self.method.clone(),
            summary: self.summary.clone(),
            themes,
            quarantine: self.quarantine.clone(),
            changes: self.changes.clone(),
            source: self.source,
        })
    }
}

/// One heading of «Как считали» and its paragraphs (plain text).
#[derive(Clone, Debug, Serialize)]
pub struct MethodSection {
    pub title: String,
    pub paragraphs: Vec<String>,
}

/// The overview before the themes.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Short names of the districts that contributed, in catalogue order:
    /// the columns of [`ThemeRank::by_district`].
    pub districts: Vec<String>,
    /// Level names, in the order of [`ThemeRank::by_level`]: federal,
    /// regional, municipal, unspecified.
    pub levels: Vec<String>,
    /// Themes by proposals, then ideas, then document order.
    pub ranking: Vec<ThemeRank>,
    /// How many ideas have the support of 1, 2, … districts (index 0: ideas
    /// whose district is unknown).
    pub support_distribution: Vec<u64>,
    /// Ideas proposed in at least two districts: by districts, then
    /// proposals, then cluster id; at most [`TOP_IDEAS`].
    pub top_ideas: Vec<TopIdea>,
}

/// How many ideas [`Summary::top_ideas`] keeps.
pub const TOP_IDEAS: usize = 10;

/// One theme's weight in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct ThemeRank {
    pub slug: String,
    pub name: String,
    pub proposals: u64,
    pub ideas: u64,
    /// Districts that proposed anything under this theme.
    pub districts: u64,
    /// Proposals per district, in the order of [`Summary::districts`].
    pub by_district: Vec<u64>,
    /// Ideas per level, in the order of [`Summary::levels`].
    pub by_level: Vec<u64>,
}

/// An idea that several districts proposed.
#[derive(Clone, Debug, Serialize)]
pub struct TopIdea {
    pub cluster: String,
    pub text: String,
    pub theme: String,
    pub level: String,
    pub proposals: u64,
    pub districts: Vec<String>,
}

/// One district's session and what it contributed.
#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub district: String,
    pub short: String,
    pub name: String,
    pub city: String,
    pub dates: String,
    pub proposals: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Files that gave at least one record.
    pub files: u64,
    /// Records read: accepted + quarantined.
    pub records: u64,
    pub proposals: u64,
    /// Distinct ideas: roadmap items.
    pub ideas: u64,
    pub districts: u64,
    pub regions: u64,
    pub quarantined: u64,
    pub unknown_theme: u64,
    /// Proposals whose theme was inferred from their text.
    pub inferred_theme: u64,
    pub unknown_level: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ThemeSection<'a> {
    /// Catalogue slug, or [`UNKNOWN_THEME`].
    pub slug: String,
    pub name: String,
    pub proposals: u64,
    pub ideas: u64,
    pub levels: Vec<LevelSection<'a>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LevelSection<'a> {
    /// `federal`, `regional`, `municipal` or [`UNSPECIFIED_LEVEL`].
    pub slug: String,
    pub name: String,
    pub proposals: u64,
    pub items: Vec<Item<'a>>,
    /// Ideas left out of the reading documents by [`Roadmap::for_reading`]
    /// (never in `roadmap.json`, which lists every idea).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omitted: Option<Omitted>,
}

/// What a reading document leaves out of one level: the ideas after the
/// first N, which stay in `roadmap.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub ideas: u64,
    pub proposals: u64,
}

/// One idea: a cluster of proposals.
#[derive(Clone, Debug, Serialize)]
pub struct Item<'a> {
    /// Written `c` and 16 hexadecimal digits.
    pub cluster: ClusterId,
    /// The representative proposal's text, as written.
    pub text: &'a str,
    /// Kind names carried by the members, most frequent first.
    pub kinds: Vec<&'a str>,
    pub support: Support<'a>,
    /// Other catalogue themes that members carried.
    pub other_themes: Vec<&'a str>,
    /// Other levels that members carried.
    pub other_levels: Vec<&'a str>,
    /// Theme and level spellings the catalogue did not know.
    pub raw_labels: Vec<String>,
    pub members: Members<'a>,
}

/// How much backing an idea has. `verbatim` members repeat another member's
/// text and add no independent support.
#[derive(Clone, Debug, Serialize)]
pub struct Support<'a> {
    pub proposals: u64,
    /// Short names of the districts, in catalogue order.
    pub districts: Vec<&'a str>,
    /// Region names, sorted by code.
    pub regions: Vec<Cow<'a, str>>,
    pub verbatim: u64,
}

/// An idea's proposals: the cluster's indexes into the input, read back
/// as [`Member`]s when a document is written, so that the model holds no
/// copy of them.
#[derive(Clone, Copy)]
pub struct Members<'a> {
    indices: &'a [u32],
    proposals: &'a [Proposal],
    catalog: &'a Catalog,
}

impl<'a> Members<'a> {
    /// How many proposals the idea has.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The proposals, in input order. (A cluster indexes the proposals it
    /// was made from; an index past their end would be skipped.)
    pub fn proposals(&self) -> impl Iterator<Item = &'a Proposal> + 'a {
        let proposals = self.proposals;
        self.indices
            .iter()
            .filter_map(move |&i| proposals.get(i as usize))
    }

    /// Each proposal with its provenance and catalogue names.
    pub fn iter(&self) -> impl Iterator<Item = Member<'a>> + 'a {
        let catalog = self.catalog;
        self.proposals().map(move |p| Member {
            id: IdOf(&p.source),
            file: &p.source.file,
            record: p.source.record,
            source_id: p.source.source_id.as_deref(),
            district: p
                .facets
                .district
                .known()
                .map(|d| catalog.district_info(d).short.as_str()),
            region: p.facets.region.known().map(|r| region_name(catalog, r)),
        })
    }
}

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl std::fmt::Debug for Members<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One proposal of an idea, as the documents show it.
#[derive(Clone, Debug, Serialize)]
pub struct Member<'a> {
    /// Made from the provenance (`FILE#RECORD`) when it is written:
    /// proposals do not store it.
    pub id: IdOf<'a>,
    pub file: &'a str,
    pub record: u64,
    pub source_id: Option<&'a str>,
    /// The district's short name.
    pub district: Option<&'a str>,
    pub region: Option<Cow<'a, str>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuarantineRow {
    pub file: String,
    pub reason: Reason,
    pub description: String,
    pub count: u64,
}

/// Everything [`assemble`] needs.
pub struct Input<'a> {
    pub catalog: &'a Catalog,
    /// Accepted proposals, in the order clusters index them.
    pub proposals: &'a [Proposal],
    pub clusters: &'a [Cluster],
    pub quarantined: &'a [Quarantined],
    /// What ingest kept out of every record (ingest's per-file counts
    /// summed), for «Как считали».
    pub masked: Masked,
    pub date: Option<String>,
    /// How the build merged proposals into ideas, for «Как считали».
    pub merging: Merging,
}

/// How a build merged proposals into ideas: what the method section says
/// (from the build, so that it cannot go stale).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merging {
    /// The pair model's operating point (the least probability for two
    /// texts to merge).
    pub operating_point: f32,
    /// Analysts' answers, when the build was given any.
    pub decisions: Option<Decisions>,
}

/// What analysts' answers did to a build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Answers applied.
    pub applied: usize,
    /// Pairs of ideas analysts merged that the machine kept apart, and
    /// proposals they took out of an idea the machine had made.
    pub merged: usize,
    pub split: usize,
    /// Answers set aside: stale (their texts are gone) or conflicting.
    pub stale: usize,
    pub conflicting: usize,
}

/// Builds the document: themes in catalogue order (unknown last), levels
/// federal → municipal (unspecified last), items by districts, then
/// proposals, then cluster id.
pub fn assemble<'a>(input: &Input<'a>) -> Roadmap<'a> {
    let c = input.catalog;
    let ps = input.proposals;
    // What assembling reads of each proposal, read once in order: the
    // clusters then look their members up in 9 bytes each rather than
    // across the proposals, which take hundreds.
    let labels: Vec<Labels> = ps.par_iter().map(Labels::of).collect();

    // Each cluster's section and rank, sorted: the order of the items.
    let mut places: Vec<Place> = input
        .clusters
        .par_iter()
        .enumerate()
        .map_init(Tally::default, |tally, (index, cluster)| {
            tally.count(cluster, &labels);
            Place {
                theme: tally.theme(),
                level: tally.level(),
                districts: tally.support.districts.len() as u32,
                proposals: cluster.members.len() as u32,
                id: cluster.id,
                index: index as u32,
            }
        })
        .collect();
    // The index makes every key distinct: an unstable sort gives the one
    // order a stable sort of the items by rank would.
    places.par_sort_unstable_by(|a, b| {
        a.section()
            .cmp(&b.section())
            .then(b.districts.cmp(&a.districts))
            .then(b.proposals.cmp(&a.proposals))
            .then(a.id.cmp(&b.id))
            .then(a.index.cmp(&b.index))
    });

    let mut themes: Vec<ThemeSection<'a>> = Vec::new();
    for run in places.chunk_by(|a, b| a.section() == b.section()) {
        let first = &run[0];
        let items: Vec<Item<'a>> = run
            .par_chunks(WARM)
            .flat_map_iter(|chunk| {
                let labels = &labels;
                let mut tally = Tally::default();
                warm(chunk, input.clusters, ps, labels);
                chunk.iter().map(move |place| {
                    let cluster = &input.clusters[place.index as usize];
                    item(c, ps, labels, cluster, place, &mut tally)
                })
            })
            .collect();
        let (slug, name) = match first.theme {
            Some(t) => {
                let t = c.theme_info(t);
                (t.slug.clone(), t.name.clone())
            }
            None => (
                UNKNOWN_THEME.to_string(),
                capitalize(&c.display(Value::Unplaced(Facet::Theme))),
            ),
        };
        if themes.last().is_none_or(|t| t.slug != slug) {
            themes.push(ThemeSection {
                slug,
                name,
                proposals: 0,
                ideas: 0,
                levels: Vec::new(),
            });
        }
        let Some(section) = themes.last_mut() else {
            continue; // pushed above
        };
        let proposals: u64 = items.iter().map(|i| i.support.proposals).sum();
        section.ideas += items.len() as u64;
        section.proposals += proposals;
        let (slug, name) = match first.level {
            Some(level) => (
                level.slug().to_string(),
                capitalize(&c.level_info(level).name),
            ),
            None => (
                UNSPECIFIED_LEVEL.to_string(),
                capitalize(&c.display(Value::Unplaced(Facet::Level))),
            ),
        };
        section.levels.push(LevelSection {
            slug,
            name,
            proposals,
            items,
            omitted: None,
        });
    }

    // One pass over the proposals for the sessions and totals.
    let mut per_district = vec![0u64; c.districts().len()];
    let mut regions = [false; 256];
    let (mut unknown_theme, mut unknown_level, mut inferred_theme) = (0, 0, 0);
    let mut files: BTreeSet<&str> = BTreeSet::new();
    let mut last_file = None;
    for (p, l) in ps.iter().zip(&labels) {
        if let Some(n) = l
            .district
            .and_then(|d| per_district.get_mut(usize::from(d.0)))
        {
            *n += 1;
        }
        if let Some(r) = l.region {
            regions[usize::from(r.0)] = true;
        }
        unknown_theme += u64::from(l.theme.is_none());
        inferred_theme += u64::from(p.theme_confidence.is_some());
        unknown_level += u64::from(l.level.is_none());
        // Proposals come file by file: look a file up once per run.
        if last_file != Some(&*p.source.file) {
            last_file = Some(&p.source.file);
            files.insert(&p.source.file);
        }
    }
    files.extend(input.quarantined.iter().map(|q| &*q.source.file));
    let (session_districts, sessions): (Vec<DistrictId>, Vec<Session>) = c
        .districts()
        .zip(&per_district)
        .filter(|(_, n)| **n > 0)
        .map(|((id, d), &proposals)| {
            let session = Session {
                district: d.slug.clone(),
                short: d.short.clone(),
                name: d.name.clone(),
                city: d.session_city.clone(),
                dates: d.session_dates.clone(),
                proposals,
            };
            (id, session)
        })
        .unzip();

    let mut quarantine: BTreeMap<(&str, Reason), u64> = BTreeMap::new();
    for q in input.quarantined {
        *quarantine.entry((&q.source.file, q.reason)).or_default() += 1;
    }
    let quarantine = quarantine
        .into_iter()
        .map(|((file, reason), count)| QuarantineRow {
            file: file.to_string(),
            reason,
            description: reason.describe_ru().to_string(),
            count,
        })
        .collect();

    let totals = Totals {
        files: files.len() as u64,
        records: (ps.len() + input.quarantined.len()) as u64,
        proposals: ps.len() as u64,
        ideas: input.clusters.len() as u64,
        districts: session_districts.len() as u64,
        regions: regions.iter().filter(|&&seen| seen).count() as u64,
        quarantined: input.quarantined.len() as u64,
        unknown_theme,
        inferred_theme,
        unknown_level,
    };

    let summary = summary(c, &labels, &session_districts, &sessions, &themes);
    let method = crate::method::method(&totals, input.quarantined, &input.merging, &input.masked);
    Roadmap {
        schema_version: SCHEMA_VERSION,
        title: "Образ будущего 2025 — дорожная карта".to_string(),
        subtitle: "Сводные предложения и инициативы стратегических сессий федеральных округов \
                   «Образ будущего социальной сферы России»"
            .to_string(),
        date: input.date.clone(),
        sessions,
        totals,
        method,
        summary,
        themes,
        quarantine,
        changes: History::First,
        source: Source {
            catalog: c,
            proposals: ps,
            clusters: input.clusters,
            quarantined: input.quarantined,
        },
    }
}

/// Where a cluster's item goes, worked out before the item is built.
struct Place {
    /// The theme and level most of its members carry.
    theme: Option<ThemeId>,
    level: Option<Level>,
    /// The rank within the section: districts, proposals, id.
    districts: u32,
    proposals: u32,
    id: ClusterId,
    /// The cluster's position in the input.
    index: u32,
}

impl Place {
    /// Themes in catalogue order, then levels federal → municipal; the
    /// unknown theme and the unspecified level last.
    fn section(&self) -> (usize, usize) {
        (
            self.theme.map_or(usize::MAX, |t| usize::from(t.0)),
            self.level.map_or(usize::MAX, Level::index),
        )
    }
}

/// The catalogue labels of a proposal.
#[derive(Clone, Copy)]
struct Labels {
    theme: Option<ThemeId>,
    level: Option<Level>,
    kind: Option<Kind>,
    district: Option<DistrictId>,
    region: Option<RegionCode>,
    /// Whether the theme or the level is a spelling the catalogue did not
    /// know (see [`Item::raw_labels`]).
    unknown: bool,
}

impl Labels {
    fn of(p: &Proposal) -> Labels {
        let f = &p.facets;
        Labels {
            theme: f.theme.known(),
            level: f.level.known(),
            kind: f.kind.known(),
            district: f.district.known(),
            region: f.region.known(),
            unknown: matches!(f.theme, Label::Unknown(_)) || matches!(f.level, Label::Unknown(_)),
        }
    }
}

/// The labels a cluster's members carry, counted; the buffers are reused
/// from one cluster to the next.
#[derive(Default)]
struct Tally {
    /// Known themes, sorted, with repeats.
    themes: Vec<ThemeId>,
    /// The idea's support: its districts and regions from the labels.
    support: Backing,
    /// Members per level, by [`Level::index`].
    levels: [u32; Level::ALL.len()],
    /// Members per kind, by [`Kind::index`].
    kinds: [u32; Kind::ALL.len()],
}

impl Tally {
    fn count(&mut self, cluster: &Cluster, labels: &[Labels]) {
        self.themes.clear();
        self.levels = Default::default();
        self.kinds = Default::default();
        self.support.gather(cluster, |m| {
            let l = labels.get(m as usize)?;
            Some((l.district, l.region))
        });
        for l in cluster
            .members
            .iter()
            .filter_map(|&i| labels.get(i as usize))
        {
            self.themes.extend(l.theme);
            if let Some(level) = l.level {
                self.levels[level.index()] += 1;
            }
            if let Some(kind) = l.kind {
                self.kinds[kind.index()] += 1;
            }
        }
        self.themes.sort_unstable();
    }

    /// The most frequent theme, ties going to the first in the catalogue.
    fn theme(&self) -> Option<ThemeId> {
        majority(&self.themes)
    }

    /// The most frequent level, ties going to the first (federal).
    fn level(&self) -> Option<Level> {
        most(&Level::ALL, &self.levels).next()
    }

    /// The kinds carried, most frequent first, ties in catalogue order.
    fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        most(&Kind::ALL, &self.kinds)
    }
}

/// The most frequent of sorted values, ties going to the smallest.
fn majority<T: Ord + Copy>(sorted: &[T]) -> Option<T> {
    let mut best: Option<&[T]> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        if best.is_none_or(|b| run.len() > b.len()) {
            best = Some(run);
        }
    }
    best.and_then(|run| run.first().copied())
}

/// The values counted at least once, by count (descending), ties in the
/// order of `all`.
fn most<'t, T: Copy, const N: usize>(
    all: &'t [T; N],
    counts: &'t [u32; N],
) -> impl Iterator<Item = T> + 't {
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    // Stable: equal counts keep the order of `all`.
    order.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    order
        .into_iter()
        .filter(move |&i| counts[i] > 0)
        .map(move |i| all[i])
}

/// The overview: computed from the sections, so it cannot disagree with them.
fn summary(
    c: &Catalog,
    labels: &[Labels],
    session_districts: &[DistrictId],
    sessions: &[Session],
    themes: &[ThemeSection<'_>],
) -> Summary {
    let districts: Vec<String> = sessions.iter().map(|s| s.short.clone()).collect();
    // The column of each district of the catalogue, if it has one.
    let mut column: Vec<Option<usize>> = vec![None; c.districts().len()];
    for (i, d) in session_districts.iter().enumerate() {
        if let Some(slot) = column.get_mut(usize::from(d.0)) {
            *slot = Some(i);
        }
    }
    let mut levels: Vec<String> = Level::ALL.iter().map(|l| l.slug().to_string()).collect();
    levels.push(UNSPECIFIED_LEVEL.to_string());
    let mut level_names: Vec<String> = Level::ALL
        .iter()
        .map(|l| capitalize(&c.level_info(*l).name))
        .collect();
    level_names.push(capitalize(&c.display(Value::Unplaced(Facet::Level))));
    let mut distribution = vec![0u64; districts.len() + 1];
    // Ideas from two districts or more, with their theme and level.
    let mut top: Vec<(&Item<'_>, &ThemeSection<'_>, &LevelSection<'_>)> = Vec::new();
    let mut ranking: Vec<(usize, ThemeRank)> = Vec::new();
    for (order, theme) in themes.iter().enumerate() {
        let mut by_district = vec![0u64; districts.len()];
        let mut by_level = vec![0u64; levels.len()];
        for level in &theme.levels {
            let li = levels
                .iter()
                .position(|l| *l == level.slug)
                .unwrap_or(levels.len() - 1);
            by_level[li] += level.items.len() as u64;
            for item in &level.items {
                let k = item.support.districts.len();
                if let Some(slot) = distribution.get_mut(k) {
                    *slot += 1;
                }
                for l in item
                    .members
                    .indices
                    .iter()
                    .filter_map(|&i| labels.get(i as usize))
                {
                    let cell = l
                        .district
                        .and_then(|d| column.get(usize::from(d.0)).copied().flatten())
                        .and_then(|i| by_district.get_mut(i));
                    if let Some(cell) = cell {
                        *cell += 1;
                    }
                }
                if k >= 2 {
                    top.push((item, theme, level));
                }
            }
        }
        ranking.push((
            order,
            ThemeRank {
                slug: theme.slug.clone(),
                name: theme.name.clone(),
                proposals: theme.proposals,
                ideas: theme.ideas,
                districts: by_district.iter().filter(|&&n| n > 0).count() as u64,
                by_district,
                by_level,
            },
        ));
    }
    ranking.sort_by(|(ao, a), (bo, b)| {
        b.proposals
            .cmp(&a.proposals)
            .then(b.ideas.cmp(&a.ideas))
            .then(ao.cmp(bo))
    });
    top.sort_by(|(a, ..), (b, ..)| {
        b.support
            .districts
            .len()
            .cmp(&a.support.districts.len())
            .then(b.support.proposals.cmp(&a.support.proposals))
            .then(a.cluster.cmp(&b.cluster))
    });
    let top_ideas = top
        .into_iter()
        .take(TOP_IDEAS)
        .map(|(item, theme, level)| TopIdea {
            cluster: item.cluster.to_string(),
            text: item.text.to_string(),
            theme: theme.name.clone(),
            level: level.name.clone(),
            proposals: item.support.proposals,
            districts: item
                .support
                .districts
                .iter()
                .map(|d| d.to_string())
                .collect(),
        })
        .collect();
    Summary {
        districts,
        levels: level_names,
        ranking: ranking.into_iter().map(|(_, r)| r).collect(),
        support_distribution: distribution,
        top_ideas,
    }
}

/// How many items [`warm`] reads ahead.
const WARM: usize = 64;

/// Reads what the next [`WARM`] items of `places` are made of. The
/// clusters are taken in the order of their items, not their own, so each
/// of these reads waits on memory: here they do not wait for one another,
/// where building the items, one after another, would wait for each in
/// turn.
fn warm(places: &[Place], clusters: &[Cluster], ps: &[Proposal], labels: &[Labels]) {
    let mut x = 0;
    let places = places.iter().take(WARM);
    for cluster in places.filter_map(|p| clusters.get(p.index as usize)) {
        for &m in &cluster.members {
            x ^= labels.get(m as usize).map_or(0, |l| u8::from(l.unknown));
        }
        let text = ps
            .get(cluster.representative as usize)
            .map(|p| p.text.as_bytes());
        x ^= text.and_then(|t| t.first()).copied().unwrap_or(0);
    }
    std::hint::black_box(x);
}

/// The item of `cluster`, placed at `place`.
fn item<'a>(
    c: &'a Catalog,
    ps: &'a [Proposal],
    labels: &[Labels],
    cluster: &'a Cluster,
    place: &Place,
    tally: &mut Tally,
) -> Item<'a> {
    tally.count(cluster, labels);
    let members = Members {
        indices: &cluster.members,
        proposals: ps,
        catalog: c,
    };
    let other_themes = tally
        .themes
        .chunk_by(|a, b| a == b)
        .filter_map(|run| run.first().copied())
        .filter(|&t| Some(t) != place.theme)
        .map(|t| c.theme_info(t).name.as_str())
        .collect();
    let other_levels = Level::ALL
        .iter()
        .filter(|l| tally.levels[l.index()] > 0 && Some(**l) != place.level)
        .map(|&l| c.level_info(l).name.as_str())
        .collect();
    let mut raw_labels = Vec::new();
    let unknown = |&&i: &&u32| labels.get(i as usize).is_some_and(|l| l.unknown);
    for p in cluster
        .members
        .iter()
        .filter(unknown)
        .filter_map(|&i| ps.get(i as usize))
    {
        if let Label::Unknown(raw) = &p.facets.theme {
            raw_labels.push(format!("тема: {raw}"));
        }
        if let Label::Unknown(raw) = &p.facets.level {
            raw_labels.push(format!("уровень: {raw}"));
        }
    }
    raw_labels.sort_unstable();
    raw_labels.dedup();
    Item {
        cluster: cluster.id,
        text: ps
            .get(cluster.representative as usize)
            .map_or("", |p| p.text.as_str()),
        kinds: tally
            .kinds()
            .map(|k| c.kind_info(k).name.as_str())
            .collect(),
        support: Support {
            proposals: u64::from(tally.support.proposals),
            districts: tally
                .support
                .districts
                .iter()
                .map(|&d| c.district_info(d).short.as_str())
                .collect(),
            regions: tally
                .support
                .regions
                .iter()
                .map(|&r| region_name(c, r))
                .collect(),
            verbatim: u64::from(tally.support.verbatim),
        },
        other_themes,
        other_levels,
        raw_labels,
        members,
    }
}

/// The region's catalogue name, or its code when the catalogue has none.
pub(crate) fn region_name(c: &Catalog, r: RegionCode) -> Cow<'_, str> {
    c.region_info(r).map_or_else(
        || Cow::Owned(r.0.to_string()),
        |r| Cow::Borrowed(r.name.as_str()),
    )
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_breaks_ties_by_order() {
        assert_eq!(majority(&[1, 1, 3, 3]), Some(1));
        assert_eq!(majority(&[2, 3, 3]), Some(3));
        assert_eq!(majority::<u8>(&[]), None);
    }

    #[test]
    fn most_counts_first_then_order() {
        let all = ['a', 'b', 'c', 'd'];
        assert_eq!(most(&all, &[1, 3, 0, 3]).collect::<String>(), "bda");
        assert_eq!(most(&all, &[0; 4]).count(), 0);
    }
}
