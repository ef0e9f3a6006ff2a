"""The portal in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven
by selenium against the real binary, on a fresh database (GPD_TEST_DATABASE_URL, default a
temporary SQLite file). Every page visited is saved as a PNG under GPD_SCREENSHOTS (default
target/portal-screenshots/<backend>/)."""

import base64
import os
import pathlib
import re
import socket
import subprocess
import tempfile
import time

import xml.etree.ElementTree as ET

import pytest
import requests
import xmlschema
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("GPD_BIN", str(ROOT / "target" / "debug" / "gpd-gateway"))
DB_URL = os.environ.get("GPD_TEST_DATABASE_URL", "")
BACKEND = "mysql" if DB_URL.startswith("mysql") else "sqlite"
PA_FOR_NODE = xmlschema.XMLSchema(str(ROOT / "xsd" / "paForNode.xsd"))
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
SHOTS = pathlib.Path(os.environ.get("GPD_SCREENSHOTS", ROOT / "target" / "portal-screenshots" / BACKEND))
OPERATOR, OPERATOR_PW = "operatore@pagopa.example", "operator-password-1"
ORG, ORG_EMAIL, ORG_PW = "12345678901", "ragioneria@comune.example", "institution-password-1"
PARTNER, PARTNER_EMAIL, PARTNER_PW = "15376371009", "tech@partner.example", "partner-password-1"
STATION = "15376371009_01"
PASSWORDS = [OPERATOR_PW, ORG_PW, PARTNER_PW, "wrong-password-9"]
state = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(db_url, *args, stdin=None):
    out = subprocess.run([BIN, *args], env={**os.environ, "DATABASE_URL": db_url, "RUST_LOG": "warn"},
                         input=stdin, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def gateway():
    tmp = tempfile.TemporaryDirectory()
    db_url = DB_URL or f"sqlite://{tmp.name}/portal.db"
    out = cli(db_url, "admin", "add", "--email", OPERATOR, stdin=OPERATOR_PW + "\n")
    assert OPERATOR_PW not in out
    port = free_port()
    log = open(f"{tmp.name}/server.log", "w")
    proc = subprocess.Popen([BIN, "serve", "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=log,
                            env={**os.environ, "DATABASE_URL": db_url, "RUST_LOG": "debug"})
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
    yield {"base": base, "db": db_url, "log": f"{tmp.name}/server.log"}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
    tmp.cleanup()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    yield driver
    driver.quit()


def shot(driver, name):
    state["n"] = state.get("n", 0) + 1
    driver.save_screenshot(str(SHOTS / f"{state['n']:02d}-{name}.png"))


def visit(driver, gateway, path, name):
    driver.get(gateway["base"] + path)
    shot(driver, name)


def fill(driver, values):
    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        if element.get_attribute("type") == "radio":
            driver.find_element(By.CSS_SELECTOR, f"input[name='{name}'][value='{value}']").click()
        elif element.tag_name == "select":
            element.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            element.clear()
            element.send_keys(value)


def submit(driver, name, form="main form.card"):
    driver.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()
    shot(driver, name)


def text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def sign_in(driver, gateway, email, password, name):
    driver.delete_all_cookies()
    visit(driver, gateway, "/portal/login", f"{name}-login")
    fill(driver, {"email": email, "password": password})
    submit(driver, f"{name}-signed-in")


def rest(gateway, method, path, key, **kw):
    return requests.request(method, gateway["base"] + path, headers={"Ocp-Apim-Subscription-Key": key}, **kw)


def test_sign_up_as_institution_and_partner(gateway, browser):
    visit(browser, gateway, "/portal/signup", "signup")
    fill(browser, {"kind": "institution", "fiscal_code": ORG, "name": "Comune di Esempio", "email": ORG_EMAIL,
                   "password": ORG_PW, "segregation_codes": "07", "aux_digit": "3", "domains": "0101"})
    submit(browser, "signup-sent")
    assert "La richiesta è in attesa di approvazione" in text(browser)
    visit(browser, gateway, "/portal/signup", "signup-partner")
    fill(browser, {"kind": "partner", "fiscal_code": PARTNER, "name": "Partner Tecnologico Srl",
                   "email": PARTNER_EMAIL, "password": PARTNER_PW})
    submit(browser, "signup-partner-sent")
    assert "La richiesta è in attesa di approvazione" in text(browser)


def test_operator_approves(gateway, browser):
    sign_in(browser, gateway, OPERATOR, OPERATOR_PW, "operator")
    assert "Richieste in attesa" in text(browser)
    for _ in range(2):
        browser.find_element(By.CSS_SELECTOR, "article.request form button[type=submit]").click()
        shot(browser, "operator-approved")
        assert "Richiesta approvata" in text(browser)
    visit(browser, gateway, "/portal/admin/registry", "operator-registry")
    assert "Comune di Esempio" in text(browser) and "Partner Tecnologico Srl" in text(browser)
    cli(gateway["db"], "station", "add", "--broker", PARTNER, "--station", STATION, "--org", ORG)


def test_institution_key_works_until_revoked(gateway, browser):
    sign_in(browser, gateway, ORG_EMAIL, ORG_PW, "institution")
    assert "Posizioni per stato" in text(browser)
    visit(browser, gateway, f"/portal/org/{ORG}/keys", "keys")
    fill(browser, {"label": "gestionale TARI"})
    submit(browser, "key-created")
    key = browser.find_element(By.ID, "secret").text
    assert re.fullmatch(r"gpd_[0-9a-f]{12}_[0-9a-f]{48}", key)
    state["org_key"] = key
    assert rest(gateway, "GET", f"/organizations/{ORG}/debtpositions", key).status_code == 200
    # A second key stays for the steps below.
    fill(browser, {"label": "altro"})
    submit(browser, "key-created-2")
    state["org_key"] = browser.find_element(By.ID, "secret").text
    visit(browser, gateway, f"/portal/org/{ORG}/keys", "keys-list")
    assert key not in browser.page_source
    browser.find_element(By.CSS_SELECTOR, f"a[href$='/keys/{key[4:16]}/revoke']").click()
    shot(browser, "key-revoke-confirm")
    browser.find_element(By.CSS_SELECTOR, "main form button.danger").click()
    shot(browser, "key-revoked")
    assert "Chiave revocata" in text(browser)
    assert rest(gateway, "GET", f"/organizations/{ORG}/debtpositions", key).status_code == 401


def position(iupd, iuv, category, description="TARI 2030"):
    return {"iupd": iupd, "type": "F", "fiscalCode": "RSSMRA80A01H501U", "fullName": "Mario Rossi",
            "companyName": "Comune di Esempio", "switchToExpired": False,
            "paymentOption": [{"iuv": iuv, "amount": 1230, "description": description, "isPartialPayment": False,
                               "dueDate": "2030-12-31T23:59:59",
                               "transfer": [{"idTransfer": "1", "amount": 1230, "remittanceInformation": "TARI",
                                             "category": category, "iban": "IT60X0542811101000000123456"}]}]}


def test_positions_are_searchable_and_escaped(gateway, browser):
    key = state["org_key"]
    r = rest(gateway, "POST", f"/organizations/{ORG}/debtpositions?toPublish=true", key,
             json=position("TARI-1", "07000000000000184", "9/0101108TS/", "<script>alert(1)</script>"))
    assert r.status_code == 201, r.text
    visit(browser, gateway, f"/portal/org/{ORG}/positions", "positions")
    fill(browser, {"by": "iupd", "q": "TARI-1"})
    browser.find_element(By.CSS_SELECTOR, "form.search button").click()
    shot(browser, "position")
    assert "<script>alert(1)</script>" in text(browser)  # shown as text, not run
    assert "&lt;script&gt;" in browser.page_source
    visit(browser, gateway, f"/portal/org/{ORG}", "home")


def test_delegation_and_partner_scope(gateway, browser):
    visit(browser, gateway, f"/portal/org/{ORG}/delegations", "delegations")
    fill(browser, {"partner": PARTNER, "scope": "0101108"})
    submit(browser, "delegation-granted")
    assert f"Delega concessa al partner {PARTNER}: 0101108" in text(browser)
    sign_in(browser, gateway, PARTNER_EMAIL, PARTNER_PW, "partner")
    assert ORG in text(browser) and "0101108" in text(browser)
    visit(browser, gateway, f"/portal/partner/{PARTNER}/keys", "partner-keys")
    fill(browser, {"label": "partner"})
    submit(browser, "partner-key-created")
    pkey = browser.find_element(By.ID, "secret").text
    assert rest(gateway, "GET", f"/organizations/{ORG}/debtpositions/TARI-1", pkey).status_code == 200
    out = rest(gateway, "POST", f"/organizations/{ORG}/debtpositions", pkey,
               json=position("ROAD-1", "07000000000000281", "9/0201109AP/"))
    assert out.status_code == 403, out.text
    visit(browser, gateway, f"/portal/org/{ORG}/keys", "partner-refused-org-page")
    assert "Non hai accesso a questa pagina." in text(browser)


def test_webhook_set_and_rotate(gateway, browser):
    sign_in(browser, gateway, ORG_EMAIL, ORG_PW, "institution-again")
    visit(browser, gateway, f"/portal/org/{ORG}/webhook", "webhook")
    fill(browser, {"url": "https://ec.example/hooks/pagopa"})
    submit(browser, "webhook-set")
    first = browser.find_element(By.ID, "secret").text
    assert first.startswith("whsec_")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/webhook/rotate'] button").click()
    shot(browser, "webhook-rotated")
    second = browser.find_element(By.ID, "secret").text
    assert second.startswith("whsec_") and second != first


def test_service_created_in_the_portal_is_payable(gateway, browser):
    visit(browser, gateway, f"/portal/org/{ORG}/services/edit", "service-new")
    fill(browser, {"service_id": "DIR01", "name": "Diritti di segreteria", "description": "Diritti di segreteria",
                   "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456", "amount": "12,30",
                   "p0_name": "pratica", "p0_type": "STRING", "p0_pattern": "[A-Z]{2}[0-9]{4}"})
    browser.find_element(By.ID, "p0_required").click()
    submit(browser, "service-saved")
    assert "Servizio salvato: DIR01" in text(browser)
    payload = base64.b64encode(b'<service xmlns="http://PuntoAccessoPSP.spcoop.gov.it/GeneralService">'
                               b'<pratica>AB1234</pratica></service>').decode()
    envelope = f"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
      xmlns:nod="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Body><nod:paDemandPaymentNoticeRequest>
      <idPA>{ORG}</idPA><idBrokerPA>{PARTNER}</idBrokerPA><idStation>{STATION}</idStation>
      <idServizio>DIR01</idServizio><idSoggettoServizio>00001</idSoggettoServizio>
      <datiSpecificiServizioRequest>{payload}</datiSpecificiServizioRequest>
      </nod:paDemandPaymentNoticeRequest></soapenv:Body></soapenv:Envelope>"""
    r = requests.post(gateway["base"] + "/paForNode", data=envelope.encode(),
                      headers={"SOAPAction": "paDemandPaymentNotice", "Content-Type": "text/xml"})
    assert "<outcome>OK</outcome>" in r.text, r.text
    reply = list(ET.fromstring(r.content).find(SOAP_BODY))[0]
    PA_FOR_NODE.validate(ET.tostring(reply, encoding="unicode"))
    assert "<amount>12.30</amount>" in r.text
    assert re.search(r"<noticeNumber>307\d{15}</noticeNumber>", r.text)


def test_csrf_and_cross_institution_refused(gateway, browser):
    visit(browser, gateway, "/portal/org/77777777777/keys", "cross-institution")
    assert "Non hai accesso a questa pagina." in text(browser)
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    before = rest(gateway, "GET", f"/organizations/{ORG}/debtpositions", state["org_key"]).status_code
    for form in [{"label": "x"}, {"label": "x", "csrf": "0" * 64}]:
        r = requests.post(f"{gateway['base']}/portal/org/{ORG}/keys", data=form, cookies=cookies,
                          allow_redirects=False)
        assert r.status_code == 403
    visit(browser, gateway, f"/portal/org/{ORG}/keys", "keys-after-csrf")
    assert browser.page_source.count("/revoke\"") == 1  # only the key kept above is active
    assert before == 200


def test_wrong_password_five_times_throttles(gateway, browser):
    for i in range(5):
        sign_in(browser, gateway, ORG_EMAIL, "wrong-password-9", f"wrong-{i + 1}")
        assert "E-mail o password errate." in text(browser)
    sign_in(browser, gateway, ORG_EMAIL, ORG_PW, "throttled")
    assert "Troppi tentativi falliti: riprova tra 15 minuti." in text(browser)


def test_passwords_never_logged(gateway):
    log = pathlib.Path(gateway["log"]).read_text()
    assert "POST /portal/login" in log
    for password in PASSWORDS:
        assert password not in log
