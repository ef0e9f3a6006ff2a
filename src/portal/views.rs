//! The page frame and the pieces every page uses. maud escapes every value it renders.

use maud::{html, Markup, DOCTYPE};

use super::labels::Labels;
use super::session::{base_of, Signed, CSRF_FIELD};
use super::{Notice, BASE};
use crate::domain::access::Principal;
use crate::domain::portal::Role;

/// The whole page: header with the user's menu, the notice, the content.
pub fn layout(
    l: &Labels,
    title: &str,
    who: Option<&Signed>,
    notice: Option<&Notice>,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (l.portal_name) }
                link rel="stylesheet" href={ (BASE) "/static/portal.css" };
                script src={ (BASE) "/static/portal.js" } defer {}
            }
            body {
                a.skip href="#main" { (l.skip_to_content) }
                header.top {
                    a.brand href={ (BASE) "/" } { (l.portal_name) }
                    @if let Some(who) = who {
                        nav aria-label=(l.menu) {
                            ul {
                                @for (href, text) in menu(l, who.role()) {
                                    li { a href=(href) { (text) } }
                                }
                            }
                        }
                        form.logout method="post" action={ (BASE) "/logout" } {
                            (csrf(who.csrf()))
                            span.who { (who.session.user.email) }
                            button type="submit" { (l.sign_out) }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    @if let Some(n) = notice { (notice_box(l, n)) }
                    (content)
                }
            }
        }
    }
}

fn menu(l: &Labels, role: &Role) -> Vec<(String, &'static str)> {
    match role {
        Role::Operator => vec![
            (format!("{BASE}/admin"), l.nav_onboarding),
            (format!("{BASE}/admin/registry"), l.nav_registry),
            (format!("{BASE}/admin/audit"), l.nav_audit),
        ],
        Role::Institution(org) => {
            let b = base_of(&Principal::Institution(org.clone()));
            vec![
                (b.clone(), l.nav_home),
                (format!("{b}/positions"), l.nav_positions),
                (format!("{b}/keys"), l.nav_keys),
                (format!("{b}/delegations"), l.nav_delegations),
                (format!("{b}/webhook"), l.nav_webhook),
                (format!("{b}/services"), l.nav_services),
                (format!("{b}/stations"), l.nav_stations),
            ]
        }
        Role::Partner(p) => {
            let b = base_of(&Principal::Partner(p.clone()));
            vec![
                (b.clone(), l.nav_delegations),
                (format!("{b}/keys"), l.nav_keys),
            ]
        }
    }
}

pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

pub fn notice_box(l: &Labels, notice: &Notice) -> Markup {
    match notice {
        Notice::Done(text) => html! { p.notice.done role="status" { (text) } },
        Notice::Error(text) => {
            html! { p.notice.error role="alert" { strong { (l.error) ": " } (text) } }
        }
        Notice::Secret { title, value } => html! {
            section.notice.secret role="status" {
                h2 { (title) }
                p { (l.shown_once) }
                p { code #secret { (value) } }
                button type="button" data-copy="secret" data-done=(l.copied) { (l.copy) }
            }
        },
    }
}

/// A labelled text input.
pub fn field(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    required: bool,
    hint: Option<&str>,
) -> Markup {
    let hint_id = format!("{id}-hint");
    html! {
        div.field {
            label for=(id) { (label) @if required { " *" } }
            input #(id) name=(id) type=(kind) value=(value) required[required]
                aria-describedby=[hint.map(|_| hint_id.as_str())];
            @if let Some(h) = hint { small #(hint_id) { (h) } }
        }
    }
}

pub fn error_page(l: &Labels, message: &str) -> Markup {
    layout(
        l,
        l.error,
        None,
        Some(&Notice::Error(message.to_owned())),
        html! {
            p { a href={ (BASE) "/" } { (l.back_home) } }
        },
    )
}

pub fn or_dash(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

/// Euro-cents as `12,30 €`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{},{:02} €", c / 100, c % 100)
}

pub fn when(at: &chrono::NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}
