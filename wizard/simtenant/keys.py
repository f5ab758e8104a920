"""The simulated tenant's token-signing key, its JWKS, and JWT helpers.

Tokens are real RS256 JWTs so that any client (PyJWT, MSAL, a Graph SDK) can
decode and verify them against `/{tenant}/discovery/v2.0/keys`, as with
Microsoft's keys (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-signature).

The RSA key is derived from the tenant's seed, so two runs with the same seed
sign identical bytes (snapshot tests depend on it). Generating a 2048-bit key
from a seeded `random.Random` takes a fraction of a second; it is cached per
seed for the life of the process. It is a test key: never use it for anything
real.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(range(i * i, limit, i)))
    return [i for i in range(3, limit) if sieve[i]]


_SMALL_PRIMES = _small_primes(20000)
_WINDOW = 8192


def _miller_rabin(n: int, rng: random.Random, rounds: int = 8) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random, e: int) -> int:
    """The first probable prime in a sieved window after a seeded random start."""
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * _WINDOW           # alive[k]: start + 2k may be prime
        for p in _SMALL_PRIMES:
            first = (-start * ((p + 1) // 2)) % p   # k with start + 2k = 0 (mod p)
            alive[first::p] = bytearray(len(range(first, _WINDOW, p)))
        for k in range(_WINDOW):
            candidate = start + 2 * k
            if alive[k] and candidate % e != 1 and _miller_rabin(candidate, rng):
                return candidate


@functools.lru_cache(maxsize=8)
def signing_key(seed: int) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key that depends only on `seed`."""
    rng = random.Random(f"simtenant-signing-key-{seed}")
    e = 65537
    while True:
        p, q = _prime(1024, rng, e), _prime(1024, rng, e)
        if p != q:
            break
    if p < q:
        p, q = q, p
    n = p * q
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Signer:
    """Signs and verifies the tenant's tokens; publishes the JWKS."""

    def __init__(self, seed: int) -> None:
        self.private_key = signing_key(seed)
        self.public_key = self.private_key.public_key()
        numbers = self.public_key.public_numbers()
        self._n = _b64url_uint(numbers.n)
        self._e = _b64url_uint(numbers.e)
        # Like Microsoft's keys: `kid` and `x5t` identify the key; derived from the modulus.
        digest = hashlib.sha1(numbers.n.to_bytes(256, "big")).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def jwks(self, issuer: str) -> dict:
        """The JSON Web Key Set, shaped like `/discovery/v2.0/keys`."""
        return {"keys": [{
            "kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
            "n": self._n, "e": self._e, "issuer": issuer,
        }]}

    def sign(self, claims: dict) -> str:
        headers = {"typ": "JWT", "alg": "RS256", "x5t": self.kid, "kid": self.kid}
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def verify(self, token: str, now: float) -> dict:
        """Check signature and lifetime against the simulated clock; return the claims.

        Raises `jwt.InvalidTokenError` (or a subclass) when the token is not ours,
        is malformed, or has expired.
        """
        claims = jwt.decode(
            token, self.public_key, algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
        if float(claims.get("exp", 0)) <= now:
            raise jwt.ExpiredSignatureError("Lifetime validation failed, the token is expired.")
        if float(claims.get("nbf", 0)) > now + 300:
            raise jwt.ImmatureSignatureError("The token is not yet valid.")
        return claims


def b64url_json(data: dict) -> str:
    """base64url(JSON) without padding, as in MSAL's `client_info`."""
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
