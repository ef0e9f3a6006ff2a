//! Positions born from a citizen's demand (paDemandPaymentNotice): created and published with
//! their IUV and their `position.created` event in one transaction.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::spontaneous_demands as sd;
use super::{events, iuvs, positions, write_tx, DbConnection, StoreError};
use crate::domain::events::spontaneous_position_created;
use crate::domain::nodo::payable_option;
use crate::domain::service::demand::{position_input, Priced, REPLAY_WINDOW_MINUTES};
use crate::domain::service::{Service, Values};
use crate::domain::{DomainError, Organization, Position};

/// A demand, recognised by its digest.
pub struct Demand<'a> {
    pub org: &'a Organization,
    pub service: &'a Service,
    pub values: &'a Values,
    pub hash: &'a str,
}

/// The position created by the same demand within the replay window, while it can still be
/// paid.
pub fn replay(
    conn: &mut DbConnection,
    demand: &Demand,
    now: NaiveDateTime,
) -> Result<Option<Position>, StoreError> {
    let org = &demand.org.fiscal_code;
    let since = now - Duration::minutes(REPLAY_WINDOW_MINUTES);
    let iupd: Option<String> = sd::table
        .filter(sd::organization_fiscal_code.eq(org.as_str()))
        .filter(sd::service_id.eq(demand.service.id.as_str()))
        .filter(sd::request_hash.eq(demand.hash))
        .filter(sd::created_at.ge(since))
        .order(sd::id.desc())
        .select(sd::iupd)
        .first(conn)
        .optional()?;
    let Some(iupd) = iupd else { return Ok(None) };
    let position = match positions::get_by_iupd(conn, org, &iupd) {
        Ok(p) => p,
        Err(StoreError::Domain(DomainError::NotFound(_))) => return Ok(None),
        Err(e) => return Err(e),
    };
    let payable = position
        .options
        .first()
        .is_some_and(|o| payable_option(&position, o.nav.as_str(), now).is_ok());
    Ok(payable.then_some(position))
}

/// Allocates the IUV, creates the published position, records its event and the demand; or,
/// when the same demand got there first, answers its position.
pub fn create(
    conn: &mut DbConnection,
    demand: &Demand,
    priced: Priced,
    now: NaiveDateTime,
) -> Result<Position, StoreError> {
    write_tx(conn, |c| {
        if let Some(position) = replay(c, demand, now)? {
            return Ok(position);
        }
        let (iuv, nav) = iuvs::allocate(c, demand.org, demand.service.segregation_code.as_ref())?;
        let input = position_input(demand.org, demand.service, priced, iuv, nav, now)?;
        let mut position = Position::create(demand.org, input, now, true)?;
        position.id = Some(positions::insert_new(c, &position)?);
        let event = spontaneous_position_created(
            &position,
            demand.service.id.as_str(),
            &demand.values.fields,
            now,
        );
        events::insert(c, &[event])?;
        diesel::insert_into(sd::table)
            .values((
                sd::organization_fiscal_code.eq(demand.org.fiscal_code.as_str()),
                sd::service_id.eq(demand.service.id.as_str()),
                sd::request_hash.eq(demand.hash),
                sd::iupd.eq(position.iupd.as_str()),
                sd::created_at.eq(now),
            ))
            .execute(c)?;
        Ok(position)
    })
}
