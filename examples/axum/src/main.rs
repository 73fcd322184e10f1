//! Serves the example on `127.0.0.1:3000` (or `EXAMPLE_LISTEN`), on the SQLite database named
//! by `EXAMPLE_DATABASE_URL` (default: `target/axum-example.db` in the repository), migrated
//! and, when empty, seeded with 20 bots and 3 chats of 50 messages.
//!
//! (Not `DATABASE_URL`: sqlx's macros read that variable at compile time and would check the
//! queries online against it.)

use batchload_example_axum::{AppState, MIGRATOR, app, seed, telemetry};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let metrics = telemetry::init()?;
    let url = std::env::var("EXAMPLE_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/../../target/axum-example.db", env!("CARGO_MANIFEST_DIR")));
    let options: SqliteConnectOptions = url.parse()?;
    let pool = SqlitePoolOptions::new().max_connections(5).connect_with(options.create_if_missing(true)).await?;
    MIGRATOR.run(&pool).await?;
    let bots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bots").fetch_one(&pool).await?;
    if bots == 0 {
        seed::demo(&pool, 20, 3, 50).await?;
    }
    let address = std::env::var("EXAMPLE_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    tracing::info!("listening on http://{address} (try /chats/1/messages, /bots, /bots/per-item, /metrics)");
    axum::serve(listener, app(AppState { pool, metrics })).await?;
    Ok(())
}
