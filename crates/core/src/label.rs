//! Reading a theme, level or kind as a person reads it, when no catalogue
//! spelling matches it verbatim: without «Площадка N» and numbering in
//! front, with words cut with a dot, with the words that name a level
//! inside a longer label, with a typo. Every rule refuses to choose between
//! two values; what they place is marked as not verbatim ([`Rule`]), and
//! reading exports lists it in the record's `inferred`.
//!
//! The rules' words are data (`catalog/themes.toml`'s `prefixes`,
//! `catalog/levels.toml`'s `words`, `city_words`, `federal_cities`); the
//! spellings they match against are the catalogue's own.

use std::collections::HashMap;

use crate::catalog::{LevelInfo, RegionCode, ThemeId};
use crate::facet::{Facet, Value};
use crate::model::{Kind, Level};

/// How a spelling was placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A catalogue spelling (case, ё/е, punctuation, quotes and dashes
    /// aside), a region's code, a session city, a year.
    Verbatim,
    /// A catalogue spelling once «Площадка N», «Секция», numbering in
    /// front are taken away («Площадка 3. Семья», «2) Молодежь»).
    Stripped,
    /// Words cut with a dot, each the beginning of the word of one
    /// catalogue spelling at its place («Соц. работник будущего»,
    /// «муниц.»), all such spellings of one value.
    Abbreviation,
    /// Words that name one level inside a longer label («краевой»,
    /// «на областном уровне», «сельское поселение»).
    LevelWord,
    /// «Городской»: the municipal level, but the regional one in a
    /// federal city (Москва, Санкт-Петербург, Севастополь), which is a
    /// subject of the Federation ([`crate::Catalog::in_region`]).
    CityWord,
    /// A catalogue spelling a typo or two away, and no spelling of
    /// another value as close.
    Typo,
}

/// What a spelling means and how it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Placed {
    pub value: Value,
    pub rule: Rule,
}

impl Placed {
    /// Whether it matched a catalogue spelling as written.
    pub fn verbatim(&self) -> bool {
        self.rule == Rule::Verbatim
    }
}

/// A label longer than this is free text, not a label: no rule reads it.
const MAX_LABEL_BYTES: usize = 240;

/// The fewest letters a word cut with a dot keeps (a lone «с.» could be
/// anything).
const MIN_CUT_LETTERS: usize = 2;

/// The catalogue's spellings of one facet, as words, and their values.
#[derive(Clone, Debug, Default)]
struct Spellings(Vec<(Vec<String>, Value)>);

impl Spellings {
    fn new<T: Copy>(by_key: &HashMap<String, T>, value: fn(T) -> Value) -> Spellings {
        let mut all: Vec<(Vec<String>, Value)> = by_key
            .iter()
            .map(|(key, &t)| (key.split(' ').map(str::to_string).collect(), value(t)))
            .collect();
        all.sort();
        Spellings(all)
    }
}

/// The rules of this module, with the catalogue's spellings.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rules {
    theme: Spellings,
    level: Spellings,
    kind: Spellings,
    /// Words before a theme's name that are not part of it, folded.
    theme_prefixes: Vec<Vec<String>>,
    /// Beginnings of words naming a level.
    level_words: Vec<(String, Level)>,
    /// Beginnings of words naming a city's level («городск»).
    city_words: Vec<String>,
    federal_cities: Vec<u8>,
}

/// What [`Rules::new`] reads.
pub(crate) struct Sources<'a> {
    pub theme_by_key: &'a HashMap<String, ThemeId>,
    pub level_by_key: &'a HashMap<String, Level>,
    pub kind_by_key: &'a HashMap<String, Kind>,
    pub prefixes: &'a [String],
    pub levels: &'a [LevelInfo],
    pub city_words: &'a [String],
    pub federal_cities: &'a [u8],
}

/// A word of a label, folded as `fold_key` folds it, and whether a dot
/// follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Word {
    text: String,
    cut: bool,
}

impl Rules {
    pub(crate) fn new(s: &Sources<'_>) -> Rules {
        let fold = |w: &str| crate::fold_key(w);
        let mut level_words = Vec::new();
        for info in s.levels {
            if let Some(level) = Level::from_slug(&info.slug) {
                level_words.extend(info.words.iter().map(|w| (fold(w), level)));
            }
        }
        level_words.retain(|(w, _)| !w.is_empty());
        Rules {
            theme: Spellings::new(s.theme_by_key, Value::Theme),
            level: Spellings::new(s.level_by_key, Value::Level),
            kind: Spellings::new(s.kind_by_key, Value::Kind),
            theme_prefixes: s
                .prefixes
                .iter()
                .map(|p| fold(p).split(' ').map(str::to_string).collect::<Vec<_>>())
                .filter(|p| p.iter().all(|w| !w.is_empty()))
                .collect(),
            level_words,
            city_words: s
                .city_words
                .iter()
                .map(|w| fold(w))
                .filter(|w| !w.is_empty())
                .collect(),
            federal_cities: s.federal_cities.to_vec(),
        }
    }

