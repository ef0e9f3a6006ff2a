//! Limits: the per-key rate limit of the REST API, the per-station cap on the Nodo's requests in
//! flight, and the time-outs that keep slow clients from holding the server.

mod common;
#[allow(dead_code)]
#[path = "spontaneous/support.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::nodo::{demand, verify, STATION};
use common::{Backend, TestApp, ORG_A};
use support::{Behaviour, Callback};

const LIST_A: &str = "/organizations/77777777777/debtpositions";
const LIST_B: &str = "/organizations/88888888888/debtpositions";

async fn get_with(app: &TestApp, path: &str, key: &str) -> common::Reply {
    app.send(reqwest::Method::GET, path, Some(key), None).await
}

async fn rate_limited_app(backend: Backend) -> TestApp {
    common::spawn_app_with(backend, |c| {
        c.rate_limit_per_sec = 1;
        c.rate_limit_burst = 3;
    })
    .await
}

/// Key A is throttled after its burst with 429, Retry-After and a ProblemJson; key B, unknown
/// keys (401) and key A after a second are not affected.
async fn rate_limit_is_per_key(app: TestApp) {
    for _ in 0..3 {
        assert_eq!(get_with(&app, LIST_A, &app.key_a).await.status, 200);
    }
    let refused = get_with(&app, LIST_A, &app.key_a).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(
        refused.body,
        json!({"title": "Too Many Requests", "status": 429,
               "detail": "Too many requests with this API key; retry after 1 s"})
    );
    // Any route taking a key, with any other key, is still served.
    for _ in 0..2 {
        let other = get_with(&app, LIST_B, &app.key_b).await;
        assert_eq!(other.status, 200, "{}", other.body);
    }
    // A key the limiter never saw is checked as always.
    let unknown = get_with(&app, LIST_A, "gpd_not_a_key").await;
    assert_eq!(unknown.status, 401, "{}", unknown.body);
    // The key of B on A's path is 403 (a known key) and takes B's last token.
    assert_eq!(get_with(&app, LIST_A, &app.key_b).await.status, 403);
    assert_eq!(get_with(&app, LIST_B, &app.key_b).await.status, 429);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get_with(&app, LIST_A, &app.key_a).await.status, 200);
}

/// Without the setting (the default) nothing is throttled.
async fn no_rate_limit_by_default(app: TestApp) {
    for _ in 0..20 {
        assert_eq!(get_with(&app, LIST_A, &app.key_a).await.status, 200);
    }
}

mod rate {
    use super::*;
    both_backends!(setup = super::rate_limited_app; rate_limit_is_per_key);
}
both_backends!(no_rate_limit_by_default);

// --- the Nodo: requests in flight per station ------------------------------------------------

const OTHER_STATION: &str = "15376371009_02";

async fn guarded_app(backend: Backend) -> TestApp {
    let app = common::spawn_app_with(backend, |c| {
        c.soap_max_inflight_per_station = 1;
        c.soap_db_timeout_ms = 10_000;
    })
    .await;
    support::prepare(&app);
    let (ok, out, err) = common::gpd(
        &app.database_url,
        &[
            "station",
            "add",
            "--broker",
            common::nodo::BROKER,
            "--station",
            OTHER_STATION,
            "--org",
            ORG_A,
        ],
    );
    assert!(ok, "{out}{err}");
    app
}

