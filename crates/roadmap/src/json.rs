//! `roadmap.json`: the whole model, every idea with every member, streamed.
//!
//! The layout is indented down to the lists of ideas, and each idea is one
//! line of compact JSON: a reader sees the structure at a glance, a diff
//! shows one line per changed idea, and the file is about half the size
//! of fully indented JSON, whose deep indentation of members was most of
//! its bytes (50 MB at 50,000 proposals, 900 MB at a million).
//!
//! It is the model as serde_json writes it with that layout ([`Layout`]),
//! byte for byte (a test compares them), but the themes, levels and ideas
//! are written here: serde_json escapes every key and every text byte by
//! byte. [`write_item`] writes the keys as they are and a text that needs
//! no escaping, nearly all of them, in one copy. The members are read from
//! the input, scattered: each batch's texts are read first ([`warm`]).
//! The lines of ideas are made side by side on rayon's threads, a batch at
//! a time, and written in order. At a million generated proposals: 1.15 s
//! of CPU through serde_json, 0.57–0.69 s so (`examples/render_bench.rs`).

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::model::{Item, LevelSection, Roadmap, ThemeSection};
use sborka_core::json::{id_contents, number, optional, string};

/// Containers nested deeper than this are written compactly: the document
/// is 1, `themes` 2, a theme 3, `levels` 4, a level 5, `items` 6, so every
/// idea (7) is one line.
const INDENTED_DEPTH: usize = 6;

/// How many ideas are made into lines at a time, side by side: a few
/// megabytes of lines.
const BATCH: usize = 4096;

/// Writes `roadmap` to `w` with a final newline.
pub(crate) fn write_json(roadmap: &Roadmap<'_>, w: &mut dyn Write) -> io::Result<()> {
    // A buffer of our own: serde_json makes many small writes, which
    // through `dyn Write` would each be a call into the caller's writer.
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let r = roadmap;
    // The fields in the order of `Roadmap`'s.
    let mut doc = Fields::open(&mut w, 0)?;
    doc.field("schema_version", &r.schema_version)?;
    doc.field("title", &r.title)?;
    doc.field("subtitle", &r.subtitle)?;
    doc.field("date", &r.date)?;
    doc.field("sessions", &r.sessions)?;
    doc.field("totals", &r.totals)?;
    doc.field("method", &r.method)?;
    doc.field("summary", &r.summary)?;
    let depth = doc.depth;
    list(doc.key("themes")?, depth, &r.themes, write_theme)?;
    doc.field("quarantine", &r.quarantine)?;
    doc.close()?;
    w.write_all(b"\n")?;
    w.flush()
}

fn write_theme<W: Write>(w: &mut W, depth: usize, theme: &ThemeSection<'_>) -> io::Result<()> {
    let mut t = Fields::open(w, depth)?;
    t.field("slug", &theme.slug)?;
    t.field("name", &theme.name)?;
    t.field("proposals", &theme.proposals)?;
    t.field("ideas", &theme.ideas)?;
    let depth = t.depth;
    list(t.key("levels")?, depth, &theme.levels, write_level)?;
    t.close()
}

fn write_level<W: Write>(w: &mut W, depth: usize, level: &LevelSection<'_>) -> io::Result<()> {
    let mut l = Fields::open(w, depth)?;
    l.field("slug", &level.slug)?;
    l.field("name", &level.name)?;
    l.field("proposals", &level.proposals)?;
    let depth = l.depth;
    write_items(l.key("items")?, depth, &level.items)?;
    if let Some(omitted) = &level.omitted {
        l.field("omitted", omitted)?;
    }
    l.close()
}

