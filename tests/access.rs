//! The access model in the store: partners, delegations, keys, the audit log, and
//! `access::authorize`, the check every REST request makes (explicit instants, no server).

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::Backend;
use gpd_gateway::domain::access::{KeyLabel, Partner, PartnerFiscalCode, Principal, Scope};
use gpd_gateway::domain::{DomainError, OrgFiscalCode, Organization};
use gpd_gateway::store::access::{authorize, Access, Denied};
use gpd_gateway::store::delegations::{self, Granted};
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::orgs::{self, Registration};
use gpd_gateway::store::{self, audit, partners, DatabaseUrl, DbConnection, StoreError};

const ORG_A: &str = "77777777777";
const ORG_B: &str = "88888888888";
const PARTNER: &str = "15376371009";
const OTHER_PARTNER: &str = "12345678901";
const ACTOR: &str = "cli";

struct Env {
    conn: DbConnection,
    _dir: tempfile::TempDir,
    _db: common::DropDatabase,
}

/// 2030-01-`day` `h`:`m`:`s` UTC.
fn at(day: u32, h: u32, m: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2030, 1, day)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap()
}

fn t0() -> NaiveDateTime {
    at(10, 12, 0, 0)
}

fn org(fc: &str) -> OrgFiscalCode {
    OrgFiscalCode::parse("org", fc).unwrap()
}

fn partner(fc: &str) -> PartnerFiscalCode {
    PartnerFiscalCode::parse("partner", fc).unwrap()
}

fn scope(list: &str) -> Scope {
    Scope::parse_list("scope", list).unwrap()
}

/// A fresh database with institutions A and B and partners PARTNER and OTHER_PARTNER.
async fn setup(backend: Backend) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = common::database_url(backend, &dir);
    let mut conn = store::connect_single(&DatabaseUrl::parse(&url).unwrap()).unwrap();
    for fc in [ORG_A, ORG_B] {
        let o = Organization::new(org(fc), &format!("Comune {fc}"), None, 3, None, vec![]).unwrap();
        orgs::add_org(&mut conn, &o, t0()).unwrap();
    }
    for (fc, name) in [
        (PARTNER, "Partner Tecnologico Srl"),
        (OTHER_PARTNER, "Altro"),
    ] {
        let p = Partner::new(partner(fc), name).unwrap();
        assert_eq!(
            partners::add(&mut conn, &p, t0()).unwrap(),
            Registration::Created
        );
    }
    Env {
        conn,
        _dir: dir,
        _db: db,
    }
}

impl Env {
    fn key(&mut self, owner: Principal, options: KeyOptions) -> keys::NewKey {
        keys::create(&mut self.conn, &owner, &options, ACTOR, t0()).unwrap()
    }

    fn org_key(&mut self, fc: &str, list: &str) -> String {
        let options = KeyOptions {
            scope: scope(list),
            ..KeyOptions::default()
        };
        self.key(Principal::Institution(org(fc)), options).secret
    }

    fn partner_key(&mut self, fc: &str, list: &str) -> String {
        let options = KeyOptions {
            scope: scope(list),
            ..KeyOptions::default()
        };
        self.key(Principal::Partner(partner(fc)), options).secret
    }

    fn auth(&mut self, secret: &str, path_org: &str, now: NaiveDateTime) -> Result<Access, Denied> {
        authorize(&mut self.conn, secret, path_org, now).unwrap()
    }

    /// The principal and scope a key gets for `path_org` at t0.
    fn reach(&mut self, secret: &str, path_org: &str) -> Result<(Principal, Scope), Denied> {
        self.auth(secret, path_org, t0()).map(|a| {
            assert_eq!(a.org.fiscal_code.as_str(), path_org);
            (a.principal, a.scope)
        })
    }

    fn grant(&mut self, o: &str, p: &str, list: &str) -> Granted {
        delegations::grant(
            &mut self.conn,
            &org(o),
            &partner(p),
            &scope(list),
            ACTOR,
            t0(),
        )
        .unwrap()
    }

    fn audit(&mut self) -> Vec<(String, String, String)> {
        let mut entries = audit::list(&mut self.conn, 1000).unwrap();
        entries.reverse();
        entries
            .into_iter()
            .map(|e| (e.action, e.subject, e.detail))
            .collect()
    }
}

