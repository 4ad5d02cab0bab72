//! Process-wide switch for the engine's internal parallelism.
//!
//! After `fork()` (e.g. PyTorch `DataLoader` workers), rayon's global thread pool of the
//! parent does not exist in the child and using it would hang. The Python bindings call
//! [`disable`] in a fork hook; engine code asks [`enabled`] before going parallel and
//! otherwise runs sequentially, with identical results.
//!
//! ```
//! assert!(asmd::parallel::enabled() || !asmd::parallel::enabled());
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether engine code may use the rayon thread pool.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Run everything sequentially from now on in this process.
pub fn disable() {
    ENABLED.store(false, Ordering::Relaxed);
}

/// Allow parallelism again (e.g. in a process that never forked).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Panic on purpose, on the calling thread or (with `in_worker`) on a rayon worker
/// thread, so that tests can check that every front turns a panic into an
/// [`ErrorKind::Internal`](crate::ErrorKind::Internal) error. Not part of the API.
#[doc(hidden)]
pub fn panic_for_tests(in_worker: bool) -> ! {
    const MESSAGE: &str = "a panic asked for by a test";
    if in_worker {
        rayon::scope(|s| s.spawn(|_| panic!("{MESSAGE} (on a worker thread)")));
    }
    panic!("{MESSAGE}");
}
