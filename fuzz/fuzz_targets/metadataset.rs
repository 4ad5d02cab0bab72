#![no_main]
//! Fuzz target `metadataset` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(metadataset);
