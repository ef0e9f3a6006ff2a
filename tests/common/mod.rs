//! Test harness: the real server on a random port over a fresh database (SQLite or MariaDB).
#![allow(dead_code)]

pub mod nodo;
pub mod xsd;

use std::time::Duration;

use gpd_gateway::app::Application;
use gpd_gateway::clock::Clock;
use gpd_gateway::config::{DatabaseConfig, ServeConfig};
use gpd_gateway::domain::access::Principal;
use gpd_gateway::domain::{self, OrgFiscalCode, Organization, SegregationCode};
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::{self, orgs, DatabaseUrl};
use serde_json::{json, Value};

pub const ORG_A: &str = "77777777777";
pub const ORG_B: &str = "88888888888";
pub const KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// The key sealing webhook secrets in every test server and command (one keyring per process).
pub const TEST_SECRET_KEYS: &str = "test:c2VhbGluZyBrZXkgb2YgdGhlIHRlc3Qgc3VpdGUhISE=";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Mysql,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database_url: String,
    /// API key of ORG_A and of ORG_B.
    pub key_a: String,
    pub key_b: String,
    pub backend: Backend,
    /// The server's clock: tests move it instead of sleeping.
    pub clock: Clock,
    _dir: tempfile::TempDir,
    _database: DropDatabase,
}

/// Where MariaDB/MySQL test databases are created (one per test): GPD_TEST_MYSQL_URL
/// (`tests/run` sets it to its private instance), else a local server on the default port.
pub fn mysql_server_url() -> String {
    std::env::var("GPD_TEST_MYSQL_URL")
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

/// `host:port` of the test server, and its URL with that part replaced by `addr` (e.g. a proxy).
pub fn mysql_server_addr() -> String {
    let url = mysql_server_url();
    let authority = url.rsplit('@').next().unwrap_or_default();
    let authority = authority.trim_start_matches("mysql://");
    if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:3306")
    }
}

pub fn mysql_server_url_via(addr: &str) -> String {
    let url = mysql_server_url();
    match url.rfind('@') {
        Some(at) => format!("{}@{addr}", &url[..at]),
        None => format!("mysql://{addr}"),
    }
}

#[cfg(feature = "mysql")]
fn mysql_admin(sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    // information_schema always exists: nothing has to be prepared on the server.
    let url = format!("{}/information_schema", mysql_server_url());
    let mut conn = diesel::MysqlConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "MariaDB/MySQL test server not reachable at {}: {e} (set GPD_TEST_MYSQL_URL, or run ./tests/run, which starts a private one)",
            gpd_gateway::store::redact_url(&url)
        )
    });
    conn.batch_execute(sql).expect("admin statement");
}

#[cfg(not(feature = "mysql"))]
fn mysql_admin(_sql: &str) {
    panic!("MySQL tests need `--features mysql`");
}

/// Drops the MariaDB test database it names when it goes out of scope (keep it bound, e.g. to
/// `_db`, for as long as the database is used).
pub struct DropDatabase(Option<String>);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.0.take() {
            // Best effort: a leftover database does not affect other tests.
            let _ = std::panic::catch_unwind(|| {
                mysql_admin(&format!("DROP DATABASE IF EXISTS `{name}`"))
            });
        }
    }
}

/// A fresh database: a SQLite file in `dir`, or a new MariaDB database dropped with the guard.
pub fn database_url(backend: Backend, dir: &tempfile::TempDir) -> (String, DropDatabase) {
    match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("test.db").display()),
            DropDatabase(None),
        ),
        Backend::Mysql => {
            let name = format!("gpdtest_{}", uuid::Uuid::new_v4().simple());
            mysql_admin(&format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ));
            (
                format!("{}/{name}", mysql_server_url()),
                DropDatabase(Some(name)),
            )
        }
    }
}

/// Runs the command line on `database_url`: (success, stdout, stderr).
pub fn gpd(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let log_dir = std::env::var_os(LOG_DIR_VAR);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("GPD_SECRET_KEYS", TEST_SECRET_KEYS)
        .env("RUST_LOG", if log_dir.is_some() { "debug" } else { "warn" })
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(dir) = log_dir {
        let dir = std::path::Path::new(&dir);
        append(
            &dir.join(format!("cli-{}.log", std::process::id())),
            &stderr,
        );
        // What the command printed for the user: the secrets the logs must never show.
        append(&dir.join("printed-secrets.txt"), &stdout);
    }
    (out.status.success(), stdout, stderr)
}

