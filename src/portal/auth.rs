//! Sign-in, sign-out and sign-up (the onboarding request).

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::labels::{it, Labels};
use super::session::{
    self, base_of, cookie, form_token, AnonPost, Signed, SignedPost, FORM_COOKIE, SESSION_COOKIE,
};
use super::views::{csrf, field, layout};
use super::{page, refused_page, see_other, Notice, PortalConfig, PortalResult, BASE};
use crate::domain::access::Principal;
use crate::domain::portal::{self, LoginEmail, NewPassword, OnboardingDraft, Role};
use crate::store::portal::{self as store, SignIn};
use crate::store::{taxonomy, Db};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/signup", web::get().to(signup_form))
        .route("/signup", web::post().to(signup));
}

/// `/portal`: the user's home, or the sign-in page.
pub async fn start(req: HttpRequest) -> HttpResponse {
    match Signed::extract(&req).await {
        Ok(signed) => see_other(&home_of(signed.role())),
        Err(_) => see_other(&format!("{BASE}/login")),
    }
}

fn home_of(role: &Role) -> String {
    match role {
        Role::Operator => format!("{BASE}/admin"),
        Role::Institution(org) => base_of(&Principal::Institution(org.clone())),
        Role::Partner(p) => base_of(&Principal::Partner(p.clone())),
    }
}

/// A page with an anonymous form: the form cookie is set when the browser has none.
fn anon_page(
    req: &HttpRequest,
    render: impl FnOnce(&str) -> Markup,
    status_ok: bool,
) -> HttpResponse {
    let (token, new) = form_token(req);
    let markup = render(&token);
    let mut res = if status_ok {
        page(markup)
    } else {
        refused_page(markup)
    };
    if new {
        // A fresh token can only come with a fresh cookie.
        let _ = res.add_cookie(&cookie(req, FORM_COOKIE, token));
    }
    res
}

fn login_view(l: &Labels, token: &str, email: &str, notice: Option<&Notice>) -> Markup {
    layout(
        l,
        l.sign_in,
        None,
        notice,
        html! {
            form.card method="post" action={ (BASE) "/login" } {
                (csrf(token))
                (field("email", l.email, "email", email, true, None))
                (field("password", l.password, "password", "", true, None))
                button type="submit" { (l.sign_in) }
            }
            p { (l.no_account) " " a href={ (BASE) "/signup" } { (l.sign_up) } }
        },
    )
}

async fn login_form(req: HttpRequest) -> HttpResponse {
    anon_page(&req, |t| login_view(it(), t, "", None), true)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<PortalConfig>,
    post: AnonPost<LoginForm>,
) -> PortalResult {
    let l = it();
    let AnonPost { form, now } = post;
    let email = form.email.clone();
    let policy = config.policy;
    let outcome = db
        .run(move |c| store::sign_in(c, &form.email, &form.password, &policy, now))
        .await?;
    let refused = |text: &str| {
        let notice = Notice::Error(text.to_owned());
        anon_page(&req, |t| login_view(l, t, &email, Some(&notice)), false)
    };
    match outcome {
        SignIn::Signed(new) => {
            let mut res = see_other(&home_of(&new.user.role));
            let _ = res.add_cookie(&cookie(&req, SESSION_COOKIE, new.token));
            log::info!("portal: {} signed in", new.user.email);
            Ok(res)
        }
        SignIn::Refused => Ok(refused(l.err_sign_in)),
        SignIn::Throttled => {
            log::warn!("portal: sign-in throttled for {email}");
            Ok(refused(l.err_throttled))
        }
    }
}

async fn logout(
    req: HttpRequest,
    db: web::Data<Db>,
    post: SignedPost<std::collections::HashMap<String, String>>,
) -> PortalResult {
    let (id, now) = (post.signed.session.id, post.signed.now);
    db.run(move |c| store::end_session(c, id, now)).await?;
    let mut res = see_other(&format!("{BASE}/login"));
    let _ = res.add_cookie(&session::removal(&req));
    Ok(res)
}

#[derive(Deserialize, Default)]
struct SignupForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    segregation_codes: String,
    #[serde(default)]
    aux_digit: String,
    #[serde(default)]
    domains: String,
}

