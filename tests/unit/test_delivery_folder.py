"""The watched folder of amp_delivery (common/harvest/watched.py) and the
temporal coverage a delivery extends (common/harvest/delivery.py): pure,
on real files and links in a temporary folder."""
from __future__ import annotations

import os

import pytest

from ckanext.amp.common.harvest.delivery import extend_coverage
from ckanext.amp.common.harvest.watched import (FolderError, FolderFile, list_folder,
                                                read_folder_file, resolve_folder)


@pytest.fixture
def root(tmp_path):
    folder = tmp_path / "livraisons"
    (folder / "symcrau" / "volumes").mkdir(parents=True)
    return folder


def test_a_folder_is_resolved_under_the_root(root):
    expected = (root / "symcrau" / "volumes").resolve()
    assert resolve_folder(root, "symcrau/volumes") == expected
    assert resolve_folder(root, str(root / "symcrau" / "volumes")) == expected
    assert resolve_folder(root, "symcrau/../symcrau/volumes") == expected


@pytest.mark.parametrize("folder", ["..", "../autre", "/etc", "symcrau/../../autre"])
def test_a_folder_outside_the_root_is_refused(root, tmp_path, folder):
    (tmp_path / "autre").mkdir(exist_ok=True)
    with pytest.raises(FolderError) as error:
        resolve_folder(root, folder)
    assert error.value.msgid == \
        "The folder {folder} is outside the folder of deliveries {root}: refused"


def test_a_link_out_of_the_root_is_refused_as_a_folder(root, tmp_path):
    (tmp_path / "autre").mkdir()
    (root / "symcrau" / "lien").symlink_to(tmp_path / "autre")
    with pytest.raises(FolderError) as error:
        resolve_folder(root, "symcrau/lien")
    assert "outside" in error.value.msgid
    # A link that stays inside the root is followed.
    (root / "raccourci").symlink_to(root / "symcrau" / "volumes")
    assert resolve_folder(root, "raccourci") == (root / "symcrau" / "volumes").resolve()


@pytest.mark.parametrize("configured, msgid", [
    (None, "No folder of deliveries is declared (ckanext.amp.harvest.delivery_root): a source "
           "cannot watch a folder"),
    ("", "No folder of deliveries is declared (ckanext.amp.harvest.delivery_root): a source "
         "cannot watch a folder"),
    ("relatif/livraisons", "The folder of deliveries {root} must be an absolute path"),
    ("/nulle/part/livraisons", "The folder of deliveries {root} does not exist"),
])
def test_the_root_must_be_declared_absolute_and_exist(configured, msgid):
    with pytest.raises(FolderError) as error:
        resolve_folder(configured, "symcrau")
    assert error.value.msgid == msgid


def test_listing_skips_files_being_written_and_refuses_links_out(root, tmp_path):
    folder = root / "symcrau" / "volumes"
    (folder / "b.csv").write_text("Date;Captage\n", encoding="utf-8")
    (folder / "a.xlsx").write_bytes(b"PK")
    (folder / "c.csv.part").write_text("en cours", encoding="utf-8")
    (folder / ".cache").write_text("x", encoding="utf-8")
    (folder / "~$a.xlsx").write_text("verrou Excel", encoding="utf-8")
    (folder / "sous-dossier").mkdir()
    (folder / "gros.csv").write_bytes(b"x" * 101)
    (tmp_path / "secret.csv").write_text("mot de passe", encoding="utf-8")
    (folder / "secret.csv").symlink_to(tmp_path / "secret.csv")
    (folder / "interne.csv").symlink_to(folder / "b.csv")
    (folder / "mort.csv").symlink_to(folder / "disparu.csv")
    os.mkfifo(folder / "tube.csv")
    found = list_folder(root, "symcrau/volumes", max_bytes=100)
    assert [f.name for f in found.files] == ["a.xlsx", "b.csv", "interne.csv"]
    assert sorted((p.msgid, p.params["file"]) for p in found.problems) == [
        ("The file {file} is a link out of the folder of deliveries: ignored", "secret.csv"),
        ("The file {file} is larger than {limit} bytes: ignored", "gros.csv"),
    ]
    assert read_folder_file(root, found.files[1], 100) == b"Date;Captage\n"


def test_reading_checks_the_file_again(root, tmp_path):
    folder = root / "symcrau" / "volumes"
    (folder / "v.csv").write_bytes(b"a;b\n1;2\n")
    [file] = list_folder(root, "symcrau/volumes", 100).files
    # Replaced by a link out of the root between listing and reading.
    (folder / "v.csv").unlink()
    (tmp_path / "dehors.csv").write_bytes(b"secret")
    (folder / "v.csv").symlink_to(tmp_path / "dehors.csv")
    with pytest.raises(FolderError) as error:
        read_folder_file(root, FolderFile("v.csv", folder / "v.csv", 0), 100)
    assert error.value.params["file"] == "v.csv"
    # Grown past the limit since it was listed.
    (folder / "v.csv").unlink()
    (folder / "v.csv").write_bytes(b"x" * 200)
    with pytest.raises(FolderError) as error:
        read_folder_file(root, file, 100)
    assert "larger than" in error.value.msgid


@pytest.mark.parametrize("coverage, start, end, expected", [
    ([], "2025-01-01", "2025-06-30", [{"start": "2025-01-01", "end": "2025-06-30"}]),
    (None, "2025-01-01", "2025-06-30", [{"start": "2025-01-01", "end": "2025-06-30"}]),
    # the next semester prolongs the series
    ([{"start": "2025-01-01", "end": "2025-06-30"}], "2025-07-01", "2025-12-31",
     [{"start": "2025-01-01", "end": "2025-12-31"}]),
    # an earlier one, overlapping
    ([{"start": "2025-03-01", "end": "2025-06-30"}], "2025-01-01", "2025-03-15",
     [{"start": "2025-01-01", "end": "2025-06-30"}]),
    # inside: nothing changes (a year-precision entry holds it)
    ([{"start": "2025", "end": "2025"}], "2025-07-01", "2025-12-31",
     [{"start": "2025", "end": "2025"}]),
    # after a gap: a new entry, the gap stays visible
    ([{"start": "2023-01-01", "end": "2023-12-31"}], "2025-07-01", "2025-12-31",
     [{"start": "2023-01-01", "end": "2023-12-31"}, {"start": "2025-07-01", "end": "2025-12-31"}]),
    # an open-ended series holds everything after its start
    ([{"start": "2020-01-01"}], "2025-07-01", "2025-12-31", [{"start": "2020-01-01"}]),
    # timestamps of the check are cut to their day
    ([], "2025-07-01T00:00:00+02:00", "2025-12-31T23:59:59.999999+01:00",
     [{"start": "2025-07-01", "end": "2025-12-31"}]),
])
def test_a_delivery_extends_the_temporal_coverage(coverage, start, end, expected):
    assert extend_coverage(coverage, start, end) == expected
