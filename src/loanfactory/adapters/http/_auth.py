"""Credentials: API keys (for systems and partners) and HMAC-signed tokens (for people).

An **API key** is a random secret (``lf_…``) that the server knows only by its SHA-256: a key
file lists ``{name, role, sha256 | key, customer_id?}`` entries. A **token** is
``lf1.<claims>.<signature>`` where the claims are base64url JSON ``{sub, role, cid?, iat, exp}``
and the signature is HMAC-SHA256 over ``lf1.<claims>`` with a shared secret; the bank's login
service issues them with :class:`TokenSigner`, several secrets may be active for rotation, and an
expired token is refused. Both travel as ``Authorization: Bearer …`` (``X-API-Key`` also works for
keys). A customer credential acts for one customer id; a customer key or token without one
(someone who has not opened an account yet) may only register, which binds it to the new customer.

Standard JWTs (RS256/ES256) from the bank's identity provider are verified by
:class:`~._jwt.JwtVerifier` when one is configured; see :mod:`._jwt`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanfactory.adapters.http._jwt import JwtVerifier, looks_like_jwt
from loanfactory.adapters.http._problems import ApiProblem
from loanfactory.adapters.http._roles import Principal, Role

TOKEN_PREFIX = "lf1."
KEY_PREFIX = "lf_"


def new_api_key() -> str:
    """A fresh random API key (give it to the client once; store only its SHA-256)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as the server stores it: its digest and whom it stands for."""

    name: str
    role: Role
    sha256: str
    customer_id: str | None = None


def _unauthenticated(code: str, message: str, message_zh: str) -> ApiProblem:
    return ApiProblem(
        401, code, message, message_zh, headers={"WWW-Authenticate": 'Bearer realm="loanfactory"'}
    )


class KeyRing:
    """API keys by digest."""

    def __init__(self, keys: Iterable[ApiKey] = ()) -> None:
        self._by_digest: dict[str, ApiKey] = {}
        for key in keys:
            if key.role is Role.customer and not key.customer_id:
                raise ValueError(f"customer key '{key.name}' needs a customer_id")
            self._by_digest[key.sha256] = key

    def __len__(self) -> int:
        return len(self._by_digest)

    def add(
        self, name: str, role: Role, key: str, customer_id: str | None = None, *, unbound: bool = False
    ) -> ApiKey:
        """``unbound``: a customer key for someone without an account yet; it may only register,
        and registering binds it to the new customer (like a sign-in of the identity provider)."""
        entry = ApiKey(name, role, key_digest(key), customer_id)
        if role is Role.customer and not customer_id and not unbound:
            raise ValueError(f"customer key '{name}' needs a customer_id")
        self._by_digest[entry.sha256] = entry
        return entry

    def find(self, key: str) -> ApiKey | None:
        return self._by_digest.get(key_digest(key))

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> KeyRing:
        """From ``[{name, role, sha256 | key, customer_id?}]`` (a key file's ``keys``)."""
        keys = []
        for index, record in enumerate(records):
            try:
                name = str(record["name"])
                role = Role(record["role"])
            except (KeyError, ValueError) as exc:
                raise ValueError(f"keys[{index}]: needs a name and a known role ({exc})") from None
            digest = record.get("sha256") or (key_digest(str(record["key"])) if record.get("key") else None)
            if not digest:
                raise ValueError(f"keys[{index}] ({name}): give 'sha256' (preferred) or 'key'")
            customer = record.get("customer_id")
            keys.append(ApiKey(name, role, str(digest).lower(), str(customer) if customer else None))
        return cls(keys)

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        """A JSON or YAML file ``{"keys": [...]}``."""
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        records = data.get("keys", []) if isinstance(data, dict) else []
        if not isinstance(records, list):
            raise ValueError(f"{path}: 'keys' must be a list")
        return cls.from_records(records)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and verifies signed tokens; the first secret signs, every secret verifies."""

    def __init__(
        self, secrets_: str | bytes | Sequence[str | bytes], *, now: Callable[[], float] = time.time
    ) -> None:
        keys = [secrets_] if isinstance(secrets_, str | bytes) else list(secrets_)
        if not keys or any(len(k) < 16 for k in keys):
            raise ValueError("token secrets must be at least 16 characters")
        self._keys = [k.encode() if isinstance(k, str) else k for k in keys]
        self._now = now

    def issue(self, subject: str, role: Role, *, customer_id: str | None = None, ttl: int = 3600) -> str:
        if role is Role.customer and not customer_id:
            raise ValueError("a customer token needs a customer_id")
        issued = int(self._now())
        claims: dict[str, Any] = {"sub": subject, "role": role.value, "iat": issued, "exp": issued + ttl}
        if customer_id:
            claims["cid"] = customer_id
        body = TOKEN_PREFIX + _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return body + "." + _b64(hmac.new(self._keys[0], body.encode(), hashlib.sha256).digest())

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; an ApiProblem 401 otherwise."""
        body, _, signature = token.rpartition(".")
        try:
            offered = _unb64(signature)
        except ValueError:
            offered = b""
        if not body.startswith(TOKEN_PREFIX) or not any(
            hmac.compare_digest(hmac.new(k, body.encode(), hashlib.sha256).digest(), offered)
            for k in self._keys
        ):
            raise _unauthenticated("invalid-token", "the token is not valid", "令牌无效")
        try:
            claims = json.loads(_unb64(body[len(TOKEN_PREFIX) :]))
            role = Role(claims["role"])
            subject = str(claims["sub"])
            expires = int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            raise _unauthenticated("invalid-token", "the token is not valid", "令牌无效") from None
        if expires <= self._now():
            raise _unauthenticated("token-expired", "the token has expired", "令牌已过期")
        customer = claims.get("cid")
        if role is Role.customer and not customer:
            raise _unauthenticated(
                "invalid-token", "a customer token names no customer", "客户令牌缺少客户编号"
            )
        return Principal(subject, role, str(customer) if customer else None, key_id="t:" + signature[:16])


class Authenticator:
    """Turns request headers into a :class:`Principal`, or a 401 problem."""

    def __init__(
        self, keys: KeyRing | None = None, tokens: TokenSigner | None = None, jwt: JwtVerifier | None = None
    ) -> None:
        self.keys = keys or KeyRing()
        self.tokens = tokens
        self.jwt = jwt

    def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        credential = api_key
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise _unauthenticated(
                    "invalid-credentials",
                    "use 'Authorization: Bearer <key or token>'",
                    "请使用 'Authorization: Bearer <密钥或令牌>'",
                )
            credential = value.strip()
        if not credential:
            raise _unauthenticated(
                "missing-credentials",
                "this endpoint needs an API key or a token",
                "该接口需要 API 密钥或令牌",
            )
        if credential.startswith(TOKEN_PREFIX):
            if self.tokens is None:
                raise _unauthenticated(
                    "invalid-token", "tokens are not accepted by this server", "本服务不接受令牌"
                )
            return self.tokens.verify(credential)
        if looks_like_jwt(credential):
            if self.jwt is None:
                raise _unauthenticated(
                    "invalid-token", "JWTs are not accepted by this server", "本服务不接受 JWT 令牌"
                )
            return self.jwt.verify(credential)
        key = self.keys.find(credential)
        if key is None:
            raise _unauthenticated("invalid-credentials", "the API key is not valid", "API 密钥无效")
        return Principal(key.name, key.role, key.customer_id, key_id="k:" + key.sha256[:16])
