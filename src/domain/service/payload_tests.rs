use base64::engine::general_purpose::STANDARD;

use super::*;

fn encode(xml: &str) -> String {
    STANDARD.encode(xml)
}

fn parsed(xml: &str) -> Vec<(String, String)> {
    parse_payload(&encode(xml)).unwrap_or_else(|e| panic!("{e}: {xml}"))
}

fn refused(xml: &str) -> String {
    parse_payload(&encode(xml)).expect_err(xml).0
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

const NS: &str = GENERAL_SERVICE_NS;

#[test]
fn default_namespace_with_schema_location() {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service xmlns=\"{NS}\" xsi:schemaLocation=\"{NS} schema.xsd\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <amount>100</amount>\n  <description>donation</description>\n</service>\n"
    );
    assert_eq!(
        parsed(&xml),
        pairs(&[("amount", "100"), ("description", "donation")])
    );
}

#[test]
fn prefixed_root_with_unqualified_or_qualified_children() {
    let xml = format!(
        "<gs:service xmlns:gs=\"{NS}\"><targa>AB123CD</targa><gs:anno>2025</gs:anno><x:altro xmlns:x=\"urn:x\">1</x:altro></gs:service>"
    );
    assert_eq!(
        parsed(&xml),
        pairs(&[("targa", "AB123CD"), ("anno", "2025"), ("altro", "1")])
    );
}

#[test]
fn text_is_decoded_and_trimmed() {
    let xml = format!(
        "<service xmlns=\"{NS}\"><a>  x &amp; y &lt;z&gt; &#233;&#x20AC; </a><b><![CDATA[ <not a tag> ]]></b><c>one<!-- comment -->two</c><d/><e></e><f>l1\r\nl2</f></service>"
    );
    assert_eq!(
        parsed(&xml),
        pairs(&[
            ("a", "x & y <z> é€"),
            ("b", "<not a tag>"),
            ("c", "onetwo"),
            ("d", ""),
            ("e", ""),
            ("f", "l1\nl2"),
        ])
    );
}

#[test]
fn repeated_properties_are_returned_as_they_are() {
    let xml = format!("<service xmlns=\"{NS}\"><a>1</a><a>2</a></service>");
    assert_eq!(parsed(&xml), pairs(&[("a", "1"), ("a", "2")]));
    assert_eq!(parsed(&format!("<service xmlns=\"{NS}\"/>")), vec![]);
}

#[test]
fn base64_with_line_breaks_and_without_padding() {
    let xml = format!("<service xmlns=\"{NS}\"><importo>12.50</importo></service>");
    let encoded = encode(&xml);
    let wrapped: String = encoded
        .as_bytes()
        .chunks(20)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    assert_eq!(
        parse_payload(&format!("\n  {wrapped}\n")).unwrap(),
        pairs(&[("importo", "12.50")])
    );
    let padded = STANDARD.encode(format!("<service xmlns=\"{NS}\"><a>12</a></service>"));
    assert!(padded.ends_with('='));
    assert_eq!(
        parse_payload(padded.trim_end_matches('=')).unwrap(),
        pairs(&[("a", "12")])
    );
}

#[test]
fn refuses_what_is_not_base64_or_utf8() {
    let refuse = |b64: &str| parse_payload(b64).unwrap_err().0;
    assert_eq!(refuse(""), "the payload is empty");
    assert_eq!(refuse(" \n"), "the payload is empty");
    assert!(refuse("PHNl*cnZp").starts_with("the payload is not valid base64: "));
    assert!(refuse("PHNl-cnZp").starts_with("the payload is not valid base64: "));
    assert_eq!(
        refuse(&STANDARD.encode(b"<service>\xff</service>")),
        "the payload is not UTF-8 (invalid byte at offset 9)"
    );
    let big = format!(
        "<service xmlns=\"{NS}\"><a>{}</a></service>",
        "x".repeat(64 * 1024)
    );
    assert_eq!(refused(&big), "the payload is larger than 64 KiB");
    assert_eq!(
        refuse(&"A".repeat(200_000)),
        "the payload is larger than 64 KiB"
    );
}

