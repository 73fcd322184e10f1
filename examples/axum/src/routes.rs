//! The handlers: each one a `#[batchload::timed]` operation whose budget is the number of
//! statements it is written to run.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{try_join, try_join_all};
use serde::Serialize;
use sqlx::SqlitePool;

use crate::models::{Bot, BotStance};
use crate::{AppState, Loaders};

/// A chat with its messages, oldest first.
#[derive(Debug, Serialize)]
pub(crate) struct ChatMessages {
    id: i64,
    title: String,
    messages: Vec<MessageView>,
}

#[derive(Debug, Serialize)]
struct MessageView {
    id: i64,
    body: String,
    created_at: String,
    author: Option<BotView>,
}

/// A bot with its stances.
#[derive(Debug, Serialize)]
pub(crate) struct BotView {
    id: i64,
    name: String,
    stances: Vec<StanceView>,
}

#[derive(Debug, Serialize)]
struct StanceView {
    topic: String,
    stance: String,
}

fn bot_view(bot: Bot, stances: Vec<BotStance>) -> BotView {
    BotView {
        id: bot.id,
        name: bot.name,
        stances: stances.into_iter().map(|s| StanceView { topic: s.topic, stance: s.stance }).collect(),
    }
}

/// A handler's failure: 404 for an unknown chat, 500 with the error text for a database error.
#[derive(Debug)]
pub(crate) enum AppError {
    NotFound,
    Database(String),
}

impl From<batchload::Error> for AppError {
    fn from(error: batchload::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND.into_response(),
            Self::Database(message) => (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
        }
    }
}

/// `GET /chats/{id}/messages`: 4 statements whatever the number of messages (the chat and its
/// messages concurrently, then every author and every author's stances, one batch each).
#[batchload::timed(max_queries = 4)]
pub(crate) async fn chat_messages(Path(chat_id): Path<i64>, loaders: Loaders) -> Result<Json<ChatMessages>, AppError> {
    let (chat, messages) = try_join(loaders.chat.load(chat_id), loaders.messages.load(chat_id)).await?;
    let chat = chat.ok_or(AppError::NotFound)?;
    // One `load` per message, all polled together: two statements for all the authors.
    let messages = try_join_all(messages.into_iter().map(|message| {
        let loaders = &loaders;
        async move {
            let (author, stances) =
                try_join(loaders.bot.load(message.bot_id), loaders.stances.load(message.bot_id)).await?;
            Ok::<_, batchload::Error>(MessageView {
                id: message.id,
                body: message.body,
                created_at: message.created_at,
                author: author.map(|bot| bot_view(bot, stances)),
            })
        }
    }))
    .await?;
    Ok(Json(ChatMessages { id: chat.id, title: chat.title, messages }))
}

/// Every bot, by id (a hand-written statement: `#[timed]` counts it like loader statements).
async fn all_bots(pool: &SqlitePool) -> Result<Vec<Bot>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM bots ORDER BY id").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id, name)| Bot { id, name }).collect())
}

/// `GET /bots`: every bot with its stances, in 2 statements.
#[batchload::timed(max_queries = 2)]
pub(crate) async fn bots(State(state): State<AppState>, loaders: Loaders) -> Result<Json<Vec<BotView>>, AppError> {
    let bots = all_bots(&state.pool).await?;
    let stances = try_join_all(bots.iter().map(|bot| loaders.stances.load(bot.id))).await?;
    Ok(Json(bots.into_iter().zip(stances).map(|(bot, stances)| bot_view(bot, stances)).collect()))
}

/// `GET /bots/per-item`: the same answer as `/bots` with one stance query per bot, the N+1
/// that `#[timed]` reports (a WARN on target `batchload::n_plus_one` naming
/// `BotStanceByBotId::load` as the fix). Kept in the example to show the finding.
#[batchload::timed]
pub(crate) async fn bots_per_item(State(state): State<AppState>) -> Result<Json<Vec<BotView>>, AppError> {
    let mut views = Vec::new();
    for bot in all_bots(&state.pool).await? {
        let stances: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT id, bot_id, topic, stance FROM bot_stances WHERE bot_id = ? ORDER BY id")
                .bind(bot.id)
                .fetch_all(&state.pool)
                .await?;
        let stances =
            stances.into_iter().map(|(id, bot_id, topic, stance)| BotStance { id, bot_id, topic, stance }).collect();
        views.push(bot_view(bot, stances));
    }
    Ok(Json(views))
}

/// `GET /metrics`: the Prometheus text exposition of every metric recorded so far.
pub(crate) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
