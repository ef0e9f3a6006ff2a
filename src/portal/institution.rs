//! The pages of an institution (`/portal/org/{fc}`) and of a partner (`/portal/partner/{fc}`):
//! home, API keys, delegations, webhook, stations, services, positions.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::Duration;
use maud::{html, Markup};
use serde::Deserialize;

use super::labels::{it, Labels};
use super::session::{Acting, Post};
use super::views::{csrf, euros, field, layout, or_dash, when};
use super::{page, refused_page, Notice, PortalError, PortalResult};
use crate::domain::access::{key_expired, KeyLabel, PartnerFiscalCode, Principal, Scope};
use crate::domain::portal as rules;
use crate::domain::service::{PropertyDraft, ServiceDraft, ServiceId};
use crate::domain::time::parse_date;
use crate::domain::{DomainError, OrgFiscalCode, Position, PositionStatus};
use crate::store::events as store_events;
use crate::store::keys::{self, KeyOptions};
use crate::store::portal as store;
use crate::store::positions::{self, ListFilter};
use crate::store::receipts::{self, ReceiptFilter};
use crate::store::{delegations, orgs, services, stations, taxonomy, webhooks, Db, StoreError};

const OWNER: &str = "/{kind:org|partner}/{fc}";
const ORG: &str = "/{kind:org}/{fc}";

pub fn routes(cfg: &mut web::ServiceConfig) {
    let r = |tail: &str, base: &str| format!("{base}{tail}");
    cfg.route(&r("", OWNER), web::get().to(home))
        .route(&r("/keys", OWNER), web::get().to(keys_get))
        .route(&r("/keys", OWNER), web::post().to(key_create))
        .route(
            &r("/keys/{key}/revoke", OWNER),
            web::get().to(key_revoke_confirm),
        )
        .route(&r("/keys/{key}/revoke", OWNER), web::post().to(key_revoke))
        .route(&r("/delegations", ORG), web::get().to(delegations_get))
        .route(&r("/delegations", ORG), web::post().to(delegation_grant))
        .route(
            &r("/delegations/{partner}/revoke", ORG),
            web::post().to(delegation_revoke),
        )
        .route(&r("/webhook", ORG), web::get().to(webhook_get))
        .route(&r("/webhook", ORG), web::post().to(webhook_set))
        .route(&r("/webhook/rotate", ORG), web::post().to(webhook_rotate))
        .route(
            &r("/events/{event}/redeliver", ORG),
            web::post().to(redeliver),
        )
        .route(&r("/stations", ORG), web::get().to(stations_get))
        .route(&r("/services", ORG), web::get().to(services_get))
        .route(&r("/services", ORG), web::post().to(service_save))
        .route(&r("/services/edit", ORG), web::get().to(service_form))
        .route(
            &r("/services/{service}/xsd", ORG),
            web::get().to(service_xsd),
        )
        .route(&r("/positions", ORG), web::get().to(positions_get))
        .route(&r("/receipts/{iuv}", ORG), web::get().to(receipt));
}

type Form = HashMap<String, String>;

fn text<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// The page, answered 400 when it shows a refusal.
fn answer(notice: Option<&Notice>, markup: Markup) -> HttpResponse {
    match notice {
        Some(n) if n.is_error() => refused_page(markup),
        _ => page(markup),
    }
}

fn done_or(result: Result<Notice, StoreError>) -> Result<Notice, PortalError> {
    result.or_else(Notice::from_error)
}

// --- home ---------------------------------------------------------------------------------

async fn home(db: web::Data<Db>, acting: Acting) -> PortalResult {
    match acting.principal.clone() {
        Principal::Institution(org) => org_home(&db, &acting, org).await,
        Principal::Partner(partner) => partner_home(&db, &acting, partner).await,
    }
}

struct Dashboard {
    counts: Vec<(PositionStatus, i64)>,
    days: Vec<(chrono::NaiveDate, i64, i64)>,
    events: Vec<store::EventRow>,
    failed: Vec<store::EventRow>,
}

