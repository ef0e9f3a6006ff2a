//! Load generator for gpd-gateway (and the baseline server): HTTP/1.1 keep-alive connections,
//! closed loop (each connection sends as soon as its previous answer arrived: maximum
//! throughput) or open loop (requests due at a fixed rate, latency measured from the time each
//! was due, so a stalled server is not hidden by the generator waiting: no coordinated
//! omission). Latencies go into HDR histograms (microseconds, 3 significant digits). Every run is
//! bounded in time; its result is printed and appended as one JSON line.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use gpd_bench::{
    first_due_day, labels_json, option_count, seeded, seeded_amount, seeded_notice, Payee, Rng,
    BROKER, ORG, ORG_NAME, STATION,
};
use gpd_gateway::domain::Amount;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Workload {
    /// paVerifyPaymentNotice of a random seeded notice.
    Verify,
    /// paGetPaymentV2 of a random seeded notice.
    GetPaymentV2,
    /// paSendRTV2 with a unique receipt, each paying a different option of the pay pool.
    SendRtV2,
    /// POST a new position (unique IUPD and IUVs), published.
    RestCreate,
    /// paDemandPaymentNotice of the fixed-amount service BENCH, each with new properties: every
    /// request creates (and publishes) a position with a generated IUV.
    Demand,
    /// GET a random seeded position by IUPD.
    RestGet,
    /// GET the list filtered by a random 7-day due-date window, 20 per page.
    RestList,
    /// GET the payment notice (PDF) of a random seeded position.
    Notice,
    /// POST a verify envelope to the baseline server (any fixed answer).
    Baseline,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Verify => "verify",
            Workload::GetPaymentV2 => "get-payment-v2",
            Workload::SendRtV2 => "send-rt-v2",
            Workload::RestCreate => "rest-create",
            Workload::Demand => "demand",
            Workload::RestGet => "rest-get",
            Workload::RestList => "rest-list",
            Workload::Notice => "notice",
            Workload::Baseline => "baseline",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Closed,
    Open,
}

#[derive(Parser, Debug)]
#[command(about = "Drives one workload against gpd-gateway and reports throughput and latency")]
struct Args {
    /// Base URL, e.g. http://127.0.0.1:18080
    #[arg(long)]
    url: String,
    #[arg(long, value_enum)]
    workload: Workload,
    #[arg(long, value_enum, default_value = "closed")]
    mode: Mode,
    /// Keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Requests per second (open loop).
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seeded positions read by verify, getPaymentV2 and REST get: `read_from..read_to`.
    #[arg(long, default_value_t = 0)]
    read_from: u64,
    #[arg(long, default_value_t = 1_000)]
    read_to: u64,
    /// Seeded positions whose options sendRT pays, in order: `pay_from..pay_to`.
    #[arg(long, default_value_t = 0)]
    pay_from: u64,
    #[arg(long, default_value_t = 0)]
    pay_to: u64,
    /// Options of the pay pool already paid by earlier runs (skipped).
    #[arg(long, default_value_t = 0)]
    pay_offset: usize,
    /// Run number making the IUPDs and IUVs of REST create unique (per database).
    #[arg(long, default_value_t = 1)]
    tag: u64,
    /// API key of the institution (REST workloads).
    #[arg(long, env = "BENCH_API_KEY", default_value = "")]
    key: String,
    /// Threads of the generator's runtime (1: the generator uses at most one core; the pacer of
    /// the open loop is one more, mostly sleeping, thread).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Seconds before a request counts as failed.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Appends the result as one JSON line to this file.
    #[arg(long)]
    out: Option<String>,
    /// Labels for the JSON line, `key=value,...`.
    #[arg(long, default_value = "")]
    labels: String,
    /// Processes whose CPU time per request to report, `name=pid` (e.g. server=123;
    /// `generator=self` for this one).
    #[arg(long = "cpu", value_name = "NAME=PID")]
    cpu: Vec<String>,
    /// MariaDB/MySQL server whose global `Questions` counter gives the statements per request
    /// (e.g. mysql://root@127.0.0.1:3306); counts every client of that server.
    #[arg(long)]
    mysql_status: Option<String>,
}

