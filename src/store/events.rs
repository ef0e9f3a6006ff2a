//! The transactional outbox: events are written with the change they report, then claimed by
//! delivery workers with a lease, so any number of instances deliver each event once per attempt.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::positions::Reach;
use super::schema::{delegations, events, partner_webhooks, payment_positions as pp, webhooks};
use super::{secrets, write_tx, DbConnection, StoreError};
use crate::domain::access::Scope;
use crate::domain::events::NewEvent;
use crate::domain::OrgFiscalCode;

/// Delivery states of an event.
pub mod state {
    /// Waiting for (re)delivery.
    pub const PENDING: &str = "PENDING";
    pub const DELIVERED: &str = "DELIVERED";
    /// Gave up after the configured number of attempts.
    pub const DEAD: &str = "DEAD";
    /// No enabled webhook when it happened: kept for the feed; `redeliver` sends it.
    pub const NO_WEBHOOK: &str = "NO_WEBHOOK";
}

/// Records events inside the caller's transaction, with one copy for each partner whose webhook
/// (enabled or not) should receive it: an active delegation from the institution, and the
/// position, as this transaction leaves it, within the delegation's scope.
pub fn insert(c: &mut DbConnection, new_events: &[NewEvent]) -> Result<(), StoreError> {
    let mut subscribers_of: Option<(&str, Subscribers)> = None;
    let mut rows = Vec::with_capacity(new_events.len());
    for e in new_events {
        let org = e.organization_fiscal_code.as_str();
        let subscribers = match &subscribers_of {
            Some((of, known)) if *of == org => known.clone(),
            _ => {
                let found = subscribers(c, org)?;
                subscribers_of = Some((org, found.clone()));
                found
            }
        };
        rows.push(EventRow::new(
            e,
            String::new(),
            body_of(e)?,
            subscribers.hooked,
        ));
        for hook in subscribers.partners {
            if !position_within(c, org, &e.iupd, &hook.scope)? {
                continue;
            }
            let copy = NewEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                ..e.clone()
            };
            let body = body_of(&copy)?;
            rows.push(EventRow::new(&copy, hook.partner, body, hook.enabled));
        }
    }
    if !rows.is_empty() {
        insert_rows!(c, events::table, &rows);
    }
    Ok(())
}

/// Who receives the events of one institution: its own webhook (enabled or not) and partners.
#[derive(Debug, Clone)]
struct Subscribers {
    hooked: bool,
    partners: Vec<PartnerHook>,
}

fn subscribers(c: &mut DbConnection, org: &str) -> Result<Subscribers, StoreError> {
    let hooked = webhooks::table
        .filter(webhooks::organization_fiscal_code.eq(org))
        .filter(webhooks::enabled.eq(true))
        .count()
        .get_result::<i64>(c)?
        > 0;
    Ok(Subscribers {
        hooked,
        partners: partner_hooks(c, org)?,
    })
}

fn body_of(e: &NewEvent) -> Result<String, StoreError> {
    e.body().map_err(|err| {
        StoreError::Corrupt(format!("event {} cannot be serialized: {err}", e.event_id))
    })
}

#[derive(Insertable)]
#[diesel(table_name = events)]
struct EventRow {
    event_id: String,
    organization_fiscal_code: String,
    subscriber: String,
    event_type: &'static str,
    iupd: String,
    payload: String,
    created_at: NaiveDateTime,
    state: &'static str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
}

impl EventRow {
    fn new(e: &NewEvent, subscriber: String, payload: String, hooked: bool) -> Self {
        EventRow {
            event_id: e.event_id.clone(),
            organization_fiscal_code: e.organization_fiscal_code.clone(),
            subscriber,
            event_type: e.event_type.as_str(),
            iupd: e.iupd.clone(),
            payload,
            created_at: e.created_at,
            state: if hooked {
                state::PENDING
            } else {
                state::NO_WEBHOOK
            },
            attempts: 0,
            next_attempt_at: e.created_at,
        }
    }
}

