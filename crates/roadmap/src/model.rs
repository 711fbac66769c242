//! The document model: built once by [`assemble`], formatted by every
//! renderer.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use sborka_core::{Catalog, Cluster, Label, Level, Proposal, Quarantined, Reason, ThemeId};

/// The version of `roadmap.json`'s shape (see `schema/roadmap.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// The slug of the section of proposals whose theme no catalogue spelling
/// matched.
pub const UNKNOWN_THEME: &str = "unknown";
/// The slug of the section of proposals without a recognised level.
pub const UNSPECIFIED_LEVEL: &str = "unspecified";

#[derive(Clone, Debug, Serialize)]
pub struct Roadmap {
    pub schema_version: u32,
    pub title: String,
    pub subtitle: String,
    /// The date given with `--date`; no wall-clock time otherwise.
    pub date: Option<String>,
    pub sessions: Vec<Session>,
    pub totals: Totals,
    pub themes: Vec<ThemeSection>,
    pub quarantine: Vec<QuarantineRow>,
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
    /// Records read: accepted + quarantined.
    pub records: u64,
    pub proposals: u64,
    /// Distinct ideas: roadmap items.
    pub ideas: u64,
    pub districts: u64,
    pub regions: u64,
    pub quarantined: u64,
    pub unknown_theme: u64,
    pub unknown_level: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ThemeSection {
    /// Catalogue slug, or [`UNKNOWN_THEME`].
    pub slug: String,
    pub name: String,
    pub proposals: u64,
    pub ideas: u64,
    pub levels: Vec<LevelSection>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LevelSection {
    /// `federal`, `regional`, `municipal` or [`UNSPECIFIED_LEVEL`].
    pub slug: String,
    pub name: String,
    pub items: Vec<Item>,
}

/// One idea: a cluster of proposals.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub cluster: String,
    /// The representative proposal's text, as written.
    pub text: String,
    /// Kind names carried by the members, most frequent first.
    pub kinds: Vec<String>,
    pub support: Support,
    /// Other catalogue themes that members carried.
    pub other_themes: Vec<String>,
    /// Other levels that members carried.
    pub other_levels: Vec<String>,
    /// Theme and level spellings the catalogue did not know.
    pub raw_labels: Vec<String>,
    pub members: Vec<Member>,
}

/// How much backing an idea has. `verbatim` members repeat another member's
/// text and add no independent support.
#[derive(Clone, Debug, Serialize)]
pub struct Support {
    pub proposals: u64,
    /// Short names of the districts, in catalogue order.
    pub districts: Vec<String>,
    /// Region names, sorted by code.
    pub regions: Vec<String>,
    pub verbatim: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub id: String,
    pub file: String,
    pub record: u64,
    pub source_id: Option<String>,
    pub district: Option<String>,
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
    pub date: Option<String>,
}

/// The most frequent value, ties going to the smallest.
fn majority<T: Ord + Copy>(values: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let max = counts.values().copied().max()?;
    counts.into_iter().find(|(_, c)| *c == max).map(|(v, _)| v)
}

/// Builds the document: themes in catalogue order (unknown last), levels
/// federal → municipal (unspecified last), items by districts, then
/// proposals, then cluster id.
pub fn assemble(input: &Input<'_>) -> Roadmap {
    let c = input.catalog;
    let ps = input.proposals;
    // (theme, level) → items; None sorts first, so map to explicit keys.
    let mut sections: BTreeMap<(usize, usize), Vec<Item>> = BTreeMap::new();
    let theme_count = c.themes().len();
    for cluster in input.clusters {
        let members: Vec<&Proposal> = cluster.members.iter().map(|&i| &ps[i as usize]).collect();
        let theme = majority(members.iter().filter_map(|p| p.theme.known()));
        let level = majority(members.iter().filter_map(|p| p.level.known()));
        let theme_key = theme.map_or(theme_count, |t: ThemeId| usize::from(t.0));
        let level_key = level.map_or(Level::ALL.len(), Level::index);
        let item = item(c, cluster, &members, theme, level, ps);
        sections
            .entry((theme_key, level_key))
            .or_default()
            .push(item);
    }

    let mut themes: Vec<ThemeSection> = Vec::new();
    for ((theme_key, level_key), mut items) in sections {
        items.sort_by(|a, b| {
            b.support
                .districts
                .len()
                .cmp(&a.support.districts.len())
                .then(b.support.proposals.cmp(&a.support.proposals))
                .then_with(|| a.cluster.cmp(&b.cluster))
        });
        let (slug, name) = if theme_key < theme_count {
            let t = c.theme_info(ThemeId(theme_key as u8));
            (t.slug.clone(), t.name.clone())
        } else {
            (UNKNOWN_THEME.to_string(), "Тема не распознана".to_string())
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
        let section = themes.last_mut().expect("pushed above");
        section.ideas += items.len() as u64;
        section.proposals += items.iter().map(|i| i.support.proposals).sum::<u64>();
        let (slug, name) = match Level::ALL.get(level_key) {
            Some(level) => (
                level.slug().to_string(),
                capitalize(&c.level_info(*level).name),
            ),
            None => (
                UNSPECIFIED_LEVEL.to_string(),
                "Уровень не указан".to_string(),
            ),
        };
        section.levels.push(LevelSection { slug, name, items });
    }

    let districts: BTreeSet<_> = ps.iter().filter_map(|p| p.district.known()).collect();
    let regions: BTreeSet<_> = ps.iter().filter_map(|p| p.region.known()).collect();
    let sessions = c
        .districts()
        .map(|(id, d)| Session {
            district: d.slug.clone(),
            short: d.short.clone(),
            name: d.name.clone(),
            city: d.session_city.clone(),
            dates: d.session_dates.clone(),
            proposals: ps.iter().filter(|p| p.district.known() == Some(id)).count() as u64,
        })
        .filter(|s| s.proposals > 0)
        .collect();

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
        records: (ps.len() + input.quarantined.len()) as u64,
        proposals: ps.len() as u64,
        ideas: input.clusters.len() as u64,
        districts: districts.len() as u64,
        regions: regions.len() as u64,
        quarantined: input.quarantined.len() as u64,
        unknown_theme: ps.iter().filter(|p| !p.theme.is_known()).count() as u64,
        unknown_level: ps.iter().filter(|p| !p.level.is_known()).count() as u64,
    };

    Roadmap {
        schema_version: SCHEMA_VERSION,
        title: "Образ будущего 2025 — дорожная карта".to_string(),
        subtitle: "Сводные предложения и инициативы стратегических сессий федеральных округов \
                   «Образ будущего социальной сферы России»"
            .to_string(),
        date: input.date.clone(),
        sessions,
        totals,
        themes,
        quarantine,
    }
}

fn item(
    c: &Catalog,
    cluster: &Cluster,
    members: &[&Proposal],
    theme: Option<ThemeId>,
    level: Option<Level>,
    ps: &[Proposal],
) -> Item {
    let districts: BTreeSet<_> = members.iter().filter_map(|p| p.district.known()).collect();
    let regions: BTreeSet<_> = members.iter().filter_map(|p| p.region.known()).collect();
    let mut kinds: BTreeMap<_, usize> = BTreeMap::new();
    for k in members.iter().filter_map(|p| p.kind.known()) {
        *kinds.entry(k).or_default() += 1;
    }
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let other_themes: BTreeSet<_> = members
        .iter()
        .filter_map(|p| p.theme.known())
        .filter(|t| Some(*t) != theme)
        .collect();
    let other_levels: BTreeSet<_> = members
        .iter()
        .filter_map(|p| p.level.known())
        .filter(|l| Some(*l) != level)
        .collect();
    let mut raw_labels = BTreeSet::new();
    for p in members {
        if let Label::Unknown(raw) = &p.theme {
            raw_labels.insert(format!("тема: {raw}"));
        }
        if let Label::Unknown(raw) = &p.level {
            raw_labels.insert(format!("уровень: {raw}"));
        }
    }
    Item {
        cluster: cluster.id.to_string(),
        text: ps[cluster.representative as usize].text.clone(),
        kinds: kinds
            .into_iter()
            .map(|(k, _)| c.kind_info(k).name.clone())
            .collect(),
        support: Support {
            proposals: members.len() as u64,
            districts: districts
                .into_iter()
                .map(|d| c.district_info(d).short.clone())
                .collect(),
            regions: regions
                .into_iter()
                .map(|r| {
                    c.region_info(r)
                        .map_or_else(|| r.0.to_string(), |r| r.name.clone())
                })
                .collect(),
            verbatim: u64::from(cluster.verbatim),
        },
        other_themes: other_themes
            .into_iter()
            .map(|t| c.theme_info(t).name.clone())
            .collect(),
        other_levels: other_levels
            .into_iter()
            .map(|l| c.level_info(l).name.clone())
            .collect(),
        raw_labels: raw_labels.into_iter().collect(),
        members: members
            .iter()
            .map(|p| Member {
                id: p.id.0.clone(),
                file: p.source.file.clone(),
                record: p.source.record,
                source_id: p.source.source_id.clone(),
                district: p.district.known().map(|d| c.district_info(d).short.clone()),
            })
            .collect(),
    }
}

fn capitalize(s: &str) -> String {
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
        assert_eq!(majority([3, 1, 3, 1]), Some(1));
        assert_eq!(majority([2, 3, 3]), Some(3));
        assert_eq!(majority(Vec::<u8>::new()), None);
    }
}
