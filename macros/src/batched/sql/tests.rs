//! Snapshot tests: the exact statement text per backend.

use super::*;
use crate::batched::ctxt::Errors;

fn statements(backend: Backend, input: syn::DeriveInput) -> Vec<String> {
    let errors = Errors::new();
    let model = Model::from_syn(&input, &errors).expect("a struct");
    assert!(errors.is_empty());
    model
        .loader_fields()
        .map(|(field, role)| select(backend, &model, field, role.value, KeyKind::of(field.key_type())))
        .collect()
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
            "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1))",
            "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`",
        ]
    );
}

#[test]
fn postgres_unique_and_group_loaders() {
    assert_eq!(
        statements(Backend::Postgres, bot_stance()),
        [
            "SELECT t.\"id\" AS \"id\", t.\"bot_id\" AS \"bot_id\", t.\"topic\" AS \"topic\", t.\"note\" AS \"note\" FROM \"bot_stances\" AS t WHERE t.\"id\" = ANY($1)",
            "SELECT t.\"id\" AS \"id\", t.\"bot_id\" AS \"bot_id\", t.\"topic\" AS \"topic\", t.\"note\" AS \"note\" FROM \"bot_stances\" AS t WHERE t.\"bot_id\" = ANY($1) ORDER BY t.\"id\"",
        ]
    );
}

#[test]
fn mysql_unique_and_group_loaders() {
    assert_eq!(
        statements(Backend::Mysql, bot_stance()),
        [
            "SELECT t.`id` AS `id`, t.`bot_id` AS `bot_id`, t.`topic` AS `topic`, t.`note` AS `note` FROM `bot_stances` AS t WHERE t.`id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k)",
            "SELECT t.`id` AS `id`, t.`bot_id` AS `bot_id`, t.`topic` AS `topic`, t.`note` AS `note` FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) ORDER BY t.`id`",
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
    assert!(sqlite[0].ends_with("WHERE t.`id` IN (SELECT unhex(value) FROM json_each(?1))"), "{}", sqlite[0]);
    assert!(sqlite[1].contains("WHERE t.`name` IN (SELECT value FROM json_each(?1))"), "{}", sqlite[1]);
    let mysql = statements(Backend::Mysql, input);
    assert!(
        mysql[0].ends_with("IN (SELECT UNHEX(k.k) FROM JSON_TABLE(?, '$[*]' COLUMNS (k CHAR(32) PATH '$')) AS k)"),
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
        "SELECT t.`message_id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`created_at` AS \"created_at\" FROM `main`.`messages` AS t WHERE t.`chat_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`created_at`, t.`message_id`"
    );
    assert!(
        sql[2].ends_with("WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`, t.`message_id`"),
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
