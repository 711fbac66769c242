//! One record's fields → a proposal, or a quarantined record.
//!
//! This is where personal data leaves a record, for every reader: the
//! cells of personal columns are not copied, and the text, the other
//! columns and the labels the catalogue could not place are masked
//! (`sborka_text::personal`). Nothing downstream sees the originals; they
//! are kept beside the proposal only when asked ([`RecordBuilder::keep_personal`]).

use std::borrow::Cow;
use std::cell::{Cell as Counter, RefCell};
use std::collections::{BTreeMap, HashMap};

use sborka_core::{
    Catalog, Facet, Field, Label, Masked, Personal, Placed, Proposal, Provenance, Quarantined,
    Reason,
};

/// Turns the cells of one record into a [`Proposal`], resolving each label
/// against the catalogue. Unknown spellings are kept, not rejected; only a
/// record without a usable text is quarantined. Personal data is masked
/// and counted ([`RecordBuilder::take_masked`]).
pub struct RecordBuilder<'c> {
    catalog: &'c Catalog,
    max_text_chars: usize,
    keep_personal: bool,
    memo: Memo,
    /// What was masked since the last [`RecordBuilder::take_masked`].
    masked: Counter<Masked>,
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
            keep_personal: false,
            memo: Memo::default(),
            masked: Counter::default(),
        }
    }

    /// Quarantines (`text_too_long`) a text of more than `max` characters.
    pub fn max_text_chars(mut self, max: usize) -> RecordBuilder<'c> {
        self.max_text_chars = max;
        self
    }

    /// Keeps what masking changed, as written, in each proposal's
    /// `personal` (for `proposals.jsonl` under `--keep-personal`). The
    /// proposal itself is masked all the same.
    pub fn keep_personal(mut self, keep: bool) -> RecordBuilder<'c> {
        self.keep_personal = keep;
        self
    }

    /// What was masked in the records built since the last call: cells of
    /// personal columns left out, values found in texts, per kind.
    pub fn take_masked(&self) -> Masked {
        self.masked.take()
    }

    /// `value` with its personal data masked, counted.
    pub(crate) fn mask<'v>(&self, value: &'v str) -> Cow<'v, str> {
        let mut masked = self.masked.get();
        let out = sborka_text::personal::mask(value, &mut masked);
        self.masked.set(masked);
        out
    }

    /// A quarantined record's cells, as `quarantine.jsonl` keeps them:
    /// each cut to `cap` characters, personal columns left out, personal
    /// data in the others masked.
    pub(crate) fn raw_cells<'a>(
        &self,
        cells: impl IntoIterator<Item = Cell<'a>>,
        cap: usize,
    ) -> BTreeMap<String, String> {
        let mut raw = BTreeMap::new();
        for (header, field, value) in cells {
            if field == Some(Field::Personal) {
                self.left_out(value);
                continue;
            }
            insert_unique(&mut raw, header, &self.mask(&capped(value, cap)));
        }
        raw
    }

    /// The text of a record that could not be split into cells, as the
    /// quarantine keeps it: masked, or not at all when its table has a
    /// personal column (whose value is somewhere in it).
    pub(crate) fn raw_line(&self, raw: &str, cap: usize, personal_columns: bool) -> String {
        if personal_columns {
            return WITHHELD.to_string();
        }
        self.mask(&capped(raw, cap)).into_owned()
    }

    /// Counts a personal column's cell left out.
    fn left_out(&self, value: &str) {
        if !value.trim().is_empty() {
            let mut masked = self.masked.get();
            masked.cells += 1;
            self.masked.set(masked);
        }
    }

    pub fn build<'a>(
        &self,
        mut source: Provenance,
        cells: impl IntoIterator<Item = Cell<'a>>,
    ) -> Result<Proposal, Box<Quarantined>> {
        let mut values: [Option<&str>; Field::ALL.len()] = [None; Field::ALL.len()];
        let mut extra: BTreeMap<String, String> = BTreeMap::new();
        // The originals of what masking changed, when they are kept.
        let mut personal = Personal::default();
        // Kept to describe a quarantined record; most records are accepted,
        // so the raw map is only built for those that are not.
        let cells: Vec<Cell<'a>> = cells.into_iter().collect();
        for &(header, field, value) in &cells {
            match field {
                Some(Field::Personal) => {
                    let value = value.trim();
                    if !value.is_empty() && self.keep_personal {
                        insert_unique(&mut personal.extra, header, value);
                    }
                }
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
            let raw = self.raw_cells(cells.iter().copied(), cap);
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

        for &(_, field, value) in &cells {
            if field == Some(Field::Personal) {
                self.left_out(value);
            }
        }
        let (c, m) = (self.catalog, &self.memo);
        let masked = self.mask(text);
        if self.keep_personal && matches!(masked, Cow::Owned(_)) {
            personal.text = Some(text.to_string());
        }
        let mut p = Proposal::new(source, masked);
        // In the order of `Facet::ALL`: the region before the level, whose
        // «городской» depends on it.
        for facet in Facet::ALL {
            let raw = get(facet.field());
            let placed = raw.and_then(|v| m.0[facet.index()].get(v, |v| c.place(facet, v)));
            let value = placed.map(|placed| c.in_region(placed, p.facets.region.known()));
            // A value the catalogue could not place is shown as written:
            // masked like the text.
            let raw = match (raw, value) {
                (Some(raw), None) => Some(self.mask(raw)),
                (raw, _) => raw.map(Cow::Borrowed),
            };
            p.facets.set(facet, raw.as_deref(), value);
            // A label read as a person reads it, not as the catalogue
            // spells it: the analyst sees what was decided.
            if placed.is_some_and(|placed| !placed.verbatim()) {
                p.inferred.push(facet.field());
            }
            // A year that cannot be read stays in `extra`, as written.
            if let (Facet::Year, Some(raw), None) = (facet, raw, value) {
                extra.insert(Field::Year.name().to_string(), raw.into_owned());
            }
        }
        for (header, value) in &mut extra {
            if let Cow::Owned(masked) = self.mask(value) {
                let original = std::mem::replace(value, masked);
                if self.keep_personal {
                    personal.extra.insert(header.clone(), original);
                }
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
        if personal != Personal::default() {
            p.personal = Some(Box::new(personal));
        }
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

/// What the quarantine keeps of a record it cannot show without the
/// personal data of its table.
pub(crate) const WITHHELD: &str = "[не показано: в таблице есть столбцы с персональными данными]";

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

    /// Personal columns are not copied; personal data in the text, the
    /// other columns and an unplaced label is masked; all of it counted.
    #[test]
    fn personal_data_leaves_the_record() {
        use sborka_core::PersonalKind;
        let catalog = Catalog::embedded();
        let cells = [
            ("ФИО", "Кондратьева Алевтина Павловна"),
            ("Телефон", "+7 (912) 345-67-01"),
            ("E-mail", "  "),
            (
                "Текст предложения",
                "Открыть линию, звоните 8 (912) 345-67-01",
            ),
            ("Тема", "пишите a.k@example.ru"),
            ("Примечание", "СНИЛС 112-233-445 95"),
            ("Источник", "закон № 442-ФЗ"),
        ];
        let source = Provenance {
            file: "t.csv".into(),
            record: 1,
            line: 2,
            ..Default::default()
        };
        let cells = || cells.iter().map(|(h, v)| (*h, catalog.header(h), *v));
        for keep in [false, true] {
            let builder = RecordBuilder::new(&catalog).keep_personal(keep);
            let p = builder.build(source.clone(), cells()).unwrap();
            assert_eq!(p.text, "Открыть линию, звоните [телефон скрыт]");
            assert_eq!(
                p.facets.theme,
                Label::Unknown("пишите [e-mail скрыт]".into())
            );
            let extra: Vec<(&str, &str)> = p
                .extra
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                extra,
                [
                    ("Источник", "закон № 442-ФЗ"),
                    ("Примечание", "СНИЛС [СНИЛС скрыт]")
                ]
            );
            let masked = builder.take_masked();
            assert_eq!(masked.cells, 2, "the blank e-mail cell is not counted");
            assert_eq!(masked.found(PersonalKind::Phone), 1);
            assert_eq!(masked.found(PersonalKind::Email), 1);
            assert_eq!(masked.found(PersonalKind::Snils), 1);
            assert_eq!(builder.take_masked(), Masked::default(), "taken");
            match (keep, p.personal.as_deref()) {
                (false, None) => {}
                (true, Some(personal)) => {
                    assert_eq!(
                        personal.text.as_deref(),
                        Some("Открыть линию, звоните 8 (912) 345-67-01")
                    );
                    assert_eq!(personal.extra["ФИО"], "Кондратьева Алевтина Павловна");
                    assert_eq!(personal.extra["Телефон"], "+7 (912) 345-67-01");
                    assert_eq!(personal.extra["Примечание"], "СНИЛС 112-233-445 95");
                    assert!(!personal.extra.contains_key("Источник"));
                }
                other => panic!("keep {keep}: {other:?}"),
            }
        }
        // A quarantined record keeps neither the personal columns nor the
        // personal data of the others.
        let builder = RecordBuilder::new(&catalog);
        let q = builder
            .build(
                source,
                [
                    ("ФИО", "Кондратьева Алевтина Павловна"),
                    ("Текст", ""),
                    ("Комментарий", "звоните 8-912-345-67-02"),
                ]
                .map(|(h, v)| (h, catalog.header(h), v)),
            )
            .unwrap_err();
        let raw: Vec<(&str, &str)> = q
            .raw
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            raw,
            [("Комментарий", "звоните [телефон скрыт]"), ("Текст", "")]
        );
        assert_eq!(builder.take_masked().cells, 1);
        assert_eq!(
            builder.raw_line("Иванов;8-912-345-67-02", 100, true),
            WITHHELD
        );
        assert_eq!(
            builder.raw_line("x;8-912-345-67-02", 100, false),
            "x;[телефон скрыт]"
        );
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
