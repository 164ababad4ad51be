"""The two storage backends (webapp/media/storage.py): a folder, and an S3-compatible bucket.

The bucket is a real S3-compatible server on a socket, started by these tests: a `minio`
binary if one is on PATH, otherwise moto's standalone server (moto.server.ThreadedMotoServer).
MinIO itself cannot be installed here (it is on none of PyPI, npm or apt), so CI without it
speaks the same S3 protocol over HTTP to moto; boto3 is the same client either way.
"""

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from moto.server import ThreadedMotoServer

from webapp.media.storage import (
    FileStorage,
    S3Storage,
    StorageUnavailable,
    s3_client,
    storage_from_settings,
)

NAME = "a" * 64 + ".png"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "titanium-test",
    "AWS_SECRET_ACCESS_KEY": "titanium-test-secret",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """The URL of a running S3-compatible server (MinIO if installed, else moto)."""
    old = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        if minio := shutil.which("minio"):
            yield from _minio(minio, tmp_path_factory.mktemp("minio"))
        else:
            yield from _moto()
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _moto():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _minio(binary: str, data_dir):
    port = free_port()
    env = {
        **os.environ,
        "MINIO_ROOT_USER": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "MINIO_ROOT_PASSWORD": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }
    process = subprocess.Popen(
        [binary, "server", str(data_dir), "--address", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint):
    name = f"media-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint, "us-east-1", 5.0).create_bucket(Bucket=name)
    return name


def test_the_folder_keeps_and_returns_a_file(tmp_path):
    storage = FileStorage(tmp_path / "media")

    storage.put(NAME, b"bytes", "image/png")
    storage.put(NAME, b"bytes", "image/png")  # the same name again: nothing changes

    stored = storage.get(NAME)
    assert (stored.data, stored.content_type) == (b"bytes", "image/png")
    assert [path.name for path in (tmp_path / "media").iterdir()] == [NAME]


def test_the_folder_answers_none_for_unknown_or_malformed_names(tmp_path):
    storage = FileStorage(tmp_path)
    (tmp_path.parent / "secret.png").write_bytes(b"not yours")

    assert storage.get("b" * 64 + ".png") is None
    assert storage.get("../secret.png") is None
    assert storage.get(NAME.replace(".png", ".svg")) is None


def test_the_bucket_keeps_and_returns_an_object_with_its_type(s3_endpoint, bucket):
    storage = S3Storage(s3_client(s3_endpoint, "us-east-1", 5.0), bucket, "media/")

    storage.put(NAME, b"\x89PNG bytes", "image/png")

    stored = storage.get(NAME)
    assert (stored.data, stored.content_type) == (b"\x89PNG bytes", "image/png")
    raw = storage.client.get_object(Bucket=bucket, Key=f"media/{NAME}")
    assert raw["ContentType"] == "image/png"
    assert storage.get("c" * 64 + ".png") is None


def test_the_setting_chooses_the_bucket(s3_endpoint, bucket):
    storage = storage_from_settings(
        {
            "MEDIA_STORAGE_URL": f"s3://{bucket}/uploads",
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": "us-east-1",
            "S3_TIMEOUT_SECONDS": 5.0,
        }
    )

    storage.put(NAME, b"gif", "image/gif")

    assert isinstance(storage, S3Storage)
    assert storage.get(NAME).data == b"gif"
    assert storage.client.get_object(Bucket=bucket, Key=f"uploads/{NAME}")


def test_the_setting_chooses_a_folder(tmp_path):
    default = storage_from_settings({"MEDIA_STORAGE_URL": "", "TITANIUM_VAR_DIR": str(tmp_path)})
    explicit = storage_from_settings({"MEDIA_STORAGE_URL": f"file://{tmp_path}/elsewhere"})

    assert default.root == tmp_path / "media"
    assert explicit.root == tmp_path / "elsewhere"
    with pytest.raises(ValueError, match="MEDIA_STORAGE_URL"):
        storage_from_settings({"MEDIA_STORAGE_URL": "ftp://example.test/media"})


def test_a_bucket_that_does_not_answer_is_unavailable_not_a_crash():
    storage = S3Storage(s3_client(f"http://127.0.0.1:{free_port()}", "us-east-1", 0.5), "none")

    with pytest.raises(StorageUnavailable):
        storage.put(NAME, b"x", "image/png")
    with pytest.raises(StorageUnavailable):
        storage.get(NAME)
