//! A small axum service on batchload's demo schema (`migrations/sqlite`), as a real
//! application wires it:
//!
//! * **per-request loaders** through an extractor ([`Loaders`]): each request gets fresh
//!   loaders, so its cache lives exactly as long as the request and concurrent loads inside
//!   one handler share batches;
//! * **`#[batchload::timed]` handlers**: every request is an operation whose statements are
//!   counted, checked against its `max_queries` budget and for N+1 patterns;
//! * **telemetry** set up as batchload's README recommends ([`telemetry`]): a `tracing`
//!   registry with the `fmt` output filtered per layer and `batchload::instrument::layer()`,
//!   and a Prometheus recorder whose text `/metrics` serves.
//!
//! Routes:
//!
//! | route | statements |
//! | --- | --- |
//! | `GET /chats/{id}/messages` | 4: the chat, its messages, their authors, the authors' stances |
//! | `GET /bots` | 2: the bots, then all their stances in one batch |
//! | `GET /bots/per-item` | 1 + one per bot: the N+1 that `#[timed]` reports (kept to show the finding) |
//! | `GET /metrics` | none: Prometheus text |
//!
//! Run it with `cargo run -p batchload-example-axum` (it creates and seeds
//! `target/axum-example.db`; set `DATABASE_URL` to another SQLite URL to change that).

pub mod models;
mod routes;
pub mod seed;
pub mod telemetry;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::SqlitePool;

use models::{BotById, BotStanceByBotId, ChatById, MessageByChatId};

/// The demo schema's migrations (the repository's `migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// What every handler can reach: the pool and the Prometheus handle `/metrics` renders.
#[derive(Clone)]
pub struct AppState {
    /// The database pool; loaders clone it (a cheap handle).
    pub pool: SqlitePool,
    /// Renders the metrics recorded by the installed Prometheus recorder.
    pub metrics: PrometheusHandle,
}

/// The loaders of one request, made fresh by the extractor for every request: a loader caches
/// what it loaded, and a cache shared across requests would serve stale rows and grow without
/// bound.
///
/// Call `load(key)` once per item, concurrently (`try_join_all`, async-graphql resolvers):
/// the loads issued in the same round of polling are gathered into one statement.
/// `load_many(keys)` sends its keys at once, so call it when you already hold the whole list.
pub struct Loaders {
    /// `chats` by `id`.
    pub chat: ChatById,
    /// `bots` by `id`.
    pub bot: BotById,
    /// `bot_stances` by `bot_id`.
    pub stances: BotStanceByBotId,
    /// `messages` by `chat_id`, in creation order.
    pub messages: MessageByChatId,
}

impl Loaders {
    /// Fresh loaders on `pool` (no statement runs until a load).
    pub fn new(pool: &SqlitePool) -> Self {
        Self {
            chat: ChatById::new(pool.clone()),
            bot: BotById::new(pool.clone()),
            stances: BotStanceByBotId::new(pool.clone()),
            messages: MessageByChatId::new(pool.clone()),
        }
    }
}

impl FromRequestParts<AppState> for Loaders {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::new(&state.pool))
    }
}

/// The service's router: the routes of the table above, on `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/chats/{id}/messages", get(routes::chat_messages))
        .route("/bots", get(routes::bots))
        .route("/bots/per-item", get(routes::bots_per_item))
        .route("/metrics", get(routes::metrics))
        .with_state(state)
}
