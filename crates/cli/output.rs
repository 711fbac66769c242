//! The machine-readable outputs: `proposals.jsonl`, `quarantine.jsonl`,
//! `report.json`.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use sborka_core::{Catalog, Field, Provenance, Quarantined, Reason};
use sborka_ingest::FileReport;
use sborka_roadmap::Roadmap;

use crate::build::Built;

/// The version of the shapes of `proposals.jsonl`, `quarantine.jsonl` and
/// `report.json`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct ProposalLine<'a> {
    id: &'a str,
    source: &'a Provenance,
    district: Option<&'a str>,
    region: Option<u8>,
    theme: Option<&'a str>,
    level: Option<&'a str>,
    kind: Option<&'a str>,
    year: Option<u16>,
    text: &'a str,
    cluster: String,
    /// Values the catalogue did not recognise, verbatim.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    unrecognized: BTreeMap<&'static str, &'a str>,
    /// Fields sborka inferred rather than read.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    inferred: &'a [Field],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: &'a BTreeMap<String, String>,
}

pub fn write_proposals(w: &mut dyn Write, built: &Built, catalog: &Catalog) -> std::io::Result<()> {
    for (i, p) in built.proposals.iter().enumerate() {
        let mut unrecognized = BTreeMap::new();
        let raws = [
            (Field::District, p.district.raw()),
            (Field::Region, p.region.raw()),
            (Field::Theme, p.theme.raw()),
            (Field::Level, p.level.raw()),
            (Field::Kind, p.kind.raw()),
        ];
        for (field, raw) in raws {
            if let Some(raw) = raw {
                unrecognized.insert(field.name(), raw);
            }
        }
        let district = p
            .district
            .known()
            .map(|d| catalog.district_info(d).slug.as_str());
        let theme = p.theme.known().map(|t| catalog.theme_info(t).slug.as_str());
        let level = p.level.known().map(|l| l.slug());
        let kind = p.kind.known().map(|k| k.slug());
        let line = ProposalLine {
            id: &p.id.0,
            source: &p.source,
            district,
            region: p.region.known().map(|r| r.0),
            theme,
            level,
            kind,
            year: p.year,
            text: &p.text,
            cluster: built.clusters[built.cluster_of[i] as usize].id.to_string(),
            unrecognized,
            inferred: &p.inferred,
            extra: &p.extra,
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

pub fn write_quarantine(w: &mut dyn Write, quarantined: &[Quarantined]) -> std::io::Result<()> {
    for q in quarantined {
        serde_json::to_writer(&mut *w, q)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Stage durations. They differ from run to run: `report.json` is the one
/// output that is not byte-identical for the same input.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub read: Duration,
    pub normalize: Duration,
    pub cluster: Duration,
    pub index: Duration,
    pub assemble: Duration,
    pub render: Duration,
    pub publish: Duration,
}

impl Timings {
    fn stages(&self) -> [(&'static str, Duration); 7] {
        [
            ("read", self.read),
            ("normalize", self.normalize),
            ("cluster", self.cluster),
            ("index", self.index),
            ("assemble", self.assemble),
            ("render", self.render),
            ("publish", self.publish),
        ]
    }

    pub fn describe(&self) -> String {
        self.stages()
            .iter()
            .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn millis(&self) -> BTreeMap<&'static str, f64> {
        self.stages()
            .iter()
            .map(|(name, d)| (*name, (d.as_secs_f64() * 1e4).round() / 10.0))
            .collect()
    }
}

#[derive(Serialize)]
pub struct Totals {
    pub files: u64,
    pub files_failed: u64,
    pub records: u64,
    pub accepted: u64,
    pub quarantined: u64,
    pub ideas: u64,
    pub unknown_theme: u64,
    pub unknown_level: u64,
}

#[derive(Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub sborka_version: &'static str,
    pub totals: Totals,
    /// Quarantined records by reason code.
    pub reasons: BTreeMap<Reason, u64>,
    pub files: Vec<FileReport>,
    /// Where each catalogue file came from.
    pub catalog: BTreeMap<String, String>,
    /// Milliseconds per stage.
    pub timings_ms: BTreeMap<&'static str, f64>,
}

impl Report {
    pub fn new(built: &Built, catalog: &Catalog, roadmap: &Roadmap, timings: Timings) -> Report {
        let files = &built.files;
        let sum = |f: fn(&FileReport) -> u64| files.iter().map(f).sum();
        let mut reasons = BTreeMap::new();
        for q in &built.quarantined {
            *reasons.entry(q.reason).or_default() += 1;
        }
        Report {
            schema_version: SCHEMA_VERSION,
            sborka_version: env!("CARGO_PKG_VERSION"),
            totals: Totals {
                files: files.len() as u64,
                files_failed: files.iter().filter(|f| f.error.is_some()).count() as u64,
                records: sum(|f| f.records),
                accepted: sum(|f| f.accepted),
                quarantined: sum(|f| f.quarantined),
                ideas: roadmap.totals.ideas,
                unknown_theme: sum(|f| f.unknown_theme),
                unknown_level: sum(|f| f.unknown_level),
            },
            reasons,
            files: files.clone(),
            catalog: catalog.sources().iter().cloned().collect(),
            timings_ms: timings.millis(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the report serializes");
        s.push('\n');
        s
    }
}
