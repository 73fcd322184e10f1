//! The derived loaders against a real, migrated SQLite database: generated SQL, by-key and
//! by-group loads, missing and duplicate keys, large key lists, text and NULL round trips.

use std::collections::HashMap;
use std::time::Duration;

use batchload_tests_sqlite::{
    Bot, BotById, BotHolding, BotNamedByName, BotStance, BotStanceByBotId, BotStanceById, HoldingById, HoldingByOwner,
    MessageByBotId, MessageByChatId, MessageById, TestDb, seed,
};
use futures_util::future::try_join_all;

const TIMEOUT: Duration = Duration::from_secs(60);

async fn with_timeout<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future).await.expect("test timed out")
}

fn stance(id: i64, bot_id: i64, n: i64) -> BotStance {
    BotStance {
        id,
        bot_id,
        topic: format!("topic-{n}"),
        stance: format!("stance-{bot_id}-{n}"),
        strength: n as f64 / 4.0,
        note: (id % 2 == 1).then(|| format!("note-{id}")),
    }
}

fn bot(id: i64) -> Bot {
    Bot { id, name: format!("bot-{id}"), persona: format!("persona {id}"), created_at: "2026-01-01T00:00:00Z".into() }
}

#[test]
fn generated_sql_is_pinned() {
    assert_eq!(
        BotStanceByBotId::SQL,
        "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`stance` AS \"stance\", \
         t.`strength` AS \"strength\", t.`note` AS \"note\" FROM `bot_stances` AS t \
         WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id` /*batchload='BotStanceByBotId'*/"
    );
    assert_eq!(
        BotStanceById::SQL,
        "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`stance` AS \"stance\", \
         t.`strength` AS \"strength\", t.`note` AS \"note\" FROM `bot_stances` AS t \
         WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='BotStanceById'*/"
    );
    assert_eq!(
        BotById::SQL,
        "SELECT t.`id` AS \"id\", t.`name` AS \"name\", t.`persona` AS \"persona\", t.`created_at` AS \"created_at\" \
         FROM `bots` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='BotById'*/"
    );
    assert_eq!(
        MessageById::SQL,
        "SELECT t.`id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`body` AS \"body\", \
         t.`created_at` AS \"created_at\" FROM `messages` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='MessageById'*/"
    );
    assert_eq!(
        MessageByChatId::SQL,
        "SELECT t.`id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`body` AS \"body\", \
         t.`created_at` AS \"created_at\" FROM `messages` AS t WHERE t.`chat_id` IN (SELECT value FROM json_each(?1)) \
         ORDER BY t.`created_at`, t.`id` /*batchload='MessageByChatId'*/"
    );
    assert_eq!(
        MessageByBotId::SQL,
        "SELECT t.`id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`body` AS \"body\", \
         t.`created_at` AS \"created_at\" FROM `messages` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) \
         ORDER BY t.`id` /*batchload='MessageByBotId'*/"
    );
    assert_eq!(
        HoldingById::SQL,
        "SELECT t.`id` AS \"id\", t.`bot_id` AS \"owner\", t.`symbol` AS \"symbol\", t.`quantity` AS \"quantity\", \
         t.`cost_basis` AS \"cost_basis\" FROM `bot_holdings` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='HoldingById'*/"
    );
    assert_eq!(
        HoldingByOwner::SQL,
        "SELECT t.`id` AS \"id\", t.`bot_id` AS \"owner\", t.`symbol` AS \"symbol\", t.`quantity` AS \"quantity\", \
         t.`cost_basis` AS \"cost_basis\" FROM `bot_holdings` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) \
         ORDER BY t.`id` /*batchload='HoldingByOwner'*/"
    );
    for sql in [
        BotById::SQL,
        BotStanceById::SQL,
        BotStanceByBotId::SQL,
        MessageById::SQL,
        MessageByChatId::SQL,
        MessageByBotId::SQL,
        HoldingById::SQL,
        HoldingByOwner::SQL,
    ] {
        assert_eq!(sql.matches('?').count(), 1, "exactly one bind parameter in {sql}");
    }
    assert_eq!(
        (BotStanceByBotId::LOADER, BotStanceByBotId::TABLE, BotStanceByBotId::KEY_COLUMN),
        ("BotStanceByBotId", "bot_stances", "bot_id")
    );
    assert_eq!((HoldingByOwner::LOADER, HoldingByOwner::KEY_COLUMN), ("HoldingByOwner", "bot_id"));
}

#[tokio::test]
async fn loads_by_key_and_by_group() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, 8).await.unwrap();
        seed::stances(&db.pool, 8).await.unwrap();

        let bots = BotById::new(db.pool.clone());
        assert_eq!(bots.load(3).await.unwrap(), Some(bot(3)));

        let stances = BotStanceByBotId::new(db.pool.clone());
        // bot 3 has 3 stances (3 % 4), in primary key order.
        assert_eq!(stances.load(3).await.unwrap(), vec![stance(30, 3, 0), stance(31, 3, 1), stance(32, 3, 2)]);
        // bot 4 has none (4 % 4 == 0): an empty Vec, not an error.
        assert_eq!(stances.load(4).await.unwrap(), Vec::<BotStance>::new());

        let by_id = BotStanceById::new(db.pool.clone());
        assert_eq!(by_id.load(61).await.unwrap(), Some(stance(61, 6, 1)));
    })
    .await;
}

