//! A partner's own webhook: it receives, signed with its secret, the events of the positions
//! within the scope of each delegation it holds, and nothing else; the institution's webhook
//! and feed are unchanged. Managed over REST with one of the partner's own keys.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use common::nodo::send_rt;
use common::{iuv, position, Backend, TestApp, ORG_A};
use gpd_gateway::domain::access::{Partner, PartnerFiscalCode, Principal, Scope};
use gpd_gateway::domain::{self, OrgFiscalCode};
use gpd_gateway::store::keys::{self, KeyOptions};
use gpd_gateway::store::{self, delegations, partners, DatabaseUrl, DbConnection};
use reqwest::Method;
use serde_json::{json, Value};

const PARTNER: &str = "15376371009";
const OTHER_PARTNER: &str = "12345678901";
const WASTE: &str = "9/0101108TS/";
const ROADS: &str = "9/0201109AP/";

#[derive(Debug, Clone)]
struct Received {
    signature: String,
    body: String,
}

/// A webhook endpoint inside the test, recording what it receives.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receive(
    got: web::Data<Mutex<Vec<Received>>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let signature = req
        .headers()
        .get("X-GPD-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    got.lock().unwrap().push(Received {
        signature,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    HttpResponse::Ok().finish()
}

impl Receiver {
    async fn start() -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let url = format!("{}/hooks", common::serve_local(got.clone(), receive, 1));
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn conn(app: &TestApp) -> DbConnection {
    store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap()
}

fn partner(fc: &str) -> PartnerFiscalCode {
    PartnerFiscalCode::parse("fc", fc).unwrap()
}

fn org_a() -> OrgFiscalCode {
    OrgFiscalCode::parse("fc", ORG_A).unwrap()
}

fn key(app: &TestApp, owner: Principal, scope: &str) -> String {
    let options = KeyOptions {
        scope: Scope::parse_list("scope", scope).unwrap(),
        label: None,
        expires: None,
    };
    keys::create(&mut conn(app), &owner, &options, "test", domain::now())
        .unwrap()
        .secret
}

struct Setup {
    app: TestApp,
    partner_key: String,
    other_partner_key: String,
    narrow_partner_key: String,
}

/// ORG_A delegates 0101 to PARTNER; OTHER_PARTNER is registered without delegations.
async fn setup(backend: Backend) -> Setup {
    let app = common::spawn_app_with(backend, |c| c.webhook_poll_ms = 20).await;
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
    let waste = Scope::parse_list("scope", "0101").unwrap();
    delegations::grant(&mut c, &org_a(), &partner(PARTNER), &waste, "test", now).unwrap();
    Setup {
        partner_key: key(&app, Principal::Partner(partner(PARTNER)), ""),
        other_partner_key: key(&app, Principal::Partner(partner(OTHER_PARTNER)), ""),
        narrow_partner_key: key(&app, Principal::Partner(partner(PARTNER)), "0101"),
        app,
    }
}

/// The default position of the tests (12.30 in two transfers), every transfer in `category`.
fn position_in(iupd: &str, n: u64, category: &str) -> Value {
    let mut p = position(iupd, &iuv(n));
    for t in p["paymentOption"][0]["transfer"].as_array_mut().unwrap() {
        t["category"] = json!(category);
    }
    p
}

async fn pay(app: &TestApp, n: u64) {
    let reply = app
        .soap(
            Some("paSendRTV2"),
            send_rt(&format!("3{}", iuv(n)), &format!("rcpt-{n}"), true),
        )
        .await;
    assert_eq!(reply.fault_code(), "OK");
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let reply = app.send(method, path, Some(key), body).await;
    (reply.status, reply.body)
}

const HOOK: &str = "/partners/15376371009/webhook";

async fn partner_receives_only_in_scope_events_signed(s: Setup) {
    let app = &s.app;
    let (org_rx, partner_rx) = (Receiver::start().await, Receiver::start().await);
    let org_reply = app
        .put(
            &format!("/organizations/{ORG_A}/webhook"),
            &json!({"url": org_rx.url}),
        )
        .await;
    assert_eq!(org_reply.status, 201, "{}", org_reply.body);
    let (status, body) = call(
        app,
        Method::PUT,
        HOOK,
        &s.partner_key,
        Some(&json!({"url": partner_rx.url})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();

    app.create(&position_in("IN", 1, WASTE), true).await;
    app.create(&position_in("OUT", 2, ROADS), true).await;
    pay(app, 1).await;
    pay(app, 2).await;

    let org_got = org_rx.wait_for(4).await;
    assert_eq!(org_got.len(), 4, "{org_got:?}");
    let got = partner_rx.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_after = partner_rx.received();
    assert_eq!(got_after.len(), 2, "{got_after:?}");
    let docs: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let types: Vec<&str> = docs.iter().map(|d| d["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["payment.received", "position.paid"]);
    for (r, d) in got.iter().zip(&docs) {
        assert!(gpd_gateway::events::verify_signature(
            &secret,
            &r.signature,
            &r.body
        ));
        assert_eq!(d["organizationFiscalCode"], ORG_A);
        assert_eq!(d["data"]["iupd"], "IN");
    }

    // The institution's feed: its 4 events, none of the partner's copies.
    let feed = app
        .get(&format!("/organizations/{ORG_A}/events?limit=500"))
        .await
        .body;
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{feed}");
    let feed_ids: Vec<&str> = events
        .iter()
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    for d in &docs {
        assert!(
            !feed_ids.contains(&d["id"].as_str().unwrap()),
            "partner copy in the feed: {feed}"
        );
    }
    // The copies are the institution's documents but for their id.
    let org_docs: Vec<Value> = org_got
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let original = org_docs
        .iter()
        .find(|o| o["type"] == "payment.received" && o["data"]["iupd"] == "IN")
        .unwrap();
    assert_eq!(original["data"], docs[0]["data"]);
    assert_ne!(original["id"], docs[0]["id"]);

    // Once the delegation is revoked, nothing more reaches the partner.
    delegations::revoke(
        &mut conn(app),
        &org_a(),
        &partner(PARTNER),
        "test",
        domain::now(),
    )
    .unwrap();
    app.create(&position_in("IN-2", 3, WASTE), true).await;
    pay(app, 3).await;
    assert_eq!(org_rx.wait_for(6).await.len(), 6);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(partner_rx.received().len(), 2);
}

async fn partner_webhook_api(s: Setup) {
    let app = &s.app;
    let url = json!({"url": "https://partner.example/hooks"});
    // 401: no key, an unknown key.
    let none = app.send(Method::GET, HOOK, None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.body["detail"],
        "Access denied: the Ocp-Apim-Subscription-Key header is missing"
    );
    let (status, body) = call(app, Method::GET, HOOK, "nope", None).await;
    assert_eq!(
        (status, body["detail"].clone()),
        (401, json!("Access denied: the API key is not valid"))
    );
    // 403: the institution's key, another partner's key, a key of the partner with a scope.
    for other in [&app.key_a, &s.other_partner_key] {
        let (status, body) = call(app, Method::PUT, HOOK, other, Some(&url)).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(
            body["detail"],
            "This API key is not allowed to act for partner 15376371009"
        );
    }
    let (status, body) = call(app, Method::GET, HOOK, &s.narrow_partner_key, None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["detail"],
        "Managing partner 15376371009's webhook needs one of its API keys without a taxonomy scope"
    );

    let k = s.partner_key.as_str();
    let (status, body) = call(app, Method::GET, HOOK, k, None).await;
    assert_eq!(
        (status, body["detail"].clone()),
        (404, json!("partner 15376371009 has no webhook"))
    );
    let (status, body) = call(app, Method::PUT, HOOK, k, Some(&json!({"url": "ftp://x"}))).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().unwrap().starts_with("url:"));

    let (status, created) = call(app, Method::PUT, HOOK, k, Some(&url)).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let mut fields: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["createdAt", "enabled", "secret", "updatedAt", "url"]
    );
    assert_eq!(created["url"], "https://partner.example/hooks");
    assert_eq!(created["enabled"], true);

    let (status, again) = call(app, Method::PUT, HOOK, k, Some(&url)).await;
    assert_eq!(status, 200, "{again}");
    assert!(again.get("secret").is_none());
    let (status, shown) = call(app, Method::GET, HOOK, k, None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["url"], "https://partner.example/hooks");
    assert!(shown.get("secret").is_none());

    let rotate = format!("{HOOK}/rotate-secret");
    let (status, rotated) = call(app, Method::POST, &rotate, k, None).await;
    assert_eq!(status, 200);
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_ne!(rotated["secret"].as_str().unwrap(), secret);

    let (status, disabled) = call(app, Method::DELETE, HOOK, k, None).await;
    assert_eq!(status, 200);
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["disabledReason"], "disabled by the partner");
    // The institution's own webhook is another thing: still none.
    assert_eq!(
        app.get(&format!("/organizations/{ORG_A}/webhook"))
            .await
            .status,
        404
    );
}

async fn partner_webhook_cli(s: Setup) {
    let url = s.app.database_url.as_str();
    let set = [
        "webhook",
        "set",
        "--partner",
        PARTNER,
        "--url",
        "https://partner.example/hooks",
    ];
    let (ok, out, err) = common::gpd(url, &set);
    assert!(ok, "{err}");
    assert!(out.starts_with("webhook of partner 15376371009 created: https://partner.example/hooks; signing secret:"), "{out}");
    let secret = out.lines().last().unwrap().trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{out}");
    let (ok, out, _) = common::gpd(url, &["webhook", "show", "--partner", PARTNER]);
    assert!(ok);
    assert!(
        out.starts_with("15376371009\thttps://partner.example/hooks\tenabled"),
        "{out}"
    );
    assert!(!out.contains(&secret));
    let (ok, out, _) = common::gpd(url, &["webhook", "rotate-secret", "--partner", PARTNER]);
    assert!(ok);
    assert_ne!(out.lines().last().unwrap().trim(), secret);
    let (ok, out, _) = common::gpd(url, &["webhook", "disable", "--partner", PARTNER]);
    assert!(ok);
    assert!(out.contains("disabled (disabled by the operator)"), "{out}");
    // The API sees what the CLI set.
    let (status, shown) = call(&s.app, Method::GET, HOOK, &s.partner_key, None).await;
    assert_eq!((status, shown["enabled"].clone()), (200, json!(false)));
    let (ok, _, err) = common::gpd(url, &["webhook", "show", "--partner", "99999999999"]);
    assert!(!ok);
    assert!(err.contains("partner 99999999999 has no webhook"), "{err}");
    let (ok, _, err) = common::gpd(
        url,
        &["webhook", "show", "--partner", PARTNER, "--org", ORG_A],
    );
    assert!(!ok, "--org and --partner together are refused");
    assert!(err.contains("cannot be used with"), "{err}");
}

both_backends!(
    setup = super::setup;
    partner_receives_only_in_scope_events_signed,
    partner_webhook_api,
    partner_webhook_cli,
);
