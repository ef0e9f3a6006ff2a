//! The portal's data: users, server-side sessions (only a hash of the cookie's token), sign-in
//! failures (throttling), onboarding requests, and the portal's changes of webhooks and events,
//! each recorded in the audit log in its own transaction. Institutions, partners, keys and
//! delegations are made by the same store functions the command line uses.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::schema::{
    events, onboarding_requests as onb, portal_login_failures as fails, portal_sessions as ps,
    portal_users as pu,
};
use super::{
    audit, events as outbox, orgs, partners, webhooks, write_tx, DbConnection, StoreError,
};
use crate::domain::access::{PartnerFiscalCode, Scope};
use crate::domain::portal::{
    self, Applicant, LoginEmail, Onboarding, OnboardingDraft, Role, SessionPolicy,
};
use crate::domain::{DomainError, OrgFiscalCode};

pub const ROLE_OPERATOR: &str = "operator";

/// A portal user as stored (the hash never leaves the store but for verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pu)]
struct UserRecord {
    id: i64,
    email: String,
    password_hash: String,
    role: String,
    organization_fiscal_code: Option<String>,
    partner_fiscal_code: Option<String>,
    created_at: NaiveDateTime,
    disabled_at: Option<NaiveDateTime>,
}

impl UserRecord {
    fn into_user(self) -> Result<PortalUser, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("portal user {}: {what}", self.id));
        let role = match (
            self.role.as_str(),
            &self.organization_fiscal_code,
            &self.partner_fiscal_code,
        ) {
            (ROLE_OPERATOR, None, None) => Role::Operator,
            (portal::KIND_INSTITUTION, Some(org), None) => Role::Institution(
                OrgFiscalCode::parse("organization", org).map_err(|_| corrupt("fiscal code"))?,
            ),
            (portal::KIND_PARTNER, None, Some(p)) => Role::Partner(
                PartnerFiscalCode::parse("partner", p).map_err(|_| corrupt("fiscal code"))?,
            ),
            _ => return Err(corrupt("role")),
        };
        Ok(PortalUser {
            id: self.id,
            email: self.email,
            role,
            created_at: self.created_at,
        })
    }
}

fn role_columns(role: &Role) -> (&'static str, Option<&str>, Option<&str>) {
    match role {
        Role::Operator => (ROLE_OPERATOR, None, None),
        Role::Institution(org) => (portal::KIND_INSTITUTION, Some(org.as_str()), None),
        Role::Partner(p) => (portal::KIND_PARTNER, None, Some(p.as_str())),
    }
}

fn find_user(c: &mut DbConnection, email: &str) -> Result<Option<UserRecord>, StoreError> {
    Ok(pu::table
        .filter(pu::email.eq(email))
        .select(UserRecord::as_select())
        .first(c)
        .optional()?)
}

