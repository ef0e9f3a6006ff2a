//! What a caller reaches: the positions of one institution within a taxonomy scope. Reads of
//! positions outside it find nothing; writes are refused naming the first category outside.

use diesel::sql_types::Bool;

use crate::domain::access::Scope;
use crate::domain::{DomainError, OrgFiscalCode, Position};
use crate::store::StoreError;

static EVERYTHING: Scope = Scope::All;

/// The positions of `org` within `scope`.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    pub org: &'a OrgFiscalCode,
    pub scope: &'a Scope,
}

/// An institution with the scope of the caller acting for it (owned, for handlers).
#[derive(Debug, Clone)]
pub struct ScopedOrg {
    pub org: OrgFiscalCode,
    pub scope: Scope,
}

impl std::ops::Deref for ScopedOrg {
    type Target = OrgFiscalCode;
    fn deref(&self) -> &OrgFiscalCode {
        &self.org
    }
}

impl<'a> From<&'a ScopedOrg> for Reach<'a> {
    fn from(s: &'a ScopedOrg) -> Self {
        Reach {
            org: &s.org,
            scope: &s.scope,
        }
    }
}

impl<'a> From<&'a OrgFiscalCode> for Reach<'a> {
    /// Every position of the institution (its own unlimited keys, the Nodo, the CLI).
    fn from(org: &'a OrgFiscalCode) -> Self {
        Reach {
            org,
            scope: &EVERYTHING,
        }
    }
}

impl<'a> Reach<'a> {
    pub fn within(org: &'a OrgFiscalCode, scope: &'a Scope) -> Self {
        Reach { org, scope }
    }

    /// 403 naming the first transfer category of the position outside the scope.
    pub fn check_write(&self, position: &Position) -> Result<(), StoreError> {
        match self.scope.first_outside(position) {
            Some((i, j, category)) => Err(DomainError::Forbidden(format!(
                "paymentOption[{i}].transfer[{j}].category: '{category}' is outside the taxonomy scope of this API key ({})",
                self.scope
            ))
            .into()),
            None => Ok(()),
        }
    }

    /// The position if the caller may see it, else the same NotFound as for a missing one.
    pub fn visible(
        &self,
        position: Position,
        missing: impl FnOnce() -> String,
    ) -> Result<Position, StoreError> {
        if self.scope.covers(&position) {
            Ok(position)
        } else {
            Err(DomainError::NotFound(missing()).into())
        }
    }

    /// SQL true for a row of `payment_positions` within the scope (`None`: no condition).
    pub(crate) fn sql_condition(&self) -> Option<diesel::expression::SqlLiteral<Bool>> {
        self.sql_text().map(|text| diesel::dsl::sql::<Bool>(&text))
    }

    /// The text of [`Reach::sql_condition`], to embed in a larger condition.
    pub(crate) fn sql_text(&self) -> Option<String> {
        let Scope::Prefixes(prefixes) = self.scope else {
            return None;
        };
        // Prefixes are digits and capital letters only (TaxonomyPrefix), safe in SQL text.
        let inside: Vec<String> = prefixes
            .iter()
            .map(|p| format!("t.category LIKE '9/{p}%/'"))
            .collect();
        let inside = if inside.is_empty() {
            "1 = 0".to_owned()
        } else {
            inside.join(" OR ")
        };
        Some(format!(
            "NOT EXISTS (SELECT 1 FROM payment_options o JOIN transfers t ON t.payment_option_id = o.id \
             WHERE o.payment_position_id = payment_positions.id \
             AND NOT (({inside}) AND t.category NOT LIKE '9/%/%/'))"
        ))
    }
}
