#![no_main]
//! Fuzz target `unpack_tar_bz2` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(unpack_tar_bz2);