/// While a slow demand of a station is in flight, its other requests get PAA_SYSTEM_ERROR at
/// once (a schema-valid reply), another station is served, and the station is served again
/// once the demand has been answered.
async fn station_cap_answers_system_error_at_once(app: TestApp) {
    let callback = Callback::start(Behaviour::Slow(Duration::from_millis(1500))).await;
    support::set_webhook(&app, "http://127.0.0.1:9/unused").await;
    support::define(&app, "CDS01", &support::callback_service(&callback.url)).await;
    let iuv = gpd_gateway::domain::notice::iuv_with_check_digits("07", "0000000000001").unwrap();
    let created = app.create(&common::position("iupd-1", &iuv), true).await;
    let nav = created["paymentOption"][0]["nav"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = support::payload(&[("targa", "AB123CD"), ("verbale", "123")]);
    let slow = {
        let (client, url, body) = (
            app.client.clone(),
            app.url("/paForNode"),
            demand(ORG_A, "CDS01", &payload),
        );
        tokio::spawn(async move {
            let res = client
                .post(url)
                .header("SOAPAction", "paDemandPaymentNotice")
                .header("Content-Type", "text/xml")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while callback.calls().is_empty() {
        assert!(Instant::now() < deadline, "the callback was never called");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let refused = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav))
        .await;
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(
        refused.fault_code(),
        "PAA_SYSTEM_ERROR",
        "{}",
        refused.text()
    );
    let other = app
        .soap(
            Some("paVerifyPaymentNotice"),
            verify(ORG_A, &nav).replace(STATION, OTHER_STATION),
        )
        .await;
    assert_eq!(other.fault_code(), "OK", "{}", other.text());
    let (status, body) = slow.await.unwrap();
    let reply = common::nodo::SoapReply { status, body };
    support::notice_of(&reply);
    let again = app
        .soap(Some("paVerifyPaymentNotice"), verify(ORG_A, &nav))
        .await;
    assert_eq!(again.fault_code(), "OK", "{}", again.text());
}

mod station {
    use super::*;
    both_backends!(setup = super::guarded_app; station_cap_answers_system_error_at_once);
}

// --- slow clients ----------------------------------------------------------------------------

async fn timeouts_app(backend: Backend) -> TestApp {
    common::spawn_app_with(backend, |c| {
        c.client_request_timeout_ms = 2000;
        c.request_timeout_secs = 2;
    })
    .await
}

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

/// Sends `prefix` at once, then `trickle` one byte a second, reading meanwhile; returns what the
/// server answered and when it closed the connection.
async fn slow_client(app: &TestApp, prefix: &[u8], trickle: &[u8]) -> (String, Duration) {
    let stream = TcpStream::connect(addr(app)).await.unwrap();
    let started = Instant::now();
    let (mut read, mut write) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        // Ends at EOF or reset: the server closed the connection.
        let _ = read.read_to_end(&mut got).await;
        (
            String::from_utf8_lossy(&got).into_owned(),
            started.elapsed(),
        )
    });
    let trickle = trickle.to_vec();
    let prefix = prefix.to_vec();
    let writer = tokio::spawn(async move {
        if write.write_all(&prefix).await.is_err() {
            return;
        }
        for byte in trickle {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write.write_all(&[byte]).await.is_err() {
                return;
            }
        }
    });
    let (text, closed) = tokio::time::timeout(Duration::from_secs(20), reader)
        .await
        .expect("the server closed the slow connection")
        .unwrap();
    writer.abort();
    (text, closed)
}

/// Headers sent one byte a second: 408 and closed after the 2 s header time-out, while other
/// requests are served meanwhile.
async fn slowloris_headers_are_cut(app: TestApp) {
    let request = format!(
        "GET {LIST_A} HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {}\r\n\r\n",
        app.key_a
    );
    let slow = slow_client(&app, b"", request.as_bytes());
    let others = async {
        for _ in 0..5 {
            assert_eq!(app.get(LIST_A).await.status, 200);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let ((text, closed), ()) = tokio::join!(slow, others);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        closed >= Duration::from_millis(1900) && closed < Duration::from_secs(5),
        "{closed:?}"
    );
}

/// A body sent one byte a second: the 2 s request time-out answers 503 (ProblemJson) and
/// closes the connection.
async fn slow_body_is_cut(app: TestApp) {
    let head = format!(
        "POST {LIST_A} HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
        app.key_a
    );
    let (text, closed) = slow_client(&app, head.as_bytes(), &[b' '; 100]).await;
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(
        text.contains(r#""detail":"The request was not completed within 2 s; it may or may not have taken effect""#),
        "{text}"
    );
    assert!(closed < Duration::from_secs(6), "{closed:?}");
    assert_eq!(app.get(LIST_A).await.status, 200);
}

/// A request head above 128 KiB: 431, and the server goes on.
async fn oversized_headers_are_refused(app: TestApp) {
    let big = "x".repeat(200 * 1024);
    let res = app
        .client
        .get(app.url(LIST_A))
        .header(common::KEY_HEADER, &app.key_a)
        .header("X-Big", big)
        .send()
        .await;
    match res {
        Ok(res) => assert_eq!(res.status().as_u16(), 431),
        // The server may close before reading the whole head.
        Err(e) => assert!(e.is_request() || e.is_connect(), "{e}"),
    }
    assert_eq!(app.get(LIST_A).await.status, 200);
}

/// Every route reads at most 1 MiB of body, the Nodo's too (a SOAP fault).
async fn bodies_are_limited_on_every_face(app: TestApp) {
    let big = vec![b'x'; 1024 * 1024 + 1];
    let soap = app.soap(Some("paVerifyPaymentNotice"), big.clone()).await;
    assert_eq!(soap.status, 413);
    assert!(
        soap.text()
            .contains("<faultcode>soapenv:Client</faultcode>"),
        "{}",
        soap.text()
    );
    let rest = app
        .client
        .post(app.url(&format!("{LIST_A}?toPublish=false")))
        .header(common::KEY_HEADER, &app.key_a)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status().as_u16(), 413);
    let body: serde_json::Value = rest.json().await.unwrap();
    assert_eq!(body["status"], 413);
}

mod slow {
    use super::*;
    both_backends!(setup = super::timeouts_app;
        slowloris_headers_are_cut, slow_body_is_cut, oversized_headers_are_refused,
        bodies_are_limited_on_every_face);
}
