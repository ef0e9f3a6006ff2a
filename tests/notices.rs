//! Payment notices through the real server: the PDF is rasterized with pdftoppm, its QR codes
//! decoded with rqrr and its data matrix with dmtxread, its text read with pdftotext.

mod common;

use std::path::Path;
use std::process::Command;

use common::{gpd, iuv, option, position, TestApp, KEY_HEADER, ORG_A};
use serde_json::{json, Value};

const POSTE_AUTH: &str = "AUT/DB/2030/123 del 01/01/2030";

fn notice_path(iupd: &str) -> String {
    format!("/organizations/{ORG_A}/debtpositions/{iupd}/notice.pdf")
}

async fn fetch(app: &TestApp, iupd: &str, key: &str) -> (u16, Vec<u8>, String) {
    let res = app
        .client
        .get(app.url(&notice_path(iupd)))
        .header(KEY_HEADER, key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, res.bytes().await.unwrap().to_vec(), ctype)
}

async fn pdf_of(app: &TestApp, iupd: &str) -> Vec<u8> {
    let (status, body, ctype) = fetch(app, iupd, &app.key_a).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ctype, "application/pdf");
    assert!(body.starts_with(b"%PDF-"));
    body
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .expect("tool runs (poppler-utils, dmtx-utils, unzip)");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every page at `dpi`, as files `<dir>/p-N.<ext>`, sorted.
fn rasterize(dir: &Path, pdf: &[u8], dpi: u32, png: bool) -> Vec<std::path::PathBuf> {
    let file = dir.join("notice.pdf");
    std::fs::write(&file, pdf).unwrap();
    let mut cmd = Command::new("pdftoppm");
    cmd.arg("-r").arg(dpi.to_string());
    if png {
        cmd.arg("-png");
    } else {
        cmd.arg("-gray");
    }
    run(cmd.arg(&file).arg(dir.join("p")));
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("p-"))
        .collect();
    pages.sort();
    pages
}

/// A binary PGM (P5) image: width, height, pixels.
fn read_pgm(path: &Path) -> (usize, usize, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, data[i + 1..].to_vec())
}

/// The contents of every QR code of the document, sorted.
fn qr_codes(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for page in rasterize(dir.path(), pdf, 150, false) {
        let (w, h, px) = read_pgm(&page);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        for grid in img.detect_grids() {
            let (_, content) = grid.decode().expect("QR code decodes");
            found.push(content);
        }
    }
    found.sort();
    found
}

