//! Items named by the code `#[timed]` and `#[derive(Batched)]` generate, re-exported through
//! `batchload::__private`. Not a public API.

pub use inventory;
pub use tracing;
pub use tracing::Instrument;

pub use super::call_path::{Located, located};
pub use super::loaders::LoaderInfo;
pub use super::operation::{Operation, OperationSite, ViaAny, ViaResult, enabled, unobserved};
pub use super::outcome::Outcome;
pub use crate::__operation_span as operation_span;

/// `fut.__batchload_await_at(span).await`: what `#[timed]` turns each `.await` of its body
/// into, so the awaited future runs in a span located at that `.await`.
pub trait AwaitAt: core::future::IntoFuture + Sized {
    /// This future, instrumented with `span`.
    fn __batchload_await_at(self, span: tracing::Span) -> tracing::instrument::Instrumented<Self::IntoFuture> {
        Instrument::instrument(self.into_future(), span)
    }
}

impl<T: core::future::IntoFuture> AwaitAt for T {}

/// `Box::pin`, for generated code that may name only `::batchload::__private` and `::core`.
pub fn boxed<F: core::future::Future>(future: F) -> core::pin::Pin<Box<F>> {
    Box::pin(future)
}

/// The span of one operation: target `batchload::operation`, the attribute's level and name,
/// and the fields recorded when it ends (OpenTelemetry `db.*` names and batchload's counts).
/// `@` form: with the `batchload.operation` field set (names that are not static).
/// `await` form: the span `#[timed]` puts around one `.await` of its body (target
/// `batchload::await`, TRACE, named after the operation), located at that `.await`.
#[doc(hidden)]
#[macro_export]
macro_rules! __operation_span {
    ($level:ident, $name:expr) => {
        $crate::__operation_span!(@ $level, $name, $crate::__private::tracing::field::Empty)
    };
    (await $name:expr) => {
        $crate::__private::tracing::span!(target: "batchload::await", $crate::__private::tracing::Level::TRACE, $name)
    };
    (@ $level:ident, $name:expr, $operation:expr) => {
        $crate::__private::tracing::span!(
            target: "batchload::operation",
            $crate::__private::tracing::Level::$level,
            $name,
            batchload.operation = $operation,
            db.system.name = $crate::__private::tracing::field::Empty,
            db.operation.name = $crate::__private::tracing::field::Empty,
            db.query.summary = $crate::__private::tracing::field::Empty,
            batchload.queries = $crate::__private::tracing::field::Empty,
            batchload.transaction_statements = $crate::__private::tracing::field::Empty,
            batchload.db_time_us = $crate::__private::tracing::field::Empty,
            batchload.n_plus_one = $crate::__private::tracing::field::Empty,
            batchload.outcome = $crate::__private::tracing::field::Empty,
        )
    };
}
