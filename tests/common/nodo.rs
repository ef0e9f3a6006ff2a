//! Envelopes as the Nodo sends them, and a client that validates every reply against the XSD.
#![allow(dead_code)]

use gpd_gateway::soap::{parse_response, SoapResponse};

use super::{TestApp, ORG_A};

pub const BROKER: &str = "15376371009";
pub const STATION: &str = "15376371009_01";

pub fn envelope(payload: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:nod="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Header/><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn caller(id_pa: &str) -> String {
    format!("<idPA>{id_pa}</idPA><idBrokerPA>{BROKER}</idBrokerPA><idStation>{STATION}</idStation>")
}

pub fn verify(id_pa: &str, notice: &str) -> String {
    envelope(&format!(
        "<nod:paVerifyPaymentNoticeReq>{}<qrCode><fiscalCode>{id_pa}</fiscalCode><noticeNumber>{notice}</noticeNumber></qrCode></nod:paVerifyPaymentNoticeReq>",
        caller(id_pa)
    ))
}

/// paGetPayment (`v2` false) or paGetPaymentV2, with an optional transferType.
pub fn get_payment(id_pa: &str, notice: &str, v2: bool, transfer_type: Option<&str>) -> String {
    let element = if v2 {
        "paGetPaymentV2Request"
    } else {
        "paGetPaymentReq"
    };
    let tt = transfer_type
        .map(|t| format!("<transferType>{t}</transferType>"))
        .unwrap_or_default();
    envelope(&format!(
        "<nod:{element}>{}<qrCode><fiscalCode>{id_pa}</fiscalCode><noticeNumber>{notice}</noticeNumber></qrCode><amount>12.30</amount>{tt}</nod:{element}>",
        caller(id_pa)
    ))
}

/// A receipt for `notice` of `ORG_A` (paSendRTV2 when `v2`), paying 12.30 with a 1.50 fee.
pub fn send_rt(notice: &str, receipt_id: &str, v2: bool) -> String {
    send_rt_for(ORG_A, ORG_A, notice, receipt_id, v2, "OK")
}

pub fn send_rt_for(
    id_pa: &str,
    owner: &str,
    notice: &str,
    receipt_id: &str,
    v2: bool,
    outcome: &str,
) -> String {
    let element = if v2 {
        "paSendRTV2Request"
    } else {
        "paSendRTReq"
    };
    let iuv = &notice[1..];
    let company = if v2 {
        "<companyName>Comune di Prova</companyName>"
    } else {
        ""
    };
    let v2_fees = if v2 {
        "<primaryCiIncurredFee>0.50</primaryCiIncurredFee><idBundle>b1</idBundle>"
    } else {
        ""
    };
    envelope(&format!(
        "<nod:{element}>{caller}<receipt><receiptId>{receipt_id}</receiptId><noticeNumber>{notice}</noticeNumber>\
<fiscalCode>{owner}</fiscalCode><outcome>{outcome}</outcome><creditorReferenceId>{iuv}</creditorReferenceId>\
<paymentAmount>12.30</paymentAmount><description>Tassa rifiuti 2030</description><companyName>Comune di Prova</companyName>\
<debtor><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>\
<entityUniqueIdentifierValue>RSSMRA80A01H501U</entityUniqueIdentifierValue></uniqueIdentifier><fullName>Mario Rossi</fullName></debtor>\
<transferList><transfer><idTransfer>1</idTransfer><transferAmount>10.30</transferAmount><fiscalCodePA>{owner}</fiscalCodePA>\
{company}<IBAN>IT60X0542811101000000123456</IBAN><remittanceInformation>Tassa rifiuti</remittanceInformation>\
<transferCategory>9/0101108TS/</transferCategory></transfer><transfer><idTransfer>2</idTransfer><transferAmount>2.00</transferAmount>\
<fiscalCodePA>99999999999</fiscalCodePA>{company}<IBAN>IT60X0542811101000000654321</IBAN>\
<remittanceInformation>Tributo provinciale</remittanceInformation><transferCategory>9/0201109AP/</transferCategory></transfer></transferList>\
<idPSP>BCITITMM</idPSP><pspFiscalCode>00799960158</pspFiscalCode><PSPCompanyName>Intesa Sanpaolo</PSPCompanyName>\
<idChannel>00799960158_01</idChannel><channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod>\
<fee>1.50</fee>{v2_fees}<paymentDateTime>2026-11-20T10:30:00</paymentDateTime><applicationDate>2026-11-20</applicationDate>\
</receipt></nod:{element}>",
        caller = caller(id_pa)
    ))
}

/// paDemandPaymentNotice for service `service` with `payload` as datiSpecificiServizioRequest.
pub fn demand(id_pa: &str, service: &str, payload: &str) -> String {
    envelope(&format!(
        "<nod:paDemandPaymentNoticeRequest>{}<idServizio>{service}</idServizio><idSoggettoServizio>00001</idSoggettoServizio><datiSpecificiServizioRequest>{payload}</datiSpecificiServizioRequest></nod:paDemandPaymentNoticeRequest>",
        caller(id_pa)
    ))
}

pub struct SoapReply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl SoapReply {
    /// The typed response; panics unless the reply is a schema-valid paForNode response.
    pub fn response(&self) -> SoapResponse {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        super::xsd::assert_valid_soap_reply(&self.body);
        parse_response(&self.body).expect("a paForNode response")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The fault code of a KO reply (validated), or "OK".
    pub fn fault_code(&self) -> String {
        let response = self.response();
        match response.fault() {
            Some(f) => f.fault_code.clone(),
            None => "OK".to_owned(),
        }
    }
}

impl TestApp {
    pub fn add_station(&self, org: &str, version: i32) {
        let url = gpd_gateway::store::DatabaseUrl::parse(&self.database_url).unwrap();
        let mut conn = gpd_gateway::store::connect_single(&url).unwrap();
        let org = gpd_gateway::domain::OrgFiscalCode::parse("org", org).unwrap();
        gpd_gateway::store::stations::add_station(
            &mut conn,
            BROKER,
            STATION,
            &org,
            version,
            gpd_gateway::domain::now(),
        )
        .unwrap();
    }

    pub async fn soap(&self, action: Option<&str>, body: impl Into<Vec<u8>>) -> SoapReply {
        let mut req = self
            .client
            .post(self.url("/paForNode"))
            .header("Content-Type", "text/xml; charset=utf-8");
        if let Some(action) = action {
            req = req.header("SOAPAction", action);
        }
        let res = req
            .body(body.into())
            .send()
            .await
            .expect("SOAP request sent");
        SoapReply {
            status: res.status().as_u16(),
            body: res.bytes().await.unwrap().to_vec(),
        }
    }
}
