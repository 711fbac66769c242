//! The six facets of a proposal — district, region, theme, level, kind and
//! year — as one vocabulary for every stage: the [`Facet`] names one, a
//! [`Value`] is one of its values, [`Facets`] are a proposal's, a
//! [`Selection`] is a value per facet (filters, or what a file implies).
//! What a spelling means, a value's slug and its Russian name are the
//! [`Catalog`]'s ([`Catalog::resolve`], [`Catalog::parse`],
//! [`Catalog::slug`], [`Catalog::display`]).
//!
//! Adding a facet: a variant of [`Facet`] and of [`Value`], a field of
//! [`Facets`], its table in the catalogue (`catalog.rs`) and its rule in
//! [`Catalog::resolve`]; the exhaustive matches here and in the catalogue
//! say what else to name. The places that show it (the index's packed
//! column, the documents, the search outputs) then decide how.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, DistrictId, Field, RegionCode, ThemeId, fold_key};
use crate::label::{Placed, Rule, edits};
use crate::model::{Cluster, Kind, Label, Level, Proposal};

/// One of the facets a proposal is described and searched by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Facet {
    District,
    Region,
    Theme,
    Level,
    Kind,
    Year,
}

impl Facet {
    /// Every facet, in the order the outputs list them.
    pub const ALL: [Facet; 6] = [
        Facet::District,
        Facet::Region,
        Facet::Theme,
        Facet::Level,
        Facet::Kind,
        Facet::Year,
    ];

    /// The facet's name in the outputs, the filters and the export headers.
    pub fn name(self) -> &'static str {
        self.field().name()
    }

    /// The export field that carries it.
    pub fn field(self) -> Field {
        match self {
            Facet::District => Field::District,
            Facet::Region => Field::Region,
            Facet::Theme => Field::Theme,
            Facet::Level => Field::Level,
            Facet::Kind => Field::Kind,
            Facet::Year => Field::Year,
        }
    }

    /// Its position in [`Facet::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The facet's title on the search page and in the documents.
    pub fn title(self) -> &'static str {
        match self {
            Facet::District => "Округ",
            Facet::Region => "Субъект РФ",
            Facet::Theme => "Тема",
            Facet::Level => "Уровень",
            Facet::Kind => "Вид",
            Facet::Year => "Год",
        }
    }

    /// What a value the catalogue could not place is called.
    fn unplaced(self) -> &'static str {
        match self {
            Facet::District => "округ не распознан",
            Facet::Region => "субъект РФ не распознан",
            Facet::Theme => "тема не распознана",
            Facet::Level => "уровень не указан",
            Facet::Kind => "вид не распознан",
            Facet::Year => "год не распознан",
        }
    }
}

impl fmt::Display for Facet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Field {
    /// The facet this field carries, if it is one.
    pub fn facet(self) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.field() == self)
    }
}

/// A value of one facet: a catalogue entry, a year, or the mark of a value
/// the catalogue could not place (written `unknown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    District(DistrictId),
    Region(RegionCode),
    Theme(ThemeId),
    Level(Level),
    Kind(Kind),
    Year(u16),
    /// A spelling of this facet that the catalogue did not know.
    Unplaced(Facet),
}

/// The slug of [`Value::Unplaced`].
pub const UNPLACED: &str = "unknown";

impl Value {
    pub fn facet(self) -> Facet {
        match self {
            Value::District(_) => Facet::District,
            Value::Region(_) => Facet::Region,
            Value::Theme(_) => Facet::Theme,
            Value::Level(_) => Facet::Level,
            Value::Kind(_) => Facet::Kind,
            Value::Year(_) => Facet::Year,
            Value::Unplaced(facet) => facet,
        }
    }
}

/// A proposal's facets: each a [`Label`] (the year a number, or none: a
/// year that cannot be read stays in the proposal's `extra`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub district: Label<DistrictId>,
    pub region: Label<RegionCode>,
    pub theme: Label<ThemeId>,
    pub level: Label<Level>,
    pub kind: Label<Kind>,
    pub year: Option<u16>,
}

