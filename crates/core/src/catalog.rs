//! The catalogues: districts, regions, themes, levels, kinds and header
//! spellings, read from TOML data files.
//!
//! Matching is by [`fold_key`]: case, ё/е, punctuation, quotes and dashes do
//! not matter, so a catalogue lists only genuinely different spellings.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::infer::{Inference, ThemeKeywords};
use crate::label::{Rules, Sources};
use crate::model::{Kind, Level};

/// A federal district, by its position in `districts.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DistrictId(pub u8);

/// A subject of the Russian Federation by its two-digit code (77 Москва).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionCode(pub u8);

/// A session theme, by its position in `themes.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThemeId(pub u8);

/// The fields of an export that sborka understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Id,
    District,
    Region,
    Theme,
    Level,
    Kind,
    Year,
    Text,
    /// A record's title beside its text (`name` beside `description`):
    /// the proposal's text is «title. text».
    Title,
    /// A column of personal data (ФИО, телефон, адрес, СНИЛС…): read,
    /// counted, never copied to an output.
    Personal,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::Id,
        Field::District,
        Field::Region,
        Field::Theme,
        Field::Level,
        Field::Kind,
        Field::Year,
        Field::Text,
        Field::Title,
        Field::Personal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::District => "district",
            Field::Region => "region",
            Field::Theme => "theme",
            Field::Level => "level",
            Field::Kind => "kind",
            Field::Year => "year",
            Field::Text => "text",
            Field::Title => "title",
            Field::Personal => "personal",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub slug: String,
    pub short: String,
    pub name: String,
    #[serde(default)]
    pub session_city: String,
    #[serde(default)]
    pub session_dates: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: u8,
    pub name: String,
    /// The slug of the region's federal district (as of 2018).
    pub district: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub slug: String,
    pub name: String,
    pub short: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Words and phrases of the theme in a proposal's text (each word the
    /// beginning of a word of the text; `$` at its end: the whole word),
    /// for a theme the export does not give.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The same, that weigh more (`[inference] strong`).
    #[serde(default)]
    pub strong_keywords: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelInfo {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Beginnings of the words that name the level inside a longer label
    /// («краев»: «краевой», «на краевом уровне»).
    #[serde(default)]
    pub words: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindInfo {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictsFile {
    district: Vec<District>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsFile {
    region: Vec<Region>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemesFile {
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    inference: Inference,
    theme: Vec<Theme>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelsFile {
    #[serde(default)]
    federal_cities: Vec<u8>,
    #[serde(default)]
    city_words: Vec<String>,
    level: Vec<LevelInfo>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    kind: Vec<KindInfo>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadersFile {
    #[serde(default)]
    text_words: Vec<String>,
    fields: BTreeMap<Field, Vec<String>>,
}

/// A catalogue file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("catalogue {file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

impl CatalogError {
    fn new(file: &str, message: impl fmt::Display) -> CatalogError {
        CatalogError {
            file: file.to_string(),
            message: message.to_string(),
        }
    }
}

/// Every catalogue file, by name, with its embedded default: the six the
/// [`Catalog`] reads and the lexicon's two (read by `sborka-text`).
const FILES: [(&str, &str); 9] = [
    (
        "districts.toml",
        include_str!("../../../catalog/districts.toml"),
    ),
    (
        "regions.toml",
        include_str!("../../../catalog/regions.toml"),
    ),
    ("themes.toml", include_str!("../../../catalog/themes.toml")),
    ("levels.toml", include_str!("../../../catalog/levels.toml")),
    ("kinds.toml", include_str!("../../../catalog/kinds.toml")),
    (
        "headers.toml",
        include_str!("../../../catalog/headers.toml"),
    ),
    (
        "abbreviations.toml",
        include_str!("../../../catalog/abbreviations.toml"),
    ),
    (
        "synonyms.toml",
        include_str!("../../../catalog/synonyms.toml"),
    ),
    (
        "pair_model.toml",
        include_str!("../../../catalog/pair_model.toml"),
    ),
];

/// The texts of every catalogue file: the one loader of the catalogue,
/// for the [`Catalog`] and the lexicon alike. Each file is its embedded
/// default (from the repository's `catalog/`) or, from
/// [`CatalogFiles::load_dir`], the file of that name in a folder.
#[derive(Clone, Debug)]
pub struct CatalogFiles {
    /// Per file of [`FILES`]: its text and where it came from (`embedded`
    /// or a path).
    files: Vec<(String, String)>,
}

impl CatalogFiles {
    /// The names of every catalogue file, in a fixed order.
    pub const NAMES: [&'static str; 9] = [
        FILES[0].0, FILES[1].0, FILES[2].0, FILES[3].0, FILES[4].0, FILES[5].0, FILES[6].0,
        FILES[7].0, FILES[8].0,
    ];

    /// The files compiled into the binary.
    pub fn embedded() -> CatalogFiles {
        CatalogFiles {
            files: FILES
                .iter()
                .map(|(_, text)| (text.to_string(), "embedded".to_string()))
                .collect(),
        }
    }

    /// The embedded files, with every file present in `dir` taking the
    /// place of its default. A folder with none of them is an error: it
    /// was given for a reason.
    pub fn load_dir(dir: &Path) -> Result<CatalogFiles, CatalogError> {
        if !dir.is_dir() {
            return Err(CatalogError::new(
                &dir.display().to_string(),
                "not a folder",
            ));
        }
        let mut files = Vec::new();
        for (name, embedded) in FILES {
            let path: PathBuf = dir.join(name);
            if path.exists() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| CatalogError::new(&path.display().to_string(), e))?;
                files.push((text, path.display().to_string()));
            } else {
                files.push((embedded.to_string(), "embedded".to_string()));
            }
        }
        if files.iter().all(|(_, source)| source == "embedded") {
            return Err(CatalogError::new(
                &dir.display().to_string(),
                format!("holds none of {}", CatalogFiles::NAMES.join(", ")),
            ));
        }
        Ok(CatalogFiles { files })
    }

    fn position(name: &str) -> usize {
        FILES
            .iter()
            .position(|(n, _)| *n == name)
            .expect("a catalogue file name")
    }

    /// The text of the file `name` (one of [`CatalogFiles::NAMES`]).
    pub fn text(&self, name: &str) -> &str {
        &self.files[CatalogFiles::position(name)].0
    }

    /// Where the file `name` came from: `embedded` or its path.
    pub fn source(&self, name: &str) -> &str {
        &self.files[CatalogFiles::position(name)].1
    }

    /// Every file and where it came from, in the order of
    /// [`CatalogFiles::NAMES`].
    pub fn sources(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        CatalogFiles::NAMES
            .iter()
            .zip(&self.files)
            .map(|(name, (_, source))| (*name, source.as_str()))
    }
}

/// Districts, regions, themes, levels, kinds and header spellings, with
/// lookups from any known spelling.
#[derive(Clone, Debug)]
pub struct Catalog {
    districts: Vec<District>,
    regions: Vec<Region>,
    themes: Vec<Theme>,
    levels: Vec<LevelInfo>,
    kinds: Vec<KindInfo>,
    pub(crate) region_district: HashMap<u8, DistrictId>,
    pub(crate) district_by_key: HashMap<String, DistrictId>,
    pub(crate) city_by_key: HashMap<String, DistrictId>,
    pub(crate) region_by_key: HashMap<String, RegionCode>,
    pub(crate) theme_by_key: HashMap<String, ThemeId>,
    pub(crate) level_by_key: HashMap<String, Level>,
    pub(crate) kind_by_key: HashMap<String, Kind>,
    header_by_key: HashMap<String, Field>,
    /// The rules that read a label no spelling matches verbatim.
    pub(crate) rules: Rules,
    /// The keywords that place a proposal's text in a theme.
    pub(crate) keywords: ThemeKeywords,
    /// Beginnings of header words that name a text column.
    text_words: Vec<String>,
    /// The header named the text column by the user (`--text-column`):
    /// other text columns are not the text.
    text_header: Option<String>,
}

impl Catalog {
    /// The catalogue compiled into the binary from the repository's
    /// `catalog/` folder.
    pub fn embedded() -> Catalog {
        Catalog::from_files(&CatalogFiles::embedded()).expect("the embedded catalogue is valid")
    }

    /// The embedded catalogue with every file present in `dir` taking the
    /// place of its embedded default.
    pub fn load_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        Catalog::from_files(&CatalogFiles::load_dir(dir)?)
    }

    /// The catalogue of `files` (its six files; the lexicon's two are
    /// `sborka-text`'s).
    pub fn from_files(files: &CatalogFiles) -> Result<Catalog, CatalogError> {
        let text = |name: &str| files.text(name);
        fn parse<T: serde::de::DeserializeOwned>(
            name: &str,
            text: &str,
        ) -> Result<T, CatalogError> {
            toml::from_str(text).map_err(|e| CatalogError::new(name, e.to_string().trim_end()))
        }
        let districts = parse::<DistrictsFile>("districts.toml", text("districts.toml"))?.district;
        let regions = parse::<RegionsFile>("regions.toml", text("regions.toml"))?.region;
        let ThemesFile {
            prefixes,
            inference,
            theme: themes,
        } = parse::<ThemesFile>("themes.toml", text("themes.toml"))?;
        let LevelsFile {
            federal_cities,
            city_words,
            level: levels,
        } = parse::<LevelsFile>("levels.toml", text("levels.toml"))?;
        let kinds = parse::<KindsFile>("kinds.toml", text("kinds.toml"))?.kind;
        let HeadersFile {
            text_words,
            fields: headers,
        } = parse::<HeadersFile>("headers.toml", text("headers.toml"))?;

        if districts.is_empty() || districts.len() > usize::from(u8::MAX) {
            return Err(CatalogError::new(
                "districts.toml",
                "needs between 1 and 255 districts",
            ));
        }
        if themes.is_empty() || themes.len() > usize::from(u8::MAX) {
            return Err(CatalogError::new(
                "themes.toml",
                "needs between 1 and 255 themes",
            ));
        }

        let mut district_by_key = Keys::new("districts.toml");
        let mut city_by_key = HashMap::new();
        for (i, d) in districts.iter().enumerate() {
            let id = DistrictId(i as u8);
            district_by_key.insert(&d.slug, id, &d.slug)?;
            district_by_key.insert(&d.short, id, &d.slug)?;
            district_by_key.insert(&d.name, id, &d.slug)?;
            for alias in &d.aliases {
                district_by_key.insert(alias, id, &d.slug)?;
            }
            if !d.session_city.is_empty() {
                city_by_key.insert(fold_key(&d.session_city), id);
            }
        }

        let mut region_by_key = Keys::new("regions.toml");
        let mut region_district = HashMap::new();
        for r in &regions {
            let code = RegionCode(r.code);
            let Some(district) = districts.iter().position(|d| d.slug == r.district) else {
                return Err(CatalogError::new(
                    "regions.toml",
                    format!("region {} names unknown district {:?}", r.code, r.district),
                ));
            };
            if region_district
                .insert(r.code, DistrictId(district as u8))
                .is_some()
            {
                return Err(CatalogError::new(
                    "regions.toml",
                    format!("code {} appears twice", r.code),
                ));
            }
            let label = r.code.to_string();
            region_by_key.insert(&format!("{:02}", r.code), code, &label)?;
            region_by_key.insert(&label, code, &label)?;
            region_by_key.insert(&r.name, code, &label)?;
            for alias in &r.aliases {
                region_by_key.insert(alias, code, &label)?;
            }
        }

        let mut theme_by_key = Keys::new("themes.toml");
        for (i, t) in themes.iter().enumerate() {
            let id = ThemeId(i as u8);
            theme_by_key.insert(&t.slug, id, &t.slug)?;
            theme_by_key.insert(&t.name, id, &t.slug)?;
            theme_by_key.insert(&t.short, id, &t.slug)?;
            for alias in &t.aliases {
                theme_by_key.insert(alias, id, &t.slug)?;
            }
        }

        let mut level_by_key = Keys::new("levels.toml");
        let mut level_infos = Vec::new();
        for level in Level::ALL {
            let Some(info) = levels.iter().find(|l| l.slug == level.slug()) else {
                return Err(CatalogError::new(
                    "levels.toml",
                    format!("level {:?} is missing", level.slug()),
                ));
            };
            level_by_key.insert(&info.slug, level, &info.slug)?;
            level_by_key.insert(&info.name, level, &info.slug)?;
            for alias in &info.aliases {
                level_by_key.insert(alias, level, &info.slug)?;
            }
            level_infos.push(info.clone());
        }
        if let Some(extra) = levels.iter().find(|l| Level::from_slug(&l.slug).is_none()) {
            return Err(CatalogError::new(
                "levels.toml",
                format!(
                    "unknown level slug {:?} (federal, regional, municipal)",
                    extra.slug
                ),
            ));
        }

        let mut kind_by_key = Keys::new("kinds.toml");
        let mut kind_infos = Vec::new();
        for kind in Kind::ALL {
            let Some(info) = kinds.iter().find(|k| k.slug == kind.slug()) else {
                return Err(CatalogError::new(
                    "kinds.toml",
                    format!("kind {:?} is missing", kind.slug()),
                ));
            };
            kind_by_key.insert(&info.slug, kind, &info.slug)?;
            kind_by_key.insert(&info.name, kind, &info.slug)?;
            for alias in &info.aliases {
                kind_by_key.insert(alias, kind, &info.slug)?;
            }
            kind_infos.push(info.clone());
        }
        if let Some(extra) = kinds.iter().find(|k| Kind::from_slug(&k.slug).is_none()) {
            return Err(CatalogError::new(
                "kinds.toml",
                format!("unknown kind slug {:?}", extra.slug),
            ));
        }

        let mut header_by_key = Keys::new("headers.toml");
        for (field, names) in &headers {
            header_by_key.insert(field.name(), *field, field.name())?;
            for name in names {
                header_by_key.insert(name, *field, field.name())?;
            }
        }
        for field in Field::ALL {
            // A field without spellings is still known by its own name.
            header_by_key
                .map
                .entry(fold_key(field.name()))
                .or_insert((field, field.name().to_string()));
        }

        let theme_by_key = theme_by_key.finish();
        let level_by_key = level_by_key.finish();
        let kind_by_key = kind_by_key.finish();
        let rules = Rules::new(&Sources {
            theme_by_key: &theme_by_key,
            level_by_key: &level_by_key,
            kind_by_key: &kind_by_key,
            prefixes: &prefixes,
            levels: &level_infos,
            city_words: &city_words,
            federal_cities: &federal_cities,
        });
        let keywords = ThemeKeywords::new(&themes, inference)
            .map_err(|e| CatalogError::new("themes.toml", e))?;
        Ok(Catalog {
            districts,
            regions,
            themes,
            levels: level_infos,
            kinds: kind_infos,
            region_district,
            district_by_key: district_by_key.finish(),
            city_by_key,
            region_by_key: region_by_key.finish(),
            theme_by_key,
            level_by_key,
            kind_by_key,
            header_by_key: header_by_key.finish(),
            rules,
            keywords,
            text_words: text_words
                .iter()
                .map(|w| fold_key(w))
                .filter(|w| !w.is_empty())
                .collect(),
            text_header: None,
        })
    }

    pub fn districts(&self) -> impl ExactSizeIterator<Item = (DistrictId, &District)> {
        self.districts
            .iter()
            .enumerate()
            .map(|(i, d)| (DistrictId(i as u8), d))
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn themes(&self) -> impl ExactSizeIterator<Item = (ThemeId, &Theme)> {
        self.themes
            .iter()
            .enumerate()
            .map(|(i, t)| (ThemeId(i as u8), t))
    }

    pub fn district_info(&self, id: DistrictId) -> &District {
        &self.districts[usize::from(id.0)]
    }

    pub fn theme_info(&self, id: ThemeId) -> &Theme {
        &self.themes[usize::from(id.0)]
    }

    pub fn region_info(&self, code: RegionCode) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code.0)
    }

    pub fn level_info(&self, level: Level) -> &LevelInfo {
        &self.levels[level.index()]
    }

    pub fn kind_info(&self, kind: Kind) -> &KindInfo {
        &self.kinds[kind.index()]
    }

    /// The district of a region.
    pub fn region_district(&self, code: RegionCode) -> Option<DistrictId> {
        self.region_district.get(&code.0).copied()
    }

    /// The district whose session was held in this city (a rule of
    /// [`Catalog::resolve`], and what a title's words are searched for).
    pub fn district_by_city(&self, raw: &str) -> Option<DistrictId> {
        self.city_by_key.get(&fold_key(raw)).copied()
    }

    /// The field a column header names. With a text column named by the
    /// user ([`Catalog::with_text_header`]), that header is the text and
    /// no other is.
    pub fn header(&self, raw: &str) -> Option<Field> {
        let key = fold_key(raw);
        match &self.text_header {
            Some(text) if *text == key => Some(Field::Text),
            Some(_) => self
                .header_by_key
                .get(&key)
                .copied()
                .filter(|f| *f != Field::Text),
            None => self.header_by_key.get(&key).copied(),
        }
    }

    /// The catalogue with `name` as the one header of the text column
    /// (`--text-column`): a header of that name is the text, whatever
    /// other header names a text.
    pub fn with_text_header(mut self, name: &str) -> Catalog {
        self.text_header = Some(fold_key(name));
        self
    }

    /// Whether the user named the text column ([`Catalog::with_text_header`]).
    pub fn text_header(&self) -> Option<&str> {
        self.text_header.as_deref()
    }

    /// How strongly a header no spelling names as the text column says it
    /// is one: the position in `text_words` (0 the strongest) of the first
    /// word of the header it begins, if any («Текст Сообщения»: «текст»;
    /// `description`).
    pub fn text_word(&self, header: &str) -> Option<usize> {
        let key = fold_key(header);
        key.split(' ')
            .filter_map(|word| self.text_words.iter().position(|w| word.starts_with(w)))
            .min()
    }
}

/// A spelling → value table that refuses a spelling claimed by two entries.
struct Keys<T> {
    file: &'static str,
    map: HashMap<String, (T, String)>,
}

impl<T: Copy + PartialEq> Keys<T> {
    fn new(file: &'static str) -> Keys<T> {
        Keys {
            file,
            map: HashMap::new(),
        }
    }

    fn insert(&mut self, spelling: &str, value: T, owner: &str) -> Result<(), CatalogError> {
        let key = fold_key(spelling);
        if key.is_empty() {
            return Err(CatalogError::new(
                self.file,
                format!("{owner}: spelling {spelling:?} has no letters"),
            ));
        }
        match self.map.get(&key) {
            Some((other, other_owner)) if *other != value => Err(CatalogError::new(
                self.file,
                format!("spelling {spelling:?} belongs to both {other_owner} and {owner}"),
            )),
            Some(_) => Ok(()),
            None => {
                self.map.insert(key, (value, owner.to_string()));
                Ok(())
            }
        }
    }

    fn finish(self) -> HashMap<String, T> {
        self.map.into_iter().map(|(k, (v, _))| (k, v)).collect()
    }
}

/// The key under which a catalogue spelling is matched: lower case, ё→е,
/// everything but letters, digits and «№» turned into single spaces.
///
/// ```
/// assert_eq!(sborka_core::fold_key("  «Думая о пожилых — мы думаем о будущем» "),
///            "думая о пожилых мы думаем о будущем");
/// assert_eq!(sborka_core::fold_key("№ п/п"), "№ п п");
/// ```
pub fn fold_key(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    let emit = |out: &mut String, space: &mut bool, c: char| {
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
        out.push(if c == 'ё' { 'е' } else { c });
    };
    for c in raw.chars() {
        // ASCII and the basic Cyrillic alphabet by arithmetic first: the
        // general Unicode tables are slow, and this runs for every label of
        // every record.
        match c {
            'a'..='z' | '0'..='9' | 'а'..='я' | 'ё' | '№' => emit(&mut out, &mut space, c),
            'A'..='Z' => emit(&mut out, &mut space, c.to_ascii_lowercase()),
            // U+0410..U+042F lower to U+0430..U+044F; Ё is emitted as е.
            'А'..='Я' => emit(
                &mut out,
                &mut space,
                char::from_u32(c as u32 + 0x20).unwrap_or(c),
            ),
            'Ё' => emit(&mut out, &mut space, 'е'),
            _ if c.is_ascii() => space = true,
            _ if c.is_alphanumeric() => {
                for lower in c.to_lowercase() {
                    emit(&mut out, &mut space, lower);
                }
            }
            _ => space = true,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_key_table() {
        let cases = [
            ("СКФО", "скфо"),
            ("  Северо-Кавказский  ФО ", "северо кавказский фо"),
            ("ФЕДЕРАЛЬНЫЙ УРОВЕНЬ", "федеральный уровень"),
            ("фед.", "фед"),
            ("Ёлка", "елка"),
            ("«Тема»", "тема"),
            ("Текст\u{a0}предложения", "текст предложения"),
            ("№", "№"),
            ("", ""),
            ("—", ""),
            ("ÄRZTE Ӂ", "ärzte ӂ"),
            ("26.0", "26 0"),
        ];
        for (raw, want) in cases {
            assert_eq!(fold_key(raw), want, "fold_key({raw:?})");
        }
    }

    #[test]
    fn embedded_catalogue_is_complete() {
        let c = Catalog::embedded();
        assert_eq!(c.districts().len(), 8);
        assert_eq!(c.regions().len(), 85);
        assert_eq!(c.themes().len(), 15);
        for r in c.regions() {
            assert!(c.region_district(RegionCode(r.code)).is_some());
        }
    }

    #[test]
    fn lookups_table() {
        let c = Catalog::embedded();
        let city = c
            .district_by_city("Ставрополь")
            .map(|d| c.district_info(d).short.clone());
        assert_eq!(city.as_deref(), Some("СКФО"));
        assert_eq!(c.district_by_city("СКФО"), None);
        let theme = |raw: &str| c.resolve(crate::Facet::Theme, raw);
        assert!(theme("Думая о пожилых - мы думаем о будущем").is_some());
        assert_eq!(
            theme("Думая о пожилых — мы думаем о будущем"),
            theme("«ДУМАЯ О ПОЖИЛЫХ, МЫ ДУМАЕМ О БУДУЩЕМ»")
        );
        assert!(theme("Независимая оценка социальных услуг").is_some());

        assert_eq!(c.header("Текст предложения"), Some(Field::Text));
        assert_eq!(c.header(" ТЕМА "), Some(Field::Theme));
        assert_eq!(c.header("№ п/п"), Some(Field::Id));
        assert_eq!(c.header("Примечание"), None);
        for personal in [
            "ФИО",
            "Ф.И.О.",
            "Телефон",
            "E-mail",
            "СНИЛС",
            "Дата рождения",
        ] {
            assert_eq!(c.header(personal), Some(Field::Personal), "{personal}");
        }
    }

    #[test]
    fn override_reports_the_bad_file() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("levels.toml"), "[[level]]\nslug = 'federal'\n").unwrap();
        let err = Catalog::load_dir(&dir).unwrap_err();
        assert_eq!(err.file, "levels.toml");
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sborka-core-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
