//! The types every sborka stage shares, and the catalogues that give raw
//! export values their meaning.
//!
//! # Overview
//!
//! - [`Proposal`] is one accepted record, with its [`Provenance`] (file,
//!   record, line, sheet, source id) and its [`Facets`] resolved against
//!   the [`Catalog`]: [`DistrictId`], [`RegionCode`], [`ThemeId`],
//!   [`Level`], [`Kind`], each wrapped in [`Label`] so that an unknown
//!   spelling is kept verbatim instead of being lost, and the year.
//! - [`Facet`] names the six facets, a [`Value`] is one facet's value, a
//!   [`Selection`] a value per facet (search filters, what a file
//!   implies). [`Catalog::resolve`] places any spelling the catalogue
//!   knows, for every caller; [`Catalog::slug`] and [`Catalog::display`]
//!   name a value for machines and for people.
//! - [`Support`] is an idea's backing (proposals, districts, regions,
//!   verbatim copies), computed here for the index and the documents.
//! - [`Quarantined`] is a record that could not become a proposal, with a
//!   [`Reason`] code.
//! - [`Cluster`] groups proposals that state one idea.
//! - [`PersonalKind`] names the personal data found in texts and the mark
//!   that replaces each; [`Masked`] counts what a file had masked.
//! - [`Catalog`] holds districts, regions, themes, levels, kinds and header
//!   spellings; the defaults are embedded from `catalog/` at build time and
//!   [`Catalog::load_dir`] overrides them file by file.
//!
//! # Example
//!
//! ```
//! use sborka_core::{Catalog, Facet, Level, Value};
//!
//! let catalog = Catalog::embedded();
//! let skfo = catalog.resolve(Facet::District, "Северо-Кавказский ФО").unwrap();
//! assert_eq!(catalog.slug(skfo), "skfo");
//! assert_eq!(catalog.display(skfo), "СКФО");
//! // The city of the district's session names it too.
//! assert_eq!(catalog.resolve(Facet::District, "Ставрополь"), Some(skfo));
//! assert_eq!(
//!     catalog.resolve(Facet::Level, "ФЕДЕРАЛЬНЫЙ УРОВЕНЬ"),
//!     Some(Value::Level(Level::Federal))
//! );
//! let err = catalog.parse(Facet::District, "Марс").unwrap_err();
//! assert!(err.to_string().starts_with("district \"Марс\" is not a known value"));
//! ```

mod catalog;
mod facet;
mod infer;
pub mod json;
pub mod label;
mod model;
mod personal;

pub use catalog::{
    Catalog, CatalogError, CatalogFiles, District, DistrictId, Field, KindInfo, LevelInfo, Region,
    RegionCode, Theme, ThemeId, fold_key,
};
pub use facet::{Facet, Facets, Selection, Support, UNPLACED, UnknownValue, Value};
pub use infer::{Inference, ThemeGuess};
pub use label::{Placed, Rule};
pub use model::{
    Cluster, ClusterId, IdOf, Kind, Label, Level, Personal, Proposal, ProposalId, Provenance,
    Quarantined, Reason, stable_hash,
};
pub use personal::{Masked, PersonalKind};