/// A partner with a webhook and an active delegation from the institution.
#[derive(Debug, Clone)]
struct PartnerHook {
    partner: String,
    scope: Scope,
    enabled: bool,
}

/// The partners that receive copies of the institution's events (one query).
fn partner_hooks(c: &mut DbConnection, org: &str) -> Result<Vec<PartnerHook>, StoreError> {
    let rows: Vec<(String, String, bool)> = delegations::table
        .inner_join(
            partner_webhooks::table
                .on(partner_webhooks::partner_fiscal_code.eq(delegations::partner_fiscal_code)),
        )
        .filter(delegations::organization_fiscal_code.eq(org))
        .filter(delegations::revoked_at.is_null())
        .select((
            delegations::partner_fiscal_code,
            delegations::scope,
            partner_webhooks::enabled,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(partner, scope, enabled)| {
            Ok(PartnerHook {
                partner,
                scope: super::delegations::stored_scope(&scope)?,
                enabled,
            })
        })
        .collect()
}

/// Whether the position exists (in this transaction) and is within `scope`.
fn position_within(
    c: &mut DbConnection,
    org: &str,
    iupd: &str,
    scope: &Scope,
) -> Result<bool, StoreError> {
    let org = OrgFiscalCode::parse("organization", org)
        .map_err(|e| StoreError::Corrupt(format!("event of organization {org}: {e}")))?;
    let mut q = pp::table
        .filter(pp::organization_fiscal_code.eq(org.as_str()))
        .filter(pp::iupd.eq(iupd))
        .into_boxed();
    if let Some(inside) = Reach::within(&org, scope).sql_condition() {
        q = q.filter(inside);
    }
    Ok(q.select(pp::id).first::<i64>(c).optional()?.is_some())
}

/// An event leased to one worker, with where to send it.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: i64,
    pub event_id: String,
    pub organization_fiscal_code: String,
    /// '' for the institution's own webhook, else the fiscal code of the partner it is for.
    pub subscriber: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub url: String,
    pub secret: String,
}

/// Leases up to `batch` due events to `token` until `now + lease`. An event waits while an
/// earlier event of the same position is still pending, so a position's events arrive in order.
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
    lease: Duration,
    batch: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let hooked = webhooks::table
        .filter(webhooks::enabled.eq(true))
        .select(webhooks::organization_fiscal_code);
    let partners_hooked = partner_webhooks::table
        .filter(partner_webhooks::enabled.eq(true))
        .select(partner_webhooks::partner_fiscal_code);
    let candidates: Vec<(i64, String, String, String)> = events::table
        .filter(events::state.eq(state::PENDING))
        .filter(events::next_attempt_at.le(now))
        .filter(
            events::locked_until
                .is_null()
                .or(events::locked_until.lt(now)),
        )
        .filter(
            events::subscriber
                .eq("")
                .and(events::organization_fiscal_code.eq_any(hooked))
                .or(events::subscriber.eq_any(partners_hooked)),
        )
        .order(events::id.asc())
        .limit(batch * 4)
        .select((
            events::id,
            events::subscriber,
            events::organization_fiscal_code,
            events::iupd,
        ))
        .load(conn)?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The first pending event of each position among the candidates, if nothing earlier is pending.
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (id, subscriber, org, iupd) in candidates {
        if !seen.insert((subscriber.clone(), org.clone(), iupd.clone())) {
            continue;
        }
        let earlier: i64 = events::table
            .filter(events::subscriber.eq(&subscriber))
            .filter(events::organization_fiscal_code.eq(&org))
            .filter(events::iupd.eq(&iupd))
            .filter(events::state.eq(state::PENDING))
            .filter(events::id.lt(id))
            .count()
            .get_result(conn)?;
        if earlier == 0 {
            ids.push(id);
        }
        if ids.len() as i64 >= batch {
            break;
        }
    }
    let until = now + lease;
    // The conditional UPDATE is the claim: a row leased by another worker meanwhile is not taken.
    // One per event, by primary key: with `id IN (...)` and the state, MariaDB may scan
    // idx_events_due instead, and deadlock with a worker recording a delivery (which was then
    // rolled back, and the event delivered again).
    for id in &ids {
        diesel::update(
            events::table
                .filter(events::id.eq(id))
                .filter(events::state.eq(state::PENDING))
                .filter(
                    events::locked_until
                        .is_null()
                        .or(events::locked_until.lt(now)),
                ),
        )
        .set((events::locked_until.eq(until), events::locked_by.eq(token)))
        .execute(conn)?;
    }
    let mut rows: Vec<Claimed> = events::table
        .inner_join(
            webhooks::table
                .on(webhooks::organization_fiscal_code.eq(events::organization_fiscal_code)),
        )
        .filter(events::locked_by.eq(token))
        .filter(events::state.eq(state::PENDING))
        .filter(events::subscriber.eq(""))
        .select((
            events::id,
            events::event_id,
            events::organization_fiscal_code,
            events::subscriber,
            events::event_type,
            events::payload,
            events::attempts,
            events::created_at,
            webhooks::url,
            webhooks::secret,
        ))
        .load(conn)?;
    let partners_rows: Vec<Claimed> = events::table
        .inner_join(
            partner_webhooks::table
                .on(partner_webhooks::partner_fiscal_code.eq(events::subscriber)),
        )
        .filter(events::locked_by.eq(token))
        .filter(events::state.eq(state::PENDING))
        .select((
            events::id,
            events::event_id,
            events::organization_fiscal_code,
            events::subscriber,
            events::event_type,
            events::payload,
            events::attempts,
            events::created_at,
            partner_webhooks::url,
            partner_webhooks::secret,
        ))
        .load(conn)?;
    rows.extend(partners_rows);
    rows.sort_by_key(|r| r.id);
    for row in &mut rows {
        row.secret = secrets::open(&row.secret)?;
    }
    Ok(rows)
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    /// Failed; retry at `next` unless the attempts are exhausted.
    Failed {
        status: Option<u16>,
        error: String,
        next: NaiveDateTime,
        give_up: bool,
    },
    /// The endpoint answered 410 Gone: the webhook is disabled.
    Gone,
}

