//! The operator's pages: onboarding requests, institutions and partners, the audit log.

use actix_web::web;
use maud::html;
use serde::Deserialize;

use super::labels::{it, Labels};
use super::session::{Signed, SignedPost};
use super::views::{csrf, layout, or_dash, when};
use super::{page, refused_page, Notice, PortalError, PortalResult, BASE};
use crate::domain::portal::{self, Role};
use crate::store::portal::{self as store, OnboardingRequest};
use crate::store::{audit, orgs, partners, Db};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(onboarding))
        .route("/admin/onboarding/{id}/approve", web::post().to(approve))
        .route("/admin/onboarding/{id}/reject", web::post().to(reject))
        .route("/admin/registry", web::get().to(registry))
        .route("/admin/audit", web::get().to(audit_log));
}

fn operator(signed: &Signed) -> Result<(), PortalError> {
    match signed.role() {
        Role::Operator => Ok(()),
        _ => Err(PortalError::Forbidden),
    }
}

async fn onboarding_page(db: &Db, signed: &Signed, notice: Option<Notice>) -> PortalResult {
    operator(signed)?;
    let l = it();
    let requests = db.run(|c| store::requests(c, None)).await?;
    let (open, decided): (Vec<_>, Vec<_>) = requests
        .into_iter()
        .partition(|r| r.state == portal::PENDING);
    let markup = layout(
        l,
        l.nav_onboarding,
        Some(signed),
        notice.as_ref(),
        html! {
            h2 { (l.pending_requests) }
            @if open.is_empty() { p { (l.none) } }
            @for r in &open { (request_card(l, signed, r)) }
            h2 { (l.decided_requests) }
            div.scroll { table {
                thead { tr { th { "#" } th { (l.kind) } th { (l.fiscal_code) } th { (l.name) } th { (l.email) } th { (l.state) } th { (l.reason) } th { (l.decided_by) } } }
                tbody { @for r in &decided { tr {
                    td { (r.id) } td { (kind_label(l, &r.kind)) } td { (r.fiscal_code) } td { (r.name) } td { (r.email) }
                    td { (r.state) } td { (or_dash(r.reason.as_deref())) } td { (or_dash(r.decided_by.as_deref())) }
                } } }
            } }
        },
    );
    Ok(match &notice {
        Some(n) if n.is_error() => refused_page(markup),
        _ => page(markup),
    })
}

fn kind_label(l: &Labels, kind: &str) -> &'static str {
    if kind == portal::KIND_PARTNER {
        l.kind_partner
    } else {
        l.kind_institution
    }
}

fn request_card(l: &Labels, signed: &Signed, r: &OnboardingRequest) -> maud::Markup {
    let reason_id = format!("reason-{}", r.id);
    html! {
        article.card.request {
            h3 { (kind_label(l, &r.kind)) " " (r.fiscal_code) " — " (r.name) }
            dl {
                dt { (l.email) } dd { (r.email) }
                @if r.kind == portal::KIND_INSTITUTION {
                    dt { (l.aux_digit) } dd { (r.aux_digit) }
                    dt { (l.segregation_codes) } dd { (if r.segregation_codes.is_empty() { l.any } else { r.segregation_codes.as_str() }) }
                }
                dt { (l.domains) } dd { (if r.taxonomy_domains.is_empty() { l.all } else { r.taxonomy_domains.as_str() }) }
                dt { (l.requested_at) } dd { (when(&r.created_at)) }
            }
            div.actions {
                form method="post" action={ (BASE) "/admin/onboarding/" (r.id) "/approve" } {
                    (csrf(signed.csrf()))
                    button type="submit" { (l.approve) }
                }
                form method="post" action={ (BASE) "/admin/onboarding/" (r.id) "/reject" } {
                    (csrf(signed.csrf()))
                    label for=(reason_id) { (l.reason) }
                    input #(reason_id) name="reason" type="text" required;
                    button.danger type="submit" { (l.reject) }
                }
            }
        }
    }
}

