//! Real faults on PostgreSQL: a backend terminated (`pg_terminate_backend`) under a running
//! batch, the pool exhausted, and a throwaway server (`initdb` + `pg_ctl`) stopped and started
//! during a stream of loads: the shared bodies of `tests/shared/faults.rs` (skipped when no
//! server or no server programs are found, unless `CI=true`).

use batchload_tests_postgres as backend;

#[path = "../../shared/throwaway_server.rs"]
mod throwaway_server;

include!("../../shared/faults.rs");