/// Records the end of an attempt, if `token` still holds the lease.
pub fn finish(
    conn: &mut DbConnection,
    claimed: &Claimed,
    token: &str,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        let mine = events::table
            .filter(events::id.eq(claimed.id))
            .filter(events::locked_by.eq(token));
        let attempts = claimed.attempts + 1;
        let release = (
            events::locked_until.eq(None::<NaiveDateTime>),
            events::locked_by.eq(None::<String>),
        );
        match attempt {
            Attempt::Delivered { status } => diesel::update(mine)
                .set((
                    events::state.eq(state::DELIVERED),
                    events::attempts.eq(attempts),
                    events::delivered_at.eq(now),
                    events::last_status.eq(i32::from(*status)),
                    events::last_error.eq(None::<String>),
                    release,
                ))
                .execute(c)?,
            Attempt::Failed {
                status,
                error,
                next,
                give_up,
            } => diesel::update(mine)
                .set((
                    events::state.eq(if *give_up {
                        state::DEAD
                    } else {
                        state::PENDING
                    }),
                    events::attempts.eq(attempts),
                    events::next_attempt_at.eq(*next),
                    events::last_status.eq(status.map(i32::from)),
                    events::last_error.eq(error.chars().take(500).collect::<String>()),
                    release,
                ))
                .execute(c)?,
            Attempt::Gone => {
                const GONE: &str = "the endpoint answered 410 Gone";
                if claimed.subscriber.is_empty() {
                    diesel::update(webhooks::table.find(&claimed.organization_fiscal_code))
                        .set((
                            webhooks::enabled.eq(false),
                            webhooks::disabled_reason.eq(GONE),
                            webhooks::updated_at.eq(now),
                        ))
                        .execute(c)?;
                } else {
                    diesel::update(partner_webhooks::table.find(&claimed.subscriber))
                        .set((
                            partner_webhooks::enabled.eq(false),
                            partner_webhooks::disabled_reason.eq(GONE),
                            partner_webhooks::updated_at.eq(now),
                        ))
                        .execute(c)?;
                }
                diesel::update(mine)
                    .set((
                        events::attempts.eq(attempts),
                        events::last_status.eq(410),
                        events::last_error.eq("410 Gone: webhook disabled"),
                        release,
                    ))
                    .execute(c)?
            }
        };
        Ok(())
    })
}

