//! Snapshot tests: the exact statement text per backend.

use super::*;
use crate::batched::ctxt::Errors;

fn statements(backend: Backend, input: syn::DeriveInput) -> Vec<String> {
    let errors = Errors::new();
    let model = Model::from_syn(&input, &errors).expect("a struct");
    assert!(errors.is_empty());
    model.loader_fields().map(|(field, role)| statement(backend, &model, &LoaderSpec::Single { field, role })).collect()
}

fn bot_stance() -> syn::DeriveInput {
    syn::parse_quote! {
        #[batched(table = "bot_stances")]
        struct BotStance {
            #[batched(key)] id: i64,
            #[batched(group)] bot_id: i64,
            topic: String,
            note: Option<String>,
        }
    }
}

#[test]
fn sqlite_unique_and_group_loaders() {
    assert_eq!(
        statements(Backend::Sqlite, bot_stance()),
        [
            "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='BotStanceById'*/",
            "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id` /*batchload='BotStanceByBotId'*/",
        ]
    );
}

#[test]
fn postgres_unique_and_group_loaders() {
    assert_eq!(
        statements(Backend::Postgres, bot_stance()),
        [
            "SELECT t.\"id\" AS \"id\", t.\"bot_id\" AS \"bot_id\", t.\"topic\" AS \"topic\", t.\"note\" AS \"note\" FROM \"bot_stances\" AS t WHERE t.\"id\" = ANY($1) /*batchload='BotStanceById'*/",
            "SELECT t.\"id\" AS \"id\", t.\"bot_id\" AS \"bot_id\", t.\"topic\" AS \"topic\", t.\"note\" AS \"note\" FROM \"bot_stances\" AS t WHERE t.\"bot_id\" = ANY($1) ORDER BY t.\"id\" /*batchload='BotStanceByBotId'*/",
        ]
    );
}

#[test]
fn mysql_unique_and_group_loaders() {
    assert_eq!(
        statements(Backend::Mysql, bot_stance()),
        [
            "SELECT t.`id` AS `id`, t.`bot_id` AS `bot_id`, t.`topic` AS `topic`, t.`note` AS `note` FROM `bot_stances` AS t WHERE t.`id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) /*batchload='BotStanceById'*/",
            "SELECT t.`id` AS `id`, t.`bot_id` AS `bot_id`, t.`topic` AS `topic`, t.`note` AS `note` FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) ORDER BY t.`id` /*batchload='BotStanceByBotId'*/",
        ]
    );
}

#[test]
fn key_types_choose_the_json_reading() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[batched(table = "things")]
        struct Thing {
            #[batched(key)] id: uuid::Uuid,
            #[batched(group)] name: String,
            #[batched(group)] day: chrono::NaiveDate,
            #[batched(group)] small: Option<i16>,
        }
    };
    let sqlite = statements(Backend::Sqlite, input.clone());
    assert!(
        sqlite[0].ends_with("WHERE t.`id` IN (SELECT unhex(value) FROM json_each(?1)) /*batchload='ThingById'*/"),
        "{}",
        sqlite[0]
    );
    assert!(sqlite[1].contains("WHERE t.`name` IN (SELECT value FROM json_each(?1))"), "{}", sqlite[1]);
    let mysql = statements(Backend::Mysql, input);
    assert!(
        mysql[0].ends_with("IN (SELECT UNHEX(k.k) FROM JSON_TABLE(?, '$[*]' COLUMNS (k CHAR(32) PATH '$')) AS k) /*batchload='ThingById'*/"),
        "{}",
        mysql[0]
    );
    assert!(mysql[1].contains("COLUMNS (k VARCHAR(16383) PATH '$')"), "{}", mysql[1]);
    assert!(mysql[2].contains("COLUMNS (k DATE PATH '$')"), "{}", mysql[2]);
    assert!(mysql[3].contains("COLUMNS (k SMALLINT PATH '$')"), "{}", mysql[3]);
}

#[test]
fn column_rename_schema_prefix_and_order_by() {
    let input = syn::parse_quote! {
        #[batched(table = "main.messages", order_by = "created_at")]
        struct Message {
            #[batched(key, column = "message_id")] id: i64,
            #[batched(group)] chat_id: i64,
            #[batched(group, order_by = "id")] r#bot_id: i64,
            created_at: String,
        }
    };
    let sql = statements(Backend::Sqlite, input);
    assert_eq!(sql.len(), 3);
    assert_eq!(
        sql[1],
        "SELECT t.`message_id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`created_at` AS \"created_at\" FROM `main`.`messages` AS t WHERE t.`chat_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`created_at`, t.`message_id` /*batchload='MessageByChatId'*/"
    );
    assert!(
        sql[2].ends_with("WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`, t.`message_id` /*batchload='MessageByBotId'*/"),
        "{}",
        sql[2]
    );
}