    /// Places `raw`, which no catalogue spelling of `facet` matches
    /// verbatim; `exact` looks a folded key up among them.
    pub(crate) fn place(
        &self,
        facet: Facet,
        raw: &str,
        exact: impl Fn(&str) -> Option<Value>,
    ) -> Option<Placed> {
        let spellings = match facet {
            Facet::Theme => &self.theme,
            Facet::Level => &self.level,
            Facet::Kind => &self.kind,
            _ => return None,
        };
        if raw.len() > MAX_LABEL_BYTES {
            return None;
        }
        let all = words(raw);
        let prefixes: &[Vec<String>] = if facet == Facet::Theme {
            &self.theme_prefixes
        } else {
            &[]
        };
        let words = strip(&all, prefixes);
        if words.is_empty() {
            return None;
        }
        let key = join(words);
        let placed = |value: Value, rule: Rule| Some(Placed { value, rule });
        if words.len() < all.len()
            && let Some(value) = exact(&key)
        {
            return placed(value, Rule::Stripped);
        }
        if let Some(value) = abbreviation(spellings, words) {
            return placed(value, Rule::Abbreviation);
        }
        if facet == Facet::Level
            && let Some((level, city)) = self.level_word(words)
        {
            let rule = if city {
                Rule::CityWord
            } else {
                Rule::LevelWord
            };
            return placed(Value::Level(level), rule);
        }
        typo(spellings, &key).and_then(|value| placed(value, Rule::Typo))
    }

    /// The one level the words name, and whether a city word named it.
    fn level_word(&self, words: &[Word]) -> Option<(Level, bool)> {
        let mut named: Option<Level> = None;
        let mut city = false;
        for word in words {
            let names = |stem: &str| {
                word.text.starts_with(stem)
                    || (word.cut
                        && word.text.chars().count() >= MIN_CUT_LETTERS
                        && stem.starts_with(&word.text))
            };
            let mut levels = self
                .level_words
                .iter()
                .filter(|(stem, _)| names(stem))
                .map(|(_, level)| *level);
            let Some(level) = levels.next() else {
                continue;
            };
            if levels.any(|other| other != level) || named.is_some_and(|n| n != level) {
                return None;
            }
            named = Some(level);
            city |= self.city_words.iter().any(|stem| names(stem));
        }
        named.map(|level| (level, city && level == Level::Municipal))
    }

    /// Whether `region` is a federal city, where a city's level is the
    /// regional one.
    pub(crate) fn federal_city(&self, region: RegionCode) -> bool {
        self.federal_cities.contains(&region.0)
    }
}

/// The words of `raw` as `fold_key` folds them (lower case, ё→е, anything
/// but letters, digits and «№» a separator), each marked when a dot
/// follows it.
fn words(raw: &str) -> Vec<Word> {
    let key = crate::fold_key(raw);
    let mut out: Vec<Word> = key
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| Word {
            text: w.to_string(),
            cut: false,
        })
        .collect();
    // Where each word ends in `raw`: the same runs of letters, digits and
    // «№» that `fold_key` keeps, in order.
    let mut n = 0;
    let mut in_word = false;
    for c in raw.chars() {
        let keeps = c.is_alphanumeric() || c == '№';
        if keeps {
            in_word = true;
        } else if in_word {
            in_word = false;
            if c == '.'
                && let Some(word) = out.get_mut(n)
            {
                word.cut = true;
            }
            n += 1;
        }
    }
    out
}

/// `words` without numbering («1.», «№ 3», «2)») and without the phrases
/// of `prefixes` in front, in any order («Площадка № 3. …», «3. Площадка
/// …»).
fn strip<'w>(words: &'w [Word], prefixes: &[Vec<String>]) -> &'w [Word] {
    let mut rest = words;
    loop {
        let before = rest.len();
        while let Some(first) = rest.first()
            && (first.text == "№" || first.text.bytes().all(|b| b.is_ascii_digit()))
        {
            rest = &rest[1..];
        }
        // The longest prefix phrase that starts the label.
        if let Some(p) = prefixes
            .iter()
            .filter(|p| p.len() <= rest.len() && p.iter().zip(rest).all(|(a, b)| *a == b.text))
            .max_by_key(|p| p.len())
        {
            rest = &rest[p.len()..];
        }
        if rest.len() == before {
            return rest;
        }
    }
}

fn join(words: &[Word]) -> String {
    let mut key = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(&w.text);
    }
    key
}