fn not_allowed(fc: &str) -> Denied {
    Denied::Forbidden(format!(
        "This API key is not allowed to act for organization {fc}"
    ))
}

fn invalid_key() -> Denied {
    Denied::Unauthorized("Access denied: the API key is not valid".to_owned())
}

fn not_found(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Domain(DomainError::NotFound(m))) => m,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn institution_keys(mut env: Env) {
    let key = env.org_key(ORG_A, "");
    let a = Principal::Institution(org(ORG_A));
    assert_eq!(env.reach(&key, ORG_A), Ok((a.clone(), Scope::All)));
    assert_eq!(
        env.auth(&key, ORG_A, t0()).unwrap().org.name,
        "Comune 77777777777"
    );
    assert_eq!(env.reach(&key, ORG_B), Err(not_allowed(ORG_B)));
    assert_eq!(
        env.reach(&key, "99999999999"),
        Err(not_allowed("99999999999"))
    );
    assert_eq!(env.reach("gpd_nope", ORG_A), Err(invalid_key()));
    assert_eq!(env.reach("", ORG_A), Err(invalid_key()));
    // A scoped institution key acts within its scope.
    let scoped = env.org_key(ORG_A, "0102108,0101");
    assert_eq!(env.reach(&scoped, ORG_A), Ok((a, scope("0101,0102108"))));
    // A partner's delegation does not widen an institution key of another institution.
    env.grant(ORG_B, PARTNER, "");
    assert_eq!(env.reach(&key, ORG_B), Err(not_allowed(ORG_B)));
}

async fn partner_keys_need_a_delegation(mut env: Env) {
    let key = env.partner_key(PARTNER, "");
    let p = Principal::Partner(partner(PARTNER));
    let no_delegation = |fc: &str| {
        Err(Denied::Forbidden(format!(
            "Partner {PARTNER} has no delegation from organization {fc}"
        )))
    };
    assert_eq!(env.reach(&key, ORG_A), no_delegation(ORG_A));
    // A delegation to another partner lets nobody else in.
    env.grant(ORG_A, OTHER_PARTNER, "");
    assert_eq!(env.reach(&key, ORG_A), no_delegation(ORG_A));
    assert_eq!(env.grant(ORG_A, PARTNER, "0101,0102108"), Granted::New);
    assert_eq!(
        env.reach(&key, ORG_A),
        Ok((p.clone(), scope("0101,0102108")))
    );
    // Only for the institution that delegated; an unregistered one is "not allowed".
    assert_eq!(env.reach(&key, ORG_B), no_delegation(ORG_B));
    assert_eq!(
        env.reach(&key, "99999999999"),
        Err(not_allowed("99999999999"))
    );
    // Delegation scope ∩ key scope.
    let narrow = env.partner_key(PARTNER, "0101108,0102,0201");
    assert_eq!(
        env.reach(&narrow, ORG_A),
        Ok((p.clone(), scope("0101108,0102108")))
    );
    let disjoint = env.partner_key(PARTNER, "0201");
    assert_eq!(
        env.reach(&disjoint, ORG_A),
        Ok((p.clone(), Scope::Prefixes(vec![])))
    );
    env.grant(ORG_B, PARTNER, "");
    assert_eq!(
        env.reach(&narrow, ORG_B),
        Ok((p, scope("0101108,0102,0201")))
    );
    // The other partner's key acts for A with its own (full) delegation.
    let other = env.partner_key(OTHER_PARTNER, "");
    assert_eq!(
        env.reach(&other, ORG_A),
        Ok((Principal::Partner(partner(OTHER_PARTNER)), Scope::All))
    );
}

