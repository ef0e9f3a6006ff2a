//! The XSD of a service (`domain::service::xsd`) checked with `xmllint --schema` on real
//! payloads, and `values::check_values` agreeing with it: a payload xmllint accepts is accepted,
//! one it refuses is refused, except for the bounds of the amount (checked only when the notice
//! is demanded). Without xmllint the checks are skipped, unless `GPD_REQUIRE_XMLLINT=1`.

use std::path::Path;

#[path = "common/xsd.rs"]
mod xsd;

use base64::Engine;
use gpd_gateway::domain::service::{
    check_values, parse_payload, xsd::service_xsd, Service, ServiceDraft, ServiceId,
};
use gpd_gateway::domain::{OrgFiscalCode, Organization};

const NS: &str = "http://PuntoAccessoPSP.spcoop.gov.it/GeneralService";

fn service(id: &str, body: serde_json::Value) -> Service {
    let org = Organization::new(
        OrgFiscalCode::parse("fc", "77777777777").unwrap(),
        "Comune di Prova",
        None,
        3,
        None,
        vec![],
    )
    .unwrap();
    let draft: ServiceDraft = serde_json::from_value(body).unwrap();
    draft
        .validate(ServiceId::parse("id", id).unwrap(), &org)
        .unwrap()
}

/// The service of every type: patterns, lengths, required and optional properties.
fn every_type() -> Service {
    service(
        "ALL01",
        serde_json::json!({
            "name": "Diritti di segreteria <tutti i tipi>",
            "description": "Certificati & copie",
            "category": "9/0101108TS/",
            "iban": "IT60X0542811101000000123456",
            "properties": [
                {"name": "code", "type": "STRING", "required": true, "pattern": "[A-Z]{2}[0-9]+", "maxLength": 10},
                {"name": "note", "type": "STRING", "maxLength": 5, "description": "Note \"libere\""},
                {"name": "ref", "type": "STRING", "pattern": "[0-9]{3}"},
                {"name": "title", "type": "STRING", "required": true},
                {"name": "count", "type": "NUMBER"},
                {"name": "amount", "type": "AMOUNT", "description": "Importo"},
                {"name": "birth", "type": "DATE"},
                {"name": "taxCode", "type": "FISCAL_CODE", "required": true},
                {"name": "mail", "type": "EMAIL"}
            ],
            "minAmount": 100,
            "maxAmount": 100000
        }),
    )
}

/// Every property optional, one pattern each: how the two regex engines agree.
const PATTERNS: [&str; 14] = [
    "a.c",
    r"a\sc",
    r"a\Sc",
    r"\d+",
    "[a-z-]+",
    r"\p{Lu}+",
    "(ab|cd){2}",
    "x{2,3}",
    "[^0-9]+",
    "[&&]+",
    "a|bc",
    r#"[<>&"']+[$]\^\."#,
    r"[\s,]+",
    r"a[^\S]b",
];

fn patterns() -> Service {
    let properties: Vec<_> = PATTERNS
        .iter()
        .enumerate()
        .map(|(i, p)| serde_json::json!({"name": format!("p{i}"), "type": "STRING", "pattern": p}))
        .collect();
    service(
        "PAT01",
        serde_json::json!({
            "name": "Patterns", "description": "Patterns", "category": "9/0101108TS/",
            "postalIban": "IT60X0760111101000000123456", "amount": 1000, "properties": properties
        }),
    )
}

enum Expect {
    Valid,
    Invalid,
    /// Valid for the XSD, refused at demand time: an amount out of the service's bounds.
    OutOfBounds,
}

