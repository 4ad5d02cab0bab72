//! Pictures of a song's annotations (PNG or SVG, chosen by the file extension).
//!
//! Panels, top to bottom: the waveform of the mix (optional, when the recording is on
//! disk), the pianoroll with one colour per score type (notes of every ground-truth
//! file; score beats as vertical lines), and the pedals (sustain, sostenuto, soft) when
//! the ground truth has any. Labels use DejaVu Sans, embedded in the binary, so no
//! system font is needed.
//!
//! ```no_run
//! use asmd::plot::{plot_song, PlotOptions};
//! let d = asmd::Dataset::official().unwrap();
//! plot_song(&d, 0, &PlotOptions::default(), "song0.png".as_ref()).unwrap();
//! ```

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::dataset::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::ground_truth::{GroundTruth, PedalType, ScoreType};

static FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
const FAMILY: &str = "asmd-sans";

/// What to draw.
#[derive(Debug, Clone)]
pub struct PlotOptions {
    /// Score types to draw (in this order; each with its colour).
    pub types: Vec<ScoreType>,
    /// Draw the waveform of the mix above (skipped when the recording is absent).
    pub waveform: bool,
    /// Image size in pixels.
    pub width: u32,
    pub height: u32,
    /// Time span in seconds (default: the whole song).
    pub start: f64,
    pub end: Option<f64>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            types: vec![
                ScoreType::PreciseAlignment,
                ScoreType::Score,
                ScoreType::Misaligned,
            ],
            waveform: false,
            width: 1600,
            height: 900,
            start: 0.0,
            end: None,
        }
    }
}

/// Colour of a score type (also used in the legend).
pub fn colour(t: ScoreType) -> RGBColor {
    match t {
        ScoreType::PreciseAlignment => RGBColor(31, 119, 180),
        ScoreType::BroadAlignment => RGBColor(44, 160, 44),
        ScoreType::Misaligned => RGBColor(214, 39, 40),
        ScoreType::Score => RGBColor(255, 127, 14),
    }
}

fn pedal_colour(p: PedalType) -> RGBColor {
    match p {
        PedalType::Sustain => RGBColor(148, 103, 189),
        PedalType::Sostenuto => RGBColor(140, 86, 75),
        PedalType::Soft => RGBColor(23, 190, 207),
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // the embedded font is valid: a failure would only lose the labels
            let _ = plotters::style::register_font(FAMILY, style, FONT);
        }
    });
}

fn draw_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::new(ErrorKind::Io, format!("cannot draw the plot: {e:?}")).with_file(path)
}

struct Notes {
    t: ScoreType,
    rows: Vec<(f64, f64, f64)>, // pitch, onset, offset
}