#[test]
fn refuses_dtds_and_entities() {
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE service [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n<service xmlns=\"{NS}\"><a>&lol3;</a></service>"
    );
    assert_eq!(
        refused(&laughs),
        "the payload has a DTD (<!DOCTYPE ...>), which is not allowed"
    );
    let xxe = format!("<!DOCTYPE service [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><service xmlns=\"{NS}\"><a>&x;</a></service>");
    assert_eq!(
        refused(&xxe),
        "the payload has a DTD (<!DOCTYPE ...>), which is not allowed"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\"><a>&lol;</a></service>")),
        "the payload is not well-formed XML: &lol; is not a character reference or a predefined entity"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\"><a>&#1;</a></service>")),
        "the payload is not well-formed XML: &#1; is not a character reference or a predefined entity"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\"><a>\u{1}</a></service>")),
        "the payload is not well-formed XML: the character U+0001 is not allowed"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\" a=\"&x;\"/>")),
        "the payload is not well-formed XML: bad attribute on <service>"
    );
}

#[test]
fn refuses_the_wrong_root() {
    assert_eq!(
        refused("<service><a>1</a></service>"),
        format!("the root element is service without a namespace, expected service in the namespace {NS}")
    );
    assert_eq!(
        refused(&format!("<servizio xmlns=\"{NS}\"/>")),
        format!("the root element is {{{NS}}}servizio, expected service in the namespace {NS}")
    );
    assert_eq!(
        refused("<ta:tassaAuto xmlns:ta=\"http://PuntoAccessoPSP.spcoop.gov.it/TassaAuto\"/>"),
        format!("the root element is {{http://PuntoAccessoPSP.spcoop.gov.it/TassaAuto}}tassaAuto, expected service in the namespace {NS}")
    );
}

#[test]
fn refuses_documents_that_are_not_well_formed() {
    let malformed = |xml: &str| {
        let message = refused(xml);
        assert!(
            message.starts_with("the payload is not well-formed XML"),
            "{xml}: {message}"
        );
    };
    malformed(&format!("<service xmlns=\"{NS}\"><a>1</b></service>"));
    malformed(&format!("<service xmlns=\"{NS}\"><a>1</a>"));
    malformed(&format!(
        "<service xmlns=\"{NS}\"/><service xmlns=\"{NS}\"/>"
    ));
    malformed(&format!("<service xmlns=\"{NS}\"/>trailing"));
    malformed(&format!(
        "<gs:service xmlns:gs=\"{NS}\"><p:a>1</p:a></gs:service>"
    ));
    malformed("<gs:service/>");
    malformed(&format!("<service xmlns=\"{NS}\" a=\"1\" a=\"2\"/>"));
    malformed(&format!(
        "<service xmlns=\"{NS}\"><!-- a -- b --></service>"
    ));
    malformed(&format!(
        " <service xmlns=\"{NS}\"/><?xml version=\"1.0\"?>"
    ));
    assert_eq!(refused("   "), "the payload has no XML element");
    assert_eq!(
        refused(&format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><service xmlns=\"{NS}\"/>"
        )),
        "the payload declares the encoding 'iso-8859-1': only UTF-8 is accepted"
    );
}

#[test]
fn refuses_structure_that_is_not_properties() {
    assert_eq!(
        refused(&format!(
            "<service xmlns=\"{NS}\"><a><b>1</b></a></service>"
        )),
        "the property 'a' contains the element <b>: properties are text only"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\">loose<a>1</a></service>")),
        "the service element has text outside its properties"
    );
    assert_eq!(
        refused(&format!("<service xmlns=\"{NS}\"><![CDATA[x]]></service>")),
        "the payload has CDATA outside the properties"
    );
    let children = |n: usize| {
        (0..n)
            .map(|i| format!("<p{i}>{i}</p{i}>"))
            .collect::<String>()
    };
    assert_eq!(
        parsed(&format!(
            "<service xmlns=\"{NS}\">{}</service>",
            children(100)
        ))
        .len(),
        100
    );
    assert_eq!(
        refused(&format!(
            "<service xmlns=\"{NS}\">{}</service>",
            children(101)
        )),
        "the payload has more than 100 properties"
    );
}

#[test]
fn accepts_a_byte_order_mark_comments_and_processing_instructions() {
    let xml = format!("\u{FEFF}<?xml version=\"1.0\"?><!-- c --><?pi x?><service xmlns=\"{NS}\"><?pi?><a>1</a></service><!-- end -->");
    assert_eq!(parsed(&xml), pairs(&[("a", "1")]));
}
