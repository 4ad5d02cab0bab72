#![no_main]
//! Fuzz target `phenicx` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(phenicx);
