"""Dataset construction, every filter parameter, set operations, splits, pickling."""

import copy
import json
import pickle

import numpy as np
import pytest

from asmd import asmd, dataset_utils as du
from asmd.errors import (
    AsmdArgumentError,
    AsmdError,
    AsmdFileNotFoundError,
    AsmdIndexError,
)


def titles(d):
    return [s["title"] for s in d.get_songs()]


def test_official_collection_is_embedded():
    d = asmd.Dataset()
    assert len(d) == 1792
    assert list(d._chunks) == [
        "Bach10",
        "Maestro",
        "MusicNet",
        "PHENICX",
        "SMD",
        "TRIOS_dataset",
        "traditional_flute",
        "vienna_corpus",
    ]
    assert d._chunks["Bach10"] == [0, 10]
    assert d.datasets[0]["name"] == "Bach10" and d.datasets[0]["included"]


def test_construction(dataset, tree):
    assert len(dataset) == 5
    assert dataset.install_dir == str(tree["install"])
    assert dataset.paths[0] == [["pianos/song0.wav"], [], ["pianos/song0-0.json.gz"]]
    assert dataset._chunks == {"pianos": [0, 3], "strings": [3, 5]}
    assert dataset.metadataset["author"] == "tests"
    assert asmd.Dataset(empty=True, metadataset_path=tree["metadataset"]).paths == []


def test_each_filter_parameter(dataset):
    f = lambda **kw: titles(dataset.filter(copy=True, **kw))  # noqa: E731
    assert f(datasets=["PIANOS"]) == ["Sonata K331", "Fantasia K397", "Prelude BWV 846"]
    assert f(ensemble=True) == ["Duo 1", "Duo 2"]
    assert f(ensemble=False) == ["Sonata K331", "Fantasia K397", "Prelude BWV 846"]
    # exact, order-sensitive (ASMD) vs contains-all
    assert f(instruments=["violin", "cello"]) == ["Duo 1", "Duo 2"]
    assert f(instruments=["cello", "violin"]) == []
    assert f(instruments=["cello"], instrument_match="contains") == ["Duo 1", "Duo 2"]
    assert f(instruments=["piano"]) == [
        "Sonata K331",
        "Fantasia K397",
        "Prelude BWV 846",
    ]
    # composer: case-sensitive substring by default
    assert f(composer="Bach") == ["Prelude BWV 846", "Duo 2"]
    assert f(composer="bach") == []
    assert f(composer="bach", composer_ignore_case=True) == ["Prelude BWV 846", "Duo 2"]
    # groups: all of them
    assert f(groups=["train"]) == ["Sonata K331", "Prelude BWV 846"]
    assert f(groups=["train", "test"]) == []
    # ground truth: names (any level), pairs and dicts (exact level)
    assert f(ground_truth=["f0"]) == ["Duo 1", "Duo 2"]
    assert f(ground_truth=[("f0", 2), ("precise_alignment", 1)]) == ["Duo 1", "Duo 2"]
    assert f(ground_truth={"f0": 1}) == []
    assert len(f(ground_truth={"misaligned": 2})) == 5
    assert f(ground_truth=["score", "velocities"]) == [
        "Sonata K331",
        "Fantasia K397",
        "Prelude BWV 846",
    ]


def test_output_parameters(dataset):
    d = dataset.filter(datasets=["strings"], mixed=False, copy=True)
    assert d.paths[0][0] == []
    d = dataset.filter(datasets=["strings"], sources=True, all=True, copy=True)
    assert d.paths[0][1] == ["strings/duo0-violin.wav", "strings/duo0-cello.wav"]
    assert d.paths[0][2] == ["strings/duo0-0.json.gz", "strings/duo0-1.json.gz"]
    # one instrument: one-element lists (ASMD stored bare strings)
    d = dataset.filter(
        instruments=["cello"], instrument_match="contains", sources=True, copy=True
    )
    assert d.paths[0][1] == ["strings/duo0-cello.wav"]
    assert d.paths[0][2] == ["strings/duo0-1.json.gz"]
    assert len(d.get_gts(0)) == 1
    with pytest.raises(AsmdArgumentError, match="instruments"):
        dataset.filter(sources=True, copy=True)
    with pytest.raises(
        AsmdArgumentError, match="none of the 3 selected songs has source"
    ):
        dataset.filter(datasets=["pianos"], sources=True, all=True, copy=True)


def test_filters_only_narrow_and_failed_filter_changes_nothing(dataset):
    dataset.filter(datasets=["pianos"])
    assert len(dataset) == 3
    dataset.filter(datasets=["pianos", "strings"])  # ASMD re-included strings here
    assert len(dataset) == 3
    before = dataset.paths
    with pytest.raises(AsmdError):
        dataset.filter(ground_truth=["no_such_type"])
    assert dataset.paths == before
    assert dataset.filter(composer="Mozart") is dataset
    assert len(dataset) == 2


