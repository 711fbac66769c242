//! `roadmap.json`: the whole model, every idea with every member, streamed.
//!
//! The layout is indented down to the lists of ideas, and each idea is one
//! line of compact JSON: a reader sees the structure at a glance, a diff
//! shows one line per changed idea, and the file is about half the size
//! of fully indented JSON, whose deep indentation of members was most of
//! its bytes (50 MB at 50,000 proposals, 900 MB at a million).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::model::Roadmap;

/// Containers nested deeper than this are written compactly: the document
/// is 1, `themes` 2, a theme 3, `levels` 4, a level 5, `items` 6, so every
/// idea (7) is one line.
const INDENTED_DEPTH: usize = 6;

/// Writes `roadmap` to `w` with a final newline.
pub(crate) fn write_json(roadmap: &Roadmap<'_>, w: &mut dyn Write) -> io::Result<()> {
    // A buffer of our own: serde_json makes many small writes, which
    // through `dyn Write` would each be a call into the caller's writer.
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut w, Layout::default());
    roadmap.serialize(&mut ser).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
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

    fn newline<W: ?Sized + Write>(&self, w: &mut W, depth: usize) -> io::Result<()> {
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

    fn begin<W: ?Sized + Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        let indented = self.indented();
        self.depth -= 1;
        if indented && self.has_value {
            self.newline(w, self.depth)?;
        }
        w.write_all(close)
    }

    fn begin_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.indented() {
            if !first {
                w.write_all(b",")?;
            }
            self.newline(w, self.depth)
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