async fn org_home(db: &Db, acting: &Acting, org: OrgFiscalCode) -> PortalResult {
    let l = it();
    let now = acting.signed.now;
    let d = db
        .run(move |c| {
            let mut counts = Vec::new();
            for status in PositionStatus::ALL {
                let filter = ListFilter {
                    status: vec![*status],
                    ..ListFilter::default()
                };
                counts.push((*status, positions::count(c, &org, &filter, now)?));
            }
            let since = now - Duration::days(30);
            let filter = ReceiptFilter {
                from: Some(since),
                page_size: 10_000,
                ..ReceiptFilter::default()
            };
            let (paid, _) = receipts::list(c, &org, &filter)?;
            let mut days = Vec::new();
            for i in (0..30).rev() {
                let day = (now - Duration::days(i)).date();
                let of_day = paid
                    .iter()
                    .filter(|r| r.payment_date_time.map(|t| t.date()) == Some(day));
                let (n, sum) = of_day.fold((0, 0), |(n, s), r| (n + 1, s + r.amount));
                days.push((day, n, sum));
            }
            Ok(Dashboard {
                counts,
                days,
                events: store::latest_events(c, &org, false, 10)?,
                failed: store::latest_events(c, &org, true, 10)?,
            })
        })
        .await?;
    let total: i64 = d.days.iter().map(|(_, _, s)| s).sum();
    let count: i64 = d.days.iter().map(|(_, n, _)| n).sum();
    Ok(page(layout(
        l,
        l.nav_home,
        Some(&acting.signed),
        None,
        html! {
            h2 { (l.positions_by_status) }
        section.tiles aria-label=(l.positions_by_status) {
                @for (status, n) in &d.counts {
                    div.tile { span.n { (n) } span { (status) } }
                }
            }
            h2 { (l.payments_30_days) }
            p { (count) " " (l.payments) " · " (euros(total)) }
            (chart(l, &d.days))
            h2 { (l.recent_events) }
            (events_table(l, acting, &d.events, false))
            h2 { (l.failed_deliveries) }
            @if d.failed.is_empty() { p { (l.none) } } @else { (events_table(l, acting, &d.failed, true)) }
        },
    )))
}

/// Payments per day as an SVG bar chart (attributes, not styles: nothing inline for the CSP).
fn chart(l: &Labels, days: &[(chrono::NaiveDate, i64, i64)]) -> Markup {
    let max = days.iter().map(|(_, n, _)| *n).max().unwrap_or(0).max(1);
    let (w, h) = (300i64, 80i64);
    let bar = w / days.len().max(1) as i64;
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (w) " " (h + 2) } role="img" aria-label=(l.payments_30_days) {
                @for (i, (day, n, sum)) in days.iter().enumerate() {
                    @let bh = n * h / max;
                    rect x=(i as i64 * bar + 1) y=(h - bh) width=(bar - 2) height=(bh.max(1)) {
                        title { (day) ": " (n) " · " (euros(*sum)) }
                    }
                }
            }
            figcaption { (l.chart_caption) }
        }
    }
}

fn events_table(
    l: &Labels,
    acting: &Acting,
    events: &[store::EventRow],
    redeliver: bool,
) -> Markup {
    html! {
        @if events.is_empty() { p { (l.none) } } @else {
            div.scroll { table {
                thead { tr { th { (l.at) } th { (l.event) } th { "IUPD" } th { (l.state) } th { (l.attempts) } th { (l.last_status) } @if redeliver { th { (l.action) } } } }
                tbody { @for e in events { tr {
                    td { (when(&e.created_at)) } td { (e.event_type) } td { (e.iupd) } td { (e.state) } td { (e.attempts) }
                    td { (or_dash(e.last_status)) @if let Some(err) = &e.last_error { " " small { (err) } } }
                    @if redeliver { td {
                        form method="post" action={ (acting.base()) "/events/" (e.event_id) "/redeliver" } {
                            (csrf(acting.signed.csrf()))
                            button type="submit" { (l.redeliver) }
                        }
                    } }
                } } }
            } }
        }
    }
}

async fn partner_home(db: &Db, acting: &Acting, partner: PartnerFiscalCode) -> PortalResult {
    let l = it();
    let (list, catalog) = db
        .run(move |c| {
            Ok((
                delegations::list(c, Some(&Principal::Partner(partner)), false)?,
                taxonomy::catalog(c)?,
            ))
        })
        .await?;
    Ok(page(layout(
        l,
        l.delegations_to_you,
        Some(&acting.signed),
        None,
        html! {
            @if list.is_empty() { p { (l.no_delegations) } } @else {
                div.scroll { table {
                    thead { tr { th { (l.institution) } th { (l.scope) } th { (l.granted) } } }
                    tbody { @for d in &list { tr { td { (d.org) } td { (catalog.name_scope(&d.scope)) } td { (when(&d.granted_at)) } } } }
                } }
            }
        },
    )))
}

// --- API keys -----------------------------------------------------------------------------