impl Facets {
    /// The value of `facet`: `None` when the export had none,
    /// [`Value::Unplaced`] for a spelling the catalogue did not know.
    pub fn value(&self, facet: Facet) -> Option<Value> {
        fn of<T: Copy>(label: &Label<T>, facet: Facet, v: fn(T) -> Value) -> Option<Value> {
            match label {
                Label::Known(t) => Some(v(*t)),
                Label::Unknown(_) => Some(Value::Unplaced(facet)),
                Label::Missing => None,
            }
        }
        match facet {
            Facet::District => of(&self.district, facet, Value::District),
            Facet::Region => of(&self.region, facet, Value::Region),
            Facet::Theme => of(&self.theme, facet, Value::Theme),
            Facet::Level => of(&self.level, facet, Value::Level),
            Facet::Kind => of(&self.kind, facet, Value::Kind),
            Facet::Year => self.year.map(Value::Year),
        }
    }

    /// The spelling of `facet` the catalogue did not know, as written.
    pub fn raw(&self, facet: Facet) -> Option<&str> {
        match facet {
            Facet::District => self.district.raw(),
            Facet::Region => self.region.raw(),
            Facet::Theme => self.theme.raw(),
            Facet::Level => self.level.raw(),
            Facet::Kind => self.kind.raw(),
            Facet::Year => None,
        }
    }

    /// The facet's label from what the catalogue made of `raw` (`None`:
    /// nothing written; a `value` of another facet counts as none).
    pub fn set(&mut self, facet: Facet, raw: Option<&str>, value: Option<Value>) {
        let value = value.filter(|v| v.facet() == facet && !matches!(v, Value::Unplaced(_)));
        // Missing first: then `fill` sets a known value.
        match facet {
            Facet::District => self.district = Label::Missing,
            Facet::Region => self.region = Label::Missing,
            Facet::Theme => self.theme = Label::Missing,
            Facet::Level => self.level = Label::Missing,
            Facet::Kind => self.kind = Label::Missing,
            Facet::Year => self.year = None,
        }
        match (raw, value) {
            (None, _) => {}
            (Some(_), Some(value)) => {
                self.fill(value);
            }
            (Some(raw), None) => {
                let raw = raw.to_string();
                match facet {
                    Facet::District => self.district = Label::Unknown(raw),
                    Facet::Region => self.region = Label::Unknown(raw),
                    Facet::Theme => self.theme = Label::Unknown(raw),
                    Facet::Level => self.level = Label::Unknown(raw),
                    Facet::Kind => self.kind = Label::Unknown(raw),
                    // A year that cannot be read is no year.
                    Facet::Year => {}
                }
            }
        }
    }

    /// The facet's label from `raw` as the catalogue places it.
    pub fn resolve(&mut self, catalog: &Catalog, facet: Facet, raw: &str) {
        self.set(facet, Some(raw), catalog.resolve(facet, raw));
    }

    /// Sets `value` where the export had nothing; true when it did.
    pub fn fill(&mut self, value: Value) -> bool {
        fn fill<T>(label: &mut Label<T>, t: T) -> bool {
            let missing = matches!(label, Label::Missing);
            if missing {
                *label = Label::Known(t);
            }
            missing
        }
        match value {
            Value::District(d) => fill(&mut self.district, d),
            Value::Region(r) => fill(&mut self.region, r),
            Value::Theme(t) => fill(&mut self.theme, t),
            Value::Level(l) => fill(&mut self.level, l),
            Value::Kind(k) => fill(&mut self.kind, k),
            Value::Year(y) => {
                let missing = self.year.is_none();
                if missing {
                    self.year = Some(y);
                }
                missing
            }
            Value::Unplaced(_) => false,
        }
    }
}

/// At most one value per facet: search filters, or the values a file, a
/// sheet or a section implies for the records that lack them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selection([Option<Value>; 6]);

impl Selection {
    pub fn get(&self, facet: Facet) -> Option<Value> {
        self.0[facet.index()]
    }

    /// Sets the value of its facet.
    pub fn set(&mut self, value: Value) {
        self.0[value.facet().index()] = Some(value);
    }

    pub fn clear(&mut self, facet: Facet) {
        self.0[facet.index()] = None;
    }

    /// The values set, in the order of [`Facet::ALL`].
    pub fn values(&self) -> impl Iterator<Item = Value> + '_ {
        self.0.iter().flatten().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// `self` where set, else `other`.
    pub fn or(&self, other: &Selection) -> Selection {
        Selection(std::array::from_fn(|i| self.0[i].or(other.0[i])))
    }
}

/// How much backing an idea has: its proposals, the districts and regions
/// they came from, and how many of them repeat another's text verbatim
/// (pasted copies, not independent support). Computed here only; the
/// index, the documents and the search outputs read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Support {
    pub proposals: u32,
    /// Known districts, in catalogue order, without repeats.
    pub districts: Vec<DistrictId>,
    /// Known regions, by code, without repeats.
    pub regions: Vec<RegionCode>,
    pub verbatim: u32,
}

