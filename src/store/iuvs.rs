//! Placeholder: the IUV generator lands from branch h-iuv.

use super::{DbConnection, StoreError};
use crate::domain::{DomainError, Iuv, NoticeNumber, Organization, SegregationCode};

pub fn allocate(
    _c: &mut DbConnection,
    _org: &Organization,
    _segregation: Option<&SegregationCode>,
) -> Result<(Iuv, NoticeNumber), StoreError> {
    Err(DomainError::Conflict("IUV generation not available".to_owned()).into())
}
