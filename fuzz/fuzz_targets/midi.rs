#![no_main]
//! Fuzz target `midi` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(midi);
