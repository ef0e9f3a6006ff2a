//! Dispatch by SOAPAction and Body element, and the messages refused before any operation.

use super::*;

// ---------------------------------------------------------------- dispatch

#[test]
fn soap_action_header() {
    let body = fixture("handwritten/paVerifyPaymentNoticeReq.xml");
    for header in [
        "paVerifyPaymentNotice",
        "\"paVerifyPaymentNotice\"",
        "  \"paVerifyPaymentNotice\" ",
        "",
        "\"\"",
    ] {
        let parsed =
            parse_request(&body, Some(header)).unwrap_or_else(|e| panic!("{header:?}: {e}"));
        assert_eq!(parsed.request.operation(), Operation::VerifyPaymentNotice);
    }
    assert_eq!(
        parse_request(&body, Some("\"paGetPayment\"")),
        Err(SoapError::ActionMismatch {
            header: "\"paGetPayment\"".into(),
            body: "paVerifyPaymentNoticeReq".into()
        })
    );
    assert!(matches!(
        parse_request(&body, Some("paFooBar")),
        Err(SoapError::UnknownOperation(_))
    ));
    assert!(matches!(
        parse_request(&body, Some("paverifypaymentnotice")),
        Err(SoapError::UnknownOperation(_))
    ));
}

#[test]
fn operation_names() {
    for op in Operation::ALL {
        assert_eq!(Operation::from_soap_action(op.soap_action()), Some(op));
        assert_eq!(
            Operation::from_soap_action(&format!(" \"{}\"", op.soap_action())),
            Some(op)
        );
        assert_eq!(
            Operation::from_request_element(op.request_element()),
            Some(op)
        );
        assert_eq!(
            Operation::from_response_element(op.response_element()),
            Some(op)
        );
        assert_eq!(op.to_string(), op.soap_action());
    }
    assert_eq!(Operation::SendRtV2.soap_action(), "paSendRTV2");
    assert_eq!(Operation::SendRt.response_element(), "paSendRTRes");
    assert_eq!(
        Operation::GetPaymentV2.response_element(),
        "paGetPaymentV2Response"
    );
    assert_eq!(Operation::from_soap_action("\"paSendRT"), None);
    assert_eq!(Operation::from_soap_action("paSendRTReq"), None);
}

#[test]
fn any_prefix_and_declaration_place() {
    let variants = [
        // Prefixes declared on the payload.
        format!(
            r#"<S:Envelope xmlns:S="{NS_SOAP11}"><S:Header><x:token xmlns:x="urn:x" S:mustUnderstand="0">t</x:token></S:Header><S:Body><ns2:paVerifyPaymentNoticeReq xmlns:ns2="{NS_PAFN}">{VERIFY_CHILDREN}</ns2:paVerifyPaymentNoticeReq></S:Body></S:Envelope>"#
        ),
        // Prefix declared on the Envelope, comments and whitespace around.
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hello -->\n<soap:Envelope xmlns:soap=\"{NS_SOAP11}\" xmlns:nod=\"{NS_PAFN}\">\n <soap:Body>\n  <!-- payload -->\n  <nod:paVerifyPaymentNoticeReq>{VERIFY_CHILDREN}</nod:paVerifyPaymentNoticeReq>\n </soap:Body>\n</soap:Envelope>\n"
        ),
        // UTF-8 byte order mark.
        format!(
            "\u{FEFF}<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"{NS_SOAP11}\" xmlns:nod=\"{NS_PAFN}\"><soap:Body><nod:paVerifyPaymentNoticeReq>{VERIFY_CHILDREN}</nod:paVerifyPaymentNoticeReq></soap:Body></soap:Envelope>"
        ),
        // Default namespaces everywhere.
        format!(
            r#"<Envelope xmlns="{NS_SOAP11}"><Body><paVerifyPaymentNoticeReq xmlns="{NS_PAFN}"><idPA xmlns="">77777777777</idPA><idBrokerPA xmlns="">77777777777</idBrokerPA><idStation xmlns="">77777777777_01</idStation><qrCode xmlns=""><fiscalCode>77777777777</fiscalCode><noticeNumber>302123456789012356</noticeNumber></qrCode></paVerifyPaymentNoticeReq></Body></Envelope>"#
        ),
        // Prefix declared on Body, single quotes.
        format!(
            r#"<e:Envelope xmlns:e='{NS_SOAP11}'><e:Body xmlns:p='{NS_PAFN}'><p:paVerifyPaymentNoticeReq>{VERIFY_CHILDREN}</p:paVerifyPaymentNoticeReq></e:Body></e:Envelope>"#
        ),
    ];
    for body in variants {
        let parsed = parse_request(body.as_bytes(), Some("paVerifyPaymentNotice"))
            .unwrap_or_else(|e| panic!("{e}\n{body}"));
        let SoapRequest::VerifyPaymentNotice(r) = &parsed.request else {
            panic!()
        };
        assert_eq!(r.qr_code.notice_number, "302123456789012356");
        xsd::assert_valid_payload(&parsed.payload_xml);
    }
}

