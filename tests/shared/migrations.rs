// Applying the demo migrations (all, or only up to a version) and the test fixtures: one
// definition for every backend test crate, which includes it after defining `MIGRATOR`,
// `FIXTURES`, `type Db` and `TestDb` (with a `pool` field).

/// Applies the demo migrations with a version up to `up_to` (all of them for `None`), then
/// every test fixture ([`FIXTURES`]).
///
/// # Panics
/// If a migration fails: the test cannot run.
async fn apply_migrations(pool: &sqlx::Pool<Db>, up_to: Option<i64>) {
    let demo = sqlx::migrate::Migrator::with_migrations(
        MIGRATOR.iter().filter(|migration| up_to.is_none_or(|version| migration.version <= version)).cloned().collect(),
    );
    demo.run(pool).await.expect("migrate the test database");
    let mut fixtures = sqlx::migrate::Migrator::with_migrations(FIXTURES.iter().cloned().collect());
    fixtures.set_ignore_missing(true);
    fixtures.run(pool).await.expect("apply the test fixtures");
}

/// The version of the demo migration that adds the indexes the index advisor asks for
/// (`0002_indexes.sql`); a database migrated up to `INDEX_MIGRATION - 1` lacks them.
pub const INDEX_MIGRATION: i64 = 2;

impl TestDb {
    /// Applies the demo migrations this database does not have yet (after
    /// [`TestDb::connect_up_to`]), keeping the fixtures already applied.
    ///
    /// # Errors
    /// The migration error.
    pub async fn migrate_all(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let mut demo = sqlx::migrate::Migrator::with_migrations(MIGRATOR.iter().cloned().collect());
        demo.set_ignore_missing(true);
        demo.run(&self.pool).await
    }
}
