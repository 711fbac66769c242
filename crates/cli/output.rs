//! The machine-readable outputs: `proposals.jsonl`, `quarantine.jsonl`,
//! `report.json`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use sborka_core::{Catalog, CatalogFiles, Facet, Masked, Quarantined, Reason, Value, json};
use sborka_ingest::{FileReport, Skipped};
use sborka_roadmap::Roadmap;

use crate::build::Built;

/// The version of the shapes of `proposals.jsonl`, `quarantine.jsonl` and
/// `report.json`.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Writes one line per proposal, in build order.
pub(crate) fn write_proposals(
    w: &mut dyn Write,
    built: &Built,
    catalog: &Catalog,
) -> std::io::Result<()> {
    write_in_blocks(w, built.proposals.len(), 8192, |buf, i| {
        write_proposal(buf, built, catalog, i)
    })
}

/// Writes items `0..n` by `item`, rendered in parallel blocks of `block`
/// items, a window of blocks at a time (memory stays a few blocks whatever
/// `n`), and written in order: the bytes are those of a sequential loop.
fn write_in_blocks(
    w: &mut dyn Write,
    n: usize,
    block: usize,
    item: impl Fn(&mut Vec<u8>, usize) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let block = block.max(1);
    let window = block * 2 * rayon::current_num_threads().max(1);
    for start in (0..n).step_by(window) {
        let end = (start + window).min(n);
        let starts: Vec<usize> = (start..end).step_by(block).collect();
        let blocks: Vec<std::io::Result<Vec<u8>>> = starts
            .into_par_iter()
            .map(|from| {
                // Sized from the first item (most lines are of a size, and
                // a long first one reserves at most 16 MB), so that the
                // buffer is seldom copied as it grows.
                let to = (from + block).min(end);
                let mut buf = Vec::new();
                item(&mut buf, from)?;
                buf.reserve(((buf.len() + buf.len() / 4) * (to - from)).min(16 << 20));
                for i in from + 1..to {
                    item(&mut buf, i)?;
                }
                Ok(buf)
            })
            .collect();
        for block in blocks {
            w.write_all(&block?)?;
        }
    }
    Ok(())
}

/// The line of proposal `i`, written by hand (`sborka_core::json`): the
/// file's largest part, and three times faster than through serde (50,000
/// proposals: 94 → 31 ms of CPU). The bytes are serde_json's for the shape
/// documented in the README; a test checks them against it.
fn write_proposal(
    o: &mut Vec<u8>,
    built: &Built,
    catalog: &Catalog,
    i: usize,
) -> std::io::Result<()> {
    let p = &built.proposals[i];
    let s = &p.source;
    o.extend_from_slice(b"{\"id\":\"");
    json::id_contents(o, s);
    o.extend_from_slice(b"\",\"source\":{\"file\":");
    json::string(o, &s.file);
    o.extend_from_slice(b",\"record\":");
    json::number(o, s.record);
    o.extend_from_slice(b",\"line\":");
    json::number(o, s.line);
    if let Some(sheet) = &s.sheet {
        o.extend_from_slice(b",\"sheet\":");
        json::string(o, sheet);
    }
    if let Some(source_id) = &s.source_id {
        o.extend_from_slice(b",\"source_id\":");
        json::string(o, source_id);
    }
    // Each facet by its slug (a region by its number, the year a number),
    // null unless the catalogue placed it.
    for facet in Facet::ALL {
        if facet == Facet::District {
            o.push(b'}');
        }
        o.extend_from_slice(b",\"");
        o.extend_from_slice(facet.name().as_bytes());
        o.extend_from_slice(b"\":");
        match p.facets.value(facet) {
            Some(Value::Region(r)) => json::number(o, u64::from(r.0)),
            Some(Value::Year(y)) => json::number(o, u64::from(y)),
            Some(Value::Unplaced(_)) | None => o.extend_from_slice(b"null"),
            Some(known) => json::string(o, &catalog.slug(known)),
        }
    }
    // The originals only under --keep-personal (ingest keeps them only
    // then).
    let personal = p.personal.as_deref().filter(|_| built.keep_personal);
    // `text` is always what the build read (masked), so that a review
    // sheet made from this file keys its answers as the next build does;
    // the original beside it.
    o.extend_from_slice(b",\"text\":");
    json::string(o, &p.text);
    if let Some(original) = personal.and_then(|k| k.text.as_deref()) {
        o.extend_from_slice(b",\"text_as_written\":");
        json::string(o, original);
    }
    let c = built.cluster_of[i] as usize;
    let cluster = &built.clusters[c];
    write!(o, ",\"cluster\":\"{}\"", cluster.id)?;
    // How sure the link to the idea is; the representative; an idea an
    // analyst's answer shaped.
    o.extend_from_slice(b",\"link\":");
    serde_json::to_writer(&mut *o, &link(built.links.get(i).copied().unwrap_or(1.0)))?;
    if cluster.representative as usize == i {
        o.extend_from_slice(b",\"representative\":true");
    }
    if built.decided.get(c).copied().unwrap_or(false) {
        o.extend_from_slice(b",\"decided\":true");
    }
    // Values the catalogue did not recognise, verbatim.
    let mut unrecognized = BTreeMap::new();
    for facet in Facet::ALL {
        if let Some(raw) = p.facets.raw(facet) {
            unrecognized.insert(facet.name(), raw);
        }
    }
    if !unrecognized.is_empty() {
        o.extend_from_slice(b",\"unrecognized\":");
        json::value(o, &unrecognized);
    }
    // Fields sborka inferred rather than read.
    if !p.inferred.is_empty() {
        o.extend_from_slice(b",\"inferred\":");
        json::value(o, &p.inferred);
    }
    // How sure the theme read from the text is, 0 to 1.
    if let Some(percent) = p.theme_confidence {
        o.extend_from_slice(b",\"theme_confidence\":");
        json::value(o, &confidence(percent));
    }
    let extra = match personal {
        Some(k) if !k.extra.is_empty() => {
            let mut extra = p.extra.clone();
            extra.extend(k.extra.iter().map(|(h, v)| (h.clone(), v.clone())));
            std::borrow::Cow::Owned(extra)
        }
        _ => std::borrow::Cow::Borrowed(&p.extra),
    };
    if !extra.is_empty() {
        o.extend_from_slice(b",\"extra\":");
        json::value(o, &*extra);
    }
    o.extend_from_slice(b"}\n");
    Ok(())
}

