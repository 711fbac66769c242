//! A theme from a proposal's text, for a record whose export gives none
//! or one the catalogue cannot place: keywords and phrases per theme
//! (`catalog/themes.toml`), weighed, and the best theme if it is clear
//! enough of the second.
//!
//! A keyword is one or more words; each word matches a word of the text
//! that begins with it (`$` at its end: the whole word), the words of a
//! phrase one after the other. At each place of the text the longest
//! keyword there is taken (most words, then the heaviest, then the
//! longest first word), so «материнский капитал» counts once, for its
//! theme, and not again as «матер…». A keyword weighs 1 (`strong` for the
//! strong ones), each repeat `repeat` of that, at most `repeats` times.
//! The confidence is `s1 / (s1 + s2 + prior)` of the two best sums; a tie,
//! a best sum under `min_score` or a confidence under `floor` places
//! nothing.

use std::collections::HashMap;

use serde::Deserialize;

use crate::catalog::{Catalog, Theme, ThemeId, fold_key};

/// The weights and the floor of the inference (`[inference]` in
/// `themes.toml`).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Inference {
    /// The weight of a strong keyword (a keyword weighs 1).
    pub strong: f32,
    /// The weight of a keyword's repeat, as a share of its own.
    pub repeat: f32,
    /// How many times a keyword counts in one text.
    pub repeats: u8,
    /// The least sum that places a theme: one weak keyword alone does
    /// not.
    pub min_score: f32,
    /// Added to the two best sums under the confidence's fraction: one
    /// weak keyword alone is not certainty.
    pub prior: f32,
    /// The lowest confidence that places a theme.
    pub floor: f32,
}

impl Default for Inference {
    /// No inference: a floor above any confidence.
    fn default() -> Inference {
        Inference {
            strong: 2.0,
            repeat: 0.5,
            repeats: 3,
            min_score: 2.0,
            prior: 0.25,
            floor: 2.0,
        }
    }
}

/// A theme inferred from a text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThemeGuess {
    pub theme: ThemeId,
    /// `s1 / (s1 + s2 + prior)`, at least the floor.
    pub confidence: f32,
}

impl ThemeGuess {
    /// The confidence in percent, rounded.
    pub fn percent(&self) -> u8 {
        (self.confidence * 100.0).round().clamp(0.0, 100.0) as u8
    }
}

/// One word of a keyword.
#[derive(Clone, Debug)]
struct Pattern {
    text: String,
    /// The whole word (`$`), not its beginning.
    whole: bool,
}

impl Pattern {
    fn matches(&self, word: &str) -> bool {
        if self.whole {
            word == self.text
        } else {
            word.starts_with(&self.text)
        }
    }
}

#[derive(Clone, Debug)]
struct Keyword {
    words: Vec<Pattern>,
    theme: ThemeId,
    weight: f32,
}

/// Every theme's keywords, found by the beginning of their first word.
#[derive(Clone, Debug, Default)]
pub(crate) struct ThemeKeywords {
    keywords: Vec<Keyword>,
    /// First word → the keywords that start with it.
    by_first: HashMap<String, Vec<u32>>,
    /// The shortest and longest first word, in bytes.
    first_len: (usize, usize),
    themes: usize,
    config: Inference,
}

impl ThemeKeywords {
    pub(crate) fn new(themes: &[Theme], config: Inference) -> Result<ThemeKeywords, String> {
        let mut keywords = Vec::new();
        for (i, theme) in themes.iter().enumerate() {
            let id = ThemeId(i as u8);
            let lists = [
                (&theme.keywords, 1.0),
                (&theme.strong_keywords, config.strong),
            ];
            for (list, weight) in lists {
                for raw in list {
                    let words: Vec<Pattern> = raw
                        .split_whitespace()
                        .flat_map(|w| {
                            let whole = w.ends_with('$');
                            let folded = fold_key(w.trim_end_matches('$'));
                            let n = folded.split(' ').count();
                            folded
                                .split(' ')
                                .enumerate()
                                .map(|(k, text)| Pattern {
                                    text: text.to_string(),
                                    whole: whole && k + 1 == n,
                                })
                                .collect::<Vec<_>>()
                        })
                        .filter(|p| !p.text.is_empty())
                        .collect();
                    if words.is_empty() {
                        return Err(format!("{}: keyword {raw:?} has no letters", theme.slug));
                    }
                    keywords.push(Keyword {
                        words,
                        theme: id,
                        weight,
                    });
                }
            }
        }
        let mut by_first: HashMap<String, Vec<u32>> = HashMap::new();
        for (k, keyword) in keywords.iter().enumerate() {
            by_first
                .entry(keyword.words[0].text.clone())
                .or_default()
                .push(k as u32);
        }
        let lens = by_first.keys().map(String::len);
        let first_len = (lens.clone().min().unwrap_or(0), lens.max().unwrap_or(0));
        Ok(ThemeKeywords {
            keywords,
            by_first,
            first_len,
            themes: themes.len(),
            config,
        })
    }

