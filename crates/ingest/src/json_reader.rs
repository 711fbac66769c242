//! JSON: an array of flat objects; an object with session metadata and a
//! list of records (the metadata applies to every record that lacks it);
//! JSON Lines, one object per line.

use serde_json::{Map, Value};

use sborka_core::{Catalog, Facet, Field, Quarantined, Reason, Value as SValue, fold_key};

use crate::table::{self, Ctx, Implied};
use crate::{ChosenBy, Column, FileOutcome, TextChoice};

/// Keys under which an object keeps its list of records, preferred over
/// any other array.
const RECORD_KEYS: [&str; 9] = [
    "records",
    "proposals",
    "items",
    "data",
    "rows",
    "предложения",
    "записи",
    "инициативы",
    "initiatives",
];

/// Metadata keys that name the session's city.
const CITY_KEYS: [&str; 5] = [
    "city",
    "город",
    "город проведения",
    "место проведения",
    "session city",
];

pub(crate) fn read(ctx: &Ctx<'_>, text: &str, mut out: FileOutcome) -> FileOutcome {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(depth) = too_deep(text, ctx.limits.max_json_depth) {
        return out.fail(format!(
            "nesting deeper than the limit of {} levels (line {})",
            ctx.limits.max_json_depth,
            line_at(text, depth)
        ));
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return out.fail(format!("truncated JSON: {e}")),
        Err(e) => return out.fail(format!("invalid JSON: {e}")),
    };
    let by_name = table::implied_by_name(ctx.catalog, &ctx.input.name);
    let (items, key, implied) = match value {
        Value::Array(items) => (items, None, by_name),
        Value::Object(mut map) => {
            // The list of records, or one object down («{"data": {"items":
            // […]}}», as APIs wrap it), the outer keys kept as metadata.
            if records_key(&map).is_none() {
                let inner = map.iter().find_map(|(k, v)| match v {
                    Value::Object(inner) if records_key(inner).is_some() => Some(k.clone()),
                    _ => None,
                });
                if let Some(Value::Object(inner)) = inner.and_then(|k| map.remove(&k)) {
                    map.extend(inner);
                }
            }
            let Some(key) = records_key(&map) else {
                return out
                    .fail("expected a JSON array of records, or an object with a list of records");
            };
            let Some(Value::Array(items)) = map.remove(&key) else {
                return out.fail("expected a list of records");
            };
            let meta = implied_by_metadata(ctx.catalog, &map);
            meta.describe(
                ctx.catalog,
                "the file's session metadata",
                &mut out.report.implied,
            );
            (items, Some(key), meta.or(&by_name))
        }
        _ => return out.fail("expected a JSON array of records"),
    };
    by_name.describe(ctx.catalog, "the file name", &mut out.report.implied);
    let starts = element_starts(text, key.as_deref());
    let lines = lines_at(text, &starts);
    let line_of = |k: usize| -> u64 {
        if starts.len() == items.len() {
            lines[k]
        } else {
            0
        }
    };

    // The text under a key no spelling names: chosen once for the file.
    let guessed = guess_text_key(ctx.catalog, &items);
    if let Some((key, by)) = &guessed {
        out.report.text_column = Some(TextChoice {
            column: key.clone(),
            title: keys(&items)
                .into_iter()
                .find(|k| ctx.catalog.header(k) == Some(Field::Title)),
            by: *by,
        });
    }
    let text_key = guessed.as_ref().map(|(key, _)| key.as_str());
    // The text and title keys that hold HTML, judged by the first records;
    // a title beside an HTML text is HTML too.
    let html_values = |key: &str| {
        crate::html::is_html_column(
            items
                .iter()
                .take(GUESS_RECORDS)
                .filter_map(|item| item.get(key).and_then(Value::as_str)),
        )
    };
    let all_keys = keys(&items);
    let html_text = all_keys
        .iter()
        .any(|k| field(ctx.catalog, k, text_key) == Some(Field::Text) && html_values(k));
    let html: Vec<String> = all_keys
        .into_iter()
        .filter(|k| match field(ctx.catalog, k, text_key) {
            Some(Field::Text) => html_values(k),
            Some(Field::Title) => html_text || html_values(k),
            _ => false,
        })
        .collect();
    // Columns in order of first appearance, for the report.
    let mut seen: Vec<String> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let source = ctx.provenance(None, k as u64 + 1, line_of(k));
        if !ctx.admit(&mut out, &source) {
            break;
        }
        let keys = Keys {
            text: text_key,
            html: &html,
            texts: !items.iter().any(Value::is_object),
        };
        record_from(ctx, &mut out, source, item, &mut seen, &implied, &keys);
    }
    out.report.columns = columns(ctx.catalog, seen, text_key);
    withhold_unsplit(out)
}

