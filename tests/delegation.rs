//! Who may act for an institution, enforced on every REST request: institution keys with and
//! without a taxonomy scope, partner keys under a delegation, expired and revoked keys, against
//! positions inside, outside and across the scope. Every refusal leaves the data unchanged.

mod common;

use chrono::NaiveDate;
use common::nodo::send_rt;
use common::{iuv, option, position, Backend, TestApp, ORG_A, ORG_B};
use gpd_gateway::domain::access::{Partner, PartnerFiscalCode, Principal, Scope};
use gpd_gateway::domain::{self, OrgFiscalCode};
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::{self, delegations, partners, DatabaseUrl, DbConnection};
use serde_json::{json, Value};

const PARTNER: &str = "15376371009";
const OTHER_PARTNER: &str = "12345678901";
/// The waste-tax domain of a municipality: institution type 01, macro area 01.
const WASTE: &str = "9/0101108TS/";
const ROADS: &str = "9/0201109AP/";

fn conn(app: &TestApp) -> DbConnection {
    store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap()
}

fn scope(list: &str) -> Scope {
    Scope::parse_list("scope", list).unwrap()
}

fn org(fc: &str) -> OrgFiscalCode {
    OrgFiscalCode::parse("fc", fc).unwrap()
}

fn partner(fc: &str) -> PartnerFiscalCode {
    PartnerFiscalCode::parse("fc", fc).unwrap()
}

fn key(
    app: &TestApp,
    owner: Principal,
    key_scope: &str,
    expires: Option<NaiveDate>,
) -> (String, String) {
    let options = KeyOptions {
        scope: scope(key_scope),
        label: None,
        expires,
    };
    let new = keys::create(&mut conn(app), &owner, &options, "test", domain::now()).unwrap();
    (new.key_id, new.secret)
}

/// A position whose transfers have these categories (one option, one transfer per category).
fn with_categories(iupd: &str, n: u64, categories: &[&str]) -> Value {
    let mut p = position(iupd, &iuv(n));
    let mut o = option(
        &iuv(n),
        100 * categories.len() as i64,
        "2030-12-31T23:59:59",
    );
    o["transfer"] = Value::Array(
        categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({"idTransfer": (i + 1).to_string(), "amount": 100, "remittanceInformation": "x",
                       "category": c, "iban": "IT60X0542811101000000123456"})
            })
            .collect(),
    );
    p["paymentOption"] = json!([o]);
    p
}

struct Keys {
    institution_full: String,
    institution_waste: String,
    partner_full: String,
    partner_narrow: String,
    partner_roads: String,
    partner_undelegated: String,
    expired: String,
    revoked: String,
}

async fn setup(backend: Backend) -> (TestApp, Keys) {
    let app = common::spawn_app(backend).await;
    app.add_station(ORG_A, 2);
    let mut c = conn(&app);
    let now = domain::now();
    for fc in [PARTNER, OTHER_PARTNER] {
        partners::add(
            &mut c,
            &Partner::new(partner(fc), "Partner Srl").unwrap(),
            now,
        )
        .unwrap();
    }
    delegations::grant(
        &mut c,
        &org(ORG_A),
        &partner(PARTNER),
        &scope("0101"),
        "test",
        now,
    )
    .unwrap();
    let inst = || Principal::Institution(org(ORG_A));
    let part = || Principal::Partner(partner(PARTNER));
    let today = now.date();
    let (revoked_id, revoked) = key(&app, inst(), "", None);
    keys::revoke(&mut c, &revoked_id, "test", now).unwrap();
    let keys = Keys {
        institution_full: app.key_a.clone(),
        institution_waste: key(&app, inst(), "0101", None).1,
        partner_full: key(&app, part(), "", None).1,
        partner_narrow: key(&app, part(), "0101108TS", None).1,
        partner_roads: key(&app, part(), "0201", None).1,
        partner_undelegated: key(&app, Principal::Partner(partner(OTHER_PARTNER)), "", None).1,
        expired: key(&app, inst(), "", Some(today)).1,
        revoked,
    };
    for (iupd, n, categories) in [
        ("IN", 1, vec![WASTE]),
        ("OUT", 2, vec![ROADS]),
        ("MIXED", 3, vec![WASTE, ROADS]),
    ] {
        app.create(&with_categories(iupd, n, &categories), true)
            .await;
    }
    // Two days later (the server's clock): the key that worked through today has expired.
    app.clock.advance(chrono::Duration::days(2));
    (app, keys)
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let reply = app.send(method, path, Some(key), body).await;
    (reply.status, reply.body)
}

