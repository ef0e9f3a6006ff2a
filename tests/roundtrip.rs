//! Property test: any valid position survives create -> read -> update -> read unchanged, through
//! the real server, on SQLite and on MariaDB (texts of every script, limits, optional fields).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::{iuv, TestApp, ORG_A};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

const CASES: u32 = 100;
const IBANS: [&str; 3] = [
    "IT60X0542811101000000123456",
    "IT60X0542811101000000654321",
    "IT60X0760103200000000123456",
];
const CATEGORIES: [&str; 2] = ["9/0101108TS/", "9/0201109AP/"];

/// Text of 1..=max characters with no control character and not blank: any script, emoji,
/// quotes and markup, leading and trailing spaces.
fn text(max: usize) -> impl Strategy<Value = String> {
    let regex = |r: String| proptest::string::string_regex(&r).unwrap();
    prop_oneof![
        regex(format!("[a-zA-Z0-9 ]{{1,{max}}}")),
        regex(format!("\\PC{{1,{max}}}")),
        regex(format!("[àèéìòù€ßæ漢字😀'\"<>&; ]{{1,{max}}}")),
    ]
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

/// Absent, empty, blank (both allowed for optional texts, as in GPD) or any text.
fn optional_text(max: usize) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => prop::option::of(text(max)),
        1 => prop_oneof![Just(String::new()), Just("  ".to_owned())].prop_map(Some),
    ]
}

fn metadata(prefix: &'static str) -> impl Strategy<Value = Value> {
    vec(text(100), 0..=3).prop_map(move |values| {
        Value::Array(
            values
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({"key": format!("{prefix}{i}"), "value": v}))
                .collect(),
        )
    })
}

fn transfer() -> impl Strategy<Value = Map<String, Value>> {
    (
        1i64..=100_000_000,
        text(140),
        0..CATEGORIES.len(),
        0..IBANS.len(),
        prop::option::of(0..IBANS.len()),
        prop::option::of(Just("99999999999")),
        optional_text(140),
        metadata("t"),
    )
        .prop_map(
            |(amount, remittance, cat, iban, postal, org, company, meta)| {
                let mut t = Map::new();
                t.insert("amount".into(), json!(amount));
                t.insert("remittanceInformation".into(), json!(remittance));
                t.insert("category".into(), json!(CATEGORIES[cat]));
                t.insert("iban".into(), json!(IBANS[iban]));
                if let Some(p) = postal {
                    t.insert("postalIban".into(), json!(IBANS[p]));
                }
                if let Some(org) = org {
                    t.insert("organizationFiscalCode".into(), json!(org));
                }
                if let Some(company) = company {
                    t.insert("companyName".into(), json!(company));
                }
                t.insert("transferMetadata".into(), meta);
                t
            },
        )
}

/// An option without its IUV: description, due day offset (days after 2030-01-01), seconds of
/// the day, a retention offset, transfers and metadata.
fn option() -> impl Strategy<Value = Value> {
    (
        text(140),
        0u32..1500,
        0u32..86_400,
        prop::option::of(1u32..400),
        vec(transfer(), 1..=5),
        metadata("o"),
    )
        .prop_map(|(description, day, second, retention, transfers, meta)| {
            let due = date_time(day, second);
            let amount: i64 = transfers
                .iter()
                .map(|t| t["amount"].as_i64().unwrap())
                .sum();
            let transfers: Vec<Value> = transfers
                .into_iter()
                .enumerate()
                .map(|(i, mut t)| {
                    t.insert("idTransfer".into(), json!((i + 1).to_string()));
                    Value::Object(t)
                })
                .collect();
            let mut o = json!({
                "amount": amount,
                "description": description,
                "dueDate": due,
                "transfer": transfers,
                "paymentOptionMetadata": meta,
            });
            if let Some(r) = retention {
                o["retentionDate"] = json!(date_time(day + r, second));
            }
            o
        })
}

fn date_time(day: u32, second: u32) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Days::new(day.into());
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(second, 0).unwrap();
    date.and_time(time).format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn debtor() -> impl Strategy<Value = Map<String, Value>> {
    let address = (
        optional_text(255),
        optional_text(255),
        optional_text(255),
        optional_text(255),
        optional_text(255),
        optional_text(255),
        prop::option::of("[A-Z]{2}"),
    );
    (
        prop_oneof![
            Just(("F", "RSSMRA80A01H501U")),
            Just(("G", "12345678901")),
            Just(("F", "AB"))
        ],
        text(140),
        address,
        prop::option::of("[a-z0-9._]{1,20}@[a-z]{1,12}\\.(it|com)"),
        optional_text(255),
    )
        .prop_map(|((kind, fc), name, address, email, phone)| {
            let mut d = Map::new();
            d.insert("type".into(), json!(kind));
            d.insert("fiscalCode".into(), json!(fc));
            d.insert("fullName".into(), json!(name));
            let (street, civic, postal, city, province, region, country) = address;
            let fields = [
                ("streetName", street),
                ("civicNumber", civic),
                ("postalCode", postal),
                ("city", city),
                ("province", province),
                ("region", region),
                ("country", country),
                ("email", email),
                ("phone", phone),
            ];
            for (name, value) in fields {
                if let Some(v) = value {
                    d.insert(name.into(), json!(v));
                }
            }
            d
        })
}

