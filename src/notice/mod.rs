//! Payment notices ("avviso di pagamento" of pagoPA) as PDF, rendered in the binary: a model
//! built from a position ([`model`]), its layout and PDF ([`render`]), the 2D codes ([`codes`]),
//! and a streaming ZIP writer for batches ([`zip`]). Pure: no I/O.

pub mod codes;
pub mod font;
pub mod format;
pub mod logo;
pub mod model;
pub mod render;
pub mod zip;

#[cfg(test)]
mod tests;

pub use model::{build, Institution, NotPayable, Notice};
pub use render::render;