async fn keys_page(db: &Db, acting: &Acting, notice: Option<Notice>) -> PortalResult {
    let l = it();
    let owner = acting.principal.clone();
    let (list, catalog) = db
        .run(move |c| Ok((keys::list(c, Some(&owner))?, taxonomy::catalog(c)?)))
        .await?;
    let now = acting.signed.now;
    let markup = layout(
        l,
        l.nav_keys,
        Some(&acting.signed),
        notice.as_ref(),
        html! {
            form.card method="post" action={ (acting.base()) "/keys" } {
                h2 { (l.new_key) }
                (csrf(acting.signed.csrf()))
                (field("label", l.label, "text", "", false, None))
                (field("scope", l.scope, "text", "", false, Some(l.scope_hint)))
                (field("expires", l.expires, "date", "", false, Some(l.expires_hint)))
                button type="submit" { (l.create_key) }
            }
            div.scroll { table {
                thead { tr { th { (l.key_id) } th { (l.label) } th { (l.scope) } th { (l.created) } th { (l.expires) } th { (l.last_used) } th { (l.state) } th { (l.action) } } }
                tbody { @for k in &list { tr {
                    td { code { (k.key_id) } } td { (or_dash(k.label.as_deref())) } td { (catalog.name_scope(&k.scope)) }
                    td { (when(&k.created_at)) } td { (or_dash(k.expires_at)) } td { (or_dash(k.last_used_at.as_ref().map(when))) }
                    td { @if k.revoked_at.is_some() { (l.revoked) } @else if key_expired(k.expires_at, now) { (l.expired) } @else { (l.active) } }
                    td { @if k.revoked_at.is_none() { a href={ (acting.base()) "/keys/" (k.key_id) "/revoke" } { (l.revoke) } } }
                } } }
            } }
        },
    );
    Ok(answer(notice.as_ref(), markup))
}

async fn keys_get(db: web::Data<Db>, acting: Acting) -> PortalResult {
    keys_page(&db, &acting, None).await
}

fn key_options(form: &Form) -> Result<KeyOptions, DomainError> {
    let label = Some(text(form, "label"))
        .filter(|v| !v.is_empty())
        .map(|v| KeyLabel::parse("label", v))
        .transpose()?;
    let expires = match text(form, "expires") {
        "" => None,
        day => Some(parse_date(day).ok_or_else(|| {
            DomainError::invalid("expires", format!("'{day}' is not a date (YYYY-MM-DD)"))
        })?),
    };
    Ok(KeyOptions {
        scope: rules::parse_prefixes("scope", text(form, "scope"))?,
        label,
        expires,
    })
}

async fn key_create(db: web::Data<Db>, post: Post<Form>) -> PortalResult {
    let l = it();
    let Post { acting, form } = post;
    let (owner, actor, now) = (
        acting.principal.clone(),
        acting.signed.actor(),
        acting.signed.now,
    );
    let result = db
        .run(move |c| {
            let options = key_options(&form)?;
            keys::create(c, &owner, &options, &actor, now)
        })
        .await
        .map(|key| Notice::Secret {
            title: format!("{} {}", l.key_created, key.key_id),
            value: key.secret,
        });
    keys_page(&db, &acting, Some(done_or(result)?)).await
}

async fn key_revoke_confirm(
    acting: Acting,
    path: web::Path<(String, String, String)>,
) -> PortalResult {
    let l = it();
    let key = path.into_inner().2;
    Ok(page(layout(
        l,
        l.revoke_key,
        Some(&acting.signed),
        None,
        html! {
            p { (l.revoke_confirm) " " code { (key) } }
            form method="post" action={ (acting.base()) "/keys/" (key) "/revoke" } {
                (csrf(acting.signed.csrf()))
                button.danger type="submit" { (l.revoke) }
                " " a href={ (acting.base()) "/keys" } { (l.cancel) }
            }
        },
    )))
}

async fn key_revoke(
    db: web::Data<Db>,
    path: web::Path<(String, String, String)>,
    post: Post<Form>,
) -> PortalResult {
    let l = it();
    let key = path.into_inner().2;
    let acting = post.acting;
    let (owner, actor, now) = (
        acting.principal.clone(),
        acting.signed.actor(),
        acting.signed.now,
    );
    let k = key.clone();
    let revoked = db
        .run(move |c| keys::revoke_of(c, Some(&owner), &k, &actor, now))
        .await?;
    let notice = if revoked {
        Notice::Done(format!("{} {key}", l.key_revoked))
    } else {
        Notice::Error(format!("{} {key}", l.no_such_key))
    };
    keys_page(&db, &acting, Some(notice)).await
}

// --- delegations --------------------------------------------------------------------------

async fn delegations_page(db: &Db, acting: &Acting, notice: Option<Notice>) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let (list, catalog) = db
        .run(move |c| {
            Ok((
                delegations::list(c, Some(&Principal::Institution(org)), false)?,
                taxonomy::catalog(c)?,
            ))
        })
        .await?;
    let markup = layout(
        l,
        l.nav_delegations,
        Some(&acting.signed),
        notice.as_ref(),
        html! {
            form.card method="post" action={ (acting.base()) "/delegations" } {
                h2 { (l.grant_delegation) }
                (csrf(acting.signed.csrf()))
                (field("partner", l.partner_fiscal_code, "text", "", true, None))
                (field("scope", l.scope, "text", "", false, Some(l.scope_hint)))
                button type="submit" { (l.grant) }
            }
            @if list.is_empty() { p { (l.no_delegations) } }
            @for d in &list {
                article.card {
                    h3 { (l.partner) " " (d.partner) }
                    p { (l.scope) ": " (catalog.name_scope(&d.scope)) " · " (l.granted) " " (when(&d.granted_at)) }
                    div.actions {
                        form method="post" action={ (acting.base()) "/delegations" } {
                            (csrf(acting.signed.csrf()))
                            input type="hidden" name="partner" value=(d.partner);
                            @let id = format!("scope-{}", d.partner);
                            label for=(id) { (l.new_scope) }
                            input #(id) name="scope" type="text" value=(d.scope.to_list());
                            button type="submit" { (l.change) }
                        }
                        form method="post" action={ (acting.base()) "/delegations/" (d.partner) "/revoke" } {
                            (csrf(acting.signed.csrf()))
                            button.danger type="submit" { (l.revoke) }
                        }
                    }
                }
            }
        },
    );
    Ok(answer(notice.as_ref(), markup))
}

