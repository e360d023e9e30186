"""Password hashing (Argon2id) and opaque tokens stored only as keyed hashes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


# Hashing and verifying run in threads of their own, off the event loop: each takes tens
# of milliseconds of CPU (about 50 ms on the 2-core development machine), during which a
# worker's every other request would wait. argon2-cffi releases the GIL while it hashes,
# so the loop goes on meanwhile. A pool of one thread per core: more could not hash
# faster, it bounds the memory (19 MiB each), and a burst of logins leaves asyncio's
# default pool (file storage, image decoding) free.
_hashing = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="argon2")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hashing, _hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hashing, _verify, password_hash, password)


# Verified against when the account does not exist, so that answering an unknown name
# takes as long as a wrong password (the time must not tell which names are taken).
# Made on first use: hashing at import would slow every command down.
_nobody_hash: str | None = None


async def verify_for_unknown_account(password: str) -> None:
    """Spend what verifying a password costs, for an account name that matches none."""
    global _nobody_hash
    if _nobody_hash is None:
        _nobody_hash = await hash_password(secrets.token_urlsafe(16))
    await verify_password(_nobody_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_numeric_code(digits: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))
