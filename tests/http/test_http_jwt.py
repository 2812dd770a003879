"""Standard JWTs from the bank's identity provider: RS256 and ES256 verified against its JWKS
(a file, or a local URL served in the test), issuer, audience, times on an injected clock, and
the mapping of its role names and customer claim; every forged or stale token is refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt_support import AUDIENCE, ISSUER, NOW, Provider, served

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._jwt import JwtSettings, JwtVerifier
from loanfactory.adapters.http._problems import ApiProblem


@pytest.fixture(scope="module")
def idp() -> Provider:
    return Provider.new()


def verifier(jwks: str, **settings: Any) -> JwtVerifier:
    return JwtVerifier(JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks=jwks, **settings), now=lambda: NOW)


@pytest.fixture
def check(idp: Provider, tmp_path: Path) -> JwtVerifier:
    return verifier(str(idp.write(tmp_path / "jwks.json")), roles={"credit-l1": Role.officer})


def refused(check: JwtVerifier, token: str, code: str = "invalid-token", status: int = 401) -> ApiProblem:
    with pytest.raises(ApiProblem) as caught:
        check.verify(token)
    assert (caught.value.status, caught.value.code) == (status, code), str(caught.value)
    return caught.value


def test_rs256_and_es256_tokens_map_to_a_principal(idp: Provider, check: JwtVerifier) -> None:
    customer = check.verify(idp.token("u-1", customer_id="cus_42"))
    assert (customer.subject, customer.role, customer.customer_id) == ("u-1", Role.customer, "cus_42")
    officer = check.verify(idp.token("wang.l1", kid="ec-1", roles=["credit-l1", "email-users"]))
    assert (officer.role, officer.customer_id) == (Role.officer, None)
    assert customer.key_id.startswith("j:")
    assert customer.key_id != officer.key_id
    # the same person signing in again is the same login; only issuer and subject count
    assert check.verify(idp.token("u-1", customer_id="cus_42", iat=NOW - 60)).key_id == customer.key_id


def test_a_customer_token_without_a_customer_id_is_a_newcomer(idp: Provider, check: JwtVerifier) -> None:
    assert check.verify(idp.token("u-new")).customer_id is None


def test_claim_names_are_configurable_and_may_be_nested(idp: Provider, tmp_path: Path) -> None:
    check = verifier(
        str(idp.write(tmp_path / "jwks.json")),
        role_claim="realm_access.roles",
        customer_claim="ext.cif",
        roles={"app-user": Role.customer},
    )
    token = idp.token(
        "u-2", roles=None, realm_access={"roles": ["app-user", "offline"]}, ext={"cif": "cus_7"}
    )
    assert check.verify(token).customer_id == "cus_7"
    refused(check, idp.token("u-2"), "token-role", 403)  # the top-level "roles" is not read any more


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"iss": "https://evil.example.com/realms/retail"}, "invalid-token"),
        ({"aud": "another-api"}, "invalid-token"),
        ({"exp": NOW - 31}, "token-expired"),  # beyond the 30 s leeway
        ({"exp": None}, "invalid-token"),  # exp is required
        ({"sub": None}, "invalid-token"),
        ({"nbf": NOW + 120}, "invalid-token"),
        ({"iat": NOW + 120}, "invalid-token"),
        ({"exp": "tomorrow"}, "invalid-token"),
        ({"customer_id": ["cus_1", "cus_2"]}, "invalid-token"),
    ],
)
def test_bad_claims_are_refused(idp: Provider, check: JwtVerifier, claims: dict[str, Any], code: str) -> None:
    refused(check, idp.token(**claims), code)


def test_clock_skew_within_the_leeway_is_accepted(idp: Provider, check: JwtVerifier) -> None:
    assert check.verify(idp.token(exp=NOW - 29, nbf=NOW + 29)).role is Role.customer


@pytest.mark.parametrize(
    ("roles", "why"), [([], "no role"), (["customer", "officer"], "several"), (["root"], "no role")]
)
def test_exactly_one_known_role(idp: Provider, check: JwtVerifier, roles: list[str], why: str) -> None:
    problem = refused(check, idp.token(roles=roles), "token-role", 403)
    assert why in str(problem)


def _tamper(token: str, **claims: Any) -> str:
    header, body, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_forged_tokens_are_refused(idp: Provider, check: JwtVerifier, tmp_path: Path) -> None:
    # a changed claim breaks the signature
    refused(check, _tamper(idp.token("u-3"), roles=["admin"]))
    # alg "none" and an HMAC "signed" with the public key (the classic confusion attack)
    refused(
        check,
        jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": NOW + 60}, None, algorithm="none"),
    )
    public_pem = idp.jwks["keys"][0]["n"].encode()
    hs = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": NOW + 60}, public_pem, algorithm="HS256"
    )
    refused(check, hs)
    # a key the provider never published, even under a published kid
    stranger = Provider()
    stranger.add("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")
    refused(check, stranger.token("u-4"))
    refused(check, idp.token("u-4", kid="ec-1").replace("eyJ", "eyX", 1))  # header is not JSON


def test_settings_refuse_symmetric_algorithms_and_half_configurations(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks="x.json", algorithms=("HS256",))
    with pytest.raises(ValueError, match="LOANFACTORY_JWT_AUDIENCE"):
        JwtSettings.from_env({"LOANFACTORY_JWT_ISSUER": ISSUER, "LOANFACTORY_JWT_JWKS": "x.json"})
    with pytest.raises(ValueError, match="entry 1"):
        JwtSettings.from_env(
            {
                "LOANFACTORY_JWT_ISSUER": ISSUER,
                "LOANFACTORY_JWT_AUDIENCE": AUDIENCE,
                "LOANFACTORY_JWT_JWKS": "x.json",
                "LOANFACTORY_JWT_ROLES": "app-user:superuser",
            }
        )
    assert JwtSettings.from_env({}) is None
    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="JWKS file"):
        verifier(str(empty))
    only_ec = Provider.new()
    del only_ec.keys["rsa-1"]
    with pytest.raises(ValueError, match="no key for RS256"):
        verifier(str(only_ec.write(tmp_path / "ec.json")), algorithms=("RS256",))


def test_a_jwks_url_is_fetched_and_read_again_for_a_rotated_key(idp: Provider) -> None:
    rotating = Provider.new()
    with served(rotating) as (url, hits):
        check = verifier(url, jwks_cooldown=0)
        assert check.verify(rotating.token("u-5")).subject == "u-5"
        first = len(hits)
        assert first >= 1
        rotating.add("rsa-2", rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256")
        assert check.verify(rotating.token("u-6", kid="rsa-2")).subject == "u-6"
        assert len(hits) > first  # the new kid made it read the JWKS again
        refused(check, idp.token("u-7", kid="rsa-1"))  # same kid, another provider's key
        before = len(hits)
        patient = verifier(url)  # the default cooldown: an unknown kid does not flood the provider
        ghost = Provider()
        for n in range(5):
            ghost.add(f"ghost-{n}", idp.keys["ec-1"][0], "ES256")
            refused(patient, ghost.token("u-8", kid=f"ghost-{n}"))
        assert len(hits) - before == 1  # read once on the first token, not once per unknown kid
