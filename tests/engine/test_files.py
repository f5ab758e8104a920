"""write_private: 0600 from the first moment, atomic, no temp files left behind."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from wizard import files

posix_only = pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")


@posix_only
def test_new_file_is_0600_and_holds_the_data(tmp_path):
    target = tmp_path / "secret.txt"
    assert files.write_private(target, "s3cr3t ✓") == target
    assert target.read_text("utf-8") == "s3cr3t ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@posix_only
def test_replaces_a_world_readable_file_with_a_private_one(tmp_path):
    target = tmp_path / "out.env"
    target.write_text("old")
    target.chmod(0o644)
    files.write_private(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@posix_only
def test_permissions_are_0600_from_creation(tmp_path, monkeypatch):
    """Every os.open that creates a file passes O_EXCL and mode 0o600: no chmod afterwards."""
    calls = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *a, **kw):
        if flags & os.O_CREAT:
            calls.append((flags, mode))
            fd = real_open(path, flags, mode, *a, **kw)
            assert stat.S_IMODE(os.fstat(fd).st_mode) == 0o600
            return fd
        return real_open(path, flags, mode, *a, **kw)

    monkeypatch.setattr(os, "open", spy)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: pytest.fail("chmod should not be needed"))
    old = os.umask(0)  # even with a permissive umask the file starts private
    try:
        files.write_private(tmp_path / "x", "data")
    finally:
        os.umask(old)
    assert calls and all(f & os.O_EXCL and m == 0o600 for f, m in calls)


def test_no_temp_file_left_after_success_or_failure(tmp_path, monkeypatch):
    files.write_private(tmp_path / "a.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        files.write_private(tmp_path / "b.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_failed_write_keeps_the_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    files.write_private(target, "version 1")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("io error")))
    with pytest.raises(OSError):
        files.write_private(target, "version 2")
    assert target.read_text() == "version 1"


def test_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        files.write_private(tmp_path / "nope" / "x.txt", "data")


@posix_only
@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlink_at_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    link = tmp_path / "link"
    link.symlink_to(victim)
    files.write_private(link, "secret")
    assert victim.read_text() == "untouched"
    assert not link.is_symlink() and link.read_text() == "secret"
