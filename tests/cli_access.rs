//! The command line of the access model (partner, delegation, key, audit), as an operator uses
//! it, on a fresh database; exact outputs.

mod common;

use common::{gpd, Backend};

/// Listings and audit entries with every date-time replaced by `<T>`.
fn without_times(text: &str) -> String {
    regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?")
        .unwrap()
        .replace_all(text, "<T>")
        .into_owned()
}

/// The key id of `key create`'s output (its first line names it), and the key (last line).
fn created_key(out: &str) -> (String, String) {
    let id = out.split_whitespace().nth(2).unwrap().to_owned();
    let key = out.lines().last().unwrap().to_owned();
    assert!(key.starts_with(&format!("gpd_{id}_")), "{out}");
    (id, key)
}

async fn partners_delegations_keys_and_audit(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = common::database_url(backend, &dir);
    let run = |args: &[&str]| {
        let (ok, out, err) = gpd(&url, args);
        assert!(ok, "{args:?}: {err}");
        out
    };
    let fail = |args: &[&str]| {
        let (ok, out, err) = gpd(&url, args);
        assert!(!ok, "{args:?} succeeded: {out}");
        err.trim().to_owned()
    };
    run(&[
        "org",
        "add",
        "--fiscal-code",
        "77777777777",
        "--name",
        "Comune di Prova",
    ]);

    let add = [
        "partner",
        "add",
        "--fiscal-code",
        "15376371009",
        "--name",
        "Partner Tecnologico Srl",
    ];
    assert_eq!(run(&add), "partner 15376371009 registered\n");
    assert_eq!(
        run(&add),
        "partner 15376371009 already registered with the same data\n"
    );
    assert_eq!(
        fail(&["partner", "add", "--fiscal-code", "15376371009", "--name", "Altro"]),
        "error: partner 15376371009 is already registered with different data (name 'Partner Tecnologico Srl')"
    );
    assert_eq!(
        fail(&["partner", "add", "--fiscal-code", "123", "--name", "X"]),
        "error: fiscal-code: '123' is not a partner fiscal code (11 digits)"
    );
    assert_eq!(
        run(&["partner", "list"]),
        "FISCAL CODE\tNAME\n15376371009\tPartner Tecnologico Srl\n"
    );

    let grant = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec![
            "delegation",
            "grant",
            "--org",
            "77777777777",
            "--partner",
            "15376371009",
        ];
        args.extend_from_slice(extra);
        args
    };
    assert_eq!(
        run(&grant(&["--scope", "0101", "--scope", "0102108"])),
        "organization 77777777777 delegates to partner 15376371009 with scope 0101,0102108\n"
    );
    assert_eq!(
        run(&grant(&["--scope", "0102108,0101"])),
        "organization 77777777777 already delegates to partner 15376371009 with scope 0101,0102108\n"
    );
    assert_eq!(
        fail(&grant(&["--scope", "010"])),
        "error: scope: '010' is not a taxonomy prefix: 2 digits (institution type), 4 (and macro area), 7 (and service type) or 7 digits and 2 capital letters (and legal reason), e.g. 0101108TS"
    );
    assert_eq!(
        fail(&[
            "delegation",
            "grant",
            "--org",
            "99999999999",
            "--partner",
            "15376371009"
        ]),
        "error: organization 99999999999 is not registered; run `org add` first"
    );
    assert_eq!(
        fail(&[
            "delegation",
            "grant",
            "--org",
            "77777777777",
            "--partner",
            "99999999999"
        ]),
        "error: partner 99999999999 is not registered; run `partner add` first"
    );
    assert_eq!(
        run(&grant(&["--scope", "0101108TS"])),
        "delegation of organization 77777777777 to partner 15376371009 now has scope 0101108TS (was 0101,0102108)\n"
    );
    let active = "ORGANIZATION\tPARTNER\tSCOPE\tGRANTED\tSTATE\n\
                  77777777777\t15376371009\t0101108TS\t<T>\tactive\n";
    assert_eq!(without_times(&run(&["delegation", "list"])), active);
    assert_eq!(
        without_times(&run(&["delegation", "list", "--org", "77777777777"])),
        active
    );
    assert_eq!(
        without_times(&run(&[
            "delegation",
            "list",
            "--partner",
            "15376371009",
            "--all"
        ])),
        "ORGANIZATION\tPARTNER\tSCOPE\tGRANTED\tSTATE\n\
         77777777777\t15376371009\t0101,0102108\t<T>\tended <T>\n\
         77777777777\t15376371009\t0101108TS\t<T>\tactive\n"
    );
    assert_eq!(
        fail(&["delegation", "list", "--partner", "99999999999"]),
        "error: partner 99999999999 is not registered; run `partner add` first"
    );

    let out = run(&["key", "create", "--org", "77777777777"]);
    let (org_key_id, _) = created_key(&out);
    assert_eq!(
        out.lines().next().unwrap(),
        format!("API key {org_key_id} created for organization 77777777777; it is shown only now:")
    );
    let out = run(&[
        "key",
        "create",
        "--partner",
        "15376371009",
        "--scope",
        "0101",
        "--label",
        "gestionale TARI",
        "--expires",
        "2030-12-31",
    ]);
    let (partner_key_id, partner_key) = created_key(&out);
    assert_eq!(
        out.lines().next().unwrap(),
        format!("API key {partner_key_id} created for partner 15376371009 (scope 0101, works through 2030-12-31 UTC); it is shown only now:")
    );
    assert!(fail(&[
        "key",
        "create",
        "--org",
        "77777777777",
        "--partner",
        "15376371009"
    ])
    .contains("cannot be used with"));
    assert!(fail(&["key", "create"]).contains("required arguments were not provided"));
    assert_eq!(
        fail(&[
            "key",
            "create",
            "--org",
            "77777777777",
            "--expires",
            "31/12/2030"
        ]),
        "error: expires: '31/12/2030' is not a date (YYYY-MM-DD)"
    );
    assert_eq!(
        fail(&[
            "key",
            "create",
            "--org",
            "77777777777",
            "--expires",
            "2020-01-01"
        ]),
        "error: expires: 2020-01-01 is in the past: a key works through its expiry day (UTC)"
    );
    assert!(
        fail(&["key", "create", "--org", "77777777777", "--scope", "1"])
            .starts_with("error: scope: '1' is not a taxonomy prefix")
    );
    assert_eq!(
        fail(&["key", "create", "--partner", "99999999999"]),
        "error: partner 99999999999 is not registered; run `partner add` first"
    );

    // A use of the partner key shows in the listing.
    let mut conn =
        gpd_gateway::store::connect_single(&gpd_gateway::store::DatabaseUrl::parse(&url).unwrap())
            .unwrap();
    let access = gpd_gateway::store::access::authorize(
        &mut conn,
        &partner_key,
        "77777777777",
        gpd_gateway::domain::now(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(access.scope.to_string(), "0101108TS");
    let header = "KEY ID\tLABEL\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tSTATE\tOWNER\n";
    let out = run(&["key", "list", "--partner", "15376371009"]);
    assert!(
        !out.contains(&partner_key),
        "the secret must never be listed"
    );
    assert_eq!(
        without_times(&out),
        format!("{header}{partner_key_id}\tgestionale TARI\t0101\t<T>\t2030-12-31\t<T>\tactive\tpartner 15376371009\n")
    );
    assert_eq!(
        run(&["key", "revoke", "--key-id", &org_key_id]),
        format!("API key {org_key_id} revoked\n")
    );
    assert_eq!(
        without_times(&run(&["key", "list", "--org", "77777777777"])),
        format!("{header}{org_key_id}\t-\tall\t<T>\t-\t-\trevoked <T>\tinstitution 77777777777\n")
    );
    assert_eq!(without_times(&run(&["key", "list"])).lines().count(), 3);

    assert_eq!(
        run(&[
            "delegation",
            "revoke",
            "--org",
            "77777777777",
            "--partner",
            "15376371009"
        ]),
        "delegation of organization 77777777777 to partner 15376371009 revoked (scope was 0101108TS)\n"
    );
    assert_eq!(
        fail(&[
            "delegation",
            "revoke",
            "--org",
            "77777777777",
            "--partner",
            "15376371009"
        ]),
        "error: organization 77777777777 has no active delegation to partner 15376371009"
    );
    assert_eq!(
        run(&["delegation", "list"]),
        "ORGANIZATION\tPARTNER\tSCOPE\tGRANTED\tSTATE\n"
    );

    let pair = "77777777777->15376371009";
    assert_eq!(
        without_times(&run(&["audit", "list"])),
        format!(
            "ID\tAT\tACTOR\tACTION\tSUBJECT\tDETAIL\n\
             6\t<T>\tcli\tdelegation.revoke\t{pair}\tscope=0101108TS\n\
             5\t<T>\tcli\tkey.revoke\t{org_key_id}\torg=77777777777\n\
             4\t<T>\tcli\tkey.create\t{partner_key_id}\tpartner=15376371009 scope=0101 label=\"gestionale TARI\" expires=2030-12-31\n\
             3\t<T>\tcli\tkey.create\t{org_key_id}\torg=77777777777 scope=all\n\
             2\t<T>\tcli\tdelegation.grant\t{pair}\tscope=0101108TS previous=0101,0102108\n\
             1\t<T>\tcli\tdelegation.grant\t{pair}\tscope=0101,0102108\n"
        )
    );
    assert_eq!(
        without_times(&run(&["audit", "list", "--limit", "1"])),
        format!("ID\tAT\tACTOR\tACTION\tSUBJECT\tDETAIL\n6\t<T>\tcli\tdelegation.revoke\t{pair}\tscope=0101108TS\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_delegations_keys_and_audit_sqlite() {
    partners_delegations_keys_and_audit(Backend::Sqlite).await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_delegations_keys_and_audit_mysql() {
    partners_delegations_keys_and_audit(Backend::Mysql).await;
}