async fn onboarding(db: web::Data<Db>, signed: Signed) -> PortalResult {
    onboarding_page(&db, &signed, None).await
}

async fn approve(
    db: web::Data<Db>,
    id: web::Path<i64>,
    post: SignedPost<std::collections::HashMap<String, String>>,
) -> PortalResult {
    operator(&post.signed)?;
    let (id, actor, now) = (id.into_inner(), post.signed.actor(), post.signed.now);
    let notice = match db.run(move |c| store::approve(c, id, &actor, now)).await {
        Ok(r) => Notice::Done(format!("{} {} {}", it().approved, r.fiscal_code, r.name)),
        Err(e) => Notice::from_error(e)?,
    };
    onboarding_page(&db, &post.signed, Some(notice)).await
}

#[derive(Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    db: web::Data<Db>,
    id: web::Path<i64>,
    post: SignedPost<RejectForm>,
) -> PortalResult {
    operator(&post.signed)?;
    let (id, actor, now) = (id.into_inner(), post.signed.actor(), post.signed.now);
    let reason = post.form.reason;
    let notice = match db
        .run(move |c| store::reject(c, id, &reason, &actor, now))
        .await
    {
        Ok(r) => Notice::Done(format!("{} {} {}", it().rejected, r.fiscal_code, r.name)),
        Err(e) => Notice::from_error(e)?,
    };
    onboarding_page(&db, &post.signed, Some(notice)).await
}

async fn registry(db: web::Data<Db>, signed: Signed) -> PortalResult {
    operator(&signed)?;
    let l = it();
    let (orgs, partners, users) = db
        .run(|c| Ok((orgs::list_orgs(c)?, partners::list(c)?, store::users(c)?)))
        .await?;
    Ok(page(layout(
        l,
        l.nav_registry,
        Some(&signed),
        None,
        html! {
            h2 { (l.institutions) }
            div.scroll { table {
                thead { tr { th { (l.fiscal_code) } th { (l.name) } th { (l.aux_digit) } th { (l.segregation_codes) } } }
                tbody { @for o in &orgs { tr {
                    td { (o.fiscal_code) } td { (o.name) } td { (o.aux_digit) }
                    td { @let codes = o.segregation_codes_text(); (if codes.is_empty() { l.any.to_owned() } else { codes }) }
                } } }
            } }
            h2 { (l.partners) }
            div.scroll { table {
                thead { tr { th { (l.fiscal_code) } th { (l.name) } } }
                tbody { @for p in &partners { tr { td { (p.fiscal_code) } td { (p.name) } } } }
            } }
            h2 { (l.portal_users) }
            div.scroll { table {
                thead { tr { th { (l.email) } th { (l.role) } th { (l.created) } } }
                tbody { @for u in &users { tr {
                    td { (u.email) }
                    td { @match &u.role { Role::Operator => (l.role_operator), Role::Institution(o) => { (l.kind_institution) " " (o) }, Role::Partner(p) => { (l.kind_partner) " " (p) } } }
                    td { (when(&u.created_at)) }
                } } }
            } }
        },
    )))
}

async fn audit_log(db: web::Data<Db>, signed: Signed) -> PortalResult {
    operator(&signed)?;
    let l = it();
    let entries = db.run(|c| audit::list(c, 200)).await?;
    Ok(page(layout(
        l,
        l.nav_audit,
        Some(&signed),
        None,
        html! {
            div.scroll { table {
                thead { tr { th { "#" } th { (l.at) } th { (l.actor) } th { (l.action) } th { (l.subject) } th { (l.detail) } } }
                tbody { @for e in &entries { tr {
                    td { (e.id) } td { (when(&e.at)) } td { (e.actor) } td { (e.action) } td { (e.subject) } td { (e.detail) }
                } } }
            } }
        },
    )))
}