/// JSON Lines: one record per non-blank line.
pub(crate) fn read_lines(ctx: &Ctx<'_>, text: &str, mut out: FileOutcome) -> FileOutcome {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let implied = table::implied_by_name(ctx.catalog, &ctx.input.name);
    implied.describe(ctx.catalog, "the file name", &mut out.report.implied);
    let mut seen: Vec<String> = Vec::new();
    let mut record = 0u64;
    let mut rest = text;
    let mut line = 0u64;
    while !rest.is_empty() {
        line += 1;
        let (this, terminated) = match rest.find('\n') {
            Some(n) => {
                let this = &rest[..n];
                rest = &rest[n + 1..];
                (this, true)
            }
            None => (std::mem::take(&mut rest), false),
        };
        let this = this.trim();
        if this.is_empty() {
            continue;
        }
        record += 1;
        let source = ctx.provenance(None, record, line);
        if !ctx.admit(&mut out, &source) {
            break;
        }
        let raw = || {
            let line = ctx
                .builder
                .raw_line(this, table::cap_chars(ctx.limits), false);
            [("line".to_string(), line)].into()
        };
        if too_deep(this, ctx.limits.max_json_depth).is_some() {
            out.reject(Quarantined {
                message: format!(
                    "{source}: nesting deeper than the limit of {} levels",
                    ctx.limits.max_json_depth
                ),
                source,
                reason: Reason::Malformed,
                raw: raw(),
            });
            out.report.masked += ctx.builder.take_masked();
            continue;
        }
        match serde_json::from_str::<Value>(this) {
            Ok(item) => record_from(
                ctx,
                &mut out,
                source,
                &item,
                &mut seen,
                &implied,
                &Keys::default(),
            ),
            Err(e) => {
                let reason = if e.is_eof() && !terminated {
                    Reason::Truncated
                } else {
                    Reason::Malformed
                };
                let what = if reason == Reason::Truncated {
                    "the file ends inside this record"
                } else {
                    "not a JSON object"
                };
                out.reject(Quarantined {
                    message: format!("{source}: {what}: {e}"),
                    source,
                    reason,
                    raw: raw(),
                });
                out.report.masked += ctx.builder.take_masked();
            }
        }
    }
    if out.report.records == 0 {
        return out.fail("no records (expected one JSON object per line)");
    }
    out.report.columns = columns(ctx.catalog, seen, None);
    withhold_unsplit(out)
}

/// A line or value that is not a record was quarantined with its text
/// (masked) before the file's columns were all known; in a file with a
/// personal column it is not shown at all (the column's value may be in
/// it), as in a table ([`crate::RecordBuilder`]).
fn withhold_unsplit(mut out: FileOutcome) -> FileOutcome {
    let personal = |c: &Column| c.field == Some(sborka_core::Field::Personal);
    if out.report.columns.iter().any(personal) {
        for q in &mut out.quarantined {
            for key in ["line", "value"] {
                if q.raw.len() == 1
                    && let Some(raw) = q.raw.get_mut(key)
                {
                    *raw = crate::record::WITHHELD.to_string();
                }
            }
        }
    }
    out
}

/// What a file's keys were found to be beyond their names.
#[derive(Default)]
struct Keys<'k> {
    /// The key chosen as the text when none is a known text name.
    text: Option<&'k str>,
    /// The text and title keys whose values are HTML.
    html: &'k [String],
    /// The list holds texts, not objects: each string is a proposal's text
    /// (in a list of objects, a string is malformed).
    texts: bool,
}

