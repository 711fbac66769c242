//! A proposal's facets packed into one column value.
//!
//! tantivy pays for every value of a document, and a string column looks
//! each value up in its dictionary: six facet columns cost the index stage
//! a sixth of its time. Here they are one `u64` column: nine bits each for
//! the district, the region and the theme, three each for the level and
//! the kind, seventeen for the year. In each, code 0 means absent, 1 a
//! spelling the catalogue could not place (`unknown`), `id + 2` a value of
//! the catalogue; a year is its value + 1. The names of the district and
//! theme codes are the catalogue's slugs at build time, kept in the
//! index's meta, so that an index built with `--catalog` reads back right;
//! a region's name is its code, a level's and a kind's their slugs.

use serde::{Deserialize, Serialize};

use sborka_core::{Catalog, Facet, Kind, Level, Proposal, Value};

/// Each facet's bits in the packed value, `(shift, width)`, in the order
/// of [`Facet::ALL`].
const LAYOUT: [(u32, u32); 6] = [(0, 9), (9, 9), (18, 9), (27, 3), (30, 3), (33, 17)];

/// The facet's bits in the packed value: `(shift, width)`.
fn bits(facet: Facet) -> (u32, u32) {
    LAYOUT[facet.index()]
}

/// The code of a value the catalogue could not place.
const UNKNOWN: u64 = 1;

/// The slugs of the district and theme codes (by catalogue id), as the
/// index was built.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Names {
    district: Vec<String>,
    theme: Vec<String>,
}

impl Names {
    pub(crate) fn of(catalog: &Catalog) -> Names {
        Names {
            district: catalog.districts().map(|(_, d)| d.slug.clone()).collect(),
            theme: catalog.themes().map(|(_, t)| t.slug.clone()).collect(),
        }
    }

    /// The code of `value` (a slug, a region code or a year, as a filter
    /// names it) in `facet`; `None` when no document can have it.
    pub(crate) fn code(&self, facet: Facet, value: &str) -> Option<u64> {
        if value == "unknown" && facet != Facet::Year {
            return Some(UNKNOWN);
        }
        fn position<'s>(mut slugs: impl Iterator<Item = &'s str>, value: &str) -> Option<u64> {
            slugs.position(|s| s == value).map(|i| i as u64 + 2)
        }
        match facet {
            Facet::District => position(self.district.iter().map(String::as_str), value),
            Facet::Theme => position(self.theme.iter().map(String::as_str), value),
            Facet::Level => position(Level::ALL.iter().map(|l| l.slug()), value),
            Facet::Kind => position(Kind::ALL.iter().map(|k| k.slug()), value),
            Facet::Region => value.parse::<u8>().ok().map(|code| u64::from(code) + 2),
            Facet::Year => value.parse::<u16>().ok().map(|year| u64::from(year) + 1),
        }
    }

    /// The name of `code` in `facet` (`None` for absent, or a code this
    /// index does not name).
    pub(crate) fn name(&self, facet: Facet, code: u64) -> Option<String> {
        if code == 0 {
            return None;
        }
        if facet == Facet::Year {
            return Some((code - 1).to_string());
        }
        if code == UNKNOWN {
            return Some("unknown".to_string());
        }
        let i = usize::try_from(code - 2).ok()?;
        match facet {
            Facet::District => self.district.get(i).cloned(),
            Facet::Theme => self.theme.get(i).cloned(),
            Facet::Level => Level::ALL.get(i).map(|l| l.slug().to_string()),
            Facet::Kind => Kind::ALL.get(i).map(|k| k.slug().to_string()),
            Facet::Region => Some(i.to_string()),
            Facet::Year => None,
        }
    }
}

impl Names {
    /// A district or theme slug of this index that `catalog` does not
    /// know (an index built with another catalogue), with its facet.
    pub(crate) fn foreign(&self, catalog: &Catalog) -> Option<(Facet, &str)> {
        let district = self.district.iter().map(|s| (Facet::District, s));
        let theme = self.theme.iter().map(|s| (Facet::Theme, s));
        district
            .chain(theme)
            .find(|(facet, slug)| catalog.from_slug(*facet, slug).is_none())
            .map(|(facet, slug)| (facet, slug.as_str()))
    }
}

/// The code of `facet` in a packed value.
pub(crate) fn code(packed: u64, facet: Facet) -> u64 {
    let (shift, width) = bits(facet);
    (packed >> shift) & ((1 << width) - 1)
}

