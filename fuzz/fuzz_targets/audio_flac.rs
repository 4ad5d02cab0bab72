#![no_main]
//! Fuzz target `audio_flac` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(audio_flac);
