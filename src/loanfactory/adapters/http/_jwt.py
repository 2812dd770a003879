"""Standard JWTs from the bank's identity provider (统一身份认证): RS256 / ES256 bearer tokens.

The bank's login service keeps the passwords (and the SMS codes, the face checks ...) and issues
signed JSON Web Tokens; this server only verifies them, with PyJWT:

- the signature, by a public key of the provider's JWKS (a file, or the provider's JWKS URL,
  re-read when a token names a key it does not know, at most once per cooldown); only the
  asymmetric algorithms configured (``RS256``, ``ES256`` by default) — never ``none`` or an
  HMAC secret, so a public key cannot be used as a shared secret;
- ``iss`` and ``aud`` against the configured issuer and audience; ``exp`` (required), ``nbf`` and
  ``iat`` against the server's clock (injected), with a small leeway for clock skew;
- the role: the value(s) of a configurable claim (``roles`` by default; dotted paths such as
  ``realm_access.roles`` reach nested claims), mapped to a :class:`Role` by the configured names
  (our own role names always map to themselves); exactly one role must result;
- the customer: a customer token carries the customer id in a configurable claim
  (``customer_id``). A customer token *without* it belongs to someone who signed in at the bank
  but has not opened an account yet: it may only register (``customers.register``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from loanfactory.adapters.http._problems import ApiProblem
from loanfactory.adapters.http._roles import Principal, Role
from loanfactory.ports import ServiceUnavailable

ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})

ENV_ISSUER = "LOANFACTORY_JWT_ISSUER"
ENV_AUDIENCE = "LOANFACTORY_JWT_AUDIENCE"
ENV_JWKS = "LOANFACTORY_JWT_JWKS"  # a file path or an http(s) URL
ENV_ROLE_CLAIM = "LOANFACTORY_JWT_ROLE_CLAIM"
ENV_CUSTOMER_CLAIM = "LOANFACTORY_JWT_CUSTOMER_CLAIM"
ENV_ROLES = "LOANFACTORY_JWT_ROLES"  # "idp-name:role,..."
ENV_ALGORITHMS = "LOANFACTORY_JWT_ALGORITHMS"  # "RS256,ES256"


@dataclass(frozen=True)
class JwtSettings:
    """How to trust the identity provider's tokens."""

    issuer: str
    audience: str
    jwks: str  # a JWKS file, or the provider's JWKS URL (http:// or https://)
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    role_claim: str = "roles"
    customer_claim: str = "customer_id"
    roles: Mapping[str, Role] = field(default_factory=dict)  # the provider's role names -> ours
    leeway: int = 30  # seconds of clock skew allowed on exp, nbf and iat
    jwks_cooldown: float = 30.0  # seconds between re-reads of a JWKS URL for an unknown kid (no flooding)

    def __post_init__(self) -> None:
        for name in ("issuer", "audience", "jwks", "role_claim", "customer_claim"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"JWT settings: '{name}' must not be empty")
        bad = [a for a in self.algorithms if a not in ASYMMETRIC]
        if bad or not self.algorithms:
            raise ValueError(
                f"JWT settings: algorithms must be asymmetric ({', '.join(sorted(ASYMMETRIC))}), got {bad}"
            )
        if not 0 <= self.leeway <= 300:
            raise ValueError("JWT settings: leeway is 0 to 300 seconds")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> JwtSettings | None:
        """From ``LOANFACTORY_JWT_*``; None when no issuer, audience or JWKS is set."""
        given = {n: environ.get(n, "").strip() for n in (ENV_ISSUER, ENV_AUDIENCE, ENV_JWKS)}
        if not any(given.values()):
            return None
        missing = [n for n, v in given.items() if not v]
        if missing:
            raise ValueError(f"JWT sign-in needs {', '.join(missing)} as well")
        roles: dict[str, Role] = {}
        for index, entry in enumerate(filter(None, environ.get(ENV_ROLES, "").split(","))):
            name, _, role = entry.strip().rpartition(":")
            try:
                roles[name] = Role(role)
            except ValueError:
                raise ValueError(
                    f"{ENV_ROLES} entry {index + 1}: use idp-name:role with a role of "
                    f"{', '.join(r.value for r in Role)}"
                ) from None
            if not name:
                raise ValueError(f"{ENV_ROLES} entry {index + 1}: the provider's role name is empty")
        algorithms = tuple(a.strip() for a in environ.get(ENV_ALGORITHMS, "RS256,ES256").split(",") if a)
        return cls(
            issuer=given[ENV_ISSUER],
            audience=given[ENV_AUDIENCE],
            jwks=given[ENV_JWKS],
            algorithms=algorithms,
            role_claim=environ.get(ENV_ROLE_CLAIM, "").strip() or "roles",
            customer_claim=environ.get(ENV_CUSTOMER_CLAIM, "").strip() or "customer_id",
            roles=roles,
        )


def looks_like_jwt(credential: str) -> bool:
    """A compact JWS: three base64url parts, the header a JSON object (``eyJ``)."""
    return credential.startswith("eyJ") and credential.count(".") == 2


def _refused(code: str, message: str, message_zh: str) -> ApiProblem:
    return ApiProblem(
        401, code, message, message_zh, headers={"WWW-Authenticate": 'Bearer realm="loanfactory"'}
    )


