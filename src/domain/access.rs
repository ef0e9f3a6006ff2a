//! Who may act for an institution, and on which positions: partners, delegations limited to
//! taxonomy domains, scopes of keys.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};

use super::error::DomainError;
use super::ids::{string_newtype, OrgFiscalCode};
use super::position::Position;

/// Fiscal code of a technology partner or intermediary: 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartnerFiscalCode(String);
string_newtype!(PartnerFiscalCode);

impl PartnerFiscalCode {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        if value.len() == 11 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!("'{value}' is not a partner fiscal code (11 digits)"),
            ))
        }
    }
}

/// A technology partner or intermediary that institutions may delegate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub fiscal_code: PartnerFiscalCode,
    pub name: String,
}

impl Partner {
    pub fn new(fiscal_code: PartnerFiscalCode, name: &str) -> Result<Self, DomainError> {
        Ok(Self {
            fiscal_code,
            name: one_line("name", name)?,
        })
    }
}

/// 1 to 140 characters on one line (listings are tab-separated, one item a line).
fn one_line(path: &str, value: &str) -> Result<String, DomainError> {
    if value.trim().is_empty() || value.chars().count() > 140 || value.chars().any(char::is_control)
    {
        return Err(DomainError::invalid(
            path,
            "must be 1 to 140 characters, without tabs or line breaks",
        ));
    }
    Ok(value.to_owned())
}

/// What an API key's holder calls it, e.g. `gestionale TARI`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel(String);
string_newtype!(KeyLabel);

impl KeyLabel {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        one_line(path, value).map(Self)
    }
}

/// A key with an expiry date works through that day (UTC).
pub fn key_expired(expires: Option<NaiveDate>, now: NaiveDateTime) -> bool {
    expires.is_some_and(|day| now.date() > day)
}

/// A new key's expiry date may not be already past.
pub fn check_new_key_expiry(
    path: &str,
    expires: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<(), DomainError> {
    match expires {
        Some(day) if key_expired(Some(day), now) => Err(DomainError::invalid(
            path,
            format!("{day} is in the past: a key works through its expiry day (UTC)"),
        )),
        _ => Ok(()),
    }
}

/// Who holds an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Institution(OrgFiscalCode),
    Partner(PartnerFiscalCode),
}

impl Principal {
    /// `org=FC` or `partner=FC`, as the audit log writes an owner.
    pub fn audit_text(&self) -> String {
        match self {
            Principal::Institution(fc) => format!("org={fc}"),
            Principal::Partner(fc) => format!("partner={fc}"),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Institution(fc) => write!(f, "institution {fc}"),
            Principal::Partner(fc) => write!(f, "partner {fc}"),
        }
    }
}

/// A leading part of a taxonomy code `<2 institution type><2 macro area><3 service type><2 legal
/// reason>`: `01`, `0101`, `0101108` or `0101108TS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxonomyPrefix(String);
string_newtype!(TaxonomyPrefix);

impl TaxonomyPrefix {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        let b = value.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            2 => digits(0..2),
            4 => digits(0..4),
            7 => digits(0..7),
            9 => digits(0..7) && b[7..].iter().all(u8::is_ascii_uppercase),
            _ => false,
        };
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!(
                    "'{value}' is not a taxonomy prefix: 2 digits (institution type), 4 (and macro area), 7 (and service type) or 7 digits and 2 capital letters (and legal reason), e.g. 0101108TS"
                ),
            ))
        }
    }
}

/// The taxonomy code of a transfer category `9/<code>/`, if it has that form.
pub fn category_code(category: &str) -> Option<&str> {
    category
        .strip_prefix("9/")
        .and_then(|rest| rest.strip_suffix('/'))
        .filter(|code| !code.is_empty() && !code.contains('/'))
}

/// The most prefixes a stored scope holds.
pub const MAX_SCOPE_PREFIXES: usize = 100;

/// The positions a key or a delegation reaches: all of them, or those whose every transfer's
/// category code starts with one of the prefixes (none, when the list is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Prefixes(Vec<TaxonomyPrefix>),
}

impl Scope {
    /// The scope of a list of prefixes as configured: an empty list means everything.
    pub fn configured(prefixes: Vec<TaxonomyPrefix>) -> Self {
        if prefixes.is_empty() {
            Scope::All
        } else {
            Scope::Prefixes(normalized(prefixes))
        }
    }

    /// Parses `0101,0102108` (as stored; `""` is everything).
    pub fn parse_list(path: &str, text: &str) -> Result<Self, DomainError> {
        let prefixes = text
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| TaxonomyPrefix::parse(path, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::configured(prefixes))
    }

