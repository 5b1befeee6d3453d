"""Filestore: copy, size, remove, rename (adapters/filestore.py)."""
import os
import uuid

import pytest

from adapters_common import ad


def _make_files(root, db):
    base = root / db
    (base / "ab").mkdir(parents=True)
    (base / "cd").mkdir()
    (base / "ab" / "ab12").write_bytes(b"x" * 1000)
    (base / "cd" / "cd34").write_bytes(b"y" * 500)
    (base / "checklist").mkdir()
    return base


def test_filestore_copy_size_remove(tmp_path):
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    assert fs.exists("src_db") and not fs.exists("dst_db")
    assert fs.size_bytes("src_db") == 1500
    assert fs.size_bytes("dst_db") == 0
    assert fs.copy("src_db", "dst_db") == 2
    assert fs.size_bytes("dst_db") == 1500
    assert (tmp_path / "dst_db" / "checklist").is_dir()
    # hard links: same inode, and deleting one side leaves the other intact
    a, b = tmp_path / "src_db" / "ab" / "ab12", tmp_path / "dst_db" / "ab" / "ab12"
    assert a.stat().st_ino == b.stat().st_ino
    a.unlink()
    assert b.read_bytes() == b"x" * 1000
    assert fs.remove("dst_db") is True
    assert fs.remove("dst_db") is False
    assert not fs.exists("dst_db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src_db"]
    assert fs.path("src_db") == str(tmp_path / "src_db")


def test_filestore_copy_replaces_crashed_attempt(tmp_path):
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    stale = tmp_path / "dst_db" / "zz"
    stale.mkdir(parents=True)
    (stale / "zz99").write_bytes(b"stale")
    leftover = tmp_path / f".saas-tmp-dst_db-{uuid.uuid4().hex}"
    leftover.mkdir()
    assert fs.copy("src_db", "dst_db") == 2
    assert not (tmp_path / "dst_db" / "zz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dst_db", "src_db"]
    assert fs.copy("src_db", "dst_db") == 2  # again: same result
    assert fs.size_bytes("dst_db") == 1500


def test_filestore_missing_source_and_rename(tmp_path):
    fs = ad.Filestore(tmp_path / "not-yet")
    assert fs.copy("src_db", "dst_db") == 0
    assert not fs.exists("dst_db")
    fs = ad.Filestore(tmp_path)
    (tmp_path / "dst_db").mkdir()
    assert fs.copy("src_db", "dst_db") == 0  # source without files: no stale copy
    assert not fs.exists("dst_db")
    _make_files(tmp_path, "a_db")
    fs.rename("a_db", "b_db")
    assert fs.exists("b_db") and not fs.exists("a_db")
    (tmp_path / "c_db").mkdir()
    with pytest.raises(ad.AdapterError):
        fs.rename("b_db", "c_db")
    with pytest.raises(ValueError):
        fs.copy("b_db", "b_db")
    for bad in ("..", "a/../b", "../x", "/etc", ".hidden"):
        with pytest.raises(ValueError):
            fs.copy("b_db", bad)


def test_filestore_copy_falls_back_when_links_fail(tmp_path, monkeypatch):
    import errno

    def no_link(src, dst):
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    fs = ad.Filestore(tmp_path)
    _make_files(tmp_path, "src_db")
    assert fs.copy("src_db", "dst_db") == 2
    a, b = tmp_path / "src_db" / "cd" / "cd34", tmp_path / "dst_db" / "cd" / "cd34"
    assert a.stat().st_ino != b.stat().st_ino
    assert b.read_bytes() == a.read_bytes()
