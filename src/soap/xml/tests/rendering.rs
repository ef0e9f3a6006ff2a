//! Rendering: every reply schema-valid, amounts exact, KO and fault bodies.

use super::*;

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
