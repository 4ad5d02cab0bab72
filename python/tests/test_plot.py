"""Dataset.plot: one band per score type (or one translucent roll with ``overlay``), the
legend in a column of its own, colours by type, track or instrument, numbered score
beats, pedal lines; renders without any system font; errors name the problem."""

import numpy as np
import pytest

from asmd import asmd, audio
from asmd.errors import AsmdError

Image = pytest.importorskip("PIL.Image")

PRECISE = (31, 119, 180)  # the colours asmd uses
SCORE = (255, 127, 14)
MISALIGNED = (214, 39, 40)
SUSTAIN = (148, 103, 189)
TRACK0, TRACK1 = (31, 119, 180), (255, 127, 14)  # the first two track colours


def pixels(img, rgb, tol=12):
    """(rows, cols) of the pixels within ``tol`` of ``rgb``."""
    a = np.asarray(img.convert("RGB")).astype(int)
    return np.nonzero(np.abs(a - np.array(rgb)).sum(axis=2) < tol)


def near(img, rgb, tol=40):
    return len(pixels(img, rgb, tol)[0])


def svg_texts(path):
    """The text elements of an SVG file."""
    chunks = path.read_text().split("</text>")
    return {c.rsplit(">", 1)[-1].strip() for c in chunks[:-1]}


def blend(c, alpha=0.55):
    return tuple(int(alpha * x + (1 - alpha) * 255) for x in c)


def test_each_score_type_has_its_own_band(dataset, tmp_path):
    out = tmp_path / "song.png"
    dataset.plot(0, out, types=["precise_alignment", "score"], width=800, height=500)
    img = Image.open(out)
    assert img.size == (800, 500)
    assert near(img, PRECISE, 12) > 100 and near(img, SCORE, 12) > 100
    assert near(img, blend(PRECISE), 12) < 20  # opaque notes: nothing overlaps
    assert near(img, MISALIGNED, 12) == 0  # not asked for
    assert near(img, SUSTAIN, 12) > 50  # the pedal panel
    # the bands are stacked: every precise note lies above every score note
    legend_x = 800 - 150  # the legend column is at least 150 px wide
    p_rows, p_cols = pixels(img, PRECISE)
    s_rows, s_cols = pixels(img, SCORE)
    notes_p, notes_s = p_rows[p_cols < legend_x], s_rows[s_cols < legend_x]
    assert notes_p.max() < notes_s.min()
    # the legend is a column of its own: right of the notes, a swatch per type
    assert 0 < (p_cols >= legend_x).sum() < 400
    assert p_cols[p_cols < legend_x].max() < legend_x - 8
    # text was rendered (dark pixels of labels and title)
    assert near(img, (0, 0, 0), 60) > 500


def test_overlay_keeps_one_translucent_roll(dataset, tmp_path):
    out = tmp_path / "overlay.png"
    dataset.plot(
        0,
        out,
        types=["precise_alignment", "score"],
        width=800,
        height=500,
        overlay=True,
    )
    img = Image.open(out)
    assert near(img, blend(PRECISE), 12) > 100
    assert near(img, blend(SCORE), 12) > 100
    # one roll: the two types share rows
    p_rows, p_cols = pixels(img, blend(PRECISE))
    s_rows, s_cols = pixels(img, blend(SCORE))
    assert p_rows[p_cols < 650].max() > s_rows[s_cols < 650].min()

    only = tmp_path / "mis.png"
    dataset.plot(0, only, types=["misaligned"], width=800, height=500)
    assert near(Image.open(only), MISALIGNED, 12) > 100


def test_colour_by_track_and_instrument(dataset, tmp_path):
    duo = [i for i, s in enumerate(dataset.get_songs()) if s["title"] == "Duo 1"][0]
    png = tmp_path / "duo.png"
    dataset.plot(duo, png, types=["precise_alignment"], color_by="track")
    img = Image.open(png)
    assert near(img, TRACK0, 12) > 100 and near(img, TRACK1, 12) > 100
    svg = tmp_path / "duo.svg"
    dataset.plot(duo, svg, color_by="track")
    assert {"notes by track", "0: violin", "1: cello"} <= svg_texts(svg)
    dataset.plot(duo, svg, color_by="instrument")
    assert {"notes by instrument", "violin", "cello"} <= svg_texts(svg)
    with pytest.raises(AsmdError, match="colour by `pitch`"):
        dataset.plot(duo, svg, color_by="pitch")


def test_default_types_include_broad_alignment_when_present(golden, tmp_path):
    d = asmd.Dataset([golden["definitions"]], metadataset_path=golden["metadataset"])
    d.filter(datasets=["MusicNet"])
    svg = tmp_path / "musicnet.svg"
    d.plot(0, svg)
    texts = svg_texts(svg)
    # MusicNet has broad alignment and a score: a band each, the others left out
    assert "broad_alignment · 234 notes" in texts and "score · 234 notes" in texts
    assert not [t for t in texts if t.startswith("precise_alignment ·")]
    assert {"no notes of", "precise_alignment", "misaligned"} <= texts
    # score beats are lines in the score band, numbered on a ruler above it
    assert {"score beats", "every beat numbered", "1", "2", "3", "25"} <= texts


def test_svg_and_waveform(tree, tmp_path):
    # a copy of the tree whose song 0 has a recording, so the waveform panel appears
    import shutil

    from conftest import write_metadataset

    install = tmp_path / "install"
    shutil.copytree(tree["install"], install)
    meta = write_metadataset(tmp_path / "datasets.json", install)
    dataset = asmd.Dataset([tree["definitions"]], metadataset_path=str(meta))
    t = np.arange(8000) / 8000
    audio.write_wav(
        str(install / dataset.paths[0][0][0]), [0.5 * np.sin(2 * np.pi * 5 * t)], 8000
    )
    svg = tmp_path / "song.svg"
    dataset.plot(0, svg, waveform=True, start=0.0, end=2.0)
    text = svg.read_text()
    assert text.startswith("<svg") and "precise_alignment" in text and "mix" in text
    assert "sustain" in text and "MIDI pitch" in text


def test_plot_errors(dataset, tmp_path):
    with pytest.raises(AsmdError, match=r"\.png or \.svg"):
        dataset.plot(0, tmp_path / "x.jpg")
    with pytest.raises(AsmdError, match="no notes"):
        dataset.plot(0, tmp_path / "x.png", types=["broad_alignment"])
    with pytest.raises(IndexError):
        dataset.plot(999, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
