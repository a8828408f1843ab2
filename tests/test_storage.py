"""Object storage (marketplace.storage): a folder and an S3-compatible bucket keep the same promises.

The S3 tests run against moto's standalone server on loopback (tests/s3_server.py): boto3 and
urllib speak real HTTP to it, so multipart uploads, presigned URLs and their
``response-content-disposition`` are exercised as a browser and a client would meet them.
"""

from __future__ import annotations

import html as html_lib
import re
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.config import load_config
from marketplace.storage import (
    EXTENSION_KEY,
    LocalStorage,
    S3Storage,
    content_disposition,
    get_storage,
    storage_for,
)
from tests.routing.test_api import login_as
from tests.routing.test_pages import _page
from tests.routing.test_widgets import make_typed_project

MiB = 1024 * 1024


def _fetch(url: str) -> tuple[bytes, Message]:
    with urllib.request.urlopen(url, timeout=30) as response:  # our own loopback server
        return response.read(), response.headers


def _chunks(total: int, chunk: int = MiB) -> list[bytes]:
    """Distinct chunks (not one repeated block), so a misordered multipart upload would show."""
    return [bytes([n % 251]) * min(chunk, total - start) for n, start in enumerate(range(0, total, chunk))]


# --- local ----------------------------------------------------------------------------------


def test_local_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    with storage.open_write("deliveries/7/v1/items.jsonl") as out:
        out.write(b'{"id": 1}\n')
        out.write(b'{"id": 2}\n')
    assert storage.exists("deliveries/7/v1/items.jsonl")
    assert not storage.exists("deliveries/7/v1/other.jsonl")
    assert storage.size("deliveries/7/v1/items.jsonl") == 20
    with storage.open_read("deliveries/7/v1/items.jsonl") as stream:
        assert stream.read() == b'{"id": 1}\n{"id": 2}\n'

    # A second write replaces the first whole.
    with storage.open_write("deliveries/7/v1/items.jsonl") as out:
        out.write(b"new")
    with storage.open_read("deliveries/7/v1/items.jsonl") as stream:
        assert stream.read() == b"new"

    assert storage.presigned_url("deliveries/7/v1/items.jsonl", 60, filename="items.jsonl") is None
    with pytest.raises(FileNotFoundError):
        storage.open_read("deliveries/7/v1/missing")
    with pytest.raises(FileNotFoundError):
        storage.size("deliveries/7/v1/missing")


def test_local_write_is_atomic_an_exception_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(RuntimeError, match="crash"), storage.open_write("out/report.pdf") as out:
        out.write(b"half a report")
        raise RuntimeError("crash")
    assert not storage.exists("out/report.pdf")
    assert list((tmp_path / "out").iterdir()) == []  # no temp file either

    # Over an existing file: the old version survives a failed rewrite.
    with storage.open_write("out/report.pdf") as out:
        out.write(b"version 1")
    with pytest.raises(RuntimeError), storage.open_write("out/report.pdf") as out:
        out.write(b"version 2, cut short")
        raise RuntimeError("crash")
    assert (tmp_path / "out" / "report.pdf").read_bytes() == b"version 1"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.pdf"]


@pytest.mark.parametrize(
    "key",
    ["../escape", "a/../../b", "/etc/passwd", "", "a//b", "a/./b", "a/", "a\\..\\b", "a/..", "nul\x00"],
)
def test_keys_that_could_escape_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(ValueError):
        storage.open_write(key).__enter__()
    with pytest.raises(ValueError):
        storage.open_read(key)
    with pytest.raises(ValueError):
        storage.exists(key)
    assert not (tmp_path / "escape").exists()


def test_local_delete_prefix_is_a_string_prefix_and_leaves_no_empty_folders(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for key in ("d/1/a", "d/1/sub/b", "d/12/c", "d/2/d", "e/1/a"):
        with storage.open_write(key) as out:
            out.write(key.encode())
    assert storage.delete_prefix("d/1/") == 2
    assert not (tmp_path / "d" / "1").exists()
    assert storage.exists("d/12/c") and storage.exists("d/2/d")
    assert storage.delete_prefix("d/1") == 1  # d/12/c, as S3 would list it
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "d/2/d",
        "e/1/a",
    ]
    assert storage.delete_prefix("nothing/here/") == 0
    with pytest.raises(ValueError):
        storage.delete_prefix("")
    with pytest.raises(ValueError):
        storage.delete_prefix("../")


