//! The database alone: what the lookup behind a paVerifyPaymentNotice costs without the service.
//! `--connections` connections to the seeded database (one OS thread each: diesel's connections
//! are blocking, and a thread asleep in `recv` costs nothing), each a closed loop of ONE point
//! SELECT of a random seeded notice by (institution, notice number) through its unique index.
//! The query is built with diesel's DSL on the service's schema, so, as in the service, it is a
//! prepared statement prepared once per connection (diesel does not cache `sql_query` text:
//! that would be a prepare, an execute and a close per query). Reports queries/s, latency and the
//! CPU of the named processes per query, as one JSON line in the style of `bench-load`
//! (workload `bare-select`, closed loop), so `bench-report` puts it in the same tables.

use std::io::Write;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use clap::Parser;
use diesel::prelude::*;
use gpd_bench::{cpu_seconds, labels_json, mysql_questions, option_count, seeded_notice, Rng, ORG};
use gpd_gateway::store::schema::payment_options as po;
use gpd_gateway::store::{self, DatabaseUrl};
use hdrhistogram::Histogram;
use serde_json::json;

/// What the JSON line says was measured.
const QUERY: &str = "SELECT payment_position_id, amount, status, due_date FROM payment_options \
                     WHERE organization_fiscal_code = ? AND nav = ?";

#[derive(Parser, Debug)]
#[command(
    about = "Closed loop of one point SELECT per query against the seeded benchmark database"
)]
struct Args {
    /// sqlite://PATH or mysql://USER@HOST:PORT/DATABASE (seeded by bench-seed).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Connections, one thread each.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seeded positions read at random: `read_from..read_to`.
    #[arg(long, default_value_t = 0)]
    read_from: u64,
    #[arg(long, default_value_t = 1_000)]
    read_to: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Appends the result as one JSON line to this file.
    #[arg(long)]
    out: Option<String>,
    /// Labels for the JSON line, `key=value,...`.
    #[arg(long, default_value = "")]
    labels: String,
    /// Processes whose CPU time per query to report, `name=pid` (`generator=self` for this one).
    #[arg(long = "cpu", value_name = "NAME=PID")]
    cpu: Vec<String>,
    /// MariaDB/MySQL server whose global `Questions` counter gives the statements per query.
    #[arg(long)]
    mysql_status: Option<String>,
}

struct Stats {
    latency: Histogram<u64>,
    sent: u64,
    in_window: u64,
    errors: u64,
    error_samples: Vec<String>,
}

impl Stats {
    fn new() -> Self {
        Self {
            latency: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds"),
            sent: 0,
            in_window: 0,
            errors: 0,
            error_samples: Vec::new(),
        }
    }

    fn error(&mut self, message: String) {
        self.errors += 1;
        if self.error_samples.len() < 3 {
            self.error_samples.push(message);
        }
    }

    fn merge(&mut self, other: Stats) {
        self.latency.add(&other.latency).expect("same bounds");
        self.sent += other.sent;
        self.in_window += other.in_window;
        self.errors += other.errors;
        for e in other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(e);
            }
        }
    }
}

/// The window of a run, fixed once every connection is open.
#[derive(Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
}

type Row = (i64, i64, String, NaiveDateTime);

fn worker(
    mut conn: store::DbConnection,
    args: &Args,
    id: u64,
    start: &Barrier,
    window: &std::sync::OnceLock<Window>,
) -> Stats {
    let mut stats = Stats::new();
    let mut rng = Rng::new(args.seed.wrapping_mul(1_000_003) ^ id);
    let read_to = args.read_to.max(args.read_from + 1);
    start.wait();
    let w = *window.get().expect("the window is set before the start");
    loop {
        let i = rng.range(args.read_from, read_to);
        let nav = seeded_notice(i, rng.range(0, option_count(i)));
        let sent = Instant::now();
        if sent >= w.end {
            break;
        }
        let result: QueryResult<Vec<Row>> = po::table
            .filter(po::organization_fiscal_code.eq(ORG))
            .filter(po::nav.eq(&nav))
            .select((
                po::payment_position_id,
                po::amount,
                po::status,
                po::due_date,
            ))
            .load(&mut conn);
        let done = Instant::now();
        stats.sent += 1;
        match result {
            Ok(rows) if rows.len() == 1 => {
                if sent >= w.measure_from && done <= w.end {
                    stats.in_window += 1;
                    let us = (done - sent).as_micros().max(1) as u64;
                    stats.latency.saturating_record(us);
                }
            }
            Ok(rows) => stats.error(format!("notice {nav}: {} rows, not 1", rows.len())),
            Err(e) => stats.error(format!("notice {nav}: {e}")),
        }
    }
    stats
}

