//! Races: concurrent creates and updates never both win.

mod common;

use common::{iuv, position, TestApp, ORG_A};
use futures_util::future::join_all;
use serde_json::json;

async fn parallel_creates_of_one_iupd(app: TestApp) {
    let path = format!("/organizations/{ORG_A}/debtpositions");
    let body = position("RACE", &iuv(1));
    let replies = join_all((0..20).map(|_| app.post(&path, Some(&body)))).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let conflicts = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, conflicts),
        (1, 19),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    // Different IUPDs racing for one IUV: one wins as well.
    let bodies: Vec<_> = (0..20)
        .map(|i| position(&format!("RACE-{i}"), &iuv(2)))
        .collect();
    let replies = join_all(bodies.iter().map(|body| app.post(&path, Some(body)))).await;
    assert_eq!(replies.iter().filter(|r| r.status == 201).count(), 1);
    assert_eq!(replies.iter().filter(|r| r.status == 409).count(), 19);
    assert_eq!(app.get(&path).await.body["page_info"]["items_found"], 2);
}

async fn parallel_updates_of_one_version(app: TestApp) {
    app.create(&position("RACE-UPD", &iuv(3)), false).await;
    let path = app.url(&format!("/organizations/{ORG_A}/debtpositions/RACE-UPD"));
    let replies = join_all((0..20).map(|i| {
        let mut body = position("RACE-UPD", &iuv(3));
        body["companyName"] = json!(format!("Writer {i}"));
        let req = app
            .client
            .put(&path)
            .header(common::KEY_HEADER, &app.key_a)
            .header("If-Match", "\"0\"")
            .json(&body)
            .send();
        async move {
            let res = req.await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    }))
    .await;
    let winners: Vec<_> = replies.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
    assert_eq!(replies.iter().filter(|(s, _)| *s == 412).count(), 19);
    let stored = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/RACE-UPD"))
        .await;
    assert_eq!(stored.headers["etag"], "\"1\"");
    assert_eq!(stored.body["companyName"], winners[0].1["companyName"]);
}

both_backends!(
    parallel_creates_of_one_iupd,
    parallel_updates_of_one_version
);

/// Replacing or deleting a position locks only that position's rows. On MariaDB a `DELETE FROM
/// transfers WHERE payment_option_id IN (SELECT ...)` scans, and locks, every transfer: it
/// waited for (and deadlocked with) the payments of other positions, which then failed with
/// PAA_SYSTEM_ERROR (found by tests/soak).
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_replacing_a_position_does_not_wait_for_other_positions() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use gpd_gateway::store::schema::{payment_options as po, transfers as tr};
    use std::time::Duration;

    let app = common::spawn_app(common::Backend::Mysql).await;
    for (iupd, n) in [("HELD", 10), ("REPLACED", 11), ("DELETED", 12)] {
        app.create(&position(iupd, &iuv(n)), true).await;
    }
    let mut other = diesel::MysqlConnection::establish(&app.database_url).unwrap();
    let held: i64 = po::table
        .filter(po::iuv.eq(iuv(10)))
        .select(po::id)
        .first(&mut other)
        .unwrap();
    // As a payment of HELD does: its transfers stay locked until that transaction ends.
    // READ COMMITTED, as every connection of the service.
    other
        .batch_execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN")
        .unwrap();
    diesel::update(tr::table.filter(tr::payment_option_id.eq(held)))
        .set(tr::amount.eq(tr::amount))
        .execute(&mut other)
        .unwrap();
    let within = |what: &'static str| {
        move |_| panic!("{what} waited for the locks on another position's transfers")
    };
    let mut body = position("REPLACED", &iuv(11));
    body["companyName"] = json!("Nuovo Comune");
    let path = format!("/organizations/{ORG_A}/debtpositions/REPLACED");
    let reply = tokio::time::timeout(Duration::from_secs(10), app.put(&path, &body))
        .await
        .unwrap_or_else(within("the replacement"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let path = format!("/organizations/{ORG_A}/debtpositions/DELETED");
    let reply = tokio::time::timeout(Duration::from_secs(10), app.delete(&path))
        .await
        .unwrap_or_else(within("the deletion"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    other.batch_execute("ROLLBACK").unwrap();
    let stored = app
        .get(&format!("/organizations/{ORG_A}/debtpositions/REPLACED"))
        .await;
    assert_eq!(
        stored.body["companyName"], "Nuovo Comune",
        "{}",
        stored.body
    );
    assert_eq!(
        stored.body["paymentOption"][0]["transfer"][1]["amount"],
        200
    );
}
