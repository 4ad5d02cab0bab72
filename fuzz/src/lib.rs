//! asmd's fuzz targets: one libFuzzer target per parser (`fuzz_targets/`), all built
//! from the drivers in [`drivers`] (shared with the seeded mutation test of the normal
//! test suite). See `fuzz/README.md` for how to run them.

pub mod drivers;

pub use drivers::*;

/// Largest single allocation a target may make (256 MiB).
pub const SINGLE_ALLOCATION_BOUND: usize = 256 << 20;

/// Largest live total of a target's Rust allocations (256 MiB).
pub const LIVE_BOUND: usize = 256 << 20;

/// Define a libFuzzer target that runs one driver under [`BoundedAlloc`].
#[macro_export]
macro_rules! fuzz_driver {
    ($driver:ident) => {
        #[global_allocator]
        static ALLOC: $crate::BoundedAlloc =
            $crate::BoundedAlloc::new($crate::SINGLE_ALLOCATION_BOUND, $crate::LIVE_BOUND);

        libfuzzer_sys::fuzz_target!(|data: &[u8]| $crate::$driver(data));
    };
}
