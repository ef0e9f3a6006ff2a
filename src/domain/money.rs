//! Money in euro-cents. Never a float.

use std::fmt;
use std::str::FromStr;

use super::error::DomainError;

/// Largest amount pagoPA accepts: 999,999,999.99 euros.
pub const MAX_CENTS: i64 = 99_999_999_999;

/// An amount of money in euro-cents, rendered `12.30` in XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AmountError {
    #[error("must be an amount with exactly two decimals, e.g. 12.30")]
    Format,
    #[error("must be between 0.00 and 999999999.99")]
    OutOfRange,
}

impl Amount {
    pub const ZERO: Amount = Amount(0);
    pub const MAX: Amount = Amount(MAX_CENTS);

    pub fn from_cents(cents: i64) -> Result<Self, AmountError> {
        if (0..=MAX_CENTS).contains(&cents) {
            Ok(Self(cents))
        } else {
            Err(AmountError::OutOfRange)
        }
    }

    /// An amount of at least one euro-cent, as options and transfers have.
    pub fn positive(path: &str, cents: i64) -> Result<Self, DomainError> {
        if cents < 1 {
            return Err(DomainError::invalid(
                path,
                format!("must be at least 1 euro-cent, got {cents}"),
            ));
        }
        Amount::from_cents(cents).map_err(|_| {
            DomainError::invalid(
                path,
                format!("must be at most {MAX_CENTS} euro-cents, got {cents}"),
            )
        })
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0
            .checked_add(other.0)
            .and_then(|c| Amount::from_cents(c).ok())
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    /// Parses `\d+\.\d{2}` exactly, as the pagoPA XSD requires.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (units, decimals) = s.split_once('.').ok_or(AmountError::Format)?;
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || decimals.len() != 2 || !digits(decimals) {
            return Err(AmountError::Format);
        }
        let units = units.trim_start_matches('0');
        if units.len() > 9 {
            return Err(AmountError::OutOfRange);
        }
        let units: i64 = if units.is_empty() {
            0
        } else {
            units.parse().map_err(|_| AmountError::Format)?
        };
        let decimals: i64 = decimals.parse().map_err(|_| AmountError::Format)?;
        Amount::from_cents(units * 100 + decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_two_decimals() {
        assert_eq!(Amount::from_cents(1230).unwrap().to_string(), "12.30");
        assert_eq!(Amount::from_cents(5).unwrap().to_string(), "0.05");
        assert_eq!(Amount::from_cents(0).unwrap().to_string(), "0.00");
        assert_eq!(
            Amount::from_cents(MAX_CENTS).unwrap().to_string(),
            "999999999.99"
        );
    }

    #[test]
    fn parses_exactly_two_decimals() {
        assert_eq!("12.30".parse::<Amount>().unwrap().cents(), 1230);
        assert_eq!("0.01".parse::<Amount>().unwrap().cents(), 1);
        assert_eq!("000012.30".parse::<Amount>().unwrap().cents(), 1230);
        assert_eq!("999999999.99".parse::<Amount>().unwrap().cents(), MAX_CENTS);
        for bad in ["12", "12.3", "12.300", ".30", "1,00", "-1.00", "1e2.00", ""] {
            assert_eq!(bad.parse::<Amount>(), Err(AmountError::Format), "{bad}");
        }
        assert_eq!(
            "1000000000.00".parse::<Amount>(),
            Err(AmountError::OutOfRange)
        );
    }

    #[test]
    fn positive_amounts() {
        assert_eq!(Amount::positive("amount", 1).unwrap().cents(), 1);
        assert_eq!(
            Amount::positive("amount", MAX_CENTS).unwrap().cents(),
            MAX_CENTS
        );
        let refused = |cents| Amount::positive("amount", cents).unwrap_err().to_string();
        assert_eq!(refused(0), "amount: must be at least 1 euro-cent, got 0");
        assert_eq!(refused(-5), "amount: must be at least 1 euro-cent, got -5");
        assert_eq!(
            refused(MAX_CENTS + 1),
            "amount: must be at most 99999999999 euro-cents, got 100000000000"
        );
    }

    #[test]
    fn range_and_sum() {
        assert!(Amount::from_cents(-1).is_err());
        assert!(Amount::from_cents(MAX_CENTS + 1).is_err());
        let max = Amount::from_cents(MAX_CENTS).unwrap();
        assert_eq!(max.checked_add(Amount::from_cents(1).unwrap()), None);
    }

    proptest::proptest! {
        #[test]
        fn every_amount_renders_and_parses_back(cents in 0..=MAX_CENTS) {
            let amount = Amount::from_cents(cents).unwrap();
            let text = amount.to_string();
            let (units, decimals) = text.split_once('.').unwrap();
            proptest::prop_assert_eq!(decimals.len(), 2);
            proptest::prop_assert_eq!(units, (cents / 100).to_string());
            proptest::prop_assert_eq!(text.parse::<Amount>(), Ok(amount));
            proptest::prop_assert_eq!(format!("000{text}").parse::<Amount>(), Ok(amount));
        }

        #[test]
        fn out_of_range_cents_are_refused(cents in proptest::prop_oneof![i64::MIN..0, MAX_CENTS + 1..=i64::MAX]) {
            proptest::prop_assert_eq!(Amount::from_cents(cents), Err(AmountError::OutOfRange));
        }

        #[test]
        fn only_two_decimals_parse(units in 0u64..1_000_000_000, decimals in "[0-9]{0,5}") {
            let parsed = format!("{units}.{decimals}").parse::<Amount>();
            proptest::prop_assert_eq!(parsed.is_ok(), decimals.len() == 2);
        }
    }
}
