//! The notice model and its PDF, on positions built in memory.

use chrono::{NaiveDate, NaiveDateTime};

use super::model::{ItemKind, NotPayable};
use super::*;
use crate::domain::test_fixtures::{self as fixtures, org};
use crate::domain::*;

fn at(month: u32, day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2030, month, day)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap()
}

fn institution(poste: bool) -> Institution {
    Institution {
        fiscal_code: org().fiscal_code,
        name: "Comune di Prova".to_owned(),
        logo: None,
        poste_authorization: poste.then(|| "AUT/2030/123 del 01/01/2030".to_owned()),
        postal_holder: None,
    }
}

fn option(iuv: &str, amount: i64, due: NaiveDateTime, partial: bool, postal: bool) -> OptionInput {
    let mut o = fixtures::option(iuv, amount, due, partial);
    o.description = Text::parse("d", &format!("TARI 2030 {iuv}")).unwrap();
    if postal {
        o.transfers[0].beneficiary = Beneficiary::Iban {
            iban: Iban::parse("i", "IT60X0542811101000000123456").unwrap(),
            postal_iban: Some(Iban::parse("p", "IT60X0760103200000000123456").unwrap()),
        };
    }
    o
}

fn position(options: Vec<OptionInput>, publish: bool) -> Position {
    Position::create(&org(), fixtures::input(options, false), at(1, 1), publish).unwrap()
}

const IUV1: &str = "02000000000000101";
const IUV2: &str = "02000000000000202";
const IUV3: &str = "02000000000000303";
const IUV4: &str = "02000000000000404";

#[test]
fn single_option_notice() {
    let p = position(vec![option(IUV1, 1230, at(12, 31), false, false)], true);
    let notice = build(&p, &institution(false), at(1, 2)).unwrap();
    assert_eq!(notice.items.len(), 1);
    let item = &notice.items[0];
    assert_eq!(item.kind, ItemKind::Single);
    assert_eq!(item.qr, "PAGOPA|002|302000000000000101|77777777777|1230");
    assert_eq!(item.postal, None);
    let pdf = render(&notice).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 120_000, "{} bytes", pdf.len());
}

#[test]
fn plan_with_single_option_lists_the_single_first() {
    let p = position(
        vec![
            option(IUV2, 400, at(3, 31), true, false),
            option(IUV3, 400, at(6, 30), true, false),
            option(IUV4, 430, at(9, 30), true, false),
            option(IUV1, 1230, at(3, 31), false, false),
        ],
        true,
    );
    let notice = build(&p, &institution(false), at(1, 2)).unwrap();
    let kinds: Vec<ItemKind> = notice.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ItemKind::Single,
            ItemKind::Installment { number: 1, of: 3 },
            ItemKind::Installment { number: 2, of: 3 },
            ItemKind::Installment { number: 3, of: 3 },
        ]
    );
    assert_eq!(notice.items[3].notice_number.as_str(), "302000000000000404");
    assert!(render(&notice).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn postal_form_needs_a_postal_iban_and_the_authorization() {
    let p = position(vec![option(IUV1, 1230, at(12, 31), false, true)], true);
    assert_eq!(
        build(&p, &institution(false), at(1, 2)).unwrap().items[0].postal,
        None
    );
    let notice = build(&p, &institution(true), at(1, 2)).unwrap();
    let form = notice.items[0].postal.as_ref().unwrap();
    assert_eq!(form.account, "000000123456");
    assert_eq!(form.holder, "Comune di Prova");
    let expected = format!(
        "codfase=NBPA;183020000000000001011200000012345610000000123038961P177777777777RSSMRA80A01H501U{:<40}{:<110}{}A",
        "Mario Rossi",
        format!("TARI 2030 {IUV1}"),
        " ".repeat(12)
    );
    assert_eq!(form.data_matrix, expected);
    assert!(render(&notice).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn nothing_payable_is_refused_with_the_reason() {
    let draft = position(vec![option(IUV1, 1230, at(12, 31), false, false)], false);
    assert_eq!(
        build(&draft, &institution(false), at(1, 2)),
        Err(NotPayable::Draft("IUPD-1".to_owned()))
    );
    let mut valid = position(vec![option(IUV1, 1230, at(12, 31), false, false)], true);
    valid.invalidate(at(1, 2)).unwrap();
    assert!(matches!(
        build(&valid, &institution(false), at(1, 3)),
        Err(NotPayable::Closed(_, PositionStatus::Invalid))
    ));
}

#[test]
fn many_installments_take_several_pages() {
    let options = (1..=12)
        .map(|n| {
            let iuv = notice::iuv_with_check_digits("02", &format!("{n:013}")).unwrap();
            option(&iuv, 1000 + n as i64, at(n, 28), true, n % 2 == 0)
        })
        .collect();
    let p = position(options, true);
    let notice = build(&p, &institution(true), at(1, 2)).unwrap();
    assert_eq!(notice.items.len(), 12);
    let pages = render::paginate(&notice.items);
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), 12);
    assert!(pages.len() >= 3, "{pages:?}");
    assert!(render(&notice).unwrap().starts_with(b"%PDF-"));
}
