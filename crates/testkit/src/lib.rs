//! What sborka's seeded corpus generators share (benchmarks, examples):
//! a random generator that gives the same numbers everywhere, and one word
//! bank. Not a dependency of any library: generators only.
//!
//! # Example
//!
//! ```
//! use sborka_testkit::{SplitMix64, words};
//!
//! let mut rng = SplitMix64(2018);
//! let text = format!("{} {}", rng.pick(words::ACTIONS), rng.pick(words::OBJECTS));
//! assert!(!text.is_empty());
//! ```

mod rng;
pub mod words;

pub use rng::SplitMix64;
