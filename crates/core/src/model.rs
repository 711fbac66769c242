//! Records and clusters: what crosses the borders between stages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::Field;
use crate::facet::Facets;

/// Where a record came from. Every proposal, quarantined record and error
/// carries one, so a human can find the row in the original export.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The file's path relative to the input folder it was found in (or its
    /// file name when it was given directly), with `/` separators. Shared by
    /// every record of the file.
    pub file: Arc<str>,
    /// 1-based number of the data record within the file (or sheet).
    pub record: u64,
    /// 1-based line (row, for spreadsheets) where the record starts.
    pub line: u64,
    /// The sheet of a workbook, when the file has sheets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The record's own identifier in the export («№», «ID»…), if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} (", self.record)?;
        if let Some(sheet) = &self.sheet {
            write!(f, "sheet {sheet}, row {}", self.line)?;
        } else {
            write!(f, "line {}", self.line)?;
        }
        write!(f, ") of {}", self.file)
    }
}

/// A proposal's identifier: `FILE#RECORD`, stable whatever the order in which
/// files are read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProposalId(pub String);

impl ProposalId {
    pub fn new(prov: &Provenance) -> ProposalId {
        ProposalId(IdOf(prov).to_string())
    }
}

/// The id of the proposal from a provenance (`FILE#RECORD`, or
/// `FILE#SHEET#RECORD` in a workbook), written where it is shown rather
/// than made into a string: [`ProposalId`]'s spelling, which it makes.
#[derive(Clone, Copy, Debug)]
pub struct IdOf<'a>(pub &'a Provenance);

impl fmt::Display for IdOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = self.0;
        f.write_str(&source.file)?;
        if let Some(sheet) = &source.sheet {
            write!(f, "#{sheet}")?;
        }
        write!(f, "#{}", source.record)
    }
}

impl Serialize for IdOf<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A value resolved against a catalogue. An unknown spelling is data, not an
/// error: it is kept verbatim so that the roadmap can show it and an analyst
/// can add the spelling to the catalogue.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label<T> {
    Known(T),
    Unknown(String),
    #[default]
    Missing,
}

impl<T: Copy> Label<T> {
    pub fn known(&self) -> Option<T> {
        match self {
            Label::Known(t) => Some(*t),
            _ => None,
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Label::Known(_))
    }

    /// The raw text of an unknown value.
    pub fn raw(&self) -> Option<&str> {
        match self {
            Label::Unknown(raw) => Some(raw),
            _ => None,
        }
    }
}

/// The level at which a proposal is to be carried out. The order is the
/// order of the roadmap: federal first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Federal,
    Regional,
    Municipal,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Federal, Level::Regional, Level::Municipal];

    pub fn slug(self) -> &'static str {
        match self {
            Level::Federal => "federal",
            Level::Regional => "regional",
            Level::Municipal => "municipal",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.slug() == slug)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a record is: the session formats distinguished these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "proposal")]
    Proposal,
    #[serde(rename = "initiative")]
    Initiative,
    #[serde(rename = "legislative")]
    Legislative,
    #[serde(rename = "growth-point")]
    GrowthPoint,
    #[serde(rename = "risk")]
    Risk,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Proposal,
        Kind::Initiative,
        Kind::Legislative,
        Kind::GrowthPoint,
        Kind::Risk,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Proposal => "proposal",
            Kind::Initiative => "initiative",
            Kind::Legislative => "legislative",
            Kind::GrowthPoint => "growth-point",
            Kind::Risk => "risk",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One accepted record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub source: Provenance,
    /// District, region, theme, level, kind and year, as the catalogue
    /// placed them.
    pub facets: Facets,
    /// The proposal as written, trimmed, with personal data replaced by
    /// marks («[телефон скрыт]»); otherwise never rewritten.
    pub text: String,
    /// Columns sborka does not know, kept so that nothing is lost (their
    /// personal data masked as in the text).
    pub extra: BTreeMap<String, String>,
    /// Fields whose value sborka inferred rather than read (a district from
    /// the region, a label read loosely, a theme from the text), so an
    /// analyst can see what was decided.
    pub inferred: Vec<Field>,
    /// When the theme was inferred from the text: the confidence, in
    /// percent.
    pub theme_confidence: Option<u8>,
    /// What masking took out, kept only when ingest was asked to
    /// (`--keep-personal`, for the analysts' `proposals.jsonl`), and only
    /// for a record that had any.
    pub personal: Option<Box<Personal>>,
}

/// The originals of what masking changed in one record: nothing published
/// reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Personal {
    /// The text as written, when masking changed it.
    pub text: Option<String>,
    /// The cells of personal columns, and the extra columns masking
    /// changed, as written.
    pub extra: BTreeMap<String, String>,
}