async fn delegations_get(db: web::Data<Db>, acting: Acting) -> PortalResult {
    delegations_page(&db, &acting, None).await
}

async fn delegation_grant(db: web::Data<Db>, post: Post<Form>) -> PortalResult {
    let l = it();
    let Post { acting, form } = post;
    let org = acting.org()?.clone();
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let result = db
        .run(move |c| {
            let partner = PartnerFiscalCode::parse("partner", text(&form, "partner"))?;
            let scope = rules::parse_prefixes("scope", text(&form, "scope"))?;
            delegations::grant(c, &org, &partner, &scope, &actor, now)?;
            Ok(Notice::Done(format!(
                "{} {partner}: {scope}",
                l.delegation_granted
            )))
        })
        .await;
    delegations_page(&db, &acting, Some(done_or(result)?)).await
}

async fn delegation_revoke(
    db: web::Data<Db>,
    path: web::Path<(String, String, String)>,
    post: Post<Form>,
) -> PortalResult {
    let l = it();
    let acting = post.acting;
    let org = acting.org()?.clone();
    let partner = path.into_inner().2;
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let result = db
        .run(move |c| {
            let partner = PartnerFiscalCode::parse("partner", &partner)?;
            delegations::revoke(c, &org, &partner, &actor, now)?;
            Ok(Notice::Done(format!("{} {partner}", l.delegation_revoked)))
        })
        .await;
    delegations_page(&db, &acting, Some(done_or(result)?)).await
}

// --- webhook ------------------------------------------------------------------------------

async fn webhook_page(db: &Db, acting: &Acting, notice: Option<Notice>) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let (hook, events) = db
        .run(move |c| {
            Ok((
                webhooks::get(c, &org)?,
                store::latest_events(c, &org, false, 20)?,
            ))
        })
        .await?;
    let markup = layout(
        l,
        l.nav_webhook,
        Some(&acting.signed),
        notice.as_ref(),
        html! {
            @if let Some(h) = &hook {
                p { (l.webhook_url) ": " code { (h.url) } " · "
                    @if h.enabled { (l.enabled) } @else { (l.disabled) " (" (or_dash(h.disabled_reason.as_deref())) ")" } }
            } @else { p { (l.no_webhook) } }
            form.card method="post" action={ (acting.base()) "/webhook" } {
                (csrf(acting.signed.csrf()))
                (field("url", l.webhook_url, "url", hook.as_ref().map_or("", |h| h.url.as_str()), true, Some(l.webhook_url_hint)))
                button type="submit" { (l.save) }
            }
            @if hook.is_some() {
                form method="post" action={ (acting.base()) "/webhook/rotate" } {
                    (csrf(acting.signed.csrf()))
                    button type="submit" { (l.rotate_secret) }
                }
            }
            h2 { (l.latest_deliveries) }
            (events_table(l, acting, &events, true))
        },
    );
    Ok(answer(notice.as_ref(), markup))
}

async fn webhook_get(db: web::Data<Db>, acting: Acting) -> PortalResult {
    webhook_page(&db, &acting, None).await
}

async fn webhook_set(db: web::Data<Db>, post: Post<Form>) -> PortalResult {
    let l = it();
    let Post { acting, form } = post;
    let org = acting.org()?.clone();
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let url = text(&form, "url").to_owned();
    let result = db
        .run(move |c| store::set_webhook(c, &org, &url, &actor, now))
        .await
        .map(|(hook, created)| {
            if created {
                Notice::Secret {
                    title: l.webhook_secret.to_owned(),
                    value: hook.secret,
                }
            } else {
                Notice::Done(l.webhook_saved.to_owned())
            }
        });
    webhook_page(&db, &acting, Some(done_or(result)?)).await
}

async fn webhook_rotate(db: web::Data<Db>, post: Post<Form>) -> PortalResult {
    let l = it();
    let acting = post.acting;
    let org = acting.org()?.clone();
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let result = db
        .run(move |c| store::rotate_webhook_secret(c, &org, &actor, now))
        .await
        .map(|hook| Notice::Secret {
            title: l.webhook_secret.to_owned(),
            value: hook.secret,
        });
    webhook_page(&db, &acting, Some(done_or(result)?)).await
}

