// One schema for both backends; keep in step with migrations/{sqlite,mysql}.

diesel::table! {
    organizations (fiscal_code) {
        fiscal_code -> Text,
        name -> Text,
        office_name -> Nullable<Text>,
        aux_digit -> Integer,
        application_code -> Nullable<Text>,
        segregation_codes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        key_id -> Text,
        organization_fiscal_code -> Nullable<Text>,
        partner_fiscal_code -> Nullable<Text>,
        key_hash -> Text,
        scope -> Text,
        label -> Nullable<Text>,
        expires_at -> Nullable<Date>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    partners (fiscal_code) {
        fiscal_code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delegations (id) {
        id -> BigInt,
        organization_fiscal_code -> Text,
        partner_fiscal_code -> Text,
        scope -> Text,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
    }
}

diesel::table! {
    payment_positions (id) {
        id -> BigInt,
        organization_fiscal_code -> Text,
        iupd -> Text,
        company_name -> Text,
        office_name -> Nullable<Text>,
        debtor_type -> Text,
        fiscal_code -> Text,
        full_name -> Text,
        street_name -> Nullable<Text>,
        civic_number -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        province -> Nullable<Text>,
        region -> Nullable<Text>,
        country -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        validity_date -> Nullable<Timestamp>,
        switch_to_expired -> Bool,
        pay_stand_in -> Bool,
        status -> Text,
        inserted_date -> Timestamp,
        publish_date -> Nullable<Timestamp>,
        last_updated_date -> Timestamp,
        payment_date -> Nullable<Timestamp>,
        min_due_date -> Timestamp,
        max_due_date -> Timestamp,
        version -> Integer,
        multiple_plans -> Bool,
    }
}

diesel::table! {
    payment_options (id) {
        id -> BigInt,
        payment_position_id -> BigInt,
        organization_fiscal_code -> Text,
        iuv -> Text,
        nav -> Text,
        payment_plan_id -> Text,
        amount -> BigInt,
        description -> Text,
        is_partial_payment -> Bool,
        due_date -> Timestamp,
        retention_date -> Nullable<Timestamp>,
        validity_date -> Nullable<Timestamp>,
        switch_to_expired -> Bool,
        notification_fee -> BigInt,
        status -> Text,
        payment_date -> Nullable<Timestamp>,
        payment_method -> Nullable<Text>,
        psp_code -> Nullable<Text>,
        psp_tax_code -> Nullable<Text>,
        psp_company -> Nullable<Text>,
        id_receipt -> Nullable<Text>,
        fee -> BigInt,
        reporting_date -> Nullable<Timestamp>,
        id_flow_reporting -> Nullable<Text>,
        metadata -> Text,
        inserted_date -> Timestamp,
        last_updated_date -> Timestamp,
        last_updated_date_notification_fee -> Nullable<Timestamp>,
        option_description -> Nullable<Text>,
        debtor -> Nullable<Text>,
        due_day -> Date,
        position_inserted_date -> Timestamp,
    }
}

diesel::table! {
    transfers (id) {
        id -> BigInt,
        payment_option_id -> BigInt,
        transfer_id -> Integer,
        organization_fiscal_code -> Text,
        company_name -> Nullable<Text>,
        amount -> BigInt,
        remittance_information -> Text,
        category -> Text,
        iban -> Nullable<Text>,
        postal_iban -> Nullable<Text>,
        hash_document -> Nullable<Text>,
        stamp_type -> Nullable<Text>,
        provincial_residence -> Nullable<Text>,
        metadata -> Text,
        status -> Text,
        inserted_date -> Timestamp,
        last_updated_date -> Timestamp,
    }
}

diesel::joinable!(payment_options -> payment_positions (payment_position_id));
diesel::joinable!(transfers -> payment_options (payment_option_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    api_keys,
    payment_positions,
    payment_options,
    transfers,
    stations,
    receipts,
    webhooks,
    partner_webhooks,
    events,
    iuv_sequences,
    partners,
    delegations,
    audit_log
);

diesel::table! {
    stations (id) {
        id -> BigInt,
        broker_id -> Text,
        station_id -> Text,
        organization_fiscal_code -> Text,
        primitive_version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    receipts (id) {
        id -> BigInt,
        organization_fiscal_code -> Text,
        receipt_id -> Text,
        notice_number -> Text,
        creditor_reference_id -> Text,
        notice_fiscal_code -> Text,
        status -> Text,
        amount -> BigInt,
        fee -> Nullable<BigInt>,
        payment_date_time -> Nullable<Timestamp>,
        id_psp -> Text,
        psp_company -> Text,
        payment_method -> Nullable<Text>,
        debtor_id -> Nullable<Text>,
        primitive_version -> Integer,
        document -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (organization_fiscal_code) {
        organization_fiscal_code -> Text,
        url -> Text,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partner_webhooks (partner_fiscal_code) {
        partner_fiscal_code -> Text,
        url -> Text,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        event_id -> Text,
        organization_fiscal_code -> Text,
        subscriber -> Text,
        event_type -> Text,
        iupd -> Text,
        payload -> Text,
        created_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    services (organization_fiscal_code, service_id) {
        organization_fiscal_code -> Text,
        service_id -> Text,
        definition -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    spontaneous_demands (id) {
        id -> BigInt,
        organization_fiscal_code -> Text,
        service_id -> Text,
        request_hash -> Text,
        iupd -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    iuv_sequences (organization_fiscal_code, segregation_code) {
        organization_fiscal_code -> Text,
        segregation_code -> Text,
        next_value -> BigInt,
    }
}

diesel::table! {
    taxonomy_entries (code) {
        code -> Text,
        institution_type -> Text,
        institution_type_name -> Text,
        macro_area -> Text,
        macro_area_name -> Text,
        macro_area_description -> Nullable<Text>,
        service_type -> Text,
        service_type_name -> Text,
        service_type_description -> Nullable<Text>,
        legal_reason -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
    }
}

// --- portal (migration 000012) ---

diesel::table! {
    portal_users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        organization_fiscal_code -> Nullable<Text>,
        partner_fiscal_code -> Nullable<Text>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    portal_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    onboarding_requests (id) {
        id -> BigInt,
        kind -> Text,
        fiscal_code -> Text,
        name -> Text,
        email -> Text,
        password_hash -> Text,
        segregation_codes -> Text,
        aux_digit -> Integer,
        taxonomy_domains -> Text,
        state -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    portal_login_failures (id) {
        id -> BigInt,
        email -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(portal_sessions -> portal_users (user_id));
diesel::allow_tables_to_appear_in_same_query!(portal_sessions, portal_users);

diesel::table! {
    notice_settings (organization_fiscal_code) {
        organization_fiscal_code -> Text,
        logo -> Nullable<Binary>,
        poste_authorization -> Nullable<Text>,
        postal_holder -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}
