"""Object storage for deliveries and media: a folder on this machine or an S3-compatible bucket.

Why one small protocol instead of boto3 (or ``open``) wherever a file is written: the embedded
default has no object store, a production deployment has no shared disk, and code that writes a
delivery must not care which. Both backends keep the same promises:

* a write is all or nothing: a reader never sees half a file, and an exception inside
  ``open_write`` leaves nothing behind (local: a temp file in the same folder, ``os.replace``d on
  success; S3: the object only exists once the upload completes);
* nothing is held whole in memory: writes stream to disk, reads stream from disk or the network,
  so a delivery of several gigabytes costs the same memory as one of a kilobyte;
* keys are relative POSIX paths (``deliveries/12/v3/items.jsonl``); ``..``, absolute paths and
  empty segments are refused, so a key built from user input cannot escape its folder or prefix.

This is the floor: it knows the configuration and the standard library, nothing of the domains.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast
from urllib.parse import quote

from flask import Flask, current_app

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_s3 import S3Client

# boto3 is imported by S3Storage when one is built, not here: it costs half a second of start-up
# that the embedded default (local storage) and every worker process would pay for nothing.

__all__ = [
    "EXTENSION_KEY",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "content_disposition",
    "get_storage",
    "storage_for",
]

#: Where the app keeps its storage (``app.extensions[EXTENSION_KEY]``), created on first use.
EXTENSION_KEY = "storage"

#: What an S3 write keeps in memory before it spills to a temp file: small files never touch the
#: disk, big ones never fill the memory.
SPOOL_MEMORY_BYTES = 1024 * 1024

#: Uploads above this size go in parts of the same size: a failed part is retried alone, and
#: parts upload in parallel. 8 MiB is boto3's default, stated here so it is a decision.
MULTIPART_BYTES = 8 * 1024 * 1024

#: Keys per DeleteObjects call: S3's own maximum.
_DELETE_BATCH = 1000


class Storage(Protocol):
    """What deliveries and media need from a store of files; see the module docstring for the promises."""

    def open_write(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A binary file to write ``key`` into; the file appears (or is replaced) only on a clean exit."""
        ...

    def open_read(self, key: str) -> BinaryIO:
        """A stream of the file's bytes (the caller closes it); ``FileNotFoundError`` when missing."""
        ...

    def size(self, key: str) -> int:
        """Size in bytes; ``FileNotFoundError`` when missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every file whose key starts with ``prefix`` (a string prefix, as S3 lists); the count."""
        ...

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None = None) -> str | None:
        """A temporary URL that downloads ``key`` without our credentials, or None when the app must
        stream the file itself (local storage). ``filename``: the name the browser saves it under."""
        ...

    def media_url(self, url: str, expires_seconds: int) -> str | None:
        """A URL a browser can load for an item's media URL (http(s) as is, ``s3://`` signed), or None."""
        ...


# --- keys -------------------------------------------------------------------------------------


def _check_key(key: str) -> str:
    """The key itself, if it is a relative POSIX path without ``.``/``..`` or empty segments."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"Invalid storage key {key!r}: a relative POSIX path is expected")
    if any(part in {"", ".", ".."} for part in key.split("/")):
        raise ValueError(f"Invalid storage key {key!r}: empty, '.' and '..' segments are refused")
    return key


def _check_prefix(prefix: str) -> str:
    """A key prefix (a trailing ``/`` allowed). Empty is refused: a slip must not wipe the whole store."""
    if not prefix:
        raise ValueError("An empty prefix would delete everything; name what to delete")
    _check_key(prefix.removesuffix("/"))
    return prefix


def _web_url(url: str) -> str | None:
    """An http(s) URL is already loadable by the browser: it goes out unchanged."""
    return url if url.lower().startswith(("http://", "https://")) else None


def content_disposition(filename: str) -> str:
    """``attachment`` with the name in both RFC 6266 forms: an ASCII fallback for old clients and
    the UTF-8 original (``filename*``), so "Données été.zip" downloads under its own name.

    Control characters are dropped: the value ends up in a response header.
    """
    cleaned = "".join(ch for ch in filename if ch.isprintable()).replace("/", "_").replace("\\", "_")
    cleaned = cleaned.strip() or "download"
    # é → e (its accent dropped), anything else outside ASCII → _, so words stay apart.
    fallback = "".join(
        ch if ch.isascii() else "_"
        for ch in unicodedata.normalize("NFKD", cleaned)
        if not unicodedata.combining(ch)
    )
    fallback = fallback.replace('"', "_").strip() or "download"
    if fallback == cleaned:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


# --- a folder ----------------------------------------------------------------------------------


class LocalStorage:
    """Files under ``root``; the embedded default, and what tests without an object store use.

    Files are created readable by the app's user only (``mkstemp``'s 0600): nothing but the app
    serves them, through its own download endpoints.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same folder as the target: os.replace is only atomic within one file system.
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                # On disk before the rename, so a power cut cannot leave a complete name over empty data.
                os.fsync(handle.fileno())
            temp.replace(path)  # os.replace: atomic, and it overwrites an older version of the file
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def open_read(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> int:
        prefix = _check_prefix(prefix)
        # Only the folder the prefix points into can hold matches: walk that, not the whole root.
        folder = prefix.rpartition("/")[0]
        start = self.root / folder if folder else self.root
        if not start.is_dir():
            return 0
        deleted = 0
        for dirpath, _dirnames, filenames in os.walk(start, topdown=False):
            here = Path(dirpath)
            for name in filenames:
                if (here / name).relative_to(self.root).as_posix().startswith(prefix):
                    (here / name).unlink(missing_ok=True)
                    deleted += 1
            # Folders emptied by the deletion go too, as S3 has no folders to leave behind.
            inside = (here.relative_to(self.root).as_posix() + "/").startswith(prefix)
            if here != self.root and inside and not any(here.iterdir()):
                with contextlib.suppress(OSError):  # a concurrent write may have just added a file
                    here.rmdir()
        return deleted

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None = None) -> str | None:
        _check_key(key)
        return None  # no server of its own: the API streams the file

    def media_url(self, url: str, expires_seconds: int) -> str | None:
        return _web_url(url)


