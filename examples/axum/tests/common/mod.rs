//! What every test binary of the example shares: a seeded database and requests through the
//! router.

#![allow(dead_code, unreachable_pub)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use batchload::instrument::{self, OperationReport};
use batchload_example_axum::{AppState, MIGRATOR, app, seed};
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tower::ServiceExt;

/// Bots, chats and messages per chat of [`Service::new`]'s data.
pub const BOTS: i64 = 20;
pub const CHATS: i64 = 3;
pub const MESSAGES_PER_CHAT: i64 = 50;

/// The example's router on a fresh migrated and seeded database (deleted on drop).
pub struct Service {
    pub router: Router,
    pub pool: SqlitePool,
    _dir: tempfile::TempDir,
}

impl Service {
    /// A database in a new temporary directory, seeded with [`BOTS`] bots and [`CHATS`] chats
    /// of [`MESSAGES_PER_CHAT`] messages, served with `metrics` as the `/metrics` handle.
    pub async fn new(metrics: PrometheusHandle) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let options = SqliteConnectOptions::new().filename(dir.path().join("example.db")).create_if_missing(true);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.expect("open the database");
        MIGRATOR.run(&pool).await.expect("migrate");
        seed::demo(&pool, BOTS, CHATS, MESSAGES_PER_CHAT).await.expect("seed");
        let router = app(AppState { pool: pool.clone(), metrics });
        Self { router, pool, _dir: dir }
    }

    /// `GET uri` through the router (no socket: tower's `oneshot`), run inside
    /// `instrument::observe` so the request's statements come back in batchload's own report.
    pub async fn get(&self, uri: &str) -> (StatusCode, String, Result<OperationReport, instrument::CheckError>) {
        let request = Request::get(uri).body(Body::empty()).expect("request");
        let (response, report) = instrument::observe(self.router.clone().oneshot(request)).await;
        let response = response.expect("axum routers never fail");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("response body");
        (status, String::from_utf8(body.to_vec()).expect("UTF-8 body"), report)
    }

    /// `GET uri` through the router without an enclosing operation: the status, the
    /// `Content-Type` and the body.
    pub async fn get_plain(&self, uri: &str) -> (StatusCode, String, String) {
        let request = Request::get(uri).body(Body::empty()).expect("request");
        let response = self.router.clone().oneshot(request).await.expect("axum routers never fail");
        let status = response.status();
        let content_type = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .map(|value| value.to_str().expect("ASCII header").to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("response body");
        (status, content_type, String::from_utf8(body.to_vec()).expect("UTF-8 body"))
    }
}
