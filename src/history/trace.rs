//! Phase timings of history loads, kept for the caller to show: with
//! `GIT_LINEAGE_TRACE` set, the end of each phase is recorded with the
//! milliseconds since the first mark; [`take`] hands them over. Nothing is
//! printed here.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The collector: `None` when `GIT_LINEAGE_TRACE` is unset.
struct Trace {
    start: Instant,
    marks: Mutex<Vec<(f64, String)>>,
}

fn collector() -> Option<&'static Trace> {
    static TRACE: OnceLock<Option<Trace>> = OnceLock::new();
    TRACE
        .get_or_init(|| {
            std::env::var_os("GIT_LINEAGE_TRACE").map(|_| Trace {
                start: Instant::now(),
                marks: Mutex::new(Vec::new()),
            })
        })
        .as_ref()
}

/// Note that the phase `what` ended (nothing when tracing is off).
pub(crate) fn mark(what: &str) {
    if let Some(trace) = collector() {
        let at = trace.start.elapsed().as_secs_f64() * 1e3;
        let mut marks = trace.marks.lock().unwrap_or_else(|e| e.into_inner());
        marks.push((at, what.to_string()));
    }
}

/// The phases recorded since the last call, as (milliseconds since the
/// first mark of the process, phase), oldest first; empty unless
/// `GIT_LINEAGE_TRACE` is set.
pub fn take() -> Vec<(f64, String)> {
    collector().map_or_else(Vec::new, |trace| {
        std::mem::take(&mut *trace.marks.lock().unwrap_or_else(|e| e.into_inner()))
    })
}
