//! Webhook delivery: signing, backoff, and the worker that drains the outbox.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::clock::Clock;
use crate::limits::{sleep_or_shutdown, Shutdown};
use crate::metrics::Metrics;
use crate::store::events::{self as outbox, Attempt, Claimed};
use crate::store::Db;

pub mod callback;

pub const HEADER_EVENT_ID: &str = "X-GPD-Event-Id";
pub const HEADER_EVENT_TYPE: &str = "X-GPD-Event-Type";
pub const HEADER_SIGNATURE: &str = "X-GPD-Signature";

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Checks a signature header against the body, as a receiver does.
pub fn verify_signature(secret: &str, header: &str, body: &str) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&v1).is_ok()
}

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub enabled: bool,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub max_attempts: i32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub batch: i64,
    pub concurrency: usize,
    /// At shutdown, how long the attempts under way may take before they are dropped.
    pub shutdown_grace: Duration,
}

impl DeliveryConfig {
    /// Delay before attempt `attempts + 1`: base doubling up to the maximum, with ±20% jitter.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempts.clamp(0, 30) as u32);
        let delay = exp.min(self.backoff_max);
        let jitter = rand::rng().random_range(0.8..1.2);
        delay.mul_f64(jitter)
    }
}

/// The error with its causes, e.g. "error sending request for url (...): client error (Connect):
/// tcp connect error: Connection refused (os error 111)"; a cause already in the text is skipped.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why a request failed, for the event's lastError.
fn request_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!(
            "timed out after {} s: {}",
            timeout.as_secs_f64(),
            error_chain(error)
        )
    } else {
        error_chain(error)
    }
}

async fn deliver(
    client: &reqwest::Client,
    timeout: Duration,
    event: &Claimed,
) -> Result<u16, (Option<u16>, String)> {
    let now = chrono::Utc::now().timestamp();
    let response = client
        .post(&event.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(HEADER_EVENT_ID, &event.event_id)
        .header(HEADER_EVENT_TYPE, &event.event_type)
        .header(HEADER_SIGNATURE, signature(&event.secret, now, &event.body))
        .body(event.body.clone())
        .send()
        .await
        .map_err(|e| (None, request_error(&e, timeout)))?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        Ok(status)
    } else {
        Err((Some(status), format!("HTTP {status}")))
    }
}

async fn attempt(
    client: &reqwest::Client,
    clock: &Clock,
    config: &DeliveryConfig,
    metrics: &Metrics,
    event: &Claimed,
) -> Attempt {
    match deliver(client, config.request_timeout, event).await {
        Ok(status) => {
            let age = (clock.now() - event.created_at)
                .to_std()
                .unwrap_or_default();
            metrics.delivered(age);
            Attempt::Delivered { status }
        }
        Err((Some(410), _)) => {
            metrics.delivery_failed(false);
            let owner = if event.subscriber.is_empty() {
                &event.organization_fiscal_code
            } else {
                &event.subscriber
            };
            log::warn!("webhook of {owner} answered 410 Gone: disabled");
            Attempt::Gone
        }
        Err((status, error)) => {
            let give_up = event.attempts + 1 >= config.max_attempts;
            metrics.delivery_failed(give_up);
            let delay =
                chrono::Duration::from_std(config.backoff(event.attempts)).unwrap_or_default();
            log::info!(
                "event {} not delivered ({error}); attempt {}",
                event.event_id,
                event.attempts + 1
            );
            Attempt::Failed {
                status,
                error,
                next: clock.now() + delay,
                give_up,
            }
        }
    }
}

/// Claims due events and delivers them until `shutdown`. Safe to run in any number of instances.
/// At shutdown it claims no more, lets the attempts under way finish within
/// `config.shutdown_grace`, and releases the leases still held, so another instance delivers
/// those events at once rather than after the lease expires.
pub async fn run_worker(
    db: Db,
    clock: Clock,
    config: DeliveryConfig,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) {
    let client = match reqwest::Client::builder()
        .timeout(config.request_timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            log::error!("webhook worker cannot start: {e}");
            return;
        }
    };
    let lease = chrono::Duration::from_std(config.request_timeout * 2 + Duration::from_secs(30))
        .unwrap_or_default();
    while !shutdown.is_started() {
        let token = uuid::Uuid::new_v4().to_string();
        let claim_token = token.clone();
        let batch = config.batch;
        let now = clock.now();
        let claimed = db
            .run(move |c| outbox::claim(c, &claim_token, now, lease, batch))
            .await;
        let claimed = match claimed {
            Ok(events) => events,
            Err(e) => {
                log::warn!("webhook worker cannot claim events: {e}");
                let pause = config.poll_interval.max(Duration::from_secs(1));
                if sleep_or_shutdown(&shutdown, pause).await {
                    break;
                }
                continue;
            }
        };
        let full = claimed.len() as i64 >= config.batch;
        let deliveries = stream::iter(claimed).for_each_concurrent(config.concurrency, |event| {
            let (db, client, clock, config, metrics, token) = (
                db.clone(),
                &client,
                &clock,
                &config,
                &metrics,
                token.clone(),
            );
            async move {
                let outcome = attempt(client, clock, config, metrics, &event).await;
                let now = clock.now();
                let result = db
                    .run(move |c| outbox::finish(c, &event, &token, &outcome, now))
                    .await;
                if let Err(e) = result {
                    log::warn!("cannot record a delivery attempt: {e}");
                }
            }
        });
        tokio::pin!(deliveries);
        tokio::select! {
            _ = &mut deliveries => {}
            _ = shutdown.started() => {
                if tokio::time::timeout(config.shutdown_grace, &mut deliveries).await.is_err() {
                    log::warn!("webhook worker: deliveries still under way at shutdown are dropped");
                }
                release(&db, token).await;
                break;
            }
        }
        if !full && sleep_or_shutdown(&shutdown, config.poll_interval).await {
            break;
        }
    }
    log::info!("webhook worker stopped");
}

/// Gives back the events still leased to `token` (attempts dropped at shutdown).
async fn release(db: &Db, token: String) {
    match db.run(move |c| outbox::release(c, &token)).await {
        Ok(0) => {}
        Ok(n) => log::info!("webhook worker: released {n} events for other instances"),
        Err(e) => log::warn!("webhook worker cannot release its leases (they expire): {e}"),
    }
}