fn positions_path(rest: &str) -> String {
    format!("/organizations/{ORG_A}/debtpositions{rest}")
}

/// Which of IN, OUT, MIXED a key sees, or the status refusing it outright.
type Sees = Result<[bool; 3], u16>;

/// Each key, named, with what it sees.
fn expectations(k: &Keys) -> Vec<(&str, &str, Sees)> {
    vec![
        (
            "institution key",
            k.institution_full.as_str(),
            Ok([true, true, true]),
        ),
        (
            "institution key, scope 0101",
            k.institution_waste.as_str(),
            Ok([true, false, false]),
        ),
        (
            "partner key under delegation 0101",
            k.partner_full.as_str(),
            Ok([true, false, false]),
        ),
        (
            "partner key 0101108TS under 0101",
            k.partner_narrow.as_str(),
            Ok([true, false, false]),
        ),
        (
            "partner key 0201 under 0101 (nothing)",
            k.partner_roads.as_str(),
            Ok([false, false, false]),
        ),
        (
            "partner without delegation",
            k.partner_undelegated.as_str(),
            Err(403),
        ),
        ("expired key", k.expired.as_str(), Err(401)),
        ("revoked key", k.revoked.as_str(), Err(401)),
    ]
}

async fn reads_see_only_the_scope(backend: Backend) {
    let (app, k) = setup(backend).await;
    // A receipt for MIXED and IN, so receipts and events have something to hide.
    for (n, id) in [(1, "r-in"), (3, "r-mixed")] {
        let nav = format!("3{}", iuv(n));
        let sent = app.soap(Some("paSendRTV2"), send_rt(&nav, id, true)).await;
        assert_eq!(sent.fault_code(), "OK");
    }
    for (who, key, expected) in expectations(&k) {
        let (status, list) = call(
            &app,
            reqwest::Method::GET,
            &positions_path("?limit=50"),
            key,
            None,
        )
        .await;
        let Ok(visible) = expected else {
            assert_eq!(Err(status), expected.map(|_| [false; 3]), "{who}: {list}");
            continue;
        };
        assert_eq!(status, 200, "{who}: {list}");
        let listed: Vec<&str> = list["payment_position_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["iupd"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = ["MIXED", "OUT", "IN"]
            .into_iter()
            .filter(|i| visible[["IN", "OUT", "MIXED"].iter().position(|x| x == i).unwrap()])
            .collect();
        assert_eq!(listed, want, "{who}");
        assert_eq!(list["page_info"]["items_found"], want.len(), "{who}");
        for (i, iupd) in ["IN", "OUT", "MIXED"].into_iter().enumerate() {
            let (status, body) = call(
                &app,
                reqwest::Method::GET,
                &positions_path(&format!("/{iupd}")),
                key,
                None,
            )
            .await;
            assert_eq!(
                status,
                if visible[i] { 200 } else { 404 },
                "{who} GET {iupd}: {body}"
            );
            let nav = format!("3{}", iuv(i as u64 + 1));
            let (status, _) = call(
                &app,
                reqwest::Method::GET,
                &format!("/organizations/{ORG_A}/paymentoptions/{nav}"),
                key,
                None,
            )
            .await;
            assert_eq!(
                status,
                if visible[i] { 200 } else { 404 },
                "{who} GET option of {iupd}"
            );
        }
        let (status, receipts) = call(
            &app,
            reqwest::Method::GET,
            &format!("/payments/{ORG_A}/receipts"),
            key,
            None,
        )
        .await;
        assert_eq!(status, 200, "{who}");
        let ids: Vec<&str> = receipts["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["receiptId"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = [("r-mixed", visible[2]), ("r-in", visible[0])]
            .into_iter()
            .filter(|(_, v)| *v)
            .map(|(r, _)| r)
            .collect();
        assert_eq!(ids, want, "{who}: receipts");
        let (status, feed) = call(
            &app,
            reqwest::Method::GET,
            &format!("/organizations/{ORG_A}/events"),
            key,
            None,
        )
        .await;
        assert_eq!(status, 200, "{who}");
        let iupds: Vec<&str> = feed["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["iupd"].as_str().unwrap())
            .collect();
        for iupd in &iupds {
            let i = ["IN", "OUT", "MIXED"]
                .iter()
                .position(|x| x == iupd)
                .unwrap();
            assert!(visible[i], "{who} sees an event of {iupd}");
        }
        assert_eq!(
            iupds.len(),
            usize::from(visible[0]) * 2 + usize::from(visible[2]) * 2,
            "{who}: {iupds:?}"
        );
        let (status, body) = call(
            &app,
            reqwest::Method::GET,
            &format!("/organizations/{ORG_A}/webhook"),
            key,
            None,
        )
        .await;
        let want = if who == "institution key" { 404 } else { 403 };
        assert_eq!(status, want, "{who} webhook: {body}");
    }
}

async fn writes_outside_the_scope_are_refused(backend: Backend) {
    let (app, k) = setup(backend).await;
    let before = snapshot(&app).await;
    for (who, key, expected) in expectations(&k) {
        if who == "institution key" {
            continue;
        }
        let visible = expected.unwrap_or([false; 3]);
        for (i, iupd) in ["IN", "OUT", "MIXED"].into_iter().enumerate() {
            let refused = match expected {
                Err(status) => status,
                Ok(_) if visible[i] => continue,
                Ok(_) => 403,
            };
            let n = i as u64 + 1;
            let categories: &[&str] = match iupd {
                "IN" => &[WASTE],
                "OUT" => &[ROADS],
                _ => &[WASTE, ROADS],
            };
            let body = with_categories(iupd, n, categories);
            let nav = format!("3{}", iuv(n));
            let attempts = [
                (
                    reqwest::Method::PUT,
                    positions_path(&format!("/{iupd}")),
                    Some(body.clone()),
                ),
                (
                    reqwest::Method::POST,
                    positions_path(&format!("/{iupd}/invalidate")),
                    None,
                ),
                (
                    reqwest::Method::DELETE,
                    positions_path(&format!("/{iupd}")),
                    None,
                ),
                (
                    reqwest::Method::POST,
                    format!("/organizations/{ORG_A}/paymentoptions/{nav}/pay"),
                    Some(json!({"pspCompany": "PSP", "idReceipt": "x"})),
                ),
                (
                    reqwest::Method::POST,
                    format!("/organizations/{ORG_A}/paymentoptions/paids/{nav}"),
                    Some(json!({})),
                ),
                (
                    reqwest::Method::PUT,
                    format!("/organizations/{ORG_A}/paymentoptions/{nav}/notificationfee"),
                    Some(json!({"notificationFee": 100})),
                ),
            ];
            for (method, path, body) in attempts {
                let (status, reply) = call(&app, method.clone(), &path, key, body.as_ref()).await;
                assert_eq!(status, refused, "{who}: {method} {path}: {reply}");
                if refused == 403 && expected.is_ok() {
                    let detail = reply["detail"].as_str().unwrap();
                    assert!(
                        detail.contains(ROADS) || detail.contains(WASTE),
                        "{who}: {detail}"
                    );
                }
            }
        }
        // Creating out of scope: refused, nothing stored; a bulk with one bad position: none stored.
        let n = 90;
        let (status, reply) = call(
            &app,
            reqwest::Method::POST,
            &positions_path(""),
            key,
            Some(&with_categories("NEW-ROADS", n, &[ROADS])),
        )
        .await;
        assert_eq!(
            status,
            expected.map_or_else(|s| s, |_| 403),
            "{who}: {reply}"
        );
        if expected.is_ok() {
            assert_eq!(
                reply["detail"],
                format!("paymentOption[0].transfer[0].category: '{ROADS}' is outside the taxonomy scope of this API key ({})",
                    if who.contains("0201") { "none" } else if who.contains("0101108TS") { "0101108TS" } else { "0101" })
            );
        }
        let bulk = json!({"paymentPositions": [with_categories("B1", 91, &[WASTE]), with_categories("B2", 92, &[ROADS])]});
        let (status, reply) = call(
            &app,
            reqwest::Method::POST,
            &positions_path("/bulk"),
            key,
            Some(&bulk),
        )
        .await;
        assert_eq!(
            status,
            expected.map_or_else(|s| s, |_| 403),
            "{who}: {reply}"
        );
        // An update may not move a position out of the scope.
        if expected.is_ok_and(|v| v[0]) {
            let moved = with_categories("IN", 1, &[ROADS]);
            let (status, reply) = call(
                &app,
                reqwest::Method::PUT,
                &positions_path("/IN"),
                key,
                Some(&moved),
            )
            .await;
            assert_eq!(status, 403, "{who}: {reply}");
        }
        let service = json!({"name": "Multa", "description": "Multa", "category": ROADS,
            "iban": "IT60X0542811101000000123456", "amount": 100});
        let (status, reply) = call(
            &app,
            reqwest::Method::PUT,
            &format!("/organizations/{ORG_A}/services/ROA01"),
            key,
            Some(&service),
        )
        .await;
        assert_eq!(
            status,
            expected.map_or_else(|s| s, |_| 403),
            "{who}: {reply}"
        );
    }
    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused request changed something"
    );

    // Within the scope the partner works as the institution would.
    let (status, reply) = call(
        &app,
        reqwest::Method::POST,
        &positions_path(""),
        &k.partner_full,
        Some(&with_categories("NEW-WASTE", 95, &[WASTE])),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &positions_path("/IN/invalidate"),
        &k.partner_full,
        None,
    )
    .await;
    assert_eq!(status, 200);
}

/// Every position of ORG_A as the institution reads it.
async fn snapshot(app: &TestApp) -> Vec<Value> {
    let list = app
        .get(&positions_path("?limit=50&orderby=IUPD&ordering=ASC"))
        .await;
    let mut all = Vec::new();
    for p in list.body["payment_position_list"].as_array().unwrap() {
        let one = app
            .get(&positions_path(&format!(
                "/{}",
                p["iupd"].as_str().unwrap()
            )))
            .await;
        all.push(one.body);
    }
    all.push(
        app.get(&format!("/organizations/{ORG_A}/services"))
            .await
            .body,
    );
    all
}

async fn revoking_the_delegation_takes_effect_at_once(backend: Backend) {
    let (app, k) = setup(backend).await;
    let path = positions_path("/IN");
    assert_eq!(
        call(&app, reqwest::Method::GET, &path, &k.partner_full, None)
            .await
            .0,
        200
    );
    delegations::revoke(
        &mut conn(&app),
        &org(ORG_A),
        &partner(PARTNER),
        "test",
        domain::now(),
    )
    .unwrap();
    let (status, body) = call(&app, reqwest::Method::GET, &path, &k.partner_full, None).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["detail"],
        format!("Partner {PARTNER} has no delegation from organization {ORG_A}")
    );
    // Another institution's path with the partner key: no delegation either.
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        &format!("/organizations/{ORG_B}/debtpositions"),
        &k.partner_full,
        None,
    )
    .await;
    assert_eq!(status, 403);
    // Granting again with a wider scope: OUT becomes visible.
    delegations::grant(
        &mut conn(&app),
        &org(ORG_A),
        &partner(PARTNER),
        &scope("0101,0201"),
        "test",
        domain::now(),
    )
    .unwrap();
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            &positions_path("/OUT"),
            &k.partner_full,
            None
        )
        .await
        .0,
        200
    );
}

both_backends!(
    backend;
    reads_see_only_the_scope,
    writes_outside_the_scope_are_refused,
    revoking_the_delegation_takes_effect_at_once,
);