async fn expired_and_revoked_keys(mut env: Env) {
    let options = KeyOptions {
        expires: Some(NaiveDate::from_ymd_opt(2030, 1, 10).unwrap()),
        label: Some(KeyLabel::parse("label", "gestionale TARI").unwrap()),
        ..KeyOptions::default()
    };
    let key = env.key(Principal::Institution(org(ORG_A)), options.clone());
    assert!(env.auth(&key.secret, ORG_A, at(10, 23, 59, 59)).is_ok());
    let expired = Denied::Unauthorized("Access denied: the API key expired on 2030-01-10".into());
    assert_eq!(
        env.auth(&key.secret, ORG_A, at(11, 0, 0, 0)),
        Err(expired.clone())
    );
    // Expired comes before "not allowed": the key is not valid at all.
    assert_eq!(env.auth(&key.secret, ORG_B, at(11, 0, 0, 0)), Err(expired));
    // A key cannot be created already expired.
    let late = keys::create(
        &mut env.conn,
        &Principal::Institution(org(ORG_A)),
        &options,
        ACTOR,
        at(11, 0, 0, 0),
    );
    assert!(
        matches!(&late, Err(StoreError::Domain(DomainError::Validation(f))) if f.path == "expires"),
        "{:?}",
        late.err()
    );

    let partner_key = env.key(Principal::Partner(partner(PARTNER)), options);
    env.grant(ORG_A, PARTNER, "");
    assert!(env.auth(&partner_key.secret, ORG_A, t0()).is_ok());
    assert!(keys::revoke(&mut env.conn, &partner_key.key_id, ACTOR, t0()).unwrap());
    assert_eq!(
        env.auth(&partner_key.secret, ORG_A, t0()),
        Err(invalid_key())
    );
    assert!(!keys::revoke(&mut env.conn, &partner_key.key_id, ACTOR, t0()).unwrap());
    assert!(!keys::revoke(&mut env.conn, "nope", ACTOR, t0()).unwrap());
    assert!(env.auth(&key.secret, ORG_A, t0()).is_ok());

    let listed = keys::list(&mut env.conn, Some(&Principal::Partner(partner(PARTNER)))).unwrap();
    assert_eq!(listed.len(), 1);
    let info = &listed[0];
    assert_eq!(info.key_id, partner_key.key_id);
    assert_eq!(info.owner, Principal::Partner(partner(PARTNER)));
    assert_eq!(info.label.as_deref(), Some("gestionale TARI"));
    assert_eq!(info.scope, Scope::All);
    assert_eq!(info.created_at, t0());
    assert_eq!(info.expires_at, NaiveDate::from_ymd_opt(2030, 1, 10));
    assert_eq!(info.revoked_at, Some(t0()));
    assert_eq!(keys::list(&mut env.conn, None).unwrap().len(), 2);
    let message = not_found(keys::list(
        &mut env.conn,
        Some(&Principal::Partner(partner("99999999999"))),
    ));
    assert_eq!(
        message,
        "partner 99999999999 is not registered; run `partner add` first"
    );
    let message = not_found(keys::create(
        &mut env.conn,
        &Principal::Institution(org("99999999999")),
        &KeyOptions::default(),
        ACTOR,
        t0(),
    ));
    assert_eq!(
        message,
        "organization 99999999999 is not registered; run `org add` first"
    );
}

