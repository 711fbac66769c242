//! Query-time expansion with the lexicon: a query word or phrase that is
//! a form of an abbreviation or synonym family (`catalog/abbreviations.toml`,
//! `catalog/synonyms.toml`) also looks for the family's other forms
//! («НКО» → «некоммерческая организация»; «пожилых» → «пенсионеры»,
//! «граждане старшего возраста»…).
//!
//! The forms are analysed like the query (lemmas), so a form matches
//! whatever case the query is written in. A form that holds another form
//! searched already («СО НКО» beside «НКО») is not added: everything it
//! finds, the shorter one finds. Exclusions are not expanded: an excluded
//! word is excluded as written, as with the fuzzy fallback.

use std::collections::HashSet;

use sborka_text::{Analyzer, Lexicon};

use crate::query::Node;

/// What a query was expanded with: the family form its words matched (as
/// the lexicon writes it) and the forms added for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// The form the query's words matched, as the lexicon writes it.
    pub matched: String,
    /// The forms searched besides, as the lexicon writes them.
    pub added: Vec<String>,
}

/// A phrase of the index's analysis: per word, its terms (the lemmas of
/// an ambiguous word).
type Words = Vec<Vec<String>>;

/// The lexicon's families as phrases of the index's analysis.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expander {
    /// Each family's distinct phrases, with the first form written as it.
    families: Vec<Vec<(Words, String)>>,
    /// The most words of a phrase.
    longest: usize,
}

impl Expander {
    pub(crate) fn new(lexicon: &Lexicon, analyzer: &Analyzer) -> Expander {
        let mut expander = Expander::default();
        let mut seen: HashSet<Words> = HashSet::new();
        for (_, forms) in lexicon.families() {
            let mut phrases: Vec<(Words, String)> = Vec::new();
            for form in forms {
                let words = analyzer.words(form);
                // A phrase in two families belongs to the first (the
                // lexicon refuses that for its own analysis; lemmas may
                // join two forms its stems kept apart).
                if words.is_empty() || !seen.insert(words.clone()) {
                    continue;
                }
                expander.longest = expander.longest.max(words.len());
                phrases.push((words, form.to_string()));
            }
            expander.families.push(phrases);
        }
        expander
    }

    /// The first family with a phrase that `words` spell, and that phrase.
    fn find(&self, words: &[Vec<String>]) -> Option<(usize, usize)> {
        self.families.iter().enumerate().find_map(|(f, phrases)| {
            phrases
                .iter()
                .position(|(p, _)| p.len() == words.len() && holds(p, words))
                .map(|k| (f, k))
        })
    }

    /// `node` with every word or phrase of a family widened to an `OR`
    /// of the family's forms; what was added goes to `out`.
    pub(crate) fn expand(&self, node: Node, out: &mut Vec<Expansion>) -> Node {
        match node {
            Node::Word(w) => {
                let words = vec![w];
                let original = Node::Word(words[0].clone());
                self.widen(&words, original, out)
            }
            Node::Phrase(words) => {
                let phrase = Node::Phrase(words.clone());
                self.widen(&words, phrase, out)
            }
            Node::Or(nodes) => Node::Or(nodes.into_iter().map(|n| self.expand(n, out)).collect()),
            Node::And(clauses) => Node::And(self.expand_clauses(clauses, out)),
            Node::All => Node::All,
        }
    }

    /// Runs of words side by side may spell a phrase of a family
    /// («некоммерческих организаций»): the longest match from the left wins.
    fn expand_clauses(
        &self,
        clauses: Vec<(bool, Node)>,
        out: &mut Vec<Expansion>,
    ) -> Vec<(bool, Node)> {
        let mut result = Vec::with_capacity(clauses.len());
        let mut i = 0;
        while i < clauses.len() {
            let run: Words = clauses[i..]
                .iter()
                .take(self.longest)
                .map_while(|c| match c {
                    (false, Node::Word(w)) => Some(w.clone()),
                    _ => None,
                })
                .collect();
            let found = (2..=run.len())
                .rev()
                .find(|&len| self.find(&run[..len]).is_some());
            if let Some(len) = found {
                let words = &run[..len];
                let original = Node::And(
                    words
                        .iter()
                        .map(|w| (false, Node::Word(w.clone())))
                        .collect(),
                );
                i += len;
                result.push((false, self.widen(words, original, out)));
                continue;
            }
            let (negative, node) = clauses[i].clone();
            let node = if negative {
                node
            } else {
                self.expand(node, out)
            };
            result.push((negative, node));
            i += 1;
        }
        result
    }

