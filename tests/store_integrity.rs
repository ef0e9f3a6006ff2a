//! A stored row the domain cannot read is an internal error (500, logged), never the caller's
//! bad request: the row is corrupted with raw SQL after a normal create.

mod common;

use common::{iuv, position, TestApp, ORG_A};
use diesel::connection::SimpleConnection;
use gpd_gateway::store::{self, DatabaseUrl};
use serde_json::json;

/// Creates a position, runs `sql` on the database, then reads the position back.
async fn corrupted(app: &TestApp, iupd: &str, n: u64, sql: &str) {
    app.create(&position(iupd, &iuv(n)), true).await;
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let mut conn = store::connect_single(&url).unwrap();
    conn.batch_execute(sql).unwrap();
    let expected = json!({
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred; it has been logged"
    });
    for path in [
        format!("/organizations/{ORG_A}/debtpositions/{iupd}"),
        format!("/organizations/{ORG_A}/debtpositions?page=0"),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 500, "{path}: {}", reply.body);
        assert_eq!(reply.body, expected, "{path}");
    }
}

async fn invalid_status(app: TestApp) {
    corrupted(
        &app,
        "BAD-STATUS",
        1,
        "UPDATE payment_positions SET status = 'BOGUS' WHERE iupd = 'BAD-STATUS'",
    )
    .await;
}

async fn non_numeric_iuv(app: TestApp) {
    corrupted(
        &app,
        "BAD-IUV",
        2,
        "UPDATE payment_options SET iuv = 'NOT-AN-IUV' WHERE organization_fiscal_code = '77777777777'",
    )
    .await;
}

async fn unknown_debtor_type(app: TestApp) {
    corrupted(
        &app,
        "BAD-DEBTOR",
        3,
        "UPDATE payment_positions SET debtor_type = 'X' WHERE iupd = 'BAD-DEBTOR'",
    )
    .await;
}

both_backends!(invalid_status, non_numeric_iuv, unknown_debtor_type);

/// A `Db` over a new SQLite file `name` in `dir`, as the service opens it.
fn sqlite_db(dir: &tempfile::TempDir, name: &str) -> (store::Db, DatabaseUrl) {
    let path = dir.path().join(name);
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
    let db = store::Db::new(
        store::connect(&url, &store::PoolOptions::default()).unwrap(),
        &url,
    );
    (db, url)
}

/// The settings every pooled SQLite connection gets: WAL with `synchronous = NORMAL` (durable once
/// in the WAL), foreign keys and a small private page cache (the kernel caches the file).
#[actix_web::test]
async fn sqlite_connections_are_set_up_for_the_service() {
    use diesel::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sqlite_db(&dir, "pragmas.db");
    let read = |pragma: &'static str| {
        db.run(move |c| {
            Ok(
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
                    "(SELECT CAST({pragma} AS TEXT) FROM pragma_{pragma})"
                )))
                .get_result::<String>(c)?,
            )
        })
    };
    assert_eq!(read("journal_mode").await.unwrap(), "wal");
    assert_eq!(read("synchronous").await.unwrap(), "1");
    assert_eq!(read("foreign_keys").await.unwrap(), "1");
    assert_eq!(read("cache_size").await.unwrap(), "-512");
}

/// SQLite's automatic checkpoint would run inside the commit crossing its threshold, holding the
/// single writer's turn; the pool turns it off and checkpoints after every 64th run instead. 2,000
/// one-row transactions write 2,000 WAL frames of 4 KiB: unchecked the WAL would reach 8 MiB, and
/// with SQLite's own checkpoint (1,000 pages) about 4 MiB.
#[actix_web::test]
async fn sqlite_wal_is_checkpointed_outside_the_commits() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = sqlite_db(&dir, "wal.db");
    db.run(|c| Ok(c.batch_execute("CREATE TABLE wal_probe (n INTEGER NOT NULL)")?))
        .await
        .unwrap();
    let wal = dir.path().join("wal.db-wal");
    let mut largest = 0;
    for n in 0..2000 {
        db.run(move |c| {
            store::write_tx(c, |c| {
                Ok::<_, store::StoreError>(
                    c.batch_execute(&format!("INSERT INTO wal_probe VALUES ({n})"))?,
                )
            })
        })
        .await
        .unwrap();
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    let rows: i64 = db
        .run(|c| {
            use diesel::prelude::*;
            Ok(
                diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "(SELECT COUNT(*) FROM wal_probe)",
                ))
                .get_result(c)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(rows, 2000);
    assert!(largest > 0, "the WAL file was never seen");
    assert!(largest < 1024 * 1024, "the WAL grew to {largest} bytes");
}

/// What a concurrent writer of the group-commit test does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Writer {
    Inserts,
    FailsAfterInserting,
    InsertsATakenKey,
    Panics,
}

