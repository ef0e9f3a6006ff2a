//! Rules of the position aggregate, without any I/O.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::test_fixtures::{input, option, org};
use super::*;

fn at(day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2030, 1, day)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

const IUV1: &str = "02000000000000101";
const IUV2: &str = "02000000000000202";
const IUV3: &str = "02000000000000303";

fn paid_by(receipt: &str) -> PaymentDetails {
    PaymentDetails {
        id_receipt: Some(receipt.into()),
        psp_company: Some("PSP".into()),
        ..Default::default()
    }
}

#[test]
fn publish_now_makes_valid_and_status_expires_at_read_time() {
    let now = at(1);
    let p = Position::create(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], true),
        now,
        true,
    )
    .unwrap();
    assert_eq!(p.status, PositionStatus::Valid);
    assert_eq!(p.validity_date, Some(now));
    assert_eq!(p.status_at(at(10)), PositionStatus::Valid);
    assert_eq!(
        p.status_at(at(10) + Duration::seconds(1)),
        PositionStatus::Expired
    );
    assert_eq!(p.options[0].nav.as_str(), "302000000000000101");
}

#[test]
fn future_validity_publishes_then_becomes_valid() {
    let mut i = input(vec![option(IUV1, 100, at(10), false)], false);
    i.validity_date = Some(at(5));
    let p = Position::create(&org(), i, at(1), true).unwrap();
    assert_eq!(p.status, PositionStatus::Published);
    assert_eq!(p.status_at(at(4)), PositionStatus::Published);
    assert_eq!(p.status_at(at(5)), PositionStatus::Valid);
    // Without switchToExpired a past-due position stays payable.
    assert_eq!(p.status_at(at(20)), PositionStatus::Valid);
    assert!(
        p.visible_option(IUV1, at(4)).is_err(),
        "not yet valid options are unknown"
    );
    assert_eq!(p.visible_option(IUV1, at(6)), Ok(0));
}

#[test]
fn plans_and_single_options_exclude_each_other() {
    let options = vec![
        option(IUV1, 300, at(10), false),
        option(IUV2, 100, at(10), true),
        option(IUV3, 200, at(11), true),
    ];
    let mut p = Position::create(&org(), input(options, false), at(1), true).unwrap();
    let (i, outcome) = p.pay(IUV2, paid_by("r2"), Replay::Refuse, at(2)).unwrap();
    assert_eq!((i, outcome), (1, PayOutcome::Applied));
    assert_eq!(p.status, PositionStatus::PartiallyPaid);
    assert!(matches!(
        p.pay(IUV1, paid_by("r1"), Replay::Refuse, at(2)),
        Err(DomainError::NotFound(_))
    ));
    assert!(p.visible_option(IUV1, at(2)).is_err());
    assert!(matches!(
        p.pay(IUV2, paid_by("r2"), Replay::Refuse, at(2)),
        Err(DomainError::Conflict(_))
    ));
    assert_eq!(
        p.pay(IUV2, paid_by("r2"), Replay::AcceptSameReceipt, at(2))
            .unwrap()
            .1,
        PayOutcome::AlreadyApplied
    );
    assert!(matches!(
        p.pay(IUV2, paid_by("other"), Replay::AcceptSameReceipt, at(2)),
        Err(DomainError::Conflict(_))
    ));
    p.pay(IUV3, paid_by("r3"), Replay::Refuse, at(3)).unwrap();
    assert_eq!(p.status, PositionStatus::Paid);
    assert!(p.payment_date.is_some());
}

#[test]
fn receipts_are_accepted_on_draft_invalid_and_expired_positions() {
    let mut draft = Position::create(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], true),
        at(1),
        false,
    )
    .unwrap();
    draft
        .pay(IUV1, paid_by("r"), Replay::Refuse, at(2))
        .unwrap();
    assert_eq!(draft.status, PositionStatus::Paid);
    let mut expired = Position::create(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], true),
        at(1),
        true,
    )
    .unwrap();
    assert_eq!(expired.status_at(at(20)), PositionStatus::Expired);
    expired
        .pay(IUV1, paid_by("r"), Replay::Refuse, at(20))
        .unwrap();
    assert_eq!(expired.status, PositionStatus::Paid);
}

#[test]
fn state_table_refusals() {
    let mut p = Position::create(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], false),
        at(1),
        false,
    )
    .unwrap();
    assert!(p.invalidate(at(2)).is_err());
    p.publish(at(2)).unwrap();
    assert!(p.publish(at(2)).is_err());
    p.invalidate(at(3)).unwrap();
    assert!(p.invalidate(at(3)).is_err());
    assert!(p.ensure_deletable(at(3)).is_ok());
    p.update(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], false),
        at(4),
        true,
    )
    .unwrap();
    assert_eq!(p.status, PositionStatus::Valid);
    p.pay(IUV1, paid_by("r"), Replay::Refuse, at(5)).unwrap();
    assert!(p.ensure_deletable(at(5)).is_err());
    assert!(p
        .update(
            &org(),
            input(vec![option(IUV1, 100, at(10), false)], false),
            at(5),
            false
        )
        .is_err());
}

#[test]
fn reporting_walks_option_and_position_to_reported() {
    let mut p = Position::create(
        &org(),
        input(vec![option(IUV1, 100, at(10), false)], false),
        at(1),
        true,
    )
    .unwrap();
    let t1 = TransferId::parse("t", "1").unwrap();
    assert!(p.report_transfer(IUV1, t1, at(2)).is_err());
    p.pay(IUV1, paid_by("r"), Replay::Refuse, at(2)).unwrap();
    p.report_transfer(IUV1, t1, at(3)).unwrap();
    assert_eq!(p.options[0].status, OptionStatus::Reported);
    assert_eq!(p.status, PositionStatus::Reported);
}
