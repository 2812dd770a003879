"""Archived files on a filesystem (文件存储): ``<root>/ab/cd/abcd…`` by the SHA-256 of the content.

A blob is written to a temporary file in the same folder and renamed into place, so a crash never
leaves half a file under a key; writing the same content again changes nothing. Nothing is ever
rewritten: a blob whose bytes no longer match its key is tampered with, and the archive says so.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from loanfactory.errors import InvalidInput, NotFound
from loanfactory.ports import BlobStore

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileBlobStore:
    """Blobs as files under ``root`` (created when missing)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileBlobStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise InvalidInput(f"'{key}' is not a blob key (a SHA-256 in hex)", field="key")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no blob '{key}'", field="key", message_zh=f"找不到文件 '{key}'") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def blob_store(url: str) -> BlobStore:
    """A blob store from a location: a folder path or ``file://``, or ``s3://bucket/prefix``
    (credentials and endpoint from the usual AWS variables, ``AWS_ENDPOINT_URL`` for MinIO and
    other S3-compatible stores)."""
    if url.startswith("s3://"):
        from loanfactory.adapters.blob._s3 import S3BlobStore

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return S3BlobStore.from_environment(bucket, prefix=prefix)
    return FileBlobStore(url.removeprefix("file://"))
