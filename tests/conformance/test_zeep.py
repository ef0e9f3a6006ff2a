"""Conformance: the official WSDL driven by zeep against the real gateway.

The gateway binary is started on a fresh database (GPD_TEST_DATABASE_URL, default a temporary
SQLite file); the WSDL is loaded from the gateway itself (GET /paForNode?wsdl) and every raw reply
is validated against xsd/paForNode.xsd with xmlschema.
"""

import datetime
import decimal
import os
import pathlib
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import pytest
import requests
import xmlschema
import zeep
from zeep.plugins import HistoryPlugin

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("GPD_BIN", str(ROOT / "target" / "debug" / "gpd-gateway"))
ORG = "77777777777"
BROKER = "15376371009"
STATION_V2 = "15376371009_02"
SOAP_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
SCHEMA = xmlschema.XMLSchema(str(ROOT / "xsd" / "paForNode.xsd"))


def iuv(n):
    body = "02" + f"{n:013d}"
    return body + f"{int('3' + body) % 93:02d}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(db_url, *args):
    out = subprocess.run([BIN, *args], env={**os.environ, "DATABASE_URL": db_url, "RUST_LOG": "warn"},
                         capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture(scope="module")
def gateway():
    tmp = tempfile.TemporaryDirectory()
    db_url = os.environ.get("GPD_TEST_DATABASE_URL") or f"sqlite://{tmp.name}/zeep.db"
    cli(db_url, "org", "add", "--fiscal-code", ORG, "--name", "Comune di Prova", "--office", "Tributi",
        "--segregation-code", "02")
    key = cli(db_url, "key", "create", "--org", ORG).strip().splitlines()[-1]
    cli(db_url, "station", "add", "--broker", BROKER, "--station", STATION_V2, "--org", ORG, "--version", "2")
    port = free_port()
    proc = subprocess.Popen([BIN, "serve", "--bind", f"127.0.0.1:{port}"],
                            env={**os.environ, "DATABASE_URL": db_url, "RUST_LOG": "warn"})
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("gateway did not start")
    yield base, key
    proc.terminate()
    proc.wait(timeout=10)
    tmp.cleanup()


def create_position(base, key, iupd, option_iuv, stamp=False):
    transfers = [{"idTransfer": "1", "amount": 1030, "remittanceInformation": "TARI 2030",
                  "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456",
                  "postalIban": "IT60X0760103200000000123456",
                  "transferMetadata": [{"key": "capitolo", "value": "1234"}]}]
    second = {"idTransfer": "2", "amount": 200, "remittanceInformation": "Bollo",
              "category": "9/0301116TS/", "companyName": "Comune di Prova"}
    if stamp:
        second["stamp"] = {"hashDocument": "wHpFSLCGZjIvNSXxqtGbxg7275t446DRTk5ZrsdUQ6E=",
                           "stampType": "01", "provincialResidence": "RM"}
    else:
        second["iban"] = "IT60X0542811101000000654321"
    transfers.append(second)
    body = {"iupd": iupd, "type": "F", "fiscalCode": "RSSMRA80A01H501U", "fullName": "Mario Rossi",
            "city": "Roma", "province": "RM", "country": "IT", "email": "mario.rossi@example.it",
            "switchToExpired": False, "companyName": "Comune di Prova", "officeName": "Tributi",
            "paymentOption": [{"iuv": option_iuv, "amount": 1230, "description": "TARI 2030 rata unica",
                               "isPartialPayment": False, "dueDate": "2030-12-31T23:59:59",
                               "paymentOptionMetadata": [{"key": "anno", "value": "2030"}],
                               "transfer": transfers}]}
    r = requests.post(f"{base}/organizations/{ORG}/debtpositions?toPublish=true", json=body,
                      headers={"Ocp-Apim-Subscription-Key": key})
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def client(gateway):
    base, _ = gateway
    history = HistoryPlugin()
    c = zeep.Client(f"{base}/paForNode?wsdl", plugins=[history])
    return c, history




def raw_valid(history):
    from lxml import etree
    body = history.last_received["envelope"].find(f"{SOAP_ENV}Body")
    payload = list(body)[0]
    SCHEMA.validate(etree.tostring(payload).decode())
    return payload


def caller():
    return {"idPA": ORG, "idBrokerPA": BROKER, "idStation": STATION_V2}


def qr(n):
    return {"fiscalCode": ORG, "noticeNumber": "3" + iuv(n)}


def receipt(n, receipt_id, v2=True, nav=None):
    transfer = [{"idTransfer": 1, "transferAmount": decimal.Decimal("10.30"), "fiscalCodePA": ORG,
                 "IBAN": "IT60X0542811101000000123456", "remittanceInformation": "TARI 2030",
                 "transferCategory": "9/0101108TS/"},
                {"idTransfer": 2, "transferAmount": decimal.Decimal("2.00"), "fiscalCodePA": ORG,
                 "IBAN": "IT60X0542811101000000654321", "remittanceInformation": "Bollo",
                 "transferCategory": "9/0301116TS/"}]
    nav = nav or "3" + iuv(n)
    return {
        "receiptId": receipt_id, "noticeNumber": nav, "fiscalCode": ORG, "outcome": "OK",
        "creditorReferenceId": nav[1:], "paymentAmount": decimal.Decimal("12.30"),
        "description": "TARI 2030 rata unica", "companyName": "Comune di Prova", "officeName": "Tributi",
        "debtor": {"uniqueIdentifier": {"entityUniqueIdentifierType": "F",
                                        "entityUniqueIdentifierValue": "RSSMRA80A01H501U"},
                   "fullName": "Mario Rossi"},
        "transferList": {"transfer": transfer},
        "idPSP": "BCITITMM", "pspFiscalCode": "00799960158", "PSPCompanyName": "Intesa Sanpaolo",
        "idChannel": "00799960158_01", "channelDescription": "app",
        "paymentMethod": "creditCard", "fee": decimal.Decimal("1.50"),
        "paymentDateTime": datetime.datetime(2026, 11, 20, 10, 30, 0),
        "applicationDate": datetime.date(2026, 11, 20), "transferDate": datetime.date(2026, 11, 21),
    }


def test_verify_get_payment_and_receipts(gateway, client):
    base, key = gateway
    c, history = client
    create_position(base, key, "ZEEP-1", iuv(1))
    create_position(base, key, "ZEEP-2", iuv(2), stamp=True)
    svc = c.service

    res = svc.paVerifyPaymentNotice(**caller(), qrCode=qr(1))
    raw_valid(history)
    assert res.outcome == "OK"
    option = res.paymentList.paymentOptionDescription
    assert option.amount == decimal.Decimal("12.30")
    assert option.options == "EQ"
    assert option.dueDate == datetime.date(2030, 12, 31)
    assert option.allCCP is False
    assert option.detailDescription == "TARI 2030 rata unica"
    assert res.paymentDescription == "TARI 2030 rata unica"
    assert res.fiscalCodePA == ORG
    assert res.companyName == "Comune di Prova"
    assert res.officeName == "Tributi"

    res = svc.paGetPayment(**caller(), qrCode=qr(1), amount=decimal.Decimal("12.30"))
    raw_valid(history)
    assert res.outcome == "OK"
    assert res.data.creditorReferenceId == iuv(1)
    assert res.data.paymentAmount == decimal.Decimal("12.30")
    assert [t.transferAmount for t in res.data.transferList.transfer] == [decimal.Decimal("10.30"), decimal.Decimal("2.00")]
    assert res.data.transferList.transfer[0].IBAN == "IT60X0542811101000000123456"
    assert res.data.debtor.uniqueIdentifier.entityUniqueIdentifierValue == "RSSMRA80A01H501U"
    assert res.data.debtor.stateProvinceRegion == "RM"

    res = svc.paGetPaymentV2(**caller(), qrCode=qr(2), amount=decimal.Decimal("12.30"))
    raw_valid(history)
    assert res.outcome == "OK"
    stamp = res.data.transferList.transfer[1].richiestaMarcaDaBollo
    assert stamp.tipoBollo == "01"
    assert stamp.provinciaResidenza == "RM"
    assert res.data.companyName == "Comune di Prova"
    assert res.data.metadata.mapEntry[0].key == "anno"

    # A stamp cannot be expressed in V1: a clear semantic KO.
    res = svc.paGetPayment(**caller(), qrCode=qr(2))
    raw_valid(history)
    assert res.outcome == "KO"
    assert res.fault.faultCode == "PAA_SEMANTICA"

    res = svc.paSendRTV2(**caller(), receipt=receipt(1, "rcpt-zeep-1"))
    raw_valid(history)
    assert res.outcome == "OK"
    res = svc.paSendRTV2(**caller(), receipt=receipt(1, "rcpt-zeep-1"))
    assert res.outcome == "OK", "the same receipt again is acknowledged"
    res = svc.paSendRTV2(**caller(), receipt=receipt(1, "rcpt-zeep-other"))
    raw_valid(history)
    assert res.outcome == "KO"
    assert res.fault.faultCode == "PAA_RECEIPT_DUPLICATA"

    got = requests.get(f"{base}/organizations/{ORG}/debtpositions/ZEEP-1",
                       headers={"Ocp-Apim-Subscription-Key": key}).json()
    assert got["status"] == "PAID"
    option = got["paymentOption"][0]
    assert option["status"] == "PO_PAID"
    assert option["paymentDate"] == "2026-11-20T10:30:00"
    assert option["pspCompany"] == "Intesa Sanpaolo"
    assert option["idReceipt"] == "rcpt-zeep-1"
    assert option["fee"] == 150

    res = svc.paVerifyPaymentNotice(**caller(), qrCode=qr(1))
    raw_valid(history)
    assert res.outcome == "KO"
    assert res.fault.faultCode == "PAA_PAGAMENTO_DUPLICATO"
    assert res.fault.id == ORG

    v1 = receipt(2, "rcpt-zeep-2")
    v1["transferList"]["transfer"][1]["IBAN"] = "IT60X0542811101000000654321"
    res = svc.paSendRT(**caller(), receipt=v1)
    raw_valid(history)
    assert res.outcome == "OK"
    got = requests.get(f"{base}/organizations/{ORG}/paymentoptions/3{iuv(2)}",
                       headers={"Ocp-Apim-Subscription-Key": key}).json()
    assert got["status"] == "PO_PAID"
    assert got["idReceipt"] == "rcpt-zeep-2"


def test_caller_checks(gateway, client):
    c, history = client
    svc = c.service
    res = svc.paVerifyPaymentNotice(idPA="11111111111", idBrokerPA=BROKER, idStation=STATION_V2, qrCode=qr(1))
    raw_valid(history)
    assert res.fault.faultCode == "PAA_ID_DOMINIO_ERRATO"
    res = svc.paVerifyPaymentNotice(idPA=ORG, idBrokerPA="99999999999", idStation=STATION_V2, qrCode=qr(1))
    assert res.fault.faultCode == "PAA_ID_INTERMEDIARIO_ERRATO"
    res = svc.paVerifyPaymentNotice(idPA=ORG, idBrokerPA=BROKER, idStation="15376371009_99", qrCode=qr(1))
    assert res.fault.faultCode == "PAA_STAZIONE_INT_ERRATA"
    res = svc.paVerifyPaymentNotice(**caller(), qrCode={"fiscalCode": ORG, "noticeNumber": "399999999999999999"})
    raw_valid(history)
    assert res.fault.faultCode == "PAA_PAGAMENTO_SCONOSCIUTO"


def test_spontaneous_payment(gateway, client):
    base, key = gateway
    c, history = client
    service = {"name": "Diritti di segreteria", "description": "Diritti di segreteria",
               "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456", "amount": 1230,
               "properties": [{"name": "pratica", "type": "STRING", "required": True}]}
    r = requests.put(f"{base}/organizations/{ORG}/services/DIR01", json=service,
                     headers={"Ocp-Apim-Subscription-Key": key})
    assert r.status_code == 201, r.text
    payload = b'<gs:service xmlns:gs="http://PuntoAccessoPSP.spcoop.gov.it/GeneralService"><pratica>AB1234</pratica></gs:service>'
    svc = c.service
    res = svc.paDemandPaymentNotice(**caller(), idServizio="DIR01", idSoggettoServizio="00001",
                                    datiSpecificiServizioRequest=payload)
    raw_valid(history)
    assert res.outcome == "OK", res
    nav = res.qrCode.noticeNumber
    assert res.qrCode.fiscalCode == ORG
    assert nav.startswith("302") and len(nav) == 18
    assert int(nav[:16]) % 93 == int(nav[16:])
    assert res.paymentList.paymentOptionDescription.amount == decimal.Decimal("12.30")
    assert res.paymentDescription == "Diritti di segreteria"
    assert res.companyName == "Comune di Prova"

    qr_code = {"fiscalCode": ORG, "noticeNumber": nav}
    res = svc.paVerifyPaymentNotice(**caller(), qrCode=qr_code)
    raw_valid(history)
    assert res.outcome == "OK"
    res = svc.paGetPaymentV2(**caller(), qrCode=qr_code, amount=decimal.Decimal("12.30"))
    raw_valid(history)
    assert res.outcome == "OK"
    assert res.data.debtor.uniqueIdentifier.entityUniqueIdentifierValue == "ANONIMO"
    res = svc.paSendRTV2(**caller(), receipt=receipt(0, "rcpt-zeep-spont", nav=nav))
    raw_valid(history)
    assert res.outcome == "OK"
    got = requests.get(f"{base}/organizations/{ORG}/paymentoptions/{nav}",
                       headers={"Ocp-Apim-Subscription-Key": key}).json()
    assert got["status"] == "PO_PAID"

    res = svc.paDemandPaymentNotice(**caller(), idServizio="NOPE1", idSoggettoServizio="00001",
                                    datiSpecificiServizioRequest=payload)
    raw_valid(history)
    assert res.fault.faultCode == "PAA_PAGAMENTO_SCONOSCIUTO"
    res = svc.paDemandPaymentNotice(**caller(), idServizio="DIR01", idSoggettoServizio="00001",
                                    datiSpecificiServizioRequest=b"<service/>")
    raw_valid(history)
    assert res.fault.faultCode == "PAA_SINTASSI_XSD"
