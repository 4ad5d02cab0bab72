#![no_main]
//! Fuzz target `audio_mp3` (see fuzz/README.md).
asmd_fuzz::fuzz_driver!(audio_mp3);