/// The contents of every data matrix of the document (ISO-8859-1 bytes), sorted.
fn data_matrices(pdf: &[u8]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for page in rasterize(dir.path(), pdf, 200, true) {
        // dmtxread exits with 1 when it finds nothing.
        let out = Command::new("dmtxread")
            .args(["-n", "-s", "s", "-m", "20000"])
            .arg(&page)
            .output()
            .expect("dmtxread runs (dmtx-utils)")
            .stdout;
        found.extend(
            out.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    found.sort();
    found
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("n.pdf");
    std::fs::write(&file, pdf).unwrap();
    String::from_utf8(run(Command::new("pdftotext").arg(&file).arg("-"))).unwrap()
}

fn nav(n: u64) -> String {
    format!("3{}", iuv(n))
}

fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn qr(n: u64, cents: i64) -> String {
    format!("PAGOPA|002|{}|{ORG_A}|{cents}", nav(n))
}

/// A position with one single option without postal IBAN.
fn plain(iupd: &str, n: u64, cents: i64) -> Value {
    let mut p = position(iupd, &iuv(n));
    let mut o = option(&iuv(n), cents, "2030-12-31T23:59:59");
    o["transfer"] = json!([{"idTransfer": "1", "amount": cents, "remittanceInformation": "TARI",
        "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456"}]);
    p["paymentOption"] = json!([o]);
    p
}

fn set_poste(app: &TestApp) {
    let (ok, out, err) = gpd(
        &app.database_url,
        &[
            "org",
            "notice-settings",
            "--org",
            ORG_A,
            "--poste-auth",
            POSTE_AUTH,
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains(POSTE_AUTH), "{out}");
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn data_matrix(n: u64, cents: i64, name: &str, subject: &str) -> Vec<u8> {
    let cut = |s: &str, w: usize| format!("{:<w$}", s.chars().take(w).collect::<String>());
    latin1(&format!(
        "codfase=NBPA;18{}1200000012345610{cents:010}38961P1{ORG_A}RSSMRA80A01H501U{}{}{}A",
        nav(n),
        cut(name, 40),
        cut(subject, 110),
        " ".repeat(12)
    ))
}

async fn single_option(app: TestApp) {
    app.create(&plain("N-1", 1, 1230), true).await;
    let pdf = pdf_of(&app, "N-1").await;
    assert_eq!(qr_codes(&pdf), [qr(1, 1230)]);
    assert!(data_matrices(&pdf).is_empty(), "no Poste authorization");
    let text = pdf_text(&pdf);
    for expected in [
        grouped(&nav(1)).as_str(),
        "12,30 €",
        "RATA UNICA",
        "entro il 31/12/2030",
        "Mario Rossi",
        "Tassa rifiuti 2030",
        ORG_A,
        "Comune 77777777777",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert!(!text.contains("BOLLETTINO POSTALE"));
}

async fn plan_and_single_option(app: TestApp) {
    let mut p = plain("PLAN-1", 1, 1230);
    let installment = |n: u64, cents: i64, due: &str| {
        let mut o = option(&iuv(n), cents, due);
        o["isPartialPayment"] = json!(true);
        o["description"] = json!(format!("Rata {n}"));
        o["transfer"] = json!([{"idTransfer": "1", "amount": cents, "remittanceInformation": "TARI",
            "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456"}]);
        o
    };
    p["paymentOption"].as_array_mut().unwrap().extend([
        installment(2, 400, "2030-03-31T23:59:59"),
        installment(3, 400, "2030-06-30T23:59:59"),
        installment(4, 430, "2030-09-30T23:59:59"),
    ]);
    app.create(&p, true).await;
    let pdf = pdf_of(&app, "PLAN-1").await;
    let mut expected = vec![qr(1, 1230), qr(2, 400), qr(3, 400), qr(4, 430)];
    expected.sort();
    assert_eq!(qr_codes(&pdf), expected);
    let text = pdf_text(&pdf);
    for n in 1..=4 {
        assert!(text.contains(&grouped(&nav(n))), "{n}: {text}");
    }
    for expected in [
        "12,30 €",
        "4,00 €",
        "4,30 €",
        "RATA UNICA",
        "RATA 1 DI 3",
        "RATA 3 DI 3",
        "oppure in 3 rate",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    // The single option comes first.
    assert!(text.find("RATA UNICA").unwrap() < text.find("RATA 1 DI 3").unwrap());
}

async fn postal_iban_with_poste_authorization(app: TestApp) {
    set_poste(&app);
    // common::position: the first transfer has a postal IBAN.
    app.create(&position("POSTE-1", &iuv(7)), true).await;
    let pdf = pdf_of(&app, "POSTE-1").await;
    assert_eq!(qr_codes(&pdf), [qr(7, 1230)]);
    assert_eq!(
        data_matrices(&pdf),
        [data_matrix(7, 1230, "Mario Rossi", "Tassa rifiuti 2030")]
    );
    let text = pdf_text(&pdf);
    for expected in [
        "BOLLETTINO POSTALE PA",
        "sul C/C n. 000000123456",
        POSTE_AUTH,
        "Tipo 896",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

async fn long_subject_and_names(app: TestApp) {
    set_poste(&app);
    let subject = "Tassa sui rifiuti (TARI) dell'anno 2030: saldo per l'immobile di Via Giuseppe Garibaldi 123, \
                   Città di Sant'Anna, già sollecitato più volte dall'ufficio tributi del Comune";
    let subject: String = subject.chars().take(140).collect();
    assert_eq!(subject.chars().count(), 140);
    let name = "Maria Ângela Österreicher-Šuštarčič Weißenbäck Dell'Università degli Studi di Roma La Sapienza e Ca' Foscari di Venezia ÈÀÙ";
    let mut p = position("LONG-1", &iuv(8));
    p["fullName"] = json!(name);
    p["paymentOption"][0]["description"] = json!(subject);
    app.create(&p, true).await;
    let pdf = pdf_of(&app, "LONG-1").await;
    assert_eq!(qr_codes(&pdf), [qr(8, 1230)]);
    assert_eq!(data_matrices(&pdf), [data_matrix(8, 1230, name, &subject)]);
    let text = pdf_text(&pdf);
    for expected in ["Tassa sui rifiuti", "Österreicher-Šuštarčič", "Weißenbäck"] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

async fn very_large_amount(app: TestApp) {
    app.create(&plain("BIG-1", 9, 99_999_999_999), true).await;
    let pdf = pdf_of(&app, "BIG-1").await;
    assert_eq!(qr_codes(&pdf), [qr(9, 99_999_999_999)]);
    let text = pdf_text(&pdf);
    assert!(text.contains("999.999.999,99 €"), "{text}");
    assert!(text.contains(&grouped(&nav(9))));
}

async fn keys_scope_and_what_is_not_payable(app: TestApp) {
    app.create(&position("SCOPE-1", &iuv(1)), true).await;
    // No key, another institution's key.
    let res = app
        .client
        .get(app.url(&notice_path("SCOPE-1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(fetch(&app, "SCOPE-1", &app.key_b).await.0, 403);
    // A partner whose delegation does not cover the position's categories: as the position GET.
    let db = &app.database_url;
    for args in [
        &[
            "partner",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Partner",
        ][..],
        &[
            "delegation",
            "grant",
            "--org",
            ORG_A,
            "--partner",
            "15376371009",
            "--scope",
            "0101108",
        ],
        &[
            "partner",
            "add",
            "--fiscal-code",
            "15376371010",
            "--name",
            "Other",
        ],
    ] {
        let (ok, out, err) = gpd(db, args);
        assert!(ok, "{out}{err}");
    }
    let key = |partner: &str| {
        let (ok, out, err) = gpd(db, &["key", "create", "--partner", partner]);
        assert!(ok, "{err}");
        out.lines().last().unwrap().trim().to_owned()
    };
    let (scoped, undelegated) = (key("15376371009"), key("15376371010"));
    let get = app
        .send(
            reqwest::Method::GET,
            &format!("/organizations/{ORG_A}/debtpositions/SCOPE-1"),
            Some(&scoped),
            None,
        )
        .await;
    assert_eq!(get.status, 404);
    let (status, body, _) = fetch(&app, "SCOPE-1", &scoped).await;
    assert_eq!(status, 404);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(fetch(&app, "SCOPE-1", &undelegated).await.0, 403);
    // Within the scope (only 0101108 categories): served.
    app.create(&plain("SCOPE-2", 2, 500), true).await;
    let (status, body, _) = fetch(&app, "SCOPE-2", &scoped).await;
    assert_eq!(status, 200);
    assert_eq!(qr_codes(&body), [qr(2, 500)]);

    // Unknown, draft, invalidated.
    let (status, body, _) = fetch(&app, "NOPE", &app.key_a).await;
    assert_eq!(status, 404);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["title"], "Not Found");
    app.create(&plain("DRAFT-1", 3, 100), false).await;
    let (status, body, _) = fetch(&app, "DRAFT-1", &app.key_a).await;
    assert_eq!(status, 404);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        problem["detail"],
        "debt position DRAFT-1 is a draft: publish it to print its notice"
    );
    let r = app
        .post(
            &format!("/organizations/{ORG_A}/debtpositions/SCOPE-2/invalidate"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let (status, body, _) = fetch(&app, "SCOPE-2", &app.key_a).await;
    assert_eq!(status, 404);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        problem["detail"],
        "debt position SCOPE-2 is INVALID: it has nothing left to pay"
    );
}

async fn batch_zip(app: TestApp) {
    for n in 1..=3u64 {
        app.create(&plain(&format!("B-{n}"), n, 100 * n as i64), true)
            .await;
    }
    let url = app.url(&format!("/organizations/{ORG_A}/notices"));
    let post = |body: Value| {
        app.client
            .post(&url)
            .header(KEY_HEADER, &app.key_a)
            .json(&body)
            .send()
    };
    let res = post(json!({"iupds": ["B-1", "B-2", "B-3"]})).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let zip = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notices.zip");
    std::fs::write(&file, &zip).unwrap();
    run(Command::new("unzip")
        .arg("-q")
        .arg(&file)
        .arg("-d")
        .arg(dir.path().join("out")));
    for n in 1..=3u64 {
        let pdf = std::fs::read(dir.path().join(format!("out/B-{n}.pdf"))).unwrap();
        assert_eq!(qr_codes(&pdf), [qr(n, 100 * n as i64)]);
    }

    let too_many: Vec<String> = (0..101).map(|i| format!("X-{i}")).collect();
    let res = post(json!({ "iupds": too_many })).await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(
        problem["detail"],
        "iupds: 1 to 100 IUPDs are accepted, got 101"
    );
    let res = post(json!({ "iupds": [] })).await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let res = post(json!({"iupds": ["B-1", "B-1"]})).await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    // One unknown: 404 before anything is streamed.
    let res = post(json!({"iupds": ["B-1", "NOPE", "B-3"]}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let problem: Value = res.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("NOPE"),
        "{problem}"
    );
}

/// A 40x20 RGBA PNG: a blue band on a transparent background.
fn logo_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 40, 20);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> = (0..40 * 20)
            .flat_map(|i| {
                if (i / 40) % 10 < 5 {
                    [0, 80, 160, 255]
                } else {
                    [0, 0, 0, 0]
                }
            })
            .collect();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

async fn cli_writes_a_notice_with_a_logo(app: TestApp) {
    app.create(&plain("CLI-1", 5, 2500), true).await;
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, logo_png()).unwrap();
    let svg = dir.path().join("logo.svg");
    std::fs::write(&svg, "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
    let db = &app.database_url;
    let (ok, _, err) = gpd(
        db,
        &[
            "org",
            "notice-settings",
            "--org",
            ORG_A,
            "--logo",
            svg.to_str().unwrap(),
        ],
    );
    assert!(!ok);
    assert!(err.contains("must be a PNG image"), "{err}");
    let (ok, out, err) = gpd(
        db,
        &[
            "org",
            "notice-settings",
            "--org",
            ORG_A,
            "--logo",
            logo.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains(" bytes\t"), "{out}");
    let file = dir.path().join("cli.pdf");
    let (ok, out, err) = gpd(
        db,
        &[
            "notice",
            "--org",
            ORG_A,
            "--iupd",
            "CLI-1",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.starts_with("notice of CLI-1 written to"), "{out}");
    let pdf = std::fs::read(&file).unwrap();
    assert!(
        String::from_utf8_lossy(&pdf).contains("/Im1"),
        "the logo is drawn"
    );
    assert_eq!(qr_codes(&pdf), [qr(5, 2500)]);
    // The server prints the same logo.
    let served = pdf_of(&app, "CLI-1").await;
    assert!(String::from_utf8_lossy(&served).contains("/SMask"));
    let (ok, _, err) = gpd(db, &["notice", "--org", ORG_A, "--iupd", "NOPE"]);
    assert!(!ok);
    assert!(err.contains("NOPE"), "{err}");
    let (ok, out, _) = gpd(db, &["org", "notice-settings", "--org", ORG_A, "--no-logo"]);
    assert!(ok);
    assert!(out.contains("logo -"), "{out}");
}

both_backends!(
    single_option,
    plan_and_single_option,
    postal_iban_with_poste_authorization,
    long_subject_and_names,
    very_large_amount,
    keys_scope_and_what_is_not_payable,
    batch_zip,
    cli_writes_a_notice_with_a_logo,
);
