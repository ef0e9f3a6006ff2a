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
