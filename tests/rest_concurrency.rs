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