impl Support {
    /// The support of `cluster`, an index into `proposals`.
    pub fn of(cluster: &Cluster, proposals: &[Proposal]) -> Support {
        let mut support = Support::default();
        support.gather(cluster, |m| {
            proposals
                .get(m as usize)
                .map(|p| (p.facets.district.known(), p.facets.region.known()))
        });
        support
    }

    /// Recounts `self` for `cluster`, whose members' known district and
    /// region `member` gives (by proposal index; `None`: no such
    /// proposal), reusing the buffers.
    pub fn gather(
        &mut self,
        cluster: &Cluster,
        member: impl Fn(u32) -> Option<(Option<DistrictId>, Option<RegionCode>)>,
    ) {
        self.districts.clear();
        self.regions.clear();
        self.proposals = cluster.members.len() as u32;
        self.verbatim = cluster.verbatim;
        for (district, region) in cluster.members.iter().filter_map(|&m| member(m)) {
            self.districts.extend(district);
            self.regions.extend(region);
        }
        self.districts.sort_unstable();
        self.districts.dedup();
        self.regions.sort_unstable();
        self.regions.dedup();
    }
}

/// A facet value that no rule of the catalogue places, with the values
/// meant (or all of them). The message names the facet as a filter does
/// (`district "Марс" is not a known value; valid values: …`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{facet} {value:?} is not a known value; valid values: {}", .suggestions.join("; "))]
pub struct UnknownValue {
    pub facet: Facet,
    pub value: String,
    /// The closest values (a typo, a part of a name), or every value.
    pub suggestions: Vec<String>,
}

impl Catalog {
    /// What `raw` means as a value of `facet`, by any spelling the
    /// catalogue knows (case, ё/е, punctuation and dashes do not matter).
    /// `None`: no rule places it.
    ///
    /// This is the one home of the rules that place a spelling, for every
    /// caller (reading exports, search filters, the page): a district is
    /// also known by the city of its session, a region by its code (also
    /// as a spreadsheet's float, `26.0`), a year by a date or `2018 г.`;
    /// a theme, level or kind as a person reads it ([`Catalog::place`]).
    pub fn resolve(&self, facet: Facet, raw: &str) -> Option<Value> {
        self.place(facet, raw).map(|p| p.value)
    }

    /// What `raw` means as a value of `facet`, and by which rule: a
    /// catalogue spelling ([`Rule::Verbatim`]) or, for a theme, level or
    /// kind, a rule of [`crate::label`] (without «Площадка N» and
    /// numbering, words cut with a dot, words naming a level, a typo),
    /// each of which refuses to choose between two values.
    ///
    /// ```
    /// use sborka_core::{Catalog, Facet, Level, Rule, Value};
    ///
    /// let c = Catalog::embedded();
    /// let placed = c.place(Facet::Level, "краевой").unwrap();
    /// assert_eq!(placed.value, Value::Level(Level::Regional));
    /// assert_eq!(placed.rule, Rule::LevelWord);
    /// assert!(c.place(Facet::Level, "не знаю").is_none());
    /// ```
    pub fn place(&self, facet: Facet, raw: &str) -> Option<Placed> {
        if let Some(value) = self.verbatim(facet, raw) {
            return Some(Placed {
                value,
                rule: Rule::Verbatim,
            });
        }
        self.rules.place(facet, raw, |key| match facet {
            Facet::Theme => self.theme_by_key.get(key).map(|&t| Value::Theme(t)),
            Facet::Level => self.level_by_key.get(key).map(|&l| Value::Level(l)),
            Facet::Kind => self.kind_by_key.get(key).map(|&k| Value::Kind(k)),
            _ => None,
        })
    }

    /// The value of `placed` for a record of `region`: «городской» is the
    /// regional level in a federal city (Москва, Санкт-Петербург,
    /// Севастополь, `federal_cities` in `levels.toml`), the municipal one
    /// elsewhere.
    pub fn in_region(&self, placed: Placed, region: Option<RegionCode>) -> Value {
        match (placed.rule, region) {
            (Rule::CityWord, Some(region)) if self.rules.federal_city(region) => {
                Value::Level(Level::Regional)
            }
            _ => placed.value,
        }
    }

