//! In-process metrics, rendered in the Prometheus text format on `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const DELIVERY_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 86400.0,
];

#[derive(Debug, Clone)]
struct Histogram {
    buckets: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(buckets: &'static [f64]) -> Self {
        Self {
            buckets,
            counts: vec![0; buckets.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, seconds: f64) {
        for (bound, count) in self.buckets.iter().zip(self.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in self.buckets.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// Counters and histograms shared by the HTTP middleware and the delivery worker.
pub struct Metrics {
    http: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    deliveries_ok: AtomicU64,
    deliveries_failed: AtomicU64,
    deliveries_dead: AtomicU64,
    delivery_latency: Mutex<Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            http: Mutex::new(BTreeMap::new()),
            deliveries_ok: AtomicU64::new(0),
            deliveries_failed: AtomicU64::new(0),
            deliveries_dead: AtomicU64::new(0),
            delivery_latency: Mutex::new(Histogram::new(DELIVERY_BUCKETS)),
        }
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut http) = self.http.lock() {
            http.entry((method.to_owned(), route.to_owned(), status))
                .or_insert_with(|| Histogram::new(HTTP_BUCKETS))
                .observe(elapsed.as_secs_f64());
        }
    }

    /// A delivered event, `latency` after it was recorded.
    pub fn delivered(&self, latency: Duration) {
        self.deliveries_ok.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut h) = self.delivery_latency.lock() {
            h.observe(latency.as_secs_f64());
        }
    }

    pub fn delivery_failed(&self, dead: bool) {
        self.deliveries_failed.fetch_add(1, Ordering::Relaxed);
        if dead {
            self.deliveries_dead.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition; `event_states` are the outbox counts per state.
    pub fn render(&self, event_states: &[(String, i64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP gpd_http_request_duration_seconds HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE gpd_http_request_duration_seconds histogram\n");
        if let Ok(http) = self.http.lock() {
            for ((method, route, status), h) in http.iter() {
                let labels = format!(
                    "method=\"{}\",route=\"{}\",status=\"{status}\"",
                    escape(method),
                    escape(route)
                );
                h.render(&mut out, "gpd_http_request_duration_seconds", &labels);
            }
        }
        out.push_str(
            "# HELP gpd_events Events in the outbox by delivery state (partners' copies included).\n# TYPE gpd_events gauge\n",
        );
        for state in ["PENDING", "DELIVERED", "DEAD", "NO_WEBHOOK"] {
            let n = event_states
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "gpd_events{{state=\"{state}\"}} {n}");
        }
        let counters = [
            (
                "gpd_webhook_deliveries_total",
                "Webhook deliveries answered 2xx.",
                &self.deliveries_ok,
            ),
            (
                "gpd_webhook_failures_total",
                "Webhook delivery attempts that failed.",
                &self.deliveries_failed,
            ),
            (
                "gpd_webhook_dead_total",
                "Events given up after the last attempt.",
                &self.deliveries_dead,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP gpd_webhook_delivery_latency_seconds From the event's commit to its delivery.\n");
        out.push_str("# TYPE gpd_webhook_delivery_latency_seconds histogram\n");
        if let Ok(h) = self.delivery_latency.lock() {
            h.render(&mut out, "gpd_webhook_delivery_latency_seconds", "");
        }
        out
    }
}
