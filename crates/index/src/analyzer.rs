//! sborka's Russian analysis as a tantivy tokenizer, so that the index and
//! clustering see the same terms.

use tantivy::Index;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in every sborka index.
pub const TOKENIZER: &str = "sborka_ru";

#[derive(Clone, Default)]
pub(crate) struct RussianTokenizer {
    analyzer: sborka_text::Analyzer,
    tokens: Vec<Token>,
}

pub(crate) struct RussianTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for RussianTokenizer {
    type TokenStream<'a> = RussianTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> RussianTokenStream<'a> {
        self.tokens.clear();
        let tokens = &mut self.tokens;
        self.analyzer.for_each_token(text, |t| {
            tokens.push(Token {
                offset_from: t.start,
                offset_to: t.end,
                position: tokens.len(),
                text: t.term,
                position_length: 1,
            });
        });
        RussianTokenStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for RussianTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

pub(crate) fn register(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, RussianTokenizer::default());
}
