//! One rule for "the status at time T": on a table of stored positions and instants, the domain's
//! read-time status, the list's status filter and the batch that persists time-driven
//! transitions agree with each other and with the per-option rule, on both backends.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::{iuv, TestApp, ORG_A};
use diesel::prelude::*;
use gpd_gateway::domain::access::Scope;
use gpd_gateway::domain::{
    Address, Amount, Beneficiary, Debtor, DebtorFiscalCode, DebtorType, Iban, Iupd, Iuv,
    OptionInput, OrgFiscalCode, Organization, PaymentDetails, Position, PositionInput,
    PositionStatus, Replay, Text, TransferId, TransferInput,
};
use gpd_gateway::store::positions::UpdateMode;
use gpd_gateway::store::{self, bulk, orgs, positions, DatabaseUrl, DbConnection};

fn day(n: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2030, 1, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        + Duration::days(n)
}

fn input(iupd: &str, n: u64, max_due: NaiveDateTime, switch_to_expired: bool) -> PositionInput {
    let option = |k: u64, due: NaiveDateTime| OptionInput {
        iuv: Iuv::parse("iuv", &iuv(n * 2 + k)).unwrap(),
        nav: None,
        amount: Amount::from_cents(1000).unwrap(),
        description: Text::parse("d", "Rata").unwrap(),
        is_partial_payment: true,
        due_date: due,
        retention_date: None,
        group: None,
        metadata: vec![],
        transfers: vec![TransferInput {
            id: TransferId::parse("t", "1").unwrap(),
            amount: Amount::from_cents(1000).unwrap(),
            organization_fiscal_code: None,
            company_name: None,
            remittance_information: Text::parse("r", "Rata").unwrap(),
            category: Text::parse("c", "9/0101108TS/").unwrap(),
            beneficiary: Beneficiary::Iban {
                iban: Iban::parse("iban", "IT60X0542811101000000123456").unwrap(),
                postal_iban: None,
            },
            metadata: vec![],
        }],
    };
    PositionInput {
        iupd: Iupd::parse("iupd", iupd).unwrap(),
        debtor: Debtor {
            kind: DebtorType::Person,
            fiscal_code: DebtorFiscalCode::parse("fc", "RSSMRA80A01H501U").unwrap(),
            full_name: Text::parse("n", "Mario Rossi").unwrap(),
            address: Address::default(),
            email: None,
            phone: None,
        },
        company_name: Text::parse("c", "Comune").unwrap(),
        office_name: None,
        validity_date: None,
        switch_to_expired,
        pay_stand_in: false,
        options: vec![option(0, max_due - Duration::days(2)), option(1, max_due)],
    }
}

/// The stored facts of one position of the table.
#[derive(Debug, Clone)]
struct Case {
    stored: PositionStatus,
    validity: Option<NaiveDateTime>,
    switch_to_expired: bool,
    dues: [NaiveDateTime; 2],
    payment_date: Option<NaiveDateTime>,
}

impl Case {
    /// The rule as GPD states it, per option: a published position is valid from its validity
    /// date; a valid one expires once every option is unpaid, past due, with `switchToExpired`.
    fn expected(&self, now: NaiveDateTime) -> PositionStatus {
        let valid_now = match self.stored {
            PositionStatus::Published => self.validity.is_some_and(|v| v <= now),
            PositionStatus::Valid => true,
            _ => false,
        };
        let lapsed = self.payment_date.is_none()
            && self
                .dues
                .iter()
                .all(|due| self.switch_to_expired && *due < now);
        match (valid_now, lapsed) {
            (false, _) => self.stored,
            (true, true) => PositionStatus::Expired,
            (true, false) => PositionStatus::Valid,
        }
    }
}

fn connect(app: &TestApp) -> (DbConnection, Organization, OrgFiscalCode) {
    let mut conn = store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap();
    let org = orgs::find_org(&mut conn, ORG_A).unwrap().unwrap();
    let fc = org.fiscal_code.clone();
    (conn, org, fc)
}

/// Stored status x validity date (none, day 5, day 15) x switchToExpired x latest due date
/// (day 8, day 20) x payment date (none, day 3), stored through the bulk insert.
fn seed(conn: &mut DbConnection, org: &Organization) -> BTreeMap<String, Case> {
    let mut cases = BTreeMap::new();
    let mut rows = Vec::new();
    for &stored in PositionStatus::ALL {
        for validity in [None, Some(day(5)), Some(day(15))] {
            for switch_to_expired in [false, true] {
                for max_due in [day(8), day(20)] {
                    for payment_date in [None, Some(day(3))] {
                        let n = rows.len() as u64;
                        let iupd = format!("IUPD-{n:03}");
                        let input = input(&iupd, n, max_due, switch_to_expired);
                        let mut p = Position::create(org, input, day(-30), false).unwrap();
                        p.status = stored;
                        p.validity_date = validity;
                        p.payment_date = payment_date;
                        let dues = [p.options[0].due_date, p.options[1].due_date];
                        cases.insert(
                            iupd,
                            Case {
                                stored,
                                validity,
                                switch_to_expired,
                                dues,
                                payment_date,
                            },
                        );
                        rows.push(p);
                    }
                }
            }
        }
    }
    bulk::insert_positions(conn, &rows).unwrap();
    cases
}

