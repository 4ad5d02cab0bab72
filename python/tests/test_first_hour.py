"""A new user's first calls before anything is installed: every front names the command
that installs the missing dataset, selections can be limited to what is on disk, and
names that no definition has get the closest existing ones."""

import pytest

from asmd import asmd
from asmd.errors import AsmdError
from asmd.torch import ExcerptDataset

from conftest import write_metadataset

NOT_INSTALLED = "Bach10 is not installed: run asmd install Bach10"


@pytest.fixture
def empty(tmp_path):
    """The official collection over an empty install directory."""
    meta = write_metadataset(tmp_path / "datasets.json", tmp_path / "datasets")
    d = asmd.Dataset(metadataset_path=str(meta))
    d.filter(datasets=["Bach10"])
    return d, tmp_path


def count(i, dataset):
    return dataset.get_score_mat(i).shape[0]


def test_every_access_names_the_install_command(empty):
    d, _ = empty
    for call in (
        lambda: d.get_mix(0),
        lambda: d.get_audio(0),
        lambda: d.get_item(0),
        lambda: d.get_source(0),  # not a silent ([], None) for a song not on disk
        lambda: d.get_audio_data(0),
        lambda: d.get_gts(0),
        lambda: d.get_pianoroll(0),
        lambda: d.parallel(count, n_jobs=1),
        lambda: d.plot(0, "song.png"),
    ):
        with pytest.raises(FileNotFoundError, match=NOT_INSTALLED) as e:
            call()
        assert isinstance(e.value, AsmdError)
    # get_score_mat names the item
    with pytest.raises(FileNotFoundError) as e:
        d.get_score_mat(3, score_type=["precise_alignment"])
    assert "item 3 (Bach10 / " in str(e.value) and NOT_INSTALLED in str(e.value)
    assert d.missing_files(0) and d.missing_files(0)[0].endswith(".wav")


def test_partial_install_points_to_verify(empty):
    d, tmp = empty
    (tmp / "datasets" / "Bach10").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="Bach10 is only partly installed") as e:
        d.get_mix(0)
    assert "asmd verify --dataset Bach10" in str(e.value)


def test_installed_only_selection_and_the_missing_song_policy(empty):
    d, _ = empty
    assert len(d) == 10
    assert len(d.filter(installed=True, copy=True)) == 0
    # the default: fail, naming the fix; the option: skip, with the skipped items listed
    with pytest.raises(FileNotFoundError, match=NOT_INSTALLED):
        ExcerptDataset(d, excerpt=1.0)
    ex = ExcerptDataset(d, excerpt=1.0, skip_missing=True)
    assert len(ex) == 0 and ex.skipped == list(range(10))


def test_installed_filter_keeps_songs_on_disk(tree):
    # the tree has ground truth on disk but no recordings: songs count as installed for
    # the files they would put in `paths`
    d = asmd.Dataset([tree["definitions"]], metadataset_path=tree["metadataset"])
    gt_only = d.filter(mixed=False, installed=True, copy=True)
    assert len(gt_only) == len(d) > 0
    assert all(gt_only.missing_files(i) == [] for i in range(len(gt_only)))
    assert len(d.filter(installed=True, copy=True)) == 0
    assert d.missing_files(0)[0].endswith(".wav")


def test_unknown_names_get_the_closest_existing_ones(empty):
    d = asmd.Dataset()
    for kwargs, want in [
        ({"datasets": ["Nope"]}, "unknown dataset `Nope`"),
        ({"datasets": ["maestr"]}, "did you mean `Maestro`?"),
        ({"groups": ["tran"]}, "did you mean `train`?"),
        ({"instruments": ["Piano"]}, "did you mean `piano`?"),
    ]:
        with pytest.raises(ValueError, match=want):
            d.filter(copy=True, **kwargs)
    assert len(d) == len(asmd.Dataset())  # a failed filter changes nothing
    # a group that only some definitions have is a legitimate filter
    assert len(d.filter(groups=["asap"], copy=True)) > 0


def test_licence_and_citation():
    d = asmd.Dataset()
    lic = d.license(["Maestro", "bach10"])
    assert lic["Maestro"]["license"] == "CC-BY-NC-SA-4.0"
    assert lic["Maestro"]["commercial_use"] is False
    assert lic["Bach10"]["license"] is None
    assert lic["Bach10"]["license_label"] == "unknown (see homepage)"
    assert lic["Bach10"]["homepage"].startswith("https://")
    # default: the datasets of the selection
    assert list(d.filter(datasets=["SMD"], copy=True).license()) == ["SMD"]
    bib = d.cite("SMD")
    assert bib.startswith("@inproceedings{simonetta2020asmd,") and bib.count("@") >= 2
    with pytest.raises(ValueError, match="did you mean `Maestro`"):
        d.cite("Maestr")


def test_python_dash_m_asmd_runs_the_cli(tmp_path):
    import subprocess
    import sys

    meta = write_metadataset(tmp_path / "datasets.json", tmp_path / "datasets")
    env = {**__import__("os").environ, "ASMD_METADATASET": str(meta)}
    r = subprocess.run(
        [sys.executable, "-m", "asmd", "query", "--groups", "tran"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 1 and "did you mean `train`?" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "asmd", "info", "SMD", "--cite"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0 and r.stdout.startswith("@inproceedings{simonetta2020asmd")
