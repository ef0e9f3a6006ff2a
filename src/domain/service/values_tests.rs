use super::*;

use super::super::fixtures::{property, service_named};

fn service(properties: Vec<Property>, amount: AmountSource) -> Service {
    service_named("Servizio", "Descrizione", properties, amount)
}

fn cents(c: i64) -> Amount {
    Amount::from_cents(c).unwrap()
}

/// A service with one property of each type; the amount is `importo`, 1.00 to 500.00 euros.
fn every_type() -> Service {
    let mut targa = property("targa", PropertyType::String, true);
    targa.pattern = Some("[A-Z]{2}[0-9]{3}[A-Z]{2}".into());
    let mut nota = property("nota", PropertyType::String, false);
    nota.max_length = Some(5);
    service(
        vec![
            targa,
            nota,
            property("anno", PropertyType::Number, false),
            property("importo", PropertyType::Amount, true),
            property("nascita", PropertyType::Date, false),
            property("cf", PropertyType::FiscalCode, false),
            property("email", PropertyType::Email, false),
        ],
        AmountSource::Property {
            name: "importo".into(),
            min: Some(cents(100)),
            max: Some(cents(50000)),
        },
    )
}

fn given(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

const REQUIRED: [(&str, &str); 2] = [("targa", "AB123CD"), ("importo", "12.50")];

/// `REQUIRED` plus `extra`, checked against `every_type()`.
fn check(extra: &[(&str, &str)]) -> Result<Values, DomainError> {
    let mut all = REQUIRED.to_vec();
    all.extend_from_slice(extra);
    check_values(&every_type(), &given(&all))
}

fn refused(extra: &[(&str, &str)]) -> String {
    check(extra).expect_err("should be refused").to_string()
}

/// `REQUIRED` with the amount replaced.
fn amount(value: &str) -> Result<Values, String> {
    check_values(
        &every_type(),
        &given(&[("targa", "AB123CD"), ("importo", value)]),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn values_in_the_order_of_the_definition() {
    let values = check_values(
        &every_type(),
        &given(&[
            ("email", "mario.rossi+pa@example.it"),
            ("cf", " RSSMRA85T10A562S "),
            ("nascita", "2024-02-29"),
            ("importo", "12.5"),
            ("anno", "-2025"),
            ("nota", "ciao"),
            ("targa", "AB123CD"),
        ]),
    )
    .unwrap();
    assert_eq!(
        values.fields,
        given(&[
            ("targa", "AB123CD"),
            ("nota", "ciao"),
            ("anno", "-2025"),
            ("importo", "12.5"),
            ("nascita", "2024-02-29"),
            ("cf", "RSSMRA85T10A562S"),
            ("email", "mario.rossi+pa@example.it"),
        ])
    );
    assert_eq!(values.amount, Some(cents(1250)));
}

#[test]
fn empty_optional_values_are_not_given() {
    let values = check(&[("nota", ""), ("anno", "  "), ("nascita", "")]).unwrap();
    assert_eq!(values.fields, given(&REQUIRED));
}

#[test]
fn unknown_repeated_and_missing_properties() {
    assert_eq!(
        refused(&[("colore", "rosso")]),
        "colore: is not a property of service SRV01, whose properties are: targa, nota, anno, importo, nascita, cf, email"
    );
    let none = service(vec![], AmountSource::Fixed(cents(500)));
    assert_eq!(check_values(&none, &[]).unwrap(), Values::default());
    assert_eq!(
        check_values(&none, &given(&[("a", "1")]))
            .unwrap_err()
            .to_string(),
        "a: is not a property of service SRV01, which has none"
    );
    assert_eq!(
        refused(&[("nota", "a"), ("nota", "b")]),
        "nota: is given more than once"
    );
    assert_eq!(
        refused(&[("targa", "AB123CD")]),
        "targa: is given more than once"
    );
    assert_eq!(
        check_values(&every_type(), &given(&[("importo", "1")]))
            .unwrap_err()
            .to_string(),
        "targa: is required"
    );
    assert_eq!(
        check_values(&every_type(), &given(&[("targa", " "), ("importo", "1")]))
            .unwrap_err()
            .to_string(),
        "targa: must not be empty"
    );
}

#[test]
fn strings_have_a_length_and_a_pattern() {
    assert!(check(&[("nota", "àèìòù")]).is_ok(), "characters, not bytes");
    assert_eq!(
        refused(&[("nota", "abcdef")]),
        "nota: must be at most 5 characters, got 6"
    );
    let wrong = |targa: &str| {
        check_values(&every_type(), &given(&[("targa", targa), ("importo", "1")]))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        wrong("ab123cd"),
        "targa: 'ab123cd' does not have the expected format [A-Z]{2}[0-9]{3}[A-Z]{2}"
    );
    assert_eq!(
        wrong("XAB123CD"),
        "targa: 'XAB123CD' does not have the expected format [A-Z]{2}[0-9]{3}[A-Z]{2}"
    );
}

#[test]
fn numbers() {
    for good in [
        "0",
        "-0",
        "0042",
        "999999999999999999",
        "-999999999999999999",
    ] {
        assert!(check(&[("anno", good)]).is_ok(), "{good}");
    }
    for bad in ["+5", "1.5", "1e3", "-", "1 000", "1234567890123456789"] {
        assert_eq!(
            refused(&[("anno", bad)]),
            format!("anno: '{bad}' must be a whole number of at most 18 digits, e.g. 42 or -7")
        );
    }
}

#[test]
fn amounts_in_euros_within_bounds() {
    for (value, c) in [
        ("1", 100),
        ("12.5", 1250),
        ("12.50", 1250),
        ("0012.05", 1205),
        ("500.00", 50000),
    ] {
        assert_eq!(amount(value).unwrap().amount, Some(cents(c)), "{value}");
    }
    for bad in ["12.505", "12,50", "-1", ".5", "1.", "1e2", "€1", "1 0"] {
        assert_eq!(
            amount(bad).unwrap_err(),
            format!(
                "importo: '{bad}' must be an amount in euros with up to two decimals, e.g. 12.50"
            )
        );
    }
    assert_eq!(
        amount("0").unwrap_err(),
        "importo: must be more than 0.00 euros"
    );
    assert_eq!(
        amount("0.00").unwrap_err(),
        "importo: must be more than 0.00 euros"
    );
    assert_eq!(
        amount("0.99").unwrap_err(),
        "importo: must be at least 1.00 euros, got 0.99"
    );
    assert_eq!(
        amount("500.01").unwrap_err(),
        "importo: must be at most 500.00 euros, got 500.01"
    );
    assert_eq!(
        amount("1000000000").unwrap_err(),
        "importo: must be at most 999999999.99 euros"
    );
    let unbounded = service(
        vec![property("importo", PropertyType::Amount, true)],
        AmountSource::Property {
            name: "importo".into(),
            min: None,
            max: None,
        },
    );
    let values = check_values(&unbounded, &given(&[("importo", "999999999.99")])).unwrap();
    assert_eq!(values.amount, Some(cents(99_999_999_999)));
}

#[test]
fn dates_of_the_calendar() {
    for good in ["2024-02-29", "0001-01-01", "9999-12-31"] {
        assert!(check(&[("nascita", good)]).is_ok(), "{good}");
    }
    for bad in [
        "2025-1-01",
        "2025/01/01",
        "01-01-2025",
        "2025-01-01Z",
        "20250101",
        "+2025-01-01",
    ] {
        assert_eq!(
            refused(&[("nascita", bad)]),
            format!("nascita: '{bad}' must be a date YYYY-MM-DD, e.g. 2025-03-31")
        );
    }
    for bad in [
        "2025-02-29",
        "2025-13-01",
        "2025-04-31",
        "0000-01-01",
        "2025-00-10",
    ] {
        assert_eq!(
            refused(&[("nascita", bad)]),
            format!("nascita: '{bad}' is not a day of the calendar")
        );
    }
}

#[test]
fn fiscal_codes_of_people_and_companies() {
    for good in [
        "RSSMRA85T10A562S",
        "RSSMRA85T10A5S2S",
        "RSSMRAURTMLARSNL",
        "12345678901",
    ] {
        assert!(check(&[("cf", good)]).is_ok(), "{good}");
    }
    for bad in [
        "rssmra85t10a562s",
        "RSSMRA85Z10A562S",
        "RSSMRA85T10A562",
        "RSSMRA85T10A562SX",
        "1234567890",
        "RSSMRA8AT10A562S",
    ] {
        assert_eq!(
            refused(&[("cf", bad)]),
            format!("cf: '{bad}' is not a fiscal code: 16 capital letters and digits for a person, 11 digits for a company")
        );
    }
}

#[test]
fn email_addresses() {
    assert!(check(&[("email", "a@b")]).is_ok());
    for bad in ["a@b..c", "a b@c.it", "@c.it", "a@", "a@b@c"] {
        assert_eq!(
            refused(&[("email", bad)]),
            format!("email: '{bad}' is not a valid e-mail address")
        );
    }
}