fn insert_user(
    c: &mut DbConnection,
    email: &LoginEmail,
    password_hash: &str,
    role: &Role,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if find_user(c, email.as_str())?.is_some() {
        return Err(StoreError::Conflict(format!(
            "a portal user with e-mail {email} already exists"
        )));
    }
    let (role, org, partner) = role_columns(role);
    diesel::insert_into(pu::table)
        .values((
            pu::email.eq(email.as_str()),
            pu::password_hash.eq(password_hash),
            pu::role.eq(role),
            pu::organization_fiscal_code.eq(org),
            pu::partner_fiscal_code.eq(partner),
            pu::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// Creates an operator (`admin add`), recorded in the audit log.
pub fn add_operator(
    conn: &mut DbConnection,
    email: &LoginEmail,
    password_hash: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        insert_user(c, email, password_hash, &Role::Operator, now)?;
        audit::record(
            c,
            actor,
            audit::PORTAL_OPERATOR_ADD,
            email.as_str(),
            "",
            now,
        )
    })
}

pub fn users(conn: &mut DbConnection) -> Result<Vec<PortalUser>, StoreError> {
    pu::table
        .order(pu::id.asc())
        .select(UserRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(UserRecord::into_user)
        .collect()
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

/// A new session: `token` goes into the cookie and is never stored.
pub struct NewSession {
    pub token: String,
    pub user: PortalUser,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What a sign-in attempt gave.
#[derive(Debug)]
pub enum SignIn {
    Signed(NewSession),
    /// Wrong e-mail or password (the two are not told apart).
    Refused,
    /// Too many failures lately: refused without checking the password.
    Throttled,
}

/// Checks the password (argon2id) and opens a session; failures are counted per e-mail.
pub fn sign_in(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    policy: &SessionPolicy,
    now: NaiveDateTime,
) -> Result<SignIn, StoreError> {
    let email = email.trim().to_ascii_lowercase();
    let since = now - portal::throttle_window();
    let recent: i64 = fails::table
        .filter(fails::email.eq(&email))
        .filter(fails::at.gt(since))
        .count()
        .get_result(conn)?;
    if portal::throttled(recent) {
        return Ok(SignIn::Throttled);
    }
    let user = find_user(conn, &email)?.filter(|u| u.disabled_at.is_none());
    let hash = user
        .as_ref()
        .map_or(portal::decoy_hash(), |u| u.password_hash.as_str());
    let matches = portal::verify_password(hash, password);
    let user = match user {
        Some(user) if matches => user,
        _ => {
            diesel::insert_into(fails::table)
                .values((fails::email.eq(&email), fails::at.eq(now)))
                .execute(conn)?;
            return Ok(SignIn::Refused);
        }
    };
    let token = random_token();
    write_tx::<_, StoreError, _>(conn, |c| {
        diesel::delete(fails::table.filter(fails::email.eq(&email))).execute(c)?;
        diesel::insert_into(ps::table)
            .values((
                ps::token_hash.eq(hash_token(&token)),
                ps::user_id.eq(user.id),
                ps::csrf_token.eq(random_token()),
                ps::created_at.eq(now),
                ps::last_seen_at.eq(now),
                ps::expires_at.eq(policy.expires_at(now)),
            ))
            .execute(c)?;
        Ok(())
    })?;
    Ok(SignIn::Signed(NewSession {
        token,
        user: user.into_user()?,
    }))
}

/// A live session: its user and the CSRF token of its forms.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user: PortalUser,
    pub csrf: String,
}

/// The live session of a cookie's token, touched; None when unknown, ended, idle or too old.
pub fn session(
    conn: &mut DbConnection,
    token: &str,
    policy: &SessionPolicy,
    now: NaiveDateTime,
) -> Result<Option<Session>, StoreError> {
    let row: Option<(i64, String, NaiveDateTime, NaiveDateTime, UserRecord)> = ps::table
        .inner_join(pu::table)
        .filter(ps::token_hash.eq(hash_token(token)))
        .filter(ps::ended_at.is_null())
        .filter(pu::disabled_at.is_null())
        .select((
            ps::id,
            ps::csrf_token,
            ps::created_at,
            ps::last_seen_at,
            UserRecord::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((id, csrf, created, last_seen, user)) = row else {
        return Ok(None);
    };
    if !policy.is_live(created, last_seen, now) {
        diesel::update(ps::table.find(id))
            .set(ps::ended_at.eq(now))
            .execute(conn)?;
        return Ok(None);
    }
    // Written at most once a minute, so most pages only read.
    if now - last_seen >= Duration::minutes(1) {
        diesel::update(ps::table.find(id))
            .set(ps::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(Session {
        id,
        user: user.into_user()?,
        csrf,
    }))
}

/// Ends a session (logout).
pub fn end_session(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(ps::table.find(id).filter(ps::ended_at.is_null()))
        .set(ps::ended_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// An onboarding request as stored (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = onb)]
pub struct OnboardingRequest {
    pub id: i64,
    pub kind: String,
    pub fiscal_code: String,
    pub name: String,
    pub email: String,
    pub segregation_codes: String,
    pub aux_digit: i32,
    pub taxonomy_domains: String,
    pub state: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

impl OnboardingRequest {
    /// The applicant as the approval will create it, checked again.
    pub fn checked(&self) -> Result<Onboarding, DomainError> {
        OnboardingDraft {
            kind: self.kind.clone(),
            fiscal_code: self.fiscal_code.clone(),
            name: self.name.clone(),
            segregation_codes: self.segregation_codes.clone(),
            aux_digit: self.aux_digit.to_string(),
            domains: self.taxonomy_domains.clone(),
        }
        .validate()
    }
}

/// Records a PENDING request; refused when the e-mail has a user or a pending request, or the
/// fiscal code a pending request.
pub fn submit(
    conn: &mut DbConnection,
    request: &Onboarding,
    email: &LoginEmail,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let (codes, aux) = match &request.applicant {
        Applicant::Institution(org) => (org.segregation_codes_text(), i32::from(org.aux_digit)),
        Applicant::Partner(_) => (String::new(), 0),
    };
    write_tx(conn, |c| {
        if find_user(c, email.as_str())?.is_some() {
            return Err(DomainError::Conflict(format!(
                "e-mail {email} already has a portal account"
            ))
            .into());
        }
        let pending: i64 = onb::table
            .filter(onb::state.eq(portal::PENDING))
            .filter(
                onb::email
                    .eq(email.as_str())
                    .or(onb::fiscal_code.eq(request.applicant.fiscal_code())),
            )
            .count()
            .get_result(c)?;
        if pending > 0 {
            return Err(DomainError::Conflict(
                "a request with this e-mail or fiscal code is already waiting for approval"
                    .to_owned(),
            )
            .into());
        }
        diesel::insert_into(onb::table)
            .values((
                onb::kind.eq(request.applicant.kind()),
                onb::fiscal_code.eq(request.applicant.fiscal_code()),
                onb::name.eq(request.applicant.name()),
                onb::email.eq(email.as_str()),
                onb::password_hash.eq(password_hash),
                onb::segregation_codes.eq(&codes),
                onb::aux_digit.eq(aux),
                onb::taxonomy_domains.eq(request.domains.to_list()),
                onb::state.eq(portal::PENDING),
                onb::created_at.eq(now),
            ))
            .execute(c)?;
        let id: i64 = onb::table
            .filter(onb::email.eq(email.as_str()))
            .filter(onb::state.eq(portal::PENDING))
            .select(onb::id)
            .first(c)?;
        audit::record(
            c,
            email.as_str(),
            audit::ONBOARDING_REQUEST,
            &id.to_string(),
            &format!(
                "{} {}",
                request.applicant.kind(),
                request.applicant.fiscal_code()
            ),
            now,
        )?;
        Ok(id)
    })
}

/// Requests, newest first; only those in `state` when given.
pub fn requests(
    conn: &mut DbConnection,
    state: Option<&str>,
) -> Result<Vec<OnboardingRequest>, StoreError> {
    let mut q = onb::table.into_boxed();
    if let Some(state) = state {
        q = q.filter(onb::state.eq(state.to_owned()));
    }
    Ok(q.order(onb::id.desc())
        .select(OnboardingRequest::as_select())
        .load(conn)?)
}

fn pending(c: &mut DbConnection, id: i64) -> Result<OnboardingRequest, StoreError> {
    let request: OnboardingRequest = onb::table
        .find(id)
        .select(OnboardingRequest::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| DomainError::NotFound(format!("no onboarding request {id}")))?;
    if request.state != portal::PENDING {
        return Err(DomainError::Conflict(format!(
            "onboarding request {id} is already {}",
            request.state
        ))
        .into());
    }
    Ok(request)
}

/// Approves a PENDING request: the institution or partner is registered as `org add` /
/// `partner add` do, its user created, all in one transaction with the audit entry.
pub fn approve(
    conn: &mut DbConnection,
    id: i64,
    actor: &str,
    now: NaiveDateTime,
) -> Result<OnboardingRequest, StoreError> {
    write_tx(conn, |c| {
        let request = pending(c, id)?;
        let checked = request.checked()?;
        let hash: String = onb::table.find(id).select(onb::password_hash).first(c)?;
        match &checked.applicant {
            Applicant::Institution(org) => orgs::add_org_in(c, org, now)?,
            Applicant::Partner(partner) => partners::add_in(c, partner, now)?,
        };
        let email = LoginEmail::parse("email", &request.email)?;
        insert_user(c, &email, &hash, &checked.applicant.role(), now)?;
        diesel::update(onb::table.find(id))
            .set((
                onb::state.eq(portal::APPROVED),
                onb::decided_at.eq(now),
                onb::decided_by.eq(actor),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            audit::ONBOARDING_APPROVE,
            &id.to_string(),
            &format!("{} {} user={email}", request.kind, request.fiscal_code),
            now,
        )?;
        Ok(OnboardingRequest {
            state: portal::APPROVED.to_owned(),
            decided_at: Some(now),
            decided_by: Some(actor.to_owned()),
            ..request
        })
    })
}

/// Rejects a PENDING request with a reason.
pub fn reject(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<OnboardingRequest, StoreError> {
    let reason = portal::check_reason(reason)?;
    write_tx(conn, |c| {
        let request = pending(c, id)?;
        diesel::update(onb::table.find(id))
            .set((
                onb::state.eq(portal::REJECTED),
                onb::reason.eq(&reason),
                onb::decided_at.eq(now),
                onb::decided_by.eq(actor),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            audit::ONBOARDING_REJECT,
            &id.to_string(),
            &format!("{} {} reason={reason:?}", request.kind, request.fiscal_code),
            now,
        )?;
        Ok(OnboardingRequest {
            state: portal::REJECTED.to_owned(),
            reason: Some(reason),
            decided_at: Some(now),
            decided_by: Some(actor.to_owned()),
            ..request
        })
    })
}

/// Sets the institution's webhook (as `webhook set`), recorded in the audit log.
pub fn set_webhook(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    url: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(webhooks::Webhook, bool), StoreError> {
    webhooks::check_url(url)?;
    write_tx(conn, |c| {
        let set = webhooks::set_in(c, org, url, now)?;
        audit::record(
            c,
            actor,
            audit::WEBHOOK_SET,
            org.as_str(),
            &format!("url={url}"),
            now,
        )?;
        Ok(set)
    })
}

/// Replaces the webhook's secret (returned, to be shown once), recorded in the audit log.
pub fn rotate_webhook_secret(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    actor: &str,
    now: NaiveDateTime,
) -> Result<webhooks::Webhook, StoreError> {
    write_tx(conn, |c| {
        let hook = webhooks::rotate_secret(c, org, now)?;
        audit::record(c, actor, audit::WEBHOOK_ROTATE, org.as_str(), "", now)?;
        Ok(hook)
    })
}

/// Schedules an event again (as `POST .../redeliver`), recorded in the audit log.
pub fn redeliver(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    event_id: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    write_tx(conn, |c| {
        let done = outbox::redeliver(c, org, event_id, now)?;
        if done {
            audit::record(
                c,
                actor,
                audit::EVENT_REDELIVER,
                event_id,
                org.as_str(),
                now,
            )?;
        }
        Ok(done)
    })
}

/// An event as the portal lists it.
#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub event_id: String,
    pub event_type: String,
    pub iupd: String,
    pub created_at: NaiveDateTime,
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// The institution's latest events (its own, not partners' copies), newest first; with
/// `failed`, only those DEAD or whose last attempt failed.
pub fn latest_events(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    failed: bool,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    let mut q = events::table
        .filter(events::organization_fiscal_code.eq(org.as_str()))
        .filter(events::subscriber.eq(""))
        .into_boxed();
    if failed {
        q = q.filter(
            events::state.eq(outbox::state::DEAD).or(events::state
                .eq(outbox::state::PENDING)
                .and(events::attempts.gt(0))),
        );
    }
    Ok(q.order(events::id.desc())
        .limit(limit)
        .select((
            events::event_id,
            events::event_type,
            events::iupd,
            events::created_at,
            events::state,
            events::attempts,
            events::last_status,
            events::last_error,
        ))
        .load(conn)?)
}

/// The institution's positions of a debtor (fiscal code), newest first.
pub fn positions_of_debtor(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    debtor: &str,
    limit: i64,
) -> Result<Vec<crate::domain::Position>, StoreError> {
    use super::schema::payment_positions as pp;
    let iupds: Vec<String> = pp::table
        .filter(pp::organization_fiscal_code.eq(org.as_str()))
        .filter(pp::fiscal_code.eq(debtor.trim().to_ascii_uppercase()))
        .order(pp::id.desc())
        .limit(limit)
        .select(pp::iupd)
        .load(conn)?;
    iupds
        .iter()
        .map(|iupd| super::positions::get_by_iupd(conn, org, iupd))
        .collect()
}

/// The scope an onboarding request intended, as listed.
pub fn intended_scope(request: &OnboardingRequest) -> Scope {
    Scope::parse_list("domains", &request.taxonomy_domains).unwrap_or(Scope::All)
}
