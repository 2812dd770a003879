"""Archived files in S3-compatible object storage (对象存储): AWS S3, MinIO, Ceph, OSS/COS gateways.

Objects are keyed ``<prefix>/<sha256>``; a put of bytes already stored is skipped (a HEAD first),
and the object's ``ChecksumSHA256`` is not trusted for tamper evidence: the archive re-hashes the
bytes it reads. Credentials and endpoint come from boto3's usual sources (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for a MinIO or another S3-compatible endpoint).
Requires ``pip install 'loanfactory[s3]'``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from loanfactory.errors import InvalidInput, NotFound

_KEY = re.compile(r"^[0-9a-f]{64}$")


class S3BlobStore:
    """Blobs as objects of ``bucket`` under ``prefix``, through a boto3 S3 client."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "") -> None:
        if not bucket:
            raise InvalidInput("an S3 blob store needs a bucket", field="bucket")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    @classmethod
    def from_environment(cls, bucket: str, *, prefix: str = "") -> S3BlobStore:
        import boto3

        return cls(boto3.client("s3"), bucket, prefix=prefix)

    def __repr__(self) -> str:
        return f"S3BlobStore(s3://{self.bucket}/{self.prefix})"

    def _name(self, key: str) -> str:
        if not _KEY.match(key):
            raise InvalidInput(f"'{key}' is not a blob key (a SHA-256 in hex)", field="key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if not self.exists(key):
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        return key

    def get(self, key: str) -> bytes:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey:
            raise NotFound(f"no blob '{key}'", field="key", message_zh=f"找不到文件 '{key}'") from None
        data: bytes = found["Body"].read()
        return data

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
