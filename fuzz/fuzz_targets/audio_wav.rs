#![no_main]
//! Fuzz target `audio_wav` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(audio_wav);