impl Proposal {
    /// `FILE#RECORD` (or `FILE#SHEET#RECORD`), made from the provenance
    /// when asked rather than stored with each of a million proposals.
    pub fn id(&self) -> ProposalId {
        ProposalId::new(&self.source)
    }

    /// A proposal with only its text and where it came from.
    pub fn new(source: Provenance, text: impl Into<String>) -> Proposal {
        Proposal {
            source,
            facets: Facets::default(),
            text: text.into(),
            extra: BTreeMap::new(),
            inferred: Vec::new(),
            theme_confidence: None,
            personal: None,
        }
    }
}

/// Why a record was quarantined. The codes are part of the output contract
/// (`quarantine.jsonl`, `report.json`) and documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The text field is missing or blank.
    EmptyText,
    /// The text has no letters or digits (only punctuation, dashes…).
    NoLetters,
    /// The row has a different number of fields than the header.
    FieldCount,
    /// A quoted field was never closed, or the row could not be parsed.
    Malformed,
    /// The file ends in the middle of this record.
    Truncated,
    /// The row repeats the header.
    RepeatedHeader,
    /// The text is longer than the configured limit.
    TextTooLong,
    /// The file has more records than the configured limit.
    TooManyRecords,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::EmptyText,
        Reason::NoLetters,
        Reason::FieldCount,
        Reason::Malformed,
        Reason::Truncated,
        Reason::RepeatedHeader,
        Reason::TextTooLong,
        Reason::TooManyRecords,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::EmptyText => "empty_text",
            Reason::NoLetters => "no_letters",
            Reason::FieldCount => "field_count",
            Reason::Malformed => "malformed",
            Reason::Truncated => "truncated",
            Reason::RepeatedHeader => "repeated_header",
            Reason::TextTooLong => "text_too_long",
            Reason::TooManyRecords => "too_many_records",
        }
    }

    /// A short Russian description for the roadmap's appendix.
    pub fn describe_ru(self) -> &'static str {
        match self {
            Reason::EmptyText => "нет текста предложения",
            Reason::NoLetters => "текст без букв и цифр",
            Reason::FieldCount => "неверное число полей в строке",
            Reason::Malformed => "строку не удалось разобрать",
            Reason::Truncated => "запись оборвана концом файла",
            Reason::RepeatedHeader => "повтор строки заголовка",
            Reason::TextTooLong => "текст длиннее допустимого",
            Reason::TooManyRecords => "в файле больше записей, чем допустимо",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A record that did not become a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    pub source: Provenance,
    pub reason: Reason,
    /// What went wrong, for a human, saying where.
    pub message: String,
    /// The record's fields as read, by header name (`column N` when the
    /// header had no name for it).
    pub raw: BTreeMap<String, String>,
}

/// A cluster's identifier: a hash of its representative's matching key, so
/// that the same idea keeps its id when unrelated exports are added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterId(pub u64);

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{:016x}", self.0)
    }
}

impl Serialize for ClusterId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Proposals that state one idea.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub id: ClusterId,
    /// Indexes into the proposal list, ascending.
    pub members: Vec<u32>,
    /// The member whose text stands for the cluster.
    pub representative: u32,
    /// How many members repeat another member's text verbatim (after
    /// normalization): pasted copies, not independent support.
    pub verbatim: u32,
}

/// FNV-1a, 64 bit: a hash that is the same on every platform and in every
/// version, for identifiers written into outputs. Not for hash tables.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_says_where() {
        let cases = [
            (
                Provenance {
                    file: "СКФО.csv".into(),
                    record: 12,
                    line: 14,
                    ..Default::default()
                },
                "record 12 (line 14) of СКФО.csv",
            ),
            (
                Provenance {
                    file: "ufo.xlsx".into(),
                    record: 3,
                    line: 7,
                    sheet: Some("Лист1".into()),
                    source_id: None,
                },
                "record 3 (sheet Лист1, row 7) of ufo.xlsx",
            ),
        ];
        for (prov, want) in cases {
            assert_eq!(prov.to_string(), want);
        }
    }

    #[test]
    fn ids_are_stable() {
        let prov = Provenance {
            file: "a/b.csv".into(),
            record: 5,
            line: 6,
            ..Default::default()
        };
        assert_eq!(ProposalId::new(&prov).0, "a/b.csv#5");
        // FNV-1a reference values.
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(ClusterId(255).to_string(), "c00000000000000ff");
    }

    #[test]
    fn codes_round_trip() {
        for level in Level::ALL {
            assert_eq!(Level::from_slug(level.slug()), Some(level));
        }
        for kind in Kind::ALL {
            assert_eq!(Kind::from_slug(kind.slug()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.slug())
            );
        }
        for reason in Reason::ALL {
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                format!("\"{}\"", reason.code())
            );
        }
    }
}
