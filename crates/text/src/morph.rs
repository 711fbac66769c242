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
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

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
///
/// A `Morphology` can also start from answers given before
/// ([`Morphology::with_known`]: the search index keeps those of its
/// words) and load the dictionary only for a word they do not hold, and
/// can keep the answers it gives ([`Morphology::recording`]).
pub struct Morphology {
    /// Folded word → its lemmas as [`Morphology::lemmas_into`] writes them,
    /// empty when the dictionary does not list it.
    known: crate::FxHashMap<Box<str>, Box<str>>,
    /// The process's dictionary, when asked for (at once, or at the first
    /// word `known` does not hold).
    dictionary: OnceLock<Result<Arc<Dictionary>, MorphologyError>>,
    /// The answers given, when recording.
    recorded: Option<Mutex<crate::FxHashMap<Box<str>, Box<str>>>>,
}

/// The loaded dictionary.
struct Dictionary {
    morph: MorphAnalyzer,
}

impl fmt::Debug for Morphology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Morphology(opencorpora, {} known, {})",
            self.known.len(),
            if self.is_loaded() {
                "loaded"
            } else {
                "not loaded"
            }
        )
    }
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/dictionary.rs"));
}

/// Whether `dir` holds every file of the embedded dictionary, each of its
/// size.
fn holds_dictionary(dir: &Path) -> bool {
    embedded::DICTIONARY.iter().all(|(name, bytes)| {
        std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() == bytes.len() as u64)
    })
}

/// Writes the embedded dictionary into `dir`, each file whole or not at all
/// (written beside, then renamed), leaving the files already there.
fn extract(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in embedded::DICTIONARY {
        let path = dir.join(name);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            continue;
        }
        let partial = dir.join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &path)?;
    }
    Ok(())
}

