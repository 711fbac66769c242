//! The document model: built once by [`assemble`], formatted by every
//! renderer.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use sborka_core::{
    Catalog, Cluster, Label, Level, Proposal, Quarantined, Reason, RegionCode, ThemeId,
};

use crate::plural;

/// The version of `roadmap.json`'s shape (see `schema/roadmap.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// The slug of the section of proposals whose theme no catalogue spelling
/// matched.
pub const UNKNOWN_THEME: &str = "unknown";
/// The slug of the section of proposals without a recognised level.
pub const UNSPECIFIED_LEVEL: &str = "unspecified";
const UNSPECIFIED_LEVEL_NAME: &str = "Уровень не указан";

#[derive(Clone, Debug, Serialize)]
pub struct Roadmap {
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
    pub themes: Vec<ThemeSection>,
    pub quarantine: Vec<QuarantineRow>,
}

impl Roadmap {
    /// The roadmap for the documents people read (HTML, DOCX, Markdown):
    /// each level keeps its first `items_per_level` ideas, the best
    /// supported, and says how many ideas and proposals it leaves out.
    /// Totals and summaries still count everything. (The renderers take
    /// the same view of the model in place, without this copy.)
    pub fn for_reading(&self, items_per_level: Option<usize>) -> std::borrow::Cow<'_, Roadmap> {
        let Some(limit) = items_per_level else {
            return std::borrow::Cow::Borrowed(self);
        };
        let over = |l: &LevelSection| l.items.len() > limit;
        if !self.themes.iter().flat_map(|t| &t.levels).any(over) {
            return std::borrow::Cow::Borrowed(self);
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
        std::borrow::Cow::Owned(Roadmap {
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
    pub proposals: u64,
    pub items: Vec<Item>,
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
    pub region: Option<String>,
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
                UNSPECIFIED_LEVEL_NAME.to_string(),
            ),
        };
        let proposals = items.iter().map(|i| i.support.proposals).sum();
        section.levels.push(LevelSection {
            slug,
            name,
            proposals,
            items,
            omitted: None,
        });
    }

    let districts: BTreeSet<_> = ps.iter().filter_map(|p| p.district.known()).collect();
    let regions: BTreeSet<_> = ps.iter().filter_map(|p| p.region.known()).collect();
    let sessions: Vec<Session> = c
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

    let files: BTreeSet<&str> = ps
        .iter()
        .map(|p| &*p.source.file)
        .chain(input.quarantined.iter().map(|q| &*q.source.file))
        .collect();
    let totals = Totals {
        files: files.len() as u64,
        records: (ps.len() + input.quarantined.len()) as u64,
        proposals: ps.len() as u64,
        ideas: input.clusters.len() as u64,
        districts: districts.len() as u64,
        regions: regions.len() as u64,
        quarantined: input.quarantined.len() as u64,
        unknown_theme: ps.iter().filter(|p| !p.theme.is_known()).count() as u64,
        unknown_level: ps.iter().filter(|p| !p.level.is_known()).count() as u64,
    };

    let summary = summary(c, &sessions, &themes);
    let method = method(&totals, input.quarantined);
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
    }
}