/// With this variable set (tests/run sets it), the service's logs of every test, at debug level,
/// are kept in that directory: `tests/tools/check_log_secrets.py` then looks for secrets in them.
pub const LOG_DIR_VAR: &str = "GPD_TEST_LOG_DIR";

fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("test log file opens");
    file.write_all(text.as_bytes()).expect("test log written");
}

/// Sends what this test process's servers log to `$GPD_TEST_LOG_DIR/<binary>-<pid>.log`, once.
pub fn log_to_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Some(dir) = std::env::var_os(LOG_DIR_VAR) else {
            return;
        };
        let exe = std::env::current_exe().expect("test binary path");
        let name = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("test");
        let path = std::path::Path::new(&dir).join(format!("{name}-{}.log", std::process::id()));
        let file = std::fs::File::create(path).expect("test log file created");
        let _ = env_logger::Builder::new()
            .parse_filters("debug")
            .target(env_logger::Target::Pipe(Box::new(file)))
            .try_init();
    });
}

/// Registers an institution (aux digit 3) and returns a fresh API key for it.
pub fn register(database_url: &str, fiscal_code: &str, segregation_codes: &[&str]) -> String {
    register_with(database_url, fiscal_code, 3, None, segregation_codes)
}

/// Registers an institution with this aux digit, application code and segregation codes.
pub fn register_with(
    database_url: &str,
    fiscal_code: &str,
    aux_digit: u8,
    application_code: Option<&str>,
    segregation_codes: &[&str],
) -> String {
    let mut conn = store::connect_single(&DatabaseUrl::parse(database_url).unwrap()).unwrap();
    let codes = segregation_codes
        .iter()
        .map(|c| SegregationCode::parse("code", c).unwrap())
        .collect();
    let org = Organization::new(
        OrgFiscalCode::parse("fc", fiscal_code).unwrap(),
        &format!("Comune {fiscal_code}"),
        None,
        aux_digit,
        application_code,
        codes,
    )
    .unwrap();
    orgs::add_org(&mut conn, &org, domain::now()).unwrap();
    let key = keys::create(
        &mut conn,
        &Principal::Institution(org.fiscal_code),
        &KeyOptions::default(),
        "test",
        domain::now(),
    )
    .unwrap()
    .secret;
    record_secret(&key);
    key
}

/// Adds a secret a test made (not through `gpd`) to those the logs must never show.
pub fn record_secret(secret: &str) {
    if let Some(dir) = std::env::var_os(LOG_DIR_VAR) {
        append(
            &std::path::Path::new(&dir).join("printed-secrets.txt"),
            &format!("{secret}\n"),
        );
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, database) = database_url(backend, &dir);
    let key_a = register(&database_url, ORG_A, &[]);
    let key_b = register(&database_url, ORG_B, &[]);
    let clock = Clock::shifted();
    let server_clock = clock.clone();
    let (base, _) = start_server(&database_url, move |config| {
        config.clock = server_clock;
        tweak(config)
    })
    .await;
    TestApp {
        base,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        database_url,
        key_a,
        key_b,
        backend,
        clock,
        _dir: dir,
        _database: database,
    }
}

/// Starts one more instance of the service on `database_url`; the handle stops it.
pub async fn start_server(
    database_url: &str,
    tweak: impl FnOnce(&mut ServeConfig),
) -> (String, actix_web::dev::ServerHandle) {
    log_to_file();
    let mut config = ServeConfig {
        bind: "127.0.0.1:0".to_owned(),
        environment: "test".to_owned(),
        db_pool_size: 10,
        status_job_interval_secs: 3600,
        workers: Some(2),
        ..ServeConfig::default_from_env().unwrap()
    };
    tweak(&mut config);
    let app = Application::build(
        &DatabaseConfig {
            database_url: database_url.to_owned(),
            secret_keys: TEST_SECRET_KEYS.to_owned(),
        },
        config,
    )
    .unwrap();
    let base = format!("http://{}", app.addr());
    let handle = app.handle();
    tokio::spawn(app.run());
    (base, handle)
}

