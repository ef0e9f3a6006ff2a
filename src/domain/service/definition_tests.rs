use serde_json::{json, Value};

use super::*;
use crate::domain::ids::OrgFiscalCode;

fn org(aux_digit: u8, codes: &[&str]) -> Organization {
    let codes = codes
        .iter()
        .map(|c| SegregationCode::parse("c", c).unwrap())
        .collect();
    let application_code = (aux_digit == 0).then_some("01");
    Organization::new(
        OrgFiscalCode::parse("fc", "77777777777").unwrap(),
        "Comune",
        None,
        aux_digit,
        application_code,
        codes,
    )
    .unwrap()
}

fn base() -> Value {
    json!({
        "name": "Diritti di segreteria",
        "description": "Certificato anagrafico",
        "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456",
        "amount": 1650
    })
}

/// `base()` with `changes` applied (a `null` removes the field).
fn with(changes: Value) -> Value {
    let mut body = base();
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            body.as_object_mut().unwrap().remove(key);
        } else {
            body[key] = value.clone();
        }
    }
    body
}

fn validate_for(body: Value, org: &Organization) -> Result<Service, DomainError> {
    let draft: ServiceDraft = serde_json::from_value(body).unwrap();
    draft.validate(ServiceId::parse("id", "SRV01").unwrap(), org)
}

fn ok(body: Value) -> Service {
    validate_for(body, &org(3, &[])).unwrap()
}

fn refused(body: Value) -> String {
    validate_for(body, &org(3, &[]))
        .expect_err("should be refused")
        .to_string()
}

fn with_properties(properties: Value) -> Value {
    with(json!({ "properties": properties }))
}

#[test]
fn a_minimal_service_gets_the_defaults() {
    let service = ok(base());
    assert_eq!(service.id.as_str(), "SRV01");
    assert_eq!(service.name.as_str(), "Diritti di segreteria");
    assert_eq!(service.category.as_str(), "9/0101108TS/");
    assert_eq!(
        service.account,
        Account::Iban(Iban::parse("i", "IT60X0542811101000000123456").unwrap())
    );
    assert_eq!(service.due_in_days, 30);
    assert!(service.enabled);
    assert_eq!(service.segregation_code, None);
    assert_eq!(service.remittance().as_str(), "Certificato anagrafico");
    assert_eq!(
        service.amount,
        AmountSource::Fixed(Amount::from_cents(1650).unwrap())
    );
    assert!(service.properties.is_empty());
}

#[test]
fn texts_and_account() {
    assert_eq!(refused(with(json!({"name": null}))), "name: is required");
    assert_eq!(
        refused(with(json!({"name": " "}))),
        "name: must not be blank"
    );
    assert_eq!(
        refused(with(json!({"name": "x".repeat(141)}))),
        "name: must be at most 140 characters, got 141"
    );
    assert_eq!(
        refused(with(json!({"description": null}))),
        "description: is required"
    );
    assert_eq!(
        refused(with(json!({"iban": null}))),
        "iban: is required (or postalIban)"
    );
    assert_eq!(
        refused(with(json!({"postalIban": "IT60X0760111101000000123456"}))),
        "postalIban: give either iban or postalIban, not both"
    );
    assert_eq!(
        refused(with(json!({"iban": "IT60 X054"}))),
        "iban: must be 1 to 35 letters or digits"
    );
    let postal = ok(with(
        json!({"iban": null, "postalIban": "IT60X0760111101000000123456"}),
    ));
    assert!(matches!(postal.account, Account::PostalIban(_)));
    let remittance = ok(with(json!({"remittanceInformation": "Diritti 2025"})));
    assert_eq!(remittance.remittance().as_str(), "Diritti 2025");
    assert_eq!(
        refused(with(json!({"remittanceInformation": ""}))),
        "remittanceInformation: must not be blank"
    );
}

#[test]
fn category_is_a_taxonomy_code() {
    assert_eq!(
        ok(with(json!({"category": "9/9999999ZZ/"})))
            .category
            .as_str(),
        "9/9999999ZZ/"
    );
    assert_eq!(
        refused(with(json!({"category": null}))),
        "category: is required"
    );
    for form in ["0101108TS", "9/0101108TS", "0101108TS/"] {
        assert_eq!(
            refused(with(json!({ "category": form }))),
            format!("category: '{form}' must be written in the taxonomy form 9/0101108TS/")
        );
    }
    for bad in [
        "9/0101108ts/",
        "9/010110TS/",
        "8/0101108TS/",
        "9/0101108TSX/",
        "TARI",
    ] {
        assert_eq!(
            refused(with(json!({ "category": bad }))),
            format!("category: '{bad}' is not a taxonomy code 9/<code>/, where <code> is 2 digits (type of institution), 2 digits (macro area), 3 digits (type of service) and 2 capital letters (legal reason), e.g. 9/0101108TS/")
        );
    }
}

