//! Webhook secrets at rest: sealed under GPD_SECRET_KEYS, plaintext ones sealed and older keys
//! retired by `gpd-gateway secrets reseal`, on both databases, through the real command line.

mod common;

use common::{database_url, register, Backend, ORG_A, TEST_SECRET_KEYS};
use diesel::prelude::*;
use gpd_gateway::domain::OrgFiscalCode;
use gpd_gateway::store::schema::webhooks;
use gpd_gateway::store::{self, DatabaseUrl};

/// Runs the command line with these secret keys.
fn gpd_with_keys(url: &str, keys: &str, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("GPD_SECRET_KEYS", keys)
        .env("RUST_LOG", "warn")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn stored_secret(url: &str) -> String {
    let mut conn = store::connect_single(&DatabaseUrl::parse(url).unwrap()).unwrap();
    webhooks::table
        .find(ORG_A)
        .select(webhooks::secret)
        .first(&mut conn)
        .unwrap()
}

async fn sealed_at_rest_and_rotated(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _drop) = database_url(backend, &dir);
    register(&url, ORG_A, &["02"]);

    // Without keys the secret is stored as it is (the service warns at start).
    let (ok, out, err) = gpd_with_keys(
        &url,
        "",
        &[
            "webhook",
            "set",
            "--org",
            ORG_A,
            "--url",
            "https://example.it/hook",
        ],
    );
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{out}");
    assert_eq!(stored_secret(&url), secret);

    // Reseal under the test key: the column no longer holds the secret, which still opens.
    let (ok, out, err) = gpd_with_keys(&url, TEST_SECRET_KEYS, &["secrets", "reseal"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "1 secrets resealed under the first key");
    let sealed = stored_secret(&url);
    assert!(sealed.starts_with("sealed:v1:test:"), "{sealed}");
    assert!(!sealed.contains(&secret[6..]));
    let keyring = store::secrets::Keyring::parse(TEST_SECRET_KEYS).unwrap();
    store::secrets::install(keyring).unwrap();
    let mut conn = store::connect_single(&DatabaseUrl::parse(&url).unwrap()).unwrap();
    let org = OrgFiscalCode::parse("fc", ORG_A).unwrap();
    let hook = store::webhooks::get(&mut conn, &org).unwrap().unwrap();
    assert_eq!(
        hook.secret, secret,
        "opened with the process keyring (the test key)"
    );
    let (ok, out, _) = gpd_with_keys(&url, TEST_SECRET_KEYS, &["secrets", "reseal"]);
    assert!(ok);
    assert_eq!(out.trim(), "0 secrets resealed under the first key");

    // Rotation: a new key first, the old one after; reseal; then the old key can go.
    let (ok, new_key, _) = gpd_with_keys(&url, "", &["secrets", "new-key", "--id", "k2"]);
    assert!(ok);
    let new_key = new_key.trim().to_owned();
    assert!(
        new_key.starts_with("k2:") && new_key.len() == 3 + 44,
        "{new_key}"
    );
    let both = format!("{new_key},{TEST_SECRET_KEYS}");
    let (ok, _, err) = gpd_with_keys(&url, &new_key, &["webhook", "show", "--org", ORG_A]);
    assert!(!ok, "the old key is still needed before the reseal");
    assert!(err.contains("sealed with key 'test'"), "{err}");
    let (ok, out, err) = gpd_with_keys(&url, &both, &["secrets", "reseal"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "1 secrets resealed under the first key");
    assert!(stored_secret(&url).starts_with("sealed:v1:k2:"));
    let (ok, out, err) = gpd_with_keys(&url, &new_key, &["webhook", "show", "--org", ORG_A]);
    assert!(ok, "{err}");
    assert!(
        out.contains("https://example.it/hook") && !out.contains(&secret),
        "{out}"
    );

    // A rotated secret is sealed under the first key too.
    let (ok, out, err) = gpd_with_keys(
        &url,
        &new_key,
        &["webhook", "rotate-secret", "--org", ORG_A],
    );
    assert!(ok, "{err}");
    let rotated = out.lines().last().unwrap();
    assert!(rotated.starts_with("whsec_") && rotated != secret);
    assert!(stored_secret(&url).starts_with("sealed:v1:k2:"));

    // Mistakes are named, and key material never printed.
    let (ok, _, err) = gpd_with_keys(&url, "", &["secrets", "reseal"]);
    assert!(!ok);
    assert!(err.contains("GPD_SECRET_KEYS is empty"), "{err}");
    let (ok, _, err) = gpd_with_keys(&url, "k1:c2hvcnQ=", &["webhook", "show", "--org", ORG_A]);
    assert!(!ok);
    assert!(
        err.contains("must be 32 bytes, got 5") && !err.contains("c2hvcnQ"),
        "{err}"
    );
}

both_backends!(backend; sealed_at_rest_and_rotated);
