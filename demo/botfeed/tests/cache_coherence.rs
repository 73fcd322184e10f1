//! The batched engine keeps its stance and holding loaders for the whole run; each generated
//! message writes only `messages`, a table neither loader reads, so no key of theirs needs
//! evicting. This test holds that claim: after 60 batched messages, every key either cache
//! holds answers exactly what a fresh loader reads from the database now.

use botfeed::db::{self, SeedSize};
use botfeed::models::{BotStanceByBotId, HoldingByBotId};
use botfeed::synthetic::{self, Loaders};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lived_caches_match_the_database_after_the_writes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pool = db::fresh_sqlite(&dir.path().join("coherence.db")).await.expect("database");
    let size = SeedSize { bots: 40, chats: 10, messages: 600 };
    db::seed_synthetic(&pool, 5, size).await.expect("seed");
    let loaders = Loaders::new(&pool);
    let steps = synthetic::plan(5, 60, size.chats);
    for step in &steps {
        synthetic::generate_batched(&pool, &pool, &loaders, *step, synthetic::created_at_seconds(size.messages, step))
            .await
            .expect("message");
    }
    let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(&pool).await.expect("count");
    assert_eq!(written, 660, "60 messages written after the 600 seeded");
    assert!(loaders.stances.cached_keys() > 0 && loaders.holdings.cached_keys() > 0, "the caches were used");

    let bots: Vec<i64> = (1..=size.bots).collect();
    let cached = loaders.stances.load_many(bots.iter().copied()).await.expect("cached stances");
    let fresh = BotStanceByBotId::new(pool.clone()).load_many(bots.iter().copied()).await.expect("fresh stances");
    assert_eq!(cached, fresh);
    let cached = loaders.holdings.load_many(bots.iter().copied()).await.expect("cached holdings");
    let fresh = HoldingByBotId::new(pool.clone()).load_many(bots.iter().copied()).await.expect("fresh holdings");
    assert_eq!(cached, fresh);
    pool.close().await;
}
