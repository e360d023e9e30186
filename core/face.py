"""Face verification (微警认证) through a third-party provider.

The flow the seeds describe: the service starts a verification and shows a QR code
valid for 179 seconds; the person scans it with WeChat or the 微警 app; the provider
confirms the result to the service through a signed callback; the frontend polls.

:class:`FaceProvider` is the interface a deployment implements for the real provider.
:class:`SimulatedFaceProvider` is the embedded default: real HMAC-signed callbacks that
development tools and the test suite produce with :meth:`SimulatedFaceProvider.sign`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from core.errors import DomainError, ErrorCode

SIGNATURE_HEADER = "x-face-signature"


@dataclass(frozen=True)
class FaceCallback:
    """What a provider's confirmation says, once its signature is checked."""

    verification_id: str
    nonce: str
    passed: bool
    id_number: str | None
    name: str | None
    verified_at: datetime


class FaceProvider(Protocol):
    def qr_payload(self, verification_id: str, expires_at: datetime) -> str:
        """The text the QR code carries."""
        ...

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> FaceCallback:
        """Check the callback's signature and read it; raise INVALID_SIGNATURE."""
        ...


class SimulatedFaceProvider:
    """The embedded provider: callbacks are JSON bodies signed with HMAC-SHA256."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def qr_payload(self, verification_id: str, expires_at: datetime) -> str:
        query = urlencode({"vid": verification_id, "exp": int(expires_at.timestamp())})
        return f"weijing-sim://face-verify?{query}"

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def confirmation(
        self,
        verification_id: str,
        *,
        id_number: str,
        name: str,
        nonce: str,
        verified_at: datetime,
        passed: bool = True,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed callback body and headers, as the provider would post them."""
        body = json.dumps(
            {
                "verificationId": verification_id,
                "nonce": nonce,
                "result": "passed" if passed else "failed",
                "idNumber": id_number,
                "name": name,
                "verifiedAt": verified_at.isoformat(),
            },
            ensure_ascii=False,
        ).encode()
        return body, {SIGNATURE_HEADER: self.sign(body), "content-type": "application/json"}

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> FaceCallback:
        given = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, self.sign(body)):
            raise DomainError(ErrorCode.INVALID_SIGNATURE, "回调签名无效")
        try:
            data = json.loads(body)
            return FaceCallback(
                verification_id=str(data["verificationId"]),
                nonce=str(data["nonce"]),
                passed=data["result"] == "passed",
                id_number=data.get("idNumber"),
                name=data.get("name"),
                verified_at=datetime.fromisoformat(data["verifiedAt"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DomainError(ErrorCode.INVALID_INPUT, "回调内容无法解析") from exc
