//! The optional taxonomy catalog: `gpd-gateway taxonomy import|list`, `GET /taxonomy`, and the
//! names the store gives prefixes.

mod common;

use std::process::Command;

use common::TestApp;
use gpd_gateway::domain::access::TaxonomyPrefix;
use gpd_gateway::store::{self, taxonomy, DatabaseUrl};
use serde_json::{json, Value};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/taxonomy/sample.csv"
);

/// The sample's header (the one PagoPA's taxonomy service reads).
fn header() -> String {
    std::fs::read_to_string(SAMPLE)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

fn gpd(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gpd-gateway"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` to a file of the test and returns its path.
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn import_sample(app: &TestApp) {
    let (ok, _, err) = gpd(app, &["taxonomy", "import", SAMPLE]);
    assert!(ok, "{err}");
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> common::Reply {
    app.send(reqwest::Method::GET, path, key, None).await
}

fn codes(body: &Value) -> Vec<&str> {
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect()
}

async fn import_and_list(app: TestApp) {
    let (ok, out, err) = gpd(&app, &["taxonomy", "import", SAMPLE]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "taxonomy catalog replaced: 21 entries loaded (0 before)\n  \
         01 COMUNE/UNIONE DI COMUNI / CONSORZI: 15\n  \
         05 SERVIZIO SANITARIO NAZIONALE: 3\n  \
         07 PUBBLICHE AMMINISTRAZIONI CENTRALI: 3\n"
    );
    let (ok, out, _) = gpd(&app, &["taxonomy", "list", "--prefix", "07"]);
    assert!(ok);
    assert_eq!(
        out,
        "CODE\tINSTITUTION TYPE\tMACRO AREA\tSERVICE TYPE\tLEGAL REASON\tVALID FROM\tVALID TO\n\
         0702100TS\tPUBBLICHE AMMINISTRAZIONI CENTRALI\tMINISTERO DELLA GIUSTIZIA\tContributo unificato\tTS\t2021-01-02\t2080-01-01\n\
         0702101TS\tPUBBLICHE AMMINISTRAZIONI CENTRALI\tMINISTERO DELLA GIUSTIZIA\tDiritti Cancelleria\tTS\t2021-01-02\t2080-01-01\n\
         0702133TS\tPUBBLICHE AMMINISTRAZIONI CENTRALI\tMINISTERO DELLA GIUSTIZIA\tPubblicazione di testamento olografo fiduciario, speciale o internazionale\tTS\t2021-01-02\t2080-01-01\n"
    );
    let (ok, out, _) = gpd(&app, &["taxonomy", "list"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 22, "{out}");
    let (ok, _, err) = gpd(&app, &["taxonomy", "list", "--prefix", "7"]);
    assert!(!ok);
    assert!(
        err.starts_with("error: prefix: '7' is not a taxonomy prefix"),
        "{err}"
    );

    // A second import replaces the whole catalog, in the spreadsheet export's shape this time.
    let dir = tempfile::tempdir().unwrap();
    let smaller = file(
        &dir,
        "smaller.csv",
        "CODICE TIPO ENTE CREDITORE,TIPO ENTE CREDITORE,\"# Progressivo\r\nMacro Area per Ente Creditore\",NOME MACRO AREA,CODICE TIPOLOGIA SERVIZIO,TIPO SERVIZIO,\"Motivo Giuridico della riscossione\r\nIM: Imposta\",DATI SPECIFICI DI INCASSO,DATA INIZIO VALIDITA',DATA FINE VALIDITA'\r\n\
         01,COMUNE/UNIONE DI COMUNI / CONSORZI,01,TRIBUTI,108,Canone Unico Patrimoniale - CORPORATE,TS,9/0101108TS/,01/04/2021,\r\n\
         ,,,,,,,,,\r\n\
         01,COMUNE/UNIONE DI COMUNI / CONSORZI,01,,109,\"ANNI PRECEDENTI - Tasse sui rifiuti (TARI, TIA, TARSU, TARES, ecc.)\",IM,9/0101109IM/,01/04/2021,01/01/2080\r\n",
    );
    let (ok, out, err) = gpd(&app, &["taxonomy", "import", &smaller]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "taxonomy catalog replaced: 2 entries loaded (21 before)\n  01 COMUNE/UNIONE DI COMUNI / CONSORZI: 2\n"
    );
    let (ok, out, _) = gpd(&app, &["taxonomy", "list"]);
    assert!(ok);
    assert_eq!(
        out,
        "CODE\tINSTITUTION TYPE\tMACRO AREA\tSERVICE TYPE\tLEGAL REASON\tVALID FROM\tVALID TO\n\
         0101108TS\tCOMUNE/UNIONE DI COMUNI / CONSORZI\tTRIBUTI\tCanone Unico Patrimoniale - CORPORATE\tTS\t2021-04-01\t-\n\
         0101109IM\tCOMUNE/UNIONE DI COMUNI / CONSORZI\tTRIBUTI\tANNI PRECEDENTI - Tasse sui rifiuti (TARI, TIA, TARSU, TARES, ecc.)\tIM\t2021-04-01\t2080-01-01\n"
    );
}

async fn bad_files_change_nothing(app: TestApp) {
    import_sample(&app);
    let dir = tempfile::tempdir().unwrap();
    let header = header();
    let row = "1;COMUNE/UNIONE DI COMUNI / CONSORZI;1;TRIBUTI;d;100;IMU;IM;d;31;9/0101100IM/;01/01/1900;01/01/2080;t;1";
    let cases = [
        (
            "missing.csv",
            format!("{}\n{row}\n", header.replace(";NOME MACRO AREA", "")),
            "the header has no column NOME MACRO AREA; the taxonomy CSV needs CODICE TIPO ENTE CREDITORE, TIPO ENTE CREDITORE, PROGRESSIVO MACRO AREA PER ENTE CREDITORE, NOME MACRO AREA, CODICE TIPOLOGIA SERVIZIO, TIPO SERVIZIO, MOTIVO GIURIDICO DELLA RISCOSSIONE",
        ),
        (
            "code.csv",
            format!("{header}\n{row}\n1;COMUNE;1;TRIBUTI;d;10A;X;IM;d;31;;;;t;1\n"),
            "line 3: CODICE TIPOLOGIA SERVIZIO '10A' is not a number of 1 to 3 digits",
        ),
        (
            "collection.csv",
            format!("{header}\n{row}\n1;COMUNE;1;TRIBUTI;d;101;X;IM;d;31;9/0101100IM/;;;t;1\n"),
            "line 3: DATI SPECIFICI DI INCASSO '9/0101100IM/' does not match the code the row's columns give, 9/0101101IM/",
        ),
        (
            "duplicate.csv",
            format!("{header}\n{row}\n\n{row}\n"),
            "line 4: code 0101100IM is already on line 2",
        ),
        ("empty.csv", format!("{header}\n"), "the file has a header but no taxonomy rows"),
    ];
    for (name, text, message) in cases {
        let path = file(&dir, name, &text);
        let (ok, out, err) = gpd(&app, &["taxonomy", "import", &path]);
        assert!(!ok, "{name}: {out}");
        assert_eq!(err, format!("error: {path}: {message}\n"), "{name}");
    }
    let (ok, _, err) = gpd(&app, &["taxonomy", "import", "/nonexistent/taxonomy.csv"]);
    assert!(!ok);
    assert!(
        err.starts_with("error: cannot read /nonexistent/taxonomy.csv: "),
        "{err}"
    );
    let reply = get(&app, "/taxonomy", Some(&app.key_a)).await;
    assert_eq!(reply.body["entries"].as_array().unwrap().len(), 21);
}

async fn rest_serves_the_catalog(app: TestApp) {
    let reply = get(&app, "/taxonomy", Some(&app.key_a)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, json!({"entries": []}), "no catalog yet");
    import_sample(&app);

    let all = get(&app, "/taxonomy", Some(&app.key_b)).await;
    assert_eq!(all.status, 200);
    let all_codes = codes(&all.body);
    assert_eq!(all_codes.len(), 21);
    assert!(all_codes.windows(2).all(|w| w[0] < w[1]), "ordered by code");
    assert_eq!(all_codes[0], "0101100IM");
    assert_eq!(all_codes[20], "0702133TS");
    assert_eq!(
        get(&app, "/taxonomy?prefix=", Some(&app.key_a)).await.body,
        all.body
    );

    let area = get(&app, "/taxonomy?prefix=0102", Some(&app.key_a)).await;
    assert_eq!(
        codes(&area.body),
        ["0102100SA", "0102101SP", "0102105SA", "0102106SA"]
    );
    let one = get(&app, "/taxonomy?prefix=0101108TS", Some(&app.key_a)).await;
    assert_eq!(
        one.body,
        json!({"entries": [{
            "code": "0101108TS",
            "category": "9/0101108TS/",
            "institutionType": "01",
            "institutionTypeName": "COMUNE/UNIONE DI COMUNI / CONSORZI",
            "macroArea": "01",
            "macroAreaName": "TRIBUTI",
            "macroAreaDescription": "Le entrate tributarie del comune, con il recupero dell'evasione.",
            "serviceType": "108",
            "serviceTypeName": "Canone Unico Patrimoniale - CORPORATE",
            "serviceTypeDescription": "Il canone unico, nella soluzione gestita centralmente da PagoPA S.p.A. (\"CORPORATE\").",
            "legalReason": "TS",
            "validFrom": "2021-04-01",
            "validTo": "2080-01-01"
        }]})
    );
    let none = get(&app, "/taxonomy?prefix=0201", Some(&app.key_a)).await;
    assert_eq!(none.body, json!({"entries": []}));

    let bad = get(&app, "/taxonomy?prefix=0101108ts", Some(&app.key_a)).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        json!({"title": "Bad Request", "status": 400,
               "detail": "prefix: '0101108ts' is not a taxonomy prefix: 2 digits (institution type), 4 (and macro area), 7 (and service type) or 7 digits and 2 capital letters (and legal reason), e.g. 0101108TS"})
    );

    // The key comes first: without a valid one, 401 before the prefix is looked at.
    for key in [None, Some("gpd_unknown")] {
        let reply = get(&app, "/taxonomy?prefix=bad", key).await;
        assert_eq!(reply.status, 401, "{key:?}");
    }
    let reply = app
        .send(reqwest::Method::POST, "/taxonomy", Some(&app.key_a), None)
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.headers["allow"], "GET");

    let doc = get(&app, "/openapi.json", None).await.body;
    let operation = &doc["paths"]["/taxonomy"]["get"];
    assert_eq!(operation["parameters"][0]["name"], "prefix");
    assert_eq!(
        operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TaxonomyModel"
    );
    for status in ["400", "401"] {
        assert!(operation["responses"][status].is_object(), "{status}");
    }
    assert!(
        doc["components"]["schemas"]["TaxonomyEntryModel"]["properties"]["validFrom"].is_object()
    );
}

async fn the_store_names_prefixes(app: TestApp) {
    import_sample(&app);
    let mut conn = store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap();
    let prefix = |p: &str| TaxonomyPrefix::parse("prefix", p).unwrap();
    let name = |conn: &mut _, p: &str| taxonomy::describe(conn, &prefix(p)).unwrap();
    assert_eq!(
        name(&mut conn, "05").as_deref(),
        Some("SERVIZIO SANITARIO NAZIONALE")
    );
    assert_eq!(
        name(&mut conn, "0102").as_deref(),
        Some("COMUNE/UNIONE DI COMUNI / CONSORZI > CORPO DI POLIZIA LOCALE")
    );
    assert_eq!(
        name(&mut conn, "0101108TS").as_deref(),
        Some("COMUNE/UNIONE DI COMUNI / CONSORZI > TRIBUTI > Canone Unico Patrimoniale - CORPORATE > TS (Tassa)")
    );
    assert_eq!(name(&mut conn, "0103"), None);
    let catalog = taxonomy::catalog(&mut conn).unwrap();
    assert_eq!(catalog.len(), 21);
    assert_eq!(
        catalog.describe_category("9/0702133TS/").as_deref(),
        Some("PUBBLICHE AMMINISTRAZIONI CENTRALI > MINISTERO DELLA GIUSTIZIA > Pubblicazione di testamento olografo fiduciario, speciale o internazionale > TS (Tassa)")
    );
    assert_eq!(
        catalog.describe(&prefix("0501")),
        name(&mut conn, "0501"),
        "the catalog in memory and the store agree"
    );
}

/// With a catalog, delegation and key listings name the prefixes they know.
async fn listings_name_the_scopes(app: TestApp) {
    import_sample(&app);
    for args in [
        &[
            "partner",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Partner Srl",
        ][..],
        &[
            "delegation",
            "grant",
            "--org",
            "77777777777",
            "--partner",
            "15376371009",
            "--scope",
            "0102",
            "--scope",
            "0103",
        ],
        &[
            "key",
            "create",
            "--partner",
            "15376371009",
            "--scope",
            "0102",
        ],
    ] {
        let (ok, _, err) = gpd(&app, args);
        assert!(ok, "{args:?}: {err}");
    }
    let police = "0102 (COMUNE/UNIONE DI COMUNI / CONSORZI > CORPO DI POLIZIA LOCALE)";
    let (ok, out, _) = gpd(&app, &["delegation", "list"]);
    assert!(ok);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(row[2], format!("{police},0103"), "{out}");
    let (ok, out, _) = gpd(&app, &["key", "list", "--partner", "15376371009"]);
    assert!(ok);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(row[2], police, "{out}");
}

both_backends!(
    listings_name_the_scopes,
    import_and_list,
    bad_files_change_nothing,
    rest_serves_the_catalog,
    the_store_names_prefixes,
);