/// The list of ideas, one a line, as [`list`] would write it, each line
/// made by [`write_item`]; the lines of a batch are made side by side.
fn write_items<W: Write>(w: &mut W, depth: usize, items: &[Item<'_>]) -> io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    let mut first = true;
    for batch in items.chunks(BATCH) {
        let lines: Vec<Vec<u8>> = batch
            .par_chunks(64)
            .map(|chunk| {
                let mut o = Vec::with_capacity(chunk.len() * 512);
                warm(chunk);
                for item in chunk {
                    o.push(b',');
                    o.push(b'\n');
                    o.extend(std::iter::repeat_n(b' ', (depth + 1) * 2));
                    write_item(&mut o, item);
                }
                o
            })
            .collect();
        for lines in &lines {
            // No comma before the first idea.
            let skip = usize::from(std::mem::take(&mut first));
            w.write_all(lines.get(skip..).unwrap_or_default())?;
        }
    }
    newline(w, depth)?;
    w.write_all(b"]")
}

/// Reads the first byte of every text that the lines of `items` copy
/// from the input. An idea's members are scattered across the input, each
/// read a wait on memory: here the reads do not wait for one another, where
/// writing the lines, one member after another, would wait for each in
/// turn. (A tenth of the time at a million proposals; nothing else.)
fn warm(items: &[Item<'_>]) {
    let first = |s: &str| s.as_bytes().first().copied().unwrap_or(0);
    let mut x = 0;
    for item in items {
        x ^= first(item.text);
        for p in item.members.proposals() {
            x ^= first(&p.source.file);
            x ^= p.source.source_id.as_deref().map_or(0, first);
            let f = &p.facets;
            x ^= f.district.known().map_or(0, |d| d.0) ^ f.region.known().map_or(0, |r| r.0);
        }
    }
    std::hint::black_box(x);
}

/// One idea as one line of compact JSON: the bytes serde_json writes for
/// [`Item`] (a test compares them).
fn write_item(o: &mut Vec<u8>, item: &Item<'_>) {
    let s = &item.support;
    o.extend_from_slice(b"{\"cluster\":\"");
    // `c` and hexadecimal digits: nothing to escape. Writing to memory
    // cannot fail.
    let _ = write!(o, "{}", item.cluster);
    o.extend_from_slice(b"\",\"text\":");
    string(o, item.text);
    o.extend_from_slice(b",\"kinds\":");
    strings(o, &item.kinds);
    o.extend_from_slice(b",\"support\":{\"proposals\":");
    number(o, s.proposals);
    o.extend_from_slice(b",\"districts\":");
    strings(o, &s.districts);
    o.extend_from_slice(b",\"regions\":");
    strings(o, &s.regions);
    o.extend_from_slice(b",\"verbatim\":");
    number(o, s.verbatim);
    o.extend_from_slice(b"},\"other_themes\":");
    strings(o, &item.other_themes);
    o.extend_from_slice(b",\"other_levels\":");
    strings(o, &item.other_levels);
    o.extend_from_slice(b",\"raw_labels\":");
    strings(o, &item.raw_labels);
    o.extend_from_slice(b",\"members\":[");
    for (i, m) in item.members.iter().enumerate() {
        if i > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"{\"id\":\"");
        id_contents(o, m.id.0);
        o.push(b'"');
        o.extend_from_slice(b",\"file\":");
        string(o, m.file);
        o.extend_from_slice(b",\"record\":");
        number(o, m.record);
        o.extend_from_slice(b",\"source_id\":");
        optional(o, m.source_id);
        o.extend_from_slice(b",\"district\":");
        optional(o, m.district);
        o.extend_from_slice(b",\"region\":");
        optional(o, m.region.as_deref());
        o.push(b'}');
    }
    o.extend_from_slice(b"]}");
}

fn strings<S: AsRef<str>>(o: &mut Vec<u8>, texts: &[S]) {
    o.push(b'[');
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            o.push(b',');
        }
        string(o, text.as_ref());
    }
    o.push(b']');
}

/// The fields of an object at `depth` (containers open around it), one a
/// line, as [`Layout`] writes them.
struct Fields<'w, W: Write> {
    w: &'w mut W,
    /// Containers open inside the object.
    depth: usize,
    empty: bool,
}

impl<'w, W: Write> Fields<'w, W> {
    fn open(w: &'w mut W, depth: usize) -> io::Result<Fields<'w, W>> {
        w.write_all(b"{")?;
        Ok(Fields {
            w,
            depth: depth + 1,
            empty: true,
        })
    }

    /// Starts the field `key`; its value is written next.
    fn key(&mut self, key: &str) -> io::Result<&mut W> {
        if !std::mem::take(&mut self.empty) {
            self.w.write_all(b",")?;
        }
        newline(self.w, self.depth)?;
        // The keys are names of model fields: nothing to escape.
        write!(self.w, "\"{key}\": ")?;
        Ok(self.w)
    }

    /// The field `key`, its value written by serde_json.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        let depth = self.depth;
        let layout = Layout {
            depth,
            has_value: false,
        };
        let mut ser = serde_json::Serializer::with_formatter(self.key(key)?, layout);
        value.serialize(&mut ser).map_err(io::Error::other)
    }

    fn close(self) -> io::Result<()> {
        if !self.empty {
            newline(self.w, self.depth - 1)?;
        }
        self.w.write_all(b"}")
    }
}

/// A list of values at `depth`, one a line, each written by `write`.
fn list<W: Write, T>(
    w: &mut W,
    depth: usize,
    values: &[T],
    write: impl Fn(&mut W, usize, &T) -> io::Result<()>,
) -> io::Result<()> {
    if values.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        newline(w, depth + 1)?;
        write(w, depth + 1, value)?;
    }
    newline(w, depth)?;
    w.write_all(b"]")
}

/// A line break and the indentation of `depth`.
fn newline<W: Write + ?Sized>(w: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8; 64] = &[b' '; 64];
    w.write_all(b"\n")?;
    let mut n = depth * 2;
    while n > 0 {
        let step = n.min(SPACES.len());
        w.write_all(&SPACES[..step])?;
        n -= step;
    }
    Ok(())
}

/// serde_json's pretty layout (two spaces, `": "`) down to
/// [`INDENTED_DEPTH`], compact below.
#[derive(Default)]
struct Layout {
    /// How many containers are open.
    depth: usize,
    /// Whether the innermost indented container has a value yet.
    has_value: bool,
}

