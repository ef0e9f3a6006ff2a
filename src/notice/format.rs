//! Italian formatting of what a notice prints: amounts, dates, notice codes.

use chrono::NaiveDateTime;

use crate::domain::Amount;

/// `1.234,56 €`: thousands with dots, cents after a comma.
pub fn amount(value: Amount) -> String {
    let cents = value.cents();
    let units = (cents / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02} €", cents % 100)
}

/// `31/12/2030`.
pub fn date(value: NaiveDateTime) -> String {
    value.format("%d/%m/%Y").to_string()
}

/// A notice code in groups of four: `3020 0000 0000 0001 84`.
pub fn notice_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` cut or right-padded with spaces to exactly `width` characters.
pub fn fixed(text: &str, width: usize) -> String {
    let mut out: String = text.chars().take(width).collect();
    let len = out.chars().count();
    out.extend(std::iter::repeat_n(' ', width - len));
    out
}

/// `text` left-padded with zeros to `width` characters (longer text is kept whole).
pub fn zero_padded(text: &str, width: usize) -> String {
    format!("{text:0>width$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> String {
        amount(Amount::from_cents(cents).unwrap())
    }

    #[test]
    fn amounts_are_italian() {
        assert_eq!(eur(0), "0,00 €");
        assert_eq!(eur(5), "0,05 €");
        assert_eq!(eur(1230), "12,30 €");
        assert_eq!(eur(100_000), "1.000,00 €");
        assert_eq!(eur(123_456), "1.234,56 €");
        assert_eq!(eur(99_999_999_999), "999.999.999,99 €");
    }

    #[test]
    fn codes_and_padding() {
        assert_eq!(notice_code("302000000000000184"), "3020 0000 0000 0001 84");
        assert_eq!(fixed("abc", 5), "abc  ");
        assert_eq!(fixed("abcdef", 3), "abc");
        assert_eq!(zero_padded("1230", 10), "0000001230");
        let d = chrono::NaiveDate::from_ymd_opt(2030, 1, 5)
            .unwrap()
            .and_hms_opt(23, 59, 59)
            .unwrap();
        assert_eq!(date(d), "05/01/2030");
    }
}
