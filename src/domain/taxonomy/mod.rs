//! PagoPA's taxonomy of collections (*tassonomia dei servizi di incasso*): the catalog that names
//! the codes of transfer categories `9/<code>/`. Optional: without it everything works on codes.
//!
//! A code is `<2-digit institution type><2-digit macro area><3-digit service type><2-letter legal
//! reason>`, e.g. `0101108TS`. [`csv`] reads the catalog PagoPA publishes.

pub mod csv;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::access::{category_code, Scope, TaxonomyPrefix};
use super::error::DomainError;
use super::ids::string_newtype;

/// A full taxonomy code: 7 digits and 2 capital letters, e.g. `0101108TS`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxonomyCode(String);
string_newtype!(TaxonomyCode);

impl TaxonomyCode {
    pub fn parse(path: &str, value: &str) -> Result<Self, DomainError> {
        let b = value.as_bytes();
        if b.len() == 9
            && b[..7].iter().all(u8::is_ascii_digit)
            && b[7..].iter().all(u8::is_ascii_uppercase)
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                path,
                format!("'{value}' is not a taxonomy code: 7 digits and 2 capital letters, e.g. 0101108TS"),
            ))
        }
    }

    /// `01`: the kind of institution (municipality, region...).
    pub fn institution_type(&self) -> &str {
        &self.0[..2]
    }

    /// `01`: the macro area, numbered within the institution type.
    pub fn macro_area(&self) -> &str {
        &self.0[2..4]
    }

    /// `108`: the service type, numbered within the macro area.
    pub fn service_type(&self) -> &str {
        &self.0[4..7]
    }

    /// `TS`: the legal reason of the collection.
    pub fn legal_reason(&self) -> &str {
        &self.0[7..]
    }

    /// The transfer category of this code: `9/0101108TS/`.
    pub fn category(&self) -> String {
        format!("9/{}/", self.0)
    }
}

/// The meaning of the legal reasons PagoPA's catalog uses (its header lists them).
pub fn legal_reason_name(code: &str) -> Option<&'static str> {
    match code {
        "IM" => Some("Imposta"),
        "TS" => Some("Tassa"),
        "SP" => Some("Servizio Pubblico"),
        "SA" => Some("Sanzioni"),
        "AP" => Some("Altri Pagamenti"),
        _ => None,
    }
}

/// One service of the catalog, under its full code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxonomyEntry {
    pub code: TaxonomyCode,
    pub institution_type_name: String,
    pub macro_area_name: String,
    pub macro_area_description: Option<String>,
    pub service_type_name: String,
    pub service_type_description: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Separates the levels of a described prefix: the names themselves contain `/`.
pub const LEVEL_SEPARATOR: &str = " > ";

/// The display name of `prefix`, given an entry whose code starts with it (any entry of the
/// catalog under the prefix names all its levels): `01` → the institution type's name, `0101` →
/// `<institution type> > <macro area>`, `0101108` → `... > <service type>`, `0101108TS` → `... >
/// TS (Tassa)`. `None` when the entry is not under the prefix.
pub fn describe(prefix: &TaxonomyPrefix, entry: &TaxonomyEntry) -> Option<String> {
    let code = &entry.code;
    if !code.starts_with(prefix.as_str()) {
        return None;
    }
    let reason = match legal_reason_name(code.legal_reason()) {
        Some(name) => format!("{} ({name})", code.legal_reason()),
        None => code.legal_reason().to_owned(),
    };
    let levels = [
        entry.institution_type_name.as_str(),
        entry.macro_area_name.as_str(),
        entry.service_type_name.as_str(),
        reason.as_str(),
    ];
    let depth = match prefix.len() {
        2 => 1,
        4 => 2,
        7 => 3,
        _ => 4,
    };
    Some(levels[..depth].join(LEVEL_SEPARATOR))
}

/// The catalog in memory, ordered by code, for naming many prefixes and categories at once
/// (a listing of scopes, a page of positions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    entries: BTreeMap<TaxonomyCode, TaxonomyEntry>,
}

