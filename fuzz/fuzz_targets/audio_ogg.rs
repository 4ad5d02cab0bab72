#![no_main]
//! Fuzz target `audio_ogg` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(audio_ogg);
