"""Where uploaded images are kept: a folder (the default) or an S3-compatible bucket.

MEDIA_STORAGE_URL chooses (docs/adr/0018-image-uploads-and-media-storage.md):
- empty: the folder `media` in TITANIUM_VAR_DIR (var/media for `make run`);
- `file:///absolute/path` or `file:relative/path` (relative to the repository): that folder;
- `s3://bucket` or `s3://bucket/prefix`: that bucket (S3 on AWS; MinIO in the local and kind
  clusters, named by S3_ENDPOINT_URL). Credentials come the way boto3 finds them: the pod's
  IAM role (IRSA) on EKS, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from a Secret for MinIO.

Names are content-addressed (sha256 of the re-encoded bytes), so a write is idempotent and a
name never changes meaning.
"""

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from titanium_common.backends import REPO_DIR
from webapp.media.images import CONTENT_TYPES

# What the storage holds and serves: "<sha256 hex>.<extension>", nothing else.
NAME = re.compile(r"^[0-9a-f]{64}\.(?:" + "|".join(CONTENT_TYPES) + r")$")


class StorageUnavailable(RuntimeError):
    """The backend did not answer (a bucket unreachable): the request answers 503."""


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


class Storage(Protocol):
    def put(self, name: str, data: bytes, content_type: str) -> None: ...

    def get(self, name: str) -> StoredFile | None: ...


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


class FileStorage:
    """One file per name in a folder, written atomically (a reader never sees half a file)."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, name: str, data: bytes, content_type: str) -> None:
        target = self.root / name
        if target.exists():
            return  # the same name is the same bytes
        self.root.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(partial, 0o644)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> StoredFile | None:
        if not NAME.match(name):
            return None
        try:
            return StoredFile((self.root / name).read_bytes(), content_type(name))
        except FileNotFoundError:
            return None


class S3Storage:
    """Objects in a bucket under an optional prefix, written with their Content-Type."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, name: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailable(str(error)) from error

    def get(self, name: str) -> StoredFile | None:
        if not NAME.match(name):
            return None
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            return StoredFile(reply["Body"].read(), content_type(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error


def s3_client(endpoint_url: str, region: str, timeout: float):
    """A boto3 S3 client with short timeouts: a page never waits long for the bucket."""
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        # MinIO and most S3-compatible servers want path-style addressing.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
    )


def storage_from_settings(settings: dict) -> Storage:
    """The backend MEDIA_STORAGE_URL names (see the module's docstring)."""
    url = settings["MEDIA_STORAGE_URL"]
    if not url:
        return FileStorage(REPO_DIR / settings["TITANIUM_VAR_DIR"] / "media")
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileStorage(REPO_DIR / (parts.netloc + parts.path))
    if parts.scheme == "s3" and parts.netloc:
        client = s3_client(
            settings["S3_ENDPOINT_URL"], settings["S3_REGION"], settings["S3_TIMEOUT_SECONDS"]
        )
        return S3Storage(client, parts.netloc, parts.path)
    raise ValueError(f"MEDIA_STORAGE_URL must be empty, file:... or s3://bucket, not {url!r}")