fn record_from(
    ctx: &Ctx<'_>,
    out: &mut FileOutcome,
    source: sborka_core::Provenance,
    item: &Value,
    seen: &mut Vec<String>,
    implied: &Implied,
    keys: &Keys<'_>,
) {
    if let (Value::String(text), true) = (item, keys.texts) {
        let cells = [("text", Some(Field::Text), text.as_str())];
        ctx.record(out, source, cells, implied);
        return;
    }
    let Value::Object(map) = item else {
        out.reject(Quarantined {
            message: format!("{source}: expected an object, found {}", kind_of(item)),
            source,
            reason: Reason::Malformed,
            raw: [(
                "value".to_string(),
                ctx.builder
                    .raw_line(&item.to_string(), table::cap_chars(ctx.limits), false),
            )]
            .into(),
        });
        out.report.masked += ctx.builder.take_masked();
        return;
    };
    let cells: Vec<(&str, String)> = map
        .iter()
        .map(|(key, v)| {
            let value = scalar(v);
            if keys.html.iter().any(|h| h == key) {
                (key.as_str(), crate::html::clean(&value).into_owned())
            } else {
                (key.as_str(), value)
            }
        })
        .collect();
    for (key, _) in &cells {
        if !seen.iter().any(|s| s == key) {
            seen.push(key.to_string());
        }
    }
    let cells = cells
        .iter()
        .map(|(key, v)| (*key, field(ctx.catalog, key, keys.text), v.as_str()));
    ctx.record(out, source, cells, implied);
}

/// The field of `key`: the text for the key chosen as the text.
fn field(catalog: &Catalog, key: &str, text_key: Option<&str>) -> Option<Field> {
    if Some(key) == text_key {
        Some(Field::Text)
    } else {
        catalog.header(key)
    }
}

fn columns(catalog: &Catalog, seen: Vec<String>, text_key: Option<&str>) -> Vec<Column> {
    seen.into_iter()
        .map(|header| Column {
            field: field(catalog, &header, text_key),
            header,
        })
        .collect()
}

/// How many records the choice of a text key looks at.
const GUESS_RECORDS: usize = 50;

