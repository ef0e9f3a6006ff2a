//! Graceful shutdown of the real binary: SIGTERM during a request, and a rolling restart of two
//! instances on one database under load.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde_json::{json, Value};

use common::nodo::{demand, BROKER, STATION};
use common::{Backend, ORG_A};
use gpd_gateway::store::{self, schema::events, DatabaseUrl};

struct Instance {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

/// Starts `gpd-gateway serve` on `bind`, with `env`, and waits for its start line.
fn start(
    database_url: &str,
    bind: &str,
    env: &[(&str, &str)],
    log: std::path::PathBuf,
) -> Instance {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gpd-gateway"));
    cmd.args(["serve", "--bind", bind, "--workers", "2"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("binary runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Instance { child, base, log }
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// Waits for the exit (at most `within`) and returns its code.
async fn exit_code(child: &mut Child, within: Duration) -> i32 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not exit within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn addr(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

struct Counters {
    callbacks: AtomicUsize,
    webhooks: AtomicUsize,
}

/// The service's callback answers after 1 s; the webhook never answers in time.
async fn receiver(state: web::Data<Counters>, req: actix_web::HttpRequest) -> HttpResponse {
    if req.path().starts_with("/callback") {
        state.callbacks.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        HttpResponse::Ok().json(json!({"amount": 4200}))
    } else {
        state.webhooks.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(60)).await;
        HttpResponse::Ok().finish()
    }
}

async fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn send_demand(client: &reqwest::Client, base: &str, body: String) -> (u16, Vec<u8>) {
    let res = client
        .post(format!("{base}/paForNode"))
        .header("SOAPAction", "paDemandPaymentNotice")
        .header("Content-Type", "text/xml")
        .body(body)
        .send()
        .await
        .expect("the demand is answered");
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

fn ok_demand(status: u16, body: Vec<u8>) {
    let reply = common::nodo::SoapReply { status, body };
    assert_eq!(reply.fault_code(), "OK", "{}", reply.text());
}

/// SIGTERM while a demand waits for its callback: the demand is answered OK, new connections
/// are refused at once, the webhook delivery under way is given up after the shutdown time-out
/// and its lease released, and the process exits 0.
async fn sigterm_finishes_the_request_in_flight(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database) = common::database_url(backend, &dir);
    let key = common::register_with(&database_url, ORG_A, 3, None, &["07"]);
    let (ok, out, err) = common::gpd(
        &database_url,
        &[
            "station",
            "add",
            "--broker",
            BROKER,
            "--station",
            STATION,
            "--org",
            ORG_A,
        ],
    );
    assert!(ok, "{out}{err}");
    let counters = Arc::new(Counters {
        callbacks: AtomicUsize::new(0),
        webhooks: AtomicUsize::new(0),
    });
    let local = common::serve_local(counters.clone(), receiver, 2);
    let mut server = start(
        &database_url,
        "127.0.0.1:0",
        &[
            ("GPD_SHUTDOWN_TIMEOUT_SECS", "3"),
            ("GPD_WEBHOOK_POLL_MS", "50"),
        ],
        dir.path().join("server.log"),
    );
    let client = reqwest::Client::new();
    let put = |path: String, body: Value| {
        client
            .put(format!("{}{path}", server.base))
            .header(common::KEY_HEADER, &key)
            .json(&body)
            .send()
    };
    let hook = put(
        format!("/organizations/{ORG_A}/webhook"),
        json!({"url": format!("{local}/hook")}),
    )
    .await
    .unwrap();
    assert_eq!(hook.status().as_u16(), 201);
    let service = put(
        format!("/organizations/{ORG_A}/services/CDS01"),
        json!({"name": "Contravvenzione", "description": "Contravvenzione",
               "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456",
               "callbackUrl": format!("{local}/callback"),
               "properties": [{"name": "verbale", "type": "NUMBER", "required": true}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        service.status().as_u16(),
        201,
        "{}",
        service.text().await.unwrap()
    );
    let payload = |n: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!(
            r#"<service xmlns="http://PuntoAccessoPSP.spcoop.gov.it/GeneralService"><verbale>{n}</verbale></service>"#
        ))
    };
    // A first demand: its position.created event is leased to the worker, whose POST hangs.
    let (status, body) =
        send_demand(&client, &server.base, demand(ORG_A, "CDS01", &payload("1"))).await;
    ok_demand(status, body);
    wait_until("the webhook delivery", || {
        counters.webhooks.load(Ordering::SeqCst) == 1
    })
    .await;
    // A second demand, in flight when SIGTERM arrives.
    let in_flight = tokio::spawn({
        let (client, base) = (client.clone(), server.base.clone());
        let body = demand(ORG_A, "CDS01", &payload("2"));
        async move { send_demand(&client, &base, body).await }
    });
    wait_until("the second callback", || {
        counters.callbacks.load(Ordering::SeqCst) == 2
    })
    .await;
    sigterm(&server.child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = tokio::net::TcpStream::connect(addr(&server.base)).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted while stopping"
    );
    let (status, body) = in_flight.await.unwrap();
    ok_demand(status, body);
    assert_eq!(
        exit_code(&mut server.child, Duration::from_secs(15)).await,
        0
    );
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(
        log.contains("released 1 events for other instances"),
        "{log}"
    );
    // Both events wait for the next worker, none leased.
    let url = DatabaseUrl::parse(&database_url).unwrap();
    let mut conn = store::connect_single(&url).unwrap();
    let rows: Vec<(String, Option<String>, i32)> = events::table
        .order(events::id.asc())
        .select((events::state, events::locked_by, events::attempts))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("PENDING".to_owned(), None, 0),
            ("PENDING".to_owned(), None, 0)
        ]
    );
    assert!(std::net::TcpStream::connect(addr(&server.base)).is_err());
}

// --- rolling restart -------------------------------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A new connection reset before any byte of an answer: one still in the kernel's listen backlog
/// when the stopping instance closed its socket, so the service never read the request.
fn reset_unread(e: &reqwest::Error) -> bool {
    let text = format!("{e:?}");
    e.is_request()
        && text.contains("SendRequest")
        && (text.contains("ConnectionReset") || text.contains("IncompleteMessage"))
}

/// Sends one create to the instances in turn from `first`, as a load balancer does: a refused
/// connection, or a new one reset before any answer (see [`reset_unread`]), goes to the next
/// instance; anything else is the answer. A retried create must still be answered 201, which
/// proves the first try was not processed.
async fn balanced_create(
    client: &reqwest::Client,
    bases: &[String],
    first: usize,
    key: &str,
    body: &Value,
    resets: &AtomicUsize,
) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for attempt in 0.. {
        let base = &bases[(first + attempt) % bases.len()];
        let res = client
            .post(format!(
                "{base}/organizations/{ORG_A}/debtpositions?toPublish=true"
            ))
            .header(common::KEY_HEADER, key)
            .json(body)
            .send()
            .await;
        match res {
            Ok(res) => {
                let status = res.status().as_u16();
                return (status, res.text().await.unwrap_or_default());
            }
            Err(e) if reset_unread(&e) && Instant::now() < deadline => {
                resets.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) if e.is_connect() && Instant::now() < deadline => {
                if attempt % bases.len() == bases.len() - 1 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            Err(e) => panic!("request lost: {e:?}"),
        }
    }
    unreachable!()
}

async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    wait_until_async(|| async { client.get(format!("{base}/info")).send().await.is_ok() }).await;
}

async fn wait_until_async<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two instances on one database; clients create positions through both while each instance
/// in turn gets SIGTERM and is started again: every create is answered 201 and stored once.
async fn rolling_restart_loses_no_request(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database) = common::database_url(backend, &dir);
    let key = common::register(&database_url, ORG_A, &[]);
    let ports = [free_port(), free_port()];
    let binds: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let bases: Vec<String> = binds.iter().map(|b| format!("http://{b}")).collect();
    let env = [("GPD_SHUTDOWN_TIMEOUT_SECS", "10"), ("RUST_LOG", "warn")];
    let log = |i: usize, n: usize| dir.path().join(format!("instance-{i}-{n}.log"));
    let mut instances: Vec<Instance> = (0..2)
        .map(|i| start(&database_url, &binds[i], &env, log(i, 0)))
        .collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let resets = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (bases, key, stop, sent, resets) = (
                bases.clone(),
                key.clone(),
                stop.clone(),
                sent.clone(),
                resets.clone(),
            );
            tokio::spawn(async move {
                // A new connection per request, as a balancer spreading requests does.
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut answered = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let iupd = format!("roll-{c}-{n}");
                    let iuv = common::iuv((c * 100_000 + n) as u64);
                    let body = common::position(&iupd, &iuv);
                    let (status, text) =
                        balanced_create(&client, &bases, n, &key, &body, &resets).await;
                    assert_eq!(status, 201, "{iupd}: {text}");
                    sent.fetch_add(1, Ordering::SeqCst);
                    answered.push(iupd);
                    n += 1;
                }
                answered
            })
        })
        .collect();
    for i in 0..2 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        sigterm(&instances[i].child);
        assert_eq!(
            exit_code(&mut instances[i].child, Duration::from_secs(20)).await,
            0
        );
        instances[i] = start(&database_url, &binds[i], &env, log(i, 1));
        wait_ready(&bases[i]).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let mut answered = Vec::new();
    for client in clients {
        answered.extend(client.await.unwrap());
    }
    let elapsed = started.elapsed();
    eprintln!(
        "rolling restart: {} creates answered in {:.1} s ({:.0}/s), {} retried after a backlog reset",
        answered.len(),
        elapsed.as_secs_f64(),
        answered.len() as f64 / elapsed.as_secs_f64(),
        resets.load(Ordering::SeqCst)
    );
    assert!(answered.len() >= 20, "too few requests: {}", answered.len());
    let url = DatabaseUrl::parse(&database_url).unwrap();
    let mut conn = store::connect_single(&url).unwrap();
    use gpd_gateway::store::schema::payment_positions as pp;
    let mut stored: Vec<String> = pp::table.select(pp::iupd).load(&mut conn).unwrap();
    stored.sort();
    answered.sort();
    assert_eq!(stored, answered);
    for mut instance in instances {
        sigterm(&instance.child);
        assert_eq!(
            exit_code(&mut instance.child, Duration::from_secs(20)).await,
            0
        );
    }
}

both_backends!(backend; sigterm_finishes_the_request_in_flight, rolling_restart_loses_no_request);
