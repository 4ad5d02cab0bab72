//! The fast way through a definition: its songs (nearly all of its bytes: Maestro's
//! 1,276 songs are 0.8 MB) are read straight into [`Song`]s, without first building a
//! JSON value of each, and the rest goes through the validating parser as usual.
//!
//! The reader accepts exactly what the validating parser accepts and builds the same
//! songs; on anything else it gives up, and [`super::Definition::from_json_str`] reads
//! the text again with the validating parser, which names the file, the JSON path and
//! the problem. So it changes the speed, never the result or the error.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{check_song, parse_definition, Ctx, Definition, Song};

/// Read a definition the fast way, or `None` if anything is out of the ordinary.
pub(super) fn read(text: &str, origin: &Path) -> Option<Definition> {
    let top: Top = serde_json::from_str(text).ok()?;
    let songs = top.songs?;
    let mut rest = top.rest;
    rest.insert("songs".into(), Value::Array(Vec::new()));
    let mut def = parse_definition(Value::Object(rest), origin).ok()?;
    let c = Ctx { origin };
    for (i, s) in songs.iter().enumerate() {
        check_song(&c, s, i).ok()?;
    }
    def.songs = songs;
    Some(def)
}

/// The top-level object: `songs` read as songs, every other key as a JSON value.
struct Top {
    rest: Map<String, Value>,
    songs: Option<Vec<Song>>,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a definition object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Top, A::Error> {
                let mut rest = Map::new();
                let mut songs = None;
                while let Some(k) = m.next_key::<String>()? {
                    if k == "songs" {
                        songs = Some(m.next_value::<Songs>()?.0);
                    } else {
                        rest.insert(k, m.next_value()?);
                    }
                }
                Ok(Top { rest, songs })
            }
        }
        d.deserialize_map(V)
    }
}

struct Songs(Vec<Song>);

impl<'de> Deserialize<'de> for Songs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Songs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Songs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of songs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Songs, A::Error> {
                let mut out = Vec::with_capacity(s.size_hint().unwrap_or(0));
                while let Some(song) = s.next_element::<FastSong>()? {
                    out.push(song.0);
                }
                Ok(Songs(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The keys of a song (no allocation for the known ones).
enum Key {
    Title,
    Composer,
    Instruments,
    Recording,
    Sources,
    GroundTruth,
    Groups,
    Included,
    Dataset,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, k: &str) -> Result<Key, E> {
                Ok(match k {
                    "title" => Key::Title,
                    "composer" => Key::Composer,
                    "instruments" => Key::Instruments,
                    "recording" => Key::Recording,
                    "sources" => Key::Sources,
                    "ground_truth" => Key::GroundTruth,
                    "groups" => Key::Groups,
                    "included" => Key::Included,
                    "dataset" => Key::Dataset,
                    other => Key::Other(other.to_string()),
                })
            }
        }
        d.deserialize_str(V)
    }
}

struct FastSong(Song);

impl<'de> Deserialize<'de> for FastSong {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FastSong, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FastSong;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a song")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<FastSong, A::Error> {
                let mut title = None;
                let mut composer = None;
                let mut instruments = None;
                let mut recording = None;
                let mut sources = None;
                let mut ground_truth = None;
                let mut groups = None;
                let mut extra = Map::new();
                while let Some(k) = m.next_key::<Key>()? {
                    match k {
                        Key::Title => title = Some(m.next_value::<String>()?),
                        Key::Composer => composer = Some(m.next_value::<String>()?),
                        Key::Instruments => instruments = Some(m.next_value::<StrList>()?.0),
                        Key::Recording => recording = Some(m.next_value::<PathList>()?.0),
                        Key::Sources => sources = Some(m.next_value::<PathList>()?.0),
                        Key::GroundTruth => ground_truth = Some(m.next_value::<StrList>()?.0),
                        Key::Groups => groups = Some(m.next_value::<StrList>()?.0),
                        // state added by `get_songs()`: checked, then dropped
                        Key::Included => {
                            m.next_value::<bool>()?;
                        }
                        Key::Dataset => {
                            extra.insert("dataset".into(), Value::String(m.next_value()?));
                        }
                        Key::Other(k) => {
                            extra.insert(k, m.next_value()?);
                        }
                    }
                }
                let missing = de::Error::missing_field;
                Ok(FastSong(Song {
                    title: title.ok_or_else(|| missing("title"))?,
                    composer: composer.unwrap_or_else(|| "unknown".to_string()),
                    instruments: instruments.ok_or_else(|| missing("instruments"))?,
                    recording: recording
                        .ok_or_else(|| missing("recording"))?
                        .unwrap_or_default(),
                    sources: sources.flatten(),
                    ground_truth: ground_truth.ok_or_else(|| missing("ground_truth"))?,
                    groups: groups.ok_or_else(|| missing("groups"))?,
                    extra,
                }))
            }
        }
        d.deserialize_map(V)
    }
}

/// A list of strings, or `"unknown"` (empty).
struct StrList(Vec<String>);

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StrList, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings or \"unknown\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<StrList, E> {
                if s == "unknown" {
                    Ok(StrList(Vec::new()))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(s), &self))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<StrList, A::Error> {
                let mut out = Vec::with_capacity(s.size_hint().unwrap_or(0));
                while let Some(x) = s.next_element::<String>()? {
                    out.push(x);
                }
                Ok(StrList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"path": [...]}` (other keys ignored), or `"unknown"` (`None`).
struct PathList(Option<Vec<String>>);

impl<'de> Deserialize<'de> for PathList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PathList, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PathList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("{\"path\": [...]} or \"unknown\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PathList, E> {
                if s == "unknown" {
                    Ok(PathList(None))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(s), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<PathList, A::Error> {
                let mut path = None;
                while let Some(k) = m.next_key::<String>()? {
                    if k == "path" {
                        path = Some(m.next_value::<StrList>()?.0);
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                path.map(|p| PathList(Some(p)))
                    .ok_or_else(|| de::Error::missing_field("path"))
            }
        }
        d.deserialize_any(V)
    }
}
