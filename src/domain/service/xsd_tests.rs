use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;
use crate::domain::money::Amount;

use super::super::fixtures::{property, service_named};

fn service(properties: Vec<Property>, amount: AmountSource) -> Service {
    service_named(
        "Tassa <rifiuti> & \"altro\"",
        "Quota dell'anno",
        properties,
        amount,
    )
}

/// Panics unless `xsd` is well-formed XML.
fn well_formed(xsd: &str) {
    let mut reader = Reader::from_str(xsd);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return,
            Ok(_) => {}
            Err(e) => panic!("not well-formed: {e}\n{xsd}"),
        }
    }
}

#[test]
fn header_root_and_escaping() {
    let mut code = property("code", PropertyType::String, true);
    code.pattern = Some(r#"[<>&"']+[$]"#.into());
    code.max_length = Some(12);
    code.description = Some("Codice <interno> & \"altro\"".into());
    let xsd = service_xsd(&service(
        vec![code],
        AmountSource::Fixed(Amount::from_cents(1650).unwrap()),
    ));
    well_formed(&xsd);
    assert!(xsd.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"http://PuntoAccessoPSP.spcoop.gov.it/GeneralService\" targetNamespace=\"http://PuntoAccessoPSP.spcoop.gov.it/GeneralService\" elementFormDefault=\"qualified\">\n"), "{xsd}");
    assert!(xsd.contains("<xs:documentation>Data of the service SRV01 (Tassa &lt;rifiuti&gt; &amp; &quot;altro&quot;) to demand a payment notice with paDemandPaymentNotice: base64 of a service element. The amount is 16.50 euros.</xs:documentation>"), "{xsd}");
    assert!(xsd.contains("<xs:element name=\"service\">\n    <xs:annotation><xs:documentation>Tassa &lt;rifiuti&gt; &amp; &quot;altro&quot;: Quota dell&apos;anno</xs:documentation></xs:annotation>\n    <xs:complexType>\n      <xs:all>\n"), "{xsd}");
    assert!(xsd.contains("<xs:element name=\"code\">\n          <xs:annotation><xs:documentation>Codice &lt;interno&gt; &amp; &quot;altro&quot;. STRING (required): text</xs:documentation></xs:annotation>\n"), "{xsd}");
    assert!(xsd.contains(r#"<xs:simpleType><xs:restriction><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="12"/><xs:pattern value="[&lt;&gt;&amp;&quot;&apos;]+[$]"/></xs:restriction></xs:simpleType><xs:pattern value="[\s\S]*\S[\s\S]*"/></xs:restriction></xs:simpleType>"#), "{xsd}");
    assert!(!xsd.contains("emptyValue"), "no optional property needs it");
    assert!(
        xsd.ends_with("      </xs:all>\n    </xs:complexType>\n  </xs:element>\n</xs:schema>\n")
    );
}

#[test]
fn each_type_and_optional_properties() {
    let properties = vec![
        property("s", PropertyType::String, false),
        property("n", PropertyType::Number, false),
        property("a", PropertyType::Amount, true),
        property("d", PropertyType::Date, true),
        property("f", PropertyType::FiscalCode, true),
        property("e", PropertyType::Email, true),
    ];
    let amount = AmountSource::Property {
        name: "a".into(),
        min: Some(Amount::from_cents(500).unwrap()),
        max: None,
    };
    let xsd = service_xsd(&service(properties, amount));
    well_formed(&xsd);
    assert!(xsd.contains("  <xs:simpleType name=\"emptyValue\">\n"));
    assert!(xsd.contains("<xs:element name=\"s\" minOccurs=\"0\">\n          <xs:annotation><xs:documentation>STRING (optional): text</xs:documentation></xs:annotation>\n          <xs:simpleType><xs:restriction base=\"xs:string\"/></xs:simpleType>\n"), "{xsd}");
    assert!(xsd.contains("<xs:element name=\"n\" minOccurs=\"0\">\n          <xs:annotation><xs:documentation>NUMBER (optional): a whole number</xs:documentation></xs:annotation>\n          <xs:simpleType>\n            <xs:union memberTypes=\"emptyValue\">\n              <xs:simpleType><xs:restriction base=\"xs:integer\"><xs:pattern value=\"-?[0-9]{1,18}\"/></xs:restriction></xs:simpleType>\n            </xs:union>\n"), "{xsd}");
    assert!(xsd.contains("AMOUNT (required): the amount to pay, in euros with up to two decimals (12.50), at least 5.00 euros (bounds checked when the notice is demanded)"), "{xsd}");
    assert!(xsd.contains(r#"<xs:restriction base="xs:token"><xs:pattern value="0*[1-9][0-9]*(\.[0-9]{1,2})?|0+\.(0[1-9]|[1-9][0-9]?)"/></xs:restriction>"#), "{xsd}");
    assert!(xsd.contains(r#"<xs:restriction base="xs:date"><xs:pattern value="[0-9]{4}-[0-9]{2}-[0-9]{2}"/></xs:restriction>"#));
    assert!(xsd.contains(&format!(r#"<xs:restriction base="xs:token"><xs:pattern value="{FISCAL_CODE_PATTERN}"/></xs:restriction>"#)));
    assert!(xsd.contains(&format!(r#"<xs:restriction base="xs:token"><xs:maxLength value="256"/><xs:pattern value="{EMAIL_PATTERN}"/></xs:restriction>"#)));
    assert!(xsd.contains("The amount is the value of a."));
}

#[test]
fn no_properties() {
    let callback = AmountSource::Callback {
        url: "https://ente.example/?a=1&b=2".into(),
    };
    let xsd = service_xsd(&service(vec![], callback));
    well_formed(&xsd);
    assert!(xsd.contains("The institution computes the amount from the data."));
    assert!(
        !xsd.contains("ente.example"),
        "the callback URL is not for PSPs"
    );
    assert!(xsd.contains("<xs:all>\n      </xs:all>"));
}