fn signup_view(
    l: &Labels,
    token: &str,
    f: &SignupForm,
    codes: &[String],
    notice: Option<&Notice>,
) -> Markup {
    let kind = if f.kind.is_empty() {
        portal::KIND_INSTITUTION
    } else {
        f.kind.as_str()
    };
    let aux = if f.aux_digit.is_empty() {
        "3"
    } else {
        f.aux_digit.as_str()
    };
    layout(
        l,
        l.sign_up,
        None,
        notice,
        html! {
            p { (l.signup_intro) }
            form.card method="post" action={ (BASE) "/signup" } {
                (csrf(token))
                fieldset {
                    legend { (l.applicant_kind) }
                    label { input type="radio" name="kind" value=(portal::KIND_INSTITUTION) checked[kind == portal::KIND_INSTITUTION]; " " (l.kind_institution) }
                    label { input type="radio" name="kind" value=(portal::KIND_PARTNER) checked[kind == portal::KIND_PARTNER]; " " (l.kind_partner) }
                }
                (field("fiscal_code", l.fiscal_code, "text", &f.fiscal_code, true, Some(l.fiscal_code_hint)))
                (field("name", l.name, "text", &f.name, true, None))
                (field("email", l.contact_email, "email", &f.email, true, Some(l.contact_email_hint)))
                (field("password", l.password, "password", "", true, Some(l.password_hint)))
                fieldset {
                    legend { (l.institution_only) }
                    (field("segregation_codes", l.segregation_codes, "text", &f.segregation_codes, false, Some(l.segregation_codes_hint)))
                    div.field {
                        label for="aux_digit" { (l.aux_digit) }
                        select #aux_digit name="aux_digit" {
                            @for d in ["0", "1", "2", "3"] { option value=(d) selected[d == aux] { (d) } }
                        }
                    }
                }
                div.field {
                    label for="domains" { (l.domains) }
                    input #domains name="domains" type="text" value=(f.domains) list="taxonomy-codes" aria-describedby="domains-hint";
                    small #domains-hint { (l.domains_hint) }
                    datalist #taxonomy-codes { @for c in codes { option value=(c) {} } }
                }
                button type="submit" { (l.send_request) }
            }
        },
    )
}

async fn taxonomy_codes(db: &Db) -> Vec<String> {
    db.run(|c| taxonomy::list(c, None))
        .await
        .map(|entries| entries.into_iter().map(|e| e.code.to_string()).collect())
        .unwrap_or_default()
}

async fn signup_form(req: HttpRequest, db: web::Data<Db>) -> HttpResponse {
    let codes = taxonomy_codes(&db).await;
    anon_page(
        &req,
        |t| signup_view(it(), t, &SignupForm::default(), &codes, None),
        true,
    )
}

async fn signup(req: HttpRequest, db: web::Data<Db>, post: AnonPost<SignupForm>) -> PortalResult {
    let l = it();
    let AnonPost { form, now } = post;
    let draft = OnboardingDraft {
        kind: form.kind.clone(),
        fiscal_code: form.fiscal_code.clone(),
        name: form.name.clone(),
        segregation_codes: form.segregation_codes.clone(),
        aux_digit: form.aux_digit.clone(),
        domains: form.domains.clone(),
    };
    let checked = (|| {
        let onboarding = draft.validate()?;
        let email = LoginEmail::parse("email", &form.email)?;
        let password = NewPassword::parse("password", &form.password)?;
        Ok::<_, crate::domain::DomainError>((onboarding, email, password))
    })();
    let result = match checked {
        Ok((onboarding, email, password)) => {
            db.run(move |c| {
                let hash = password.hash()?;
                store::submit(c, &onboarding, &email, &hash, now)
            })
            .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(page(layout(
            l,
            l.request_sent,
            None,
            Some(&Notice::Done(l.request_sent_text.to_owned())),
            html! {
                p { a href={ (BASE) "/login" } { (l.sign_in) } }
            },
        ))),
        Err(e) => {
            let notice = Notice::from_error(e)?;
            let codes = taxonomy_codes(&db).await;
            Ok(anon_page(
                &req,
                |t| signup_view(l, t, &form, &codes, Some(&notice)),
                false,
            ))
        }
    }
}
