//! Tests of the XML/SOAP layer: fixtures from pagoPA and hand-written samples
//! (`tests/fixtures/soap/`), negative cases, and rendering validated with
//! xmllint against `xsd/paForNode.xsd`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

#[path = "../../../tests/common/xsd.rs"]
mod xsd;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/soap")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> ParsedRequest {
    parse_request(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse_err(name: &str) -> SoapError {
    match parse_request(&fixture(name), None) {
        Ok(p) => panic!("{name} should be rejected, got {:?}", p.request.operation()),
        Err(e) => e,
    }
}

fn cents(n: i64) -> Amount {
    Amount::from_cents(n).unwrap()
}

/// Wraps a payload in a SOAP 1.1 envelope.
fn envelope(payload: &str) -> Vec<u8> {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pafn="{NS_PAFN}"><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
    .into_bytes()
}

const VERIFY_CHILDREN: &str = "<idPA>77777777777</idPA><idBrokerPA>77777777777</idBrokerPA><idStation>77777777777_01</idStation><qrCode><fiscalCode>77777777777</fiscalCode><noticeNumber>302123456789012356</noticeNumber></qrCode>";

fn verify_request(children: &str) -> Vec<u8> {
    envelope(&format!(
        "<pafn:paVerifyPaymentNoticeReq>{children}</pafn:paVerifyPaymentNoticeReq>"
    ))
}

fn assert_schema_invalid(result: Result<ParsedRequest, SoapError>, op: Operation, needle: &str) {
    match result {
        Err(SoapError::SchemaInvalid { operation, detail }) => {
            assert_eq!(operation, op);
            assert!(
                detail.contains(needle),
                "detail {detail:?} should mention {needle:?}"
            );
        }
        other => panic!("expected SchemaInvalid for {op}, got {other:?}"),
    }
}

// ---------------------------------------------------------------- requests

#[test]
fn handwritten_verify_request() {
    let parsed = parse("handwritten/paVerifyPaymentNoticeReq.xml");
    assert_eq!(parsed.request.operation(), Operation::VerifyPaymentNotice);
    assert_eq!(parsed.request.id_pa(), "77777777777");
    assert_eq!(parsed.request.id_broker_pa(), "77777777777");
    assert_eq!(parsed.request.id_station(), "77777777777_01");
    let SoapRequest::VerifyPaymentNotice(r) = &parsed.request else {
        unreachable!()
    };
    assert_eq!(r.qr_code.fiscal_code, "77777777777");
    assert_eq!(r.qr_code.notice_number, "302123456789012356");
    assert_eq!(parsed.request.qr_code(), Some(&r.qr_code));
}

#[test]
fn handwritten_get_payment_v2_request() {
    let parsed = parse("handwritten/paGetPaymentV2Request.xml");
    let SoapRequest::GetPaymentV2(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.id_pa, "77777777777");
    assert_eq!(r.qr_code.notice_number, "302123456789012356");
    assert_eq!(r.amount, Some(cents(13650)));
    assert_eq!(
        r.payment_note.as_deref(),
        Some("optional note from the payer")
    );
    assert_eq!(r.transfer_type, Some(StTransferType::Pagopa));
    assert_eq!(r.due_date.as_deref(), Some("2030-12-31"));
}

#[test]
fn handwritten_send_rt_v2_request() {
    let parsed = parse("handwritten/paSendRTV2Request.xml");
    let SoapRequest::SendRtV2(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    let receipt = &r.receipt;
    assert_eq!(receipt.receipt_id, "c110729d258c4ab1b765fe902aae41d6");
    assert_eq!(receipt.notice_number, "302123456789012356");
    assert_eq!(receipt.fiscal_code, "77777777777");
    assert_eq!(receipt.outcome, StOutcomeType::Ok);
    assert_eq!(receipt.creditor_reference_id, "02123456789012356");
    assert_eq!(receipt.payment_amount, cents(13650));
    assert_eq!(receipt.company_name, "Comune di Esempio");
    assert_eq!(
        receipt
            .debtor
            .unique_identifier
            .entity_unique_identifier_type,
        StEntityUniqueIdentifierType::F
    );
    assert_eq!(
        receipt
            .debtor
            .unique_identifier
            .entity_unique_identifier_value,
        "RSSMRA80A01H501U"
    );
    assert_eq!(receipt.debtor.full_name, "Mario Rossi");
    let transfers = &receipt.transfer_list.transfer;
    assert_eq!(transfers.len(), 2);
    assert_eq!(transfers[0].id_transfer.number(), 1);
    assert_eq!(transfers[0].transfer_amount, cents(12050));
    assert_eq!(
        transfers[0].account,
        CtTransferPaReceiptV2AccountType::Iban("IT60X0542811101000000123456".into())
    );
    assert_eq!(transfers[1].transfer_amount, cents(1600));
    assert!(
        matches!(&transfers[1].account, CtTransferPaReceiptV2AccountType::MbdAttachment(b) if b.starts_with("UExBQ0VI"))
    );
    assert_eq!(receipt.id_psp, "88888888888");
    assert_eq!(receipt.psp_fiscal_code.as_deref(), Some("88888888888"));
    assert_eq!(receipt.psp_partita_iva.as_deref(), Some("88888888888"));
    assert_eq!(receipt.psp_company_name, "PSP name");
    assert_eq!(receipt.id_channel, "88888888888_01");
    assert_eq!(receipt.channel_description, "app");
    assert_eq!(receipt.payment_method.as_deref(), Some("creditCard"));
    assert_eq!(receipt.fee, Some(cents(150)));
    assert_eq!(receipt.primary_ci_incurred_fee, Some(cents(0)));
    assert_eq!(receipt.id_bundle.as_deref(), Some("bundle-id"));
    assert_eq!(receipt.id_ci_bundle.as_deref(), Some("ci-bundle-id"));
    assert_eq!(
        receipt.payment_date_time.as_deref(),
        Some("2030-06-01T10:15:30")
    );
    assert_eq!(receipt.application_date.as_deref(), Some("2030-06-01"));
    assert_eq!(receipt.transfer_date.as_deref(), Some("2030-06-02"));
    assert_eq!(receipt.stand_in, Some(false));
    assert_eq!(receipt.payer, None);
    assert_eq!(receipt.metadata, None);
}

#[test]
fn handwritten_demand_request() {
    let parsed = parse("handwritten/paDemandPaymentNoticeRequest.xml");
    let SoapRequest::DemandPaymentNotice(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.id_pa, "77777777777");
    assert_eq!(r.id_servizio, "00001");
    assert_eq!(r.id_soggetto_servizio, "00001");
    assert_eq!(
        r.dati_specifici_servizio_request,
        "PHNlcnZpY2U+cGxhY2Vob2xkZXI8L3NlcnZpY2U+"
    );
}

#[test]
fn gpd_payments_default_namespace_requests() {
    // Default SOAP namespace, default paForNode namespace on the payload and
    // `xmlns=""` on the children.
    let parsed = parse("reference/gpdpay-it-paVerifyPaymentNoticeReq-defaultns.xml");
    let SoapRequest::VerifyPaymentNotice(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.id_pa, "77777777777");
    assert_eq!(r.id_broker_pa, "15376371009");
    assert_eq!(r.id_station, "15376371009_01");
    assert_eq!(r.qr_code.notice_number, "311111111112222222");

    let parsed = parse("reference/gpdpay-it-paSendRTReq-defaultns.xml");
    let SoapRequest::SendRt(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    let receipt = &r.receipt;
    assert_eq!(receipt.notice_number, "311111111112222222");
    assert_eq!(receipt.creditor_reference_id, "11111111112222222");
    assert_eq!(receipt.payment_amount, cents(30000));
    assert_eq!(
        receipt.description,
        "Pagamento compenso spettacolo \"Tel chi el telun\""
    );
    let amounts: Vec<i64> = receipt
        .transfer_list
        .transfer
        .iter()
        .map(|t| t.transfer_amount.cents())
        .collect();
    assert_eq!(amounts, [10000, 20000]);
    assert_eq!(
        receipt.transfer_list.transfer[0].iban,
        "IT30N0103076271000001823603"
    );
    assert_eq!(receipt.transfer_list.transfer[0].transfer_category, "G");
    assert_eq!(
        receipt.payer.as_ref().map(|p| p.full_name.as_str()),
        Some("John Doe")
    );
    assert_eq!(receipt.debtor.e_mail.as_deref(), Some("john.doe@test.it"));
    assert_eq!(receipt.fee, Some(cents(150)));
    assert_eq!(receipt.stand_in, None);
}

#[test]
fn gpd_payments_get_payment_requests() {
    let parsed = parse("reference/gpdpay-it-paGetPaymentReq.xml");
    let SoapRequest::GetPayment(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.id_pa, "77777777777");
    assert_eq!(r.qr_code.notice_number, "311111111112222222");
    assert_eq!(r.amount, Some(cents(30000)));
    assert_eq!(r.transfer_type, None);

    let parsed = parse("reference/gpdpay-it-paGetPaymentV2Request.xml");
    let SoapRequest::GetPaymentV2(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.amount, Some(cents(30000)));

    let parsed = parse("reference/gpdpay-postman-paGetPaymentV2Request.xml");
    let SoapRequest::GetPaymentV2(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.id_pa, "00168480242");
    assert_eq!(r.qr_code.fiscal_code, "00856930102");
    assert_eq!(r.qr_code.notice_number, "363155551414999718");
    assert_eq!(r.amount, Some(cents(1000)));
}

#[test]
fn gpd_payments_send_rt_requests() {
    let parsed = parse("reference/gpdpay-perf-paSendRTReq-metadata.xml");
    let SoapRequest::SendRt(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.receipt.payment_amount, cents(3000));
    assert_eq!(r.receipt.fee, Some(cents(200)));
    let metadata = r.receipt.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata.map_entry,
        [CtMapEntryType {
            key: "keytest".into(),
            value: "1".into()
        }]
    );

    let body = fixture("reference/gpdpay-postman-paSendRTReq.xml");
    let parsed = parse_request(&body, Some("paSendRT")).unwrap();
    let SoapRequest::SendRt(r) = &parsed.request else {
        panic!("{:?}", parsed.request)
    };
    assert_eq!(r.receipt.receipt_id, "725d128ec27911edafa10242ac120002");
    assert_eq!(r.receipt.notice_number, "363155551414999718");
    assert_eq!(r.receipt.creditor_reference_id, "63155551414999718");
    assert_eq!(r.receipt.payment_amount, cents(3000));
    // The Postman collection sends this V1 body with SOAPAction paSendRTV2.
    assert_eq!(
        parse_request(&body, Some("paSendRTV2")),
        Err(SoapError::ActionMismatch {
            header: "paSendRTV2".into(),
            body: "paSendRTReq".into()
        })
    );
}

#[test]
fn official_sanp_2_5_1_examples() {
    for (name, notice, amount) in [
        (
            "reference/pagopa-api-ReqPaGetPayment.xml",
            "311018921337126000",
            1000,
        ),
        (
            "pagopa-api-SANP2.5.1/ReqPaGetPayment.xml",
            "311111111112222222",
            3000,
        ),
    ] {
        let parsed = parse(name);
        let SoapRequest::GetPayment(r) = &parsed.request else {
            panic!("{:?}", parsed.request)
        };
        assert_eq!(r.id_pa, "77777777777");
        assert_eq!(r.qr_code.notice_number, notice);
        assert_eq!(r.amount, Some(cents(amount)));
    }
    // Transfers without the now-mandatory transferCategory.
    for name in [
        "reference/pagopa-api-ReqPaSendRT.xml",
        "pagopa-api-SANP2.5.1/ReqPaSendRT.xml",
    ] {
        assert_schema_invalid(
            parse_request(&fixture(name), None),
            Operation::SendRt,
            "transferCategory",
        );
    }
    // Payload in the nodeForPsp namespace.
    for name in [
        "reference/pagopa-api-ReqPaVerifyPayment-wrongns.xml",
        "pagopa-api-SANP2.5.1/ReqPaVerifyPayment.xml",
    ] {
        match parse_err(name) {
            SoapError::UnknownOperation(m) => assert!(m.contains("nodeForPsp.xsd"), "{m}"),
            other => panic!("{name}: {other:?}"),
        }
        let e = parse_request(&fixture(name), Some("paVerifyPaymentNotice")).unwrap_err();
        assert!(matches!(e, SoapError::UnknownOperation(_)), "{e:?}");
    }
}

#[test]
fn invalid_fixtures_are_rejected() {
    // idServizio of 1 character, idSoggettoServizio missing.
    for name in [
        "reference/gpdpay-it-paDemandPaymentNoticeRequest.xml",
        "reference/gpdpay-perf-paDemandPaymentNoticeRequest.xml",
    ] {
        assert_schema_invalid(
            parse_request(&fixture(name), None),
            Operation::DemandPaymentNotice,
            "datiSpecificiServizioRequest",
        );
    }
    // Old namespace (`ec/PaForNode.xsd`) and element names.
    assert!(matches!(
        parse_err("reference/gps-util-paDemandPaymentNoticeRequest.xml"),
        SoapError::UnknownOperation(_)
    ));
    // qrCode/fiscalCode "010025" is not 11 digits.
    assert_schema_invalid(
        parse_request(
            &fixture("reference/gpdpay-perf-paVerifyPaymentNoticeReq-whitespace.xml"),
            None,
        ),
        Operation::VerifyPaymentNotice,
        "fiscalCode",
    );
    // `<standin>` instead of `<standIn>`.
    assert_schema_invalid(
        parse_request(&fixture("reference/sanp-paSendRTV2Request.xml"), None),
        Operation::SendRtV2,
        "standin",
    );
    // Not well-formed.
    assert!(matches!(
        parse_err("reference/gps-util-datiSpecificiServizio-donazioni-MALFORMED.xml"),
        SoapError::Malformed(_)
    ));
    // Well-formed XML, but not SOAP.
    for name in [
        "reference/gps-util-datiSpecificiServizio-tassaAuto.xml",
        "reference/gpdpay-perf-datiSpecificiServizio-decoded.xml",
        "handwritten/INVALID-default-namespace.payload.xml",
        "handwritten/INVALID-amount-one-decimal.payload.xml",
    ] {
        assert!(matches!(parse_err(name), SoapError::NotSoap(_)), "{name}");
    }
    // Responses are not requests.
    for name in [
        "reference/pagopa-api-200PaSendRT.xml",
        "handwritten/paVerifyPaymentNoticeRes-KO.xml",
    ] {
        assert!(
            matches!(parse_err(name), SoapError::UnknownOperation(_)),
            "{name}"
        );
    }
}

#[test]
fn invalid_payload_fixtures_inside_an_envelope() {
    let text = String::from_utf8(fixture(
        "handwritten/INVALID-amount-one-decimal.payload.xml",
    ))
    .unwrap();
    match parse_response(&envelope(&text)) {
        Err(SoapError::SchemaInvalid {
            operation: Operation::VerifyPaymentNotice,
            detail,
        }) => {
            assert!(detail.contains("invalid amount \"120.5\""), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // Children qualified through a default namespace: invalid for the XSD, but
    // the generated deserializer accepts them (lenient on input).
    let text =
        String::from_utf8(fixture("handwritten/INVALID-default-namespace.payload.xml")).unwrap();
    let parsed = parse_request(&envelope(&text), None).unwrap();
    assert_eq!(parsed.request.id_pa(), "77777777777");
}

#[test]
fn payload_xml_is_a_standalone_copy_of_the_body_child() {
    let parsed = parse("handwritten/paSendRTV2Request.xml");
    assert!(
        parsed.payload_xml.starts_with(&format!(
            r#"<pafn:paSendRTV2Request xmlns:soapenv="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}">"#
        )),
        "{}",
        &parsed.payload_xml[..200]
    );
    assert!(parsed.payload_xml.ends_with("</pafn:paSendRTV2Request>"));
    assert!(parsed.payload_xml.contains(
        "<MBDAttachment>UExBQ0VIT0xERVItYmFzZTY0LW9mLU1hcmNhRGFCb2xsby14bWw=</MBDAttachment>"
    ));
    xsd::assert_valid_payload(&parsed.payload_xml);

    // Declarations on the payload itself are kept, not duplicated.
    let parsed = parse("reference/gpdpay-it-paSendRTReq-defaultns.xml");
    assert!(parsed.payload_xml.starts_with(&format!(
        r#"<paSendRTReq xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{NS_PAFN}">"#
    )));
    xsd::assert_valid_payload(&parsed.payload_xml);

    let parsed = parse("reference/gpdpay-perf-paSendRTReq-metadata.xml");
    assert!(parsed.payload_xml.starts_with(&format!(
        r#"<pafn:paSendRTReq xmlns:pafn="{NS_PAFN}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:soapenv="{NS_SOAP11}">"#
    )));
    xsd::assert_valid_payload(&parsed.payload_xml);
    // Parsing the stored payload again (wrapped) gives the same request.
    assert_eq!(
        parse_request(&envelope(&parsed.payload_xml), None)
            .unwrap()
            .request,
        parsed.request
    );
}

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
    // Prefixed (qualified) child in the paForNode namespace: lenient.
    let qualified = VERIFY_CHILDREN.replace(
        "<idPA>77777777777</idPA>",
        "<pafn:idPA>77777777777</pafn:idPA>",
    );
    assert!(parse_request(&verify_request(&qualified), None).is_ok());
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

// ---------------------------------------------------------------- rendering

fn subject() -> CtSubjectType {
    CtSubjectType {
        unique_identifier: CtEntityUniqueIdentifierType {
            entity_unique_identifier_type: StEntityUniqueIdentifierType::F,
            entity_unique_identifier_value: "RSSMRA80A01H501U".into(),
        },
        full_name: "Mario Rossi & figli <srl>".into(),
        street_name: Some("Via Roma".into()),
        civic_number: Some("1".into()),
        postal_code: Some("00100".into()),
        city: Some("Roma".into()),
        state_province_region: Some("RM".into()),
        country: Some("IT".into()),
        e_mail: Some("mario.rossi@example.org".into()),
    }
}

fn metadata() -> CtMetadataType {
    CtMetadataType {
        map_entry: vec![CtMapEntryType {
            key: "internalRef".into(),
            value: "A-2030-0001".into(),
        }],
    }
}

fn payment_list(amount: i64) -> CtPaymentOptionsDescriptionListPaType {
    CtPaymentOptionsDescriptionListPaType {
        payment_option_description: CtPaymentOptionDescriptionPaType {
            amount: cents(amount),
            options: StAmountOptionType::Eq,
            due_date: Some("2030-12-31".into()),
            detail_description: Some("Refuse tax 2030".into()),
            all_ccp: false,
        },
    }
}

fn ok_responses() -> Vec<SoapResponse> {
    let verify = PaVerifyPaymentNoticeRes {
        outcome: StOutcomeType::Ok,
        fault: None,
        payment_list: Some(payment_list(1230)),
        payment_description: Some("Refuse tax 2030 - single instalment".into()),
        fiscal_code_pa: Some("77777777777".into()),
        company_name: Some("Comune di Esempio".into()),
        office_name: Some("Ufficio Tributi".into()),
    };
    let get = PaGetPaymentRes {
        outcome: StOutcomeType::Ok,
        fault: None,
        data: Some(CtPaymentPaType {
            creditor_reference_id: "02123456789012356".into(),
            payment_amount: cents(30000),
            due_date: "2030-12-31".into(),
            retention_date: Some("2031-01-31T23:59:59".into()),
            last_payment: Some(true),
            description: "Rata unica".into(),
            company_name: Some("Comune di Esempio".into()),
            office_name: None,
            debtor: subject(),
            transfer_list: CtTransferListPaType {
                transfer: vec![
                    CtTransferPaType {
                        id_transfer: StIdTransferType::_1,
                        transfer_amount: cents(10000),
                        fiscal_code_pa: "77777777777".into(),
                        iban: "IT60X0542811101000000123456".into(),
                        remittance_information: "Rata 1".into(),
                        transfer_category: "0101101IM".into(),
                        metadata: Some(metadata()),
                    },
                    CtTransferPaType {
                        id_transfer: StIdTransferType::_2,
                        transfer_amount: cents(20000),
                        fiscal_code_pa: "77777777778".into(),
                        iban: "IT60X0542811101000000654321".into(),
                        remittance_information: "Rata 2".into(),
                        transfer_category: "0101101IM".into(),
                        metadata: None,
                    },
                ],
            },
            metadata: Some(metadata()),
        }),
    };
    let get_v2 = PaGetPaymentV2Response {
        outcome: StOutcomeType::Ok,
        fault: None,
        data: Some(CtPaymentPav2Type {
            creditor_reference_id: "02123456789012356".into(),
            payment_amount: cents(13650),
            due_date: "2030-12-31".into(),
            retention_date: None,
            last_payment: None,
            description: "Certificate fee plus stamp duty".into(),
            company_name: "Comune di Esempio".into(),
            office_name: Some("Ufficio Anagrafe".into()),
            debtor: subject(),
            transfer_list: CtTransferListPav2Type {
                transfer: vec![
                    CtTransferPav2Type {
                        id_transfer: StIdTransferType::_1,
                        transfer_amount: cents(12050),
                        fiscal_code_pa: "77777777777".into(),
                        company_name: Some("Comune di Esempio".into()),
                        account: CtTransferPav2AccountType::Iban(
                            "IT60X0542811101000000123456".into(),
                        ),
                        remittance_information: "/RFB/02123456789012356/120.50/TXT/Certificate fee"
                            .into(),
                        transfer_category: "0101101IM".into(),
                        metadata: Some(metadata()),
                    },
                    CtTransferPav2Type {
                        id_transfer: StIdTransferType::from_number(2).unwrap(),
                        transfer_amount: cents(1600),
                        fiscal_code_pa: "77777777777".into(),
                        company_name: None,
                        account: CtTransferPav2AccountType::RichiestaMarcaDaBollo(
                            CtRichiestaMarcaDaBolloType {
                                hash_documento: "ZmFrZS1kb2N1bWVudC1oYXNoLXNoYTI1Ni1iYXNlNjQ="
                                    .into(),
                                tipo_bollo: StTipoBolloDigitaleType::_01,
                                provincia_residenza: "RM".into(),
                            },
                        ),
                        remittance_information: "Stamp duty".into(),
                        transfer_category: "0101101IM".into(),
                        metadata: None,
                    },
                ],
            },
            metadata: None,
        }),
    };
    let demand = PaDemandPaymentNoticeResponse {
        outcome: StOutcomeType::Ok,
        fault: None,
        qr_code: Some(CtQrCodeType {
            fiscal_code: "77777777777".into(),
            notice_number: "302123456789012356".into(),
        }),
        payment_list: Some(payment_list(3000)),
        payment_description: Some("Spontaneous payment".into()),
        fiscal_code_pa: Some("77777777777".into()),
        company_name: Some("Comune di Esempio".into()),
        office_name: None,
    };
    vec![
        SoapResponse::VerifyPaymentNotice(verify),
        SoapResponse::GetPayment(get),
        SoapResponse::GetPaymentV2(get_v2),
        SoapResponse::SendRt(PaSendRtRes {
            outcome: StOutcomeType::Ok,
            fault: None,
        }),
        SoapResponse::SendRtV2(PaSendRtv2Response {
            outcome: StOutcomeType::Ok,
            fault: None,
        }),
        SoapResponse::DemandPaymentNotice(demand),
    ]
}

#[test]
fn ok_responses_are_schema_valid() {
    let responses = ok_responses();
    assert_eq!(
        responses
            .iter()
            .map(SoapResponse::operation)
            .collect::<Vec<_>>(),
        Operation::ALL
    );
    for response in responses {
        let op = response.operation();
        let xml = render_response(op, &response);
        let text = String::from_utf8(xml.clone()).unwrap();
        let prefix = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{NS_SOAP11}" xmlns:pafn="{NS_PAFN}"><soapenv:Body><pafn:{}><outcome>OK</outcome>"#,
            op.response_element()
        );
        assert!(text.starts_with(&prefix), "{text}");
        assert!(text.ends_with(&format!(
            "</pafn:{}></soapenv:Body></soapenv:Envelope>",
            op.response_element()
        )));
        assert!(
            !text.contains("xmlns=") && !text.contains("<fault>"),
            "{text}"
        );
        xsd::assert_valid_soap_reply(&xml);
        // Round trip.
        assert_eq!(parse_response(&xml).unwrap(), response);
        assert_eq!(try_render_response(&response).unwrap(), xml);
    }
}

#[test]
fn amounts_and_special_values_render_exactly() {
    let responses = ok_responses();
    let verify = String::from_utf8(render_response(
        Operation::VerifyPaymentNotice,
        &responses[0],
    ))
    .unwrap();
    assert!(verify.contains("<paymentOptionDescription><amount>12.30</amount><options>EQ</options><dueDate>2030-12-31</dueDate><detailDescription>Refuse tax 2030</detailDescription><allCCP>false</allCCP></paymentOptionDescription>"), "{verify}");
    let get = String::from_utf8(render_response(Operation::GetPayment, &responses[1])).unwrap();
    assert!(
        get.contains("<paymentAmount>300.00</paymentAmount>"),
        "{get}"
    );
    assert!(
        get.contains("<transfer><idTransfer>1</idTransfer><transferAmount>100.00</transferAmount>"),
        "{get}"
    );
    assert!(
        get.contains("<fullName>Mario Rossi &amp; figli &lt;srl&gt;</fullName>"),
        "{get}"
    );
    assert!(
        get.contains("<e-mail>mario.rossi@example.org</e-mail>"),
        "{get}"
    );
    assert!(get.contains("<lastPayment>true</lastPayment>"), "{get}");
    let v2 = String::from_utf8(render_response(Operation::GetPaymentV2, &responses[2])).unwrap();
    assert!(v2.contains("<transferAmount>16.00</transferAmount><fiscalCodePA>77777777777</fiscalCodePA><richiestaMarcaDaBollo><hashDocumento>ZmFrZS1kb2N1bWVudC1oYXNoLXNoYTI1Ni1iYXNlNjQ=</hashDocumento><tipoBollo>01</tipoBollo><provinciaResidenza>RM</provinciaResidenza></richiestaMarcaDaBollo>"), "{v2}");
    assert!(
        v2.contains("<IBAN>IT60X0542811101000000123456</IBAN>"),
        "{v2}"
    );
    assert!(
        v2.contains("<transferAmount>120.50</transferAmount>"),
        "{v2}"
    );
    assert!(v2.contains("<paymentAmount>136.50</paymentAmount>"), "{v2}");
}

#[test]
fn ko_responses_are_schema_valid() {
    for op in Operation::ALL {
        for description in [
            Some("No debt position for notice 302123456789012356 <&>"),
            None,
        ] {
            let xml = ko_response(
                op,
                "PAA_PAGAMENTO_SCONOSCIUTO",
                "Pagamento in attesa risulta sconosciuto all'Ente Creditore",
                "77777777777",
                description,
            );
            xsd::assert_valid_soap_reply(&xml);
            let text = String::from_utf8(xml.clone()).unwrap();
            assert!(text.contains(&format!("<pafn:{}><outcome>KO</outcome><fault><faultCode>PAA_PAGAMENTO_SCONOSCIUTO</faultCode>", op.response_element())), "{text}");
            let response = parse_response(&xml).unwrap();
            assert_eq!(response.operation(), op);
            assert_eq!(response.outcome(), &StOutcomeType::Ko);
            let fault = response.fault().unwrap();
            assert_eq!(fault.id, "77777777777");
            assert_eq!(fault.description.as_deref(), description);
        }
    }
    // Characters XML cannot carry are replaced, so the reply stays valid.
    let xml = ko_response(
        Operation::SendRtV2,
        "PAA_SYSTEM_ERROR",
        "bad \u{1} char ]]> end",
        "",
        None,
    );
    xsd::assert_valid_soap_reply(&xml);
}

#[test]
fn reference_responses_parse() {
    let response = parse_response(&fixture(
        "reference/pagopa-api-200PaVerifyPaymentNotice.xml",
    ))
    .unwrap();
    let SoapResponse::VerifyPaymentNotice(r) = &response else {
        panic!("{response:?}")
    };
    assert_eq!(r.outcome, StOutcomeType::Ok);
    assert!(r.payment_list.is_some());

    let response = parse_response(&fixture("handwritten/paGetPaymentV2Response-OK.xml")).unwrap();
    let SoapResponse::GetPaymentV2(r) = &response else {
        panic!("{response:?}")
    };
    let data = r.data.as_ref().unwrap();
    assert_eq!(data.payment_amount, cents(13650));
    assert!(matches!(
        data.transfer_list.transfer[1].account,
        CtTransferPav2AccountType::RichiestaMarcaDaBollo(_)
    ));
    // Rendering it again gives a valid reply.
    xsd::assert_valid_soap_reply(&render_response(Operation::GetPaymentV2, &response));

    for name in [
        "reference/sanp-paGetPaymentV2Response.xml",
        "reference/sanp-paSendRTV2Response.xml",
        "reference/pagopa-api-200PaSendRT.xml",
        "reference/constructed-KO-paVerifyPaymentNoticeRes.xml",
        "reference/constructed-KO-paSendRTV2Response-duplicate.xml",
        "handwritten/paVerifyPaymentNoticeRes-KO.xml",
        "pagopa-api-SANP2.5.1/200PaVerifyPaymentNotice.xml",
        "pagopa-api-SANP2.5.1/200PaSendRT.xml",
    ] {
        let response = parse_response(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        xsd::assert_valid_soap_reply(&render_response(response.operation(), &response));
    }
    let e = parse_response(&fixture("pagopa-api-SANP2.5.1/200PaGetPayment.xml")).unwrap_err();
    assert!(
        matches!(
            e,
            SoapError::SchemaInvalid {
                operation: Operation::GetPayment,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn render_falls_back_to_ko() {
    let responses = ok_responses();
    // Response of another operation.
    let xml = render_response(Operation::SendRt, &responses[0]);
    xsd::assert_valid_soap_reply(&xml);
    let response = parse_response(&xml).unwrap();
    assert_eq!(response.operation(), Operation::SendRt);
    assert_eq!(response.fault().unwrap().fault_code, "PAA_SYSTEM_ERROR");
    // A value XML cannot carry.
    let SoapResponse::VerifyPaymentNotice(mut verify) = responses[0].clone() else {
        unreachable!()
    };
    verify.company_name = Some("bad \u{0} char".into());
    let response = SoapResponse::VerifyPaymentNotice(verify);
    assert!(try_render_response(&response).is_err());
    let xml = render_response(Operation::VerifyPaymentNotice, &response);
    xsd::assert_valid_soap_reply(&xml);
    assert_eq!(parse_response(&xml).unwrap().outcome(), &StOutcomeType::Ko);
}

#[test]
fn soap_faults() {
    for (code, expected) in [
        ("Client", "soapenv:Client"),
        ("soapenv:Server", "soapenv:Server"),
        ("Client.Xml", "soapenv:Client.Xml"),
        ("PAA_SYSTEM_ERROR", "PAA_SYSTEM_ERROR"),
    ] {
        let xml = soap_fault(code, "unknown operation: <foo> & \"bar\"");
        let text = String::from_utf8(xml.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{NS_SOAP11}"><soapenv:Body><soapenv:Fault><faultcode>{expected}</faultcode><faultstring>unknown operation: &lt;foo&gt; &amp; &quot;bar&quot;</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
            )
        );
        xsd::assert_valid_soap_envelope(&xml);
    }
    // A fault is not a paForNode response.
    assert!(matches!(
        parse_response(&soap_fault("Client", "x")),
        Err(SoapError::UnknownOperation(_))
    ));
}