#[test]
fn every_statement_has_exactly_one_bind_parameter() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        let input = syn::parse_quote! {
            #[batched(table = "t")]
            struct Row { #[batched(key)] a: i64, #[batched(group)] b: Option<i64> }
        };
        for sql in statements(backend, input) {
            let binds = sql.matches('?').count() + sql.matches("$1").count();
            assert_eq!(binds, 1, "{sql}");
        }
    }
}

/// Every loader's statement, through [`statement`], in [`Model::loaders`] order.
fn all_statements(backend: Backend, input: &syn::DeriveInput) -> Vec<String> {
    let errors = Errors::new();
    let model = Model::from_syn(input, &errors).expect("a struct");
    crate::batched::check::check(&model, &errors);
    assert!(errors.is_empty());
    model.loaders().iter().map(|spec| statement(backend, &model, spec)).collect()
}

fn reaction() -> syn::DeriveInput {
    syn::parse_quote! {
        #[batched(table = "reactions", group(message_id, emoji), order_by = "score DESC")]
        struct Reaction {
            #[batched(key)] id: i64,
            #[batched(group, order_by = "score DESC, id DESC", limit = 3)] message_id: i64,
            emoji: String,
            score: i64,
        }
    }
}

fn topic() -> syn::DeriveInput {
    syn::parse_quote! {
        #[batched(table = "topics")]
        #[batched(through(table = "bot_topics", parent = "bot_id", child = "topic_id", order_by = "position"))]
        struct Topic { #[batched(key)] id: i64, name: String }
    }
}

fn bot_topic() -> syn::DeriveInput {
    syn::parse_quote! {
        #[batched(table = "bot_topics", key(topic_id, bot_id))]
        struct BotTopic { bot_id: i64, topic_id: i64, position: i64 }
    }
}

#[test]
fn sqlite_relation_shapes() {
    assert_eq!(
        all_statements(Backend::Sqlite, &reaction()),
        [
            "SELECT t.`id` AS \"id\", t.`message_id` AS \"message_id\", t.`emoji` AS \"emoji\", t.`score` AS \"score\" FROM `reactions` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='ReactionById'*/",
            "SELECT b.`id` AS \"id\", b.`message_id` AS \"message_id\", b.`emoji` AS \"emoji\", b.`score` AS \"score\" FROM `reactions` AS b INNER JOIN (SELECT t.`id`, ROW_NUMBER() OVER (PARTITION BY t.`message_id` ORDER BY t.`score` DESC, t.`id` DESC) AS rn FROM `reactions` AS t WHERE t.`message_id` IN (SELECT value FROM json_each(?1))) AS r ON r.`id` = b.`id` WHERE r.rn <= 3 ORDER BY b.`message_id`, r.rn /*batchload='ReactionByMessageId'*/",
            "SELECT t.`id` AS \"id\", t.`message_id` AS \"message_id\", t.`emoji` AS \"emoji\", t.`score` AS \"score\" FROM `reactions` AS t WHERE (t.`message_id`, t.`emoji`) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)) ORDER BY t.`score` DESC, t.`id` /*batchload='ReactionByMessageIdAndEmoji'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Sqlite, &topic()),
        [
            "SELECT t.`id` AS \"id\", t.`name` AS \"name\" FROM `topics` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1)) /*batchload='TopicById'*/",
            "SELECT t.`bot_id` AS \"__batchload_parent\", c.`id` AS \"id\", c.`name` AS \"name\" FROM `bot_topics` AS t INNER JOIN `topics` AS c ON c.`id` = t.`topic_id` WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`position`, c.`id` /*batchload='TopicByBotId'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Sqlite, &bot_topic()),
        [
            "SELECT t.`bot_id` AS \"bot_id\", t.`topic_id` AS \"topic_id\", t.`position` AS \"position\" FROM `bot_topics` AS t WHERE (t.`topic_id`, t.`bot_id`) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)) /*batchload='BotTopicByTopicIdAndBotId'*/",
        ]
    );
}

#[test]
fn postgres_relation_shapes() {
    assert_eq!(
        all_statements(Backend::Postgres, &reaction()),
        [
            "SELECT t.\"id\" AS \"id\", t.\"message_id\" AS \"message_id\", t.\"emoji\" AS \"emoji\", t.\"score\" AS \"score\" FROM \"reactions\" AS t WHERE t.\"id\" = ANY($1) /*batchload='ReactionById'*/",
            "SELECT l.\"id\" AS \"id\", l.\"message_id\" AS \"message_id\", l.\"emoji\" AS \"emoji\", l.\"score\" AS \"score\" FROM (SELECT DISTINCT t.\"message_id\" FROM \"reactions\" AS t WHERE t.\"message_id\" = ANY($1)) AS k CROSS JOIN LATERAL (SELECT b.* FROM \"reactions\" AS b WHERE b.\"message_id\" = k.\"message_id\" ORDER BY b.\"score\" DESC, b.\"id\" DESC LIMIT 3) AS l ORDER BY l.\"message_id\", l.\"score\" DESC, l.\"id\" DESC /*batchload='ReactionByMessageId'*/",
            "SELECT t.\"id\" AS \"id\", t.\"message_id\" AS \"message_id\", t.\"emoji\" AS \"emoji\", t.\"score\" AS \"score\" FROM \"reactions\" AS t WHERE (t.\"message_id\", t.\"emoji\") IN (SELECT (k.value->>0)::int8, (k.value->>1)::text FROM json_array_elements($1::text::json) AS k) ORDER BY t.\"score\" DESC, t.\"id\" /*batchload='ReactionByMessageIdAndEmoji'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Postgres, &topic()),
        [
            "SELECT t.\"id\" AS \"id\", t.\"name\" AS \"name\" FROM \"topics\" AS t WHERE t.\"id\" = ANY($1) /*batchload='TopicById'*/",
            "SELECT t.\"bot_id\" AS \"__batchload_parent\", c.\"id\" AS \"id\", c.\"name\" AS \"name\" FROM \"bot_topics\" AS t INNER JOIN \"topics\" AS c ON c.\"id\" = t.\"topic_id\" WHERE t.\"bot_id\" = ANY($1) ORDER BY t.\"position\", c.\"id\" /*batchload='TopicByBotId'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Postgres, &bot_topic()),
        [
            "SELECT t.\"bot_id\" AS \"bot_id\", t.\"topic_id\" AS \"topic_id\", t.\"position\" AS \"position\" FROM \"bot_topics\" AS t WHERE (t.\"topic_id\", t.\"bot_id\") IN (SELECT (k.value->>0)::int8, (k.value->>1)::int8 FROM json_array_elements($1::text::json) AS k) /*batchload='BotTopicByTopicIdAndBotId'*/",
        ]
    );
}

#[test]
fn mysql_relation_shapes() {
    assert_eq!(
        all_statements(Backend::Mysql, &reaction()),
        [
            "SELECT t.`id` AS `id`, t.`message_id` AS `message_id`, t.`emoji` AS `emoji`, t.`score` AS `score` FROM `reactions` AS t WHERE t.`id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) /*batchload='ReactionById'*/",
            "SELECT b.`id` AS `id`, b.`message_id` AS `message_id`, b.`emoji` AS `emoji`, b.`score` AS `score` FROM `reactions` AS b INNER JOIN (SELECT t.`id`, ROW_NUMBER() OVER (PARTITION BY t.`message_id` ORDER BY t.`score` DESC, t.`id` DESC) AS rn FROM `reactions` AS t WHERE t.`message_id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k)) AS r ON r.`id` = b.`id` WHERE r.rn <= 3 ORDER BY b.`message_id`, r.rn /*batchload='ReactionByMessageId'*/",
            "SELECT t.`id` AS `id`, t.`message_id` AS `message_id`, t.`emoji` AS `emoji`, t.`score` AS `score` FROM `reactions` AS t WHERE (t.`message_id`, t.`emoji`) IN (SELECT k.k0, k.k1 FROM JSON_TABLE(?, '$[*]' COLUMNS (k0 BIGINT PATH '$[0]', k1 VARCHAR(16383) PATH '$[1]')) AS k) ORDER BY t.`score` DESC, t.`id` /*batchload='ReactionByMessageIdAndEmoji'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Mysql, &topic()),
        [
            "SELECT t.`id` AS `id`, t.`name` AS `name` FROM `topics` AS t WHERE t.`id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) /*batchload='TopicById'*/",
            "SELECT t.`bot_id` AS `__batchload_parent`, c.`id` AS `id`, c.`name` AS `name` FROM `bot_topics` AS t INNER JOIN `topics` AS c ON c.`id` = t.`topic_id` WHERE t.`bot_id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) ORDER BY t.`position`, c.`id` /*batchload='TopicByBotId'*/",
        ]
    );
    assert_eq!(
        all_statements(Backend::Mysql, &bot_topic()),
        [
            "SELECT t.`bot_id` AS `bot_id`, t.`topic_id` AS `topic_id`, t.`position` AS `position` FROM `bot_topics` AS t WHERE (t.`topic_id`, t.`bot_id`) IN (SELECT k.k0, k.k1 FROM JSON_TABLE(?, '$[*]' COLUMNS (k0 BIGINT PATH '$[0]', k1 BIGINT PATH '$[1]')) AS k) /*batchload='BotTopicByTopicIdAndBotId'*/",
        ]
    );
}

#[test]
fn relation_statements_keep_one_bind_parameter_and_the_attribute_key_order() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        for input in [reaction(), topic(), bot_topic()] {
            for sql in all_statements(backend, &input) {
                let binds = sql.matches('?').count() + sql.matches("$1").count();
                assert_eq!(binds, 1, "{sql}");
                assert!(!sql.contains("$2") && !sql.contains("?2"), "{sql}");
            }
        }
        // key(topic_id, bot_id): the tuple's first element is topic_id, whatever the field order.
        let composite = &all_statements(backend, &bot_topic())[0];
        assert!(
            composite.contains("(t.`topic_id`, t.`bot_id`) IN")
                || composite.contains("(t.\"topic_id\", t.\"bot_id\") IN")
        );
    }
}

#[test]
fn composite_keys_read_each_element_with_its_type() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[batched(table = "things", key(uid, day, label, small))]
        struct Thing { uid: uuid::Uuid, day: chrono::NaiveDate, label: String, small: i16 }
    };
    let sqlite = &all_statements(Backend::Sqlite, &input)[0];
    assert!(
        sqlite.ends_with("IN (SELECT unhex(json_extract(value, '$[0]')), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?1)) /*batchload='ThingByUidAndDayAndLabelAndSmall'*/"),
        "{sqlite}"
    );
    let postgres = &all_statements(Backend::Postgres, &input)[0];
    assert!(
        postgres.ends_with("IN (SELECT (k.value->>0)::uuid, (k.value->>1)::date, (k.value->>2)::text, (k.value->>3)::int2 FROM json_array_elements($1::text::json) AS k) /*batchload='ThingByUidAndDayAndLabelAndSmall'*/"),
        "{postgres}"
    );
    let mysql = &all_statements(Backend::Mysql, &input)[0];
    assert!(
        mysql.ends_with("IN (SELECT UNHEX(k.k0), k.k1, k.k2, k.k3 FROM JSON_TABLE(?, '$[*]' COLUMNS (k0 CHAR(32) PATH '$[0]', k1 DATE PATH '$[1]', k2 VARCHAR(16383) PATH '$[2]', k3 SMALLINT PATH '$[3]')) AS k) /*batchload='ThingByUidAndDayAndLabelAndSmall'*/"),
        "{mysql}"
    );
}

#[test]
fn through_orders_by_join_table_then_target_order_then_key_and_accepts_a_target_column() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[batched(table = "tags", order_by = "name DESC")]
        #[batched(through(table = "article_tags", parent = "article_id", child = "tag_code", target = "code", loader = "TagsByArticleId"))]
        struct Tag { #[batched(key)] id: i64, code: String, name: String }
    };
    let sql = all_statements(Backend::Sqlite, &input);
    assert_eq!(
        sql[1],
        "SELECT t.`article_id` AS \"__batchload_parent\", c.`id` AS \"id\", c.`code` AS \"code\", c.`name` AS \"name\" FROM `article_tags` AS t INNER JOIN `tags` AS c ON c.`code` = t.`tag_code` WHERE t.`article_id` IN (SELECT value FROM json_each(?1)) ORDER BY c.`name` DESC, c.`id` /*batchload='TagsByArticleId'*/"
    );
}

#[test]
fn every_statement_ends_with_the_comment_naming_its_loader() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        for input in [bot_stance(), reaction(), topic(), bot_topic()] {
            let errors = Errors::new();
            let model = Model::from_syn(&input, &errors).expect("a struct");
            for spec in model.loaders() {
                let sql = statement(backend, &model, &spec);
                let comment = format!(" /*batchload='{}'*/", model.spec_ident(&spec));
                assert!(sql.ends_with(&comment), "{sql}");
                assert_eq!(sql.matches("/*").count(), 1, "{sql}");
            }
        }
    }
}

#[test]
fn the_comment_follows_a_loader_prefix_and_a_through_loader_name() {
    let input: syn::DeriveInput = syn::parse_quote! {
        #[batched(table = "tags", loader = "Label")]
        #[batched(through(table = "article_tags", parent = "article_id", child = "tag_id", loader = "TagsOfArticle"))]
        struct Tag { #[batched(key)] id: i64, name: String }
    };
    let sql = all_statements(Backend::Postgres, &input);
    assert_eq!(
        sql,
        [
            "SELECT t.\"id\" AS \"id\", t.\"name\" AS \"name\" FROM \"tags\" AS t WHERE t.\"id\" = ANY($1) /*batchload='LabelById'*/",
            "SELECT t.\"article_id\" AS \"__batchload_parent\", c.\"id\" AS \"id\", c.\"name\" AS \"name\" FROM \"article_tags\" AS t INNER JOIN \"tags\" AS c ON c.\"id\" = t.\"tag_id\" WHERE t.\"article_id\" = ANY($1) ORDER BY c.\"id\" /*batchload='TagsOfArticle'*/",
        ]
    );
}
