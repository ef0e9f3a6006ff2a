//! Seeds benchmark positions `from..to` of the institution (which must be registered) with bulk
//! inserts in large transactions, and reports how long it took. Also creates and drops the
//! MariaDB/MySQL benchmark database, so `bench/run` needs no database client.

use std::io::Write;
use std::sync::mpsc;
use std::time::Instant;

use clap::{Parser, Subcommand};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use gpd_bench::{labels_json, seeded, ORG};
use gpd_gateway::domain::{self, Position};
use gpd_gateway::store::{self, bulk, orgs, DatabaseUrl, DbConnection};
use serde_json::json;

#[derive(Parser)]
#[command(about = "Seeds the gpd-gateway benchmark dataset")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inserts positions `from..to` (see the bench crate's layout) as published (VALID).
    Seed {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long)]
        to: u64,
        /// Positions per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: u64,
        /// Appends a JSON line with the timing to this file.
        #[arg(long)]
        out: Option<String>,
        /// Labels for the JSON line, `key=value,...`.
        #[arg(long, default_value = "")]
        labels: String,
    },
    /// Drops (if present) and creates a MariaDB/MySQL database.
    CreateDb {
        /// Server URL without database, e.g. mysql://root@127.0.0.1:3306
        #[arg(long)]
        server: String,
        #[arg(long)]
        database: String,
    },
    /// Prints, as one JSON line, the MariaDB/MySQL settings that matter for the figures.
    DbInfo {
        #[arg(long)]
        server: String,
        /// The benchmark backend these settings belong to (`mysql`, `mysql-prod`).
        #[arg(long, default_value = "mysql")]
        backend: String,
    },
    /// Drops a MariaDB/MySQL database.
    DropDb {
        #[arg(long)]
        server: String,
        #[arg(long)]
        database: String,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Seed {
            database_url,
            from,
            to,
            batch,
            out,
            labels,
        } => seed(
            &database_url,
            from,
            to,
            batch.max(1),
            out.as_deref(),
            &labels,
        ),
        Command::CreateDb { server, database } => admin(
            &server,
            &format!(
                "DROP DATABASE IF EXISTS `{database}`; \
                 CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ),
        ),
        Command::DbInfo { server, backend } => db_info(&server, &backend),
        Command::DropDb { server, database } => {
            admin(&server, &format!("DROP DATABASE IF EXISTS `{database}`"))
        }
    };
    if let Err(e) = result {
        eprintln!("bench-seed: {e}");
        std::process::exit(1);
    }
}

fn admin(server: &str, sql: &str) -> Result<(), String> {
    let url = format!("{}/information_schema", server.trim_end_matches('/'));
    let mut conn = diesel::MysqlConnection::establish(&url)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

fn db_info(server: &str, backend: &str) -> Result<(), String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let url = format!("{}/information_schema", server.trim_end_matches('/'));
    let mut conn = diesel::MysqlConnection::establish(&url)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    let names = [
        "version",
        "innodb_buffer_pool_size",
        "innodb_flush_log_at_trx_commit",
        "innodb_flush_method",
        "innodb_log_file_size",
        "innodb_io_capacity",
        "innodb_doublewrite",
        "sync_binlog",
        "log_bin",
        "max_connections",
        "skip_name_resolve",
        "query_cache_type",
    ];
    let mut info = serde_json::Map::new();
    info.insert("kind".into(), json!("mysql"));
    info.insert("backend".into(), json!(backend));
    for name in names {
        let rows: Vec<Setting> = diesel::sql_query(format!(
            "SELECT '{name}' AS name, CAST(@@{name} AS CHAR) AS value"
        ))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
        for r in rows {
            info.insert(r.name, json!(r.value));
        }
    }
    println!("{}", serde_json::Value::Object(info));
    Ok(())
}

