#![no_main]
//! Fuzz target `mat` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(mat);
