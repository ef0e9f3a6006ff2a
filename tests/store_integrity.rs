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

/// SQLite's automatic checkpoint would run inside the commit crossing its threshold, holding the
/// single writer's turn; the pool turns it off and checkpoints after every 64th run instead. 2,000
/// one-row transactions write 2,000 WAL frames of 4 KiB: unchecked the WAL would reach 8 MiB, and
/// with SQLite's own checkpoint (1,000 pages) about 4 MiB.
#[actix_web::test]
async fn sqlite_wal_is_checkpointed_outside_the_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
    let db = store::Db::new(
        store::connect(&url, &store::PoolOptions::default()).unwrap(),
        &url,
    );
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