async fn redeliver(
    db: web::Data<Db>,
    path: web::Path<(String, String, String)>,
    post: Post<Form>,
) -> PortalResult {
    let l = it();
    let acting = post.acting;
    let org = acting.org()?.clone();
    let event = path.into_inner().2;
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let e = event.clone();
    let done = db
        .run(move |c| store::redeliver(c, &org, &e, &actor, now))
        .await?;
    let notice = if done {
        Notice::Done(format!("{} {event}", l.redelivery_scheduled))
    } else {
        Notice::Error(l.err_not_found.to_owned())
    };
    webhook_page(&db, &acting, Some(notice)).await
}

// --- stations and services ----------------------------------------------------------------

async fn stations_get(db: web::Data<Db>, acting: Acting) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let list = db.run(stations::list_stations).await?;
    let mine: Vec<_> = list
        .into_iter()
        .filter(|s| s.organization_fiscal_code == org.as_str())
        .collect();
    Ok(page(layout(
        l,
        l.nav_stations,
        Some(&acting.signed),
        None,
        html! {
            p { (l.stations_intro) }
            @if mine.is_empty() { p { (l.none) } } @else {
                div.scroll { table {
                    thead { tr { th { (l.broker) } th { (l.station) } th { (l.primitives) } } }
                    tbody { @for s in &mine { tr { td { (s.broker_id) } td { (s.station_id) } td { "v" (s.primitive_version) } } } }
                } }
            }
        },
    )))
}

async fn services_page(db: &Db, acting: &Acting, notice: Option<Notice>) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let list = db.run(move |c| services::list(c, &org)).await?;
    let markup = layout(
        l,
        l.nav_services,
        Some(&acting.signed),
        notice.as_ref(),
        html! {
            p { a.button href={ (acting.base()) "/services/edit" } { (l.new_service) } }
            @if list.is_empty() { p { (l.none) } } @else {
                div.scroll { table {
                    thead { tr { th { (l.service_id) } th { (l.name) } th { (l.category) } th { (l.state) } th { (l.action) } } }
                    tbody { @for s in &list {
                        @let d = s.definition_json().unwrap_or_default();
                        tr {
                            td { code { (s.service_id) } } td { (d["name"].as_str().unwrap_or_default()) } td { (s.category()) }
                            td { @if s.enabled { (l.enabled) } @else { (l.disabled) } }
                            td {
                                a href={ (acting.base()) "/services/edit?id=" (s.service_id) } { (l.edit) } " · "
                                a href={ (acting.base()) "/services/" (s.service_id) "/xsd" } { (l.download_xsd) }
                            }
                        }
                    } }
                } }
            }
        },
    );
    Ok(answer(notice.as_ref(), markup))
}

async fn services_get(db: web::Data<Db>, acting: Acting) -> PortalResult {
    services_page(&db, &acting, None).await
}

/// Property rows a service form reads: as many as a service may have.
pub const PROPERTY_ROWS: usize = crate::domain::service::MAX_PROPERTIES;
/// Empty property rows the form shows after the filled ones.
const SPARE_PROPERTY_ROWS: usize = 3;
const PROPERTY_TYPES: [&str; 6] = ["STRING", "NUMBER", "AMOUNT", "DATE", "FISCAL_CODE", "EMAIL"];

/// The form's values, from a stored definition (camelCase JSON) or as typed.
fn service_values(def: &serde_json::Value) -> Form {
    let mut f = Form::new();
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    for (field, key) in [
        ("service_id", "serviceId"),
        ("name", "name"),
        ("description", "description"),
        ("category", "category"),
        ("iban", "iban"),
        ("postal_iban", "postalIban"),
        ("due_in_days", "dueInDays"),
        ("segregation_code", "segregationCode"),
        ("callback_url", "callbackUrl"),
        ("remittance_information", "remittanceInformation"),
    ] {
        f.insert(field.to_owned(), s(&def[key]));
    }
    for (field, key) in [
        ("amount", "amount"),
        ("min_amount", "minAmount"),
        ("max_amount", "maxAmount"),
    ] {
        if let Some(cents) = def[key].as_i64() {
            f.insert(
                field.to_owned(),
                euros(cents).trim_end_matches(" €").to_owned(),
            );
        }
    }
    if def["enabled"].as_bool() != Some(false) {
        f.insert("enabled".to_owned(), "on".to_owned());
    }
    if let Some(props) = def["properties"].as_array() {
        for (i, p) in props.iter().enumerate().take(PROPERTY_ROWS) {
            f.insert(format!("p{i}_name"), s(&p["name"]));
            f.insert(format!("p{i}_type"), s(&p["type"]));
            f.insert(format!("p{i}_pattern"), s(&p["pattern"]));
            f.insert(format!("p{i}_max_length"), s(&p["maxLength"]));
            f.insert(format!("p{i}_description"), s(&p["description"]));
            if p["required"].as_bool() == Some(true) {
                f.insert(format!("p{i}_required"), "on".to_owned());
            }
        }
    }
    f
}