async fn delegations_revoke_and_replace(mut env: Env) {
    let key = env.partner_key(PARTNER, "");
    let p = Principal::Partner(partner(PARTNER));
    assert_eq!(env.grant(ORG_A, PARTNER, "0101"), Granted::New);
    assert_eq!(env.reach(&key, ORG_A), Ok((p.clone(), scope("0101"))));
    assert_eq!(
        env.grant(ORG_A, PARTNER, "0201,0101108TS"),
        Granted::Replaced {
            previous: scope("0101")
        }
    );
    assert_eq!(
        env.reach(&key, ORG_A),
        Ok((p.clone(), scope("0101108TS,0201")))
    );
    assert_eq!(
        env.grant(ORG_A, PARTNER, "0101108TS,0201"),
        Granted::Unchanged
    );
    assert_eq!(
        delegations::active(&mut env.conn, &org(ORG_A), &partner(PARTNER)).unwrap(),
        Some(scope("0101108TS,0201"))
    );

    let revoked =
        delegations::revoke(&mut env.conn, &org(ORG_A), &partner(PARTNER), ACTOR, t0()).unwrap();
    assert_eq!(revoked.scope, scope("0101108TS,0201"));
    assert_eq!(revoked.revoked_at, Some(t0()));
    assert_eq!(
        env.reach(&key, ORG_A),
        Err(Denied::Forbidden(format!(
            "Partner {PARTNER} has no delegation from organization {ORG_A}"
        )))
    );
    assert_eq!(
        delegations::active(&mut env.conn, &org(ORG_A), &partner(PARTNER)).unwrap(),
        None
    );
    assert_eq!(
        not_found(delegations::revoke(
            &mut env.conn,
            &org(ORG_A),
            &partner(PARTNER),
            ACTOR,
            t0()
        )),
        format!("organization {ORG_A} has no active delegation to partner {PARTNER}")
    );
    // Granted again: a new row; the history keeps the two ended ones.
    assert_eq!(env.grant(ORG_A, PARTNER, ""), Granted::New);
    assert_eq!(env.reach(&key, ORG_A), Ok((p.clone(), Scope::All)));
    env.grant(ORG_B, OTHER_PARTNER, "01");

    let of_a = Principal::Institution(org(ORG_A));
    let history = delegations::list(&mut env.conn, Some(&of_a), true).unwrap();
    let scopes: Vec<_> = history
        .iter()
        .map(|d| (d.scope.to_string(), d.revoked_at.is_some()))
        .collect();
    assert_eq!(
        scopes,
        [
            ("0101".to_owned(), true),
            ("0101108TS,0201".to_owned(), true),
            ("all".to_owned(), false)
        ]
    );
    let active = delegations::list(&mut env.conn, None, false).unwrap();
    let pairs: Vec<_> = active
        .iter()
        .map(|d| (d.org.to_string(), d.partner.to_string()))
        .collect();
    assert_eq!(
        pairs,
        [
            (ORG_A.to_owned(), PARTNER.to_owned()),
            (ORG_B.to_owned(), OTHER_PARTNER.to_owned())
        ]
    );
    let to_other = Principal::Partner(partner(OTHER_PARTNER));
    assert_eq!(
        delegations::list(&mut env.conn, Some(&to_other), false)
            .unwrap()
            .len(),
        1
    );

    // Both parties must exist; an empty list of prefixes is not "everything".
    let unknown = |env: &mut Env, o: &str, p: &str| {
        not_found(delegations::grant(
            &mut env.conn,
            &org(o),
            &partner(p),
            &Scope::All,
            ACTOR,
            t0(),
        ))
    };
    assert_eq!(
        unknown(&mut env, "99999999999", PARTNER),
        "organization 99999999999 is not registered; run `org add` first"
    );
    assert_eq!(
        unknown(&mut env, ORG_A, "99999999999"),
        "partner 99999999999 is not registered; run `partner add` first"
    );
    let empty = delegations::grant(
        &mut env.conn,
        &org(ORG_A),
        &partner(PARTNER),
        &Scope::Prefixes(vec![]),
        ACTOR,
        t0(),
    );
    assert!(
        matches!(empty, Err(StoreError::Domain(DomainError::Validation(_)))),
        "{empty:?}"
    );
    assert_eq!(env.reach(&key, ORG_A), Ok((p, Scope::All)));
}

async fn last_use_is_written_at_most_once_a_minute(mut env: Env) {
    let key = env.key(Principal::Institution(org(ORG_A)), KeyOptions::default());
    let last_used = |env: &mut Env| {
        keys::list(&mut env.conn, Some(&Principal::Institution(org(ORG_A))))
            .unwrap()
            .into_iter()
            .find(|k| k.key_id == key.key_id)
            .unwrap()
            .last_used_at
    };
    assert_eq!(last_used(&mut env), None);
    let start = at(10, 12, 0, 0);
    env.auth(&key.secret, ORG_A, start).unwrap();
    assert_eq!(last_used(&mut env), Some(start));
    env.auth(&key.secret, ORG_A, at(10, 12, 0, 30)).unwrap();
    env.auth(&key.secret, ORG_A, at(10, 12, 1, 0)).unwrap();
    assert_eq!(last_used(&mut env), Some(start));
    let later = at(10, 12, 1, 1);
    env.auth(&key.secret, ORG_A, later).unwrap();
    assert_eq!(last_used(&mut env), Some(later));
    // A valid key presented for another institution is still a use of the key.
    let refused = at(10, 12, 5, 0);
    assert!(env.auth(&key.secret, ORG_B, refused).is_err());
    assert_eq!(last_used(&mut env), Some(refused));
    // An expired key is not.
    let expiring = KeyOptions {
        expires: Some(NaiveDate::from_ymd_opt(2030, 1, 10).unwrap()),
        ..KeyOptions::default()
    };
    let old = env.key(Principal::Institution(org(ORG_A)), expiring);
    assert!(env.auth(&old.secret, ORG_A, at(12, 0, 0, 0)).is_err());
    let listed = keys::list(&mut env.conn, None).unwrap();
    assert_eq!(listed[1].key_id, old.key_id);
    assert_eq!(listed[1].last_used_at, None);
}

