#![no_main]
//! Fuzz target `definition` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(definition);