/// The one value whose spellings of as many words match `words`, each
/// word cut with a dot the beginning of the spelling's word at its place
/// and each other word that word itself. None without a cut word. A label
/// of cut words only («муниц.») has no word to anchor it: each must begin
/// words of that one value only, wherever they stand («Соц.» begins
/// words of several themes).
fn abbreviation(spellings: &Spellings, words: &[Word]) -> Option<Value> {
    let cut = |w: &Word| w.cut && w.text.chars().count() >= MIN_CUT_LETTERS;
    if !words.iter().any(cut) {
        return None;
    }
    let found = abbreviation_by_place(spellings, words, cut)?;
    if words.iter().all(cut) {
        let elsewhere = spellings.0.iter().any(|(spelling, value)| {
            *value != found
                && spelling
                    .iter()
                    .any(|s| words.iter().any(|w| s.starts_with(&w.text)))
        });
        if elsewhere {
            return None;
        }
    }
    Some(found)
}

fn abbreviation_by_place(
    spellings: &Spellings,
    words: &[Word],
    cut: impl Fn(&Word) -> bool,
) -> Option<Value> {
    let mut found: Option<Value> = None;
    for (spelling, value) in &spellings.0 {
        let fits = spelling.len() == words.len()
            && spelling.iter().zip(words).all(|(s, w)| {
                if cut(w) {
                    s.starts_with(&w.text)
                } else {
                    *s == w.text
                }
            });
        if fits {
            match found {
                Some(other) if other != *value => return None,
                _ => found = Some(*value),
            }
        }
    }
    found
}

/// The one value with a spelling a typo or two from `key` (one under 12
/// letters, two from 12; none under 6), when no spelling of another value
/// is as close.
fn typo(spellings: &Spellings, key: &str) -> Option<Value> {
    let len = key.chars().count();
    let allowed = match len {
        0..6 => return None,
        6..12 => 1,
        _ => 2,
    };
    let mut found: Option<Value> = None;
    for (spelling, value) in &spellings.0 {
        let other = spelling.join(" ");
        if other.chars().count().abs_diff(len) > allowed {
            continue;
        }
        if edits(&other, key) <= allowed {
            match found {
                Some(f) if f != *value => return None,
                _ => found = Some(*value),
            }
        }
    }
    found
}

