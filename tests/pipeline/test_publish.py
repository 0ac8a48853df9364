"""publish: readers see the previous release or the new one, never a mix or nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, FileEntry, Manifest
from portefeuille_ld.pipeline.publish import (
    CURRENT,
    RELEASES,
    STAGING_PREFIX,
    current_release,
    prune,
    publish,
    releases,
)

Writer = Callable[[Path], Manifest]


def writer(content: bytes, *, write_manifest: bool = True) -> Writer:
    """A `write` that puts one file in the release and describes it."""

    def write(directory: Path) -> Manifest:
        (directory / "data.txt").write_bytes(content)
        manifest = Manifest(
            base_iri="https://example.org/",
            build_date="2025-09-12",
            data_triples=len(content),
            files=(FileEntry.of_bytes("data.txt", "text/plain", content),),
        )
        if write_manifest:
            (directory / MANIFEST_FILE).write_bytes(manifest.to_json())
        return manifest

    return write


def failing(directory: Path) -> Manifest:
    (directory / "data.txt").write_bytes(b"half written")
    raise RuntimeError("the build failed midway")


def snapshot(out_dir: Path) -> dict[str, bytes]:
    """Every file under `out_dir` except the lock, by relative path."""
    return {
        str(p.relative_to(out_dir)): p.read_bytes()
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != ".lock"
    }


def staging_leftovers(out_dir: Path) -> list[Path]:
    return [p for p in out_dir.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_no_current_release_before_the_first_publish(tmp_path: Path) -> None:
    assert current_release(tmp_path) is None
    assert releases(tmp_path) == []


def test_publish_makes_the_release_current(tmp_path: Path) -> None:
    release = publish(tmp_path, writer(b"v1"))
    manifest = (release / MANIFEST_FILE).read_bytes()
    assert release == tmp_path / RELEASES / hashlib.sha256(manifest).hexdigest()[:16]
    assert os.readlink(tmp_path / CURRENT) == f"{RELEASES}/{release.name}"  # relative
    assert current_release(tmp_path) == release
    assert (tmp_path / CURRENT / "data.txt").read_bytes() == b"v1"
    assert staging_leftovers(tmp_path) == []


def test_release_is_readable_by_everyone(tmp_path: Path) -> None:
    release = publish(tmp_path, writer(b"v1"))
    assert release.stat().st_mode & 0o755 == 0o755


def test_publish_writes_the_manifest_if_write_did_not(tmp_path: Path) -> None:
    release = publish(tmp_path, writer(b"v1", write_manifest=False))
    assert Manifest.from_json((release / MANIFEST_FILE).read_bytes()).data_triples == 2


def test_failed_write_leaves_the_current_release_untouched(tmp_path: Path) -> None:
    previous = publish(tmp_path, writer(b"v1"))
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="midway"):
        publish(tmp_path, failing)
    assert current_release(tmp_path) == previous
    assert snapshot(tmp_path) == before
    assert staging_leftovers(tmp_path) == []


def test_manifest_that_does_not_match_the_files_is_refused(tmp_path: Path) -> None:
    previous = publish(tmp_path, writer(b"v1"))

    def lying(directory: Path) -> Manifest:
        manifest = writer(b"v2")(directory)
        (directory / "data.txt").write_bytes(b"something else")
        return manifest

    with pytest.raises(ValueError, match="differs from the manifest"):
        publish(tmp_path, lying)
    assert current_release(tmp_path) == previous
    assert releases(tmp_path) == [previous]


_KILLED = """
import os, sys
from pathlib import Path
from portefeuille_ld.pipeline.publish import publish

def write(directory):
    (directory / "data.txt").write_bytes(b"half written")
    os._exit(9)  # killed: no exception handler, no cleanup

publish(Path(sys.argv[1]), write)
"""


def test_killed_build_changes_nothing_and_is_cleaned_next_time(tmp_path: Path) -> None:
    previous = publish(tmp_path, writer(b"v1"))
    before = snapshot(tmp_path)
    killed = subprocess.run([sys.executable, "-c", _KILLED, str(tmp_path)], timeout=60)
    assert killed.returncode == 9
    assert current_release(tmp_path) == previous
    assert len(staging_leftovers(tmp_path)) == 1
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".")} == before
    publish(tmp_path, writer(b"v2"))
    assert staging_leftovers(tmp_path) == []


def test_stale_staging_entries_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / f"{STAGING_PREFIX}abcd"
    stale.mkdir()
    (stale / "data.txt").write_bytes(b"old")
    (tmp_path / f"{STAGING_PREFIX}current-1234").symlink_to("releases/nowhere")
    publish(tmp_path, writer(b"v1"))
    assert staging_leftovers(tmp_path) == []


def test_same_content_reuses_the_release(tmp_path: Path) -> None:
    first = publish(tmp_path, writer(b"v1"))
    publish(tmp_path, writer(b"v2"))
    again = publish(tmp_path, writer(b"v1"))
    assert again == first and current_release(tmp_path) == first
    assert releases(tmp_path)[0] == first  # republished: now the most recent
    assert len(releases(tmp_path)) == 2


def test_damaged_release_is_replaced(tmp_path: Path) -> None:
    release = publish(tmp_path, writer(b"v1"))
    (release / "data.txt").unlink()
    assert publish(tmp_path, writer(b"v1")) == release
    assert (release / "data.txt").read_bytes() == b"v1"


def test_a_release_without_a_file_a_newer_build_writes_is_replaced(tmp_path: Path) -> None:
    def with_side_file(directory: Path) -> Manifest:
        (directory / "side.json").write_bytes(b"{}")  # unlisted, like accueil.json
        return writer(b"v1")(directory)

    release = publish(tmp_path, writer(b"v1"))
    assert publish(tmp_path, with_side_file) == release
    assert (release / "side.json").read_bytes() == b"{}"
    assert (release / "data.txt").read_bytes() == b"v1"


def test_only_the_last_releases_are_kept(tmp_path: Path) -> None:
    published = [publish(tmp_path, writer(f"v{i}".encode())) for i in range(5)]
    assert releases(tmp_path) == published[:1:-1]  # the 3 most recent, newest first
    assert current_release(tmp_path) == published[-1]


def test_keep_counts_publications_not_creations(tmp_path: Path) -> None:
    a, b, _ = (publish(tmp_path, writer(v)) for v in (b"a", b"b", b"c"))
    publish(tmp_path, writer(b"a"))  # a rollback to `a` makes it the newest
    publish(tmp_path, writer(b"d"))
    assert a in releases(tmp_path) and b not in releases(tmp_path)


def test_prune_never_removes_the_current_release(tmp_path: Path) -> None:
    oldest, *_ = (publish(tmp_path, writer(v)) for v in (b"a", b"b", b"c"))
    (tmp_path / CURRENT).unlink()
    (tmp_path / CURRENT).symlink_to(f"{RELEASES}/{oldest.name}")
    prune(tmp_path, keep=1)
    assert current_release(tmp_path) == oldest
    assert len(releases(tmp_path)) == 2  # the newest, and the current one


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_must_be_positive(tmp_path: Path, keep: int) -> None:
    with pytest.raises(ValueError, match="keep at least one"):
        publish(tmp_path, writer(b"v1"), keep=keep)
