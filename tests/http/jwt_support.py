"""A test identity provider: RSA and EC keys made in the test, a JWKS file or a local JWKS URL,
and tokens signed the way a bank's login service signs them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://sso.example-bank.cn/realms/retail"
AUDIENCE = "loanfactory-api"
NOW = 1_754_011_800  # 2025-08-01 09:30 +08:00, the live server's fixed clock


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    maker = RSAAlgorithm if alg.startswith("RS") else ECAlgorithm
    data: dict[str, Any] = maker.to_jwk(key.public_key(), as_dict=True)
    return {**data, "kid": kid, "alg": alg, "use": "sig"}


@dataclass
class Provider:
    """Signs tokens; ``jwks`` is the public half, as the provider publishes it."""

    keys: dict[str, tuple[Any, str]] = field(default_factory=dict)  # kid -> (private key, alg)

    @classmethod
    def new(cls) -> Provider:
        provider = cls()
        provider.add("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")
        provider.add("ec-1", ec.generate_private_key(ec.SECP256R1()), "ES256")
        return provider

    def add(self, kid: str, key: Any, alg: str) -> None:
        self.keys[kid] = (key, alg)

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [_jwk(key, kid, alg) for kid, (key, alg) in self.keys.items()]}

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks), encoding="utf-8")
        return path

    def token(self, sub: str = "u-20250801-0001", *, kid: str = "rsa-1", **claims: Any) -> str:
        key, alg = self.keys[kid]
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": NOW,
            "exp": NOW + 900,
            "roles": ["customer"],
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


@contextmanager
def served(provider: Provider) -> Iterator[tuple[str, list[str]]]:
    """The provider's JWKS at a local URL (read afresh on every fetch); yields the URL and the log
    of requests it answered."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps(provider.jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/retail/certs", hits
    finally:
        server.shutdown()
        server.server_close()
