#![no_main]
//! Fuzz target `sonic_visualiser` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(sonic_visualiser);
