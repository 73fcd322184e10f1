//! Real faults on MariaDB: a session killed (`KILL`) under a running batch, the pool
//! exhausted, and a throwaway server (`mariadb-install-db` + `mariadbd`) stopped and started
//! during a stream of loads: the shared bodies of `tests/shared/faults.rs` (skipped when no
//! server or no server programs are found, unless `CI=true`).

use batchload_tests_mysql as backend;

#[path = "../../shared/throwaway_server.rs"]
mod throwaway_server;

include!("../../shared/faults.rs");
