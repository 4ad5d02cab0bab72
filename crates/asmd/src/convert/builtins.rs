//! Registration of the built-in converters under the names the definitions use, with
//! the reference's input extensions and an early check of their keyword arguments.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::params::Params;
use super::registry::{ConverterSpec, Registry};
use super::{bach10, midi, musicnet, phenicx, sonic_visualizer};
use crate::error::Result;

fn spec(
    exts: &[&str],
    remove_player: bool,
    func: fn(&std::path::Path, &Map<String, Value>) -> Result<super::ConverterOutput>,
    check: fn(&Map<String, Value>) -> Result<()>,
) -> ConverterSpec {
    let mut s = ConverterSpec::new(exts, remove_player, func);
    s.check_params = Some(Arc::new(check));
    s
}

pub(crate) fn register_all(r: &mut Registry) {
    let midi_check = |m: &Map<String, Value>| midi::MidiParams::parse(m).map(|_| ());
    r.register(
        "from_midi",
        spec(&[".mid", ".midi"], false, midi::from_midi, midi_check),
    );
    r.register(
        "from_midi_remove_player",
        spec(&[".mid", ".midi"], true, midi::from_midi, midi_check),
    );
    r.register(
        "from_midi_asap",
        spec(&[".score.mid"], false, midi::from_midi, midi_check),
    );
    r.register(
        "from_phenicx_txt",
        spec(&[".txt"], false, phenicx::from_phenicx_txt, |m| {
            Params::new("from_phenicx_txt", m, &[]).map(|_| ())
        }),
    );
    r.register(
        "from_bach10_mat",
        spec(&["-GTNotes.mat"], false, bach10::from_bach10_mat, |m| {
            Params::new("from_bach10_mat", m, &["sources"])?
                .indices("sources")
                .map(|_| ())
        }),
    );
    r.register(
        "from_bach10_f0",
        spec(&["-GTF0s.mat"], false, bach10::from_bach10_f0, |m| {
            Params::new("from_bach10_f0", m, &["sources"])?
                .indices("sources")
                .map(|_| ())
        }),
    );
    r.register(
        "from_musicnet_csv",
        spec(&[".csv"], false, musicnet::from_musicnet_csv, |m| {
            Params::new("from_musicnet_csv", m, &["sr"])?
                .f64("sr", 44100.0)
                .map(|_| ())
        }),
    );
    r.register(
        "from_sonic_visualizer",
        spec(
            &[".gt"],
            false,
            sonic_visualizer::from_sonic_visualizer,
            |m| {
                let p = Params::new("from_sonic_visualizer", m, &["alignment"])?;
                let a = p
                    .opt_str("alignment", "precise_alignment")?
                    .unwrap_or_default();
                a.parse::<crate::ground_truth::ScoreType>().map(|_| ())
            },
        ),
    );
}