def test_local_media_url_passes_web_urls_and_cannot_sign_s3(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert storage.media_url("https://cdn.example.com/a.png", 60) == "https://cdn.example.com/a.png"
    assert storage.media_url("s3://bucket/a.png", 60) is None
    assert storage.media_url("gs://bucket/a.png", 60) is None


def test_content_disposition_keeps_unicode_names_and_drops_header_breakers() -> None:
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition("Données été.zip") == (
        "attachment; filename=\"Donnees ete.zip\"; filename*=UTF-8''Donn%C3%A9es%20%C3%A9t%C3%A9.zip"
    )
    value = content_disposition('evil"\r\nSet-Cookie: x=1.txt')
    assert "\r" not in value and "\n" not in value
    assert 'filename="evil_Set-Cookie: x=1.txt"' in value


# --- configuration ------------------------------------------------------------------------------


def test_storage_for_reads_the_environment(tmp_path: Path) -> None:
    local = Flask("local", instance_path=str(tmp_path / "instance"))
    local.config.update(load_config({"TESTING": True}, environ={}))
    storage = storage_for(local)
    assert isinstance(storage, LocalStorage) and storage.root == tmp_path / "instance" / "storage"
    assert local.config["S3_PRESIGN_SECONDS"] == 900 and local.config["S3_REGION"] == "us-east-1"

    env = {
        "MARKETPLACE_STORAGE_BACKEND": "s3",
        "MARKETPLACE_S3_BUCKET": "deliveries",
        "MARKETPLACE_S3_PREFIX": "/prod/",
        "MARKETPLACE_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "MARKETPLACE_S3_ACCESS_KEY_ID": "test",
        "MARKETPLACE_S3_SECRET_ACCESS_KEY": "test",
        "MARKETPLACE_S3_PRESIGN_SECONDS": "60",
    }
    remote = Flask("remote", instance_path=str(tmp_path / "instance"))
    remote.config.update(load_config({"TESTING": True}, environ=env))
    with remote.app_context():
        s3 = get_storage()
        assert get_storage() is s3 is remote.extensions[EXTENSION_KEY]  # built once, on first use
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("deliveries", "prod")
    url = s3.presigned_url("x/y.csv", 60)
    assert url is not None and url.startswith("http://127.0.0.1:9/deliveries/prod/x/y.csv?")
    s3.close()

    broken = Flask("broken", instance_path=str(tmp_path / "instance"))
    broken.config.update(load_config({"TESTING": True}, environ={"MARKETPLACE_STORAGE_BACKEND": "s3"}))
    with pytest.raises(RuntimeError, match="MARKETPLACE_S3_BUCKET"):
        storage_for(broken)


# --- S3 (moto's server on loopback) --------------------------------------------------------


def test_s3_round_trip_streams_20_mib_in_chunks(s3_storage: S3Storage) -> None:
    chunks = _chunks(20 * MiB)
    with s3_storage.open_write("deliveries/3/v2/items.jsonl") as out:
        for chunk in chunks:
            out.write(chunk)
    expected = b"".join(chunks)
    key = "deliveries/3/v2/items.jsonl"
    assert s3_storage.exists(key) and not s3_storage.exists("deliveries/3/v2/nope")
    assert s3_storage.size(key) == len(expected)
    # Big enough to go multipart: the ETag of a multipart object ends in -<parts>.
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)
    assert re.search(r"-\d+\"?$", head["ETag"]), head["ETag"]

    stream = s3_storage.open_read(key)
    try:
        read = bytearray()
        while block := stream.read(MiB):
            read += block
    finally:
        stream.close()
    assert bytes(read) == expected

    with pytest.raises(FileNotFoundError):
        s3_storage.open_read("deliveries/3/v2/nope")
    with pytest.raises(FileNotFoundError):
        s3_storage.size("deliveries/3/v2/nope")


def test_s3_failed_write_uploads_nothing(s3_storage: S3Storage) -> None:
    with pytest.raises(RuntimeError), s3_storage.open_write("out/a.bin") as out:
        out.write(b"x" * (2 * MiB))  # past the in-memory spool: on disk by now
        raise RuntimeError("crash")
    assert not s3_storage.exists("out/a.bin")
    assert s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket).get("KeyCount") == 0