fn service_form_view(l: &Labels, acting: &Acting, f: &Form, notice: Option<&Notice>) -> Markup {
    let v = |k: &str| text(f, k).to_owned();
    let filled = (0..PROPERTY_ROWS)
        .rev()
        .find(|i| !text(f, &format!("p{i}_name")).is_empty())
        .map_or(0, |i| i + 1);
    let rows = (filled + SPARE_PROPERTY_ROWS).clamp(5, PROPERTY_ROWS);
    layout(
        l,
        l.service,
        Some(&acting.signed),
        notice,
        html! {
            form.card method="post" action={ (acting.base()) "/services" } {
                (csrf(acting.signed.csrf()))
                (field("service_id", l.service_id, "text", &v("service_id"), true, Some(l.service_id_hint)))
                (field("name", l.name, "text", &v("name"), true, None))
                (field("description", l.description, "text", &v("description"), true, None))
                (field("category", l.category, "text", &v("category"), true, Some(l.category_hint)))
                (field("iban", l.iban, "text", &v("iban"), false, None))
                (field("postal_iban", l.postal_iban, "text", &v("postal_iban"), false, None))
                (field("remittance_information", l.remittance, "text", &v("remittance_information"), false, None))
                (field("amount", l.amount_euros, "text", &v("amount"), false, Some(l.amount_hint)))
                (field("min_amount", l.min_amount_euros, "text", &v("min_amount"), false, Some(l.amount_bounds_hint)))
                (field("max_amount", l.max_amount_euros, "text", &v("max_amount"), false, None))
                (field("callback_url", l.callback_url, "url", &v("callback_url"), false, Some(l.callback_hint)))
                (field("due_in_days", l.due_in_days, "number", &v("due_in_days"), false, None))
                (field("segregation_code", l.segregation_code, "text", &v("segregation_code"), false, None))
                div.field.check {
                    input #enabled type="checkbox" name="enabled" checked[text(f, "enabled") == "on"];
                    label for="enabled" { (l.enabled) }
                }
                fieldset {
                    legend { (l.properties) }
                    p { small { (l.properties_hint) } }
                    @for i in 0..rows {
                        div.property {
                            @let id = |k: &str| format!("p{i}_{k}");
                            div.field { label for=(id("name")) { (l.property_name) " " (i + 1) } input #(id("name")) name=(id("name")) type="text" value=(v(&id("name"))); }
                            div.field { label for=(id("type")) { (l.property_type) }
                                select #(id("type")) name=(id("type")) {
                                    @for t in PROPERTY_TYPES { option value=(t) selected[v(&id("type")) == t] { (t) } }
                                }
                            }
                            div.field.check { input #(id("required")) name=(id("required")) type="checkbox" checked[v(&id("required")) == "on"]; label for=(id("required")) { (l.required) } }
                            div.field { label for=(id("pattern")) { (l.pattern) } input #(id("pattern")) name=(id("pattern")) type="text" value=(v(&id("pattern"))); }
                            div.field { label for=(id("max_length")) { (l.max_length) } input #(id("max_length")) name=(id("max_length")) type="number" value=(v(&id("max_length"))); }
                            div.field { label for=(id("description")) { (l.description) } input #(id("description")) name=(id("description")) type="text" value=(v(&id("description"))); }
                        }
                    }
                }
                button type="submit" { (l.save) }
            }
        },
    )
}

#[derive(Deserialize)]
struct ServiceQuery {
    id: Option<String>,
}

async fn service_form(
    db: web::Data<Db>,
    acting: Acting,
    q: web::Query<ServiceQuery>,
) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let values = match q.into_inner().id {
        Some(id) => {
            let id = ServiceId::parse("id", &id).map_err(|_| PortalError::NotFound)?;
            let stored = db
                .run(move |c| services::get(c, &org, &id))
                .await?
                .ok_or(PortalError::NotFound)?;
            let mut def = stored.definition_json()?;
            def["serviceId"] = serde_json::Value::String(stored.service_id.clone());
            service_values(&def)
        }
        None => Form::from([("enabled".to_owned(), "on".to_owned())]),
    };
    Ok(page(service_form_view(l, &acting, &values, None)))
}

fn optional(form: &Form, name: &str) -> Option<String> {
    Some(text(form, name))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn number(form: &Form, name: &str) -> Result<Option<i64>, DomainError> {
    optional(form, name)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| DomainError::invalid(name, format!("'{v}' is not a whole number")))
        })
        .transpose()
}

/// The definition the form describes, in the API's terms (checked by the domain on save).
fn service_draft(form: &Form) -> Result<ServiceDraft, DomainError> {
    let mut properties = Vec::new();
    for i in 0..PROPERTY_ROWS {
        let Some(name) = optional(form, &format!("p{i}_name")) else {
            continue;
        };
        properties.push(PropertyDraft {
            name: Some(name),
            kind: optional(form, &format!("p{i}_type")),
            required: Some(text(form, &format!("p{i}_required")) == "on"),
            pattern: optional(form, &format!("p{i}_pattern")),
            max_length: number(form, &format!("p{i}_max_length"))?,
            description: optional(form, &format!("p{i}_description")),
        });
    }
    Ok(ServiceDraft {
        name: optional(form, "name"),
        description: optional(form, "description"),
        category: optional(form, "category"),
        iban: optional(form, "iban"),
        postal_iban: optional(form, "postal_iban"),
        remittance_information: optional(form, "remittance_information"),
        segregation_code: optional(form, "segregation_code"),
        due_in_days: number(form, "due_in_days")?,
        enabled: Some(text(form, "enabled") == "on"),
        properties,
        amount: optional(form, "amount")
            .map(|a| rules::parse_euros("amount", &a))
            .transpose()?,
        min_amount: optional(form, "min_amount")
            .map(|a| rules::parse_euros("minAmount", &a))
            .transpose()?,
        max_amount: optional(form, "max_amount")
            .map(|a| rules::parse_euros("maxAmount", &a))
            .transpose()?,
        callback_url: optional(form, "callback_url"),
    })
}

async fn service_save(db: web::Data<Db>, post: Post<Form>) -> PortalResult {
    let l = it();
    let Post { acting, form } = post;
    let org = acting.org()?.clone();
    let (actor, now) = (acting.signed.actor(), acting.signed.now);
    let f = form.clone();
    let result = db
        .run(move |c| {
            let id = ServiceId::parse("service_id", text(&f, "service_id"))?;
            let draft = service_draft(&f)?;
            let org = orgs::find_org(c, org.as_str())?
                .ok_or_else(|| DomainError::NotFound(org.to_string()))?;
            services::define(c, &org, id, draft, &Scope::All, Some(&actor), now)
        })
        .await;
    match result {
        Ok((stored, _)) => {
            services_page(
                &db,
                &acting,
                Some(Notice::Done(format!(
                    "{} {}",
                    l.service_saved, stored.service_id
                ))),
            )
            .await
        }
        Err(e) => {
            let notice = Notice::from_error(e)?;
            Ok(refused_page(service_form_view(
                l,
                &acting,
                &form,
                Some(&notice),
            )))
        }
    }
}

async fn service_xsd(
    db: web::Data<Db>,
    acting: Acting,
    path: web::Path<(String, String, String)>,
) -> PortalResult {
    let org = acting.org()?.clone();
    let id =
        ServiceId::parse("service", &path.into_inner().2).map_err(|_| PortalError::NotFound)?;
    let name = id.to_string();
    let xsd = db
        .run(move |c| {
            let stored = services::get(c, &org, &id)?
                .ok_or_else(|| DomainError::NotFound(id.to_string()))?;
            let org = orgs::find_org(c, org.as_str())?
                .ok_or_else(|| DomainError::NotFound(org.to_string()))?;
            Ok(crate::domain::service::xsd::service_xsd(
                &stored.to_domain(&org)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.xsd\""),
        ))
        .body(xsd))
}

// --- positions ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    by: String,
    #[serde(default)]
    q: String,
}

