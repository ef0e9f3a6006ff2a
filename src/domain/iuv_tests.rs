use std::collections::HashSet;

use super::*;
use crate::domain::ids::OrgFiscalCode;
use crate::domain::notice::has_valid_check_digits;

fn org(aux: u8, app: Option<&str>, codes: &[&str]) -> Organization {
    Organization::new(
        OrgFiscalCode::parse("fc", "77777777777").unwrap(),
        "Comune",
        None,
        aux,
        app,
        codes
            .iter()
            .map(|c| SegregationCode::parse("c", c).unwrap())
            .collect(),
    )
    .unwrap()
}

fn code(c: &str) -> SegregationCode {
    SegregationCode::parse("c", c).unwrap()
}

fn generated(scheme: &IuvScheme, counter: u64) -> (String, String) {
    let (iuv, nav) = scheme.generate(counter).unwrap();
    (iuv.into_string(), nav.into_string())
}

fn message(e: DomainError) -> String {
    e.to_string()
}

#[test]
fn aux_3_spec_example() {
    let scheme = IuvScheme::resolve(&org(3, None, &["01", "02"]), "f", Some(&code("02"))).unwrap();
    assert_eq!(scheme.segregation_key(), "02");
    assert_eq!(
        generated(&scheme, 1_234_567_890_123),
        ("02123456789012356".into(), "302123456789012356".into())
    );
    assert_eq!(
        generated(&scheme, 9_999_999_999_999),
        ("02999999999999929".into(), "302999999999999929".into())
    );
    let only = IuvScheme::resolve(&org(3, None, &["01"]), "f", None).unwrap();
    assert_eq!(
        generated(&only, 1),
        ("01000000000000144".into(), "301000000000000144".into())
    );
}

#[test]
fn aux_0_1_2_shapes() {
    let zero = IuvScheme::resolve(&org(0, Some("01"), &[]), "f", None).unwrap();
    assert_eq!(zero.segregation_key(), "");
    assert_eq!(
        generated(&zero, 1_234_567_890_123),
        ("123456789012313".into(), "001123456789012313".into())
    );
    assert_eq!(
        generated(&zero, 1),
        ("000000000000141".into(), "001000000000000141".into())
    );
    let one = IuvScheme::resolve(&org(1, None, &[]), "f", None).unwrap();
    assert_eq!(
        generated(&one, 1_234_567_890_123),
        ("00001234567890123".into(), "100001234567890123".into())
    );
    let two = IuvScheme::resolve(&org(2, None, &[]), "f", None).unwrap();
    assert_eq!(
        generated(&two, 1_234_567_890_123),
        ("00123456789012368".into(), "200123456789012368".into())
    );
    assert_eq!(
        generated(&two, 1),
        ("00000000000000103".into(), "200000000000000103".into())
    );
}

#[test]
fn generated_notices_carry_valid_check_digits() {
    let schemes = [
        IuvScheme::resolve(&org(0, Some("07"), &[]), "f", None).unwrap(),
        IuvScheme::resolve(&org(2, None, &[]), "f", None).unwrap(),
        IuvScheme::resolve(&org(3, None, &["45"]), "f", None).unwrap(),
    ];
    for scheme in &schemes {
        for counter in (0..2_000).chain([scheme.max_counter() - 1, scheme.max_counter()]) {
            let (iuv, nav) = scheme.generate(counter).unwrap();
            assert!(has_valid_check_digits(&nav), "{nav}");
            assert!(nav.as_str().ends_with(iuv.as_str()));
            let len = if scheme.aux_digit() == 0 { 15 } else { 17 };
            assert_eq!(iuv.as_str().len(), len);
        }
    }
}

#[test]
fn counter_beyond_the_base_is_refused() {
    let three = IuvScheme::resolve(&org(3, None, &["02"]), "f", None).unwrap();
    assert_eq!(three.max_counter(), 9_999_999_999_999);
    assert_eq!(
        message(three.generate(10_000_000_000_000).unwrap_err()),
        "no IUV left: counter value 10000000000000 does not fit the 13-digit base of aux digit 3 and segregation code 02 (at most 9999999999999)"
    );
    let one = IuvScheme::resolve(&org(1, None, &[]), "f", None).unwrap();
    assert_eq!(one.max_counter(), 99_999_999_999_999_999);
    assert!(one.generate(99_999_999_999_999_999).is_ok());
    assert!(matches!(
        one.generate(100_000_000_000_000_000),
        Err(DomainError::Conflict(_))
    ));
    let two = IuvScheme::resolve(&org(2, None, &[]), "f", None).unwrap();
    assert_eq!(two.max_counter(), 999_999_999_999_999);
    assert!(two.generate(1_000_000_000_000_000).is_err());
}

#[test]
fn segregation_code_rules() {
    let several = org(3, None, &["02", "01"]);
    assert_eq!(
        message(IuvScheme::resolve(&several, SEGREGATION_FIELD, None).unwrap_err()),
        "segregationCode: required: the organization has several segregation codes: 01, 02"
    );
    assert_eq!(
        message(IuvScheme::resolve(&several, SEGREGATION_FIELD, Some(&code("05"))).unwrap_err()),
        "segregationCode: '05' is not one of the organization's segregation codes: 01, 02"
    );
    let none = org(3, None, &[]);
    assert_eq!(
        message(IuvScheme::resolve(&none, SEGREGATION_FIELD, None).unwrap_err()),
        "segregationCode: the organization (aux digit 3) has no segregation code to generate IUVs with: configure one with `gpd-gateway org update --fiscal-code 77777777777 --segregation-code NN`"
    );
    assert!(
        message(IuvScheme::resolve(&none, SEGREGATION_FIELD, Some(&code("00"))).unwrap_err())
            .contains("gpd-gateway org update --fiscal-code 77777777777 --segregation-code NN")
    );
    for aux_org in [
        org(0, Some("01"), &[]),
        org(1, None, &[]),
        org(2, None, &[]),
    ] {
        let e = IuvScheme::resolve(&aux_org, "paymentOption[0].iuv", Some(&code("01")));
        assert_eq!(
            message(e.unwrap_err()),
            format!(
                "paymentOption[0].iuv: the organization uses aux digit {}, whose IUVs have no segregation code",
                aux_org.aux_digit
            )
        );
    }
}

#[test]
fn stand_ins_avoid_taken_values() {
    let scheme = IuvScheme::resolve(&org(3, None, &["02"]), "f", None).unwrap();
    let top = generated(&scheme, 9_999_999_999_999);
    let next = generated(&scheme, 9_999_999_999_998);
    let after = generated(&scheme, 9_999_999_999_997);
    let taken: HashSet<String> = [top.0.clone(), next.1.clone()].into_iter().collect();
    let stand_ins: Vec<String> = scheme
        .stand_ins(1, &taken)
        .into_iter()
        .map(Iuv::into_string)
        .collect();
    assert_eq!(stand_ins, vec![after.0]);
    assert_eq!(scheme.stand_ins(3, &HashSet::new()).len(), 3);
}
