//! Hand-written loaders on SQLite: a context loader (its rows depend on the viewer, bound as a
//! second parameter) and a tuple-key loader, each with its SQL written once
//! (`batchload::batch_statement!`) and registered for the N+1 detector and the advisor.

use batchload::BatchQuery;

use crate::{BotStance, Db};

include!("../../shared/handwritten_types.rs");

impl BatchQuery for StancesForViewer {
    type Key = i64;
    type Row = ViewerStance;

    const TABLE: &'static str = "bot_stances";
    const KEY_COLUMN: &'static str = "bot_id";

    batchload::batch_statement! {
        loader: "StancesForViewer",
        db: sqlx::Sqlite,
        row: ViewerStance,
        sql: "SELECT s.id AS \"id!\", s.bot_id AS \"bot_id!\", s.topic AS \"topic!\", s.stance AS \"stance!\", \
              EXISTS (SELECT 1 FROM bot_stances AS v WHERE v.bot_id = ?2 AND v.topic = s.topic) \
              AS \"viewer_has_topic!: bool\" \
              FROM bot_stances AS s WHERE s.bot_id IN (SELECT value FROM json_each(?1)) ORDER BY s.id",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [batchload::json_keys(keys), self.viewer],
        }
    }

    fn key_of(&self, row: &ViewerStance) -> Option<i64> {
        Some(row.bot_id)
    }
}

impl BatchQuery for StanceByBotAndTopic {
    type Key = (i64, String);
    type Row = BotStance;

    const TABLE: &'static str = "bot_stances";
    const KEY_COLUMN: &'static str = "bot_id";

    batchload::batch_statement! {
        loader: "StanceByBotAndTopic",
        db: sqlx::Sqlite,
        row: BotStance,
        sql: "SELECT s.id AS \"id!\", s.bot_id AS \"bot_id!\", s.topic AS \"topic!\", s.stance AS \"stance!\", \
              s.strength AS \"strength!\", s.note AS \"note?\" FROM bot_stances AS s \
              WHERE (s.bot_id, s.topic) IN \
              (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [batchload::json_keys(keys)],
        }
    }

    fn key_of(&self, row: &BotStance) -> Option<(i64, String)> {
        Some((row.bot_id, row.topic.clone()))
    }
}