    /// `original` (the query's `words`), or, when they are a phrase of a
    /// family, an `OR` of it and the family's other phrases.
    fn widen(&self, words: &[Vec<String>], original: Node, out: &mut Vec<Expansion>) -> Node {
        let Some((family, matched)) = self.find(words) else {
            return original;
        };
        let phrases = &self.families[family];
        // Shortest first, so that a phrase holding one kept already is
        // seen to be covered by it.
        let mut order: Vec<usize> = (0..phrases.len()).collect();
        order.sort_by_key(|&k| phrases[k].0.len());
        let mut kept: Vec<&[Vec<String>]> = vec![words];
        let mut added = Vec::new();
        for k in order {
            let phrase = phrases[k].0.as_slice();
            if kept.iter().any(|shorter| holds(phrase, shorter)) {
                continue;
            }
            kept.push(phrase);
            added.push(k);
        }
        if added.is_empty() {
            return original;
        }
        // Shown in the lexicon's order.
        added.sort_unstable();
        let expansion = Expansion {
            matched: phrases[matched].1.clone(),
            added: added.iter().map(|&k| phrases[k].1.clone()).collect(),
        };
        if !out.contains(&expansion) {
            out.push(expansion);
        }
        let mut alternatives = vec![original];
        alternatives.extend(added.iter().map(|&k| {
            let words = &phrases[k].0;
            match words.as_slice() {
                [one] => Node::Word(one.clone()),
                _ => Node::Phrase(words.clone()),
            }
        }));
        Node::Or(alternatives)
    }
}

/// Whether `long` holds `short` as words one after another: a word of
/// one matches a word of the other when they share a term (a lemma of an
/// ambiguous word).
fn holds(long: &[Vec<String>], short: &[Vec<String>]) -> bool {
    let same = |a: &Vec<String>, b: &Vec<String>| a.iter().any(|t| b.contains(t));
    !short.is_empty()
        && long
            .windows(short.len())
            .any(|w| w.iter().zip(short).all(|(a, b)| same(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{parse, show};

    #[test]
    fn expansion_table() {
        let morphology = sborka_text::Morphology::shared().expect("the dictionary loads");
        let analyzer = Analyzer::lemmatizing(morphology);
        let lexicon = Lexicon::from_texts(&[(
            "test.toml".to_string(),
            r#"
[[family]]
term = "нко"
forms = ["НКО", "СО НКО", "некоммерческая организация", "некоммерческие организации",
         "социально ориентированная некоммерческая организация"]

[[family]]
term = "пожилые"
forms = ["пожилые", "пожилые граждане", "пенсионеры", "граждане старшего возраста"]
"#
            .to_string(),
        )])
        .expect("the lexicon reads");
        let expander = Expander::new(&lexicon, &analyzer);
        let cases = [
            // A word of a family: the family's other forms, not those
            // that hold a form searched already.
            (
                "НКО",
                "(or нко \"некоммерческий организация\")",
                vec![("НКО", vec!["некоммерческая организация"])],
            ),
            // Words side by side that spell a form, in any case.
            (
                "некоммерческих организаций детям",
                "(and (or (and некоммерческий организация) нко) ребенок)",
                vec![("некоммерческая организация", vec!["НКО"])],
            ),
            (
                "\"некоммерческой организации\"",
                "(or \"некоммерческий организация\" нко)",
                vec![("некоммерческая организация", vec!["НКО"])],
            ),
            (
                "пожилым OR детям",
                "(or (or пожилой|пожилое пенсионер \"гражданин старший возраст\") ребенок)",
                vec![("пожилые", vec!["пенсионеры", "граждане старшего возраста"])],
            ),
            // Exclusions stay as written.
            ("детям -НКО", "(and ребенок -нко)", vec![]),
            ("организаций", "организация", vec![]),
        ];
        for (text, want, want_added) in cases {
            let node = parse(text, &analyzer).expect(text);
            let mut added = Vec::new();
            let node = expander.expand(node, &mut added);
            assert_eq!(show(&node), want, "{text}");
            let added: Vec<(&str, Vec<&str>)> = added
                .iter()
                .map(|e| {
                    (
                        e.matched.as_str(),
                        e.added.iter().map(String::as_str).collect(),
                    )
                })
                .collect();
            assert_eq!(added, want_added, "{text}");
        }
    }
}