fn list(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    status: Option<PositionStatus>,
    now: NaiveDateTime,
) -> (Vec<Position>, i64) {
    let filter = positions::ListFilter {
        status: status.into_iter().collect(),
        limit: 1000,
        ..Default::default()
    };
    let page = positions::list(conn, org, &filter, now).unwrap();
    (page.positions, page.total)
}

/// (a) the read-time status of every loaded position is the expected one, and (b) the list's
/// filter for each status returns exactly the positions reading so.
fn check_reads(
    conn: &mut DbConnection,
    org: &OrgFiscalCode,
    cases: &BTreeMap<String, Case>,
    now: NaiveDateTime,
) -> BTreeMap<String, PositionStatus> {
    let (all, total) = list(conn, org, None, now);
    assert_eq!(total as usize, cases.len());
    let mut stored = BTreeMap::new();
    for p in &all {
        let case = &cases[p.iupd.as_str()];
        assert_eq!(p.status_at(now), case.expected(now), "{now} {case:?}");
        stored.insert(p.iupd.to_string(), p.status);
    }
    for &status in PositionStatus::ALL {
        let (found, total) = list(conn, org, Some(status), now);
        let found: BTreeSet<String> = found.iter().map(|p| p.iupd.to_string()).collect();
        let expected: BTreeSet<String> = cases
            .iter()
            .filter(|(_, c)| c.expected(now) == status)
            .map(|(iupd, _)| iupd.clone())
            .collect();
        assert_eq!(found, expected, "list filter {status} at {now}");
        assert_eq!(
            total as usize,
            expected.len(),
            "list total {status} at {now}"
        );
    }
    stored
}

fn expired_events(conn: &mut DbConnection) -> BTreeMap<String, usize> {
    use gpd_gateway::store::schema::events::dsl::*;
    let rows: Vec<String> = events
        .filter(event_type.eq("position.expired"))
        .select(iupd)
        .load(conn)
        .unwrap();
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(row).or_insert(0) += 1;
    }
    counts
}

fn status_at_agrees_with_list_filter_and_batch(app: &TestApp) {
    let (mut conn, org, fc) = connect(app);
    let cases = seed(&mut conn, &org);
    // Increasing instants, on both sides of every date and on them (`<=` vs `<`).
    for now in [1, 5, 8, 10, 15, 20, 25].map(day) {
        let before = check_reads(&mut conn, &fc, &cases, now);
        // (c) the batch moves exactly the positions whose stored status is behind.
        let due: BTreeSet<&String> = before
            .iter()
            .filter(|(iupd, s)| cases[*iupd].expected(now) != **s)
            .map(|(iupd, _)| iupd)
            .collect();
        let changed = positions::persist_time_transitions(&mut conn, now, 7).unwrap();
        assert_eq!(changed, due.len(), "batch at {now}");
        let after = check_reads(&mut conn, &fc, &cases, now);
        let moved: BTreeSet<&String> = after
            .iter()
            .filter(|(iupd, s)| before[*iupd] != **s)
            .map(|(iupd, _)| iupd)
            .collect();
        assert_eq!(moved, due, "moved by the batch at {now}");
        for (iupd, s) in &after {
            assert_eq!(*s, cases[iupd].expected(now), "{iupd} stored at {now}");
        }
        assert_eq!(
            positions::persist_time_transitions(&mut conn, now, 7).unwrap(),
            0
        );
    }
    // One `position.expired` event per position the batch expired, whatever the path.
    let expected: BTreeMap<String, usize> = cases
        .iter()
        .filter(|(_, c)| {
            c.stored != PositionStatus::Expired && c.expected(day(25)) == PositionStatus::Expired
        })
        .map(|(iupd, _)| (iupd.clone(), 1))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(expired_events(&mut conn), expected);
}