/// What counts as a success.
#[derive(Clone, Copy)]
enum Expect {
    Status(u16),
    /// Any 2xx.
    Success,
    /// HTTP 200 with `<outcome>OK</outcome>`.
    SoapOk,
}

struct Req {
    method: Method,
    path: String,
    soap_action: Option<&'static str>,
    json: bool,
    body: Bytes,
    expect: Expect,
}

/// Builds the requests of a workload; shared by all connections.
struct Generator {
    workload: Workload,
    read_from: u64,
    read_to: u64,
    /// (position, option) pairs of the pay pool, in payment order.
    pay: Vec<(u64, u64)>,
    pay_next: AtomicUsize,
    created: AtomicU64,
    tag: u64,
    key: String,
}

fn envelope(payload: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:nod="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Header/><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn caller() -> String {
    format!("<idPA>{ORG}</idPA><idBrokerPA>{BROKER}</idBrokerPA><idStation>{STATION}</idStation>")
}

/// An amount in euro-cents as the XSD wants it (`12.30`), rendered by the service's own type.
fn cents(value: i64) -> String {
    Amount::from_cents(value)
        .expect("a valid amount")
        .to_string()
}

fn verify_body(i: u64, j: u64) -> String {
    envelope(&format!(
        "<nod:paVerifyPaymentNoticeReq>{}<qrCode><fiscalCode>{ORG}</fiscalCode><noticeNumber>{}</noticeNumber></qrCode></nod:paVerifyPaymentNoticeReq>",
        caller(),
        seeded_notice(i, j)
    ))
}

fn get_payment_v2_body(i: u64, j: u64) -> String {
    envelope(&format!(
        "<nod:paGetPaymentV2Request>{}<qrCode><fiscalCode>{ORG}</fiscalCode><noticeNumber>{}</noticeNumber></qrCode><amount>{}</amount></nod:paGetPaymentV2Request>",
        caller(),
        seeded_notice(i, j),
        cents(seeded_amount(i, j))
    ))
}

/// The service the demand workload asks for: fixed amount, one property, its own segregation
/// code (48) so its generated IUVs never meet the seeded ones (02).
const DEMAND_SERVICE: &str = "BENCH";

fn demand_service_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "name": "Diritti di segreteria (benchmark)",
        "description": "Diritti di segreteria",
        "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456",
        "segregationCode": "48",
        "amount": 1500,
        "properties": [{"name": "pratica", "type": "STRING", "required": true, "maxLength": 35}]
    }))
    .expect("JSON")
}

