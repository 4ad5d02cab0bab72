#![no_main]
//! Fuzz target `ground_truth_gz` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(ground_truth_gz);
