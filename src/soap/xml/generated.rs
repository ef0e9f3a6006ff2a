//! Types generated at build time by `build.rs` from `xsd/paForNode.xsd`
//! (xsd-parser, quick-xml backend). See the list in [`super`].
//!
//! Generated code: not formatted, not linted. Read the doc comment of
//! `src/soap/xml/mod.rs` instead of the generated file.

#![allow(
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    dead_code,
    missing_docs,
    non_camel_case_types,
    unreachable_pub,
    unused_imports,
    unused_mut,
    unused_variables
)]

include!(concat!(env!("OUT_DIR"), "/pa_for_node.rs"));

// `xs:decimal` is mapped to `crate::domain::Amount` by build.rs: its `Display`
// (`12.30`) and `FromStr` (exactly `\d+\.\d{2}`) are what the schema requires.
impl xsd_parser_types::quick_xml::SerializeBytesToString for crate::domain::Amount {}
impl xsd_parser_types::quick_xml::DeserializeBytesFromStr for crate::domain::Amount {}
