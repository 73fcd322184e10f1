//! Hand-written loaders on PostgreSQL: a context loader (its rows depend on the viewer, bound
//! as a second parameter) and a tuple-key loader (one array per tuple element, `UNNEST`ed back
//! into rows), each with its SQL written once (`batchload::batch_statement!`) and registered
//! for the N+1 detector and the advisor.

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
        db: sqlx::Postgres,
        row: ViewerStance,
        sql: "SELECT s.id, s.bot_id, s.topic, s.stance, \
              EXISTS (SELECT 1 FROM bot_stances AS v WHERE v.bot_id = $2 AND v.topic = s.topic) \
              AS \"viewer_has_topic!\" \
              FROM bot_stances AS s WHERE s.bot_id = ANY($1) ORDER BY s.id",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [keys, self.viewer],
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
        db: sqlx::Postgres,
        row: BotStance,
        sql: "SELECT s.id, s.bot_id, s.topic, s.stance, s.strength, s.note FROM bot_stances AS s \
              WHERE (s.bot_id, s.topic) IN (SELECT * FROM UNNEST($1::bigint[], $2::text[]))",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [
                &keys.iter().map(|key| key.0).collect::<Vec<i64>>()[..],
                &keys.iter().map(|key| key.1.clone()).collect::<Vec<String>>()[..],
            ],
        }
    }

    fn key_of(&self, row: &BotStance) -> Option<(i64, String)> {
        Some((row.bot_id, row.topic.clone()))
    }
}
