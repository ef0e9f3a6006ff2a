#![forbid(unsafe_code)]

use clap::Parser;

#[actix_web::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = gpd_gateway::cli::Cli::parse();
    if let Err(message) = gpd_gateway::cli::run(cli).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}
