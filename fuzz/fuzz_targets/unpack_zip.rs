#![no_main]
//! Fuzz target `unpack_zip` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(unpack_zip);
