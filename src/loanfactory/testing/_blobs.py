"""An in-memory :class:`~loanfactory.ports.BlobStore` (for tests and examples).

Blobs are kept by the SHA-256 of their content, as the production stores keep them. ``tamper``
changes stored bytes in place, so tests can show that the archive notices.
"""

from __future__ import annotations

import hashlib
import threading

from loanfactory.errors import NotFound


class MemoryBlobStore:
    """Blobs in a dictionary, keyed by their SHA-256."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._blobs.setdefault(key, bytes(data))
        return key

    def get(self, key: str) -> bytes:
        with self._lock:
            found = self._blobs.get(key)
        if found is None:
            raise NotFound(f"no blob '{key}'", field="key", message_zh=f"找不到文件 '{key}'")
        return found

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self._blobs

    def delete(self, key: str) -> None:
        with self._lock:
            self._blobs.pop(key, None)

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._blobs)

    def tamper(self, key: str, data: bytes) -> None:
        """Replace a blob's bytes without changing its key (to test tamper evidence)."""
        with self._lock:
            self._blobs[key] = data
