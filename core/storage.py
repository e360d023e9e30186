"""File storage for uploaded materials, addressed by content hash.

A file is written to a temporary name in the same directory, flushed to disk and then
renamed into place, so a crash leaves either no file or the whole file, never half of
one. The database row is written after the file: a crash in between leaves an
unreferenced file (harmless, and the same upload later reuses it), never a row whose
file is missing. A deployment with several hosts points ``TALENT_STORAGE_DIR`` at shared
storage, or replaces :class:`LocalFileStorage` with an object store of the same shape.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class FileStorage(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 hex digest, the key to read it back."""
        ...

    def get(self, content_hash: str) -> bytes: ...

    def exists(self, content_hash: str) -> bool: ...


class LocalFileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, content_hash: str) -> Path:
        if len(content_hash) != 64 or not all(c in "0123456789abcdef" for c in content_hash):
            raise ValueError("not a content hash")
        return self.root / content_hash[:2] / content_hash[2:]

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, content_hash: str) -> bytes:
        return self._path(content_hash).read_bytes()

    def exists(self, content_hash: str) -> bool:
        return self._path(content_hash).exists()
