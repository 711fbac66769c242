//! The types every sborka stage shares, and the catalogues that give raw
//! export values their meaning.
//!
//! # Overview
//!
//! - [`Proposal`] is one accepted record, with its [`Provenance`] (file,
//!   record, line, sheet, source id) and its labels resolved against the
//!   [`Catalog`]: [`DistrictId`], [`RegionCode`], [`ThemeId`], [`Level`],
//!   [`Kind`], each wrapped in [`Label`] so that an unknown spelling is kept
//!   verbatim instead of being lost.
//! - [`Quarantined`] is a record that could not become a proposal, with a
//!   [`Reason`] code.
//! - [`Cluster`] groups proposals that state one idea.
//! - [`Catalog`] holds districts, regions, themes, levels, kinds and header
//!   spellings; the defaults are embedded from `catalog/` at build time and
//!   [`Catalog::load_dir`] overrides them file by file.
//!
//! # Example
//!
//! ```
//! use sborka_core::{Catalog, Level};
//!
//! let catalog = Catalog::embedded();
//! let skfo = catalog.district("Северо-Кавказский ФО").unwrap();
//! assert_eq!(catalog.district_info(skfo).short, "СКФО");
//! assert_eq!(catalog.level("ФЕДЕРАЛЬНЫЙ УРОВЕНЬ"), Some(Level::Federal));
//! ```

mod catalog;
pub mod json;
mod model;
mod rng;

pub use catalog::{
    Catalog, CatalogError, District, DistrictId, Field, KindInfo, LevelInfo, Region, RegionCode,
    Theme, ThemeId, fold_key,
};
pub use model::{
    Cluster, ClusterId, IdOf, Kind, Label, Level, Proposal, ProposalId, Provenance, Quarantined,
    Reason, stable_hash,
};
pub use rng::SplitMix64;
