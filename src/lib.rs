//! gpd-gateway: debt positions for pagoPA, behind a GPD-compatible REST API and the Nodo's
//! paForNode SOAP interface.
#![forbid(unsafe_code)]
// No unwrap() on input or I/O paths; tests may.
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod events;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod notice;
pub mod portal;
pub mod rest;
pub mod soap;
pub mod store;