/// Checks `document` both ways and that they agree with `expect`.
fn check(schema: &Path, service: &Service, document: &str, expect: Expect) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(document);
    let ours = parse_payload(&encoded)
        .map_err(|e| e.to_string())
        .and_then(|given| check_values(service, &given).map_err(|e| e.to_string()));
    match (&expect, &ours) {
        (Expect::Valid, Err(e)) => panic!("refused ({e}):\n{document}"),
        (Expect::Invalid | Expect::OutOfBounds, Ok(_)) => panic!("accepted:\n{document}"),
        _ => {}
    }
    let Some(xsd) = xsd::xmllint_at(schema, document.as_bytes()) else {
        return;
    };
    match (expect, xsd) {
        (Expect::Valid | Expect::OutOfBounds, Err(e)) => {
            panic!("xmllint refuses ({e}), the gateway says {ours:?}:\n{document}")
        }
        (Expect::Invalid, Ok(())) => {
            panic!("xmllint accepts, the gateway says {ours:?}:\n{document}")
        }
        // Refused for the document, not because the schema itself is broken.
        (Expect::Invalid, Err(e)) => assert!(e.contains("fails to validate"), "{e}"),
        _ => {}
    }
}

fn write_schema(dir: &Path, service: &Service) -> std::path::PathBuf {
    let path = dir.join(format!("{}.xsd", service.id));
    std::fs::write(&path, service_xsd(service)).unwrap();
    path
}

fn doc(children: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service xmlns=\"{NS}\">{children}</service>"
    )
}

const REQUIRED: &str =
    "<code>AB12</code><title>Copia</title><amount>10.00</amount><taxCode>RSSMRA85T10A562S</taxCode>";

#[test]
fn every_type_valid_and_invalid_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let service = every_type();
    let schema = write_schema(dir.path(), &service);
    let valid = [
        doc(REQUIRED),
        // Any order, every property, values with surrounding white space where the XSD
        // collapses it.
        doc("<mail>a.b+c@example.it</mail><taxCode> 12345678901 </taxCode><birth>2024-02-29</birth>\
             <amount>1000</amount><count>-0042</count><title>x</title><ref>123</ref><note>ab&amp;c</note><code>ZZ1234567</code>"),
        format!("<gs:service xmlns:gs=\"{NS}\"><gs:code>AB1</gs:code><gs:title>t</gs:title><gs:amount>1.5</gs:amount><gs:taxCode>RSSMRA85T10A5S2S</gs:taxCode></gs:service>"),
        format!("<service xmlns=\"{NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{NS} schema.xsd\">\n  {REQUIRED}\n</service>"),
        // Empty optional properties count as not given.
        doc(&format!("{REQUIRED}<note/><ref></ref><count/><birth/><mail/>")),
        doc(&format!("{REQUIRED}<count>999999999999999999</count>")),
        doc("<code>AB1</code><title><![CDATA[a < b]]></title><amount>1.00</amount><taxCode>RSSMRA85T10A562S</taxCode>"),
    ];
    for document in valid {
        check(&schema, &service, &document, Expect::Valid);
    }
    let with = |extra: &str| doc(&format!("{REQUIRED}{extra}"));
    let without = |name: &str| {
        let start = REQUIRED.find(&format!("<{name}>")).unwrap();
        let end = REQUIRED.find(&format!("</{name}>")).unwrap() + name.len() + 3;
        doc(&format!("{}{}", &REQUIRED[..start], &REQUIRED[end..]))
    };
    let replace = |name: &str, value: &str| {
        let start = REQUIRED.find(&format!("<{name}>")).unwrap();
        let end = REQUIRED.find(&format!("</{name}>")).unwrap() + name.len() + 3;
        doc(&format!(
            "{}<{name}>{value}</{name}>{}",
            &REQUIRED[..start],
            &REQUIRED[end..]
        ))
    };
    let invalid = [
        with("<unknown>1</unknown>"),
        with("<note>a</note><note>b</note>"),
        without("taxCode"),
        without("amount"),
        replace("title", ""),
        replace("title", "   "),
        replace("code", "ab12"),
        replace("code", "AB123456789"),
        with("<note>abcdef</note>"),
        with("<ref>12a</ref>"),
        with("<count>1.5</count>"),
        with("<count>+5</count>"),
        with("<count>1234567890123456789</count>"),
        replace("amount", "12.505"),
        replace("amount", "12,50"),
        replace("amount", "-1"),
        replace("amount", ".5"),
        replace("amount", "0"),
        replace("amount", "0.00"),
        with("<birth>2025-02-29</birth>"),
        with("<birth>2025-1-01</birth>"),
        with("<birth>0000-01-01</birth>"),
        with("<birth>2025-01-01Z</birth>"),
        replace("taxCode", "rssmra85t10a562s"),
        replace("taxCode", "RSSMRA85Z10A562S"),
        replace("taxCode", "1234567890"),
        with("<mail>a@b..c</mail>"),
        with("<mail>a b@c.it</mail>"),
        with("<note><b>x</b></note>"),
    ];
    for document in invalid {
        check(&schema, &service, &document, Expect::Invalid);
    }
    for amount in ["0.99", "1000.01", "1000000000.00"] {
        check(
            &schema,
            &service,
            &replace("amount", amount),
            Expect::OutOfBounds,
        );
    }
}