/// Levenshtein distance between two short strings, in characters.
pub(crate) fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    /// A spelling of a facet, and the slug and rule it is placed by.
    type Case = (Facet, &'static str, Option<(&'static str, Rule)>);

    /// Every rule, one line per spelling: what it places, by which rule.
    /// `None`: stays unplaced (flagged as before).
    #[test]
    fn labels_as_a_person_reads_them() {
        let c = Catalog::embedded();
        let cases: &[Case] = &[
            // Verbatim spellings keep their rule (nothing recognised before
            // is recognised differently).
            (Facet::Theme, "«Семья»", Some(("family", Rule::Verbatim))),
            (Facet::Level, "рег.", Some(("regional", Rule::Verbatim))),
            (Facet::Level, "Ф", Some(("federal", Rule::Verbatim))),
            // «Площадка N», numbering and quotes in front.
            (
                Facet::Theme,
                "Площадка 3. Семья",
                Some(("family", Rule::Stripped)),
            ),
            (
                Facet::Theme,
                "Площадка № 2 «Пожилые»",
                Some(("elderly", Rule::Stripped)),
            ),
            (
                Facet::Theme,
                "1. Площадка «Молодое поколение»",
                Some(("youth", Rule::Stripped)),
            ),
            (
                Facet::Theme,
                "3) Цифровая социальная сфера",
                Some(("digital", Rule::Stripped)),
            ),
            (
                Facet::Theme,
                "Тематическая площадка 5: Аутсорсинг",
                Some(("outsourcing", Rule::Stripped)),
            ),
            (
                Facet::Theme,
                "Секция 4 — Равные права",
                Some(("equal-rights", Rule::Stripped)),
            ),
            (Facet::Theme, "Площадка 3", None),
            (Facet::Theme, "12", None),
            (
                Facet::Level,
                "2. региональный",
                Some(("regional", Rule::Stripped)),
            ),
            // A word cut with a dot: the one catalogue word it begins.
            (
                Facet::Theme,
                "Соц. работник будущего",
                Some(("social-worker", Rule::Abbreviation)),
            ),
            (
                Facet::Theme,
                "Качество и доступность соц. услуг",
                Some(("quality", Rule::Abbreviation)),
            ),
            (
                Facet::Theme,
                "Развитие соц. услуг на селе",
                Some(("rural", Rule::Abbreviation)),
            ),
            (
                Facet::Theme,
                "Учреждение соц. обсл.",
                Some(("institutions", Rule::Abbreviation)),
            ),
            (
                Facet::Level,
                "муниц.",
                Some(("municipal", Rule::Abbreviation)),
            ),
            (
                Facet::Level,
                "Регион. уровень",
                Some(("regional", Rule::Abbreviation)),
            ),
            (
                Facet::Kind,
                "законод. инициатива",
                Some(("legislative", Rule::Abbreviation)),
            ),
            // Cut so short it begins words of two values: no guess.
            (Facet::Theme, "Соц.", None),
            (Facet::Theme, "С. работник", None),
            // A word without a dot is not cut (here a typo: a space).
            (
                Facet::Theme,
                "Соц работник будущего",
                Some(("social-worker", Rule::Typo)),
            ),
            (Facet::Theme, "Учреждение соц обсл", None),
            // The adjectives of the subject types: the regional level.
            (Facet::Level, "краевой", Some(("regional", Rule::LevelWord))),
            (
                Facet::Level,
                "Областной",
                Some(("regional", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "республиканский уровень",
                Some(("regional", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "на областном уровне",
                Some(("regional", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "краевой бюджет",
                Some(("regional", Rule::LevelWord)),
            ),
            (Facet::Level, "обл.", Some(("regional", Rule::LevelWord))),
            // District, settlement, village: municipal; a city's is the
            // city word (regional in a federal city).
            (
                Facet::Level,
                "районный",
                Some(("municipal", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "поселковый",
                Some(("municipal", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "Сельское поселение",
                Some(("municipal", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "муниципальный район",
                Some(("municipal", Rule::LevelWord)),
            ),
            (
                Facet::Level,
                "городской",
                Some(("municipal", Rule::CityWord)),
            ),
            (
                Facet::Level,
                "Городской округ",
                Some(("municipal", Rule::CityWord)),
            ),
            // No level, or two: stays flagged.
            (Facet::Level, "не знаю", None),
            (Facet::Level, "—", None),
            (Facet::Level, "федеральный и региональный", None),
            (Facet::Level, "региональный/муниципальный", None),
            (Facet::Level, "окружной", None),
            (Facet::Level, "межрегиональный", None),
            // A typo, when the closest spelling is one value's.
            (
                Facet::Theme,
                "Цифровая социальая сфера",
                Some(("digital", Rule::Typo)),
            ),
            (
                Facet::Theme,
                "Сбережение и приумнажение народа",
                Some(("demography", Rule::Typo)),
            ),
            (
                Facet::Theme,
                "Аутсорсинк",
                Some(("outsourcing", Rule::Typo)),
            ),
            (Facet::Kind, "предложенние", Some(("proposal", Rule::Typo))),
            // Too short for a typo: «НКО» and «НОК» are two themes.
            (Facet::Theme, "НКА", None),
            (Facet::Theme, "Разное", None),
            (Facet::Theme, "Прочие предложения", None),
            // Districts and regions are read verbatim only.
            (Facet::District, "Площадка 3. СКФО", None),
        ];
        for &(facet, raw, want) in cases {
            let got = c
                .place(facet, raw)
                .map(|p| (c.slug(p.value).into_owned(), p.rule));
            let want = want.map(|(slug, rule)| (slug.to_string(), rule));
            assert_eq!(got, want, "{facet} {raw:?}");
        }
    }

    #[test]
    fn a_city_word_is_regional_in_a_federal_city() {
        let c = Catalog::embedded();
        let level = |raw: &str, region: Option<u8>| {
            let placed = c.place(Facet::Level, raw).unwrap();
            c.slug(c.in_region(placed, region.map(RegionCode)))
                .into_owned()
        };
        assert_eq!(level("городской уровень", Some(77)), "regional");
        assert_eq!(level("городской уровень", Some(78)), "regional");
        assert_eq!(level("городской уровень", Some(92)), "regional");
        assert_eq!(level("городской уровень", Some(26)), "municipal");
        assert_eq!(level("городской уровень", None), "municipal");
        // Only the city word depends on the region.
        assert_eq!(level("районный", Some(77)), "municipal");
        assert_eq!(level("муниципальный", Some(77)), "municipal");
    }

    #[test]
    fn words_mark_the_cut_ones() {
        let cut: Vec<(String, bool)> = words("Соц. работник  «будущего». ур.")
            .into_iter()
            .map(|w| (w.text, w.cut))
            .collect();
        let want = [
            ("соц", true),
            ("работник", false),
            ("будущего", false),
            ("ур", true),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(w, c)| (w.to_string(), *c)).collect();
        assert_eq!(cut, want);
        assert_eq!(words("Ёлка, № 3").len(), 3);
    }

    #[test]
    fn edits_table() {
        let cases = [
            ("скфо", "скфо", 0),
            ("скфо", "скфщ", 1),
            ("скфо", "сзфо", 1),
            ("", "аб", 2),
            ("федеральный", "федеральнй", 1),
        ];
        for (a, b, want) in cases {
            assert_eq!(edits(a, b), want, "{a} {b}");
        }
    }
}