impl Catalog {
    pub fn new(entries: impl IntoIterator<Item = TaxonomyEntry>) -> Self {
        Self {
            entries: entries.into_iter().map(|e| (e.code.clone(), e)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries whose code starts with `prefix` (all of them for `""`), ordered by code.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a TaxonomyEntry> + 'a {
        self.entries
            .range(TaxonomyCode(prefix.to_owned())..)
            .map(|(_, e)| e)
            .take_while(move |e| e.code.starts_with(prefix))
    }

    pub fn get(&self, code: &str) -> Option<&TaxonomyEntry> {
        self.entries.get(&TaxonomyCode(code.to_owned()))
    }

    /// See [`describe`]; `None` when the catalog has nothing under the prefix.
    pub fn describe(&self, prefix: &TaxonomyPrefix) -> Option<String> {
        self.under(prefix.as_str())
            .next()
            .and_then(|e| describe(prefix, e))
    }

    /// A scope as listings show it: each prefix with its name when the catalog knows it,
    /// `0101 (COMUNE/UNIONE DI COMUNI / CONSORZI > TRIBUTI),0201`.
    pub fn name_scope(&self, scope: &Scope) -> String {
        match scope {
            Scope::Prefixes(prefixes) if !prefixes.is_empty() => prefixes
                .iter()
                .map(|p| match self.describe(p) {
                    Some(name) => format!("{p} ({name})"),
                    None => p.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        }
    }

    /// The name of a transfer category `9/<code>/`, when the catalog has its code.
    pub fn describe_category(&self, category: &str) -> Option<String> {
        let code = category_code(category)?;
        let entry = self.get(code)?;
        TaxonomyPrefix::parse("category", code)
            .ok()
            .and_then(|p| describe(&p, entry))
    }
}

/// How many entries each institution type has, ordered by type code: `(code, name, count)`.
pub fn count_by_institution_type<'a>(
    entries: impl IntoIterator<Item = &'a TaxonomyEntry>,
) -> Vec<(String, String, usize)> {
    let mut counts: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for e in entries {
        let slot = counts
            .entry(e.code.institution_type())
            .or_insert((e.institution_type_name.as_str(), 0));
        slot.1 += 1;
    }
    counts
        .into_iter()
        .map(|(code, (name, n))| (code.to_owned(), name.to_owned(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn entry(code: &str, service: &str) -> TaxonomyEntry {
        TaxonomyEntry {
            code: TaxonomyCode::parse("code", code).unwrap(),
            institution_type_name: "COMUNE/UNIONE DI COMUNI / CONSORZI".to_owned(),
            macro_area_name: if code.starts_with("0101") {
                "TRIBUTI".to_owned()
            } else {
                "CORPO DI POLIZIA LOCALE".to_owned()
            },
            macro_area_description: None,
            service_type_name: service.to_owned(),
            service_type_description: None,
            valid_from: None,
            valid_to: None,
        }
    }

    fn prefix(p: &str) -> TaxonomyPrefix {
        TaxonomyPrefix::parse("prefix", p).unwrap()
    }

    #[test]
    fn codes() {
        let code = TaxonomyCode::parse("c", "0101108TS").unwrap();
        assert_eq!(
            (
                code.institution_type(),
                code.macro_area(),
                code.service_type(),
                code.legal_reason()
            ),
            ("01", "01", "108", "TS")
        );
        assert_eq!(code.category(), "9/0101108TS/");
        for bad in ["0101108T", "0101108ts", "010110TS1", "0101108TSX", ""] {
            assert!(TaxonomyCode::parse("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn descriptions() {
        let catalog = Catalog::new([
            entry("0101108TS", "Canone Unico Patrimoniale - CORPORATE"),
            entry("0101100IM", "Rendite catastali"),
            entry("0102100SA", "Multe / Verbali di Contravvenzione"),
        ]);
        assert_eq!(
            catalog.describe(&prefix("01")).as_deref(),
            Some("COMUNE/UNIONE DI COMUNI / CONSORZI")
        );
        assert_eq!(
            catalog.describe(&prefix("0102")).as_deref(),
            Some("COMUNE/UNIONE DI COMUNI / CONSORZI > CORPO DI POLIZIA LOCALE")
        );
        assert_eq!(
            catalog.describe(&prefix("0101108")).as_deref(),
            Some("COMUNE/UNIONE DI COMUNI / CONSORZI > TRIBUTI > Canone Unico Patrimoniale - CORPORATE")
        );
        assert_eq!(
            catalog.describe(&prefix("0101108TS")).as_deref(),
            Some("COMUNE/UNIONE DI COMUNI / CONSORZI > TRIBUTI > Canone Unico Patrimoniale - CORPORATE > TS (Tassa)")
        );
        assert_eq!(catalog.describe(&prefix("0103")), None);
        assert_eq!(catalog.describe(&prefix("0101108AP")), None);
        assert_eq!(
            catalog.describe_category("9/0102100SA/").as_deref(),
            Some("COMUNE/UNIONE DI COMUNI / CONSORZI > CORPO DI POLIZIA LOCALE > Multe / Verbali di Contravvenzione > SA (Sanzioni)")
        );
        assert_eq!(catalog.describe_category("0102100SA"), None);
        assert_eq!(
            describe(&prefix("02"), &entry("0101108TS", "x")),
            None,
            "an entry outside the prefix names nothing"
        );
        let codes: Vec<_> = catalog.under("0101").map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["0101100IM", "0101108TS"]);
        assert_eq!(catalog.under("").count(), 3);
        assert_eq!(
            count_by_institution_type(catalog.under("")),
            [(
                "01".to_owned(),
                "COMUNE/UNIONE DI COMUNI / CONSORZI".to_owned(),
                3
            )]
        );
    }
}