/// A confidence in percent as the outputs write it: a number from 0 to 1.
fn confidence(percent: u8) -> f64 {
    f64::from(percent) / 100.0
}

/// A link's probability as written: three decimals.
fn link(p: f32) -> f64 {
    (f64::from(p) * 1000.0).round() / 1000.0
}

/// `near_misses.jsonl`: pairs of proposals in different ideas that the
/// pair model found likely one but the pair decision kept apart, likeliest
/// first: `{"a": id, "b": id, "probability": p, "reason": why}`.
pub(crate) fn write_near_misses(w: &mut dyn Write, built: &Built) -> std::io::Result<()> {
    for m in &built.near_misses {
        let id = |i: u32| built.proposals[i as usize].id().to_string();
        let reason = match m.refusal {
            sborka_dedup::Refusal::Twin => "twin",
            sborka_dedup::Refusal::Unlikely(_) => "unlikely",
            sborka_dedup::Refusal::Numbers => "numbers",
            sborka_dedup::Refusal::Groups => "groups",
            sborka_dedup::Refusal::Antonyms => "antonyms",
            sborka_dedup::Refusal::Negation => "negation",
            sborka_dedup::Refusal::Dissimilar(_) => "dissimilar",
        };
        let line = serde_json::json!({
            "a": id(m.a),
            "b": id(m.b),
            "probability": link(m.probability),
            "reason": reason,
        });
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// `changes.json`: the comparison with the previous build, indented.
pub(crate) fn write_changes(
    w: &mut dyn Write,
    history: &sborka_roadmap::History<'_>,
) -> std::io::Result<()> {
    if let sborka_roadmap::History::Compared(changes) = history {
        serde_json::to_writer_pretty(&mut *w, changes)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

pub(crate) fn write_quarantine(
    w: &mut dyn Write,
    quarantined: &[Quarantined],
) -> std::io::Result<()> {
    for q in quarantined {
        serde_json::to_writer(&mut *w, q)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// A stage of the build, as the report times it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    Read,
    Normalize,
    Cluster,
    Index,
    Assemble,
    Render,
    Publish,
}

impl Stage {
    const ALL: [Stage; 7] = [
        Stage::Read,
        Stage::Normalize,
        Stage::Cluster,
        Stage::Index,
        Stage::Assemble,
        Stage::Render,
        Stage::Publish,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Normalize => "normalize",
            Stage::Cluster => "cluster",
            Stage::Index => "index",
            Stage::Assemble => "assemble",
            Stage::Render => "render",
            Stage::Publish => "publish",
        }
    }
}

/// Stage durations. They differ from run to run: `report.json` is the one
/// output that is not byte-identical for the same input.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timings([Duration; Stage::ALL.len()]);

impl Timings {
    pub(crate) fn set(&mut self, stage: Stage, d: Duration) {
        self.0[stage as usize] = d;
    }

    fn stages(&self) -> impl Iterator<Item = (&'static str, Duration)> + '_ {
        Stage::ALL.iter().map(|&s| (s.name(), self.0[s as usize]))
    }

    pub(crate) fn describe(&self) -> String {
        self.stages()
            .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(crate) fn millis(&self) -> BTreeMap<&'static str, f64> {
        self.stages()
            .map(|(name, d)| (name, (d.as_secs_f64() * 1e4).round() / 10.0))
            .collect()
    }
}

#[derive(Serialize)]
pub(crate) struct Totals {
    pub(crate) files: u64,
    pub(crate) files_failed: u64,
    pub(crate) records: u64,
    pub(crate) accepted: u64,
    pub(crate) quarantined: u64,
    pub(crate) ideas: u64,
    pub(crate) unknown_theme: u64,
    /// Proposals whose theme was inferred from their text.
    pub(crate) inferred_theme: u64,
    pub(crate) unknown_level: u64,
}

/// One input file in the report: what ingest found, its status and digest.
#[derive(Serialize)]
pub(crate) struct FileEntry {
    /// `ok`, or `unreadable` when `error` says why the file could not be
    /// read at all.
    pub(crate) status: &'static str,
    pub(crate) sha256: String,
    #[serde(flatten)]
    pub(crate) report: FileReport,
}

/// Personal data in the build: what was kept out of the outputs, and
/// whether `proposals.jsonl` holds it anyway.
#[derive(Serialize)]
pub(crate) struct PersonalReport {
    /// `--keep-personal`: `proposals.jsonl` holds the texts as written and
    /// the personal columns.
    pub(crate) kept_in_proposals_jsonl: bool,
    /// Over all files: cells of personal columns left out (`column`), values
    /// masked in texts by kind.
    pub(crate) masked: Masked,
}

/// `report.json`, for people and for cron wrappers. Its shape is described
/// by `schema/report.schema.json`.
#[derive(Serialize)]
pub(crate) struct Report {
    pub(crate) schema_version: u32,
    pub(crate) sborka_version: &'static str,
    /// SHA-256 over the inputs' names and digests, in order: the same
    /// inputs give the same value.
    pub(crate) inputs_sha256: String,
    /// The `--date` the build printed, if any (`changes.json` of the next
    /// build repeats it).
    pub(crate) date: Option<String>,
    pub(crate) totals: Totals,
    /// Quarantined records by reason code.
    pub(crate) reasons: BTreeMap<Reason, u64>,
    /// Things a human should look at: unreadable files, a text column
    /// chosen without a header naming it, unrecognised themes and levels,
    /// personal data kept.
    pub(crate) warnings: Vec<String>,
    pub(crate) personal: PersonalReport,
    pub(crate) files: Vec<FileEntry>,
    /// Files under the input folders that were not read, each with why.
    pub(crate) skipped: Vec<Skipped>,
    /// Where each catalogue file came from.
    pub(crate) catalog: BTreeMap<String, String>,
    /// Milliseconds per stage (differ from run to run).
    pub(crate) timings_ms: BTreeMap<&'static str, f64>,
    /// Peak resident memory of the build, where the system tells it.
    pub(crate) peak_rss_bytes: Option<u64>,
    /// Analysts' answers (`--decisions`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decisions: Option<DecisionsReport>,
}

/// What a build did with analysts' answers.
#[derive(Serialize)]
pub(crate) struct DecisionsReport {
    /// Answers applied: «да» and «нет».
    pub(crate) applied: usize,
    pub(crate) applied_same: usize,
    pub(crate) applied_different: usize,
    /// Ideas the answers joined and proposals they took out of an idea.
    pub(crate) merged: usize,
    pub(crate) split: usize,
    /// Answers whose texts no longer appear among the proposals.
    pub(crate) stale: Vec<AnswerPlace>,
    /// Answers that contradict each other (none of them applied).
    pub(crate) conflicting: Vec<ConflictEntry>,
    /// Files and rows that could not be used.
    pub(crate) problems: Vec<ProblemEntry>,
}

#[derive(Serialize)]
pub(crate) struct AnswerPlace {
    pub(crate) file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sheet: Option<String>,
    pub(crate) row: u64,
    pub(crate) text_a: String,
    pub(crate) text_b: String,
    pub(crate) decision: &'static str,
}

impl AnswerPlace {
    fn of(a: &sborka_review::Answer) -> AnswerPlace {
        AnswerPlace {
            file: a.file.clone(),
            sheet: a.sheet.clone(),
            row: a.row,
            text_a: a.text_a.clone(),
            text_b: a.text_b.clone(),
            decision: if a.same { "да" } else { "нет" },
        }
    }
}

#[derive(Serialize)]
pub(crate) struct ConflictEntry {
    pub(crate) why: String,
    pub(crate) answers: Vec<AnswerPlace>,
}

#[derive(Serialize)]
pub(crate) struct ProblemEntry {
    pub(crate) file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) place: Option<String>,
    pub(crate) message: String,
}

impl DecisionsReport {
    fn of(d: &crate::build::Decisions) -> DecisionsReport {
        let r = &d.resolution;
        DecisionsReport {
            applied: r.applied(),
            applied_same: r.applied_same,
            applied_different: r.applied_different,
            merged: d.effects.joined,
            split: d.effects.split,
            stale: r.stale.iter().map(AnswerPlace::of).collect(),
            conflicting: r
                .conflicts
                .iter()
                .map(|c| ConflictEntry {
                    why: c.why.clone(),
                    answers: c.answers.iter().map(AnswerPlace::of).collect(),
                })
                .collect(),
            problems: d
                .problems
                .iter()
                .map(|p| ProblemEntry {
                    file: p.file.clone(),
                    place: p.place.clone(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    }
}

impl Report {
    pub(crate) fn new(
        built: &Built,
        catalog_files: &CatalogFiles,
        roadmap: &Roadmap<'_>,
        timings: Timings,
    ) -> Report {
        let files = &built.files;
        let sum = |f: fn(&FileReport) -> u64| files.iter().map(f).sum();
        let mut reasons = BTreeMap::new();
        for q in &built.quarantined {
            *reasons.entry(q.reason).or_default() += 1;
        }
        let mut warnings = Vec::new();
        if let sborka_roadmap::History::Unreadable { reason } = &roadmap.changes {
            warnings.push(format!(
                "the previous build could not be read ({reason}): changes since it are not counted"
            ));
        }
        let mut inputs = Sha256::new();
        for (f, digest) in files.iter().zip(&built.digests) {
            inputs.update(f.file.as_bytes());
            inputs.update([0]);
            inputs.update(digest.as_bytes());
            inputs.update([0]);
            if let Some(error) = &f.error {
                warnings.push(format!("{}: unreadable: {error}", f.file));
            }
            if let Some(choice) = &f.text_column {
                warnings.push(format!(
                    "{}: {}; if that is wrong, name the text column with --text-column or in \
                     catalog/headers.toml",
                    f.file,
                    choice.describe()
                ));
            }
            if f.unknown_theme > 0 {
                warnings.push(format!(
                    "{}: {} proposals with a theme the catalogue does not know",
                    f.file, f.unknown_theme
                ));
            }
            if f.unknown_level > 0 {
                warnings.push(format!(
                    "{}: {} proposals without a recognised level",
                    f.file, f.unknown_level
                ));
            }
        }
        if let Some(d) = &built.decisions {
            for a in &d.resolution.stale {
                warnings.push(format!(
                    "{}: a stale answer: its texts are no longer among the proposals",
                    a.place()
                ));
            }
            for c in &d.resolution.conflicts {
                let places: Vec<String> = c.answers.iter().map(|a| a.place()).collect();
                warnings.push(format!(
                    "conflicting answers, none applied ({}): {}",
                    c.why,
                    places.join("; ")
                ));
            }
            for p in &d.problems {
                warnings.push(format!("decisions: {p}"));
            }
        }
        let masked: Masked = files.iter().map(|f| f.masked).sum();
        if built.keep_personal {
            warnings.push(format!(
                "proposals.jsonl keeps personal data as written (--keep-personal): {} cells of \
                 personal columns, {} values masked in the other outputs; it is for the \
                 analysts only and must not be published",
                masked.cells,
                masked.found_total()
            ));
        }
        Report {
            schema_version: SCHEMA_VERSION,
            sborka_version: env!("CARGO_PKG_VERSION"),
            inputs_sha256: hex(&inputs.finalize()),
            date: roadmap.date.clone(),
            totals: Totals {
                files: files.len() as u64,
                files_failed: files.iter().filter(|f| f.error.is_some()).count() as u64,
                records: sum(|f| f.records),
                accepted: sum(|f| f.accepted),
                quarantined: sum(|f| f.quarantined),
                ideas: roadmap.totals.ideas,
                unknown_theme: sum(|f| f.unknown_theme),
                inferred_theme: sum(|f| f.inferred_theme),
                unknown_level: sum(|f| f.unknown_level),
            },
            reasons,
            warnings,
            personal: PersonalReport {
                kept_in_proposals_jsonl: built.keep_personal,
                masked,
            },
            files: files
                .iter()
                .zip(&built.digests)
                .map(|(f, digest)| FileEntry {
                    status: if f.error.is_some() {
                        "unreadable"
                    } else {
                        "ok"
                    },
                    sha256: digest.clone(),
                    report: f.clone(),
                })
                .collect(),
            skipped: built.skipped.clone(),
            catalog: catalog_files
                .sources()
                .map(|(name, source)| (name.to_string(), source.to_string()))
                .collect(),
            timings_ms: timings.millis(),
            peak_rss_bytes: peak_rss_bytes(),
            decisions: built.decisions.as_ref().map(DecisionsReport::of),
        }
    }

    pub(crate) fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the report serializes");
        s.push('\n');
        s
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, hex; empty when it cannot be read (ingest reports
/// why).
pub(crate) fn sha256_file(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(_) => return String::new(),
        }
    }
    hex(&hasher.finalize())
}

/// The peak resident set size of this process (`VmHWM`), on Linux.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A spreadsheet cell that starts like a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return) gets a leading apostrophe, so that opening
/// `quarantine.csv` in Excel or LibreOffice never runs input as a formula.
pub(crate) fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `quarantine.csv`: the quarantine for a spreadsheet, one row per record,
/// the raw fields as one JSON cell.
pub(crate) fn write_quarantine_csv(
    w: &mut dyn Write,
    quarantined: &[Quarantined],
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "file",
        "record",
        "line",
        "sheet",
        "source_id",
        "reason",
        "message",
        "raw",
    ])?;
    for q in quarantined {
        let raw = serde_json::to_string(&q.raw)?;
        let record = q.source.record.to_string();
        let line = q.source.line.to_string();
        let cells = [
            &*q.source.file,
            &record,
            &line,
            q.source.sheet.as_deref().unwrap_or(""),
            q.source.source_id.as_deref().unwrap_or(""),
            q.reason.code(),
            &q.message,
            &raw,
        ];
        out.write_record(cells.iter().map(|c| neutralize(c).into_owned()))?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::{neutralize, write_in_blocks, write_proposal};
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::sync::Arc;

    use serde::Serialize;

    use crate::build::Built;
    use sborka_core::{
        Catalog, Cluster, ClusterId, DistrictId, Field, Kind, Label, Level, Proposal, Provenance,
        RegionCode, ThemeId,
    };

    /// The shape of a `proposals.jsonl` line as serde writes it: the
    /// specification `write_proposal` is checked against.
    #[derive(Serialize)]
    struct ProposalLine<'a> {
        id: String,
        source: &'a Provenance,
        district: Option<&'a str>,
        region: Option<u8>,
        theme: Option<&'a str>,
        level: Option<&'a str>,
        kind: Option<&'a str>,
        year: Option<u16>,
        text: &'a str,
        cluster: String,
        link: f64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        representative: bool,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        decided: bool,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        unrecognized: BTreeMap<&'static str, &'a str>,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        inferred: &'a [Field],
        #[serde(skip_serializing_if = "Option::is_none")]
        theme_confidence: Option<f64>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        extra: &'a BTreeMap<String, String>,
    }

    #[test]
    fn proposal_lines_are_what_serde_writes() {
        let catalog = Catalog::embedded();
        let plain = Proposal::new(
            Provenance {
                file: Arc::from("ufa.csv"),
                record: 1,
                line: 2,
                sheet: None,
                source_id: None,
            },
            "Создать центры «серебряного» волонтёрства",
        );
        let mut full = Proposal::new(
            Provenance {
                file: Arc::from("папка/\"сессия\"\\1.xlsx"),
                record: 18_446_744_073_709_551_615,
                line: 7,
                sheet: Some("Лист\t1".to_string()),
                source_id: Some("№ 17\u{1}".to_string()),
            },
            "строка\nдве \"кавычки\" \\ \u{8}\u{c}\u{1f} 😀",
        );
        full.facets.district = Label::Known(DistrictId(0));
        full.facets.region = Label::Known(RegionCode(2));
        full.facets.theme = Label::Known(ThemeId(3));
        full.facets.level = Label::Known(Level::Municipal);
        full.facets.kind = Label::Known(Kind::Initiative);
        full.facets.year = Some(2018);
        full.inferred = vec![Field::District, Field::Theme, Field::Level];
        full.theme_confidence = Some(83);
        full.extra.insert("Примечание".into(), "\"да\"".into());
        full.extra.insert("автор".into(), String::new());
        let mut unknown = plain.clone();
        unknown.facets.district = Label::Unknown("Марс".into());
        unknown.facets.theme = Label::Unknown("\"темы\" нет".into());
        unknown.facets.kind = Label::Unknown("прочее".into());
        let proposals = vec![plain, full, unknown];
        let built = Built {
            files: Vec::new(),
            skipped: Vec::new(),
            keep_personal: false,
            digests: Vec::new(),
            clusters: vec![Cluster {
                id: ClusterId(0x00ab_cdef_0123_4567),
                members: vec![0, 1, 2],
                representative: 0,
                verbatim: 0,
            }],
            cluster_of: vec![0; proposals.len()],
            links: vec![1.0, 0.8125, 0.6666],
            decided: vec![true],
            near_misses: Vec::new(),
            decisions: None,
            proposals,
            quarantined: Vec::new(),
        };
        for (i, p) in built.proposals.iter().enumerate() {
            let mut unrecognized = BTreeMap::new();
            let f = &p.facets;
            for (field, raw) in [
                (Field::District, f.district.raw()),
                (Field::Region, f.region.raw()),
                (Field::Theme, f.theme.raw()),
                (Field::Level, f.level.raw()),
                (Field::Kind, f.kind.raw()),
            ] {
                if let Some(raw) = raw {
                    unrecognized.insert(field.name(), raw);
                }
            }
            let want = ProposalLine {
                id: p.id().0,
                source: &p.source,
                district: f
                    .district
                    .known()
                    .map(|d| catalog.district_info(d).slug.as_str()),
                region: f.region.known().map(|r| r.0),
                theme: f.theme.known().map(|t| catalog.theme_info(t).slug.as_str()),
                level: f.level.known().map(|l| l.slug()),
                kind: f.kind.known().map(|k| k.slug()),
                year: f.year,
                text: &p.text,
                cluster: built.clusters[0].id.to_string(),
                link: [1.0, 0.813, 0.667][i],
                representative: i == 0,
                decided: true,
                unrecognized,
                inferred: &p.inferred,
                theme_confidence: p.theme_confidence.map(super::confidence),
                extra: &p.extra,
            };
            let mut want = serde_json::to_vec(&want).unwrap();
            want.push(b'\n');
            let mut got = Vec::new();
            write_proposal(&mut got, &built, &catalog, i).unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(want).unwrap(),
                "proposal {i}"
            );
        }
    }

    #[test]
    fn blocks_write_what_a_loop_writes() {
        let item = |buf: &mut Vec<u8>, i: usize| writeln!(buf, "line {i}");
        let mut want = Vec::new();
        for i in 0..1000 {
            item(&mut want, i).unwrap();
        }
        for block in [1, 7, 999, 1000, 5000] {
            let mut got = Vec::new();
            write_in_blocks(&mut got, 1000, block, item).unwrap();
            assert_eq!(got, want, "blocks of {block}");
        }
    }

    #[test]
    fn formula_cells_are_neutralized() {
        let cases = [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+7 (495) 000", "'+7 (495) 000"),
            ("-1", "'-1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tx", "'\tx"),
            ("Создать службу", "Создать службу"),
            ("", ""),
            ("a=b", "a=b"),
        ];
        for (cell, want) in cases {
            assert_eq!(neutralize(cell), want, "{cell:?}");
        }
    }
}