const SEARCH_BY: [&str; 3] = ["iupd", "notice", "debtor"];

async fn positions_get(
    db: web::Data<Db>,
    acting: Acting,
    search: web::Query<Search>,
) -> PortalResult {
    let l = it();
    let org = acting.org()?.clone();
    let now = acting.signed.now;
    let Search { by, q } = search.into_inner();
    let q = q.trim().to_owned();
    let (b, query) = (by.clone(), q.clone());
    let found: Result<Vec<Position>, StoreError> = db
        .run(move |c| match (b.as_str(), query.as_str()) {
            (_, "") => Ok(positions::list(
                c,
                &org,
                &ListFilter {
                    limit: 20,
                    ..ListFilter::default()
                },
                now,
            )?
            .positions),
            ("notice", v) => Ok(vec![positions::get_by_option(c, &org, v)?]),
            ("debtor", v) => store::positions_of_debtor(c, &org, v, 50),
            (_, v) => Ok(vec![positions::get_by_iupd(c, &org, v)?]),
        })
        .await;
    let (list, notice) = match found {
        Ok(list) => (list, None),
        Err(e) => (Vec::new(), Some(Notice::from_error(e)?)),
    };
    let one = (list.len() == 1 && !q.is_empty()).then(|| &list[0]);
    let history = match one {
        Some(p) => {
            let (org, iupd) = (p.organization_fiscal_code.clone(), p.iupd.to_string());
            let events = db
                .run(move |c| store_events::position_history(c, &org, &iupd))
                .await?;
            history_of(p, events)
        }
        None => Vec::new(),
    };
    let markup = layout(
        l,
        l.nav_positions,
        Some(&acting.signed),
        notice.as_ref(),
        html! {
            form.card.search method="get" action={ (acting.base()) "/positions" } {
                div.field {
                    label for="by" { (l.search_by) }
                    select #by name="by" {
                        @for (value, text) in SEARCH_BY.iter().zip([l.iupd, l.iuv_or_notice, l.debtor_fiscal_code]) {
                            option value=(value) selected[by == *value] { (text) }
                        }
                    }
                }
                (field("q", l.search_text, "search", &q, false, None))
                button type="submit" { (l.search) }
            }
            @if let Some(p) = one { (position_view(l, &acting, p, &history, now)) } @else {
                @if list.is_empty() { p { (l.none) } } @else {
                    div.scroll { table {
                        thead { tr { th { "IUPD" } th { (l.debtor) } th { (l.state) } th { (l.amount) } } }
                        tbody { @for p in &list { tr {
                            td { a href={ (acting.base()) "/positions?" (serde_urlencoded::to_string([("by", "iupd"), ("q", p.iupd.as_str())]).unwrap_or_default()) } { (p.iupd) } }
                            td { (p.debtor.full_name.as_str()) }
                            td { (p.status_at(now)) }
                            td { (euros(p.options.iter().map(|o| o.amount.cents()).sum())) }
                        } } }
                    } }
                }
            }
        },
    );
    Ok(answer(notice.as_ref(), markup))
}