/// Why the rule may read the position's own columns: its options take `switchToExpired` from
/// it, and a payment moves it out of PUBLISHED/VALID, so an expiring position has no paid option.
fn position_facts_stand_for_its_options(app: &TestApp) {
    let (mut conn, org, fc) = connect(app);
    let now = day(0);
    let created = positions::create(
        &mut conn,
        &org,
        &Scope::All,
        input("FACTS", 900, day(10), true),
        now,
        true,
    )
    .unwrap();
    assert_eq!(created.status, PositionStatus::Valid);
    assert!(created.options.iter().all(|o| o.switch_to_expired));
    let updated = positions::update(
        &mut conn,
        &org,
        &Scope::All,
        &created.iupd,
        input("FACTS", 900, day(10), false),
        now,
        UpdateMode {
            to_publish: true,
            expected_version: None,
        },
    )
    .unwrap();
    assert!(updated.options.iter().all(|o| !o.switch_to_expired));
    positions::update(
        &mut conn,
        &org,
        &Scope::All,
        &created.iupd,
        input("FACTS", 900, day(10), true),
        now,
        UpdateMode {
            to_publish: true,
            expected_version: None,
        },
    )
    .unwrap();
    let payment = PaymentDetails {
        payment_date: Some(now),
        id_receipt: Some("r-1".into()),
        ..Default::default()
    };
    let (paid, _, _) = positions::pay(
        &mut conn,
        &fc,
        created.options[0].nav.as_str(),
        payment,
        Replay::Refuse,
        now,
    )
    .unwrap();
    assert_eq!(paid.status, PositionStatus::PartiallyPaid);
    assert!(paid.payment_date.is_none());
    assert!(paid.options.iter().all(|o| o.switch_to_expired));
    // Past every due date the unpaid option alone does not expire the position.
    assert_eq!(paid.status_at(day(30)), PositionStatus::PartiallyPaid);
    let (expired, _) = list(&mut conn, &fc, Some(PositionStatus::Expired), day(30));
    assert!(expired.is_empty());
    assert_eq!(
        positions::persist_time_transitions(&mut conn, day(30), 7).unwrap(),
        0
    );
}

async fn status_rules_agree(app: TestApp) {
    tokio::task::spawn_blocking(move || status_at_agrees_with_list_filter_and_batch(&app))
        .await
        .unwrap();
}

async fn option_facts(app: TestApp) {
    tokio::task::spawn_blocking(move || position_facts_stand_for_its_options(&app))
        .await
        .unwrap();
}

both_backends!(status_rules_agree, option_facts);

/// The batch writes only the positions it claimed. Its UPDATE repeated the term's conditions, so
/// MariaDB could run it as a range scan of the term's index (status, max_due_date), as it does here
/// (3,000 positions, 201 due, 200 claimed), reaching also a due position it had skipped because a
/// payment held it: the batch waited for that payment, whose own UPDATE of the status then waited
/// for the batch's lock on the index entry: a deadlock (found by tests/soak).
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_batch_does_not_wait_for_a_position_being_paid() {
    use diesel::connection::SimpleConnection;
    use gpd_gateway::store::schema::payment_positions as pp;

    let app = common::spawn_app(common::Backend::Mysql).await;
    for chunk in 0..30 {
        let bulk: Vec<_> = (chunk * 100..chunk * 100 + 100)
            .map(|n| {
                let due = if n < 201 {
                    "2030-01-31T00:00:00"
                } else {
                    "2030-12-31T23:59:59"
                };
                let mut body = common::position(&format!("P-{n}"), &iuv(1000 + n));
                body["switchToExpired"] = serde_json::json!(true);
                body["paymentOption"][0]["dueDate"] = serde_json::json!(due);
                body
            })
            .collect();
        let reply = app
            .post(
                &format!("/organizations/{ORG_A}/debtpositions/bulk?toPublish=true"),
                Some(&serde_json::json!({ "paymentPositions": bulk })),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let at = day(59);
    let mut payment = diesel::MysqlConnection::establish(&app.database_url).unwrap();
    let paid: i64 = pp::table
        .filter(pp::iupd.eq("P-100"))
        .select(pp::id)
        .first(&mut payment)
        .unwrap();
    // As paSendRTV2 does: the position's row locked first, then its status and due date written.
    // READ COMMITTED, as every connection of the service.
    payment
        .batch_execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN")
        .unwrap();
    pp::table
        .find(paid)
        .select(pp::id)
        .for_update()
        .first::<i64>(&mut payment)
        .unwrap();
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = store::connect_single(&url).unwrap();
        let _ = done.send(positions::persist_time_transitions(&mut conn, at, 200));
    });
    let changed = finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the batch waited for the lock of a position it did not claim")
        .unwrap();
    assert_eq!(changed, 200);
    diesel::update(pp::table.filter(pp::id.eq(paid)))
        .set((pp::status.eq("PAID"), pp::max_due_date.eq(at)))
        .execute(&mut payment)
        .unwrap();
    payment.batch_execute("COMMIT").unwrap();
}
