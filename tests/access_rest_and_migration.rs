//! The access model seen from outside the store: REST refusals of expired keys and partner keys
//! without a delegation; and the migration: keys made before it keep working as institution keys
//! with scope everything, it reverts (partner keys go) and applies again, the owner CHECK holds.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::Backend;
use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use gpd_gateway::domain::access::{Partner, PartnerFiscalCode, Principal, Scope};
use gpd_gateway::domain::OrgFiscalCode;
use gpd_gateway::store::access::authorize;
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::{self, partners, DatabaseUrl, DbConnection};
use sha2::{Digest, Sha256};

const ORG_A: &str = "77777777777";
const PARTNER: &str = "15376371009";
const ACTOR: &str = "cli";

fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2030, 1, 10)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

fn org(fc: &str) -> OrgFiscalCode {
    OrgFiscalCode::parse("org", fc).unwrap()
}

fn partner(fc: &str) -> PartnerFiscalCode {
    PartnerFiscalCode::parse("partner", fc).unwrap()
}

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "mysql")]
const MYSQL: EmbeddedMigrations = embed_migrations!("migrations/mysql");
/// Migrations before `2026-11-29-000007_access`.
const BEFORE_ACCESS: usize = 6;

fn harness(conn: &mut DbConnection, step: impl Fn(&mut dyn Harness)) {
    match conn {
        DbConnection::Sqlite(c) => step(&mut Runner(c)),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => step(&mut Runner(c)),
    }
}

trait Harness {
    fn next(&mut self);
    fn revert_last(&mut self);
    fn applied(&mut self) -> usize;
}

struct Runner<'a, C>(&'a mut C);

impl Harness for Runner<'_, diesel::SqliteConnection> {
    fn next(&mut self) {
        self.0.run_next_migration(SQLITE).unwrap();
    }
    fn revert_last(&mut self) {
        self.0.revert_last_migration(SQLITE).unwrap();
    }
    fn applied(&mut self) -> usize {
        self.0.applied_migrations().unwrap().len()
    }
}

#[cfg(feature = "mysql")]
impl Harness for Runner<'_, diesel::MysqlConnection> {
    fn next(&mut self) {
        self.0.run_next_migration(MYSQL).unwrap();
    }
    fn revert_last(&mut self) {
        self.0.revert_last_migration(MYSQL).unwrap();
    }
    fn applied(&mut self) -> usize {
        self.0.applied_migrations().unwrap().len()
    }
}

/// Keys made before the access model keep working, as institution keys with scope
/// everything; and the migration reverts (partner keys go) and applies again.
async fn old_keys_keep_working(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = common::database_url(backend, &dir);
    let mut conn = store::establish(&DatabaseUrl::parse(&url).unwrap()).unwrap();
    for _ in 0..BEFORE_ACCESS {
        harness(&mut conn, |h| h.next());
    }
    let secret = "gpd_0123456789ab_old";
    let hash = hex::encode(Sha256::digest(secret.as_bytes()));
    conn.batch_execute(&format!(
        "INSERT INTO organizations (fiscal_code, name, aux_digit, segregation_codes, created_at) \
             VALUES ('{ORG_A}', 'Comune', 3, '', '2030-01-01 00:00:00');
             INSERT INTO api_keys (key_id, organization_fiscal_code, key_hash, created_at) \
             VALUES ('0123456789ab', '{ORG_A}', '{hash}', '2030-01-01 00:00:00');"
    ))
    .unwrap();
    store::run_migrations(&mut conn).unwrap();
    let access = authorize(&mut conn, secret, ORG_A, t0()).unwrap().unwrap();
    assert_eq!(access.principal, Principal::Institution(org(ORG_A)));
    assert_eq!(access.scope, Scope::All);
    let listed = keys::list(&mut conn, None).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key_id, "0123456789ab");
    assert_eq!(listed[0].last_used_at, Some(t0()));

    let p = Partner::new(partner(PARTNER), "Partner").unwrap();
    partners::add(&mut conn, &p, t0()).unwrap();
    keys::create(
        &mut conn,
        &Principal::Partner(partner(PARTNER)),
        &KeyOptions::default(),
        ACTOR,
        t0(),
    )
    .unwrap();
    // A key of both an institution and a partner is refused by the database itself.
    let both = conn.batch_execute(&format!(
            "INSERT INTO api_keys (key_id, organization_fiscal_code, partner_fiscal_code, key_hash, created_at) \
             VALUES ('ffffffffffff', '{ORG_A}', '{PARTNER}', 'x', '2030-01-01 00:00:00')"
        ));
    let message = both.unwrap_err().to_string().to_lowercase();
    assert!(message.contains("constraint"), "{message}");
    let neither = conn.batch_execute(
        "INSERT INTO api_keys (key_id, key_hash, created_at) \
             VALUES ('eeeeeeeeeeee', 'y', '2030-01-01 00:00:00')",
    );
    let message = neither.unwrap_err().to_string().to_lowercase();
    assert!(message.contains("constraint"), "{message}");
    // Back to before the access model (the migrations after it first).
    harness(&mut conn, |h| {
        while h.applied() > BEFORE_ACCESS {
            h.revert_last();
        }
    });
    conn.batch_execute("SELECT key_id, organization_fiscal_code FROM api_keys")
        .unwrap();
    store::run_migrations(&mut conn).unwrap();
    let listed = keys::list(&mut conn, None).unwrap();
    assert_eq!(listed.len(), 1, "partner keys go with the revert");
    assert!(authorize(&mut conn, secret, ORG_A, t0()).unwrap().is_ok());
}

#[tokio::test]
async fn old_keys_keep_working_sqlite() {
    old_keys_keep_working(Backend::Sqlite).await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn old_keys_keep_working_mysql() {
    old_keys_keep_working(Backend::Mysql).await;
}

mod rest {
    use super::common;
    use super::*;

    /// Through the REST API: an expired key is a 401 naming its day, a partner key without a
    /// delegation a 403 naming the partner.
    async fn rest_refusals(app: common::TestApp) {
        let url = DatabaseUrl::parse(&app.database_url).unwrap();
        let mut conn = store::connect_single(&url).unwrap();
        let now = app.clock.now();
        let today = now.date();
        let options = KeyOptions {
            expires: Some(today),
            ..KeyOptions::default()
        };
        let owner = Principal::Institution(org(common::ORG_A));
        let key = keys::create(&mut conn, &owner, &options, ACTOR, now).unwrap();
        let path = format!("/organizations/{}/debtpositions", common::ORG_A);
        let get = |key: String| {
            let (app, path) = (&app, &path);
            async move { app.send(reqwest::Method::GET, path, Some(&key), None).await }
        };
        assert_eq!(get(key.secret.clone()).await.status, 200);
        app.clock
            .set(today.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap());
        let reply = get(key.secret).await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.body["detail"],
            format!("Access denied: the API key expired on {today}")
        );

        let p = Partner::new(partner(PARTNER), "Partner").unwrap();
        partners::add(&mut conn, &p, now).unwrap();
        let pkey = keys::create(
            &mut conn,
            &Principal::Partner(partner(PARTNER)),
            &KeyOptions::default(),
            ACTOR,
            now,
        )
        .unwrap();
        let reply = get(pkey.secret).await;
        assert_eq!(reply.status, 403);
        assert_eq!(
            reply.body["detail"],
            format!(
                "Partner {PARTNER} has no delegation from organization {}",
                common::ORG_A
            )
        );
    }

    both_backends!(rest_refusals);
}