/// The overview: computed from the sections, so it cannot disagree with them.
fn summary(c: &Catalog, sessions: &[Session], themes: &[ThemeSection]) -> Summary {
    let districts: Vec<String> = sessions.iter().map(|s| s.short.clone()).collect();
    let mut levels: Vec<String> = Level::ALL.iter().map(|l| l.slug().to_string()).collect();
    levels.push(UNSPECIFIED_LEVEL.to_string());
    let mut level_names: Vec<String> = Level::ALL
        .iter()
        .map(|l| capitalize(&c.level_info(*l).name))
        .collect();
    level_names.push(UNSPECIFIED_LEVEL_NAME.to_string());
    let mut distribution = vec![0u64; districts.len() + 1];
    let mut top: Vec<TopIdea> = Vec::new();
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
                for m in &item.members {
                    let column = m
                        .district
                        .as_ref()
                        .and_then(|d| districts.iter().position(|x| x == d));
                    if let Some(column) = column {
                        by_district[column] += 1;
                    }
                }
                if k >= 2 {
                    top.push(TopIdea {
                        cluster: item.cluster.clone(),
                        text: item.text.clone(),
                        theme: theme.name.clone(),
                        level: level.name.clone(),
                        proposals: item.support.proposals,
                        districts: item.support.districts.clone(),
                    });
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
    top.sort_by(|a, b| {
        b.districts
            .len()
            .cmp(&a.districts.len())
            .then(b.proposals.cmp(&a.proposals))
            .then_with(|| a.cluster.cmp(&b.cluster))
    });
    top.truncate(TOP_IDEAS);
    Summary {
        districts,
        levels: level_names,
        ranking: ranking.into_iter().map(|(_, r)| r).collect(),
        support_distribution: distribution,
        top_ideas: top,
    }
}

/// «Как считали», with this build's numbers.
fn method(t: &Totals, quarantined: &[Quarantined]) -> Vec<MethodSection> {
    let n = |v: u64, one: &str, few: &str, many: &str| format!("{v} {}", plural(v, one, few, many));
    let mut reasons: BTreeMap<Reason, u64> = BTreeMap::new();
    for q in quarantined {
        *reasons.entry(q.reason).or_default() += 1;
    }
    let read = vec![
        format!(
            "Прочитано {} из {} выгрузок стратегических сессий; формат, кодировка и \
             разделитель каждого файла определяются при чтении (см. report.json). \
             Колонки узнаются по названию через справочник заголовков, в любом порядке; \
             обязателен только текст предложения.",
            n(t.records, "запись", "записи", "записей"),
            n(t.files, "файла", "файлов", "файлов"),
        ),
        "Округ, субъект РФ, тема, уровень и вид предложения сверяются со справочниками \
         без учёта регистра, ё/е, кавычек, дефисов и знаков препинания. Если округ не указан, \
         он определяется по субъекту РФ."
            .to_string(),
        format!(
            "Нераспознанная тема или уровень — не ошибка: {} без распознанной темы собраны \
             в разделе «Тема не распознана», {} без уровня — в разделах «Уровень не указан»; \
             исходное написание показано у идеи.",
            n(t.unknown_theme, "предложение", "предложения", "предложений"),
            n(t.unknown_level, "предложение", "предложения", "предложений"),
        ),
    ];
    let mut quarantine = Vec::new();
    if reasons.is_empty() {
        quarantine.push("Все прочитанные записи приняты: карантин пуст.".to_string());
    } else {
        quarantine.push(format!(
            "В дорожную карту не вошли {}: запись без текста или с текстом, в котором нет \
             ни букв, ни цифр, не может стать предложением, а строку, которую не удалось \
             разобрать, нельзя прочитать надёжно. По причинам:",
            n(t.quarantined, "запись", "записи", "записей"),
        ));
        for (reason, count) in reasons {
            quarantine.push(format!(
                "{} ({}): {count}.",
                capitalize(reason.describe_ru()),
                reason.code()
            ));
        }
        quarantine.push(
            "Каждая такая запись сохранена в quarantine.jsonl с причиной и исходными полями; \
             сводка по файлам — в приложении «Карантин»."
                .to_string(),
        );
    }
    let merge = vec![
        format!(
            "Предложения, тексты которых совпадают после нормализации (регистр, ё/е, кавычки, \
             пробелы, знаки препинания и невидимые символы не учитываются), считаются одной \
             идеей: {} дали {}.",
            n(t.proposals, "предложение", "предложения", "предложений"),
            n(
                t.ideas,
                "различную идею",
                "различные идеи",
                "различных идей"
            ),
        ),
        "Текст идеи — текст одного из её предложений. Тема и уровень идеи — те, что чаще \
         всего указаны у её предложений (при равенстве — первые по справочнику); другие темы \
         и уровни, которые указывали участники, перечислены у идеи."
            .to_string(),
    ];
    let support = vec![
        "N предложений — сколько предложений вошло в идею, включая повторы. \
         K округов и M регионов — в скольких федеральных округах и субъектах РФ её предлагали. \
         C дословных повторов — сколько предложений повторяют текст другого предложения \
         той же идеи (скопированы, а не сформулированы заново): они не добавляют независимой \
         поддержки."
            .to_string(),
        "Идеи внутри уровня упорядочены по числу округов, затем по числу предложений, \
         затем по идентификатору идеи; темы в сводке — по числу предложений."
            .to_string(),
    ];
    vec![
        MethodSection {
            title: "Как читали выгрузки".to_string(),
            paragraphs: read,
        },
        MethodSection {
            title: "Что отложено в карантин".to_string(),
            paragraphs: quarantine,
        },
        MethodSection {
            title: "Как объединяли повторы".to_string(),
            paragraphs: merge,
        },
        MethodSection {
            title: "Что значат числа поддержки".to_string(),
            paragraphs: support,
        },
    ]
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
            regions: regions.into_iter().map(|r| region_name(c, r)).collect(),
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
                id: p.id().0,
                file: p.source.file.to_string(),
                record: p.source.record,
                source_id: p.source.source_id.clone(),
                district: p.district.known().map(|d| c.district_info(d).short.clone()),
                region: p.region.known().map(|r| region_name(c, r)),
            })
            .collect(),
    }
}

fn region_name(c: &Catalog, r: RegionCode) -> String {
    c.region_info(r)
        .map_or_else(|| r.0.to_string(), |r| r.name.clone())
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
