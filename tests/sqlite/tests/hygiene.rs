//! `#[derive(Batched)]` is hygienic: the generated loaders compile in a module without the
//! implicit prelude, next to local items named like the prelude's types and traits and like the
//! crates the generated code names, and they load the right rows.

mod shadowed {
    #![no_implicit_prelude]
    #![allow(dead_code, missing_docs, unreachable_pub)]

    // Prelude names: the generated code must not rely on the prelude.
    pub struct Option;
    pub struct Some;
    pub struct None;
    pub struct Result;
    pub struct Ok;
    pub struct Err;
    pub struct Vec;
    pub struct Box;
    pub struct String;
    pub struct ToString;
    pub struct ToOwned;
    pub struct Clone;
    pub struct Copy;
    pub struct Debug;
    pub struct Default;
    pub struct PartialEq;
    pub struct Eq;
    pub struct Send;
    pub struct Sync;
    pub struct Sized;
    pub struct Drop;
    pub struct From;
    pub struct Into;
    pub struct AsRef;
    pub struct Iterator;
    pub struct IntoIterator;
    pub struct Fn;
    // Names of the crates and of the items the generated code uses: it must name them by
    // absolute paths (`::core`, `::std`, `::sqlx`, `::batchload`).
    pub mod core {}
    pub mod std {}
    pub mod alloc {}
    pub mod sqlx {}
    pub mod batchload {}
    pub mod serde {}
    pub struct Loader;
    pub struct LoaderOptions;
    pub struct BatchQuery;
    pub struct Unique;
    pub struct Grouped;
    pub struct Pool;
    pub struct Sqlite;
    pub struct Error;
    pub struct BoxFuture;
    pub struct Formatter;
    pub struct Linked;
    pub struct Through;
    pub struct Shape;

    /// A bot, read through a one-to-one loader.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::batchload::Batched)]
    #[batched(table = "bots")]
    pub struct Bot {
        #[batched(key)]
        pub id: i64,
        pub name: ::std::string::String,
        pub persona: ::std::string::String,
        pub created_at: ::std::string::String,
    }

    /// A stance, read through one-to-many loaders: by a plain column (rows by primary key)
    /// and by a nullable column (an `Option` field, rows by `strength`).
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::batchload::Batched)]
    #[batched(table = "bot_stances", loader = "Stance")]
    pub struct BotStance {
        #[batched(key)]
        pub id: i64,
        #[batched(group)]
        pub bot_id: i64,
        pub topic: ::std::string::String,
        pub strength: f64,
        #[batched(group, order_by = "strength")]
        pub note: ::core::option::Option<::std::string::String>,
    }

    /// A topic, read many-to-many through `bot_topics`.
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::batchload::Batched)]
    #[batched(
        table = "topics",
        through(table = "bot_topics", parent = "bot_id", child = "topic_id", loader = "TopicsOfBot")
    )]
    pub struct Topic {
        #[batched(key)]
        pub id: i64,
        pub name: ::std::string::String,
    }

    /// A stance, read top-N per bot and by the composite `(bot_id, note)` (a nullable element).
    #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::cmp::PartialEq, ::batchload::Batched)]
    #[batched(table = "bot_stances", loader = "Ranked", group(bot_id, note), order_by = "strength DESC")]
    pub struct RankedStance {
        #[batched(key)]
        pub id: i64,
        #[batched(group, limit = 2)]
        pub bot_id: i64,
        pub topic: ::std::string::String,
        pub strength: f64,
        pub note: ::core::option::Option<::std::string::String>,
    }
}

use batchload_tests_sqlite::TestDb;
use shadowed::{
    Bot, BotById, BotStance, RankedByBotId, RankedByBotIdAndNote, StanceByBotId, StanceById, StanceByNote, Topic,
    TopicsOfBot,
};

fn bot(id: i64, name: &str) -> Bot {
    Bot {
        id,
        name: name.to_owned(),
        persona: format!("persona of {name}"),
        created_at: "2026-01-01T00:00:00Z".to_owned(),
    }
}

fn stance(id: i64, bot_id: i64, topic: &str, strength: f64, note: Option<&str>) -> BotStance {
    BotStance { id, bot_id, topic: topic.to_owned(), strength, note: note.map(str::to_owned) }
}