fn writer(n: i64) -> Writer {
    match n % 20 {
        3 | 11 => Writer::FailsAfterInserting,
        7 => Writer::InsertsATakenKey,
        _ if n % 97 == 50 => Writer::Panics,
        _ => Writer::Inserts,
    }
}

/// SQLite writers of one `Db` that overlap share a transaction (each in a savepoint) and one
/// commit: a writer is told it succeeded exactly when its rows are committed, one whose work fails
/// leaves nothing behind and does not undo the others, and a panicking writer makes the writers of
/// its shared transaction fail rather than lose or half-keep their rows.
#[actix_web::test]
async fn sqlite_concurrent_writers_succeed_exactly_when_committed() {
    use diesel::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let (db, url) = sqlite_db(&dir, "group.db");
    db.run(|c| {
        Ok(c.batch_execute(
            "CREATE TABLE group_probe (n INTEGER PRIMARY KEY, copy INTEGER NOT NULL)",
        )?)
    })
    .await
    .unwrap();
    let insert = |c: &mut store::DbConnection, n: i64| {
        c.batch_execute(&format!("INSERT INTO group_probe VALUES ({n}, {n})"))
    };
    let runs = (0..600i64).map(|n| {
        let db = db.clone();
        async move {
            let result = db
                .run(move |c| {
                    store::write_tx(c, |c| {
                        insert(c, n)?;
                        insert(c, 100_000 + n)?;
                        match writer(n) {
                            Writer::Inserts => Ok(()),
                            Writer::FailsAfterInserting => Err(store::StoreError::Conflict(
                                "refused after writing".to_owned(),
                            )),
                            Writer::InsertsATakenKey => Ok(insert(c, n)?),
                            Writer::Panics => panic!("writer {n} panics on purpose"),
                        }
                    })
                })
                .await;
            (n, result.is_ok())
        }
    });
    let outcomes = futures_util::future::join_all(runs).await;
    let mut conn = store::connect_single(&url).unwrap();
    let stored: Vec<i64> = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "(SELECT COALESCE(GROUP_CONCAT(n), '') FROM group_probe)",
    ))
    .get_result::<String>(&mut conn)
    .unwrap()
    .split(',')
    .filter(|s| !s.is_empty())
    .map(|s| s.parse().unwrap())
    .collect();
    let mut expected = Vec::new();
    for (n, ok) in &outcomes {
        let kind = writer(*n);
        if kind != Writer::Inserts {
            assert!(!ok, "writer {n} ({kind:?}) was told it succeeded");
        }
        if *ok {
            expected.push(*n);
            expected.push(100_000 + *n);
        }
    }
    let mut stored_sorted = stored.clone();
    stored_sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(
        stored_sorted, expected,
        "committed rows against writers told OK"
    );
    let succeeded = outcomes.iter().filter(|(_, ok)| *ok).count();
    let plain = (0..600).filter(|n| writer(*n) == Writer::Inserts).count();
    // Only writers sharing a transaction with a panicking one may fail besides the failing kinds.
    assert!(
        succeeded >= plain - 6 * 32,
        "{succeeded} of {plain} plain writers succeeded"
    );
    assert!(
        db.shared_commits() > 0,
        "no writer joined another's transaction"
    );
    // The pool is still usable after the panics.
    db.run(move |c| store::write_tx(c, |c| Ok::<_, store::StoreError>(insert(c, 999_999)?)))
        .await
        .unwrap();
}