#[test]
fn patterns_mean_the_same_to_xmllint_and_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let service = patterns();
    let schema = write_schema(dir.path(), &service);
    // (pattern index, value as XML text, matches)
    let cases: &[(usize, &str, bool)] = &[
        (0, "abc", true),
        (0, "a&#13;c", false),
        (0, "a&#10;c", false),
        (1, "a c", true),
        (1, "a&#9;c", true),
        (1, "a&#160;c", false),
        (2, "a&#160;c", true),
        (2, "a c", false),
        (3, "0123", true),
        (3, "&#1633;&#1634;", true),
        (3, "12a", false),
        (4, "a-b", true),
        (4, "a_b", false),
        (5, "ÀB", true),
        (5, "Ab", false),
        (6, "abcd", true),
        (6, "abab", true),
        (6, "abc", false),
        (7, "xx", true),
        (7, "xxxx", false),
        (8, "abc", true),
        (8, "a1", false),
        (9, "&amp;&amp;&amp;", true),
        (9, "a", false),
        (10, "bc", true),
        (10, "abc", false),
        (11, "&lt;&gt;&amp;&quot;'$^.", true),
        (11, "&lt;$^x", false),
        (12, "a, b", false),
        (12, ", ,", true),
        (13, "a&#9;b", true),
        (13, "axb", false),
    ];
    for (i, value, matches) in cases {
        let document = doc(&format!("<p{i}>{value}</p{i}>"));
        let expect = if *matches {
            Expect::Valid
        } else {
            Expect::Invalid
        };
        check(&schema, &service, &document, expect);
    }
}

#[test]
fn services_without_properties_and_with_odd_names() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = service(
        "FIX01",
        serde_json::json!({"name": "Donazione", "description": "Offerta libera", "category": "9/0101108TS/",
            "iban": "IT60X0542811101000000123456", "amount": 500}),
    );
    let schema = write_schema(dir.path(), &fixed);
    check(
        &schema,
        &fixed,
        &format!("<service xmlns=\"{NS}\"/>"),
        Expect::Valid,
    );
    check(&schema, &fixed, &doc(""), Expect::Valid);
    check(&schema, &fixed, &doc("<amount>1</amount>"), Expect::Invalid);

    let odd = service(
        "ODD01",
        serde_json::json!({"name": "Nome \"strano\" <&>", "description": "d'esempio", "category": "9/0101108TS/",
        "iban": "IT60X0542811101000000123456", "callbackUrl": "https://ente.example/calc?a=1&b=2",
        "properties": [
            {"name": "_a.b-c", "type": "STRING", "required": true, "description": "<&>\"'"},
            {"name": "x1", "type": "DATE", "required": true}
        ]}),
    );
    let schema = write_schema(dir.path(), &odd);
    check(
        &schema,
        &odd,
        &doc("<x1>2030-12-31</x1><_a.b-c>&lt;</_a.b-c>"),
        Expect::Valid,
    );
    check(&schema, &odd, &doc("<_a.b-c>v</_a.b-c>"), Expect::Invalid);
    check(
        &schema,
        &odd,
        &doc("<x1>2030-12-31</x1><_a.b-c/>"),
        Expect::Invalid,
    );
}
