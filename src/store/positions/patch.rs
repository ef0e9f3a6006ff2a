//! Writing back only the columns a change touched. An `UPDATE` that sets a column makes the
//! database maintain every index on it, even when the value is the same; setting every column of a
//! position on each payment rewrote all its eight indexes.

use diesel::expression::AsExpression;
use diesel::prelude::*;
use diesel::sql_types::SqlType;

use crate::store::models::{DebtorRow, OptionRecord, PositionRecord};
use crate::store::schema::{payment_options as po, payment_positions as pp};
use crate::store::{DbConnection, StoreError};

/// `column = after` when it differs from `before`; `None` leaves the column out of the `SET`.
fn set<C, T>(column: C, before: &T, after: T) -> Option<diesel::dsl::Eq<C, T>>
where
    C: Column + ExpressionMethods,
    C::SqlType: SqlType,
    T: PartialEq + AsExpression<C::SqlType>,
{
    (*before != after).then(|| column.eq(after))
}

/// Saves the changed columns of position `id` if it is still at `before.version`; the rows
/// updated (0 when another transaction changed it first).
pub(super) fn update_position(
    c: &mut DbConnection,
    id: i64,
    before: &PositionRecord,
    after: PositionRecord,
) -> Result<usize, StoreError> {
    let PositionRecord {
        organization_fiscal_code,
        iupd,
        company_name,
        office_name,
        debtor,
        validity_date,
        switch_to_expired,
        pay_stand_in,
        status,
        inserted_date,
        publish_date,
        last_updated_date,
        payment_date,
        min_due_date,
        max_due_date,
        version,
        multiple_plans,
    } = after;
    let b = before;
    let own = (
        set(
            pp::organization_fiscal_code,
            &b.organization_fiscal_code,
            organization_fiscal_code,
        ),
        set(pp::iupd, &b.iupd, iupd),
        set(pp::company_name, &b.company_name, company_name),
        set(pp::office_name, &b.office_name, office_name),
        set(pp::validity_date, &b.validity_date, validity_date),
        set(
            pp::switch_to_expired,
            &b.switch_to_expired,
            switch_to_expired,
        ),
        set(pp::pay_stand_in, &b.pay_stand_in, pay_stand_in),
        set(pp::status, &b.status, status),
        set(pp::inserted_date, &b.inserted_date, inserted_date),
        set(pp::publish_date, &b.publish_date, publish_date),
        set(
            pp::last_updated_date,
            &b.last_updated_date,
            last_updated_date,
        ),
        set(pp::payment_date, &b.payment_date, payment_date),
        set(pp::min_due_date, &b.min_due_date, min_due_date),
        set(pp::max_due_date, &b.max_due_date, max_due_date),
        Some(pp::version.eq(version)),
        set(pp::multiple_plans, &b.multiple_plans, multiple_plans),
    );
    let DebtorRow {
        debtor_type,
        fiscal_code,
        full_name,
        street_name,
        civic_number,
        postal_code,
        city,
        province,
        region,
        country,
        email,
        phone,
    } = debtor;
    let d = &b.debtor;
    let debtor = (
        set(pp::debtor_type, &d.debtor_type, debtor_type),
        set(pp::fiscal_code, &d.fiscal_code, fiscal_code),
        set(pp::full_name, &d.full_name, full_name),
        set(pp::street_name, &d.street_name, street_name),
        set(pp::civic_number, &d.civic_number, civic_number),
        set(pp::postal_code, &d.postal_code, postal_code),
        set(pp::city, &d.city, city),
        set(pp::province, &d.province, province),
        set(pp::region, &d.region, region),
        set(pp::country, &d.country, country),
        set(pp::email, &d.email, email),
        set(pp::phone, &d.phone, phone),
    );
    Ok(diesel::update(
        pp::table
            .filter(pp::id.eq(id))
            .filter(pp::version.eq(b.version)),
    )
    .set((own, debtor))
    .execute(c)?)
}

/// Saves the changed columns of option `id`; nothing when none changed.
pub(super) fn update_option(
    c: &mut DbConnection,
    id: i64,
    before: &OptionRecord,
    after: OptionRecord,
) -> Result<(), StoreError> {
    if *before == after {
        return Ok(());
    }
    let OptionRecord {
        payment_position_id,
        organization_fiscal_code,
        iuv,
        nav,
        payment_plan_id,
        amount,
        description,
        is_partial_payment,
        due_date,
        retention_date,
        validity_date,
        switch_to_expired,
        notification_fee,
        status,
        payment_date,
        payment_method,
        psp_code,
        psp_tax_code,
        psp_company,
        id_receipt,
        fee,
        reporting_date,
        id_flow_reporting,
        metadata,
        inserted_date,
        last_updated_date,
        last_updated_date_notification_fee,
        option_description,
        debtor,
        due_day,
        position_inserted_date,
    } = after;
    let b = before;
    let keys = (
        set(
            po::payment_position_id,
            &b.payment_position_id,
            payment_position_id,
        ),
        set(
            po::organization_fiscal_code,
            &b.organization_fiscal_code,
            organization_fiscal_code,
        ),
        set(po::iuv, &b.iuv, iuv),
        set(po::nav, &b.nav, nav),
        set(po::payment_plan_id, &b.payment_plan_id, payment_plan_id),
        set(po::amount, &b.amount, amount),
        set(po::description, &b.description, description),
        set(
            po::is_partial_payment,
            &b.is_partial_payment,
            is_partial_payment,
        ),
        set(po::due_date, &b.due_date, due_date),
        set(po::retention_date, &b.retention_date, retention_date),
        set(po::validity_date, &b.validity_date, validity_date),
        set(
            po::switch_to_expired,
            &b.switch_to_expired,
            switch_to_expired,
        ),
        set(po::notification_fee, &b.notification_fee, notification_fee),
        set(po::status, &b.status, status),
        set(po::payment_date, &b.payment_date, payment_date),
        set(po::payment_method, &b.payment_method, payment_method),
    );
    let rest = (
        set(po::psp_code, &b.psp_code, psp_code),
        set(po::psp_tax_code, &b.psp_tax_code, psp_tax_code),
        set(po::psp_company, &b.psp_company, psp_company),
        set(po::id_receipt, &b.id_receipt, id_receipt),
        set(po::fee, &b.fee, fee),
        set(po::reporting_date, &b.reporting_date, reporting_date),
        set(
            po::id_flow_reporting,
            &b.id_flow_reporting,
            id_flow_reporting,
        ),
        set(po::metadata, &b.metadata, metadata),
        set(po::inserted_date, &b.inserted_date, inserted_date),
        set(
            po::last_updated_date,
            &b.last_updated_date,
            last_updated_date,
        ),
        set(
            po::last_updated_date_notification_fee,
            &b.last_updated_date_notification_fee,
            last_updated_date_notification_fee,
        ),
        set(
            po::option_description,
            &b.option_description,
            option_description,
        ),
        set(po::debtor, &b.debtor, debtor),
        set(po::due_day, &b.due_day, due_day),
        set(
            po::position_inserted_date,
            &b.position_inserted_date,
            position_inserted_date,
        ),
    );
    diesel::update(po::table.filter(po::id.eq(id)))
        .set((keys, rest))
        .execute(c)?;
    Ok(())
}