#[test]
fn xml_escapes_and_cdata_in_values() {
    let children =
        VERIFY_CHILDREN.replace("77777777777_01", "A&amp;B&#x20;&lt;1&gt;<![CDATA[&x]]>");
    let parsed = parse_request(&verify_request(&children), None).unwrap();
    assert_eq!(parsed.request.id_station(), "A&B <1>&x");
}

// ---------------------------------------------------------------- rejections

#[test]
fn doctype_and_entities_are_rejected_fast() {
    let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pafn="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Body><pafn:paVerifyPaymentNoticeReq><idPA>&lol9;</idPA></pafn:paVerifyPaymentNoticeReq></soapenv:Body></soapenv:Envelope>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>"#;
    let plain_doctype = r#"<!DOCTYPE soapenv:Envelope><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>"#;
    for body in [billion_laughs, xxe, plain_doctype] {
        let started = Instant::now();
        let error = parse_request(body.as_bytes(), None).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        match error {
            SoapError::Malformed(m) => assert!(m.contains("DOCTYPE"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    // An entity reference without a DTD is an error too (never expanded).
    let children = VERIFY_CHILDREN.replace("77777777777_01", "&lol9;");
    let error = parse_request(&verify_request(&children), None).unwrap_err();
    assert!(
        matches!(
            error,
            SoapError::SchemaInvalid { .. } | SoapError::Malformed(_)
        ),
        "{error:?}"
    );
}

#[test]
fn not_well_formed_messages() {
    let cases: &[&[u8]] = &[
        b"",
        b"   ",
        b"not xml at all",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body></soapenv:Envelope>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><a></b></soapenv:Body></soapenv:Envelope>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><a/></soapenv:Body></soapenv:Envelope><x/>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" a=\"1\" a=\"2\"><soapenv:Body/></soapenv:Envelope>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" a=1><soapenv:Body/></soapenv:Envelope>",
        b"<soap:Envelope><soap:Body/></soap:Envelope>",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
        b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\xff</soapenv:Body></soapenv:Envelope>",
    ];
    for case in cases {
        match parse_request(case, None) {
            Err(SoapError::Malformed(_)) => {}
            other => panic!(
                "{:?}: expected Malformed, got {other:?}",
                String::from_utf8_lossy(case)
            ),
        }
    }
}

#[test]
fn not_soap_messages() {
    let pafn =
        format!("<pafn:paVerifyPaymentNoticeReq>{VERIFY_CHILDREN}</pafn:paVerifyPaymentNoticeReq>");
    let cases = [
        // SOAP 1.2
        format!(
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:pafn="{NS_PAFN}"><e:Body>{pafn}</e:Body></e:Envelope>"#
        ),
        // Envelope without namespace
        format!(r#"<Envelope xmlns:pafn="{NS_PAFN}"><Body>{pafn}</Body></Envelope>"#),
        // Bare payload
        format!(
            r#"<pafn:paVerifyPaymentNoticeReq xmlns:pafn="{NS_PAFN}">{VERIFY_CHILDREN}</pafn:paVerifyPaymentNoticeReq>"#
        ),
        // No Body, empty Body, two payloads, text in Body, Body in wrong namespace, element after Body
        format!(r#"<s:Envelope xmlns:s="{NS_SOAP11}"><s:Header/></s:Envelope>"#),
        format!(r#"<s:Envelope xmlns:s="{NS_SOAP11}"><s:Body/></s:Envelope>"#),
        format!(r#"<s:Envelope xmlns:s="{NS_SOAP11}"><s:Body> </s:Body></s:Envelope>"#),
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><s:Body>{pafn}{pafn}</s:Body></s:Envelope>"#
        ),
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><s:Body>text{pafn}</s:Body></s:Envelope>"#
        ),
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><Body>{pafn}</Body></s:Envelope>"#
        ),
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><s:Body>{pafn}</s:Body><s:Body/></s:Envelope>"#
        ),
        format!(
            r#"<s:Envelope xmlns:s="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><s:Foo/><s:Body>{pafn}</s:Body></s:Envelope>"#
        ),
    ];
    for case in cases {
        match parse_request(case.as_bytes(), None) {
            Err(SoapError::NotSoap(_)) => {}
            other => panic!("{case}: expected NotSoap, got {other:?}"),
        }
    }
}

#[test]
fn schema_violations() {
    let op = Operation::VerifyPaymentNotice;
    // Missing element.
    let missing = VERIFY_CHILDREN.replace("<idStation>77777777777_01</idStation>", "");
    // (the generated deserializer reports the element found instead of the one missing)
    assert_schema_invalid(
        parse_request(&verify_request(&missing), None),
        op,
        "unexpected element <qrCode>",
    );
    let truncated = VERIFY_CHILDREN.replace("<noticeNumber>302123456789012356</noticeNumber>", "");
    assert_schema_invalid(
        parse_request(&verify_request(&truncated), None),
        op,
        "noticeNumber",
    );
    // Children in the paForNode namespace (a default namespace on the payload, or a prefix):
    // the schema's local elements are unqualified.
    let default_ns = envelope(&format!(
        r#"<paVerifyPaymentNoticeReq xmlns="{NS_PAFN}">{VERIFY_CHILDREN}</paVerifyPaymentNoticeReq>"#
    ));
    assert_schema_invalid(
        parse_request(&default_ns, None),
        op,
        &format!("element {{{NS_PAFN}}}idPA is not allowed"),
    );
    let prefixed = VERIFY_CHILDREN.replace(
        "<fiscalCode>77777777777</fiscalCode>",
        "<pafn:fiscalCode>77777777777</pafn:fiscalCode>",
    );
    assert_schema_invalid(
        parse_request(&verify_request(&prefixed), None),
        op,
        &format!("element {{{NS_PAFN}}}fiscalCode is not allowed"),
    );
    // Unknown extra element.
    let extra = format!("{VERIFY_CHILDREN}<extra>1</extra>");
    assert_schema_invalid(parse_request(&verify_request(&extra), None), op, "extra");
    // Wrong order.
    let misordered = VERIFY_CHILDREN.replace(
        "<idPA>77777777777</idPA><idBrokerPA>77777777777</idBrokerPA>",
        "<idBrokerPA>77777777777</idBrokerPA><idPA>77777777777</idPA>",
    );
    assert!(matches!(
        parse_request(&verify_request(&misordered), None),
        Err(SoapError::SchemaInvalid { .. })
    ));
    // Repeated element.
    let repeated = VERIFY_CHILDREN.replace(
        "<idPA>77777777777</idPA>",
        "<idPA>77777777777</idPA><idPA>77777777777</idPA>",
    );
    assert!(matches!(
        parse_request(&verify_request(&repeated), None),
        Err(SoapError::SchemaInvalid { .. })
    ));
    // Child in a foreign namespace.
    let foreign = VERIFY_CHILDREN.replace(
        "<idPA>77777777777</idPA>",
        r#"<f:idPA xmlns:f="urn:foreign">77777777777</f:idPA>"#,
    );
    assert_schema_invalid(parse_request(&verify_request(&foreign), None), op, "idPA");
    // Prefixed (qualified) child in the paForNode namespace: not the schema's element.
    let qualified = VERIFY_CHILDREN.replace(
        "<idPA>77777777777</idPA>",
        "<pafn:idPA>77777777777</pafn:idPA>",
    );
    assert_schema_invalid(
        parse_request(&verify_request(&qualified), None),
        op,
        &format!("element {{{NS_PAFN}}}idPA is not allowed"),
    );
    // Text directly in the payload.
    let text = format!("junk{VERIFY_CHILDREN}");
    assert!(matches!(
        parse_request(&verify_request(&text), None),
        Err(SoapError::SchemaInvalid { .. })
    ));
    // Facets the types do not enforce.
    let long = VERIFY_CHILDREN.replace("77777777777_01", &"x".repeat(36));
    assert_schema_invalid(
        parse_request(&verify_request(&long), None),
        op,
        "idStation must be at most 35",
    );
    let empty = VERIFY_CHILDREN.replace("77777777777_01", "");
    assert_schema_invalid(
        parse_request(&verify_request(&empty), None),
        op,
        "idStation must not be empty",
    );
    let notice = VERIFY_CHILDREN.replace("302123456789012356", "30212345678901235X");
    assert_schema_invalid(
        parse_request(&verify_request(&notice), None),
        op,
        "noticeNumber",
    );

    // Bad amount, bad enumeration, bad boolean.
    let get = |extra: &str| {
        envelope(&format!(
            "<pafn:paGetPaymentReq>{VERIFY_CHILDREN}{extra}</pafn:paGetPaymentReq>"
        ))
    };
    assert!(parse_request(&get("<amount>12.30</amount>"), None).is_ok());
    for amount in ["12.3", "12", "12.300", "-1.00", "1,00", "abc"] {
        assert_schema_invalid(
            parse_request(&get(&format!("<amount>{amount}</amount>")), None),
            Operation::GetPayment,
            &format!("invalid amount \"{amount}\""),
        );
    }
    assert_schema_invalid(
        parse_request(&get("<transferType>FOO</transferType>"), None),
        Operation::GetPayment,
        "FOO",
    );
    assert_schema_invalid(
        parse_request(
            &get("<paymentNote>x</paymentNote><dueDate>31/12/2030</dueDate>"),
            None,
        ),
        Operation::GetPayment,
        "dueDate",
    );
}

#[test]
fn error_messages_are_plain_words() {
    let e = parse_request(
        &verify_request(&VERIFY_CHILDREN.replace("<idStation>77777777777_01</idStation>", "")),
        None,
    )
    .unwrap_err();
    assert_eq!(e.operation(), Some(Operation::VerifyPaymentNotice));
    let message = e.to_string();
    assert!(
        message
            .starts_with("the paVerifyPaymentNotice message does not match the paForNode schema: "),
        "{message}"
    );
    assert!(message.contains("qrCode"), "{message}");
    assert!(!message.contains("BytesStart"), "{message}");

    let e =
        parse_request(&verify_request(&format!("{VERIFY_CHILDREN}<extra/>")), None).unwrap_err();
    assert!(e.to_string().contains("unexpected element <extra>"), "{e}");
    assert_eq!(SoapError::Malformed("x".into()).operation(), None);
    assert_eq!(
        SoapError::ActionMismatch {
            header: "a".into(),
            body: "b".into()
        }
        .to_string(),
        "the SOAPAction header 'a' does not match the SOAP Body element 'b'"
    );
}