/// Draw item `idx` of `d` into `out` (`.png` or `.svg`).
pub fn plot_song(d: &Dataset, idx: usize, opts: &PlotOptions, out: &Path) -> Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "png" && ext != "svg" {
        return Err(Error::argument(format!(
            "{}: the plot file must end in .png or .svg",
            out.display()
        )));
    }
    if opts.types.is_empty() {
        return Err(Error::argument("choose at least one score type to plot"));
    }
    if opts.width < 200 || opts.height < 150 {
        return Err(Error::argument(
            "the plot must be at least 200 x 150 pixels",
        ));
    }
    if opts.width as u64 * opts.height as u64 > crate::limits::MAX_PLOT_PIXELS {
        return Err(Error::argument(format!(
            "a plot of {} x {} pixels is larger than the limit of {} pixels (e.g. 8192 x 8192)",
            opts.width,
            opts.height,
            crate::limits::MAX_PLOT_PIXELS
        )));
    }
    let (def, song) = d.song(idx)?;
    let title = format!("{} / {} ({})", def.name, song.title, song.composer);
    let gts = d.load_gts(idx)?;
    let notes: Vec<Notes> = opts
        .types
        .iter()
        .map(|&t| Notes {
            t,
            rows: gts
                .iter()
                .flat_map(|g| {
                    let n = g.group(t);
                    (0..n.len()).filter_map(move |j| {
                        Some((*n.pitches.get(j)?, *n.onsets.get(j)?, *n.offsets.get(j)?))
                    })
                })
                .collect(),
        })
        .collect();
    if notes.iter().all(|n| n.rows.is_empty()) {
        let names: Vec<&str> = opts.types.iter().map(|t| t.name()).collect();
        return Err(Error::argument(format!(
            "{} / {}: no notes of type {} to plot",
            def.name,
            song.title,
            names.join(", ")
        )));
    }
    let wave = if opts.waveform {
        let o = crate::audio::DecodeOptions {
            sample_rate: Some(8000),
            quality: crate::audio::Quality::Fast,
            start: opts.start,
            end: opts.end,
            ..Default::default()
        };
        d.get_mix(idx, &o).ok()
    } else {
        None
    };
    let mut t1 = notes
        .iter()
        .flat_map(|n| n.rows.iter().map(|r| r.2))
        .fold(0.0f64, f64::max);
    if let Some(e) = opts.end {
        t1 = e;
    }
    let t0 = opts.start.max(0.0);
    if t1 <= t0 {
        t1 = t0 + 1.0;
    }
    let (lo, hi) = notes
        .iter()
        .flat_map(|n| n.rows.iter().map(|r| r.0))
        .fold((127.0f64, 0.0f64), |(a, b), p| (a.min(p), b.max(p)));
    let (lo, hi) = ((lo - 2.0).max(0.0), (hi + 2.0).min(128.0));
    let beats: Vec<f64> = gts
        .first()
        .map(|g| g.score.beats.clone())
        .unwrap_or_default();
    let pedals = pedal_series(&gts);

    register_font();
    let size = (opts.width, opts.height);
    let scene = Scene {
        title: &title,
        notes: &notes,
        beats: &beats,
        pedals: &pedals,
        wave: wave.as_ref(),
        span: (t0, t1),
        pitches: (lo, hi),
    };
    if ext == "svg" {
        let root = SVGBackend::new(out, size).into_drawing_area();
        scene.draw(&root, out)?;
        root.present().map_err(draw_err(out))
    } else {
        let root = BitMapBackend::new(out, size).into_drawing_area();
        scene.draw(&root, out)?;
        root.present().map_err(draw_err(out))
    }
}

type PedalSeries = Vec<(PedalType, Vec<(f64, f64)>)>;

fn pedal_series(gts: &[std::sync::Arc<GroundTruth>]) -> PedalSeries {
    let mut out = Vec::new();
    for p in PedalType::ALL {
        if let Some(g) = gts.iter().find(|g| !g.pedal(p).times.is_empty()) {
            let pd = g.pedal(p);
            out.push((
                p,
                pd.times
                    .iter()
                    .copied()
                    .zip(pd.values.iter().copied())
                    .collect(),
            ));
        }
    }
    out
}

struct Scene<'a> {
    title: &'a str,
    notes: &'a [Notes],
    beats: &'a [f64],
    pedals: &'a PedalSeries,
    wave: Option<&'a (Vec<f32>, u32)>,
    span: (f64, f64),
    pitches: (f64, f64),
}

