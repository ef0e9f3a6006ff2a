//! gpd-gateway: debt positions for pagoPA, behind a GPD-compatible REST API.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod events;
pub mod jobs;
pub mod metrics;
pub mod rest;
pub mod soap;
pub mod store;
