//! Hand-written loaders on MySQL / MariaDB: a context loader (its rows depend on the viewer,
//! bound as a parameter) and a tuple-key loader (a JSON array of `[bot_id, topic]` pairs read
//! by `JSON_TABLE`), each with its SQL written once (`batchload::batch_statement!`) and
//! registered for the N+1 detector and the advisor. MySQL numbers parameters by position, so
//! the viewer (first `?` in the text) is bound before the key list.

use batchload::BatchQuery;

use crate::{BotStance, CiTag, Db};

include!("../../shared/handwritten_types.rs");

impl BatchQuery for StancesForViewer {
    type Key = i64;
    type Row = ViewerStance;

    const TABLE: &'static str = "bot_stances";
    const KEY_COLUMN: &'static str = "bot_id";

    batchload::batch_statement! {
        loader: "StancesForViewer",
        db: sqlx::MySql,
        row: ViewerStance,
        sql: "SELECT s.id, s.bot_id, s.topic, s.stance, \
              EXISTS (SELECT 1 FROM bot_stances AS v WHERE v.bot_id = ? AND v.topic = s.topic) \
              AS `viewer_has_topic!: bool` \
              FROM bot_stances AS s \
              WHERE s.bot_id IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) \
              ORDER BY s.id",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [self.viewer, batchload::json_keys(keys)],
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
        db: sqlx::MySql,
        row: BotStance,
        sql: "SELECT s.id, s.bot_id, s.topic, s.stance, s.strength, s.note FROM bot_stances AS s \
              WHERE (s.bot_id, s.topic) IN (SELECT k.bot_id, k.topic FROM JSON_TABLE(?, '$[*]' \
              COLUMNS (bot_id BIGINT PATH '$[0]', topic VARCHAR(255) PATH '$[1]')) AS k)",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [batchload::json_keys(keys)],
        }
    }

    fn key_of(&self, row: &BotStance) -> Option<(i64, String)> {
        Some((row.bot_id, row.topic.clone()))
    }
}

/// Names compared under the column's own collation (`utf8mb4_general_ci`: case- and
/// accent-insensitive), unlike the derived `CiTagByName`, whose `JSON_TABLE` text compares as
/// `utf8mb4_bin`. Rows of another case or accents come back and are counted as unmatched.
#[derive(Debug, Clone)]
pub struct CiTagByNameCi {
    /// Pool the statement runs on.
    pub pool: sqlx::Pool<Db>,
}

batchload::register_loader!(batchload::GroupLoader<CiTagByNameCi>);

impl BatchQuery for CiTagByNameCi {
    type Key = String;
    type Row = CiTag;

    const TABLE: &'static str = "ci_tags";
    const KEY_COLUMN: &'static str = "name";

    batchload::batch_statement! {
        loader: "CiTagByNameCi",
        db: sqlx::MySql,
        row: CiTag,
        sql: "SELECT t.id, t.name FROM ci_tags AS t WHERE t.name IN (SELECT k.k COLLATE utf8mb4_general_ci \
              FROM JSON_TABLE(?, '$[*]' COLUMNS (k VARCHAR(64) PATH '$')) AS k) ORDER BY t.id",
        fn fetch(&self, keys) {
            pool: &self.pool,
            args: [batchload::json_keys(keys)],
        }
    }

    fn key_of(&self, row: &CiTag) -> Option<String> {
        Some(row.name.clone())
    }
}