impl Scene<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, out: &Path) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let e = draw_err(out);
        root.fill(&WHITE).map_err(&e)?;
        let h = root.dim_in_pixel().1 as f64;
        let title_h = (h * 0.06) as u32;
        let (top, rest) = root.split_vertically(title_h);
        top.titled(self.title, (FAMILY, (title_h as f64 * 0.55) as u32))
            .map_err(&e)?;
        let rest_h = h - title_h as f64;
        let wave_h = if self.wave.is_some() {
            rest_h * 0.2
        } else {
            0.0
        };
        let pedal_h = if self.pedals.is_empty() {
            0.0
        } else {
            rest_h * 0.2
        };
        let (wave_area, rest) = rest.split_vertically(wave_h as u32);
        let roll_h = rest_h - wave_h - pedal_h;
        let (roll_area, pedal_area) = rest.split_vertically(roll_h as u32);
        let label = (FAMILY, 16);
        let (t0, t1) = self.span;

        if let Some((x, sr)) = self.wave {
            let mut c = ChartBuilder::on(&wave_area)
                .margin(8)
                .y_label_area_size(60)
                .x_label_area_size(20)
                .build_cartesian_2d(t0..t1, -1.0f64..1.0)
                .map_err(&e)?;
            c.configure_mesh()
                .disable_mesh()
                .y_desc("mix")
                .label_style(label)
                .axis_desc_style(label)
                .y_labels(3)
                .draw()
                .map_err(&e)?;
            // min/max per pixel column
            let cols = wave_area.dim_in_pixel().0.max(1) as usize;
            let per = (x.len() / cols).max(1);
            let sr = f64::from(*sr);
            let bars = x.chunks(per).enumerate().map(|(k, ch)| {
                let (mn, mx) = ch
                    .iter()
                    .fold((0.0f32, 0.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
                let t = t0 + (k * per) as f64 / sr;
                PathElement::new(
                    vec![(t, f64::from(mn)), (t, f64::from(mx))],
                    RGBColor(90, 90, 90),
                )
            });
            c.draw_series(bars).map_err(&e)?;
        }

        let (lo, hi) = self.pitches;
        let mut c = ChartBuilder::on(&roll_area)
            .margin(8)
            .y_label_area_size(60)
            .x_label_area_size(40)
            .build_cartesian_2d(t0..t1, lo..hi)
            .map_err(&e)?;
        c.configure_mesh()
            .x_desc("time (s)")
            .y_desc("MIDI pitch")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label)
            .axis_desc_style(label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(&e)?;
        let beat_style = RGBColor(180, 180, 180).stroke_width(1);
        c.draw_series(
            self.beats
                .iter()
                .filter(|b| **b >= t0 && **b <= t1)
                .map(|b| PathElement::new(vec![(*b, lo), (*b, hi)], beat_style)),
        )
        .map_err(&e)?;
        for n in self.notes {
            if n.rows.is_empty() {
                continue;
            }
            let col = colour(n.t);
            let fill = col.mix(0.55).filled();
            c.draw_series(n.rows.iter().map(|&(p, on, off)| {
                Rectangle::new([(on, p - 0.4), (off.max(on + 1e-3), p + 0.4)], fill)
            }))
            .map_err(&e)?
            .label(format!("{} ({} notes)", n.t.name(), n.rows.len()))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], col.filled()));
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(label)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(&e)?;

        if !self.pedals.is_empty() {
            let mut c = ChartBuilder::on(&pedal_area)
                .margin(8)
                .y_label_area_size(60)
                .x_label_area_size(30)
                .build_cartesian_2d(t0..t1, 0.0f64..130.0)
                .map_err(&e)?;
            c.configure_mesh()
                .disable_mesh()
                .y_desc("pedal")
                .y_label_formatter(&|v| format!("{v:.0}"))
                .label_style(label)
                .axis_desc_style(label)
                .y_labels(3)
                .draw()
                .map_err(&e)?;
            for (p, events) in self.pedals {
                // a step line: each value holds until the next event
                let mut pts = Vec::with_capacity(events.len() * 2 + 2);
                let mut last = 0.0;
                pts.push((t0, 0.0));
                for &(t, v) in events {
                    pts.push((t, last));
                    pts.push((t, v));
                    last = v;
                }
                pts.push((t1, last));
                let col = pedal_colour(*p);
                c.draw_series(LineSeries::new(pts, col.stroke_width(2)))
                    .map_err(&e)?
                    .label(p.name())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3))
                    });
            }
            c.configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(label)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(&e)?;
        }
        Ok(())
    }
}
