"""A sweep store and a reproduction's folder take the directory lock: a second writer is refused
with the holder named, before any work (the lock itself is tested in test_atomic_files_and_locks)."""

from __future__ import annotations

import pytest

from isometry._internal.locks import DirectoryLock, DirectoryLockedError

SPEC = {
    "sweep": {"kind": "jacobian_spectrum", "seeds": 1},
    "grid": {"width": 8, "depth": 2},
}


def test_a_sweep_store_in_use_is_refused(tmp_path):
    pytest.importorskip("pyarrow")
    from isometry import sweep

    store = tmp_path / "store"
    # Another writer (here: this process, through another lock object) holds the store.
    with DirectoryLock(store, what="another sweep"):
        with pytest.raises(DirectoryLockedError, match="in use by process .*another sweep"):
            sweep.run(SPEC, store, workers=1, progress=False)
        assert not (store / "rows").exists()  # refused before the store was touched
    report = sweep.run(SPEC, store, workers=1, progress=False)  # free again: it runs
    assert report.done == 1 and not (store / ".isometry.lock").read_text()


def test_a_reproduction_folder_in_use_is_refused(tmp_path):
    from isometry.experiments import reproduce

    with DirectoryLock(tmp_path / "tarnowski_c_table", what="another reproduce"):
        with pytest.raises(DirectoryLockedError, match="another reproduce"):
            reproduce("tarnowski_c_table", out=tmp_path, log=lambda _m: None)
    assert not (tmp_path / "tarnowski_c_table" / "report.json").exists()
