"""leadscore._io: atomic files and folders, without touching process-wide state."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from leadscore import _io
from leadscore._io import atomic_folder, atomic_path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_new_files_get_the_usual_permissions_without_touching_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mask = _umask()

    def no_umask(mask: int) -> int:  # changing the umask races with other threads
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    with atomic_path(tmp_path / "scores.csv") as tmp:
        tmp.write_text("contact_id\n")
    with atomic_folder(tmp_path / "model", marker="model.json") as folder:
        (folder / "model.json").write_text("{}")
    assert (tmp_path / "scores.csv").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "model").stat().st_mode & 0o777 == 0o777 & ~mask


def _save(path: Path, text: str) -> None:
    with atomic_folder(path, marker="model.json") as tmp:
        (tmp / "model.json").write_text(text)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_a_folder_is_replaced_without_a_moment_where_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model"
    _save(folder, "old")
    replace = os.replace

    def watched(src: object, dst: object) -> None:
        # moving the old folder away is the start of a window in which none exists
        assert Path(str(src)) != folder, "the old folder was renamed away before the swap"
        replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", watched)
    _save(folder, "new")
    assert (folder / "model.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # the old one removed


def test_without_an_atomic_swap_two_renames_replace_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_io, "_exchange", lambda a, b: False)
    folder = tmp_path / "model"
    _save(folder, "old")
    _save(folder, "new")
    assert (folder / "model.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_a_failed_write_leaves_the_old_folder(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    _save(folder, "old")
    with pytest.raises(OSError, match="disk full"), atomic_folder(folder, marker="model.json"):
        raise OSError("disk full")
    assert (folder / "model.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
