//! Writes a seeded corpus of N realistic proposals as clean UTF-8 CSV
//! (`id,district,region,theme,level,kind,year,text`), the input of the
//! benchmarks. The same file feeds sborka and the Python peer
//! (`../shared/peers/peer_py.py` reads `id`, `district`, `theme`, `level`,
//! `text`; its ids are `FILE#SOURCE_ID`).
//!
//! About 65% of the rows state a new idea, 20% copy an earlier row verbatim
//! (often from another district), 15% restate an earlier idea with surface
//! changes (a boilerplate opening, another word order, a typo, ё/е).
//!
//!     cargo run --release --example gen_corpus -- ROWS OUT.csv [--seed N]

// It prints what it finds: the rule against printing is for libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::BufWriter;

use sborka_core::{Catalog, Level};

use sborka_testkit::SplitMix64 as Rng;
use sborka_testkit::words::{ACTIONS, GROUPS, OBJECTS, OPENINGS, PLACES, TAILS};

#[derive(Clone, Copy)]
struct Idea {
    action: usize,
    object: usize,
    group: usize,
    place: usize,
    tail: usize,
}

impl Idea {
    fn text(&self) -> String {
        format!(
            "{} {} {} {}{}",
            ACTIONS[self.action],
            OBJECTS[self.object],
            GROUPS[self.group],
            PLACES[self.place],
            TAILS[self.tail]
        )
    }
}

/// A surface change that keeps the idea: an opening, the place moved to the
/// front, a typo, ё written for е, a final full stop.
fn restate(rng: &mut Rng, idea: &Idea) -> String {
    let mut text = match rng.below(3) {
        0 => idea.text(),
        1 => format!(
            "{} {} {} {}{}",
            capitalize(PLACES[idea.place]),
            lowercase_first(ACTIONS[idea.action]),
            OBJECTS[idea.object],
            GROUPS[idea.group],
            TAILS[idea.tail]
        ),
        _ => format!(
            "{} {} {} {}{}",
            ACTIONS[idea.action],
            OBJECTS[idea.object],
            PLACES[idea.place],
            GROUPS[idea.group],
            TAILS[idea.tail]
        ),
    };
    if rng.chance(50) {
        text = format!("{}{}", rng.pick(OPENINGS), lowercase_first(&text));
    }
    if rng.chance(30) {
        // Swap two neighbouring letters in one word: a typo.
        let chars: Vec<char> = text.chars().collect();
        let at = 5 + rng.below(chars.len().saturating_sub(10).max(1));
        if at + 1 < chars.len() && chars[at].is_alphabetic() && chars[at + 1].is_alphabetic() {
            let mut chars = chars;
            chars.swap(at, at + 1);
            text = chars.into_iter().collect();
        }
    }
    if rng.chance(20) {
        text = text.replacen("ле", "лё", 1);
    }
    if rng.chance(50) {
        text.push('.');
    }
    text
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // Keep abbreviations («СО НКО», «КЦСОН») as they are.
        Some(f) if !c.clone().next().is_some_and(char::is_uppercase) => {
            f.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_corpus ROWS OUT.csv [--seed N]";
    let rows: usize = args
        .first()
        .and_then(|n| n.replace('_', "").parse().ok())
        .expect(usage);
    let path = args.get(1).expect(usage);
    let seed: u64 = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .map_or(2018, |s| s.parse().expect("--seed takes a number"));
    let ideas = generate(rows, std::path::Path::new(path), seed)?;
    eprintln!("gen_corpus: {rows} rows, {ideas} ideas → {path}");
    Ok(())
}

/// Writes `rows` proposals to `path`; returns how many distinct ideas they
/// state.
pub(crate) fn generate(rows: usize, path: &std::path::Path, seed: u64) -> std::io::Result<usize> {
    let catalog = Catalog::embedded();
    let districts: Vec<_> = catalog.districts().collect();
    let themes: Vec<_> = catalog.themes().map(|(_, t)| t.name.clone()).collect();
    let levels: Vec<String> = Level::ALL
        .iter()
        .map(|l| catalog.level_info(*l).name.clone())
        .collect();
    let kinds = [
        "предложение",
        "предложение",
        "инициатива",
        "законодательная инициатива",
        "точка роста",
        "зона риска",
    ];
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );

    let mut rng = Rng(seed);
    let mut ideas: Vec<Idea> = Vec::new();
    let mut texts: Vec<(usize, String)> = Vec::new(); // (idea, text) of earlier rows
    let mut w = csv::Writer::from_writer(BufWriter::new(std::fs::File::create(path)?));
    w.write_record([
        "id", "district", "region", "theme", "level", "kind", "year", "text",
    ])?;
    for n in 1..=rows {
        let roll = rng.below(100);
        let (idea, text) = if roll < 20 && !texts.is_empty() {
            texts[rng.below(texts.len())].clone()
        } else if roll < 35 && !ideas.is_empty() {
            let i = rng.below(ideas.len());
            (i, restate(&mut rng, &ideas[i]))
        } else {
            let idea = Idea {
                action: rng.below(ACTIONS.len()),
                object: rng.below(OBJECTS.len()),
                group: rng.below(GROUPS.len()),
                place: rng.below(PLACES.len()),
                tail: rng.below(TAILS.len()),
            };
            ideas.push(idea);
            (ideas.len() - 1, idea.text())
        };
        // Keep memory bounded: remember a sample of earlier texts.
        if texts.len() < 200_000 {
            texts.push((idea, text.clone()));
        } else {
            let slot = rng.below(texts.len());
            texts[slot] = (idea, text.clone());
        }
        let (district_id, district) = districts[rng.below(districts.len())];
        let regions: Vec<_> = catalog
            .regions()
            .iter()
            .filter(|r| {
                catalog.region_district(sborka_core::RegionCode(r.code)) == Some(district_id)
            })
            .collect();
        let region = regions[rng.below(regions.len())];
        // Labels follow the idea, so that restatements agree, with noise.
        let theme = &themes[(ideas[idea].object + ideas[idea].group) % themes.len()];
        let level = &levels[if rng.chance(85) {
            ideas[idea].place % levels.len()
        } else {
            rng.below(levels.len())
        }];
        w.write_record([
            format!("{file}#{n}").as_str(),
            district.short.as_str(),
            region.name.as_str(),
            theme.as_str(),
            level.as_str(),
            *rng.pick(&kinds[..]),
            "2018",
            text.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(ideas.len())
}
