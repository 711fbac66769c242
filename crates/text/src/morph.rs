//! Dictionary forms (lemmas) of Russian words: the OpenCorpora dictionary
//! through `rsmorphy`, loaded once per process.
//!
//! Only the dictionary is asked: a word it does not list (a typo, a new
//! word, an abbreviation) has no lemma here, and the analyzer falls back to
//! its Snowball stem. rsmorphy's guesses for unknown words (by suffix, by
//! prefix) are not used: a guessed lemma of a typo would rarely meet the
//! right word, its stem sometimes does.
//!
//! An ambiguous form gets one lemma, the likeliest: the dictionary's
//! parses of the form are weighed by OpenCorpora's P(tag | word), the
//! weights summed per lemma, and the heaviest wins (the first listed on a
//! tie). Summing matters: «пожилых» is five parses, two of the noun
//! «пожилое» and three of the adjective «пожилой», each 0.2 — the
//! adjective wins, as it does for «пожилой» and «пожилым». One lemma per
//! word keeps positions, phrases and clustering as they were with stems;
//! the price is that the rarer reading is lost («стали» is «стать», never
//! «сталь»).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rsmorphy::container::SeenSet;
use rsmorphy::prelude::*;

/// The morphological dictionary could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MorphologyError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for MorphologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "morphological dictionary {}: {}",
            self.path, self.message
        )
    }
}

impl std::error::Error for MorphologyError {}

/// The OpenCorpora dictionary, ready to give lemmas. About 13 MB of
/// decompressed tables; loading takes a few hundred milliseconds, so a
/// process loads it once ([`Morphology::shared`]).
pub struct Morphology {
    morph: MorphAnalyzer,
}

impl fmt::Debug for Morphology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Morphology(opencorpora)")
    }
}

impl Morphology {
    /// Where the dictionary is read from: the data folder of the
    /// `rsmorphy-dict-ru` package, as cargo unpacked it.
    pub fn path() -> &'static str {
        rsmorphy::rsmorphy_dict_ru::DICT_PATH
    }

    /// Loads the dictionary from [`Morphology::path`].
    pub fn load() -> Result<Morphology, MorphologyError> {
        let path = Morphology::path();
        let error = |message: String| MorphologyError {
            path: path.to_string(),
            message,
        };
        // rsmorphy panics on a missing file: look first, and say where.
        for file in [
            "words.dawg.gz",
            "paradigms.array.gz",
            "p_t_given_w.intdawg.gz",
        ] {
            let file = Path::new(path).join(file);
            if !file.is_file() {
                return Err(error(format!("{} is missing", file.display())));
            }
        }
        let morph = std::panic::catch_unwind(|| MorphAnalyzer::from_file(path))
            .map_err(|_| error("it could not be read".to_string()))?;
        Ok(Morphology { morph })
    }

    /// The one dictionary of this process, loaded at the first call.
    pub fn shared() -> Result<Arc<Morphology>, MorphologyError> {
        static SHARED: OnceLock<Result<Arc<Morphology>, MorphologyError>> = OnceLock::new();
        SHARED
            .get_or_init(|| Morphology::load().map(Arc::new))
            .clone()
    }

    /// Appends the likely lemmas of `folded` (a folded word: lower case,
    /// ё as е) to `out`, folded the same way and separated by
    /// [`ALTERNATIVE`], the likeliest first; `false`, and nothing appended,
    /// when the dictionary does not list the word.
    pub fn lemmas_into(&self, folded: &str, out: &mut String) -> bool {
        let mut parses: ParseResult = Vec::new();
        self.morph.units.dictionary.parse(
            &self.morph,
            &mut parses,
            folded,
            folded,
            &mut SeenSet::default(),
        );
        if parses.is_empty() {
            return false;
        }
        self.morph
            .estimator
            .apply_to_parses(&self.morph, folded, folded, &mut parses);
        // Weight per lemma, in the order the lemmas first appear.
        let mut weights: Vec<(String, f64)> = Vec::new();
        for parse in &parses {
            let lemma: String = parse
                .lex
                .get_normal_form(&self.morph)
                .chars()
                .map(|c| if c == 'ё' { 'е' } else { c })
                .collect();
            let weight = parse.score.value();
            match weights.iter_mut().find(|(l, _)| *l == lemma) {
                Some((_, w)) => *w += weight,
                None => weights.push((lemma, weight)),
            }
        }
        // Heaviest first; a tie keeps the dictionary's order.
        weights.sort_by(|a, b| b.1.total_cmp(&a.1));
        let best = weights[0].1;
        for (i, (lemma, _)) in weights
            .iter()
            .take_while(|(_, w)| *w >= best * LIKELY)
            .enumerate()
        {
            if i > 0 {
                out.push(ALTERNATIVE);
            }
            out.push_str(lemma);
        }
        true
    }

    /// The likely lemmas of `folded`, the likeliest first; empty when the
    /// dictionary does not list it.
    pub fn lemmas(&self, folded: &str) -> Vec<String> {
        let mut out = String::new();
        self.lemmas_into(folded, &mut out);
        out.split(ALTERNATIVE)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// A lemma is kept when it weighs at least this share of the likeliest.
const LIKELY: f64 = 0.5;

/// Separates the lemmas of one word in a term ([`Morphology::lemmas_into`]):
/// never part of a word.
pub const ALTERNATIVE: char = '|';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lemmas_table() {
        let m = Morphology::shared().expect("the dictionary loads");
        let cases: [(&str, &[&str]); 19] = [
            ("сиделки", &["сиделка"]),
            ("сиделок", &["сиделка"]),
            ("уходит", &["уходить"]),
            ("ухода", &["уход"]),
            ("уходу", &["уход"]),
            // Summed per lemma: three parses of the adjective, two of
            // the noun «пожилое».
            ("пожилых", &["пожилой", "пожилое"]),
            ("пожилая", &["пожилой"]),
            // A tie: both.
            ("пожилые", &["пожилое", "пожилой"]),
            ("селе", &["сель", "село"]),
            ("пенсионеров", &["пенсионер"]),
            ("некоммерческих", &["некоммерческий"]),
            ("организаций", &["организация"]),
            // ё folded to е, in the word and in its lemma.
            ("елки", &["елка"]),
            ("ребенка", &["ребенок"]),
            // A reading far less likely is dropped.
            ("стали", &["стать"]),
            ("сел", &["сесть"]),
            ("села", &["село", "сесть"]),
            // Not in the dictionary: no lemma (the analyzer stems).
            ("семйные", &[]),
            ("соцработникам", &[]),
        ];
        for (word, want) in cases {
            assert_eq!(m.lemmas(word), want, "{word}");
        }
    }
}
