"""Blob stores for the compliance archive (:class:`loanfactory.ports.BlobStore`).

- :class:`FileBlobStore` — files under a folder, by SHA-256 (the default);
- :class:`S3BlobStore` — an S3-compatible object store through boto3 (``pip install
  'loanfactory[s3]'``); imported only when used.
"""

from __future__ import annotations

from typing import Any

from loanfactory.adapters.blob._filesystem import FileBlobStore, blob_store

__all__ = ["FileBlobStore", "S3BlobStore", "blob_store"]


def __getattr__(name: str) -> Any:
    if name == "S3BlobStore":  # boto3 is imported only by those who use S3
        from loanfactory.adapters.blob._s3 import S3BlobStore

        return S3BlobStore
    raise AttributeError(f"module 'loanfactory.adapters.blob' has no attribute {name!r}")