/// Releases the leases `token` still holds on pending events (a worker stopping), so any
/// worker may claim them at once; returns how many.
pub fn release(conn: &mut DbConnection, token: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(
        events::table
            .filter(events::locked_by.eq(token))
            .filter(events::state.eq(state::PENDING)),
    )
    .set((
        events::locked_until.eq(None::<NaiveDateTime>),
        events::locked_by.eq(None::<String>),
    ))
    .execute(conn)?)
}

/// An event as the feed shows it.
#[derive(Debug, Clone, Queryable)]
pub struct FeedEvent {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub iupd: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub state: String,
    pub attempts: i32,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// The institution's events after the cursor `after`, oldest first.
/// With a limited scope, only the events of positions that exist and are within it.
pub fn feed<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    after: i64,
    limit: i64,
) -> Result<Vec<FeedEvent>, StoreError> {
    let rows: Vec<FeedEvent> = visible_to(reach.into())
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .select((
            events::id,
            events::event_id,
            events::event_type,
            events::iupd,
            events::payload,
            events::created_at,
            events::state,
            events::attempts,
            events::delivered_at,
            events::last_status,
            events::last_error,
        ))
        .load(conn)?;
    Ok(rows)
}

/// Schedules an event of `org` for delivery again now; false when there is no such event.
pub fn redeliver<'a>(
    conn: &mut DbConnection,
    reach: impl Into<Reach<'a>>,
    event_id: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let reach = reach.into();
    let org = reach.org.as_str();
    if reach.sql_condition().is_some() {
        let seen = feed_one(conn, reach, event_id)?;
        if !seen {
            return Ok(false);
        }
    }
    let n = diesel::update(
        events::table
            .filter(events::organization_fiscal_code.eq(org))
            .filter(events::subscriber.eq(""))
            .filter(events::event_id.eq(event_id)),
    )
    .set((
        events::state.eq(state::PENDING),
        events::attempts.eq(0),
        events::next_attempt_at.eq(now),
        events::locked_until.eq(None::<NaiveDateTime>),
        events::locked_by.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Whether the caller's scope reaches the event (its position exists and is within it).
fn feed_one(conn: &mut DbConnection, reach: Reach, event_id: &str) -> Result<bool, StoreError> {
    Ok(visible_to(reach)
        .filter(events::event_id.eq(event_id))
        .select(events::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The institution's events the caller may see: with a limited scope, those of positions that
/// exist and are within it.
fn visible_to(reach: Reach<'_>) -> events::BoxedQuery<'_, super::positions::Backend> {
    let org = reach.org.as_str();
    // Partners' copies (subscriber <> '') are not the institution's events.
    let mut q = events::table
        .filter(events::organization_fiscal_code.eq(org))
        .filter(events::subscriber.eq(""))
        .into_boxed();
    if let Some(inside) = reach.sql_condition() {
        let visible = pp::table
            .filter(pp::organization_fiscal_code.eq(org))
            .filter(inside)
            .select(pp::iupd);
        q = q.filter(events::iupd.eq_any(visible));
    }
    q
}

/// Number of outbox rows per delivery state, for the metrics (partners' copies included).
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(events::table
        .group_by(events::state)
        .select((events::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// What happened to a position, oldest first: the type and instant of each of its events (the
/// institution's copies only, not the partners').
pub fn position_history(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    iupd: &str,
) -> Result<Vec<(String, NaiveDateTime)>, StoreError> {
    Ok(events::table
        .filter(events::organization_fiscal_code.eq(org.as_str()))
        .filter(events::iupd.eq(iupd))
        .filter(events::subscriber.eq(""))
        .order((events::created_at.asc(), events::id.asc()))
        .select((events::event_type, events::created_at))
        .load(conn)?)
}
