//! Real-time events: the outbox, signed webhooks, retries, crashes, several workers, pull APIs.

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use common::nodo::send_rt;
use common::{iuv, position, start_server, Backend, TestApp, ORG_A};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    event_type: String,
    signature: String,
    body: String,
    at: Instant,
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once empty.
    plan: Mutex<VecDeque<u16>>,
    /// While set, requests wait (a slow webhook).
    hold: tokio::sync::RwLock<()>,
}

/// A webhook endpoint inside the test, recording what it receives.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
}

async fn receive(
    state: web::Data<ReceiverState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let _wait = state.hold.read().await;
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.got.lock().unwrap().push(Received {
        event_id: header("X-GPD-Event-Id"),
        event_type: header("X-GPD-Event-Type"),
        signature: header("X-GPD-Signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    let status = state.plan.lock().unwrap().pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let url = format!(
            "{}/hooks/pagopa",
            common::serve_local(state.clone(), receive, 2)
        );
        Receiver { url, state }
    }

    fn plan(&self, statuses: &[u16]) {
        self.state.plan.lock().unwrap().extend(statuses);
    }

    fn received(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Waits until the feed holds `n` events, all in `state`, and returns it: once no event is
/// pending, no delivery can follow, so what the receiver got is final.
async fn settled_feed(app: &TestApp, n: usize, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let feed = app
            .get(&format!("/organizations/{ORG_A}/events?limit=500"))
            .await
            .body;
        let events = feed["events"].as_array().cloned().unwrap_or_default();
        let settled = events.len() == n && events.iter().all(|e| e["deliveryState"] == state);
        if settled || Instant::now() > deadline {
            assert!(settled, "events not settled as {n} {state}: {feed}");
            return feed;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn fast_retries(c: &mut gpd_gateway::config::ServeConfig) {
    c.webhook_poll_ms = 20;
    c.webhook_backoff_base_ms = 100;
    c.webhook_backoff_max_secs = 1;
    c.webhook_timeout_secs = 5;
}

async fn app(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(backend, fast_retries).await;
    app.add_station(ORG_A, 2);
    app
}

/// Sets the webhook over REST and returns its secret.
async fn hook(app: &TestApp, url: &str) -> String {
    let reply = app
        .put(
            &format!("/organizations/{ORG_A}/webhook"),
            &json!({"url": url}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["secret"].as_str().unwrap().to_owned()
}

fn nav(n: u64) -> String {
    format!("3{}", iuv(n))
}

fn independent_signature_check(secret: &str, header: &str, body: &str) {
    let (t, v1) = header.split_once(",v1=").expect("t=...,v1=...");
    let t = t.strip_prefix("t=").expect("t=");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(
        hex::encode(mac.finalize().into_bytes()),
        v1,
        "signature does not match"
    );
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp {t} is not current");
}

async fn payment_event_is_signed_and_complete(app: TestApp) {
    let rx = Receiver::start().await;
    let secret = hook(&app, &rx.url).await;
    app.create(&position("EV-1", &iuv(1)), true).await;
    let reply = app
        .soap(Some("paSendRTV2"), send_rt(&nav(1), "rcpt-ev-1", true))
        .await;
    assert_eq!(reply.fault_code(), "OK");

    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].event_type, "payment.received");
    assert_eq!(got[1].event_type, "position.paid");
    for e in &got {
        independent_signature_check(&secret, &e.signature, &e.body);
        assert!(gpd_gateway::events::verify_signature(
            &secret,
            &e.signature,
            &e.body
        ));
        assert!(!gpd_gateway::events::verify_signature(
            "wrong",
            &e.signature,
            &e.body
        ));
    }
    let event: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event["id"], got[0].event_id.as_str());
    assert_eq!(event["type"], "payment.received");
    assert_eq!(event["schemaVersion"], 1);
    assert_eq!(event["organizationFiscalCode"], ORG_A);
    let d = &event["data"];
    assert_eq!(d["iupd"], "EV-1");
    assert_eq!(d["iuv"], iuv(1).as_str());
    assert_eq!(d["nav"], nav(1).as_str());
    assert_eq!(d["amount"], 1230);
    assert_eq!(d["fee"], 150);
    assert_eq!(d["paymentDate"], "2026-11-20T10:30:00");
    assert_eq!(d["receiptId"], "rcpt-ev-1");
    assert_eq!(d["idPSP"], "BCITITMM");
    assert_eq!(d["pspCompany"], "Intesa Sanpaolo");
    assert_eq!(d["paymentMethod"], "creditCard");
    assert_eq!(d["debtorFiscalCode"], "RSSMRA80A01H501U");
    assert_eq!(d["positionStatus"], "PAID");
    assert_eq!(d["transfers"].as_array().unwrap().len(), 2);
    assert_eq!(d["transfers"][0]["amount"], 1030);
    assert_eq!(d["transfers"][0]["iban"], "IT60X0542811101000000123456");
    assert_eq!(d["transfers"][1]["organizationFiscalCode"], "99999999999");
    let paid: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(paid["data"]["status"], "PAID");
    assert_eq!(paid["data"]["paymentOptions"][0]["idReceipt"], "rcpt-ev-1");

    // The same receipt again makes no new event.
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-ev-1", true))
            .await
            .fault_code(),
        "OK"
    );
    settled_feed(&app, 2, "DELIVERED").await;
    assert_eq!(rx.received().len(), 2);

    let feed = app
        .get(&format!("/organizations/{ORG_A}/events"))
        .await
        .body;
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["deliveryState"], "DELIVERED");
    assert_eq!(events[0]["attempts"], 1);
    assert_eq!(events[0]["event"]["data"]["receiptId"], "rcpt-ev-1");
    assert_eq!(feed["nextCursor"], events[1]["cursor"]);
    let after = app
        .get(&format!(
            "/organizations/{ORG_A}/events?after={}",
            feed["nextCursor"]
        ))
        .await
        .body;
    assert_eq!(after["events"].as_array().unwrap().len(), 0);

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("gpd_events{state=\"DELIVERED\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("gpd_webhook_deliveries_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("gpd_webhook_delivery_latency_seconds_count 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/paForNode\",status=\"200\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("route=\"/organizations/{organizationfiscalcode}/debtpositions\""),
        "{metrics}"
    );
}

async fn retries_until_the_endpoint_recovers(app: TestApp) {
    let rx = Receiver::start().await;
    rx.plan(&[500, 500, 503]);
    hook(&app, &rx.url).await;
    app.create(&position("RETRY", &iuv(1)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/RETRY/invalidate"),
        None,
    )
    .await;
    let got = rx.wait_for(4, Duration::from_secs(15)).await;
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(
        got.iter().all(|e| e.event_id == got[0].event_id),
        "the same event, the same id"
    );
    assert!(
        got.iter().all(|e| e.body == got[0].body),
        "the same body on every attempt"
    );
    // Delays double from 100 ms (with ±20% jitter).
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(75), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(155), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(315), "{gaps:?}");
    let feed = settled_feed(&app, 1, "DELIVERED").await;
    assert_eq!(
        rx.received().len(),
        4,
        "delivered exactly once after recovery"
    );
    assert_eq!(feed["events"][0]["attempts"], 4);
    assert_eq!(feed["events"][0]["type"], "position.invalidated");
}

async fn dead_events_can_be_redelivered(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| {
        fast_retries(c);
        c.webhook_max_attempts = 3;
    })
    .await;
    let rx = Receiver::start().await;
    rx.plan(&[500, 500, 500]);
    hook(&app, &rx.url).await;
    app.create(&position("DEAD", &iuv(1)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/DEAD/invalidate"),
        None,
    )
    .await;
    rx.wait_for(3, Duration::from_secs(10)).await;
    let feed = settled_feed(&app, 1, "DEAD").await;
    let event = &feed["events"][0];
    assert_eq!(event["deliveryState"], "DEAD");
    assert_eq!(event["attempts"], 3);
    assert_eq!(event["lastStatus"], 500);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("gpd_webhook_dead_total 1"), "{metrics}");
    let id = event["eventId"].as_str().unwrap();
    let again = app
        .post(
            &format!("/organizations/{ORG_A}/events/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(again.status, 202);
    let got = rx.wait_for(4, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 4);
    assert_eq!(
        app.post(
            &format!("/organizations/{ORG_A}/events/nope/redeliver"),
            None
        )
        .await
        .status,
        404
    );
}

async fn gone_disables_the_webhook(app: TestApp) {
    let rx = Receiver::start().await;
    rx.plan(&[410]);
    hook(&app, &rx.url).await;
    app.create(&position("GONE", &iuv(1)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/GONE/invalidate"),
        None,
    )
    .await;
    rx.wait_for(1, Duration::from_secs(5)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let webhook = loop {
        let webhook = app
            .get(&format!("/organizations/{ORG_A}/webhook"))
            .await
            .body;
        if webhook["enabled"] == false || Instant::now() > deadline {
            break webhook;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(webhook["enabled"], false);
    assert!(webhook["disabledReason"].as_str().unwrap().contains("410"));
    assert!(
        webhook.get("secret").is_none(),
        "the secret is never shown again"
    );
    assert_eq!(rx.received().len(), 1);
    // Enabling it again resumes the pending event.
    let reply = app
        .put(
            &format!("/organizations/{ORG_A}/webhook"),
            &json!({"url": rx.url}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.get("secret").is_none());
    assert_eq!(rx.wait_for(2, Duration::from_secs(5)).await.len(), 2);
}

async fn crash_before_delivery_loses_nothing(backend: Backend) {
    // First instance: no delivery worker, so the event stays in the outbox when it stops.
    let app = common::spawn_app_with(backend, |c| {
        fast_retries(c);
        c.webhook_worker = false;
    })
    .await;
    app.add_station(ORG_A, 2);
    let rx = Receiver::start().await;
    hook(&app, &rx.url).await;
    app.create(&position("CRASH", &iuv(1)), true).await;
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-crash", true))
            .await
            .fault_code(),
        "OK"
    );
    // This instance has no delivery worker: the event waits in the outbox.
    assert!(rx.received().is_empty());
    settled_feed(&app, 2, "PENDING").await;
    // A restarted instance delivers it.
    let (_, second) = start_server(&app.database_url, fast_retries).await;
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(
        got.iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["payment.received", "position.paid"]
    );
    second.stop(true).await;
}

async fn slow_webhooks_do_not_slow_the_nodo(app: TestApp) {
    let rx = Receiver::start().await;
    hook(&app, &rx.url).await;
    app.create(&position("SLOW", &iuv(1)), true).await;
    let held = rx.state.hold.write().await;
    // The receipt is acknowledged while the webhook is still holding the delivery.
    assert_eq!(
        app.soap(None, send_rt(&nav(1), "rcpt-slow", true))
            .await
            .fault_code(),
        "OK"
    );
    assert_eq!(
        app.soap(None, common::nodo::verify(ORG_A, &nav(1)))
            .await
            .fault_code(),
        "PAA_PAGAMENTO_DUPLICATO"
    );
    drop(held);
    assert_eq!(rx.wait_for(2, Duration::from_secs(10)).await.len(), 2);
}

async fn two_workers_deliver_each_event_once(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| {
        fast_retries(c);
        c.webhook_worker = false;
    })
    .await;
    let rx = Receiver::start().await;
    hook(&app, &rx.url).await;
    for batch in 0..5u64 {
        let positions: Vec<Value> = (0..100)
            .map(|i| position(&format!("P-{batch}-{i}"), &iuv(batch * 100 + i)))
            .collect();
        let reply = app
            .post(
                &format!("/organizations/{ORG_A}/debtpositions/bulk?toPublish=true"),
                Some(&json!({"paymentPositions": positions})),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let paths: Vec<String> = (0..500u64)
        .map(|n| format!("/organizations/{ORG_A}/paymentoptions/paids/{}", nav(n)))
        .collect();
    let empty = json!({});
    for chunk in paths.chunks(25) {
        for r in
            futures_util::future::join_all(chunk.iter().map(|p| app.post(p, Some(&empty)))).await
        {
            assert_eq!(r.status, 200);
        }
    }
    // Two instances deliver from the same outbox.
    let (_, w1) = start_server(&app.database_url, fast_retries).await;
    let (_, w2) = start_server(&app.database_url, fast_retries).await;
    let got = rx.wait_for(500, Duration::from_secs(60)).await;
    settled_feed(&app, 500, "DELIVERED").await;
    let got_after = rx.received();
    assert_eq!(got.len(), 500);
    assert_eq!(got_after.len(), 500, "no event delivered twice");
    let mut per_event: HashMap<&str, usize> = HashMap::new();
    for e in &got_after {
        *per_event.entry(&e.event_id).or_default() += 1;
        assert_eq!(e.event_type, "position.paid");
    }
    assert_eq!(per_event.len(), 500);
    w1.stop(true).await;
    w2.stop(true).await;
}

async fn expiry_and_events_without_webhook(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| {
        fast_retries(c);
        c.status_job_interval_secs = 1;
    })
    .await;
    let due = app.clock.now() + chrono::Duration::hours(1);
    let mut body = position("EXP", &iuv(1));
    body["switchToExpired"] = json!(true);
    body["paymentOption"][0]["dueDate"] = json!(due.format("%Y-%m-%dT%H:%M:%S%.3f").to_string());
    app.create(&body, true).await;
    app.clock.advance(chrono::Duration::hours(2));
    // No webhook: the job's event is recorded for the feed only.
    let deadline = Instant::now() + Duration::from_secs(10);
    let feed = loop {
        let feed = app
            .get(&format!("/organizations/{ORG_A}/events"))
            .await
            .body;
        if !feed["events"].as_array().unwrap().is_empty() || Instant::now() > deadline {
            break feed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let event = &feed["events"][0];
    assert_eq!(event["type"], "position.expired");
    assert_eq!(event["deliveryState"], "NO_WEBHOOK");
    assert_eq!(event["event"]["data"]["status"], "EXPIRED");
    // Configured later, the webhook gets it on request.
    let rx = Receiver::start().await;
    hook(&app, &rx.url).await;
    let id = event["eventId"].as_str().unwrap();
    assert_eq!(
        app.post(
            &format!("/organizations/{ORG_A}/events/{id}/redeliver"),
            None
        )
        .await
        .status,
        202
    );
    let got = rx.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].event_type, "position.expired");
}

async fn webhook_api(app: TestApp) {
    let path = format!("/organizations/{ORG_A}/webhook");
    assert_eq!(app.get(&path).await.status, 404);
    let bad = app.put(&path, &json!({"url": "ftp://example.org/x"})).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["detail"].as_str().unwrap().starts_with("url:"));
    let secret = hook(&app, "https://ec.example/hooks/pagopa").await;
    assert!(secret.starts_with("whsec_"));
    let shown = app.get(&path).await.body;
    assert_eq!(shown["url"], "https://ec.example/hooks/pagopa");
    assert_eq!(shown["enabled"], true);
    assert!(shown.get("secret").is_none());
    let rotated = app.post(&format!("{path}/rotate-secret"), None).await.body;
    assert_ne!(rotated["secret"].as_str().unwrap(), secret);
    let disabled = app.delete(&path).await.body;
    assert_eq!(disabled["enabled"], false);
    let other = app
        .send(reqwest::Method::GET, &path, Some(&app.key_b), None)
        .await;
    assert_eq!(other.status, 403);
}

async fn receipts_api(app: TestApp) {
    app.add_station(ORG_A, 2);
    for n in 1..=3u64 {
        app.create(&position(&format!("RC-{n}"), &iuv(n)), true)
            .await;
        assert_eq!(
            app.soap(None, send_rt(&nav(n), &format!("rcpt-{n}"), true))
                .await
                .fault_code(),
            "OK"
        );
    }
    let list = app
        .get(&format!("/payments/{ORG_A}/receipts?pageSize=2"))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["length"], 2);
    assert_eq!(list.body["totalPages"], 2);
    assert_eq!(list.body["currentPageNumber"], 0);
    let first = &list.body["results"][0];
    assert_eq!(first["organizationFiscalCode"], ORG_A);
    assert_eq!(first["status"], "PAID");
    assert_eq!(first["debtor"], "RSSMRA80A01H501U");
    assert_eq!(first["paymentDateTime"], "2026-11-20T10:30:00");
    assert_eq!(first["amount"], 1230);
    let filtered = app
        .get(&format!("/payments/{ORG_A}/receipts?debtor=NOBODY"))
        .await;
    assert_eq!(filtered.body["length"], 0);
    let by_date = app
        .get(&format!(
            "/payments/{ORG_A}/receipts?from=2026-11-20&to=2026-11-20"
        ))
        .await;
    assert_eq!(by_date.body["length"], 3);
    let none = app
        .get(&format!("/payments/{ORG_A}/receipts?from=2026-11-21"))
        .await;
    assert_eq!(none.body["length"], 0);
    assert_eq!(
        app.get(&format!("/payments/{ORG_A}/receipts?from=2026-13-01"))
            .await
            .status,
        400
    );
    let res = app
        .client
        .get(app.url(&format!("/payments/{ORG_A}/receipts/{}", iuv(2))))
        .header(common::KEY_HEADER, &app.key_a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/xml");
    let xml = res.text().await.unwrap();
    assert!(xml.contains("<receiptId>rcpt-2</receiptId>"), "{xml}");
    assert_eq!(
        app.get(&format!("/payments/{ORG_A}/receipts/00000000000000000"))
            .await
            .status,
        404
    );
}

both_backends!(
    setup = super::app;
    payment_event_is_signed_and_complete,
    retries_until_the_endpoint_recovers,
    gone_disables_the_webhook,
    slow_webhooks_do_not_slow_the_nodo,
    webhook_api,
    receipts_api,
    unreachable_webhook_error_names_the_cause,
);

/// One test per backend for each function taking a `Backend`.
macro_rules! per_backend {
    ($($name:ident),*) => {
        mod by_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Backend::Sqlite).await }
            )*
            #[cfg(feature = "mysql")]
            mod mysql {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() { super::super::$name(super::super::Backend::Mysql).await }
                )*
            }
        }
    };
}

per_backend!(
    dead_events_can_be_redelivered,
    crash_before_delivery_loses_nothing,
    two_workers_deliver_each_event_once,
    expiry_and_events_without_webhook
);

#[tokio::test]
async fn readme_signature_snippet_verifies_a_real_signature() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("<!-- verify-signature -->")
        .expect("snippet marker in README");
    let code = &readme[start..];
    let code = &code[code.find("```python\n").unwrap() + 10..];
    let code = &code[..code.find("```").unwrap()];
    let body = r#"{"id":"e1","type":"payment.received"}"#;
    let secret = "whsec_test";
    let header = gpd_gateway::events::signature(secret, chrono::Utc::now().timestamp(), body);
    let script = format!(
        "{code}\nimport sys\nprint(verify(sys.argv[1].encode(), sys.argv[2], sys.argv[3]), verify(b'x' + sys.argv[1].encode(), sys.argv[2], sys.argv[3]))"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args([body, header.as_str(), secret])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True False");
}

async fn unreachable_webhook_error_names_the_cause(app: TestApp) {
    // A port nothing listens on: the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    hook(&app, &format!("http://127.0.0.1:{port}/hooks/pagopa")).await;
    app.create(&position("REFUSED", &iuv(1)), true).await;
    app.post(
        &format!("/organizations/{ORG_A}/debtpositions/REFUSED/invalidate"),
        None,
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let feed = app
            .get(&format!("/organizations/{ORG_A}/events"))
            .await
            .body;
        if let Some(error) = feed["events"][0]["lastError"].as_str() {
            assert!(
                error.to_lowercase().contains("connection refused"),
                "the cause is missing: {error}"
            );
            return;
        }
        assert!(Instant::now() < deadline, "no delivery error yet: {feed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Claiming events locks only the events claimed. The claim's UPDATE took `id IN (...)` with
/// `state = 'PENDING'` and the lease's condition, so MariaDB could run it as a range scan of
/// idx_events_due (it does here: 3,000 events delivered, 201 pending, 200 claimed), waiting for an
/// event another instance was marking delivered; that instance's UPDATE then waited for the
/// claim's lock on the index entry: a deadlock that rolled back the recorded delivery, and the
/// event was delivered again when its lease expired (found by tests/soak).
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_claim_does_not_wait_for_an_event_being_finished() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    let app = common::spawn_app(Backend::Mysql).await;
    hook(&app, "http://127.0.0.1:9/hook").await;
    let rows: Vec<String> = (0..3201)
        .map(|n| {
            let (state, lease) = match n {
                0..3000 => ("DELIVERED", "NULL, NULL"),
                // Leased by another instance, which is recording its delivery.
                3100 => ("PENDING", "'2030-06-01 00:01:00', 'other'"),
                _ => ("PENDING", "NULL, NULL"),
            };
            format!(
                "('{}', '{ORG_A}', '', 'position.paid', 'E-{n}', '{{}}', '2030-01-01', '{state}', 0, \
                 '2030-01-01', {lease})",
                uuid::Uuid::new_v4()
            )
        })
        .collect();
    let mut other = diesel::MysqlConnection::establish(&app.database_url).unwrap();
    other
        .batch_execute(&format!(
            "INSERT INTO events (event_id, organization_fiscal_code, subscriber, event_type, iupd, \
             payload, created_at, state, attempts, next_attempt_at, locked_until, locked_by) VALUES {}",
            rows.join(",")
        ))
        .unwrap();
    let finishing: i64 = gpd_gateway::store::schema::events::table
        .filter(gpd_gateway::store::schema::events::iupd.eq("E-3100"))
        .select(gpd_gateway::store::schema::events::id)
        .first(&mut other)
        .unwrap();
    // As the other instance records the delivery (in READ COMMITTED, as every connection).
    other
        .batch_execute(&format!(
            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN; \
             UPDATE events SET state = 'DELIVERED', locked_until = NULL, locked_by = NULL \
             WHERE id = {finishing} AND locked_by = 'other'"
        ))
        .unwrap();
    let url = gpd_gateway::store::DatabaseUrl::parse(&app.database_url).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2030, 6, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let claimed = gpd_gateway::store::events::claim(
            &mut conn,
            "mine",
            now,
            chrono::Duration::seconds(60),
            200,
        )
        .map(|events| events.len());
        let _ = done.send(claimed);
    });
    let claimed = finished
        .recv_timeout(Duration::from_secs(10))
        .expect("the claim waited for an event it did not claim")
        .unwrap();
    assert_eq!(claimed, 200);
    other.batch_execute("COMMIT").unwrap();
}
