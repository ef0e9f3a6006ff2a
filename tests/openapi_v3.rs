//! The served OpenAPI document against GPD's published v3 OpenAPI: every v3 path and method,
//! every schema and its properties. The differences are deliberate and listed in `EXPECTED`
//! (and in the README): a new one fails the test.

mod common;

use std::collections::BTreeSet;

use common::{spawn_app, Backend};
use serde_json::Value;

const GPD_V3: &str = include_str!("fixtures/gpd-openapi/openapi_external_v3.json");

/// Our schema for one of GPD's, where the name differs.
fn ours(name: &str) -> &str {
    match name {
        "InstallmentMetadataModel" | "TransferMetadataModel" | "TransferMetadataModelResponse" => {
            "MetadataModel"
        }
        "Stamp" => "StampModel",
        other => other,
    }
}

/// Metadata values are required (1 to 140 characters) on every API version: an entry without a
/// value carries nothing for reconciliation.
const EXPECTED: &[&str] = &[
    "InstallmentMetadataModel.value*: only in MetadataModel",
    // Extension: present (true) only when the list's count stopped at its cap.
    "PageInfo.items_found_capped: only in PageInfo",
];

/// Request bodies: there a field required by one side and not the other breaks integrations.
/// (Responses always carry what they declare; GPD declares nothing required there.)
const REQUEST_SCHEMAS: &[&str] = &[
    "PaymentPositionModelV3",
    "PaymentOptionModelV3",
    "InstallmentModel",
    "InstallmentMetadataModel",
    "DebtorModel",
    "TransferModel",
    "TransferMetadataModel",
    "Stamp",
];

/// Property names (`required` ones marked `*` when `required` is set) of a schema, following
/// `$ref` and `allOf` members.
fn properties(doc: &Value, schema: &Value, required: bool, out: &mut BTreeSet<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        properties(doc, &doc["components"]["schemas"][name], required, out);
    }
    if let Some(props) = schema["properties"].as_object() {
        out.extend(props.keys().cloned());
    }
    if required {
        for field in schema["required"].as_array().into_iter().flatten() {
            out.extend(field.as_str().map(|r| format!("{r}*")));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            properties(doc, member, required, out);
        }
    }
}

fn differences(gpd: &Value, served: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (path, item) in gpd["paths"].as_object().unwrap() {
        let ours = format!("/v3{path}");
        for method in item.as_object().unwrap().keys() {
            if method == "parameters" {
                continue;
            }
            if served["paths"][&ours][method].is_null() {
                found.push(format!(
                    "missing operation {} {ours}",
                    method.to_uppercase()
                ));
            }
        }
    }
    for (name, schema) in gpd["components"]["schemas"].as_object().unwrap() {
        let mine = ours(name);
        let served_schema = &served["components"]["schemas"][mine];
        if served_schema.is_null() {
            found.push(format!("missing schema {name}"));
            continue;
        }
        let (mut theirs, mut ours_props) = (BTreeSet::new(), BTreeSet::new());
        let required = REQUEST_SCHEMAS.contains(&name.as_str());
        properties(gpd, schema, required, &mut theirs);
        properties(served, served_schema, required, &mut ours_props);
        for p in theirs.difference(&ours_props) {
            found.push(format!("{name}.{p}: not in {mine}"));
        }
        for p in ours_props.difference(&theirs) {
            found.push(format!("{name}.{p}: only in {mine}"));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_matches_gpd_v3() {
    let app = spawn_app(Backend::Sqlite).await;
    let served: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gpd: Value = serde_json::from_str(GPD_V3).unwrap();
    let found = differences(&gpd, &served);
    assert_eq!(
        found,
        EXPECTED,
        "differences from GPD's v3 OpenAPI:\n{}",
        found.join("\n")
    );
}