impl Layout {
    fn indented(&self) -> bool {
        self.depth <= INDENTED_DEPTH
    }

    fn begin<W: ?Sized + Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        let indented = self.indented();
        self.depth -= 1;
        if indented && self.has_value {
            newline(w, self.depth)?;
        }
        w.write_all(close)
    }

    fn begin_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.indented() {
            if !first {
                w.write_all(b",")?;
            }
            newline(w, self.depth)
        } else if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }
}

impl Formatter for Layout {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_value(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.indented() {
            w.write_all(b": ")
        } else {
            CompactFormatter.begin_object_value(w)
        }
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json writes for the model with [`Layout`]: what
    /// [`write_json`] must write.
    fn by_serde(r: &Roadmap<'_>) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Layout::default());
        r.serialize(&mut ser).unwrap();
        out.push(b'\n');
        String::from_utf8(out).unwrap()
    }

    fn written(r: &Roadmap<'_>) -> String {
        let mut out = Vec::new();
        write_json(r, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn written_as_serde_json_writes_the_model() {
        use sborka_core::{Catalog, Facet, Label, Proposal, Provenance};
        let catalog = Catalog::embedded();
        let texts = [
            "Открыть «школу» ухода",
            "кавычки \" и \\ обратная черта",
            "управляющие \u{0}\u{1f}\t\n\r\u{7f}\u{85} символы",
            "\u{202e}наоборот\u{202c} / <b>&amp;</b>",
            "Открыть «школу» ухода",
        ];
        let proposals: Vec<Proposal> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let source = Provenance {
                    file: format!("файл \"{i}\".csv").into(),
                    record: i as u64 + 1,
                    line: i as u64 + 2,
                    source_id: (i % 2 == 0).then(|| format!("№\\{i}")),
                    ..Default::default()
                };
                let mut p = Proposal::new(source, *text);
                let f = &mut p.facets;
                f.resolve(&catalog, Facet::District, "ЦФО");
                match i {
                    0 => f.resolve(&catalog, Facet::Region, "Москва"),
                    _ => f.region = Label::Unknown(format!("регион {i}")),
                }
                match i {
                    1 => f.theme = Label::Unknown("тема \"x\"\u{1}".to_string()),
                    _ => f.resolve(&catalog, Facet::Theme, "Пожилые"),
                }
                f.resolve(&catalog, Facet::Level, "региональный");
                f.resolve(&catalog, Facet::Kind, "инициатива");
                p
            })
            .collect();
        let keys: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        let clusters = sborka_dedup::cluster_exact(&keys);
        let r = crate::assemble(&crate::Input {
            catalog: &catalog,
            proposals: &proposals,
            clusters: &clusters,
            quarantined: &[],
            masked: Default::default(),
            date: Some("2018-03-02".to_string()),
            merging: Default::default(),
        });
        assert_eq!(written(&r), by_serde(&r));
        assert!(written(&r).contains("\\u0000"), "escaped by serde_json");
        // With levels cut for reading, which say what they leave out.
        let reading = r.for_reading(Some(1));
        assert!(written(&reading).contains("\"omitted\""));
        assert_eq!(written(&reading), by_serde(&reading));
        // Without any idea.
        let empty = crate::assemble(&crate::Input {
            catalog: &catalog,
            proposals: &[],
            clusters: &[],
            quarantined: &[],
            masked: Default::default(),
            date: None,
            merging: Default::default(),
        });
        assert_eq!(written(&empty), by_serde(&empty));
    }

    #[test]
    fn a_text_goes_out_as_serde_json_writes_it() {
        for text in [
            "",
            "просто текст",
            "\"",
            "\\",
            "a\u{0}b",
            "\u{1f}\u{7f}\u{2028}",
            "é ✓ 𝄞",
        ] {
            let mut o = Vec::new();
            string(&mut o, text);
            assert_eq!(o, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    fn layout(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Layout::default());
        value.serialize(&mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn indented_down_to_the_items_then_one_line_each() {
        let v = serde_json::json!({
            "a": [],
            "b": {},
            "themes": [{"levels": [{"items": [
                {"text": "x", "members": [{"id": 1}, {"id": 2}], "e": []},
                {"text": "y", "members": []}
            ]}]}]
        });
        let want = r#"{
  "a": [],
  "b": {},
  "themes": [
    {
      "levels": [
        {
          "items": [
            {"e":[],"members":[{"id":1},{"id":2}],"text":"x"},
            {"members":[],"text":"y"}
          ]
        }
      ]
    }
  ]
}"#;
        assert_eq!(layout(&v), want);
    }

    #[test]
    fn shallow_values_read_as_pretty_json() {
        let v = serde_json::json!({"a": [1, 2], "b": {"c": null}});
        assert_eq!(layout(&v), serde_json::to_string_pretty(&v).unwrap());
    }
}
