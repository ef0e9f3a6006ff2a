//! Stations: the broker/station pairs through which the Nodo calls for an institution.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{organizations, stations};
use super::{orgs, write_tx, DbConnection, StoreError};
use crate::domain::nodo::NodoFault;
use crate::domain::{DomainError, OrgFiscalCode};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = stations)]
pub struct Station {
    pub broker_id: String,
    pub station_id: String,
    pub organization_fiscal_code: String,
    pub primitive_version: i32,
}

fn check_id(field: &str, value: &str) -> Result<(), StoreError> {
    if value.is_empty()
        || value.len() > 35
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(DomainError::invalid(field, "must be 1 to 35 letters, digits, _ or -").into());
    }
    Ok(())
}

/// Links an institution to a broker's station. Idempotent with the same data.
pub fn add_station(
    conn: &mut DbConnection,
    broker_id: &str,
    station_id: &str,
    org: &OrgFiscalCode,
    version: i32,
    now: NaiveDateTime,
) -> Result<super::orgs::Registration, StoreError> {
    check_id("broker", broker_id)?;
    check_id("station", station_id)?;
    if !matches!(version, 1 | 2) {
        return Err(DomainError::invalid("version", "must be 1 or 2").into());
    }
    write_tx(conn, |c| {
        if orgs::find_org(c, org.as_str())?.is_none() {
            return Err(DomainError::NotFound(format!(
                "organization {org} is not registered; run `org add` first"
            ))
            .into());
        }
        let existing: Option<Station> = stations::table
            .filter(stations::organization_fiscal_code.eq(org.as_str()))
            .filter(stations::station_id.eq(station_id))
            .select(Station::as_select())
            .first(c)
            .optional()?;
        match existing {
            Some(s) if s.broker_id == broker_id && s.primitive_version == version => {
                Ok(orgs::Registration::AlreadyRegistered)
            }
            Some(s) => Err(StoreError::Conflict(format!(
                "station {station_id} is already linked to {org} with broker {} and version {}",
                s.broker_id, s.primitive_version
            ))),
            None => {
                diesel::insert_into(stations::table)
                    .values((
                        stations::broker_id.eq(broker_id),
                        stations::station_id.eq(station_id),
                        stations::organization_fiscal_code.eq(org.as_str()),
                        stations::primitive_version.eq(version),
                        stations::created_at.eq(now),
                    ))
                    .execute(c)?;
                Ok(orgs::Registration::Created)
            }
        }
    })
}

pub fn list_stations(conn: &mut DbConnection) -> Result<Vec<Station>, StoreError> {
    Ok(stations::table
        .order((
            stations::organization_fiscal_code.asc(),
            stations::station_id.asc(),
        ))
        .select(Station::as_select())
        .load(conn)?)
}

/// Checks the caller of a Nodo request, in pagoPA's order: the institution, its broker, the station.
/// One query: the institution with its stations.
pub fn check_caller(
    conn: &mut DbConnection,
    id_pa: &str,
    id_broker_pa: &str,
    id_station: &str,
) -> Result<Result<(), NodoFault>, StoreError> {
    let links: Vec<(String, Option<String>, Option<String>)> = organizations::table
        .left_join(
            stations::table.on(stations::organization_fiscal_code.eq(organizations::fiscal_code)),
        )
        .filter(organizations::fiscal_code.eq(id_pa))
        .select((
            organizations::fiscal_code,
            stations::broker_id.nullable(),
            stations::station_id.nullable(),
        ))
        .load(conn)?;
    if links.is_empty() {
        return Ok(Err(NodoFault::UnknownDomain(id_pa.to_owned())));
    }
    let brokered = |(_, broker, _): &&(String, Option<String>, Option<String>)| {
        broker.as_deref() == Some(id_broker_pa)
    };
    if !links.iter().any(|l| brokered(&l)) {
        return Ok(Err(NodoFault::WrongBroker(id_broker_pa.to_owned())));
    }
    if !links
        .iter()
        .filter(brokered)
        .any(|(_, _, station)| station.as_deref() == Some(id_station))
    {
        return Ok(Err(NodoFault::WrongStation(id_station.to_owned())));
    }
    Ok(Ok(()))
}

/// How long a successful caller check is reused without asking the database. Stations change
/// rarely and only through the command line: a removed link stops working within this time on
/// every instance; a new one works at once (failed checks are never cached).
pub const CALLER_CACHE_TTL: Duration = Duration::from_secs(5);

/// Successful caller checks of one database, so the Nodo's hot path skips the query.
#[derive(Debug, Default)]
pub struct CallerCache {
    passed: Mutex<HashMap<(String, String, String), Instant>>,
}

impl CallerCache {
    /// [`check_caller`], answered from the cache when the same triple passed less than
    /// [`CALLER_CACHE_TTL`] ago.
    pub fn check(
        &self,
        conn: &mut DbConnection,
        id_pa: &str,
        id_broker_pa: &str,
        id_station: &str,
    ) -> Result<Result<(), NodoFault>, StoreError> {
        let key = (
            id_pa.to_owned(),
            id_broker_pa.to_owned(),
            id_station.to_owned(),
        );
        let fresh = |at: &Instant| at.elapsed() < CALLER_CACHE_TTL;
        if self.locked().get(&key).is_some_and(fresh) {
            return Ok(Ok(()));
        }
        let outcome = check_caller(conn, id_pa, id_broker_pa, id_station)?;
        let mut passed = self.locked();
        passed.retain(|_, at| fresh(at));
        if outcome.is_ok() {
            passed.insert(key, Instant::now());
        }
        Ok(outcome)
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String, String), Instant>> {
        self.passed.lock().unwrap_or_else(|e| e.into_inner())
    }
}