# --- an S3-compatible bucket ------------------------------------------------------------------


class S3Storage:
    """Objects in ``bucket`` under ``prefix``, on AWS or any S3-compatible server (``endpoint_url``).

    Without keys, boto3 finds credentials the usual way (instance role, environment, ~/.aws).
    The client is thread-safe and shared by all requests; ``close()`` ends its connection pool.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            _check_key(self.prefix)
        self.endpoint_url = endpoint_url
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config as BotoConfig

        self._transfer_config = TransferConfig(
            multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES
        )
        config = BotoConfig(
            signature_version="s3v4",  # presigned URLs in every region, and what S3-compatibles accept
            # Other servers (MinIO, moto on loopback) are addressed by path: a bucket as a host name
            # would need DNS entries they do not have.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"mode": "standard"},
        )
        # A session of its own: boto3's default session is not thread-safe to create clients from.
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"S3Storage(s3://{self.bucket}/{self.prefix}{where})"

    @property
    def client(self) -> S3Client:
        """The boto3 client, for what the protocol does not cover (tests create buckets with it)."""
        return self._client

    def close(self) -> None:
        self._client.close()

    def _key(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        full_key = self._key(key)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            yield cast(BinaryIO, spool)
            spool.seek(0)
            # upload_fileobj goes multipart above MULTIPART_BYTES and aborts a failed multipart
            # upload, so the object appears whole or not at all.
            self._client.upload_fileobj(
                cast(BinaryIO, spool), self.bucket, full_key, Config=self._transfer_config
            )

    def open_read(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        full_key = self._key(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=full_key)
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(key) from error
            raise
        # botocore's StreamingBody is an io.IOBase with read(n), iteration and close().
        return cast(BinaryIO, response["Body"])

    def size(self, key: str) -> int:
        from botocore.exceptions import ClientError

        full_key = self._key(key)
        try:
            return self._client.head_object(Bucket=self.bucket, Key=full_key)["ContentLength"]
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(key) from error
            raise

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        prefix = _check_prefix(prefix)
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        deleted = 0
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full_prefix)
        for page in pages:
            keys = [entry["Key"] for entry in page.get("Contents", [])]
            for start in range(0, len(keys), _DELETE_BATCH):
                batch = keys[start : start + _DELETE_BATCH]
                response = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
                errors = response.get("Errors", [])
                if errors:  # a partial delete must not pass for a done one
                    first = errors[0]
                    raise OSError(
                        f"S3 refused to delete {len(errors)} object(s), e.g. {first.get('Key')}: "
                        f"{first.get('Code')} {first.get('Message')}"
                    )
                deleted += len(batch)
        return deleted

    def presigned_url(self, key: str, expires_seconds: int, filename: str | None = None) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename is not None:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)

    def media_url(self, url: str, expires_seconds: int) -> str | None:
        """Sign ``s3://bucket/key`` with our credentials and endpoint.

        The bucket is the URL's own, not ours, and our prefix does not apply: media URLs come from
        clients' item payloads and name the full object. The key is taken verbatim (``?`` and ``#``
        are part of S3 keys, not a query or fragment).
        """
        web = _web_url(url)
        if web is not None:
            return web
        if not url.startswith("s3://"):
            return None  # gs:// and the rest: another store we hold no credentials for
        bucket, _, key = url.removeprefix("s3://").partition("/")
        if not bucket or not key:
            return None
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_seconds
        )


def _is_missing(error: ClientError) -> bool:
    """GetObject says NoSuchKey; HeadObject has no body, so only its status says 404."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"NoSuchKey", "404", "NotFound"} or status == 404


# --- the app's storage ---------------------------------------------------------------------


def storage_for(app: Flask) -> Storage:
    """Build the storage the app's configuration names (``MARKETPLACE_STORAGE_BACKEND`` and friends)."""
    config = app.config
    backend = str(config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        root = config.get("STORAGE_LOCAL_ROOT") or Path(app.instance_path) / "storage"
        return LocalStorage(Path(root))
    if backend == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise RuntimeError("MARKETPLACE_S3_BUCKET must be set when MARKETPLACE_STORAGE_BACKEND is s3")
        return S3Storage(
            bucket,
            prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION") or "us-east-1",
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        )
    raise RuntimeError(f"Unknown MARKETPLACE_STORAGE_BACKEND {backend!r}: use 'local' or 's3'")


def get_storage() -> Storage:
    """The current app's storage, built on first use and kept in ``app.extensions``.

    Lazily, so an app that never stores a file needs no bucket, credentials or folder; two
    requests racing on the first use may each build one, and one of them is kept.
    """
    app = cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = app.extensions.setdefault(EXTENSION_KEY, storage_for(app))
    return cast(Storage, storage)
