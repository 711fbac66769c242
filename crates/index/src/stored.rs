//! What a document stores besides its text, packed into one bytes value.
//!
//! tantivy pays for every value of a document (kept in the document, handed
//! to each part of the writer, written into the store with its field and
//! type): the eleven small values a proposal stored one by one cost the
//! index stage more than a tenth of its time. They are written here as one
//! value: numbers as LEB128 varints, strings as their length and bytes, an
//! absent string as length 0 and a present one as length + 1.

/// A proposal's cluster facts and provenance, as the searcher reads them
/// back for the hits it shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stored<'a> {
    /// The cluster id (written `c…` in the outputs).
    pub cluster: u64,
    /// The build-order number of the cluster's first document (its
    /// representative), and how many documents the cluster has: they are
    /// contiguous.
    pub members_from: u64,
    pub members: u64,
    pub cluster_proposals: u64,
    pub cluster_districts: u64,
    pub file: &'a str,
    pub sheet: Option<&'a str>,
    pub record: u64,
    pub line: u64,
    pub source_id: Option<&'a str>,
    /// The districts of the cluster's proposals, as slugs: on the
    /// representative only (empty on the others).
    pub districts: Vec<&'a str>,
}

impl<'a> Stored<'a> {
    /// Appends the packed form to `out`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for n in [
            self.cluster,
            self.members_from,
            self.members,
            self.cluster_proposals,
            self.cluster_districts,
            self.record,
            self.line,
        ] {
            varint(out, n);
        }
        text(out, self.file);
        optional(out, self.sheet);
        optional(out, self.source_id);
        varint(out, self.districts.len() as u64);
        for district in &self.districts {
            text(out, district);
        }
    }

    /// Reads what [`Stored::write`] wrote; `None` when `bytes` is not that
    /// (cut short, or strings that are not UTF-8).
    pub(crate) fn read(bytes: &'a [u8]) -> Option<Stored<'a>> {
        let mut r = Reader(bytes);
        let mut stored = Stored {
            cluster: r.varint()?,
            members_from: r.varint()?,
            members: r.varint()?,
            cluster_proposals: r.varint()?,
            cluster_districts: r.varint()?,
            record: r.varint()?,
            line: r.varint()?,
            file: r.text()?,
            sheet: r.optional()?,
            source_id: r.optional()?,
            districts: Vec::new(),
        };
        let count = r.varint()?;
        for _ in 0..count {
            stored.districts.push(r.text()?);
        }
        r.0.is_empty().then_some(stored)
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => varint(out, 0),
        Some(s) => {
            varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// The bytes not read yet.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first()?;
            self.0 = rest;
            n |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte < 0x80 {
                return Some(n);
            }
        }
        None
    }

    fn bytes(&mut self, len: u64) -> Option<&'a str> {
        let len = usize::try_from(len).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).ok()
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.varint()?;
        self.bytes(len)
    }

    fn optional(&mut self) -> Option<Option<&'a str>> {
        match self.varint()? {
            0 => Some(None),
            len => self.bytes(len - 1).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_proposal_reads_back_as_written() {
        let stored = Stored {
            cluster: u64::MAX,
            members_from: 1 << 40,
            members: 3,
            cluster_proposals: 3,
            cluster_districts: 2,
            file: "папка/файл.xlsx",
            sheet: Some(""),
            record: 127,
            line: 128,
            source_id: None,
            districts: vec!["cfo", "szfo"],
        };
        let mut bytes = Vec::new();
        stored.write(&mut bytes);
        assert_eq!(Stored::read(&bytes), Some(stored));
    }

    #[test]
    fn anything_else_is_refused() {
        let mut bytes = Vec::new();
        Stored::default().write(&mut bytes);
        assert!(Stored::read(&bytes).is_some());
        for bad in [
            &bytes[..bytes.len() - 1],
            &[bytes.as_slice(), &[0]].concat(),
            &[0xff; 11][..],
            &[0, 0, 0, 0, 0, 0, 0, 2, 0xc3, 0x28, 0, 0, 0][..],
        ] {
            assert_eq!(Stored::read(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn any_facts_read_back_as_written(
            numbers in prop::array::uniform7(any::<u64>()),
            file in "\\PC{0,20}",
            sheet in prop::option::of("\\PC{0,10}"),
            source_id in prop::option::of("\\PC{0,10}"),
            districts in prop::collection::vec("[a-z]{0,6}", 0..4),
        ) {
            let [cluster, members_from, members, cluster_proposals, cluster_districts, record, line] = numbers;
            let stored = Stored {
                cluster,
                members_from,
                members,
                cluster_proposals,
                cluster_districts,
                file: &file,
                sheet: sheet.as_deref(),
                record,
                line,
                source_id: source_id.as_deref(),
                districts: districts.iter().map(String::as_str).collect(),
            };
            let mut bytes = Vec::new();
            stored.write(&mut bytes);
            prop_assert_eq!(Stored::read(&bytes), Some(stored));
        }
    }
}