fn demand_body(tag: u64, k: u64) -> String {
    use base64::Engine;
    let payload = format!(
        r#"<service xmlns="http://PuntoAccessoPSP.spcoop.gov.it/GeneralService"><pratica>T{tag}-{k}</pratica></service>"#
    );
    envelope(&format!(
        "<nod:paDemandPaymentNoticeRequest>{}<idServizio>{DEMAND_SERVICE}</idServizio><idSoggettoServizio>00001</idSoggettoServizio><datiSpecificiServizioRequest>{}</datiSpecificiServizioRequest></nod:paDemandPaymentNoticeRequest>",
        caller(),
        base64::engine::general_purpose::STANDARD.encode(payload)
    ))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A receipt as the Nodo sends it, paying option `j` of seeded position `i` in full. The
/// receipt id carries the run's tag: paying an option twice by mistake is a visible
/// `PAA_RECEIPT_DUPLICATA`, not a silent replay.
fn send_rt_v2_body(i: u64, j: u64, tag: u64) -> String {
    let position = seeded(i);
    let option = &position.options[j as usize];
    let nav = option.notice_number();
    let mut transfers = String::new();
    for t in &option.transfers {
        let (fiscal_code, company) = match &t.other_org {
            Some((fc, name)) => (fc.as_str(), name.as_str()),
            None => (ORG, ORG_NAME),
        };
        let payee = match &t.payee {
            Payee::Iban { iban, .. } => format!("<IBAN>{iban}</IBAN>"),
            Payee::Stamp { hash_document, .. } => {
                format!("<MBDAttachment>{hash_document}</MBDAttachment>")
            }
        };
        transfers.push_str(&format!(
            "<transfer><idTransfer>{}</idTransfer><transferAmount>{}</transferAmount><fiscalCodePA>{fiscal_code}</fiscalCodePA>\
<companyName>{}</companyName>{payee}<remittanceInformation>{}</remittanceInformation><transferCategory>{}</transferCategory></transfer>",
            t.id,
            cents(t.amount),
            xml_escape(company),
            xml_escape(&t.remittance),
            xml_escape(&t.category)
        ));
    }
    let kind = if position.legal_person { "G" } else { "F" };
    envelope(&format!(
        "<nod:paSendRTV2Request>{caller}<receipt><receiptId>R{tag}-{nav}</receiptId><noticeNumber>{nav}</noticeNumber>\
<fiscalCode>{ORG}</fiscalCode><outcome>OK</outcome><creditorReferenceId>{iuv}</creditorReferenceId>\
<paymentAmount>{amount}</paymentAmount><description>{description}</description><companyName>{ORG_NAME}</companyName>\
<debtor><uniqueIdentifier><entityUniqueIdentifierType>{kind}</entityUniqueIdentifierType>\
<entityUniqueIdentifierValue>{debtor}</entityUniqueIdentifierValue></uniqueIdentifier><fullName>{name}</fullName></debtor>\
<transferList>{transfers}</transferList>\
<idPSP>BCITITMM</idPSP><pspFiscalCode>00799960158</pspFiscalCode><PSPCompanyName>Intesa Sanpaolo</PSPCompanyName>\
<idChannel>00799960158_01</idChannel><channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod>\
<fee>1.50</fee><primaryCiIncurredFee>0.50</primaryCiIncurredFee><idBundle>b1</idBundle>\
<paymentDateTime>2026-11-20T10:30:00</paymentDateTime><applicationDate>2026-11-20</applicationDate>\
</receipt></nod:paSendRTV2Request>",
        caller = caller(),
        iuv = option.iuv(),
        amount = cents(option.amount),
        description = xml_escape(&option.description),
        debtor = position.fiscal_code,
        name = xml_escape(&position.full_name),
    ))
}

impl Generator {
    fn new(args: &Args) -> Self {
        let pay = if args.workload == Workload::SendRtV2 {
            (args.pay_from..args.pay_to)
                .flat_map(|i| (0..option_count(i)).map(move |j| (i, j)))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            workload: args.workload,
            read_from: args.read_from,
            read_to: args.read_to.max(args.read_from + 1),
            pay,
            pay_next: AtomicUsize::new(args.pay_offset),
            created: AtomicU64::new(0),
            tag: args.tag,
            key: args.key.clone(),
        }
    }

    fn random_notice(&self, rng: &mut Rng) -> (u64, u64) {
        let i = rng.range(self.read_from, self.read_to);
        let j = rng.range(0, option_count(i));
        (i, j)
    }

    fn soap(action: &'static str, body: String) -> Req {
        Req {
            method: Method::POST,
            path: "/paForNode".to_owned(),
            soap_action: Some(action),
            json: false,
            body: Bytes::from(body),
            expect: Expect::SoapOk,
        }
    }

    fn rest(method: Method, path: String, body: Option<Vec<u8>>, status: u16) -> Req {
        Req {
            method,
            path,
            soap_action: None,
            json: body.is_some(),
            body: body.map(Bytes::from).unwrap_or_default(),
            expect: Expect::Status(status),
        }
    }

    /// The next request, or `None` when the workload has nothing left to send (pay pool spent).
    fn next(&self, rng: &mut Rng) -> Option<Req> {
        let positions = format!("/organizations/{ORG}/debtpositions");
        Some(match self.workload {
            Workload::Verify => {
                let (i, j) = self.random_notice(rng);
                Self::soap("paVerifyPaymentNotice", verify_body(i, j))
            }
            Workload::Baseline => {
                let (i, j) = self.random_notice(rng);
                Self::soap("paVerifyPaymentNotice", verify_body(i, j))
            }
            Workload::GetPaymentV2 => {
                let (i, j) = self.random_notice(rng);
                Self::soap("paGetPaymentV2", get_payment_v2_body(i, j))
            }
            Workload::SendRtV2 => {
                let n = self.pay_next.fetch_add(1, Ordering::Relaxed);
                let &(i, j) = self.pay.get(n)?;
                Self::soap("paSendRTV2", send_rt_v2_body(i, j, self.tag))
            }
            Workload::RestCreate => {
                let k = self.created.fetch_add(1, Ordering::Relaxed);
                let body = gpd_bench::created(self.tag, k).to_json();
                Self::rest(
                    Method::POST,
                    format!("{positions}?toPublish=true"),
                    Some(serde_json::to_vec(&body).expect("JSON")),
                    201,
                )
            }
            Workload::Demand => {
                let k = self.created.fetch_add(1, Ordering::Relaxed);
                Self::soap("paDemandPaymentNotice", demand_body(self.tag, k))
            }
            Workload::RestGet => {
                let i = rng.range(self.read_from, self.read_to);
                Self::rest(
                    Method::GET,
                    format!("{positions}/{}", gpd_bench::iupd(i)),
                    None,
                    200,
                )
            }
            Workload::Notice => {
                let i = rng.range(self.read_from, self.read_to);
                Self::rest(
                    Method::GET,
                    format!("{positions}/{}/notice.pdf", gpd_bench::iupd(i)),
                    None,
                    200,
                )
            }
            Workload::RestList => {
                let from = first_due_day() + chrono::Duration::days(rng.range(0, 365) as i64);
                let to = from + chrono::Duration::days(6);
                Self::rest(
                    Method::GET,
                    format!(
                        "{positions}?limit=20&page=0&due_date_from={}&due_date_to={}",
                        from.format("%Y-%m-%d"),
                        to.format("%Y-%m-%d")
                    ),
                    None,
                    200,
                )
            }
        })
    }

    /// Options of the pay pool consumed so far (including those of the warm-up).
    fn pay_used(&self) -> usize {
        self.pay_next.load(Ordering::Relaxed).min(self.pay.len())
    }
}

/// Per-connection results, merged at the end.
struct Stats {
    /// Success latencies in µs (open loop: from the time the request was due).
    latency: Histogram<u64>,
    /// Open loop: from the time the request was actually sent.
    service: Histogram<u64>,
    /// Successes recorded in `latency`.
    ok: u64,
    /// Every request sent (warm-up included, answered or failed).
    sent: u64,
    /// Successes answered within the measured window, whenever due (open loop throughput).
    in_window: u64,
    /// Open loop: requests due in the window but never sent (every connection busy), recorded
    /// in `latency` with the time they had waited when the run ended: a lower bound.
    censored: u64,
    errors: u64,
    /// Errors that were timeouts (`--timeout`), included in `errors`.
    timeouts: u64,
    error_samples: Vec<String>,
    last_done: Option<Instant>,
}

impl Stats {
    fn new() -> Self {
        let histogram = || Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds");
        Self {
            latency: histogram(),
            service: histogram(),
            ok: 0,
            sent: 0,
            in_window: 0,
            censored: 0,
            errors: 0,
            timeouts: 0,
            error_samples: Vec::new(),
            last_done: None,
        }
    }

    fn error(&mut self, message: String) {
        self.errors += 1;
        if message.starts_with(TIMEOUT) {
            self.timeouts += 1;
        }
        if self.error_samples.len() < 3 {
            self.error_samples.push(message);
        }
    }

    fn merge(&mut self, other: Stats) {
        self.latency.add(&other.latency).expect("same bounds");
        self.service.add(&other.service).expect("same bounds");
        self.ok += other.ok;
        self.sent += other.sent;
        self.in_window += other.in_window;
        self.censored += other.censored;
        self.errors += other.errors;
        self.timeouts += other.timeouts;
        for e in other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(e);
            }
        }
        self.last_done = self.last_done.max(other.last_done);
    }
}