#[tokio::test]
async fn loaders_generated_without_the_prelude_load_the_right_rows() {
    let db = TestDb::new(5).await;
    sqlx::query(
        "INSERT INTO bots (id, name, persona, created_at) VALUES \
         (1, 'ada', 'persona of ada', '2026-01-01T00:00:00Z'), \
         (2, 'bob', 'persona of bob', '2026-01-01T00:00:00Z')",
    )
    .execute(&db.pool)
    .await
    .expect("insert bots");
    sqlx::query(
        "INSERT INTO bot_stances (id, bot_id, topic, stance, strength, note) VALUES \
         (12, 1, 'rates', 'up', 0.75, 'hawk'), \
         (11, 1, 'oil', 'down', 0.25, NULL), \
         (13, 1, 'gold', 'flat', 0.5, 'hawk'), \
         (21, 2, 'rates', 'down', 1.0, 'dove')",
    )
    .execute(&db.pool)
    .await
    .expect("insert stances");

    let bots = BotById::new(db.pool.clone());
    let (ada, bob, nobody) = tokio::join!(bots.load(1), bots.load(2), bots.load(3));
    assert_eq!(ada.expect("load bot 1"), Some(bot(1, "ada")));
    assert_eq!(bob.expect("load bot 2"), Some(bot(2, "bob")));
    assert_eq!(nobody.expect("load bot 3"), None);

    let by_id = StanceById::new(db.pool.clone());
    assert_eq!(by_id.load(21).await.expect("load stance 21"), Some(stance(21, 2, "rates", 1.0, Some("dove"))));

    let by_bot = StanceByBotId::new(db.pool.clone());
    let (of_ada, of_bob, of_nobody) = tokio::join!(by_bot.load(1), by_bot.load(2), by_bot.load(3));
    assert_eq!(
        of_ada.expect("load stances of bot 1"),
        [
            stance(11, 1, "oil", 0.25, None),
            stance(12, 1, "rates", 0.75, Some("hawk")),
            stance(13, 1, "gold", 0.5, Some("hawk")),
        ]
    );
    assert_eq!(of_bob.expect("load stances of bot 2"), [stance(21, 2, "rates", 1.0, Some("dove"))]);
    assert_eq!(of_nobody.expect("load stances of bot 3"), Vec::<BotStance>::new());

    let by_note = StanceByNote::new(db.pool.clone());
    let (hawks, doves) = tokio::join!(by_note.load("hawk".to_owned()), by_note.load("dove".to_owned()));
    assert_eq!(
        hawks.expect("load hawk stances"),
        [stance(13, 1, "gold", 0.5, Some("hawk")), stance(12, 1, "rates", 0.75, Some("hawk"))]
    );
    assert_eq!(doves.expect("load dove stances"), [stance(21, 2, "rates", 1.0, Some("dove"))]);
}

#[tokio::test]
async fn relation_loaders_generated_without_the_prelude_load_the_right_rows() {
    let db = TestDb::new(5).await;
    sqlx::query(
        "INSERT INTO bots (id, name, persona) VALUES (1, 'ada', ''), (2, 'bob', ''); \
         INSERT INTO bot_stances (id, bot_id, topic, stance, strength, note) VALUES \
         (12, 1, 'rates', 'up', 0.75, 'hawk'), (11, 1, 'oil', 'down', 0.25, NULL), \
         (13, 1, 'gold', 'flat', 0.5, 'hawk'), (21, 2, 'rates', 'down', 1.0, 'dove'); \
         INSERT INTO topics (id, name) VALUES (1, 'rates'), (2, 'oil'); \
         INSERT INTO bot_topics (bot_id, topic_id, position) VALUES (1, 2, 0), (1, 1, 1), (2, 1, 0)",
    )
    .execute(&db.pool)
    .await
    .expect("insert rows");

    let topics = TopicsOfBot::new(db.pool.clone());
    let (of_ada, of_nobody) = tokio::join!(topics.load(1), topics.load(3));
    let topic = |id: i64, name: &str| Topic { id, name: name.to_owned() };
    assert_eq!(of_ada.expect("topics of bot 1"), [topic(1, "rates"), topic(2, "oil")]);
    assert_eq!(of_nobody.expect("topics of bot 3"), Vec::<Topic>::new());

    let top = RankedByBotId::new(db.pool.clone());
    let best: Vec<i64> = top.load(1).await.expect("top stances").iter().map(|stance| stance.id).collect();
    assert_eq!(best, [12, 13]);

    let by_note = RankedByBotIdAndNote::new(db.pool.clone());
    let (hawks, none) = tokio::join!(by_note.load((1, "hawk".to_owned())), by_note.load((1, "oil".to_owned())));
    assert_eq!(hawks.expect("hawk stances").iter().map(|stance| stance.id).collect::<Vec<_>>(), [12, 13]);
    assert_eq!(none.expect("no stances").len(), 0);
}