/// Serves `handler` (every path and method) on a free port of 127.0.0.1 with `state` as its app
/// data: a webhook or callback inside a test. Returns `http://127.0.0.1:PORT`.
pub fn serve_local<S, F, Args>(state: std::sync::Arc<S>, handler: F, workers: usize) -> String
where
    S: Send + Sync + 'static,
    F: actix_web::Handler<Args> + Clone + Send + 'static,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let data = actix_web::web::Data::from(state);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .default_service(actix_web::web::to(handler.clone()))
    })
    .workers(workers)
    .bind("127.0.0.1:0")
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    base
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(key) = key {
            req = req.header(KEY_HEADER, key);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(&self.key_a), None)
            .await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> Reply {
        self.send(reqwest::Method::POST, path, Some(&self.key_a), body)
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(&self.key_a), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, Some(&self.key_a), None)
            .await
    }

    /// Creates a position of ORG_A and asserts 201.
    pub async fn create(&self, body: &Value, to_publish: bool) -> Value {
        let reply = self
            .post(
                &format!("/organizations/{ORG_A}/debtpositions?toPublish={to_publish}"),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, 201, "create failed: {}", reply.body);
        reply.body
    }
}

/// A 17-digit IUV with segregation code `02` and correct check digits, from a small number.
pub fn iuv(n: u64) -> String {
    domain::notice::iuv_with_check_digits("02", &format!("{n:013}")).unwrap()
}

/// A valid position of ORG_A: one single option of 12.30 euros in two transfers.
pub fn position(iupd: &str, iuv: &str) -> Value {
    json!({
        "iupd": iupd,
        "type": "F",
        "fiscalCode": "RSSMRA80A01H501U",
        "fullName": "Mario Rossi",
        "streetName": "Via Roma",
        "civicNumber": "1",
        "postalCode": "00100",
        "city": "Roma",
        "province": "RM",
        "region": "Lazio",
        "country": "IT",
        "email": "mario.rossi@example.it",
        "phone": "+39061234567",
        "switchToExpired": false,
        "companyName": "Comune di Prova",
        "officeName": "Ufficio Tributi",
        "paymentOption": [option(iuv, 1230, "2030-12-31T23:59:59")]
    })
}

pub fn option(iuv: &str, amount: i64, due: &str) -> Value {
    let first = amount - 200;
    json!({
        "iuv": iuv,
        "amount": amount,
        "description": "Tassa rifiuti 2030",
        "isPartialPayment": false,
        "dueDate": due,
        "retentionDate": "2031-12-31T23:59:59",
        "paymentOptionMetadata": [{"key": "anno", "value": "2030"}],
        "transfer": [
            {"idTransfer": "1", "amount": first, "remittanceInformation": "Tassa rifiuti", "category": "9/0101108TS/",
             "iban": "IT60X0542811101000000123456", "postalIban": "IT60X0760103200000000123456",
             "transferMetadata": [{"key": "capitolo", "value": "1234"}]},
            {"idTransfer": "2", "amount": 200, "organizationFiscalCode": "99999999999", "companyName": "Provincia",
             "remittanceInformation": "Tributo provinciale", "category": "9/0201109AP/",
             "iban": "IT60X0542811101000000654321"}
        ]
    })
}

/// Generates, for each listed test function taking a `TestApp`, one test per database backend.
/// `setup = super::app;` first uses that `async fn(Backend) -> TestApp` instead of `spawn_app`;
/// `backend;` first passes the `Backend` itself.
#[macro_export]
macro_rules! both_backends {
    (setup = $setup:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($setup(super::common::Backend::Sqlite).await).await
                }
            )*
        }
        #[cfg(feature = "mysql")]
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($setup(super::common::Backend::Mysql).await).await
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::both_backends!(setup = super::common::spawn_app; $($name),*);
    };
    // Test functions taking the `Backend` itself (they set up what they need).
    (backend; $($name:ident),* $(,)?) => {
        $crate::both_backends!(setup = std::future::ready; $($name),*);
    };
}