#[test]
fn segregation_code_follows_the_institution() {
    let code = |body: Value, org: &Organization| {
        validate_for(body, org).map(|s| s.segregation_code.map(SegregationCode::into_string))
    };
    let message =
        |body: Value, org: &Organization| validate_for(body, org).unwrap_err().to_string();
    let several = org(3, &["02", "01"]);
    assert_eq!(
        code(with(json!({"segregationCode": "02"})), &several),
        Ok(Some("02".into()))
    );
    assert_eq!(
        message(base(), &several),
        "segregationCode: is required: the institution has several segregation codes (01, 02)"
    );
    assert_eq!(
        message(with(json!({"segregationCode": "03"})), &several),
        "segregationCode: '03' is not one of the institution's segregation codes (01, 02)"
    );
    assert_eq!(
        message(with(json!({"segregationCode": "3"})), &several),
        "segregationCode: '3' is not a segregation code (2 digits)"
    );
    let one = org(3, &["07"]);
    assert_eq!(code(base(), &one), Ok(Some("07".into())));
    assert_eq!(
        code(with(json!({"segregationCode": "07"})), &one),
        Ok(Some("07".into()))
    );
    assert_eq!(
        message(with(json!({"segregationCode": "07"})), &org(3, &[])),
        "segregationCode: '07' is not a segregation code of the institution (it has none)"
    );
    assert_eq!(
        message(with(json!({"segregationCode": "07"})), &org(0, &[])),
        "segregationCode: is not allowed: the institution's notice numbers start with aux digit 0, and segregation codes exist only with aux digit 3"
    );
    assert_eq!(code(base(), &org(1, &[])), Ok(None));
}

#[test]
fn due_in_days_and_enabled() {
    assert_eq!(ok(with(json!({"dueInDays": 1}))).due_in_days, 1);
    assert_eq!(ok(with(json!({"dueInDays": 3650}))).due_in_days, 3650);
    for bad in [0, -1, 3651, 5_000_000_000_i64] {
        assert_eq!(
            refused(with(json!({ "dueInDays": bad }))),
            format!("dueInDays: must be 1 to 3650 days, got {bad}")
        );
    }
    assert!(!ok(with(json!({"enabled": false}))).enabled);
}

#[test]
fn properties_are_checked_one_by_one() {
    let service = ok(with_properties(json!([
        {"name": "targa", "type": "STRING", "required": true, "pattern": "[A-Z]{2}[0-9]{3}[A-Z]{2}", "maxLength": 7, "description": "Targa del veicolo"},
        {"name": "anno", "type": "NUMBER"},
        {"name": "nato.il", "type": "DATE"},
        {"name": "cf", "type": "FISCAL_CODE"},
        {"name": "_mail-1", "type": "EMAIL", "required": false}
    ])));
    let names: Vec<_> = service.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["targa", "anno", "nato.il", "cf", "_mail-1"]);
    let targa = &service.properties[0];
    assert_eq!(targa.kind, PropertyType::String);
    assert!(targa.required);
    assert_eq!(targa.pattern.as_deref(), Some("[A-Z]{2}[0-9]{3}[A-Z]{2}"));
    assert_eq!(targa.max_length, Some(7));
    assert_eq!(targa.description.as_deref(), Some("Targa del veicolo"));
    assert!(!service.properties[1].required);
    assert_eq!(
        service.property("cf").unwrap().kind,
        PropertyType::FiscalCode
    );

    let one = |property: Value| {
        refused(with_properties(
            json!([{"name": "a", "type": "STRING"}, property]),
        ))
    };
    assert_eq!(
        one(json!({"type": "STRING"})),
        "properties[1].name: is required"
    );
    assert_eq!(
        one(json!({"name": "1a", "type": "STRING"})),
        "properties[1].name: '1a' must be an XML name: at most 64 ASCII letters, digits, _ - . starting with a letter or _"
    );
    assert_eq!(
        one(json!({"name": "a", "type": "NUMBER"})),
        "properties[1].name: 'a' is already the name of properties[0]"
    );
    assert_eq!(one(json!({"name": "b"})), "properties[1].type: is required");
    assert_eq!(
        one(json!({"name": "b", "type": "string"})),
        "properties[1].type: 'string' is not one of STRING, NUMBER, AMOUNT, DATE, FISCAL_CODE, EMAIL"
    );
    assert_eq!(
        one(json!({"name": "b", "type": "NUMBER", "pattern": "[0-9]+"})),
        "properties[1].pattern: is allowed only for STRING properties, not NUMBER"
    );
    assert_eq!(
        one(json!({"name": "b", "type": "DATE", "maxLength": 10})),
        "properties[1].maxLength: is allowed only for STRING properties, not DATE"
    );
    for bad in [0, 1001] {
        assert_eq!(
            one(json!({"name": "b", "type": "STRING", "maxLength": bad})),
            format!("properties[1].maxLength: must be 1 to 1000, got {bad}")
        );
    }
    assert_eq!(
        one(json!({"name": "b", "type": "STRING", "pattern": "^[0-9]+$"})),
        "properties[1].pattern: uses '^', an anchor in Rust but an ordinary character in XSD: patterns always match the whole value, so leave it out (write \\^ for the character)"
    );
    assert_eq!(
        one(json!({"name": "b", "type": "STRING", "pattern": "a+?"})),
        "properties[1].pattern: uses a lazy quantifier (*?, +?, ??, {n,m}?), which XSD does not have"
    );
    assert_eq!(
        one(json!({"name": "b", "type": "STRING", "description": ""})),
        "properties[1].description: must not be blank"
    );
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("p{i}"), "type": "STRING"}))
        .collect();
    assert_eq!(
        refused(with_properties(Value::Array(many))),
        "properties: must be at most 50 properties, got 51"
    );
}

