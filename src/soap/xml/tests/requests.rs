//! Requests: hand-written samples, pagoPA fixtures, and invalid fixtures.

use super::*;

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
    // Children qualified through a default namespace: invalid for the XSD, refused as such.
    let text =
        String::from_utf8(fixture("handwritten/INVALID-default-namespace.payload.xml")).unwrap();
    assert!(matches!(
        parse_request(&envelope(&text), None),
        Err(SoapError::SchemaInvalid { detail, .. }) if detail.contains("is not allowed")
    ));
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
