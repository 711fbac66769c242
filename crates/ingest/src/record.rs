//! One record's fields → a proposal, or a quarantined record.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use std::borrow::Cow;

use sborka_core::{
    Catalog, Facet, Field, Label, Placed, Proposal, Provenance, Quarantined, Reason,
};

/// Turns the cells of one record into a [`Proposal`], resolving each label
/// against the catalogue. Unknown spellings are kept, not rejected; only a
/// record without a usable text is quarantined.
pub struct RecordBuilder<'c> {
    catalog: &'c Catalog,
    max_text_chars: usize,
    memo: Memo,
}

/// The labels already looked up, by raw value, per facet. An export
/// repeats a handful of spellings a million times, and folding each again
/// (`fold_key`) was a tenth of reading one.
#[derive(Default)]
struct Memo([Cache<Placed>; Facet::ALL.len()]);

/// Raw value → what the catalogue said, for at most [`Cache::MAX`] values
/// (free text in a label column would otherwise grow it without bound).
struct Cache<T>(RefCell<HashMap<Box<str>, Option<T>>>);

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache(RefCell::default())
    }
}

impl<T: Copy> Cache<T> {
    const MAX: usize = 4096;

    fn get(&self, raw: &str, find: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        if let Some(found) = self.0.borrow().get(raw) {
            return *found;
        }
        let found = find(raw);
        let mut map = self.0.borrow_mut();
        if map.len() < Self::MAX {
            map.insert(raw.into(), found);
        }
        found
    }
}

/// One cell: the header it sits under, the field that header names (if
/// any), and the value.
pub(crate) type Cell<'a> = (&'a str, Option<Field>, &'a str);

impl<'c> RecordBuilder<'c> {
    /// A builder that accepts texts of any length.
    pub fn new(catalog: &'c Catalog) -> RecordBuilder<'c> {
        RecordBuilder {
            catalog,
            max_text_chars: usize::MAX,
            memo: Memo::default(),
        }
    }

    /// Quarantines (`text_too_long`) a text of more than `max` characters.
    pub fn max_text_chars(mut self, max: usize) -> RecordBuilder<'c> {
        self.max_text_chars = max;
        self
    }

    pub fn build<'a>(
        &self,
        mut source: Provenance,
        cells: impl IntoIterator<Item = Cell<'a>>,
    ) -> Result<Proposal, Box<Quarantined>> {
        let mut values: [Option<&str>; Field::ALL.len()] = [None; Field::ALL.len()];
        let mut extra = BTreeMap::new();
        // Kept to describe a quarantined record; most records are accepted,
        // so the raw map is only built for those that are not.
        let cells: Vec<Cell<'a>> = cells.into_iter().collect();
        for &(header, field, value) in &cells {
            match field {
                Some(field) if values[field as usize].is_none() => {
                    values[field as usize] = Some(value.trim());
                }
                _ => {
                    let value = value.trim();
                    if !value.is_empty() {
                        insert_unique(&mut extra, header, value);
                    }
                }
            }
        }
        let get = |f: Field| values[f as usize].filter(|v| !v.is_empty());
        source.source_id = get(Field::Id).map(normalize_number);

        let text = with_title(get(Field::Title), get(Field::Text).unwrap_or(""));
        let text = text.trim();
        let quarantine = |reason: Reason, what: &str| {
            let cap = self.max_text_chars.clamp(64, 1 << 20);
            let mut raw = BTreeMap::new();
            for &(header, _, value) in &cells {
                insert_unique(&mut raw, header, &capped(value, cap));
            }
            Box::new(Quarantined {
                message: format!("{source}: {what}"),
                source: source.clone(),
                reason,
                raw,
            })
        };
        if text.is_empty() {
            return Err(quarantine(Reason::EmptyText, "no proposal text"));
        }
        // A text has no more characters than bytes: most are told short
        // without counting.
        if text.len() > self.max_text_chars
            && let Some((_, _)) = text.char_indices().nth(self.max_text_chars)
        {
            let chars = text.chars().count();
            return Err(quarantine(
                Reason::TextTooLong,
                &format!(
                    "the text has {chars} characters, more than the limit of {}",
                    self.max_text_chars
                ),
            ));
        }
        if !text.chars().any(char::is_alphanumeric) {
            return Err(quarantine(
                Reason::NoLetters,
                "the text has no letters or digits",
            ));
        }

        let (c, m) = (self.catalog, &self.memo);
        let mut p = Proposal::new(source, text);
        // In the order of `Facet::ALL`: the region before the level, whose
        // «городской» depends on it.
        for facet in Facet::ALL {
            let raw = get(facet.field());
            let placed = raw.and_then(|v| m.0[facet.index()].get(v, |v| c.place(facet, v)));
            let value = placed.map(|placed| c.in_region(placed, p.facets.region.known()));
            p.facets.set(facet, raw, value);
            // A label read as a person reads it, not as the catalogue
            // spells it: the analyst sees what was decided.
            if placed.is_some_and(|placed| !placed.verbatim()) {
                p.inferred.push(facet.field());
            }
            // A year that cannot be read stays in `extra`, as written.
            if let (Facet::Year, Some(raw), None) = (facet, raw, value) {
                extra.insert(Field::Year.name().to_string(), raw.to_string());
            }
        }
        // A region implies its district.
        if !p.facets.district.is_known()
            && let Some(district) = p.facets.region.known().and_then(|r| c.region_district(r))
        {
            if let Label::Unknown(raw) = &p.facets.district {
                extra.insert(Field::District.name().to_string(), raw.clone());
            }
            p.facets.district = Label::Known(district);
            p.inferred.push(Field::District);
        }
        p.inferred.sort();
        p.extra = extra;
        Ok(p)
    }
}

