//! The command line, as an operator uses it, on a fresh database.

mod common;

use std::process::Command;

use common::Backend;

fn gpd(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn org_and_key_round_trip(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = common::database_url(backend, &dir);

    let (ok, out, _) = gpd(&url, &["migrate"]);
    assert!(ok);
    assert!(out.contains("migrations applied"), "{out}");
    let add = [
        "org",
        "add",
        "--fiscal-code",
        "15376371009",
        "--name",
        "Comune di Prova",
        "--segregation-code",
        "02",
        "--segregation-code",
        "47",
    ];
    let (ok, out, err) = gpd(&url, &add);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "organization 15376371009 registered");
    let (ok, out, _) = gpd(&url, &add);
    assert!(ok);
    assert_eq!(
        out.trim(),
        "organization 15376371009 already registered with the same data"
    );
    let (ok, _, err) = gpd(
        &url,
        &[
            "org",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Altro Comune",
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("already registered with different data"),
        "{err}"
    );
    let (ok, _, err) = gpd(&url, &["org", "add", "--fiscal-code", "123", "--name", "X"]);
    assert!(!ok);
    assert!(err.contains("fiscal-code"), "{err}");
    let (ok, out, _) = gpd(&url, &["org", "list"]);
    assert!(ok);
    assert!(
        out.contains("15376371009\tComune di Prova\taux digit 3\tsegregation codes [02,47]"),
        "{out}"
    );

    let (ok, out, err) = gpd(&url, &["key", "create", "--org", "15376371009"]);
    assert!(ok, "{err}");
    let key = out.lines().last().unwrap().trim().to_owned();
    assert!(key.starts_with("gpd_"), "{out}");
    let (ok, _, err) = gpd(&url, &["key", "create", "--org", "99999999999"]);
    assert!(!ok);
    assert!(err.contains("not registered"), "{err}");

    // The key works against a server on the same database.
    let app = gpd_gateway::app::Application::build(
        &gpd_gateway::config::DatabaseConfig {
            database_url: url.clone(),
        },
        gpd_gateway::config::ServeConfig {
            bind: "127.0.0.1:0".to_owned(),
            environment: "test".to_owned(),
            db_pool_size: 4,
            status_job_interval_secs: 3600,
            workers: Some(1),
            ..gpd_gateway::config::ServeConfig::default_from_env().unwrap()
        },
    )
    .unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run());
    let client = reqwest::Client::new();
    let list = format!("{base}/organizations/15376371009/debtpositions");
    let res = client
        .get(&list)
        .header(common::KEY_HEADER, &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let (ok, out, err) = gpd(
        &url,
        &[
            "webhook",
            "set",
            "--org",
            "15376371009",
            "--url",
            "https://ec.example/hook",
        ],
    );
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{out}");
    let (ok, out, _) = gpd(&url, &["webhook", "show", "--org", "15376371009"]);
    assert!(ok);
    assert!(
        out.starts_with("15376371009\thttps://ec.example/hook\tenabled"),
        "{out}"
    );
    assert!(!out.contains(&secret));
    let (ok, out, _) = gpd(&url, &["webhook", "rotate-secret", "--org", "15376371009"]);
    assert!(ok);
    assert_ne!(out.lines().last().unwrap().trim(), secret);
    let (ok, out, _) = gpd(&url, &["webhook", "disable", "--org", "15376371009"]);
    assert!(ok);
    assert!(out.contains("disabled (disabled by the operator)"), "{out}");
    let (ok, _, err) = gpd(
        &url,
        &[
            "webhook",
            "set",
            "--org",
            "15376371009",
            "--url",
            "not a url",
        ],
    );
    assert!(!ok);
    assert!(err.contains("url"), "{err}");
    let (ok, out, err) = gpd(
        &url,
        &[
            "station",
            "add",
            "--broker",
            "15376371009",
            "--station",
            "15376371009_01",
            "--org",
            "15376371009",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("linked to organization 15376371009 (primitives v2)"),
        "{out}"
    );
    let (ok, out, _) = gpd(&url, &["station", "list"]);
    assert!(ok);
    assert_eq!(out.trim(), "15376371009\t15376371009\t15376371009_01\tv2");

    let (ok, out, _) = gpd(&url, &["key", "list", "--org", "15376371009"]);
    assert!(ok);
    let key_id = out.split('\t').next().unwrap().to_owned();
    assert!(out.contains("active"), "{out}");
    assert!(!out.contains(&key), "the secret must never be listed");
    let (ok, out, _) = gpd(&url, &["key", "revoke", "--key-id", &key_id]);
    assert!(ok);
    assert_eq!(out.trim(), format!("API key {key_id} revoked"));
    let res = client
        .get(&list)
        .header(common::KEY_HEADER, &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (ok, _, err) = gpd(&url, &["key", "revoke", "--key-id", &key_id]);
    assert!(!ok);
    assert!(err.contains("no active API key"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_and_key_round_trip_sqlite() {
    org_and_key_round_trip(Backend::Sqlite).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_and_key_round_trip_mysql() {
    org_and_key_round_trip(Backend::Mysql).await;
}