async fn every_change_is_audited(mut env: Env) {
    env.grant(ORG_A, PARTNER, "0102108,0101");
    env.grant(ORG_A, PARTNER, "0101,0102108"); // unchanged: not recorded
    env.grant(ORG_A, PARTNER, "");
    let options = KeyOptions {
        scope: scope("0101"),
        label: Some(KeyLabel::parse("label", "gestionale TARI").unwrap()),
        expires: NaiveDate::from_ymd_opt(2030, 12, 31),
    };
    let pkey = env.key(Principal::Partner(partner(PARTNER)), options);
    let okey = env.key(Principal::Institution(org(ORG_A)), KeyOptions::default());
    assert!(keys::revoke(&mut env.conn, &okey.key_id, ACTOR, t0()).unwrap());
    delegations::revoke(&mut env.conn, &org(ORG_A), &partner(PARTNER), ACTOR, t0()).unwrap();
    // Refused changes write nothing.
    let _ = delegations::revoke(&mut env.conn, &org(ORG_A), &partner(PARTNER), ACTOR, t0());
    let _ = delegations::grant(
        &mut env.conn,
        &org(ORG_A),
        &partner("99999999999"),
        &Scope::All,
        ACTOR,
        t0(),
    );
    assert!(!keys::revoke(&mut env.conn, &okey.key_id, ACTOR, t0()).unwrap());

    let pair = format!("{ORG_A}->{PARTNER}");
    let entry = |action: &str, subject: &str, detail: &str| {
        (action.to_owned(), subject.to_owned(), detail.to_owned())
    };
    assert_eq!(
        env.audit(),
        [
            entry("delegation.grant", &pair, "scope=0101,0102108"),
            entry("delegation.grant", &pair, "scope=all previous=0101,0102108"),
            entry(
                "key.create",
                &pkey.key_id,
                &format!(
                    "partner={PARTNER} scope=0101 label=\"gestionale TARI\" expires=2030-12-31"
                )
            ),
            entry(
                "key.create",
                &okey.key_id,
                &format!("org={ORG_A} scope=all")
            ),
            entry("key.revoke", &okey.key_id, &format!("org={ORG_A}")),
            entry("delegation.revoke", &pair, "scope=all"),
        ]
    );
    let latest = audit::list(&mut env.conn, 2).unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0].action, "delegation.revoke");
    assert_eq!(latest[0].actor, "cli");
    assert_eq!(latest[0].at, t0());
    assert_eq!(latest[1].action, "key.revoke");
}

async fn partners_are_registered_once(mut env: Env) {
    let same = Partner::new(partner(PARTNER), "Partner Tecnologico Srl").unwrap();
    assert_eq!(
        partners::add(&mut env.conn, &same, t0()).unwrap(),
        Registration::AlreadyRegistered
    );
    let other = Partner::new(partner(PARTNER), "Altro Nome").unwrap();
    match partners::add(&mut env.conn, &other, t0()) {
        Err(StoreError::Conflict(m)) => assert_eq!(
            m,
            "partner 15376371009 is already registered with different data (name 'Partner Tecnologico Srl')"
        ),
        other => panic!("{other:?}"),
    }
    let list = partners::list(&mut env.conn).unwrap();
    assert_eq!(
        list,
        [
            Partner::new(partner(OTHER_PARTNER), "Altro").unwrap(),
            same.clone()
        ]
    );
    assert_eq!(
        partners::find(&mut env.conn, &partner(PARTNER)).unwrap(),
        Some(same)
    );
    let unknown = partners::find(&mut env.conn, &partner("99999999999"));
    assert_eq!(unknown.unwrap(), None);
}

both_backends!(
    setup = super::setup;
    institution_keys,
    partner_keys_need_a_delegation,
    expired_and_revoked_keys,
    delegations_revoke_and_replace,
    last_use_is_written_at_most_once_a_minute,
    every_change_is_audited,
    partners_are_registered_once,
);