fn seed(
    url: &str,
    from: u64,
    to: u64,
    batch: u64,
    out: Option<&str>,
    labels: &str,
) -> Result<(), String> {
    let url = DatabaseUrl::parse(url)?;
    let mut conn = store::connect_single(&url)?;
    if let DbConnection::Sqlite(c) = &mut conn {
        // A bigger page cache for building 1M-row indexes; this connection only.
        c.batch_execute("PRAGMA cache_size = -262144")
            .map_err(|e| e.to_string())?;
    }
    let org = orgs::find_org(&mut conn, ORG)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!("institution {ORG} is not registered: run `gpd-gateway org add` first")
        })?;
    let started = Instant::now();

    // Building positions (validation, JSON metadata) overlaps with inserting the previous batch.
    let (tx, rx) = mpsc::sync_channel::<Vec<Position>>(2);
    let producer = std::thread::spawn(move || -> Result<f64, String> {
        let mut busy = 0.0;
        let mut start = from;
        while start < to {
            let built = Instant::now();
            let end = (start + batch).min(to);
            let now = domain::now();
            let positions = (start..end)
                .map(|i| {
                    let input = seeded(i)
                        .to_input()
                        .map_err(|e| format!("position {i}: {e}"))?;
                    Position::create(&org, input, now, true)
                        .map_err(|e| format!("position {i}: {e}"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            busy += built.elapsed().as_secs_f64();
            if tx.send(positions).is_err() {
                break;
            }
            start = end;
        }
        Ok(busy)
    });

    let (mut positions, mut options, mut transfers) = (0u64, 0u64, 0u64);
    let mut next_report = 100_000;
    let mut insert_seconds = 0.0;
    for chunk in rx {
        let inserting = Instant::now();
        bulk::insert_positions(&mut conn, &chunk).map_err(|e| e.to_string())?;
        insert_seconds += inserting.elapsed().as_secs_f64();
        positions += chunk.len() as u64;
        options += chunk.iter().map(|p| p.options.len() as u64).sum::<u64>();
        transfers += chunk
            .iter()
            .flat_map(|p| &p.options)
            .map(|o| o.transfers.len() as u64)
            .sum::<u64>();
        if positions >= next_report {
            eprintln!(
                "  seeded {positions} positions in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            next_report += 100_000;
        }
    }
    let build_seconds = producer
        .join()
        .map_err(|_| "the position builder panicked".to_owned())??;
    let seconds = started.elapsed().as_secs_f64();
    // InnoDB recalculates statistics in the background some seconds after a bulk load; until
    // then some plans scan (4x the database CPU per verify was measured). A database that grew
    // over time has current statistics, so refresh them now rather than measure the transient.
    let analyzing = Instant::now();
    if let DbConnection::Mysql(c) = &mut conn {
        c.batch_execute("ANALYZE TABLE payment_positions, payment_options, transfers")
            .map_err(|e| format!("ANALYZE TABLE: {e}"))?;
    }
    let analyze_seconds = analyzing.elapsed().as_secs_f64();
    let rows = positions + options + transfers;
    eprintln!(
        "  seeded positions {from}..{to} ({positions} positions, {options} options, {transfers} transfers) \
         in {seconds:.1} s: {:.0} positions/s, {:.0} rows/s (building {build_seconds:.1} s, \
         inserting {insert_seconds:.1} s, overlapped){}",
        positions as f64 / seconds,
        rows as f64 / seconds,
        if let DbConnection::Mysql(_) = conn {
            format!("; ANALYZE TABLE {analyze_seconds:.1} s")
        } else {
            String::new()
        }
    );
    if let Some(out) = out {
        let line = json!({
            "kind": "seed",
            "labels": labels_json(labels),
            "backend": url.backend_name(),
            "from": from,
            "to": to,
            "positions": positions,
            "options": options,
            "transfers": transfers,
            "seconds": seconds,
            "analyze_seconds": analyze_seconds,
            "build_seconds": build_seconds,
            "insert_seconds": insert_seconds,
            "positions_per_s": positions as f64 / seconds,
            "rows_per_s": rows as f64 / seconds,
        });
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .map_err(|e| format!("{out}: {e}"))?;
        writeln!(file, "{line}").map_err(|e| format!("{out}: {e}"))?;
    }
    Ok(())
}