/// A position without IUPD nor IUVs: one single option or 2..=4 installments.
fn position() -> impl Strategy<Value = Value> {
    (
        debtor(),
        text(140),
        optional_text(140),
        any::<bool>(),
        any::<bool>(),
        vec(option(), 1..=4),
    )
        .prop_map(|(debtor, company, office, expire, stand_in, options)| {
            let partial = options.len() > 1;
            let mut p = debtor;
            p.insert("companyName".into(), json!(company));
            if let Some(office) = office {
                p.insert("officeName".into(), json!(office));
            }
            p.insert("switchToExpired".into(), json!(expire));
            p.insert("payStandIn".into(), json!(stand_in));
            let options = options
                .into_iter()
                .map(|mut o| {
                    o["isPartialPayment"] = json!(partial);
                    o
                })
                .collect::<Vec<_>>();
            p.insert("paymentOption".into(), Value::Array(options));
            Value::Object(p)
        })
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Gives the position its IUPD and fresh IUVs.
fn identify(mut p: Value, iupd: &str) -> Value {
    p["iupd"] = json!(iupd);
    for o in p["paymentOption"].as_array_mut().unwrap() {
        o["iuv"] = json!(iuv(NEXT.fetch_add(1, Ordering::Relaxed)));
    }
    p
}

/// Every field sent is answered with the same value: options matched by IUV, transfers by id,
/// metadata as lists in order.
fn assert_kept(sent: &Value, got: &Value, path: &str) {
    match sent {
        Value::Object(fields) => {
            for (name, value) in fields {
                let here = format!("{path}.{name}");
                let answer = got
                    .get(name)
                    .unwrap_or_else(|| panic!("{here} missing in {got}"));
                assert_kept(value, answer, &here);
            }
        }
        Value::Array(items) => {
            let answers = got
                .as_array()
                .unwrap_or_else(|| panic!("{path}: not a list: {got}"));
            assert_eq!(items.len(), answers.len(), "{path}: {got}");
            for (i, item) in items.iter().enumerate() {
                let key = ["iuv", "idTransfer"]
                    .into_iter()
                    .find(|k| item.get(k).is_some());
                let answer = match key {
                    Some(k) => answers
                        .iter()
                        .find(|a| a.get(k) == item.get(k))
                        .unwrap_or_else(|| panic!("{path}: no {k} {} in {got}", item[k])),
                    None => &answers[i],
                };
                assert_kept(item, answer, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(sent, got, "{path}"),
    }
}

const DEBTOR: [&str; 12] = [
    "type",
    "fiscalCode",
    "fullName",
    "streetName",
    "civicNumber",
    "postalCode",
    "city",
    "province",
    "region",
    "country",
    "email",
    "phone",
];

/// Reads the position back through both APIs: v1's GET (GPD's base model: no debtor address nor
/// `payStandIn`/`switchToExpired`) and v3's (each option's debtor and `switchToExpired`);
/// `payStandIn` is only in the answers of create and update, as in GPD.
async fn assert_stored(app: &TestApp, sent: &Value, what: &str) {
    let iupd = sent["iupd"].as_str().unwrap();
    let v1 = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/{iupd}"))
        .await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    let mut base = sent.clone();
    let fields = base.as_object_mut().unwrap();
    for name in DEBTOR.iter().chain(&["payStandIn", "switchToExpired"]) {
        fields.remove(*name);
    }
    assert_kept(&base, &v1.body, what);

    let v3 = app
        .get(&format!("/v3/organizations/{ORG_A}/debtpositions/{iupd}"))
        .await;
    assert_eq!(v3.status, 200, "{}", v3.body);
    let debtor: Map<String, Value> = DEBTOR
        .iter()
        .filter_map(|&name| sent.get(name).map(|v| (name.to_owned(), v.clone())))
        .collect();
    for (i, option) in v3.body["paymentOption"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert_kept(
            &Value::Object(debtor.clone()),
            &option["debtor"],
            &format!("{what}.paymentOption[{i}].debtor"),
        );
        assert_eq!(option["switchToExpired"], sent["switchToExpired"], "{what}");
    }
}

async fn round_trip(app: &TestApp, created: Value, updated: Value) {
    let case = NEXT.fetch_add(1, Ordering::Relaxed);
    let iupd = format!("prop-{case}");
    let base = format!("/organizations/{ORG_A}/debtpositions");
    let created = identify(created, &iupd);
    let reply = app.post(&base, Some(&created)).await;
    assert_eq!(reply.status, 201, "create: {}\nsent {created}", reply.body);
    assert_kept(&created, &reply.body, "create reply");
    assert_stored(app, &created, "created").await;

    let updated = identify(updated, &iupd);
    let reply = app.put(&format!("{base}/{iupd}"), &updated).await;
    assert_eq!(reply.status, 200, "update: {}\nsent {updated}", reply.body);
    assert_kept(&updated, &reply.body, "update reply");
    assert_stored(app, &updated, "updated").await;
}

async fn positions_survive_create_read_update_read(app: TestApp) {
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let result = tokio::task::block_in_place(|| {
        runner.run(&(position(), position()), |(created, updated)| {
            handle.block_on(round_trip(&app, created, updated));
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

both_backends!(positions_survive_create_read_update_read);
