//! The command line, as an operator uses it, on a fresh database.

mod common;

use std::process::Command;

use common::Backend;

use common::gpd;

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
    assert_eq!(
        out,
        "FISCAL CODE\tNAME\tOFFICE\tAUX DIGIT\tAPPLICATION CODE\tSEGREGATION CODES\n\
         15376371009\tComune di Prova\t-\t3\t-\t02,47\n"
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
            secret_keys: common::TEST_SECRET_KEYS.to_owned(),
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
    assert_eq!(
        out,
        "ORGANIZATION\tBROKER\tSTATION\tPRIMITIVES\n15376371009\t15376371009\t15376371009_01\tv2\n"
    );

    let (ok, out, _) = gpd(&url, &["key", "list", "--org", "15376371009"]);
    assert!(ok);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("KEY ID\tLABEL\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tSTATE\tOWNER")
    );
    let key_id = lines.next().unwrap().split('\t').next().unwrap().to_owned();
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

async fn org_update(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = common::database_url(backend, &dir);
    let update = |args: &[&str]| {
        let mut all = vec!["org", "update", "--fiscal-code", "15376371009"];
        all.extend_from_slice(args);
        gpd(&url, &all)
    };
    let (ok, _, err) = update(&["--name", "Comune Nuovo"]);
    assert!(!ok);
    assert!(err.contains("15376371009 is not registered"), "{err}");
    let (ok, _, err) = gpd(
        &url,
        &[
            "org",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Comune di Prova",
            "--segregation-code",
            "02",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = update(&[]);
    assert!(!ok);
    assert!(err.contains("nothing to change"), "{err}");

    let (ok, out, err) = update(&[
        "--name",
        "Comune Nuovo",
        "--office-name",
        "Ufficio Tributi",
        "--segregation-code",
        "02,47",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "organization 15376371009 updated");
    let (ok, out, _) = update(&["--name", "Comune Nuovo"]);
    assert!(ok);
    assert_eq!(
        out.trim(),
        "organization 15376371009 unchanged: it already has this data"
    );
    let (_, out, _) = gpd(&url, &["org", "list"]);
    assert!(
        out.ends_with("\n15376371009\tComune Nuovo\tUfficio Tributi\t3\t-\t02,47\n"),
        "{out}"
    );
    // An empty office removes it; --any-segregation-code removes the codes.
    let (ok, _, err) = update(&["--office", "", "--any-segregation-code"]);
    assert!(ok, "{err}");
    let (_, out, _) = gpd(&url, &["org", "list"]);
    assert!(
        out.ends_with("\n15376371009\tComune Nuovo\t-\t3\t-\tany\n"),
        "{out}"
    );
    let (ok, _, err) = update(&["--segregation-code", "1"]);
    assert!(!ok);
    assert!(err.contains("segregation-code"), "{err}");
    // `org add` with the new data is now a no-op.
    let (ok, out, _) = gpd(
        &url,
        &[
            "org",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Comune Nuovo",
        ],
    );
    assert!(ok);
    assert!(
        out.contains("already registered with the same data"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_update_sqlite() {
    org_update(Backend::Sqlite).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_update_mysql() {
    org_update(Backend::Mysql).await;
}

#[test]
fn empty_listings_print_their_header() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gpd.db").display());
    for (args, header) in [
        (
            &["org", "list"][..],
            "FISCAL CODE\tNAME\tOFFICE\tAUX DIGIT\tAPPLICATION CODE\tSEGREGATION CODES\n",
        ),
        (
            &["key", "list"][..],
            "KEY ID\tLABEL\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tSTATE\tOWNER\n",
        ),
        (&["partner", "list"][..], "FISCAL CODE\tNAME\n"),
        (
            &["delegation", "list"][..],
            "ORGANIZATION\tPARTNER\tSCOPE\tGRANTED\tSTATE\n",
        ),
        (
            &["audit", "list"][..],
            "ID\tAT\tACTOR\tACTION\tSUBJECT\tDETAIL\n",
        ),
        (
            &["station", "list"][..],
            "ORGANIZATION\tBROKER\tSTATION\tPRIMITIVES\n",
        ),
    ] {
        let (ok, out, err) = gpd(&url, args);
        assert!(ok, "{err}");
        assert_eq!(out, header);
    }
}

#[test]
fn in_memory_and_empty_sqlite_urls_are_refused() {
    for url in ["sqlite://:memory:", "sqlite::memory:", "sqlite://"] {
        for args in [&["org", "list"][..], &["migrate"][..], &["serve"][..]] {
            let (ok, _, err) = gpd(url, args);
            assert!(!ok, "{url} {args:?} was accepted");
            assert!(err.contains("sqlite://gpd-gateway.db"), "{url}: {err}");
        }
    }
    let (_, _, err) = gpd("sqlite://:memory:", &["org", "list"]);
    assert!(err.contains("in-memory"), "{err}");
}

#[test]
fn database_url_passwords_are_not_repeated() {
    let (ok, _, err) = gpd("postgres://gpd:topsecret@db.example/gpd", &["org", "list"]);
    assert!(!ok);
    assert!(err.contains("postgres://gpd:***@db.example/gpd"), "{err}");
    assert!(!err.contains("topsecret"), "{err}");
    #[cfg(feature = "mysql")]
    {
        // Nothing listens on port 1: the connection fails, and the message names the URL.
        let (ok, _, err) = gpd("mysql://gpd:topsecret@127.0.0.1:1/gpd", &["org", "list"]);
        assert!(!ok);
        assert!(err.contains("mysql://gpd:***@127.0.0.1:1/gpd"), "{err}");
        assert!(!err.contains("topsecret"), "{err}");
    }
}

#[test]
fn help_does_not_print_secrets_from_the_environment() {
    for args in [
        &["--help"][..],
        &["serve", "--help"][..],
        &["org", "list", "--help"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
            .args(args)
            .env("DATABASE_URL", "mysql://u:topsecret@h/db")
            .env("GPD_SOAP_KEY", "sekrit")
            .output()
            .expect("binary runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}");
        assert!(text.contains("DATABASE_URL"), "{text}");
        assert!(
            !text.contains("topsecret") && !text.contains("sekrit"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn every_flag_has_a_help_text() {
    use clap::CommandFactory;
    fn check(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.get_help().is_none() && !["help", "version"].contains(&id) {
                missing.push(format!("{path} --{id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            check(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    check(
        &gpd_gateway::cli::Cli::command(),
        "gpd-gateway",
        &mut missing,
    );
    assert!(missing.is_empty(), "flags without help: {missing:?}");
}

#[test]
fn sqlite_open_errors_name_the_file_and_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing").join("gpd.db");
    let (ok, _, err) = gpd(&format!("sqlite://{}", file.display()), &["org", "list"]);
    assert!(!ok);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn the_start_line_names_the_database() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gpd.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut line = String::new();
    let read = std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    let _ = child.kill();
    let _ = child.wait();
    read.unwrap();
    assert!(
        line.starts_with("gpd-gateway listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(
        line.trim_end()
            .ends_with(&format!("(SQLite database {})", file.display())),
        "{line}"
    );
}
