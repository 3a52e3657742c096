"""The attachment store: files by content hash, written atomically, stored once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from frontdesk.domain.attachments import AttachmentStore


def test_bytes_are_stored_once_under_their_hash_and_read_back(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "attachments")
    data = "Պատվեր №1234 — 🙏".encode()
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.put(data) == sha
    assert store.get(sha) == data
    folder = tmp_path / "attachments" / sha[:2]
    assert [p.name for p in folder.iterdir()] == [sha]  # no temp file left behind


def test_files_of_the_earlier_two_level_layout_are_read_and_not_written_again(
    tmp_path: Path,
) -> None:
    store = AttachmentStore(tmp_path)
    data = b"an invoice stored by an earlier version"
    sha = hashlib.sha256(data).hexdigest()
    earlier = tmp_path / sha[:2] / sha[2:4] / sha
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(data)
    assert store.get(sha) == data
    assert store.put(data) == sha
    assert not store.path_for(sha).exists()
