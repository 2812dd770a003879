"""The blob stores behind the archive: the filesystem (default) and S3-compatible object storage,
the latter against a local S3 server (moto's) running as its own process."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanfactory.adapters.blob import FileBlobStore, blob_store
from loanfactory.archive import Archive, TamperedRecord
from loanfactory.errors import InvalidInput, NotFound
from loanfactory.ports import BlobStore
from loanfactory.testing import FixedClock, MemoryBlobStore, MemoryStore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _s3(endpoint: str, bucket: str) -> BlobStore:
    import boto3

    from loanfactory.adapters.blob import S3BlobStore

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    store: BlobStore = S3BlobStore(client, bucket, prefix="archive")
    return store


@pytest.fixture(params=["memory", "files", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    if request.param == "files":
        return FileBlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    return _s3(endpoint, f"b{os.getpid()}{abs(hash(request.node.name)) % 10**8}")


def test_a_blob_is_kept_by_its_sha256(blobs: BlobStore) -> None:
    data = "借款合同全文".encode()
    key = blobs.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert blobs.put(data) == key  # the same bytes are one blob
    assert blobs.exists(key)
    assert blobs.get(key) == data
    blobs.delete(key)
    assert not blobs.exists(key)
    with pytest.raises(NotFound):
        blobs.get(key)
    blobs.delete(key)  # deleting again is not an error


def test_keys_that_are_not_digests_are_refused(blobs: BlobStore) -> None:
    if isinstance(blobs, MemoryBlobStore):
        pytest.skip("the memory store has no paths to escape")
    for key in ("../../etc/passwd", "A" * 64, "", "ab"):
        with pytest.raises(InvalidInput):
            blobs.get(key)


def test_the_archive_detects_a_file_changed_in_the_store(blobs: BlobStore, tmp_path: Path) -> None:
    clock = FixedClock(__import__("datetime").date(2026, 1, 5))
    archive = Archive(MemoryStore(), blobs, clock)
    record = archive.put(category="contract", subject="ctr_1", content=b"original text", loan_id="loan_1")
    assert archive.content(record.id) == b"original text"
    if isinstance(blobs, FileBlobStore):
        path = blobs.root / record.sha256[:2] / record.sha256[2:4] / record.sha256
        path.write_bytes(b"changed text")
    elif isinstance(blobs, MemoryBlobStore):
        blobs.tamper(record.sha256, b"changed text")
    else:
        blobs.client.put_object(Bucket=blobs.bucket, Key=f"archive/{record.sha256}", Body=b"changed text")  # type: ignore[attr-defined]
    with pytest.raises(TamperedRecord):
        archive.content(record.id)
    assert archive.verify()


def test_a_location_names_its_store(tmp_path: Path) -> None:
    assert isinstance(blob_store(str(tmp_path / "a")), FileBlobStore)
    assert isinstance(blob_store(f"file://{tmp_path / 'b'}"), FileBlobStore)