class Jwks:
    """The provider's public keys: a file read once, or a URL cached and re-read on a new ``kid``."""

    def __init__(self, source: str, algorithms: tuple[str, ...], *, cooldown: float = 30.0) -> None:
        self.algorithms = algorithms
        self._client: jwt.PyJWKClient | None = None
        self._keys: list[jwt.PyJWK] = []
        if source.startswith(("http://", "https://")):
            self._client = jwt.PyJWKClient(
                source, cache_keys=False, lifespan=300, timeout=5, cooldown_duration=cooldown
            )
        else:
            try:
                data = json.loads(Path(source).read_text(encoding="utf-8"))
                keys = jwt.PyJWKSet.from_dict(data if isinstance(data, dict) else {}).keys
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                raise ValueError(f"JWKS file {source}: {exc}") from None
            self._keys = self._usable(keys)
            if not self._keys:
                raise ValueError(f"JWKS file {source}: no key for {', '.join(algorithms)}")

    def _usable(self, keys: list[jwt.PyJWK]) -> list[jwt.PyJWK]:
        """Keys of an allowed algorithm that may verify signatures (not ``use: enc``)."""
        return [k for k in keys if k.algorithm_name in self.algorithms and k.public_key_use in (None, "sig")]

    def key_for(self, kid: str | None) -> jwt.PyJWK | None:
        if self._client is None:
            keys = self._keys
            if kid is None:
                return keys[0] if len(keys) == 1 else None
            return next((k for k in keys if k.key_id == kid), None)
        try:
            if kid is None:
                keys = self._usable(self._client.get_signing_keys())
                return keys[0] if len(keys) == 1 else None
            found = self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise ServiceUnavailable(f"the identity provider's JWKS did not answer: {exc}") from None
        except jwt.PyJWKClientError:
            return None
        return found if self._usable([found]) else None


class JwtVerifier:
    """Verifies a provider's token and maps it to a :class:`Principal`; ``now`` gives Unix time."""

    def __init__(self, settings: JwtSettings, *, now: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.jwks = Jwks(settings.jwks, settings.algorithms, cooldown=settings.jwks_cooldown)
        self._now = now
        self._roles = {**{r.value: r for r in Role}, **settings.roles}

    def verify(self, token: str) -> Principal:
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refused("invalid-token", "the token is not a valid JWT", "令牌不是有效的 JWT") from None
        algorithm = header.get("alg")
        if algorithm not in s.algorithms:
            raise _refused(
                "invalid-token",
                f"tokens signed with '{algorithm}' are not accepted",
                f"不接受以 '{algorithm}' 签名的令牌",
            )
        kid = header.get("kid")
        key = self.jwks.key_for(kid if isinstance(kid, str) else None)
        if key is None or key.algorithm_name != algorithm:
            raise _refused("invalid-token", "the token's signing key is unknown", "令牌的签名密钥未知")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=s.audience,
                issuer=s.issuer,
                # time is checked below against the injected clock
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise _refused("invalid-token", "the token is for another audience", "令牌的受众不符") from None
        except jwt.InvalidIssuerError:
            raise _refused("invalid-token", "the token is from another issuer", "令牌的签发方不符") from None
        except jwt.PyJWTError:
            raise _refused("invalid-token", "the token is not valid", "令牌无效") from None
        self._check_time(claims)
        return self._principal(claims)

    def _check_time(self, claims: Mapping[str, Any]) -> None:
        now, leeway = self._now(), self.settings.leeway
        times = {}
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is None:
                continue
            if type(value) not in (int, float):
                raise _refused(
                    "invalid-token", f"the token's '{name}' is not a time", f"令牌的 '{name}' 不是时间"
                )
            times[name] = float(value)
        if times["exp"] <= now - leeway:
            raise _refused("token-expired", "the token has expired", "令牌已过期")
        if times.get("nbf", now) > now + leeway or times.get("iat", now) > now + leeway:
            raise _refused("invalid-token", "the token is not valid yet", "令牌尚未生效")

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
            raise _refused("invalid-token", "the token names no subject", "令牌缺少主体")
        found = _claim(claims, self.settings.role_claim)
        names = [found] if isinstance(found, str) else found if isinstance(found, list) else []
        roles = {self._roles[n] for n in names if isinstance(n, str) and n in self._roles}
        if len(roles) != 1:
            what = "no role" if not roles else f"several roles ({', '.join(sorted(r.value for r in roles))})"
            raise ApiProblem(
                403,
                "token-role",
                f"the token's '{self.settings.role_claim}' gives {what}; exactly one is needed",
                f"令牌的 '{self.settings.role_claim}' 对应的角色数量不是一个",
            )
        role = roles.pop()
        customer = _claim(claims, self.settings.customer_claim) if role is Role.customer else None
        if customer is not None and (not isinstance(customer, str) or not 0 < len(customer) <= 64):
            raise _refused("invalid-token", "the token's customer id is not valid", "令牌中的客户编号无效")
        issuer = str(claims["iss"])
        key_id = "j:" + hashlib.sha256(f"{issuer}\x00{subject}".encode()).hexdigest()[:16]
        return Principal(subject, role, customer, key_id=key_id)


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
