//! How an operation ended.

use std::fmt;

use serde::Serialize;

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Returned normally (anything but `Result::Err`).
    Ok,
    /// Returned `Result::Err`, or panicked.
    Error,
    /// Its future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// `"ok"`, `"error"` or `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