    /// A catalogue spelling of `facet` (and the district's city, the
    /// region's code, a year).
    fn verbatim(&self, facet: Facet, raw: &str) -> Option<Value> {
        match facet {
            Facet::Year => parse_year(raw).map(Value::Year),
            Facet::Region => {
                let key = fold_key(raw);
                if let Some(code) = self.region_by_key.get(&key) {
                    return Some(Value::Region(*code));
                }
                let trimmed = raw.trim();
                let number = trimmed
                    .strip_suffix(".0")
                    .unwrap_or(trimmed)
                    .parse::<u8>()
                    .ok()?;
                self.region_district
                    .contains_key(&number)
                    .then_some(Value::Region(RegionCode(number)))
            }
            Facet::District => {
                let key = fold_key(raw);
                self.district_by_key
                    .get(&key)
                    .or_else(|| self.city_by_key.get(&key))
                    .map(|&d| Value::District(d))
            }
            Facet::Theme => self
                .theme_by_key
                .get(&fold_key(raw))
                .map(|&t| Value::Theme(t)),
            Facet::Level => self
                .level_by_key
                .get(&fold_key(raw))
                .map(|&l| Value::Level(l)),
            Facet::Kind => self
                .kind_by_key
                .get(&fold_key(raw))
                .map(|&k| Value::Kind(k)),
        }
    }

    /// A value of `facet` as a person or a link spells it: what
    /// [`Catalog::resolve`] places, or `unknown` for the values the
    /// catalogue could not place (not for the year); anything else is an
    /// error with suggestions. Blank is no value.
    pub fn parse(&self, facet: Facet, raw: &str) -> Result<Option<Value>, UnknownValue> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        if let Some(value) = self.resolve(facet, raw) {
            return Ok(Some(value));
        }
        if facet != Facet::Year && raw.trim() == UNPLACED {
            return Ok(Some(Value::Unplaced(facet)));
        }
        Err(UnknownValue {
            facet,
            value: raw.to_string(),
            suggestions: self.suggest(facet, raw),
        })
    }

    /// The value's slug, as the machine-readable outputs and links write
    /// it: the catalogue's slug, a region's code, a year, `unknown`.
    pub fn slug(&self, value: Value) -> Cow<'_, str> {
        match value {
            Value::District(d) => Cow::Borrowed(&self.district_info(d).slug),
            Value::Region(r) => Cow::Owned(r.0.to_string()),
            Value::Theme(t) => Cow::Borrowed(&self.theme_info(t).slug),
            Value::Level(l) => Cow::Borrowed(l.slug()),
            Value::Kind(k) => Cow::Borrowed(k.slug()),
            Value::Year(y) => Cow::Owned(y.to_string()),
            Value::Unplaced(_) => Cow::Borrowed(UNPLACED),
        }
    }

    /// The value of `facet` whose slug is `slug`.
    pub fn from_slug(&self, facet: Facet, slug: &str) -> Option<Value> {
        if slug == UNPLACED && facet != Facet::Year {
            return Some(Value::Unplaced(facet));
        }
        match facet {
            Facet::District => self
                .districts()
                .find(|(_, d)| d.slug == slug)
                .map(|(id, _)| Value::District(id)),
            Facet::Theme => self
                .themes()
                .find(|(_, t)| t.slug == slug)
                .map(|(id, _)| Value::Theme(id)),
            Facet::Region => slug
                .parse::<u8>()
                .ok()
                .map(|code| Value::Region(RegionCode(code))),
            Facet::Level => Level::from_slug(slug).map(Value::Level),
            Facet::Kind => Kind::from_slug(slug).map(Value::Kind),
            Facet::Year => slug.parse::<u16>().ok().map(Value::Year),
        }
    }

    /// The value's Russian name on the search page and in text output: a
    /// district's and a theme's short name, a region's, level's and kind's
    /// name, the year, and «тема не распознана», «уровень не указан»… for
    /// what the catalogue could not place.
    pub fn display(&self, value: Value) -> Cow<'_, str> {
        match value {
            Value::District(d) => Cow::Borrowed(&self.district_info(d).short),
            Value::Region(r) => self.region_info(r).map_or_else(
                || Cow::Owned(r.0.to_string()),
                |info| Cow::Borrowed(info.name.as_str()),
            ),
            Value::Theme(t) => Cow::Borrowed(&self.theme_info(t).short),
            Value::Level(l) => Cow::Borrowed(&self.level_info(l).name),
            Value::Kind(k) => Cow::Borrowed(&self.kind_info(k).name),
            Value::Year(y) => Cow::Owned(y.to_string()),
            Value::Unplaced(facet) => Cow::Borrowed(facet.unplaced()),
        }
    }

    /// Every catalogue value of `facet`, in catalogue order (none for the
    /// year).
    pub fn values(&self, facet: Facet) -> Vec<Value> {
        match facet {
            Facet::District => self.districts().map(|(d, _)| Value::District(d)).collect(),
            Facet::Region => self
                .regions()
                .iter()
                .map(|r| Value::Region(RegionCode(r.code)))
                .collect(),
            Facet::Theme => self.themes().map(|(t, _)| Value::Theme(t)).collect(),
            Facet::Level => Level::ALL.into_iter().map(Value::Level).collect(),
            Facet::Kind => Kind::ALL.into_iter().map(Value::Kind).collect(),
            Facet::Year => Vec::new(),
        }
    }

    /// The name an error offers for a value: a district's short name, a
    /// theme's full name, a region's, a level's or a kind's name.
    fn offered(&self, value: Value) -> Cow<'_, str> {
        match value {
            Value::Theme(t) => Cow::Borrowed(&self.theme_info(t).name),
            other => self.display(other),
        }
    }

    /// The values of `facet` that `raw` may have meant: those whose name
    /// holds it or is held by it, else those a typo or two away (by the
    /// length of `raw`), else every value.
    pub fn suggest(&self, facet: Facet, raw: &str) -> Vec<String> {
        let all: Vec<String> = self
            .values(facet)
            .into_iter()
            .map(|v| self.offered(v).into_owned())
            .collect();
        let key = fold_key(raw);
        let mut close: Vec<&String> = all
            .iter()
            .filter(|v| {
                let v = fold_key(v);
                !key.is_empty() && (v.contains(&key) || key.contains(&v))
            })
            .collect();
        if close.is_empty() {
            let allowed = if key.chars().count() > 5 { 2 } else { 1 };
            close = all
                .iter()
                .filter(|v| edits(&fold_key(v), &key) <= allowed)
                .collect();
        }
        if close.is_empty() {
            all
        } else {
            close.into_iter().cloned().collect()
        }
    }
}

