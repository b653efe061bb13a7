"""How ``make test`` spreads the suite over parallel lots (stack/shards.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.amp.stack import shards


def test_lot_count_follows_the_cores_and_the_variable():
    assert shards.lot_count({}, cpus=2) == 2
    assert shards.lot_count({}, cpus=1) == 1
    assert shards.lot_count({}, cpus=64) == shards.MAX_LOTS
    assert shards.lot_count({"AMP_TEST_LOTS": "1"}, cpus=8) == 1
    assert shards.lot_count({"AMP_TEST_LOTS": "0"}, cpus=8) == 1
    with pytest.raises(ValueError, match="AMP_TEST_LOTS"):
        shards.lot_count({"AMP_TEST_LOTS": "deux"})


def test_every_file_goes_to_exactly_one_lot_and_the_lots_are_balanced():
    sizes = {f"tests/a/test_{n}.py": size for n, size in enumerate([9, 7, 5, 4, 3, 3, 1])}
    sizes["tests/browser/test_pages.py"] = 4  # weighs 12
    lots = shards.plan([(Path(p), s) for p, s in sizes.items()], 2)
    files = [f for lot in lots for f in lot.files]
    assert sorted(files) == sorted(str(Path(p)) for p in sizes)
    assert len(files) == len(set(files))
    weights = sorted(lot.weight for lot in lots)
    assert sum(weights) == 44.0 and weights[1] - weights[0] <= 2.0
    assert str(Path("tests/browser/test_pages.py")) in lots[0].files  # heaviest first, lot 1


def test_no_empty_lot_when_there_are_fewer_files_than_lots():
    lots = shards.plan([(Path("tests/test_one.py"), 10)], 4)
    assert [lot.files for lot in lots] == [[str(Path("tests/test_one.py"))]]


def test_the_progress_is_read_from_pytest_count_output():
    text = "....F...  [ 12/340]\n.....s..  [ 20/340]\n"
    assert shards.progress(text) == (20, 340)
    assert shards.progress("collecting ...") is None


def test_a_lot_that_collected_nothing_only_counts_when_all_did():
    assert shards.combined_code([0, 5]) == 0
    assert shards.combined_code([5, 5]) == 5
    assert shards.combined_code([1, 0]) == 1
    assert shards.combined_code([0, 0]) == 0
    assert shards.combined_code([5, 2]) == 2


def test_each_lot_has_its_own_redis_database():
    from ckanext.amp.stack.services import redis_db_of, with_redis_db

    assert redis_db_of("unix:///tmp/amp/redis.sock?db=3") == 3
    assert redis_db_of("redis://127.0.0.1:6379/5") == 5 and redis_db_of("redis://h:1") == 0

    assert with_redis_db("unix:///tmp/amp/redis.sock?db=0", 1) == "unix:///tmp/amp/redis.sock?db=1"
    assert with_redis_db("redis://127.0.0.1:6379/0", 2) == "redis://127.0.0.1:6379/2"


def test_measured_times_balance_the_lots_and_new_files_are_estimated():
    files = [(Path("tests/a/test_slow.py"), 100), (Path("tests/a/test_fast.py"), 1000),
             (Path("tests/a/test_new.py"), 500), (Path("tests/a/test_mid.py"), 10)]
    times = {"tests/a/test_slow.py": 300.0, "tests/a/test_fast.py": 10.0,
             "tests/a/test_mid.py": 290.0}
    lots = shards.plan(files, 2, times)
    # test_new.py: 500 bytes at the measured rate (600 s for 1,110 bytes): 270 s.
    assert [sorted(Path(f).name for f in lot.files) for lot in lots] == [
        ["test_fast.py", "test_slow.py"], ["test_mid.py", "test_new.py"]]
    assert round(lots[1].weight, 1) == round(290.0 + 500 * 600 / 1110, 1)


def test_times_are_read_from_pytest_junit_reports(tmp_path):
    report = tmp_path / "lot-1.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.a.test_x" name="t1" file="tests/a/test_x.py" time="1.25"/>'
        '<testcase classname="tests.a.test_x" name="t2" file="tests/a/test_x.py" time="2.5"/>'
        '<testcase classname="tests.b.test_y" name="t" file="tests/b/test_y.py" time="4"/>'
        '</testsuite></testsuites>', encoding="utf-8")
    (tmp_path / "broken.xml").write_text("<testsuites", encoding="utf-8")
    assert shards.junit_times([report, tmp_path / "broken.xml", tmp_path / "absent.xml"]) == {
        "tests/a/test_x.py": 3.8, "tests/b/test_y.py": 4.0}
    times_file = tmp_path / "times.json"
    times_file.write_text('{"tests/a/test_x.py": 3.8, "bad": "x"}', encoding="utf-8")
    assert shards.load_times(times_file) == {"tests/a/test_x.py": 3.8}
    assert shards.load_times(tmp_path / "none.json") == {}