def test_set_operations(dataset):
    train = dataset.filter(groups=["train"], copy=True)
    bach = dataset.filter(composer="Bach", copy=True)
    assert titles(du.union(train, bach)) == ["Sonata K331", "Prelude BWV 846", "Duo 2"]
    assert titles(du.intersect(train, bach)) == ["Prelude BWV 846"]
    assert titles(du.complement(train)) == ["Fantasia K397", "Duo 1", "Duo 2"]
    assert titles(
        du.union(train, bach, dataset.filter(composer="Beethoven", copy=True))
    ) == ["Sonata K331", "Prelude BWV 846", "Duo 1", "Duo 2"]
    # keyword arguments filter the result
    assert titles(du.union(train, bach, ensemble=True)) == ["Duo 2"]
    u = du.union(train, bach, sources=True, all=True)
    assert u.paths[2][1] == ["strings/duo1-violin.wav", "strings/duo1-cello.wav"]
    # single operand: a copy
    single = du.union(train)
    assert single is not train and single.paths == train.paths
    # operands must come from the same definitions
    with pytest.raises(AsmdArgumentError, match="same definitions"):
        du.union(train, asmd.Dataset())


def test_choice_is_seeded_and_partitions(dataset):
    a = du.choice(dataset, p=[0.5, 0.5], random_state=7)
    b = du.choice(dataset, p=[0.5, 0.5], random_state=7)
    assert [x.paths for x in a] == [x.paths for x in b]
    assert sorted(sum((titles(x) for x in a), [])) == sorted(titles(dataset))
    ex = du.choice(dataset, p=[0.6, 0.4], random_state=1, exact=True)
    assert [len(x) for x in ex] == [3, 2]
    np.random.seed(3)
    c = du.choice(dataset, p=[1, 1])
    np.random.seed(3)
    assert [x.paths for x in du.choice(dataset, p=[1, 1])] == [x.paths for x in c]
    with pytest.raises(AsmdArgumentError):
        du.choice(dataset, p=[0, 0])


def test_chunks_and_indices(dataset):
    d = dataset.filter(composer="Bach", copy=True)
    assert d._chunks == {"pianos": [0, 1], "strings": [1, 2]}
    assert d.idx_chunk_to_whole("strings", 0) == 1
    assert d.idx_chunk_to_whole("strings", [0]) == [1]
    assert d.idx_chunk_to_whole("strings", np.int64(0)) == 1
    with pytest.raises(AsmdIndexError):
        d.idx_chunk_to_whole("strings", 1)
    with pytest.raises(TypeError):
        d.idx_chunk_to_whole("strings", 0.5)
    with pytest.raises(IndexError):
        d.get_gts(2)


def test_pickle_copy_and_subclass_state(dataset):
    dataset.filter(composer="Bach")
    dataset.extra_attribute = {"a": 1}
    for other in (
        pickle.loads(pickle.dumps(dataset)),
        copy.deepcopy(dataset),
        copy.copy(dataset),
    ):
        assert other.paths == dataset.paths
        assert other.extra_attribute == {"a": 1}
        assert other._chunks == dataset._chunks
        np.testing.assert_array_equal(
            other.get_score_mat(0, ["precise_alignment"]),
            dataset.get_score_mat(0, ["precise_alignment"]),
        )
    other = copy.deepcopy(dataset)
    other.filter(datasets=["strings"])
    assert len(dataset) == 2 and len(other) == 1


def test_paths_can_be_replaced(dataset):
    p = dataset.paths
    dataset.paths = [p[0]]
    assert len(dataset) == 1
    assert dataset.get_gts(0)[0]["instrument"] == 0


def test_missing_files_and_bad_definitions_raise_clear_errors(tree, tmp_path):
    d = asmd.Dataset(
        [tree["definitions"]],
        metadataset_path=tree["metadataset"],
        install_dir=tmp_path,
    )
    with pytest.raises(AsmdFileNotFoundError) as e:
        d.get_gts(0)
    assert e.value.file.endswith("pianos/song0-0.json.gz")
    with pytest.raises(FileNotFoundError):
        asmd.Dataset([str(tmp_path / "nope")])
    with pytest.raises(AsmdFileNotFoundError):
        asmd.Dataset(metadataset_path=str(tmp_path / "datasets.json"))


def test_get_songs_and_datasets(dataset):
    songs = dataset.get_songs()
    assert songs[0]["title"] == "Sonata K331" and songs[0]["dataset"] == "pianos"
    dataset.filter(datasets=["strings"])
    ds = dataset.datasets
    assert [d["included"] for d in ds] == [False, True]
    assert [s["included"] for s in ds[1]["songs"]] == [True, True]


def test_parallel_passes_joblib_and_function_arguments(dataset):
    def f(i, d, offset, scale=1):
        return (len(d.paths[i][2]) + offset) * scale

    assert dataset.parallel(f, 1, scale=10, n_jobs=2, backend="threading") == [
        20,
        20,
        20,
        30,
        30,
    ]
    assert dataset.parallel(f, 0, n_jobs=2, backend="loky") == [1, 1, 1, 2, 2]


def test_load_definitions(tree):
    defs = asmd.load_definitions(tree["definitions"])
    assert [d["name"] for d in defs] == ["pianos", "strings"]
    assert json.dumps(defs)  # plain JSON-able dicts