/// A year as written by a person or a spreadsheet: `2018`, `2018.0`,
/// `2018 г.`, or a date (`2018-02-08`, `08.02.2018`, `2018-02-08
/// 00:00:00`). Only years of plausible sessions and petitions are accepted.
fn parse_year(raw: &str) -> Option<u16> {
    let raw = raw.trim();
    let digits = raw.trim_end_matches(['г', '.', ' ']).trim_end_matches(".0");
    let year: Option<u16> = if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        // A date: the one run of four digits among numbers and separators.
        let date_like = raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '/' | ' ' | ':' | 'T' | 'г'));
        let mut runs = raw
            .split(|c: char| !c.is_ascii_digit())
            .filter(|r| r.len() == 4);
        match (date_like, runs.next(), runs.next()) {
            (true, Some(run), None) => run.parse().ok(),
            _ => None,
        }
    };
    year.filter(|y| (1990..=2100).contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_table() {
        let c = Catalog::embedded();
        let slug = |facet: Facet, raw: &str| c.resolve(facet, raw).map(|v| c.slug(v).into_owned());
        let cases: &[(Facet, &str, Option<&str>)] = &[
            (
                Facet::District,
                "Северо-Кавказский федеральный округ",
                Some("skfo"),
            ),
            (Facet::District, "скфо", Some("skfo")),
            (Facet::District, "Северо-Кавказский ФО", Some("skfo")),
            // The city of the district's session, for every caller.
            (Facet::District, "Ставрополь", Some("skfo")),
            (Facet::District, "Марс", None),
            (Facet::District, "unknown", None),
            (Facet::Region, "77", Some("77")),
            (Facet::Region, "07", Some("7")),
            (Facet::Region, "26.0", Some("26")),
            (Facet::Region, "г. Москва", Some("77")),
            (Facet::Region, "Ставропольский край", Some("26")),
            (Facet::Region, "99", None),
            (Facet::Level, "фед.", Some("federal")),
            (Facet::Level, "Региональный уровень", Some("regional")),
            (Facet::Level, "муниципальный", Some("municipal")),
            (Facet::Level, "какой-то", None),
            (
                Facet::Kind,
                "Законодательная инициатива",
                Some("legislative"),
            ),
            (Facet::Kind, "зона риска", Some("risk")),
            (Facet::Theme, "Разное", None),
            (Facet::Year, "2018", Some("2018")),
            (Facet::Year, "2018.0", Some("2018")),
            (Facet::Year, "2017 г.", Some("2017")),
            (Facet::Year, "18", None),
            (Facet::Year, "вчера", None),
            (Facet::Year, "2018-02-08", Some("2018")),
            (Facet::Year, "08.02.2018", Some("2018")),
            (Facet::Year, "2018-02-08 00:00:00", Some("2018")),
            (Facet::Year, "1812", None),
            (Facet::Year, "2017-2018", None),
        ];
        for &(facet, raw, want) in cases {
            assert_eq!(slug(facet, raw).as_deref(), want, "{facet} {raw:?}");
        }
    }

    /// Every value reads back from its slug, and a person's spelling of it
    /// (its display name) resolves to it.
    #[test]
    fn slugs_and_names_read_back() {
        let c = Catalog::embedded();
        for facet in Facet::ALL {
            let mut values = c.values(facet);
            if facet == Facet::Year {
                values.push(Value::Year(2018));
            } else {
                values.push(Value::Unplaced(facet));
            }
            for v in values {
                assert_eq!(v.facet(), facet);
                let slug = c.slug(v);
                assert_eq!(c.from_slug(facet, &slug), Some(v), "{slug}");
                assert_eq!(c.parse(facet, &slug), Ok(Some(v)), "{slug}");
                if !matches!(v, Value::Unplaced(_)) {
                    let name = c.display(v);
                    assert_eq!(c.resolve(facet, &name), Some(v), "{name}");
                }
            }
        }
        assert_eq!(
            c.display(Value::Unplaced(Facet::Theme)),
            "тема не распознана"
        );
        assert_eq!(
            c.display(Value::Unplaced(Facet::Level)),
            "уровень не указан"
        );
    }

    #[test]
    fn unknown_values_offer_the_closest() {
        let c = Catalog::embedded();
        let cases = [
            (
                Facet::District,
                "СКФЩ",
                "district \"СКФЩ\" is not a known value; valid values: СКФО",
            ),
            (
                Facet::Level,
                "федерльнй",
                "level \"федерльнй\" is not a known value; valid values: федеральный",
            ),
            (
                Facet::Kind,
                "zzz",
                "kind \"zzz\" is not a known value; valid values: предложение; инициатива; законодательная инициатива; точка роста; зона риска",
            ),
            (
                Facet::Year,
                "unknown",
                "year \"unknown\" is not a known value; valid values: ",
            ),
        ];
        for (facet, raw, want) in cases {
            assert_eq!(c.parse(facet, raw).unwrap_err().to_string(), want);
        }
        assert_eq!(c.parse(Facet::Theme, "  "), Ok(None));
    }

    #[test]
    fn facets_fill_only_what_is_missing() {
        let mut f = Facets {
            theme: Label::Unknown("Разное".into()),
            ..Facets::default()
        };
        assert!(f.fill(Value::Level(Level::Federal)));
        assert!(!f.fill(Value::Level(Level::Regional)));
        assert!(!f.fill(Value::Theme(ThemeId(0))));
        assert!(f.fill(Value::Year(2018)));
        assert_eq!(f.level, Label::Known(Level::Federal));
        assert_eq!(f.value(Facet::Theme), Some(Value::Unplaced(Facet::Theme)));
        assert_eq!(f.raw(Facet::Theme), Some("Разное"));
        assert_eq!(f.year, Some(2018));
    }

    #[test]
    fn support_counts_known_places_once() {
        let mut ps: Vec<Proposal> = (0..4)
            .map(|i| Proposal::new(Default::default(), format!("текст {i}")))
            .collect();
        ps[0].facets.district = Label::Known(DistrictId(3));
        ps[1].facets.district = Label::Known(DistrictId(1));
        ps[2].facets.district = Label::Known(DistrictId(3));
        ps[2].facets.region = Label::Known(RegionCode(26));
        ps[3].facets.district = Label::Unknown("Марс".into());
        let cluster = Cluster {
            id: crate::ClusterId(1),
            members: vec![0, 1, 2, 3, 9],
            representative: 0,
            verbatim: 1,
        };
        let s = Support::of(&cluster, &ps);
        assert_eq!(s.proposals, 5);
        assert_eq!(s.districts, [DistrictId(1), DistrictId(3)]);
        assert_eq!(s.regions, [RegionCode(26)]);
        assert_eq!(s.verbatim, 1);
    }
}
