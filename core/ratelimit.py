"""Rate limits (访问频率限制) on the operations worth attacking.

Login, face verification, SMS codes, shared-data reads and uploads each count attempts
per account (or identity, mobile, user) and per client address in fixed time windows;
past the limit the service answers ``RATE_LIMITED`` with the seconds until the window
ends. The scopes and their limits are settings (``core/settings.py``).

Why counters in the service's own database: with several worker processes, or several
hosts behind a load balancer, every process must see the same counts, and the one
PostgreSQL they already share does that without another server to run. A counter is
one row per scope, key and window, incremented by a single upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), which PostgreSQL makes atomic
across connections and SQLite (one writer at a time) runs as one statement. Keys are
stored as keyed hashes, so the table holds no account names, numbers or addresses.

Fixed windows let a burst of twice the limit through at a window's boundary; for
limits meant to stop scripted guessing that is an accepted simplification.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections.abc import Sequence
from ipaddress import ip_address, ip_network
from typing import Protocol

from tortoise import connections

from core.clock import Clock
from core.errors import DomainError, ErrorCode
from core.models import RateCounter
from core.settings import RateRule, Settings

logger = logging.getLogger("talent.ratelimit")

# Counters of ended windows are deleted at most this often per process.
_PURGE_EVERY_SECONDS = 60


class RateLimiter(Protocol):
    """Counts attempts; refuses the one past ``limit`` within the window."""

    async def hit(self, scope: str, key: str, *, limit: int, window_seconds: int) -> None:
        """Count one attempt of ``key`` in ``scope``.

        Raises ``DomainError(RATE_LIMITED)`` with ``retry_after_seconds`` when this
        attempt is over the limit. A refused attempt is counted too (it changes nothing:
        the window's end stays where it was).
        """
        ...


def rate_limited(scope: str, retry_after_seconds: int) -> DomainError:
    minutes = max(1, math.ceil(retry_after_seconds / 60))
    return DomainError(
        ErrorCode.RATE_LIMITED,
        f"操作过于频繁，请 {minutes} 分钟后再试",
        retry_after_seconds=retry_after_seconds,
        details={"scope": scope},
    )


_UPSERT = (
    'INSERT INTO "rate_counters" ("scope", "key_hash", "window_start", "expires_at", "count") '
    "VALUES ({p1}, {p2}, {p3}, {p4}, 1) "
    'ON CONFLICT ("scope", "key_hash", "window_start") '
    'DO UPDATE SET "count" = "rate_counters"."count" + 1 '
    'RETURNING "count"'
)


class DatabaseRateLimiter:
    """Counters in the ``rate_counters`` table, shared by every process on the database."""

    def __init__(self, secret_key: str, clock: Clock) -> None:
        self._secret = secret_key.encode()
        self.clock = clock
        self._last_purge = 0

    def key_hash(self, scope: str, key: str) -> str:
        message = f"rate-limit\0{scope}\0{key}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def hit(self, scope: str, key: str, *, limit: int, window_seconds: int) -> None:
        now = self.clock.now().timestamp()
        window_start = int(now // window_seconds) * window_seconds
        window_end = window_start + window_seconds
        count = await self._increment(scope, self.key_hash(scope, key), window_start, window_end)
        await self._purge(int(now))
        if count > limit:
            raise rate_limited(scope, max(1, math.ceil(window_end - now)))

    async def _increment(self, scope: str, key_hash: str, window_start: int, end: int) -> int:
        conn = connections.get("default")
        dialect = conn.capabilities.dialect
        marks = ("$1", "$2", "$3", "$4") if dialect == "postgres" else ("?",) * 4
        sql = _UPSERT.format(p1=marks[0], p2=marks[1], p3=marks[2], p4=marks[3])
        rows = await conn.execute_query_dict(sql, [scope, key_hash, window_start, end])
        return int(rows[0]["count"])

    async def _purge(self, now: int) -> None:
        if now - self._last_purge < _PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        deleted = await RateCounter.filter(expires_at__lte=now).delete()
        if deleted:
            logger.debug("Purged %s ended rate-limit windows", deleted)


class RedisRateLimiter:
    """Counters in Redis, for a deployment that runs one anyway.

    One key per scope, hashed key and window, ``INCR`` and ``EXPIRE`` in one
    ``MULTI``: atomic for every process, and Redis drops ended windows by itself.
    """

    def __init__(self, url: str, secret_key: str, clock: Clock) -> None:
        import redis.asyncio

        self.redis = redis.asyncio.Redis.from_url(url)
        self.keys = DatabaseRateLimiter(secret_key, clock)  # the same keyed hashes
        self.clock = clock

    async def hit(self, scope: str, key: str, *, limit: int, window_seconds: int) -> None:
        now = self.clock.now().timestamp()
        window_start = int(now // window_seconds) * window_seconds
        name = f"talent:rate:{scope}:{self.keys.key_hash(scope, key)}:{window_start}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds + 60)
            count, _ = await pipe.execute()
        if int(count) > limit:
            raise rate_limited(scope, max(1, math.ceil(window_start + window_seconds - now)))

    async def close(self) -> None:
        await self.redis.aclose()


class RateLimits:
    """The service's rate-limit policy: which keys each operation counts.

    Keys are normalised the way the operation reads them, so ``ZhangSan `` and
    ``zhangsan`` are one account name. A missing client address (a call from the
    command line, not a request) is not limited by address.
    """

    def __init__(self, limiter: RateLimiter, rules: dict[str, RateRule]) -> None:
        self.limiter = limiter
        self.rules = rules

    async def close(self) -> None:
        """Release the limiter's connections (the database's are closed elsewhere)."""
        if isinstance(self.limiter, RedisRateLimiter):
            await self.limiter.close()

    async def _hit(self, scope: str, key: str | int | None) -> None:
        if key is None or key == "":
            return
        rule = self.rules[scope]
        await self.limiter.hit(
            scope, str(key), limit=rule.limit, window_seconds=rule.window_seconds
        )

    async def login(self, account: str, address: str | None) -> None:
        """Password sign-in: per account name or identity number, and per address."""
        await self._hit("login.account", account.strip().casefold())
        await self._hit("login.address", address)

    async def face_verification(self, user_id: int | None, address: str | None) -> None:
        """Starting a face verification: per signed-in user, and per address."""
        await self._hit("face.user", user_id)
        await self._hit("face.address", address)

    async def sms_code(self, id_number: str, mobile: str, address: str | None) -> None:
        """Recovery codes by SMS: per identity number, per mobile, and per address."""
        await self._hit("sms.identity", id_number)
        await self._hit("sms.mobile", mobile)
        await self._hit("sms.address", address)

    async def shared_data(self, user_id: int) -> None:
        """Reads of the government shared database (一键测试, 重新获取): per user."""
        await self._hit("shared_data.user", user_id)

    async def upload(self, user_id: int | None, address: str | None) -> None:
        """Material uploads: per user, and per address."""
        await self._hit("upload.user", user_id)
        await self._hit("upload.address", address)


def build_rate_limits(settings: Settings, clock: Clock) -> RateLimits:
    limiter: RateLimiter
    if settings.rate_limit_redis_url:
        limiter = RedisRateLimiter(settings.rate_limit_redis_url, settings.secret_key, clock)
    else:
        limiter = DatabaseRateLimiter(settings.secret_key, clock)
    return RateLimits(limiter, settings.rate_limits)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]
) -> str | None:
    """The address a request came from, as rate limits and the audit log see it.

    ``X-Forwarded-For`` is anybody's to write, so it is believed only when the peer is
    a trusted proxy, and then only its last hop: the address that proxy itself saw
    (anything further left was written by the client).
    """
    if not peer or not forwarded_for or not trusted_proxies:
        return peer
    try:
        peer_ip = ip_address(peer)
    except ValueError:
        return peer
    if not any(peer_ip in ip_network(p, strict=False) for p in trusted_proxies):
        return peer
    last = forwarded_for.split(",")[-1].strip()
    try:
        return str(ip_address(last))
    except ValueError:
        return peer
