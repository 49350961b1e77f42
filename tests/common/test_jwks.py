"""RS256 tokens verified with keys fetched from a JWKS URL (the deployment set-up)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.common.identity import AuthenticationError, Role, TokenVerifier
from tests.support import fast_settings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """A JWKS document served on loopback, as an identity provider would."""
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def _token(key: rsa.RSAPrivateKey, kid: str = "key-1") -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "u",
        "roles": ["community_staff"],
        "communities": ["c1"],
        "iat": now,
        "exp": now + timedelta(hours=1),
        "aud": "renling",
        "iss": "renling",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_rs256_token_verifies_with_the_published_key(jwks_url: str) -> None:
    verifier = TokenVerifier(fast_settings(jwt_jwks_url=jwks_url, jwt_algorithms=("RS256",)))

    principal = await verifier.verify(_token(KEY))

    assert principal.roles == frozenset({Role.COMMUNITY_STAFF})
    assert principal.communities == frozenset({"c1"})


async def test_rs256_token_signed_with_another_key_is_refused(jwks_url: str) -> None:
    verifier = TokenVerifier(fast_settings(jwt_jwks_url=jwks_url, jwt_algorithms=("RS256",)))

    with pytest.raises(AuthenticationError):
        await verifier.verify(_token(OTHER_KEY))
    with pytest.raises(AuthenticationError):
        await verifier.verify(_token(KEY, kid="unknown"))


async def test_hs256_token_is_refused_when_only_rs256_is_accepted(jwks_url: str) -> None:
    settings = fast_settings(jwt_jwks_url=jwks_url, jwt_algorithms=("RS256",))
    forged = jwt.encode({"sub": "u", "roles": ["district_admin"]}, settings.jwt_secret, algorithm="HS256", headers={"kid": "key-1"})

    with pytest.raises(AuthenticationError):
        await TokenVerifier(settings).verify(forged)


async def test_with_both_a_secret_and_a_jwks_each_token_is_checked_against_its_own_kind_of_key(jwks_url: str) -> None:
    settings = fast_settings(jwt_jwks_url=jwks_url, jwt_algorithms=("HS256", "RS256"))
    verifier = TokenVerifier(settings)
    now = datetime.now(UTC)
    claims = {"sub": "u", "roles": ["resident"], "iat": now, "exp": now + timedelta(hours=1), "aud": "renling", "iss": "renling"}

    assert (await verifier.verify(jwt.encode(claims, settings.jwt_secret, algorithm="HS256", headers={"kid": "key-1"}))).subject == "u"
    assert (await verifier.verify(_token(KEY))).subject == "u"
    with pytest.raises(AuthenticationError, match="Signature"):
        await verifier.verify(jwt.encode(claims, "a-different-secret-of-thirty-two-bytes!!", algorithm="HS256", headers={"kid": "key-1"}))
    with pytest.raises(AuthenticationError, match="not accepted"):
        await verifier.verify(jwt.encode(claims, KEY, algorithm="RS512", headers={"kid": "key-1"}))