/// The text of a record with a title beside its body: «title. body» (the
/// title alone without a body, the body alone when it starts with the
/// title). HTML is cleaned before, by the reader, in the columns that hold
/// it ([`crate::html::is_html_column`]).
fn with_title<'a>(title: Option<&'a str>, body: &'a str) -> Cow<'a, str> {
    let Some(title) = title.map(str::trim) else {
        return Cow::Borrowed(body);
    };
    let body_text = body.trim();
    if body_text.is_empty() {
        return Cow::Borrowed(title);
    }
    if title.is_empty() || body_text.starts_with(title) {
        return Cow::Borrowed(body);
    }
    let stop = title.ends_with(['.', '!', '?', '…']);
    Cow::Owned(format!(
        "{title}{} {body_text}",
        if stop { "" } else { "." }
    ))
}

fn insert_unique(map: &mut BTreeMap<String, String>, key: &str, value: &str) {
    let mut name = key.to_string();
    let mut n = 2;
    while map.contains_key(&name) {
        name = format!("{key} ({n})");
        n += 1;
    }
    map.insert(name, value.to_string());
}

/// A raw value cut to `max` characters, saying how long it was.
pub(crate) fn capped(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        None => value.to_string(),
        Some((at, _)) => format!(
            "{}… [{} characters in all]",
            &value[..at],
            value.chars().count()
        ),
    }
}

/// Spreadsheets write identifiers as floats: `12.0` is `12`.
fn normalize_number(raw: &str) -> String {
    raw.strip_suffix(".0")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(cells: &[(&str, &str)]) -> Result<Proposal, Box<Quarantined>> {
        let catalog = Catalog::embedded();
        let builder = RecordBuilder::new(&catalog).max_text_chars(300);
        let source = Provenance {
            file: "t.csv".into(),
            record: 1,
            line: 2,
            ..Default::default()
        };
        builder.build(
            source,
            cells.iter().map(|(h, v)| (*h, catalog.header(h), *v)),
        )
    }

    /// A title beside the text: «title. text», once.
    #[test]
    fn a_title_joins_the_text() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (
                &[("Заголовок", "Сиделки"), ("Текст", "Открыть службу")],
                "Сиделки. Открыть службу",
            ),
            (
                &[("Заголовок", "Сиделки?"), ("Текст", "Открыть службу")],
                "Сиделки? Открыть службу",
            ),
            (
                &[("Заголовок", "Сиделки"), ("Текст", "Сиделки на дому")],
                "Сиделки на дому",
            ),
            (&[("Заголовок", "Сиделки"), ("Текст", " ")], "Сиделки"),
            (
                &[("Заголовок", " "), ("Текст", "Открыть службу")],
                "Открыть службу",
            ),
            (&[("Текст", "Открыть службу")], "Открыть службу"),
        ];
        for (cells, want) in cases {
            assert_eq!(build(cells).unwrap().text, want, "{cells:?}");
        }
        // Nothing but punctuation in both: no text.
        assert_eq!(
            build(&[("Заголовок", "—"), ("Текст", "")])
                .unwrap_err()
                .reason,
            Reason::NoLetters
        );
    }

    #[test]
    fn quarantine_reasons() {
        let long = "Очень длинный текст ".repeat(20);
        let cases = [
            (vec![("text", "")], Reason::EmptyText),
            (vec![("text", "   ")], Reason::EmptyText),
            (vec![("theme", "Пожилые")], Reason::EmptyText),
            (vec![("text", "— … !")], Reason::NoLetters),
            (vec![("text", long.as_str())], Reason::TextTooLong),
        ];
        for (cells, want) in cases {
            let q = build(&cells).unwrap_err();
            assert_eq!(q.reason, want, "{cells:?}");
            assert!(
                q.message.starts_with("record 1 (line 2) of t.csv: "),
                "{}",
                q.message
            );
        }
    }

    /// The limit counts characters, not bytes: 300 Cyrillic letters (600
    /// bytes) pass, 301 do not, nor do 301 ASCII letters.
    #[test]
    fn text_length_is_counted_in_characters() {
        for (text, too_long) in [
            ("ж".repeat(300), false),
            ("ж".repeat(301), true),
            ("z".repeat(300), false),
            ("z".repeat(301), true),
            (format!("{}{}", "ж".repeat(299), "z"), false),
        ] {
            let got = build(&[("text", text.as_str())]).err().map(|q| q.reason);
            assert_eq!(
                got,
                too_long.then_some(Reason::TextTooLong),
                "{} chars",
                text.chars().count()
            );
        }
    }

    #[test]
    fn labels_resolve_or_stay_raw() {
        let p = build(&[
            ("Текст предложения", " Ввести сертификат на услуги сиделки "),
            ("Тема", "Разное"),
            ("Уровень", "фед."),
            ("Субъект РФ", "26"),
            ("Год", "2018.0"),
            ("№", "17.0"),
            ("Примечание", "из протокола"),
        ])
        .unwrap();
        assert_eq!(p.text, "Ввести сертификат на услуги сиделки");
        assert_eq!(p.facets.theme, Label::Unknown("Разное".into()));
        assert_eq!(p.facets.level.known(), Some(sborka_core::Level::Federal));
        assert_eq!(p.facets.region.known(), Some(sborka_core::RegionCode(26)));
        // The district came from the region.
        assert!(p.facets.district.is_known());
        assert_eq!(p.inferred, [Field::District]);
        assert_eq!(p.facets.year, Some(2018));
        assert_eq!(p.source.source_id.as_deref(), Some("17"));
        assert_eq!(
            p.extra.get("Примечание").map(String::as_str),
            Some("из протокола")
        );
    }
}