#[tokio::test]
async fn missing_keys_are_none_or_empty() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, 3).await.unwrap();
        seed::stances(&db.pool, 3).await.unwrap();

        let bots = BotById::new(db.pool.clone());
        assert_eq!(bots.load(999).await.unwrap(), None);
        let found = bots.load_many([1, 999, 2, -1]).await.unwrap();
        assert_eq!(found, HashMap::from([(1, bot(1)), (2, bot(2))]));

        let stances = BotStanceByBotId::new(db.pool.clone());
        let groups = stances.load_many([1, 999]).await.unwrap();
        assert_eq!(groups, HashMap::from([(1, vec![stance(10, 1, 0)]), (999, vec![])]));
    })
    .await;
}

#[tokio::test]
async fn duplicate_keys_in_one_call_answer_every_occurrence() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, 5).await.unwrap();
        let bots = BotById::new(db.pool.clone());
        let keys = [2, 2, 5, 2, 5, 404];
        let answers = try_join_all(keys.iter().map(|&key| bots.load(key))).await.unwrap();
        assert_eq!(answers, vec![Some(bot(2)), Some(bot(2)), Some(bot(5)), Some(bot(2)), Some(bot(5)), None]);
        let stats = bots.stats();
        assert_eq!((stats.statements, stats.keys, stats.rows), (1, 3, 2));

        let many = BotById::new(db.pool.clone()).load_many(keys).await.unwrap();
        assert_eq!(many, HashMap::from([(2, bot(2)), (5, bot(5))]));
    })
    .await;
}

#[tokio::test]
async fn empty_key_list_runs_no_statement() {
    with_timeout(async {
        let db = TestDb::new(1).await;
        let stances = BotStanceByBotId::new(db.pool.clone());
        assert!(stances.load_many(Vec::new()).await.unwrap().is_empty());
        assert_eq!(stances.stats().statements, 0);
        assert_eq!(stances.stats().batches, 0);
    })
    .await;
}

#[tokio::test]
async fn forty_thousand_keys_in_one_load_many() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, 40_000).await.unwrap();
        let bots = BotById::new(db.pool.clone());
        // 40,000 existing keys plus 10 missing ones, above SQLite's historical 32,766 bind limit.
        let keys: Vec<i64> = (1..=40_010).collect();
        let found = bots.load_many(keys).await.unwrap();
        assert_eq!(found.len(), 40_000);
        for id in [1, 2, 9_999, 10_000, 10_001, 32_766, 32_767, 40_000] {
            assert_eq!(found[&id], bot(id));
        }
        assert!(!found.contains_key(&40_001));
        let stats = bots.stats();
        // Default chunk of 10,000 distinct keys: 40,010 keys -> 5 statements, one batch.
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 5, 40_010, 40_000));
    })
    .await;
}

#[tokio::test]
async fn non_ascii_text_round_trips_as_value_and_as_key() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        let names = ["Zoë", "東京ボット", "Ñandú 🦤", "plain", "Zoë"];
        for (index, name) in names.iter().enumerate() {
            sqlx::query("INSERT INTO bots (id, name, persona) VALUES (?1, ?2, ?3)")
                .bind(index as i64 + 1)
                .bind(name)
                .bind(format!("« {name} » says “hi”"))
                .execute(&db.pool)
                .await
                .unwrap();
        }
        let bots = BotById::new(db.pool.clone());
        assert_eq!(bots.load(2).await.unwrap().map(|bot| bot.persona), Some("« 東京ボット » says “hi”".to_owned()));

        let by_name = BotNamedByName::new(db.pool.clone());
        let groups = by_name.load_many(["Zoë".to_owned(), "Ñandú 🦤".to_owned(), "zoë".to_owned()]).await.unwrap();
        assert_eq!(groups["Zoë"].iter().map(|bot| bot.id).collect::<Vec<_>>(), vec![1, 5]);
        assert_eq!(groups["Ñandú 🦤"].iter().map(|bot| bot.id).collect::<Vec<_>>(), vec![3]);
        assert_eq!(groups["zoë"], vec![]);
    })
    .await;
}

#[tokio::test]
async fn nullable_columns_round_trip_as_option_and_renamed_columns_load() {
    with_timeout(async {
        let db = TestDb::new(5).await;
        seed::bots(&db.pool, 2).await.unwrap();
        sqlx::query(
            "INSERT INTO bot_holdings (id, bot_id, symbol, quantity, cost_basis) VALUES \
             (1, 1, 'AAPL', 10, 187.25), (2, 1, 'BTC', 3, NULL), (3, 2, 'TSLA', 7, 0.0)",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let holdings = HoldingByOwner::new(db.pool.clone());
        let owned = holdings.load(1).await.unwrap();
        assert_eq!(
            owned,
            vec![
                BotHolding { id: 1, owner: 1, symbol: "AAPL".into(), quantity: 10, cost_basis: Some(187.25) },
                BotHolding { id: 2, owner: 1, symbol: "BTC".into(), quantity: 3, cost_basis: None },
            ]
        );
        let by_id = HoldingById::new(db.pool.clone());
        assert_eq!(by_id.load(3).await.unwrap().and_then(|holding| holding.cost_basis), Some(0.0));
    })
    .await;
}
