#![no_main]
//! Fuzz target `musicnet_csv` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(musicnet_csv);
