//! Generates the paForNode SOAP payload types from `xsd/paForNode.xsd` with
//! xsd-parser (quick-xml backend). Output: `$OUT_DIR/pa_for_node.rs`, included
//! by `src/soap/xml/generated.rs`.

use std::path::PathBuf;

use xsd_parser::config::{
    GeneratorFlags, IdentType, NamespaceIdent, OptimizerFlags, Resolver, Schema,
};
use xsd_parser::models::meta::{CustomMeta, MetaType};
use xsd_parser::{generate, Config};

const NS_PAFN: &str = "http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd";
const NS_XS: &str = "http://www.w3.org/2001/XMLSchema";

/// The global request/response elements we generate types for (and
/// everything they reference).
const ELEMENTS: &[&str] = &[
    "paVerifyPaymentNoticeReq",
    "paVerifyPaymentNoticeRes",
    "paGetPaymentReq",
    "paGetPaymentRes",
    "paGetPaymentV2Request",
    "paGetPaymentV2Response",
    "paSendRTReq",
    "paSendRTRes",
    "paSendRTV2Request",
    "paSendRTV2Response",
    "paDemandPaymentNoticeRequest",
    "paDemandPaymentNoticeResponse",
];

fn main() {
    println!("cargo:rerun-if-changed=xsd");
    // embed_migrations! reads these at compile time; a new migration must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");

    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let schema = manifest_dir.join("xsd").join("paForNode.xsd");

    let mut config = Config::default()
        .with_schema(Schema::File(schema))
        .with_quick_xml()
        .with_optimizer_flags(
            OptimizerFlags::RESOLVE_TYPEDEFS | OptimizerFlags::USE_UNRESTRICTED_BASE_TYPE_SIMPLE,
        )
        .with_generator_flags(GeneratorFlags::FLATTEN_CONTENT)
        .with_derive(["Debug", "Clone", "PartialEq", "Eq"])
        .with_generate(ELEMENTS.iter().map(|name| {
            (
                IdentType::Element,
                NamespaceIdent::namespace(NS_PAFN.as_bytes().to_vec()),
                *name,
            )
        }))
        // Every amount in the schema is an `xs:decimal` restricted to `\d+\.\d{2}`:
        // map it to our euro-cents type instead of f64.
        .with_type(
            (
                IdentType::Type,
                NamespaceIdent::namespace(NS_XS.as_bytes().to_vec()),
                "decimal",
            ),
            MetaType::from(CustomMeta::new("Amount").include_from("crate::domain::Amount")),
        );
    config.parser.resolver = vec![Resolver::File];

    let code = generate(config)
        .unwrap_or_else(|e| {
            panic!("xsd-parser could not generate types from xsd/paForNode.xsd: {e:#}")
        })
        .to_string();
    let code = rename_anonymous_choices(&code);
    std::fs::write(out_dir.join("pa_for_node.rs"), code).expect("write generated code");
}

/// The `IBAN | richiestaMarcaDaBollo` and `IBAN | MBDAttachment` choices inside the
/// V2 transfers are anonymous in the XSD, so xsd-parser names them with a counter
/// (`CtTransferPav2Content29Type`, field `content_29`). Give them stable names:
/// `...AccountType` and field `account`.
fn rename_anonymous_choices(code: &str) -> String {
    let code = replace_numbered(code, "Content", "Account");
    replace_numbered(&code, "content_", "account")
}

/// Replaces `<prefix><digits>` (not followed by another digit) with `<replacement>`.
fn replace_numbered(code: &str, prefix: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        // Only a token boundary before the prefix counts for the lowercase field form.
        let boundary_ok = prefix.starts_with(char::is_uppercase)
            || at == 0
            || !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if digits > 0 && boundary_ok {
            out.push_str(&rest[..at]);
            out.push_str(replacement);
            rest = &after[digits..];
        } else {
            out.push_str(&rest[..at + prefix.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