def test_s3_prefix_and_delete_prefix(s3_server: Any) -> None:
    storage = s3_server.storage(prefix="tenant-a")
    try:
        for key in ("d/1/a", "d/1/b", "d/12/c", "d/2/d"):
            with storage.open_write(key) as out:
                out.write(key.encode())
        listed = storage.client.list_objects_v2(Bucket=storage.bucket)
        assert sorted(o["Key"] for o in listed["Contents"]) == [
            "tenant-a/d/1/a",
            "tenant-a/d/1/b",
            "tenant-a/d/12/c",
            "tenant-a/d/2/d",
        ]
        assert storage.delete_prefix("d/1/") == 2
        assert not storage.exists("d/1/a") and storage.exists("d/12/c")
        assert storage.delete_prefix("d/") == 2
        assert storage.client.list_objects_v2(Bucket=storage.bucket).get("KeyCount") == 0
        with pytest.raises(ValueError):
            storage.delete_prefix("")
        with pytest.raises(ValueError):
            storage.open_read("../tenant-b/secret")
    finally:
        storage.close()


def test_s3_presigned_url_downloads_the_bytes_under_the_given_name(s3_storage: S3Storage) -> None:
    body = b"id,label\n1,positive\n"
    with s3_storage.open_write("deliveries/9/v1/labels.csv") as out:
        out.write(body)
    url = s3_storage.presigned_url("deliveries/9/v1/labels.csv", 300, filename="Acme – lot 9 v1.csv")
    assert url is not None and url.startswith(s3_storage.client.meta.endpoint_url)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url

    data, headers = _fetch(url)
    assert data == body
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Acme _ lot 9 v1.csv"' in disposition  # the ASCII fallback
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert encoded and unquote(encoded.group(1)) == "Acme – lot 9 v1.csv"

    plain = s3_storage.presigned_url("deliveries/9/v1/labels.csv", 300)
    assert plain is not None and "response-content-disposition" not in plain
    assert _fetch(plain)[0] == body


def test_s3_media_url_signs_s3_urls_with_the_endpoint(s3_storage: S3Storage) -> None:
    # Media live in the client's own bucket, outside our prefix: the URL names the full object.
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key="street/0007 #1.png", Body=b"\x89PNG...")
    url = s3_storage.media_url(f"s3://{s3_storage.bucket}/street/0007 #1.png", 120)
    assert url is not None and url.startswith(f"{s3_storage.client.meta.endpoint_url}/{s3_storage.bucket}/")
    assert _fetch(url)[0] == b"\x89PNG..."

    assert s3_storage.media_url("https://cdn.example.com/a.png", 60) == "https://cdn.example.com/a.png"
    assert s3_storage.media_url("gs://bucket/a.png", 60) is None
    assert s3_storage.media_url("s3://bucket-only", 60) is None
    assert s3_storage.media_url("s3:///key", 60) is None


# --- the work page ----------------------------------------------------------------------------


def test_work_page_shows_s3_media_through_a_presigned_url(
    app_with_s3: Flask,
    s3_storage: S3Storage,
    client: FlaskClient,
    organisation: int,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
) -> None:
    app = app_with_s3
    image = b"<svg xmlns='http://www.w3.org/2000/svg' width='640' height='480'/>"
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key="street/0007.svg", Body=image)
    s3_url = f"s3://{s3_storage.bucket}/street/0007.svg"
    payload = {"image_url": s3_url, "width": 640, "height": 480}
    make_typed_project(app, organisation, run_jobs, "image_bounding_box", [("en", payload)], labels=["car"])
    login_as(client, annotator("en"), app)

    html, _path, _token = _page(client)
    match = re.search(r'<img src="([^"]+)"', html)
    assert match, html
    src = html_lib.unescape(match.group(1))
    assert src.startswith(f"{s3_storage.client.meta.endpoint_url}/{s3_storage.bucket}/street/0007.svg?")
    assert "X-Amz-Signature=" in src
    assert f"X-Amz-Expires={app.config['S3_PRESIGN_SECONDS']}" in src
    assert _fetch(src)[0] == image
    # Shown: the stage is visible and the "cannot be shown" notice hidden.
    assert 'role="alert" hidden data-image-failed>' in html
    assert re.search(r'class="image-stage" dir="ltr" data-image-stage\s', html)

    # The work API gives a script the same loadable URL.
    listed = client.get("/api/v1/work/assignments").get_json()["assignments"]
    api_src = listed[0]["item"]["payload"]["image_url"]
    assert "X-Amz-Signature=" in api_src and _fetch(api_src)[0] == image

    # Signed at render time, never stored: the item keeps its s3:// URL.
    from sqlalchemy import select

    from marketplace.db import get_session
    from marketplace.projects.models import Item

    with app.app_context():
        stored = get_session().scalars(select(Item)).one()
        assert stored.payload["image_url"] == s3_url
        assert get_storage() is s3_storage