    /// The sum of each theme's keywords in `text`, by theme.
    fn scores(&self, text: &str) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.themes];
        if self.keywords.is_empty() {
            return scores;
        }
        let key = fold_key(text);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        // Keyword → how many times it counted.
        let mut counted: Vec<(u32, u8)> = Vec::new();
        let (min, max) = self.first_len;
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            let mut best: Option<(usize, f32, usize, u32)> = None;
            for (at, _) in word
                .char_indices()
                .skip(1)
                .chain(std::iter::once((word.len(), ' ')))
            {
                if at < min || at > max {
                    continue;
                }
                let Some(ids) = self.by_first.get(&word[..at]) else {
                    continue;
                };
                for &k in ids {
                    let kw = &self.keywords[k as usize];
                    let n = kw.words.len();
                    let fits = i + n <= words.len()
                        && kw.words.iter().zip(&words[i..]).all(|(p, w)| p.matches(w));
                    let rank = (n, kw.weight, at, k);
                    if fits && best.is_none_or(|b| (rank.0, rank.1, rank.2) > (b.0, b.1, b.2)) {
                        best = Some(rank);
                    }
                }
            }
            let Some((n, weight, _, k)) = best else {
                i += 1;
                continue;
            };
            let times = match counted.iter_mut().find(|(id, _)| *id == k) {
                Some((_, times)) => times,
                None => {
                    counted.push((k, 0));
                    &mut counted.last_mut().expect("just pushed").1
                }
            };
            if *times < self.config.repeats {
                let share = if *times == 0 { 1.0 } else { self.config.repeat };
                scores[usize::from(self.keywords[k as usize].theme.0)] += weight * share;
                *times += 1;
            }
            i += n;
        }
        scores
    }

    fn guess(&self, text: &str) -> Option<ThemeGuess> {
        let scores = self.scores(text);
        let mut order: Vec<usize> = (0..scores.len()).filter(|&t| scores[t] > 0.0).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let s1 = scores[*order.first()?];
        let s2 = order.get(1).map_or(0.0, |&t| scores[t]);
        if s1 == s2 || s1 < self.config.min_score {
            return None;
        }
        let confidence = s1 / (s1 + s2 + self.config.prior);
        (confidence >= self.config.floor).then(|| ThemeGuess {
            theme: ThemeId(order[0] as u8),
            confidence,
        })
    }
}

impl Catalog {
    /// The theme a proposal's text is about, by the keywords of
    /// `themes.toml`, when it is clear enough (see the module's
    /// documentation); `None` below the floor or on a tie.
    ///
    /// ```
    /// let c = sborka_core::Catalog::embedded();
    /// let guess = c
    ///     .infer_theme("Организовать службу сиделок для одиноких пожилых людей")
    ///     .unwrap();
    /// assert_eq!(c.theme_info(guess.theme).slug, "elderly");
    /// assert!(c.infer_theme("Починить дорогу").is_none());
    /// ```
    pub fn infer_theme(&self, text: &str) -> Option<ThemeGuess> {
        self.keywords.guess(text)
    }

    /// Each theme's sum of keywords in `text` (diagnostics: why a text
    /// was placed or not).
    pub fn theme_scores(&self, text: &str) -> Vec<(ThemeId, f32)> {
        self.keywords
            .scores(text)
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .map(|(t, s)| (ThemeId(t as u8), s))
            .collect()
    }
}