/// The position's history: its creation and publication (from its dates, unless an event
/// records them) and its events, oldest first.
fn history_of(
    p: &Position,
    events: Vec<(String, chrono::NaiveDateTime)>,
) -> Vec<(String, chrono::NaiveDateTime)> {
    let mut history: Vec<(String, chrono::NaiveDateTime)> = Vec::new();
    let dated = [
        ("position.created", Some(p.inserted_date)),
        ("position.published", p.publish_date),
    ];
    for (kind, at) in dated {
        if let Some(at) = at {
            if !events.iter().any(|(k, _)| k == kind) {
                history.push((kind.to_owned(), at));
            }
        }
    }
    history.extend(events);
    history.sort_by_key(|(_, at)| *at);
    history
}

fn position_view(
    l: &Labels,
    acting: &Acting,
    p: &Position,
    history: &[(String, chrono::NaiveDateTime)],
    now: chrono::NaiveDateTime,
) -> Markup {
    html! {
        section.position {
            h2 { "IUPD " (p.iupd) }
            dl {
                dt { (l.state) } dd { (p.status_at(now)) }
                dt { (l.debtor) } dd { (p.debtor.full_name.as_str()) " (" (p.debtor.fiscal_code.as_str()) ")" }
                dt { (l.created) } dd { (when(&p.inserted_date)) }
                dt { (l.published) } dd { (or_dash(p.publish_date.as_ref().map(when))) }
                dt { (l.paid_at) } dd { (or_dash(p.payment_date.as_ref().map(when))) }
            }
            @if !history.is_empty() {
                h3 { (l.history) }
                div.scroll { table.history {
                    thead { tr { th { (l.created) } th { (l.event) } } }
                    tbody { @for (kind, at) in history { tr { td { (when(at)) } td { code { (kind) } } } } }
                } }
            }
            @for o in &p.options {
                article.card {
                    h3 { (o.description.as_str()) }
                    dl {
                        dt { "IUV" } dd { code { (o.iuv) } }
                        dt { (l.notice_number) } dd { code { (o.nav) } }
                        dt { (l.amount) } dd { (euros(o.amount.cents())) }
                        dt { (l.due_date) } dd { (when(&o.due_date)) }
                        dt { (l.state) } dd { (o.status) }
                    }
                    @if o.status != crate::domain::OptionStatus::Unpaid {
                        p { a href={ (acting.base()) "/receipts/" (o.iuv) } { (l.download_receipt) } }
                    }
                    div.scroll { table {
                        thead { tr { th { "#" } th { (l.amount) } th { (l.category) } th { (l.remittance) } th { (l.state) } } }
                        tbody { @for t in &o.transfers { tr {
                            td { (t.id.get()) } td { (euros(t.amount.cents())) } td { (t.category.as_str()) }
                            td { (t.remittance_information.as_str()) } td { (t.status) }
                        } } }
                    } }
                }
            }
        }
    }
}

async fn receipt(
    db: web::Data<Db>,
    acting: Acting,
    path: web::Path<(String, String, String)>,
) -> PortalResult {
    let org = acting.org()?.clone();
    let iuv = path.into_inner().2;
    let i = iuv.clone();
    let xml = db
        .run(move |c| receipts::document(c, &org, &i))
        .await?
        .ok_or(PortalError::NotFound)?;
    let name: String = iuv.chars().filter(char::is_ascii_alphanumeric).collect();
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"receipt-{name}.xml\""),
        ))
        .body(xml))
}