const TIMEOUT: &str = "timeout";

fn micros(d: Duration) -> u64 {
    d.as_micros().max(1) as u64
}

/// Shared state of a run.
struct Run {
    addr: SocketAddr,
    host: String,
    generator: Generator,
    start: Instant,
    measure_from: Instant,
    end: Instant,
    timeout: Duration,
    exhausted: AtomicBool,
    seed: u64,
}

/// One keep-alive connection, re-established after an error.
struct Connection {
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    async fn send(&mut self, run: &Run, req: Req) -> Result<(), String> {
        let attempt = async {
            if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
                let stream = TcpStream::connect(run.addr)
                    .await
                    .map_err(|e| format!("connect: {e}"))?;
                stream.set_nodelay(true).map_err(|e| e.to_string())?;
                let (sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream))
                        .await
                        .map_err(|e| format!("handshake: {e}"))?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                self.sender = Some(sender);
            }
            let sender = self.sender.as_mut().expect("connected");
            sender
                .ready()
                .await
                .map_err(|e| format!("connection: {e}"))?;
            let mut request = Request::builder()
                .method(req.method)
                .uri(&req.path)
                .header(header::HOST, &run.host);
            if let Some(action) = req.soap_action {
                request = request
                    .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
                    .header("SOAPAction", action);
            }
            if req.json {
                request = request.header(header::CONTENT_TYPE, "application/json");
            }
            if !run.generator.key.is_empty() && req.soap_action.is_none() {
                request = request.header("Ocp-Apim-Subscription-Key", &run.generator.key);
            }
            let request = request
                .body(Full::new(req.body))
                .map_err(|e| e.to_string())?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("request: {e}"))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            let ok = match req.expect {
                Expect::Status(expected) => status == expected,
                Expect::Success => (200..300).contains(&status),
                Expect::SoapOk => status == 200 && contains(&body, b"<outcome>OK</outcome>"),
            };
            if ok {
                Ok(())
            } else {
                let text = String::from_utf8_lossy(&body);
                Err(format!(
                    "{} {} -> HTTP {status}: {}",
                    req.soap_action.unwrap_or(""),
                    req.path,
                    text.chars().take(600).collect::<String>()
                ))
            }
        };
        match tokio::time::timeout(run.timeout, attempt).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                self.sender = None;
                Err(e)
            }
            Err(_) => {
                self.sender = None;
                Err(format!("{TIMEOUT} after {:?}", run.timeout))
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn closed_worker(run: Arc<Run>, id: u64) -> Stats {
    let mut stats = Stats::new();
    let mut rng = Rng::new(run.seed.wrapping_mul(1_000_003) ^ id);
    let mut connection = Connection { sender: None };
    while Instant::now() < run.end {
        let Some(req) = run.generator.next(&mut rng) else {
            run.exhausted.store(true, Ordering::Relaxed);
            break;
        };
        let sent = Instant::now();
        let result = connection.send(&run, req).await;
        let done = Instant::now();
        stats.sent += 1;
        match result {
            Err(e) => stats.error(e),
            Ok(()) if sent >= run.measure_from && done <= run.end => {
                stats.ok += 1;
                stats.in_window += 1;
                stats.latency.saturating_record(micros(done - sent));
                stats.last_done = stats.last_done.max(Some(done));
            }
            Ok(()) => {}
        }
    }
    stats
}

type Tickets = tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Instant>>;

async fn open_worker(run: Arc<Run>, id: u64, tickets: Arc<Tickets>) -> Stats {
    let mut stats = Stats::new();
    let mut rng = Rng::new(run.seed.wrapping_mul(1_000_003) ^ id);
    let mut connection = Connection { sender: None };
    loop {
        let ticket = tickets.lock().await.recv().await;
        let Some(due) = ticket else { break };
        let req = if Instant::now() >= run.end || run.exhausted.load(Ordering::Relaxed) {
            None
        } else {
            let req = run.generator.next(&mut rng);
            if req.is_none() {
                run.exhausted.store(true, Ordering::Relaxed);
            }
            req
        };
        let Some(req) = req else {
            // Due, but not sent within the run: every connection was busy (or the pool spent).
            stats.censored += 1;
            if due >= run.measure_from && !run.exhausted.load(Ordering::Relaxed) {
                stats
                    .latency
                    .saturating_record(micros(Instant::now() - due));
            }
            continue;
        };
        let sent = Instant::now();
        let result = connection.send(&run, req).await;
        let done = Instant::now();
        stats.sent += 1;
        match result {
            Err(e) => stats.error(e),
            Ok(()) => {
                if done >= run.measure_from && done <= run.end {
                    stats.in_window += 1;
                }
                if due >= run.measure_from {
                    stats.ok += 1;
                    stats.latency.saturating_record(micros(done - due));
                    stats.service.saturating_record(micros(done - sent));
                    stats.last_done = stats.last_done.max(Some(done));
                }
            }
        }
    }
    stats
}

/// Issues one ticket per request at its due time, from a plain thread: tokio's timer has
/// millisecond granularity, too coarse for 0.5 ms between requests.
fn pacer(run: Arc<Run>, rate: f64, tx: tokio::sync::mpsc::UnboundedSender<Instant>) {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut k: u32 = 0;
    loop {
        let due = run.start + interval * k;
        if due >= run.end || run.exhausted.load(Ordering::Relaxed) {
            break;
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if tx.send(due).is_err() {
            break;
        }
        k += 1;
    }
}

fn percentiles(h: &Histogram<u64>) -> serde_json::Value {
    let q = |q: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(q)
        }
    };
    json!({
        "p50": q(0.50),
        "p90": q(0.90),
        "p99": q(0.99),
        "p999": q(0.999),
        "max": h.max(),
        "mean": if h.is_empty() { 0.0 } else { h.mean() },
    })
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn main() {
    let args = Args::parse();
    let url = args.url.trim_end_matches('/');
    let host = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("only http:// URLs: {url}"))
        .to_owned();
    let addr: SocketAddr = std::net::ToSocketAddrs::to_socket_addrs(&host)
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("cannot resolve {host}"));
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    }
    .expect("a tokio runtime");

    let start = Instant::now() + Duration::from_millis(20);
    let warmup = Duration::from_secs_f64(args.warmup);
    let duration = Duration::from_secs_f64(args.duration);
    let run = Arc::new(Run {
        addr,
        host,
        generator: Generator::new(&args),
        start,
        measure_from: start + warmup,
        end: start + warmup + duration,
        timeout: Duration::from_secs_f64(args.timeout),
        exhausted: AtomicBool::new(false),
        seed: args.seed,
    });
    if args.workload == Workload::SendRtV2 && run.generator.pay.len() <= args.pay_offset {
        eprintln!("bench-load: the pay pool is empty or spent (--pay-from/--pay-to/--pay-offset)");
        std::process::exit(2);
    }
    if args.workload == Workload::Demand {
        let define = Generator::rest(
            Method::PUT,
            format!("/organizations/{ORG}/services/{DEMAND_SERVICE}"),
            Some(demand_service_body()),
            0,
        );
        let define = Req {
            expect: Expect::Success,
            ..define
        };
        if let Err(e) = runtime.block_on(Connection { sender: None }.send(&run, define)) {
            eprintln!("bench-load: cannot define the service {DEMAND_SERVICE}: {e}");
            std::process::exit(1);
        }
    }
    let cpu_before: Vec<(String, String, Option<f64>)> = args
        .cpu
        .iter()
        .filter_map(|c| c.split_once('='))
        .map(|(name, pid)| (name.to_owned(), pid.to_owned(), gpd_bench::cpu_seconds(pid)))
        .collect();
    let questions_before = args
        .mysql_status
        .as_deref()
        .and_then(gpd_bench::mysql_questions);
    let stats = runtime.block_on(async {
        let mut handles = Vec::new();
        let mut pacer_thread = None;
        match args.mode {
            Mode::Closed => {
                tokio::time::sleep_until(start.into()).await;
                for id in 0..args.connections {
                    handles.push(tokio::spawn(closed_worker(run.clone(), id as u64)));
                }
            }
            Mode::Open => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let tickets = Arc::new(tokio::sync::Mutex::new(rx));
                for id in 0..args.connections {
                    handles.push(tokio::spawn(open_worker(
                        run.clone(),
                        id as u64,
                        tickets.clone(),
                    )));
                }
                let (run, rate) = (run.clone(), args.rate);
                pacer_thread = Some(std::thread::spawn(move || pacer(run, rate, tx)));
            }
        }
        let mut total = Stats::new();
        for h in handles {
            total.merge(h.await.expect("a worker"));
        }
        if let Some(p) = pacer_thread {
            p.join().expect("the pacer");
        }
        total
    });

    // Per request over the whole run, warm-up included: CPU of the named processes, statements.
    let per_request = |total: f64| (stats.sent > 0).then(|| total / stats.sent as f64);
    let mut cpu = serde_json::Map::new();
    for (name, pid, before) in &cpu_before {
        if let (Some(before), Some(after)) = (before, gpd_bench::cpu_seconds(pid)) {
            cpu.insert(name.clone(), json!(per_request((after - before) * 1e6)));
        }
    }
    let questions = match (
        questions_before,
        args.mysql_status
            .as_deref()
            .and_then(gpd_bench::mysql_questions),
    ) {
        // Less the two reads of the counter.
        (Some(before), Some(after)) => per_request(after.saturating_sub(before + 1) as f64),
        _ => None,
    };
    let exhausted = run.exhausted.load(Ordering::Relaxed);
    // The measured window ends early when the pay pool ran out.
    let window_end = if exhausted {
        stats.last_done.unwrap_or(run.measure_from).min(run.end)
    } else {
        run.end
    };
    let window = window_end
        .saturating_duration_since(run.measure_from)
        .as_secs_f64()
        .max(1e-9);
    let throughput = stats.in_window as f64 / window;
    let unsent = stats.censored;
    let open = args.mode == Mode::Open;
    // Open loop: the server kept up when (nearly) every due request was answered in time.
    let saturated = open && !exhausted && throughput < 0.95 * args.rate;
    let mut result = json!({
        "kind": "load",
        "labels": labels_json(&args.labels),
        "workload": args.workload.name(),
        "mode": if open { "open" } else { "closed" },
        "connections": args.connections,
        "target_rate": if open { json!(args.rate) } else { json!(null) },
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "window_s": window,
        "requests": stats.in_window,
        "latency_samples": stats.latency.len(),
        "errors": stats.errors,
        "timeouts": stats.timeouts,
        "error_samples": stats.error_samples,
        "throughput_rps": throughput,
        "latency_us": percentiles(&stats.latency),
        "unsent": unsent,
        "saturated": saturated,
        "exhausted": exhausted,
        "generator_threads": args.threads,
        "sent": stats.sent,
        "cpu_us_per_request": cpu,
        "statements_per_request": questions,
    });
    if open {
        result["service_time_us"] = percentiles(&stats.service);
    }
    if args.workload == Workload::SendRtV2 {
        result["pay_used"] = json!(run.generator.pay_used());
        result["pay_pool"] = json!(run.generator.pay.len());
    }
    let l = &stats.latency;
    let q = |q: f64| {
        if l.is_empty() {
            0
        } else {
            l.value_at_quantile(q)
        }
    };
    eprintln!(
        "  {:<15} {:<6} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  errors {}{}{}{}",
        args.workload.name(),
        if open { "open" } else { "closed" },
        throughput,
        ms(q(0.5)),
        ms(q(0.99)),
        ms(q(0.999)),
        stats.errors,
        if saturated { "  SATURATED" } else { "" },
        if unsent > 0 { format!("  unsent {unsent}") } else { String::new() },
        if exhausted { "  (pay pool spent: window shortened)" } else { "" },
    );
    for e in &stats.error_samples {
        eprintln!("    error: {e}");
    }
    match &args.out {
        Some(out) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out)
                .unwrap_or_else(|e| panic!("{out}: {e}"));
            writeln!(file, "{result}").expect("result written");
        }
        None => println!("{result}"),
    }
}