#[test]
fn amount_from_a_property() {
    let donation = with(json!({
        "amount": null,
        "properties": [{"name": "note", "type": "STRING"}, {"name": "importo", "type": "AMOUNT"}],
        "minAmount": 100,
        "maxAmount": 50000
    }));
    let service = ok(donation.clone());
    assert_eq!(
        service.amount,
        AmountSource::Property {
            name: "importo".into(),
            min: Some(Amount::from_cents(100).unwrap()),
            max: Some(Amount::from_cents(50000).unwrap()),
        }
    );
    assert!(
        service.property("importo").unwrap().required,
        "an AMOUNT property is always required"
    );
    let mut unbounded = donation.clone();
    unbounded
        .as_object_mut()
        .unwrap()
        .retain(|k, _| !k.ends_with("Amount"));
    assert_eq!(
        ok(unbounded).amount,
        AmountSource::Property {
            name: "importo".into(),
            min: None,
            max: None
        }
    );
    let mut reversed = donation.clone();
    reversed["minAmount"] = json!(50001);
    assert_eq!(
        refused(reversed),
        "maxAmount: must not be less than minAmount (50001 cents), got 50000 cents"
    );
    let mut zero = donation.clone();
    zero["minAmount"] = json!(0);
    assert_eq!(
        refused(zero),
        "minAmount: must be at least 1 euro-cent, got 0"
    );
    let mut optional = donation.clone();
    optional["properties"][1]["required"] = json!(false);
    assert_eq!(
        refused(optional),
        "properties[1].required: a property of type AMOUNT is the amount to pay: it is always required"
    );
    let mut two = donation;
    two["properties"][0]["type"] = json!("AMOUNT");
    assert_eq!(
        refused(two),
        "properties[1].type: only one property may be of type AMOUNT, and properties[0] already is"
    );
    assert_eq!(
        refused(with(json!({"minAmount": 100}))),
        "minAmount: is allowed only with a property of type AMOUNT"
    );
    assert_eq!(
        refused(with(json!({"maxAmount": 100}))),
        "maxAmount: is allowed only with a property of type AMOUNT"
    );
}

#[test]
fn amount_from_a_callback() {
    let url = "https://ente.example/tributi/calcolo?x=1";
    assert_eq!(
        ok(with(json!({"amount": null, "callbackUrl": url}))).amount,
        AmountSource::Callback { url: url.into() }
    );
    for bad in [
        "ftp://ente.example/",
        "https://user:pw@ente.example/",
        "https://ente .example/",
        "/relative",
    ] {
        assert_eq!(
            refused(with(json!({"amount": null, "callbackUrl": bad}))),
            format!("callbackUrl: '{bad}' is not an absolute http(s) URL")
        );
    }
}

#[test]
fn exactly_one_source_of_the_amount() {
    const SOURCES: &str = "amount (a fixed amount in euro-cents), one property of type AMOUNT (the citizen types it) or callbackUrl (the institution computes it)";
    assert_eq!(
        refused(with(json!({"amount": 0}))),
        "amount: must be at least 1 euro-cent, got 0"
    );
    assert_eq!(
        refused(with(json!({"amount": null}))),
        format!("amount: is required: the amount comes from exactly one of {SOURCES}")
    );
    assert_eq!(
        refused(with(json!({"callbackUrl": "https://ente.example/"}))),
        format!(
            "amount: the amount comes from exactly one of {SOURCES}; got amount and callbackUrl"
        )
    );
    assert_eq!(
        refused(with(json!({"properties": [{"name": "importo", "type": "AMOUNT"}]}))),
        format!("amount: the amount comes from exactly one of {SOURCES}; got amount and the AMOUNT property 'importo'")
    );
    assert_eq!(
        refused(with(json!({"amount": null, "callbackUrl": "https://ente.example/", "properties": [{"name": "i", "type": "AMOUNT"}]}))),
        format!("amount: the amount comes from exactly one of {SOURCES}; got the AMOUNT property 'i' and callbackUrl")
    );
}

#[test]
fn unknown_fields_are_refused_by_the_body_reader() {
    let result: Result<ServiceDraft, _> = serde_json::from_value(with(json!({"colour": "red"})));
    assert!(result
        .unwrap_err()
        .to_string()
        .starts_with("unknown field `colour`"));
}
