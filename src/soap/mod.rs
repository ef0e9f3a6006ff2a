//! The Nodo's paForNode SOAP interface: XML/SOAP layer (parsing, rendering).

mod demand;
pub mod endpoint;
pub mod ops;
pub mod xml;

pub use xml::{
    ko_response, parse_request, parse_response, render_response, soap_fault, try_render_response,
    Operation, ParsedRequest, RenderError, SoapError, SoapRequest, SoapResponse,
};
