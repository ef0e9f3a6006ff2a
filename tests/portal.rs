//! The portal over HTTP against the real server, on SQLite and MariaDB: onboarding, sign-in,
//! sessions, CSRF, who may see what, escaping, security headers, throttling, the audit log.

mod common;

use std::collections::HashMap;

use common::{iuv, position, TestApp, ORG_A, ORG_B};
use gpd_gateway::domain::portal::{LoginEmail, NewPassword, OnboardingDraft};
use gpd_gateway::store::portal as portal_store;
use gpd_gateway::store::{self, audit, keys, DatabaseUrl};
use serde_json::json;

const OPERATOR: &str = "ops@pagopa.example";
const OPERATOR_PW: &str = "operator-password-1";
const USER_A: &str = "tributi@comune-a.example";
const USER_A_PW: &str = "institution-pw-A1";

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

/// A browser without JavaScript: keeps cookies, does not follow redirects.
struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let res = req
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        for set in res.headers().get_all("set-cookie") {
            let text = set.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        Page {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields);
        self.send(req).await
    }

    /// GETs `page`, then POSTs the form to `action` with the page's CSRF token.
    async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = csrf_of(&self.get(page).await.body);
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.submit(
            "/portal/login",
            "/portal/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

fn csrf_of(body: &str) -> String {
    let re = regex::Regex::new(r#"name="csrf" value="([0-9a-f]{64})""#).unwrap();
    re.captures(body).expect("a form with a CSRF token")[1].to_owned()
}

fn conn(app: &TestApp) -> store::DbConnection {
    store::connect_single(&DatabaseUrl::parse(&app.database_url).unwrap()).unwrap()
}

fn add_operator(app: &TestApp) {
    let hash = NewPassword::parse("pw", OPERATOR_PW)
        .unwrap()
        .hash()
        .unwrap();
    portal_store::add_operator(
        &mut conn(app),
        &LoginEmail::parse("email", OPERATOR).unwrap(),
        &hash,
        "test",
        gpd_gateway::domain::now(),
    )
    .unwrap();
}

/// A portal user of ORG_A (registered by the harness), through an approved request.
fn add_user_a(app: &TestApp) {
    let mut c = conn(app);
    let draft = OnboardingDraft {
        kind: "institution".into(),
        fiscal_code: ORG_A.into(),
        name: format!("Comune {ORG_A}"),
        aux_digit: "3".into(),
        ..OnboardingDraft::default()
    };
    let hash = NewPassword::parse("pw", USER_A_PW).unwrap().hash().unwrap();
    let now = gpd_gateway::domain::now();
    let id = portal_store::submit(
        &mut c,
        &draft.validate().unwrap(),
        &LoginEmail::parse("email", USER_A).unwrap(),
        &hash,
        now,
    )
    .unwrap();
    portal_store::approve(&mut c, id, "test", now).unwrap();
}

fn location(page: &Page) -> &str {
    page.headers
        .get("location")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

async fn onboarding_then_a_key_that_works_until_revoked(app: TestApp) {
    add_operator(&app);
    let mut applicant = Browser::new(&app);
    let signup = applicant
        .submit(
            "/portal/signup",
            "/portal/signup",
            &[
                ("kind", "institution"),
                ("fiscal_code", "12345678901"),
                ("name", "Comune di Esempio"),
                ("email", "Ragioneria@Esempio.example"),
                ("password", "a-long-password-1"),
                ("segregation_codes", "07"),
                ("aux_digit", "3"),
                ("domains", "0101"),
            ],
        )
        .await;
    assert_eq!(signup.status, 200, "{}", signup.body);
    assert!(signup.body.contains("Richiesta inviata"));
    // Not yet approved: no sign-in.
    let early = applicant
        .sign_in("ragioneria@esempio.example", "a-long-password-1")
        .await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("E-mail o password errate."));

    let mut operator = Browser::new(&app);
    let signed = operator.sign_in(OPERATOR, OPERATOR_PW).await;
    assert_eq!((signed.status, location(&signed)), (303, "/portal/admin"));
    let admin = operator.get("/portal/admin").await;
    assert!(admin.body.contains("12345678901"), "{}", admin.body);
    let id = portal_store::requests(&mut conn(&app), Some("PENDING")).unwrap()[0].id;
    let approved = operator
        .submit(
            "/portal/admin",
            &format!("/portal/admin/onboarding/{id}/approve"),
            &[],
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert!(approved
        .body
        .contains("Richiesta approvata: 12345678901 Comune di Esempio"));
    let org = gpd_gateway::store::orgs::find_org(&mut conn(&app), "12345678901")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            org.name.as_str(),
            org.aux_digit,
            org.segregation_codes_text()
        ),
        ("Comune di Esempio", 3, "07".to_owned())
    );

    let signed = applicant
        .sign_in("ragioneria@esempio.example", "a-long-password-1")
        .await;
    assert_eq!(
        (signed.status, location(&signed)),
        (303, "/portal/org/12345678901")
    );
    let home = applicant.get("/portal/org/12345678901").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let created = applicant
        .submit(
            "/portal/org/12345678901/keys",
            "/portal/org/12345678901/keys",
            &[("label", "gestionale"), ("scope", ""), ("expires", "")],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let secret = regex::Regex::new(r#"<code id="secret">(gpd_[0-9a-f]{12}_[0-9a-f]{48})</code>"#)
        .unwrap()
        .captures(&created.body)
        .expect("the key, shown once")[1]
        .to_owned();
    // Shown once: the list does not show it again.
    let list = applicant.get("/portal/org/12345678901/keys").await;
    assert!(!list.body.contains(&secret));
    let path = "/organizations/12345678901/debtpositions";
    let ok = app
        .send(reqwest::Method::GET, path, Some(&secret), None)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    let key_id = &secret[4..16];
    let confirm = applicant
        .get(&format!("/portal/org/12345678901/keys/{key_id}/revoke"))
        .await;
    assert!(confirm.body.contains("Vuoi davvero revocare la chiave?"));
    let revoked = applicant
        .submit(
            &format!("/portal/org/12345678901/keys/{key_id}/revoke"),
            &format!("/portal/org/12345678901/keys/{key_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.body.contains(&format!("Chiave revocata: {key_id}")));
    let refused = app
        .send(reqwest::Method::GET, path, Some(&secret), None)
        .await;
    assert_eq!(refused.status, 401);

    let actions: Vec<(String, String)> = audit::list(&mut conn(&app), 20)
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action))
        .rev()
        .collect();
    let user = "portal:ragioneria@esempio.example".to_owned();
    assert!(
        actions.ends_with(&[
            (
                "ragioneria@esempio.example".to_owned(),
                "onboarding.request".to_owned()
            ),
            (
                format!("portal:{OPERATOR}"),
                "onboarding.approve".to_owned()
            ),
            (user.clone(), "key.create".to_owned()),
            (user, "key.revoke".to_owned()),
        ]),
        "{actions:?}"
    );
}

async fn other_institutions_and_roles_are_refused(app: TestApp) {
    add_user_a(&app);
    add_operator(&app);
    let mut a = Browser::new(&app);
    assert_eq!(a.sign_in(USER_A, USER_A_PW).await.status, 303);
    assert_eq!(
        a.get(&format!("/portal/org/{ORG_A}/keys")).await.status,
        200
    );
    let token = csrf_of(&a.get(&format!("/portal/org/{ORG_A}")).await.body);
    for path in [
        "",
        "/keys",
        "/delegations",
        "/webhook",
        "/services",
        "/positions",
        "/stations",
    ] {
        let page = a.get(&format!("/portal/org/{ORG_B}{path}")).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("Non hai accesso a questa pagina."));
    }
    assert_eq!(a.get(&format!("/portal/partner/{ORG_B}")).await.status, 403);
    assert_eq!(a.get("/portal/admin").await.status, 403);
    assert_eq!(a.get("/portal/admin/audit").await.status, 403);
    // A valid token of A's session does not open B's forms.
    let before = keys::list(&mut conn(&app), None).unwrap().len();
    let post = a
        .post(
            &format!("/portal/org/{ORG_B}/keys"),
            &[("csrf", &token), ("label", "x")],
        )
        .await;
    assert_eq!(post.status, 403);
    assert_eq!(keys::list(&mut conn(&app), None).unwrap().len(), before);
    // An operator does not act as an institution.
    let mut ops = Browser::new(&app);
    ops.sign_in(OPERATOR, OPERATOR_PW).await;
    assert_eq!(
        ops.get(&format!("/portal/org/{ORG_A}/keys")).await.status,
        403
    );
    // Without a session: to the sign-in page, and nothing changes.
    let mut anon = Browser::new(&app);
    let page = anon.get(&format!("/portal/org/{ORG_A}/keys")).await;
    assert_eq!((page.status, location(&page)), (303, "/portal/login"));
    let post = anon
        .post(
            &format!("/portal/org/{ORG_A}/keys"),
            &[("csrf", &token), ("label", "x")],
        )
        .await;
    assert_eq!(post.status, 303);
    assert_eq!(keys::list(&mut conn(&app), None).unwrap().len(), before);
}

async fn forms_without_the_right_token_change_nothing(app: TestApp) {
    add_user_a(&app);
    let mut a = Browser::new(&app);
    a.sign_in(USER_A, USER_A_PW).await;
    let before = keys::list(&mut conn(&app), None).unwrap().len();
    let keys_path = format!("/portal/org/{ORG_A}/keys");
    let missing = a.post(&keys_path, &[("label", "x")]).await;
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("Il modulo è scaduto o non è valido"));
    let wrong = a
        .post(&keys_path, &[("csrf", &"0".repeat(64)), ("label", "x")])
        .await;
    assert_eq!(wrong.status, 403);
    let webhook = a
        .post(
            &format!("/portal/org/{ORG_A}/webhook"),
            &[("csrf", "x"), ("url", "https://evil.example/")],
        )
        .await;
    assert_eq!(webhook.status, 403);
    assert_eq!(keys::list(&mut conn(&app), None).unwrap().len(), before);
    assert!(
        gpd_gateway::store::webhooks::get(&mut conn(&app), &ORG_A.parse_org())
            .unwrap()
            .is_none()
    );
    // Sign-in needs the form cookie's token too.
    let mut other = Browser::new(&app);
    let login = other
        .post(
            "/portal/login",
            &[
                ("csrf", &"1".repeat(64)),
                ("email", USER_A),
                ("password", USER_A_PW),
            ],
        )
        .await;
    assert_eq!(login.status, 403);
    // Logout ends the session server-side: the old cookie opens nothing.
    let cookie = a.cookies.get("gpd_portal").unwrap().clone();
    let out = a.submit(&keys_path, "/portal/logout", &[]).await;
    assert_eq!((out.status, location(&out)), (303, "/portal/login"));
    a.cookies.insert("gpd_portal".into(), cookie);
    assert_eq!(a.get(&keys_path).await.status, 303);
}

trait ParseOrg {
    fn parse_org(&self) -> gpd_gateway::domain::OrgFiscalCode;
}

impl ParseOrg for &str {
    fn parse_org(&self) -> gpd_gateway::domain::OrgFiscalCode {
        gpd_gateway::domain::OrgFiscalCode::parse("fc", self).unwrap()
    }
}

async fn html_is_escaped_and_headers_are_set(app: TestApp) {
    add_user_a(&app);
    let mut body = position("XSS-1", &iuv(1));
    body["paymentOption"][0]["description"] = json!("<script>alert(1)</script>");
    body["fullName"] = json!("Mario <b>Rossi</b>");
    app.create(&body, true).await;
    let mut a = Browser::new(&app);
    a.sign_in(USER_A, USER_A_PW).await;
    let page = a
        .get(&format!("/portal/org/{ORG_A}/positions?by=iupd&q=XSS-1"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("Mario &lt;b&gt;Rossi&lt;/b&gt;"));
    // The status history, from the position's events, oldest first.
    let invalidated = app
        .post(
            &format!("/organizations/{ORG_A}/debtpositions/XSS-1/invalidate"),
            None,
        )
        .await;
    assert_eq!(invalidated.status, 200);
    let again = a
        .get(&format!("/portal/org/{ORG_A}/positions?by=iupd&q=XSS-1"))
        .await;
    let history = again
        .body
        .split("Storia della posizione")
        .nth(1)
        .unwrap_or_default();
    let created = history.find("<code>position.created</code>");
    let published = history.find("<code>position.published</code>");
    let cancelled = history.find("<code>position.invalidated</code>");
    assert!(
        created.is_some() && created <= published && published < cancelled,
        "{history}"
    );
    for p in [&page, &a.get("/portal/login").await] {
        let h = |name: &str| p.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            h("content-security-policy").as_deref(),
            Some("default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
        );
        assert_eq!(h("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(h("referrer-policy").as_deref(), Some("same-origin"));
        assert_eq!(h("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(h("cache-control").as_deref(), Some("no-store"));
        assert!(!p.body.contains("<script>") && !p.body.contains(" style="));
    }
    let set = a.get("/portal/login").await;
    let _ = set;
    let mut fresh = Browser::new(&app);
    let login = fresh.get("/portal/login").await;
    let cookie = login.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/portal"),
        "{cookie}"
    );
}

async fn five_wrong_passwords_throttle_for_fifteen_minutes(app: TestApp) {
    add_user_a(&app);
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        let p = b.sign_in(USER_A, "wrong-password-1").await;
        assert!(p.body.contains("E-mail o password errate."));
    }
    let p = b.sign_in(USER_A, USER_A_PW).await;
    assert_eq!(p.status, 400);
    assert!(p
        .body
        .contains("Troppi tentativi falliti: riprova tra 15 minuti."));
    app.clock.advance(chrono::Duration::minutes(16));
    let p = b.sign_in(USER_A, USER_A_PW).await;
    assert_eq!(
        (p.status, location(&p)),
        (303, format!("/portal/org/{ORG_A}").as_str())
    );
    // Idle for 31 minutes: the session is over.
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(b.get(&format!("/portal/org/{ORG_A}")).await.status, 303);
}

async fn delegations_webhook_and_services_from_the_portal(app: TestApp) {
    add_user_a(&app);
    common::gpd(
        &app.database_url,
        &[
            "partner",
            "add",
            "--fiscal-code",
            "15376371009",
            "--name",
            "Partner Srl",
        ],
    );
    let mut a = Browser::new(&app);
    a.sign_in(USER_A, USER_A_PW).await;
    let base = format!("/portal/org/{ORG_A}");
    let granted = a
        .submit(
            &format!("{base}/delegations"),
            &format!("{base}/delegations"),
            &[("partner", "15376371009"), ("scope", "0101")],
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert!(granted
        .body
        .contains("Delega concessa al partner 15376371009: 0101"));
    let bad = a
        .submit(
            &format!("{base}/delegations"),
            &format!("{base}/delegations"),
            &[("partner", "15376371009"), ("scope", "01011")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("&#39;01011&#39; is not a taxonomy prefix")
            || bad.body.contains("'01011' is not a taxonomy prefix"),
        "{}",
        bad.body
    );
    let set = a
        .submit(
            &format!("{base}/webhook"),
            &format!("{base}/webhook"),
            &[("url", "https://ec.example/hooks")],
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let first = regex::Regex::new(r#"<code id="secret">(whsec_[0-9a-f]{64})</code>"#).unwrap();
    let s1 = first.captures(&set.body).expect("secret shown once")[1].to_owned();
    let rotated = a
        .submit(
            &format!("{base}/webhook"),
            &format!("{base}/webhook/rotate"),
            &[],
        )
        .await;
    let s2 = first.captures(&rotated.body).expect("new secret")[1].to_owned();
    assert_ne!(s1, s2);
    let stored = gpd_gateway::store::webhooks::get(&mut conn(&app), &ORG_A.parse_org())
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.url.as_str(), stored.secret.as_str()),
        ("https://ec.example/hooks", s2.as_str())
    );
    let saved = a
        .submit(
            &format!("{base}/services/edit"),
            &format!("{base}/services"),
            &[
                ("service_id", "DIR01"),
                ("name", "Diritti"),
                ("description", "Diritti di segreteria"),
                ("category", "9/0101108TS/"),
                ("iban", "IT60X0542811101000000123456"),
                ("amount", "12,30"),
                ("enabled", "on"),
                ("p0_name", "pratica"),
                ("p0_type", "STRING"),
                ("p0_required", "on"),
                ("p0_pattern", "[A-Z]{2}[0-9]{4}"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let def = app
        .get(&format!("/organizations/{ORG_A}/services/DIR01"))
        .await;
    assert_eq!(def.body["amount"], 1230);
    assert_eq!(def.body["properties"][0]["pattern"], "[A-Z]{2}[0-9]{4}");
    // An amount chosen by the citizen within bounds, with a described property and a causale.
    let saved = a
        .submit(
            &format!("{base}/services/edit"),
            &format!("{base}/services"),
            &[
                ("service_id", "OFF01"),
                ("name", "Offerta"),
                ("description", "Offerta libera"),
                ("category", "9/0101108TS/"),
                ("iban", "IT60X0542811101000000123456"),
                ("remittance_information", "Offerta libera"),
                ("min_amount", "5,00"),
                ("max_amount", "500"),
                ("enabled", "on"),
                ("p0_name", "importo"),
                ("p0_type", "AMOUNT"),
                ("p0_required", "on"),
                ("p0_description", "Importo offerto"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let def = app
        .get(&format!("/organizations/{ORG_A}/services/OFF01"))
        .await;
    assert_eq!(def.body["minAmount"], 500, "{}", def.body);
    assert_eq!(def.body["maxAmount"], 50000);
    assert_eq!(def.body["remittanceInformation"], "Offerta libera");
    assert_eq!(def.body["properties"][0]["description"], "Importo offerto");
    let form = a.get(&format!("{base}/services/edit?id=OFF01")).await;
    assert!(form.body.contains(r#"value="5,00""#), "{}", form.body);
    assert!(form.body.contains(r#"value="Importo offerto""#));
    let xsd = a.get(&format!("{base}/services/DIR01/xsd")).await;
    assert_eq!(xsd.status, 200);
    assert!(xsd.body.contains("pratica"));
    let actions: Vec<String> = audit::list(&mut conn(&app), 10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for wanted in [
        "delegation.grant",
        "webhook.set",
        "webhook.rotate-secret",
        "service.put",
    ] {
        assert!(
            actions.contains(&wanted.to_owned()),
            "{wanted}: {actions:?}"
        );
    }
}

both_backends!(
    onboarding_then_a_key_that_works_until_revoked,
    other_institutions_and_roles_are_refused,
    forms_without_the_right_token_change_nothing,
    html_is_escaped_and_headers_are_set,
    five_wrong_passwords_throttle_for_fifteen_minutes,
    delegations_webhook_and_services_from_the_portal,
);
