//! Personal data: the kinds `sborka-text` finds in a text, the marks that
//! replace them, and how much of each a file had masked.
//!
//! Nothing here finds anything (that is `sborka_text::personal`): these are
//! the names every stage shares, as [`crate::Facet`] is for facets.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// A kind of personal value found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonalKind {
    /// A telephone number in a Russian format (+7 / 8, brackets, spaces,
    /// dashes; a city number of 5–7 digits).
    Phone,
    Email,
    /// СНИЛС: 11 digits with a checksum.
    Snils,
    /// ИНН of a person (12 digits) or an organisation (10), with checksums.
    Inn,
    /// A passport's series and number (4 + 6 digits).
    Passport,
    /// A bank card's number (Luhn).
    Card,
    /// A person's name written with initials («Петров И. И.», «И.И. Петров»).
    Name,
}

impl PersonalKind {
    pub const ALL: [PersonalKind; 7] = [
        PersonalKind::Phone,
        PersonalKind::Email,
        PersonalKind::Snils,
        PersonalKind::Inn,
        PersonalKind::Passport,
        PersonalKind::Card,
        PersonalKind::Name,
    ];

    /// The key in `report.json`.
    pub fn code(self) -> &'static str {
        match self {
            PersonalKind::Phone => "phone",
            PersonalKind::Email => "email",
            PersonalKind::Snils => "snils",
            PersonalKind::Inn => "inn",
            PersonalKind::Passport => "passport",
            PersonalKind::Card => "card",
            PersonalKind::Name => "name",
        }
    }

    /// What replaces such a value in a text, so that it still reads as a
    /// sentence: «звоните [телефон скрыт]».
    pub fn mark(self) -> &'static str {
        match self {
            PersonalKind::Phone => "[телефон скрыт]",
            PersonalKind::Email => "[e-mail скрыт]",
            PersonalKind::Snils => "[СНИЛС скрыт]",
            PersonalKind::Inn => "[ИНН скрыт]",
            PersonalKind::Passport => "[паспорт скрыт]",
            PersonalKind::Card => "[номер карты скрыт]",
            PersonalKind::Name => "[ФИО скрыто]",
        }
    }

    /// The kind in a Russian sentence of the roadmap («номера телефонов»).
    pub fn describe_ru(self) -> &'static str {
        match self {
            PersonalKind::Phone => "номера телефонов",
            PersonalKind::Email => "адреса электронной почты",
            PersonalKind::Snils => "СНИЛС",
            PersonalKind::Inn => "ИНН",
            PersonalKind::Passport => "серии и номера паспортов",
            PersonalKind::Card => "номера банковских карт",
            PersonalKind::Name => "фамилии с инициалами",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// How much personal data was kept out of the outputs: the values of
/// columns the catalogue marks personal (`cells`), and the values found in
/// texts and replaced by their mark, per kind. Written into `report.json`
/// as an object with every key, zeros too, so its shape never changes:
/// `{"column": 2, "phone": 1, "email": 0, …}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Masked {
    /// Non-empty cells of personal columns, not copied.
    pub cells: u64,
    found: [u64; PersonalKind::ALL.len()],
}

impl Masked {
    /// Counts one value of `kind` replaced by its mark.
    pub fn add(&mut self, kind: PersonalKind) {
        self.found[kind.index()] += 1;
    }

    /// The values of `kind` replaced.
    pub fn found(&self, kind: PersonalKind) -> u64 {
        self.found[kind.index()]
    }

    /// Every value replaced in a text, of any kind.
    pub fn found_total(&self) -> u64 {
        self.found.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.cells == 0 && self.found_total() == 0
    }
}

impl std::ops::AddAssign for Masked {
    fn add_assign(&mut self, other: Masked) {
        self.cells += other.cells;
        for (a, b) in self.found.iter_mut().zip(other.found) {
            *a += b;
        }
    }
}

impl std::iter::Sum for Masked {
    fn sum<I: Iterator<Item = Masked>>(iter: I) -> Masked {
        let mut total = Masked::default();
        for m in iter {
            total += m;
        }
        total
    }
}

impl Serialize for Masked {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + PersonalKind::ALL.len()))?;
        map.serialize_entry("column", &self.cells)?;
        for kind in PersonalKind::ALL {
            map.serialize_entry(kind.code(), &self.found(kind))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_adds_and_writes_every_key() {
        let mut a = Masked::default();
        assert!(a.is_empty());
        a.add(PersonalKind::Phone);
        a.add(PersonalKind::Phone);
        let mut b = Masked {
            cells: 3,
            ..Masked::default()
        };
        b.add(PersonalKind::Snils);
        let total: Masked = [a, b].into_iter().sum();
        assert_eq!(total.found(PersonalKind::Phone), 2);
        assert_eq!(total.found_total(), 3);
        assert_eq!(
            serde_json::to_string(&total).unwrap(),
            r#"{"column":3,"phone":2,"email":0,"snils":1,"inn":0,"passport":0,"card":0,"name":0}"#
        );
    }

    #[test]
    fn marks_are_bracketed_and_distinct() {
        let mut marks: Vec<&str> = PersonalKind::ALL.iter().map(|k| k.mark()).collect();
        assert!(marks.iter().all(|m| m.starts_with('[') && m.ends_with(']')));
        marks.sort_unstable();
        marks.dedup();
        assert_eq!(marks.len(), PersonalKind::ALL.len());
    }
}
