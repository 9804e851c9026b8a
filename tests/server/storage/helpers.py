"""Streams that behave like the ones the app hands to storage and imaging."""

from __future__ import annotations

import io

UPLOAD_URL = "http://testserver/storage/upload/"
SECRET = "test-secret"


class Trickle(io.RawIOBase):
    """A one-way stream handing out at most `chunk` bytes per read, like a request body."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024, fail_after: int | None = None):
        self._data = memoryview(data)
        self._chunk = chunk
        self._fail_after = fail_after
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._fail_after is not None and self.consumed >= self._fail_after:
            raise ConnectionResetError("client went away")
        size = min(len(buffer), self._chunk, len(self._data) - self.consumed)
        buffer[:size] = self._data[self.consumed : self.consumed + size]
        self.consumed += size
        return size


class Endless(io.RawIOBase):
    """A stream that never ends, counting what was read from it."""

    def __init__(self, byte: bytes = b"\xff") -> None:
        self._byte = byte
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = self._byte * len(buffer)
        self.consumed += len(buffer)
        return len(buffer)