    /// The stored form: prefixes joined by commas, `""` for everything.
    pub fn to_list(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Prefixes(p) => p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","),
        }
    }

    /// The stored form of a scope that can be stored: a list of no prefix would read back as
    /// everything, and a column holds at most [`MAX_SCOPE_PREFIXES`].
    pub fn to_stored(&self, path: &str) -> Result<String, DomainError> {
        match self {
            Scope::Prefixes(p) if p.is_empty() => Err(DomainError::invalid(
                path,
                "an empty list of prefixes reaches nothing; give at least one prefix, or none for everything",
            )),
            Scope::Prefixes(p) if p.len() > MAX_SCOPE_PREFIXES => Err(DomainError::invalid(
                path,
                format!("at most {MAX_SCOPE_PREFIXES} prefixes, got {}", p.len()),
            )),
            _ => Ok(self.to_list()),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }

    pub fn covers_category(&self, category: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Prefixes(prefixes) => category_code(category)
                .is_some_and(|code| prefixes.iter().any(|p| code.starts_with(p.as_str()))),
        }
    }

    /// The first transfer outside the scope, if any: option index, transfer index, category.
    pub fn first_outside<'a>(&self, position: &'a Position) -> Option<(usize, usize, &'a str)> {
        position.options.iter().enumerate().find_map(|(i, o)| {
            o.transfers
                .iter()
                .enumerate()
                .find(|(_, t)| !self.covers_category(t.category.as_str()))
                .map(|(j, t)| (i, j, t.category.as_str()))
        })
    }

    pub fn covers(&self, position: &Position) -> bool {
        self.first_outside(position).is_none()
    }

    /// What both scopes reach: a prefix of one inside a prefix of the other is kept.
    pub fn intersect(&self, other: &Scope) -> Scope {
        match (self, other) {
            (Scope::All, s) | (s, Scope::All) => s.clone(),
            (Scope::Prefixes(a), Scope::Prefixes(b)) => {
                let mut kept = Vec::new();
                for p in a {
                    for q in b {
                        if p.starts_with(q.as_str()) {
                            kept.push(p.clone());
                        } else if q.starts_with(p.as_str()) {
                            kept.push(q.clone());
                        }
                    }
                }
                Scope::Prefixes(normalized(kept))
            }
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("all"),
            Scope::Prefixes(p) if p.is_empty() => f.write_str("none"),
            Scope::Prefixes(_) => f.write_str(&self.to_list()),
        }
    }
}

/// Sorted, without duplicates and without prefixes already covered by a shorter one.
fn normalized(mut prefixes: Vec<TaxonomyPrefix>) -> Vec<TaxonomyPrefix> {
    prefixes.sort();
    prefixes.dedup();
    let all = prefixes.clone();
    prefixes.retain(|p| {
        !all.iter()
            .any(|q| q != p && p.as_str().starts_with(q.as_str()))
    });
    prefixes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(list: &str) -> Scope {
        Scope::parse_list("scope", list).unwrap()
    }

    #[test]
    fn prefixes() {
        for good in ["01", "0101", "0101108", "0101108TS"] {
            assert!(TaxonomyPrefix::parse("p", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "0",
            "010",
            "01011",
            "0101108T",
            "0101108ts",
            "AB",
            "0101108TSX",
        ] {
            assert!(TaxonomyPrefix::parse("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn coverage() {
        let s = scope("0101,0102108");
        assert!(s.covers_category("9/0101108TS/"));
        assert!(s.covers_category("9/0102108AP/"));
        assert!(!s.covers_category("9/0102109AP/"));
        assert!(!s.covers_category("0101108TS"));
        assert!(!s.covers_category("9/0101108TS"));
        assert!(Scope::All.covers_category("anything"));
        assert!(!Scope::Prefixes(Vec::new()).covers_category("9/0101108TS/"));
    }

    #[test]
    fn stored_scopes_and_expiry() {
        assert_eq!(Scope::All.to_stored("scope").unwrap(), "");
        assert_eq!(
            scope("0102108,0101").to_stored("scope").unwrap(),
            "0101,0102108"
        );
        assert!(Scope::Prefixes(Vec::new()).to_stored("scope").is_err());
        let day = NaiveDate::from_ymd_opt(2030, 1, 31).unwrap();
        let at = |d: u32, h: u32| {
            NaiveDate::from_ymd_opt(2030, 1, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        assert!(!key_expired(Some(day), at(31, 23)));
        assert!(key_expired(
            Some(day),
            at(30, 0) + chrono::Duration::days(2)
        ));
        assert!(!key_expired(None, at(31, 23)));
        assert!(check_new_key_expiry("expires", Some(day), at(31, 12)).is_ok());
        assert!(KeyLabel::parse("label", "a\tb").is_err());
        assert!(Partner::new(
            PartnerFiscalCode::parse("fc", "15376371009").unwrap(),
            "Partner Srl"
        )
        .is_ok());
    }

    #[test]
    fn intersection() {
        assert_eq!(scope("0101").intersect(&Scope::All), scope("0101"));
        assert_eq!(
            scope("01").intersect(&scope("0101108,0201")),
            scope("0101108")
        );
        assert_eq!(
            scope("0101,0102").intersect(&scope("0102108TS")),
            scope("0102108TS")
        );
        assert_eq!(
            scope("0101").intersect(&scope("0201")),
            Scope::Prefixes(Vec::new())
        );
        assert_eq!(scope("0101,0101108").to_list(), "0101");
        assert_eq!(Scope::Prefixes(Vec::new()).to_string(), "none");
        assert_eq!(Scope::All.to_string(), "all");
    }
}