/// The packed value with `code` for `facet`: `(mask, value)` to test a
/// packed value against (`packed & mask == value`).
pub(crate) fn with(facet: Facet, code: u64) -> (u64, u64) {
    let (shift, width) = bits(facet);
    let mask = (1 << width) - 1;
    (mask << shift, (code & mask) << shift)
}

/// The packed facets of `p`.
pub(crate) fn pack(p: &Proposal) -> u64 {
    Facet::ALL.iter().fold(0, |packed, &facet| {
        let code = match p.facets.value(facet) {
            None => 0,
            // Not made by a reader: a year is a number or nothing.
            Some(Value::Unplaced(Facet::Year)) => 0,
            Some(Value::Unplaced(_)) => UNKNOWN,
            Some(Value::District(d)) => u64::from(d.0) + 2,
            Some(Value::Region(r)) => u64::from(r.0) + 2,
            Some(Value::Theme(t)) => u64::from(t.0) + 2,
            Some(Value::Level(l)) => l.index() as u64 + 2,
            Some(Value::Kind(k)) => k.index() as u64 + 2,
            Some(Value::Year(y)) => u64::from(y) + 1,
        };
        packed | with(facet, code).1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sborka_core::{DistrictId, Label, Provenance, RegionCode, ThemeId};

    fn label<T>(pick: u8, known: T) -> Label<T> {
        match pick % 3 {
            0 => Label::Missing,
            1 => Label::Unknown("как-то".into()),
            _ => Label::Known(known),
        }
    }

    /// The name a proposal's facet goes under, as the index used to store
    /// it: a slug, a region code, `unknown`, or nothing.
    fn named(catalog: &Catalog, p: &Proposal, facet: Facet) -> Option<String> {
        fn slug<T: Copy>(l: &Label<T>, name: impl FnOnce(T) -> String) -> Option<String> {
            match l {
                Label::Known(t) => Some(name(*t)),
                Label::Unknown(_) => Some("unknown".into()),
                Label::Missing => None,
            }
        }
        let f = &p.facets;
        match facet {
            Facet::District => slug(&f.district, |d| catalog.district_info(d).slug.clone()),
            Facet::Region => slug(&f.region, |r| r.0.to_string()),
            Facet::Theme => slug(&f.theme, |t| catalog.theme_info(t).slug.clone()),
            Facet::Level => slug(&f.level, |l| l.slug().to_string()),
            Facet::Kind => slug(&f.kind, |k| k.slug().to_string()),
            Facet::Year => f.year.map(|y| y.to_string()),
        }
    }

    proptest! {
        /// Every facet of every proposal reads back as its name, and a
        /// filter by that name selects it (and by another name does not).
        #[test]
        fn facets_pack_and_read_back(
            picks in prop::array::uniform5(any::<u8>()),
            district in 0..8u8,
            region in any::<u8>(),
            theme in 0..10u8,
            level in 0..3usize,
            kind in 0..5usize,
            year in prop::option::of(any::<u16>()),
        ) {
            let catalog = Catalog::embedded();
            let names = Names::of(&catalog);
            let mut p = Proposal::new(Provenance::default(), "текст");
            p.facets.district = label(picks[0], DistrictId(district));
            p.facets.region = label(picks[1], RegionCode(region));
            p.facets.theme = label(picks[2], ThemeId(theme));
            p.facets.level = label(picks[3], Level::ALL[level]);
            p.facets.kind = label(picks[4], Kind::ALL[kind]);
            p.facets.year = year;
            let packed = pack(&p);
            for facet in Facet::ALL {
                let want = named(&catalog, &p, facet);
                prop_assert_eq!(names.name(facet, code(packed, facet)), want.clone());
                if let Some(want) = want {
                    let (mask, value) = with(facet, names.code(facet, &want).unwrap());
                    prop_assert_eq!(packed & mask, value);
                }
                let other = if facet == Facet::Year { "1" } else { "unknown" };
                if let Some(c) = names.code(facet, other).filter(|_| named(&catalog, &p, facet).as_deref() != Some(other)) {
                    let (mask, value) = with(facet, c);
                    prop_assert_ne!(packed & mask, value);
                }
            }
        }
    }

    #[test]
    fn names_no_document_can_have_match_nothing() {
        let names = Names::of(&Catalog::embedded());
        for (facet, value) in [
            (Facet::District, "atlantis"),
            (Facet::Theme, ""),
            (Facet::Level, "galactic"),
            (Facet::Region, "256"),
            (Facet::Year, "unknown"),
            (Facet::Year, "-1"),
        ] {
            assert_eq!(names.code(facet, value), None, "{facet:?} {value}");
        }
    }
}
