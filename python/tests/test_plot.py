"""Dataset.plot: the picture holds each score type's colour, the pedal lines, and
renders without any system font; errors name the problem."""

import numpy as np
import pytest

from asmd import audio
from asmd.errors import AsmdError

Image = pytest.importorskip("PIL.Image")

PRECISE = (31, 119, 180)  # the colours asmd uses
SCORE = (255, 127, 14)
MISALIGNED = (214, 39, 40)
SUSTAIN = (148, 103, 189)


def near(img, rgb, tol=40):
    a = np.asarray(img.convert("RGB")).astype(int)
    return int((np.abs(a - np.array(rgb)).sum(axis=2) < tol).sum())


def test_png_shows_each_score_type_and_pedals(dataset, tmp_path):
    out = tmp_path / "song.png"
    dataset.plot(0, out, types=["precise_alignment", "score"], width=800, height=500)
    img = Image.open(out)
    assert img.size == (800, 500)
    assert near(img, PRECISE) > 0 or near(img, (137, 180, 212)) > 100  # filled at 55 %
    # notes are drawn semi-transparent on white: look for the blended colours
    blend = lambda c: tuple(int(0.55 * x + 0.45 * 255) for x in c)  # noqa: E731
    assert near(img, blend(PRECISE), 12) > 100
    assert near(img, blend(SCORE), 12) > 100
    assert near(img, blend(MISALIGNED), 12) == 0  # not asked for
    assert near(img, SUSTAIN, 12) > 50  # the pedal panel
    # text was rendered (dark pixels of labels and title)
    assert near(img, (0, 0, 0), 60) > 500

    only = tmp_path / "mis.png"
    dataset.plot(0, only, types=["misaligned"], width=800, height=500)
    assert near(Image.open(only), blend(MISALIGNED), 12) > 100


def test_svg_and_waveform(tree, tmp_path):
    # a copy of the tree whose song 0 has a recording, so the waveform panel appears
    import shutil

    from asmd import asmd
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