/// The keys of the first records, in order of first appearance.
fn keys(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for map in items
        .iter()
        .take(GUESS_RECORDS)
        .filter_map(Value::as_object)
    {
        for key in map.keys() {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys
}

/// The key of the text when no key is a known text name, chosen as a
/// table's column is (`table::guess_header`): a word of its name, else
/// the longest free Russian text.
fn guess_text_key(catalog: &Catalog, items: &[Value]) -> Option<(String, ChosenBy)> {
    let keys = keys(items);
    if keys.iter().any(|k| catalog.header(k) == Some(Field::Text)) {
        return None;
    }
    let content = |key: &str| -> usize {
        let records: Vec<&Map<String, Value>> = items
            .iter()
            .take(GUESS_RECORDS)
            .filter_map(Value::as_object)
            .collect();
        let total: usize = records
            .iter()
            .filter_map(|m| m.get(key))
            .map(|v| table::russian_text(&scalar(v)))
            .sum();
        total / records.len().max(1)
    };
    let unmapped: Vec<&String> = keys
        .iter()
        .filter(|k| catalog.header(k).is_none())
        .collect();
    if let Some((_, key)) = unmapped
        .iter()
        .filter_map(|k| Some((catalog.text_word(k)?, *k)))
        .min_by_key(|(rank, k)| (*rank, std::cmp::Reverse(content(k))))
    {
        return Some((key.clone(), ChosenBy::HeaderWord));
    }
    unmapped
        .iter()
        .enumerate()
        .map(|(i, k)| (i, *k, content(k)))
        .filter(|(_, _, length)| *length >= table::MIN_FREE_TEXT)
        .max_by_key(|(i, _, length)| (*length, std::cmp::Reverse(*i)))
        .map(|(_, k, _)| (k.clone(), ChosenBy::Content))
}

/// The key of an object's list of records: a known name, else the longest
/// array of objects (ties: the first key in sorted order).
fn records_key(map: &Map<String, Value>) -> Option<String> {
    let arrays = || {
        map.iter().filter_map(|(k, v)| match v {
            Value::Array(items) => Some((k, items)),
            _ => None,
        })
    };
    if let Some((k, _)) = arrays().find(|(k, _)| RECORD_KEYS.contains(&fold_key(k).as_str())) {
        return Some(k.clone());
    }
    arrays()
        .filter(|(_, items)| items.iter().any(Value::is_object))
        .max_by_key(|(k, items)| (items.len(), std::cmp::Reverse(k.as_str())))
        .map(|(k, _)| k.clone())
}

/// What a file's session metadata implies: its scalar values (and those
/// of objects one level down, `"session": {"city": …}`) under header names
/// the catalogue knows, a city, or a title naming a district.
fn implied_by_metadata(catalog: &Catalog, map: &Map<String, Value>) -> Implied {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (key, value) in map {
        match value {
            Value::Object(inner) => {
                for (k, v) in inner {
                    if !v.is_object() && !v.is_array() {
                        pairs.push((k, scalar(v)));
                    }
                }
            }
            Value::Array(_) => {}
            v => pairs.push((key, scalar(v))),
        }
    }
    let mut implied = Implied::default();
    let mut titles = Vec::new();
    for (key, value) in &pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let facet = match catalog.header(key) {
            Some(field) => field.facet(),
            // A session's city names its district.
            None if CITY_KEYS.contains(&fold_key(key).as_str()) => Some(Facet::District),
            None => {
                titles.push(value.to_string());
                None
            }
        };
        if let Some(facet) = facet
            && implied.get(facet).is_none()
            && let Some(v) = catalog.resolve(facet, value)
        {
            implied = Implied::of([v]).or(&implied);
        }
    }
    if implied.get(Facet::District).is_none() {
        let district = match implied.get(Facet::Region) {
            Some(SValue::Region(r)) => catalog.region_district(r),
            _ => None,
        }
        .or_else(|| {
            titles
                .iter()
                .find_map(|t| table::district_in_words(catalog, t))
        });
        implied = implied.or(&Implied::of(district.map(SValue::District)));
    }
    implied
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        // Spreadsheets turned into JSON write 2018 as 2018.0.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The byte offset where nesting first goes deeper than `max`, if it does.
/// Checked before parsing, so a hostile file is refused with a clear
/// message rather than by the parser's recursion guard.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in text.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn line_at(text: &str, at: usize) -> u64 {
    1 + text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// The line of each offset in `starts` (ascending), in one pass.
fn lines_at(text: &str, starts: &[usize]) -> Vec<u64> {
    let bytes = text.as_bytes();
    let (mut line, mut pos) = (1u64, 0usize);
    starts
        .iter()
        .map(|&at| {
            let at = at.min(bytes.len());
            if at > pos {
                line += bytes[pos..at].iter().filter(|&&b| b == b'\n').count() as u64;
                pos = at;
            }
            line
        })
        .collect()
}

/// Byte offsets where the elements of the records array begin: the
/// top-level array (`key` None) or the array under `key` in the top-level
/// object, so that a record can say on which line it starts.
fn element_starts(text: &str, key: Option<&str>) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut expect) = (0usize, false, false, false);
    let mut string_start = 0;
    // The last key read in the top object and in an object one down.
    let mut last_key: [Option<&str>; 3] = [None; 3];
    let mut target: Option<usize> = None;
    for (i, c) in text.bytes().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    in_string = false;
                    if let Some(slot) = last_key.get_mut(depth) {
                        *slot = text.get(string_start + 1..i);
                    }
                }
                _ => {}
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if target == Some(depth) && expect && !matches!(c, b']' | b',') {
            starts.push(i);
            expect = false;
        }
        match c {
            b'"' => {
                in_string = true;
                string_start = i;
            }
            b'[' | b'{' => {
                depth += 1;
                let is_target = match key {
                    None => depth == 1 && c == b'[',
                    // The list under `key`, in the top object or one down.
                    Some(k) => {
                        matches!(depth, 2 | 3) && c == b'[' && last_key[depth - 1] == Some(k)
                    }
                };
                if is_target && target.is_none() {
                    target = Some(depth);
                    expect = true;
                }
            }
            b']' | b'}' => {
                if target == Some(depth) {
                    break;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if target == Some(depth) => expect = true,
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Input, Limits, read_bytes, read_bytes_with};
    use sborka_core::Field;

    #[test]
    fn element_starts_table() {
        let cases: [(&str, Option<&str>, &[usize]); 7] = [
            ("[]", None, &[]),
            ("[1, 2]", None, &[1, 4]),
            ("[{\"a\": \"],[\"}, [3]]", None, &[1, 15]),
            ("[\n {\"t\": 1},\n {\"t\": 2}\n]", None, &[3, 14]),
            ("{\"x\": [9], \"r\": [{}, {}]}", Some("r"), &[17, 21]),
            ("{\"r\": \"[\", \"q\": [1], \"r2\": [5]}", Some("r2"), &[28]),
            ("{\"d\": {\"n\": 2, \"r\": [{}, {}]}}", Some("r"), &[21, 25]),
        ];
        for (text, key, want) in cases {
            assert_eq!(element_starts(text, key), want, "{text:?}");
        }
    }

    /// A list of texts, and the list of records one object down (as an
    /// API wraps it), the outer keys read as metadata.
    #[test]
    fn a_list_of_texts_and_a_wrapped_list() {
        let catalog = Catalog::embedded();
        let json = r#"["Создать службу сиделок", "", "Ввести сертификат"]"#;
        let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!((r.records, r.accepted, r.quarantined), (3, 2, 1), "{r:?}");
        assert_eq!(out.proposals[1].text, "Ввести сертификат");
        assert_eq!(out.quarantined[0].reason, Reason::EmptyText);

        let json = r#"{"session": "Уфа", "data": {"total": 2, "items": [
            {"text": "Создать службу сиделок"}, {"text": "Ввести сертификат"}]}}"#;
        let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
        assert_eq!(out.report.accepted, 2, "{:?}", out.report);
        assert_eq!(out.proposals[0].text, "Создать службу сиделок");
        assert_eq!(out.proposals[1].source.line, 2, "the element's line");
    }

    #[test]
    fn reads_array_of_objects() {
        let catalog = Catalog::embedded();
        let json = r#"[
  {"id": 1, "text": "Создать службу сиделок", "level": "рег.", "year": 2018.0},
  {"id": 2, "text": ""},
  "просто строка",
  {"id": 4, "text": "Ввести сертификат", "Примечание": null}
]"#;
        let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!((r.records, r.accepted, r.quarantined), (4, 2, 2));
        assert_eq!(out.proposals[0].facets.year, Some(2018));
        assert_eq!(out.proposals[0].source.source_id.as_deref(), Some("1"));
        assert_eq!(out.proposals[1].source.line, 5);
        let reasons: Vec<Reason> = out.quarantined.iter().map(|q| q.reason).collect();
        assert_eq!(reasons, [Reason::EmptyText, Reason::Malformed]);
        assert_eq!(out.quarantined[1].source.line, 4);
    }

    /// No key is a known text name: a word of the key chooses it, the
    /// title joins it, HTML is made text; else the longest Russian text.
    #[test]
    fn the_text_key_is_chosen() {
        let catalog = Catalog::embedded();
        let json = r#"[
  {"name": "Сиделки &quot;на дому&quot;", "description": "<p>Открыть службу сиделок</p><p>Для одиноких</p>", "jurisdiction": "regional"},
  {"name": "Прокат", "description": "<div>Пункт проката&nbsp;ТСР</div>", "jurisdiction": "municipal"}
]"#;
        let out = read_bytes(&Input::named("p.json"), json.as_bytes(), &catalog);
        let choice = out.report.text_column.as_ref().unwrap();
        assert_eq!(
            (choice.column.as_str(), choice.title.as_deref(), choice.by),
            ("description", Some("name"), ChosenBy::HeaderWord)
        );
        let texts: Vec<&str> = out.proposals.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Сиделки \"на дому\". Открыть службу сиделок\nДля одиноких",
                "Прокат. Пункт проката ТСР"
            ]
        );
        let json =
            r#"[{"k": "СЗ-1", "mysl": "Открыть в каждом районе службу сиделок для пожилых"}]"#;
        let out = read_bytes(&Input::named("q.json"), json.as_bytes(), &catalog);
        let choice = out.report.text_column.as_ref().unwrap();
        assert_eq!(
            (choice.column.as_str(), choice.by),
            ("mysl", ChosenBy::Content)
        );
        assert_eq!(out.report.accepted, 1);
    }

    #[test]
    fn session_metadata_applies_to_records() {
        let catalog = Catalog::embedded();
        let json = r#"{"session": {"city": "Ставрополь", "Год": 2018},
  "Площадка": "Пожилые",
  "Предложения": [
    {"Суть инициативы": "Открыть школу ухода", "Уровень": "мун."},
    {"Суть инициативы": "Открыть кризисное отделение для семей с детьми", "Тема": "Разное", "Регион": "Бурятия"}
  ]}"#;
        let out = read_bytes(&Input::named("session.json"), json.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!(r.error, None);
        assert_eq!((r.records, r.accepted), (2, 2));
        let (a, b) = (&out.proposals[0], &out.proposals[1]);
        assert_eq!(
            catalog
                .district_info(a.facets.district.known().unwrap())
                .slug,
            "skfo"
        );
        assert_eq!(a.facets.year, Some(2018));
        assert_eq!(
            catalog.theme_info(a.facets.theme.known().unwrap()).slug,
            "elderly"
        );
        assert_eq!(a.inferred, [Field::District, Field::Theme, Field::Year]);
        assert_eq!(a.source.line, 4);
        // A record's own values win over the session's.
        assert_eq!(
            catalog
                .district_info(b.facets.district.known().unwrap())
                .slug,
            "sfo"
        );
        // «Разное» places no theme: the text does (not the session's
        // «Пожилые»), and the spelling stays in `extra`.
        assert_eq!(
            catalog.theme_info(b.facets.theme.known().unwrap()).slug,
            "family"
        );
        assert_eq!(b.extra.get("theme").map(String::as_str), Some("Разное"));
        assert_eq!(b.inferred, [Field::District, Field::Theme, Field::Year]);
        assert_eq!(b.source.line, 5);
        assert_eq!(
            r.implied.get(&Field::District).map(String::as_str),
            Some("skfo (from the file's session metadata)")
        );
    }

    #[test]
    fn json_lines() {
        let catalog = Catalog::embedded();
        let jsonl = "{\"text\": \"Создать службу сиделок\"}\n\
                     \n\
                     [1, 2]\n\
                     {\"text\": oops}\n\
                     {\"text\": \"Обрыв";
        let out = read_bytes(&Input::named("dfo.jsonl"), jsonl.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!((r.records, r.accepted, r.quarantined), (4, 1, 3));
        let got: Vec<(u64, Reason)> = out
            .quarantined
            .iter()
            .map(|q| (q.source.line, q.reason))
            .collect();
        assert_eq!(
            got,
            [
                (3, Reason::Malformed),
                (4, Reason::Malformed),
                (5, Reason::Truncated)
            ]
        );
        let d = out.proposals[0].facets.district.known().unwrap();
        assert_eq!(catalog.district_info(d).slug, "dfo");
    }

    #[test]
    fn limits() {
        let catalog = Catalog::embedded();
        let limits = Limits {
            max_json_depth: 4,
            max_records: 2,
            ..Limits::default()
        };
        let deep = format!("[{{\"text\": {}1{}}}]", "[".repeat(5), "]".repeat(5));
        let out = read_bytes_with(&Input::named("x.json"), deep.as_bytes(), &catalog, &limits);
        let err = out.report.error.unwrap_or_default();
        assert!(
            err.starts_with("nesting deeper than the limit of 4"),
            "{err}"
        );

        let three = r#"[{"text": "Один"}, {"text": "Два"}, {"text": "Три"}, {"text": "Четыре"}]"#;
        let out = read_bytes_with(&Input::named("x.json"), three.as_bytes(), &catalog, &limits);
        let r = &out.report;
        assert_eq!((r.records, r.accepted, r.quarantined), (3, 2, 1));
        assert_eq!(out.quarantined[0].reason, Reason::TooManyRecords);
    }

    #[test]
    fn file_errors() {
        let catalog = Catalog::embedded();
        let cases = [
            ("[{\"text\": \"обрыв", "truncated JSON: EOF while parsing"),
            ("[{\"text\": 1} 2]", "invalid JSON: expected `,` or `]`"),
            ("{\"text\": \"x\"}", "expected a JSON array of records"),
            ("\"x\"", "expected a JSON array of records"),
        ];
        for (json, want) in cases {
            let out = read_bytes(&Input::named("x.json"), json.as_bytes(), &catalog);
            let err = out.report.error.unwrap_or_default();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
