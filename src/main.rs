#![forbid(unsafe_code)]

use clap::Parser;

#[actix_web::main]
async fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    quiet_on_closed_stdout();
    let cli = gpd_gateway::cli::Cli::parse();
    if let Err(message) = gpd_gateway::cli::run(cli).await {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// `gpd-gateway org list | head -1`: when the reader closes the pipe, stop quietly with the
/// status of a process ended by SIGPIPE, as other command-line tools do, instead of a panic.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info)
    }));
}