impl Morphology {
    /// Where the dictionary is read from when it is there: the data folder
    /// of the `rsmorphy-dict-ru` package, as cargo unpacked it.
    pub fn path() -> &'static str {
        rsmorphy::rsmorphy_dict_ru::DICT_PATH
    }

    /// Loads the dictionary from [`Morphology::path`] or, when that folder
    /// is not on this machine (a binary copied elsewhere), from the copy
    /// embedded in the binary, written once into the temporary folder.
    pub fn load() -> Result<Morphology, MorphologyError> {
        Morphology::load_dictionary().map(Morphology::loaded)
    }

    /// See [`Morphology::load`].
    fn load_dictionary() -> Result<Arc<Dictionary>, MorphologyError> {
        let registry = Path::new(Morphology::path());
        let dir = if holds_dictionary(registry) {
            registry.to_path_buf()
        } else {
            let dir = std::env::temp_dir().join(format!(
                "sborka-opencorpora-{}-{}",
                env!("CARGO_PKG_VERSION"),
                embedded::DICTIONARY
                    .iter()
                    .map(|(_, b)| b.len())
                    .sum::<usize>()
            ));
            extract(&dir).map_err(|e| MorphologyError {
                path: dir.display().to_string(),
                message: format!("cannot write the embedded dictionary: {e}"),
            })?;
            dir
        };
        Morphology::load_from(&dir)
    }

    fn loaded(dictionary: Arc<Dictionary>) -> Morphology {
        Morphology {
            known: Default::default(),
            dictionary: OnceLock::from(Ok(dictionary)),
            recorded: None,
        }
    }

    /// Loads the dictionary from the files in `dir`.
    fn load_from(dir: &Path) -> Result<Arc<Dictionary>, MorphologyError> {
        let error = |message: String| MorphologyError {
            path: dir.display().to_string(),
            message,
        };
        // rsmorphy panics on a missing file: look first, and say where.
        if !holds_dictionary(dir) {
            return Err(error("its files are missing or incomplete".to_string()));
        }
        let morph = std::panic::catch_unwind(|| MorphAnalyzer::from_file(dir))
            .map_err(|_| error("it could not be read".to_string()))?;
        Ok(Arc::new(Dictionary { morph }))
    }

    /// The dictionary of this process, loaded at the first call.
    fn dictionary_shared() -> Result<Arc<Dictionary>, MorphologyError> {
        static SHARED: OnceLock<Result<Arc<Dictionary>, MorphologyError>> = OnceLock::new();
        SHARED.get_or_init(Morphology::load_dictionary).clone()
    }

    /// The one dictionary of this process, loaded at the first call.
    pub fn shared() -> Result<Arc<Morphology>, MorphologyError> {
        static SHARED: OnceLock<Result<Arc<Morphology>, MorphologyError>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                Morphology::dictionary_shared().map(|d| Arc::new(Morphology::loaded(d)))
            })
            .clone()
    }

    /// The process's dictionary, loaded now, keeping every answer it gives
    /// ([`Morphology::answers`]).
    pub fn recording() -> Result<Morphology, MorphologyError> {
        Ok(Morphology {
            recorded: Some(Mutex::default()),
            ..Morphology::loaded(Morphology::dictionary_shared()?)
        })
    }

    /// Answers given before (folded word → lemmas, as
    /// [`Morphology::answers`] lists them); the dictionary is loaded only
    /// for a word they do not hold.
    pub fn with_known(known: impl IntoIterator<Item = (Box<str>, Box<str>)>) -> Morphology {
        Morphology {
            known: known.into_iter().collect(),
            dictionary: OnceLock::new(),
            recorded: None,
        }
    }

    /// The answers given since [`Morphology::recording`], by word.
    pub fn answers(&self) -> Vec<(Box<str>, Box<str>)> {
        let Some(recorded) = &self.recorded else {
            return Vec::new();
        };
        let recorded = recorded.lock().unwrap_or_else(PoisonError::into_inner);
        let mut answers: Vec<(Box<str>, Box<str>)> = recorded
            .iter()
            .map(|(w, l)| (w.clone(), l.clone()))
            .collect();
        answers.sort_unstable();
        answers
    }

    /// Whether the dictionary itself was loaded (not only known answers).
    pub fn is_loaded(&self) -> bool {
        self.dictionary.get().is_some_and(Result::is_ok)
    }

    /// Why the dictionary could not be loaded, when a word needed it and
    /// it could not (the word was then stemmed).
    pub fn failure(&self) -> Option<MorphologyError> {
        self.dictionary.get()?.as_ref().err().cloned()
    }

    fn dictionary(&self) -> Result<Arc<Dictionary>, MorphologyError> {
        self.dictionary
            .get_or_init(Morphology::dictionary_shared)
            .clone()
    }

    /// Appends the likely lemmas of `folded` (a folded word: lower case,
    /// ё as е) to `out`, folded the same way and separated by
    /// [`ALTERNATIVE`], the likeliest first; `false`, and nothing appended,
    /// when the dictionary does not list the word.
    pub fn lemmas_into(&self, folded: &str, out: &mut String) -> bool {
        if let Some(lemmas) = self.known.get(folded) {
            out.push_str(lemmas);
            return !lemmas.is_empty();
        }
        let Ok(dictionary) = self.dictionary() else {
            return false;
        };
        let from = out.len();
        let listed = dictionary.lemmas_into(folded, out);
        if let Some(recorded) = &self.recorded {
            recorded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(folded.into())
                .or_insert_with(|| out[from..].into());
        }
        listed
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

impl Dictionary {
    /// See [`Morphology::lemmas_into`].
    fn lemmas_into(&self, folded: &str, out: &mut String) -> bool {
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

    /// A binary on a machine without cargo's registry: the embedded copy,
    /// written out, is the same dictionary.
    #[test]
    fn the_embedded_dictionary_loads_where_the_registry_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("opencorpora");
        assert!(!holds_dictionary(&dir));
        assert!(
            Morphology::load_from(&dir).is_err(),
            "an empty folder is refused"
        );
        extract(&dir).unwrap();
        assert!(holds_dictionary(&dir));
        // A second extraction leaves the files as they are.
        extract(&dir).unwrap();
        let m = Morphology::loaded(Morphology::load_from(&dir).expect("the extracted copy loads"));
        assert_eq!(m.lemmas("сиделок"), ["сиделка"]);
        assert_eq!(m.lemmas("уходит"), ["уходить"]);
    }

    /// The answers a recording dictionary gave, handed to another, give
    /// the same lemmas without loading the dictionary; a word they do not
    /// hold loads it.
    #[test]
    fn known_answers_stand_in_for_the_dictionary() {
        let recording = Morphology::recording().expect("the dictionary loads");
        let words = ["сиделок", "пожилых", "стали", "семйные", "уходит"];
        let lemmas: Vec<Vec<String>> = words.iter().map(|w| recording.lemmas(w)).collect();
        let answers = recording.answers();
        assert_eq!(answers.len(), words.len());
        assert!(
            answers.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted by word"
        );
        assert!(
            answers
                .iter()
                .any(|(w, l)| &**w == "семйные" && l.is_empty()),
            "a word the dictionary does not list is an answer too"
        );

        let known = Morphology::with_known(answers);
        for (word, want) in words.iter().zip(&lemmas) {
            assert_eq!(&known.lemmas(word), want, "{word}");
        }
        assert!(!known.is_loaded(), "every word was known");
        assert_eq!(known.lemmas("ухода"), ["уход"]);
        assert!(known.is_loaded(), "a word not known loads the dictionary");
        assert!(known.failure().is_none());
        assert!(known.answers().is_empty(), "not recording");
    }
}
