"""An S3-compatible HTTP server on loopback, for tests: moto's standalone server in a thread.

Why a server rather than moto's in-process mock (``mock_aws``): the mock patches botocore, so a
presigned URL fetched with urllib, a browser-style GET with ``response-content-disposition`` or a
multipart upload over real sockets would never be exercised. Here boto3 and urllib talk HTTP to a
real port, exactly as they would to MinIO or AWS. moto accepts any credentials.
"""

from __future__ import annotations

import contextlib
import secrets
from types import TracebackType
from typing import Self

from moto.server import ThreadedMotoServer

from marketplace.storage import S3Storage

__all__ = ["TEST_ACCESS_KEY", "TEST_REGION", "TEST_SECRET_KEY", "MotoS3Server"]

TEST_ACCESS_KEY = "test"
TEST_SECRET_KEY = "test"
TEST_REGION = "us-east-1"


class MotoS3Server:
    """moto on ``127.0.0.1`` and an ephemeral port; ``with MotoS3Server() as server: server.url``."""

    def __init__(self) -> None:
        self._server: ThreadedMotoServer | None = None

    def start(self) -> Self:
        if self._server is None:
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            self._server = server
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # ThreadedMotoServer.stop() leaves the listening socket open (a ResourceWarning later).
        inner = server._server
        if inner is not None:
            with contextlib.suppress(OSError):
                inner.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The endpoint URL to give boto3 (``endpoint_url``)."""
        if self._server is None:
            raise RuntimeError("MotoS3Server is not started")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def storage(self, bucket: str | None = None, prefix: str = "") -> S3Storage:
        """An :class:`S3Storage` on a new, empty bucket (a fresh random name unless given)."""
        name = bucket or f"test-{secrets.token_hex(6)}"
        storage = S3Storage(
            name,
            prefix=prefix,
            endpoint_url=self.url,
            region=TEST_REGION,
            access_key_id=TEST_ACCESS_KEY,
            secret_access_key=TEST_SECRET_KEY,
        )
        storage.client.create_bucket(Bucket=name)
        return storage