fn main() {
    let args = Arc::new(Args::parse());
    let url = DatabaseUrl::parse(&args.database_url).unwrap_or_else(|e| {
        eprintln!("bench-sql: {e}");
        std::process::exit(1);
    });
    let connections = args.connections.max(1);
    // Every connection is open (and the service's session settings applied) before the clock
    // and the CPU counters start.
    let conns = (0..connections)
        .map(|_| store::establish(&url))
        .collect::<Result<Vec<_>, String>>()
        .unwrap_or_else(|e| {
            eprintln!("bench-sql: {e}");
            std::process::exit(1);
        });
    let start = Arc::new(Barrier::new(connections + 1));
    let window = Arc::new(std::sync::OnceLock::new());
    let handles: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(id, conn)| {
            let (args, start, window) = (args.clone(), start.clone(), window.clone());
            std::thread::Builder::new()
                .name(format!("sql-{id}"))
                .spawn(move || worker(conn, &args, id as u64, &start, &window))
                .expect("a thread")
        })
        .collect();

    let cpu_before: Vec<(String, String, Option<f64>)> = args
        .cpu
        .iter()
        .filter_map(|c| c.split_once('='))
        .map(|(name, pid)| (name.to_owned(), pid.to_owned(), cpu_seconds(pid)))
        .collect();
    let questions_before = args.mysql_status.as_deref().and_then(mysql_questions);
    let begin = Instant::now();
    let measure_from = begin + Duration::from_secs_f64(args.warmup);
    let w = Window {
        measure_from,
        end: measure_from + Duration::from_secs_f64(args.duration),
    };
    let _ = window.set(w);
    start.wait();
    let mut stats = Stats::new();
    for h in handles {
        stats.merge(h.join().expect("a worker"));
    }

    // Per query over the whole run, warm-up included, as bench-load does per request.
    let per_query = |total: f64| (stats.sent > 0).then(|| total / stats.sent as f64);
    let mut cpu = serde_json::Map::new();
    for (name, pid, before) in &cpu_before {
        if let (Some(before), Some(after)) = (before, cpu_seconds(pid)) {
            cpu.insert(name.clone(), json!(per_query((after - before) * 1e6)));
        }
    }
    let statements = match (
        questions_before,
        args.mysql_status.as_deref().and_then(mysql_questions),
    ) {
        // Less the two reads of the counter.
        (Some(before), Some(after)) => per_query(after.saturating_sub(before + 1) as f64),
        _ => None,
    };
    let window_s = (w.end - w.measure_from).as_secs_f64().max(1e-9);
    let throughput = stats.in_window as f64 / window_s;
    let l = &stats.latency;
    let q = |q: f64| {
        if l.is_empty() {
            0
        } else {
            l.value_at_quantile(q)
        }
    };
    let result = json!({
        "kind": "load",
        "labels": labels_json(&args.labels),
        "workload": "bare-select",
        "mode": "closed",
        "backend": url.backend_name(),
        "query": QUERY,
        "connections": connections,
        "target_rate": null,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "window_s": window_s,
        "requests": stats.in_window,
        "latency_samples": l.len(),
        "errors": stats.errors,
        "timeouts": 0,
        "error_samples": stats.error_samples,
        "throughput_rps": throughput,
        "latency_us": {
            "p50": q(0.50),
            "p90": q(0.90),
            "p99": q(0.99),
            "p999": q(0.999),
            "max": l.max(),
            "mean": if l.is_empty() { 0.0 } else { l.mean() },
        },
        "unsent": 0,
        "saturated": false,
        "exhausted": false,
        "generator_threads": connections,
        "sent": stats.sent,
        "cpu_us_per_request": cpu,
        "statements_per_request": statements,
    });
    eprintln!(
        "  {:<15} {:<6} {:>9.0} q/s    p50 {:>7.2} ms  p99 {:>7.2} ms  p99.9 {:>7.2} ms  errors {}",
        "bare-select",
        "closed",
        throughput,
        q(0.5) as f64 / 1000.0,
        q(0.99) as f64 / 1000.0,
        q(0.999) as f64 / 1000.0,
        stats.errors,
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
