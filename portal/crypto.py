"""Encryption at rest: the key ring, the ciphers, sealed values and sealed files.

Keys come from the settings (``ENCRYPTION_KEYS``, newest first; ``make run`` generates a
development ring into VAR_DIR once, as it does SECRET_KEY). The newest key seals every new value and
file; every key of the ring still opens what it sealed, so a new key goes in first and the old one
leaves only once ``manage.py rotate_keys`` has moved everything to the new one.

The cipher is chosen by ``ENCRYPTION_CIPHER``: AES-256-GCM (the default) or SM4-GCM (GB/T 32907,
for a deployment that must use the national algorithms), both from the ``cryptography`` package.
Each sealed value and file names the key and the cipher that sealed it, so a change of cipher is a
rotation like any other. A key of the ring is 32 random bytes; the key each purpose uses (values,
wrapping the data keys of files, the blind index) is derived from it by HKDF (SHA-256 with AES, SM3
with SM4), so no key serves two purposes.

- A value (an ID number, a mobile number) is sealed into text,
  ``enc1$<key id>$<cipher>$<base64url of nonce, ciphertext and tag>``, with the name of what it is
  (``contact_mobile``) as associated data: a sealed mobile number cannot pass for an ID number.
- A file is sealed by envelope: a fresh data key per file encrypts the content (streamed, in
  chunks, never whole in memory); the data key travels in the file's header wrapped by the ring's
  key. A rotation with the same cipher re-wraps the data key and copies the body as it is.
- Exact lookups use a blind index: HMAC of the normalised value under a key derived from the
  ring's. A lookup asks for the digest under every key of the ring, so it works while a rotation
  is under way.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import re
import secrets
import struct
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher as _Cipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
FILE_MAGIC = b"PFENC1\n"
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024
KEY_BYTES = 32
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionFailed(Exception):
    """A sealed value or file that no key of the ring opens: a wrong or removed key, or bytes
    that were changed."""


@dataclass(frozen=True)
class Algorithm:
    name: str
    key_bytes: int
    hash: type[hashes.HashAlgorithm]

    def cipher(self, key: bytes, nonce: bytes, tag: bytes | None = None) -> _Cipher:
        algorithm = algorithms.AES(key) if self.name == "aes-256-gcm" else algorithms.SM4(key)
        return _Cipher(algorithm, modes.GCM(nonce, tag))

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = self.cipher(key, nonce).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def open(self, key: bytes, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed("too short to be sealed")
        nonce, body, tag = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:-TAG_BYTES], sealed[-TAG_BYTES:]
        decryptor = self.cipher(key, nonce, tag).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionFailed("the authentication tag does not match") from None


ALGORITHMS = {
    "aes-256-gcm": Algorithm("aes-256-gcm", 32, hashes.SHA256),
    "sm4-gcm": Algorithm("sm4-gcm", 16, hashes.SM3),
}


# --- The key ring --------------------------------------------------------------------------------


def parse_ring(text: str) -> list[tuple[str, bytes]]:
    """``id:base64,id:base64`` (newest first) → [(id, 32 bytes)]. Raises ImproperlyConfigured
    with what is wrong, never with a key in the message."""
    ring = []
    for number, entry in enumerate((part.strip() for part in text.split(",")), start=1):
        if not entry:
            continue
        key_id, separator, encoded = entry.partition(":")
        if not separator or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS: entry {number} must be <id>:<base64 of 32 bytes>, the id of "
                "letters, digits, - or _ (at most 32)"
            )
        try:
            key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS: the key {key_id!r} must be 32 bytes in base64 "
                "(python -c 'import secrets,base64;print(base64.urlsafe_b64encode("
                "secrets.token_bytes(32)).decode())')"
            )
        if any(existing == key_id for existing, _ in ring):
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS: the id {key_id!r} is given twice")
        ring.append((key_id, key))
    return ring


def new_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def ring_from_file(path: Path) -> str:
    """A development ring generated once, as the SECRET_KEY beside it: the database and the files
    of this VAR_DIR stay readable across restarts with nothing configured."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = new_key_entry("dev1")
    # Written aside, then linked into place: a process starting at the same moment either finds
    # no file or the whole ring, never an empty one that it would take for the ring.
    fd, written = tempfile.mkstemp(dir=path.parent, prefix=".encryption_keys.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(entry)
        os.chmod(written, 0o600)
        try:
            os.link(written, path)
        except FileExistsError:  # another process of the same start wrote it first
            return path.read_text().strip()
    finally:
        os.unlink(written)
    return entry


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]
    algorithm: Algorithm
    enabled: bool = True

    @property
    def current_id(self) -> str:
        if not self.keys:
            raise ImproperlyConfigured(
                "No encryption keys: set ENCRYPTION_KEYS (see the README's Security section)"
            )
        return self.keys[0][0]

    def master(self, key_id: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == key_id:
                return key
        raise DecryptionFailed(f"the key {key_id!r} is not in ENCRYPTION_KEYS")

    def is_current(self, key_id: str, algorithm: str) -> bool:
        return key_id == self.current_id and algorithm == self.algorithm.name


@lru_cache(maxsize=256)
def _derived(master: bytes, algorithm: str, purpose: str) -> bytes:
    spec = ALGORITHMS[algorithm]
    length = spec.key_bytes if purpose != "index" else 32
    return HKDF(
        algorithm=spec.hash(), length=length, salt=None, info=f"portal {purpose}".encode()
    ).derive(master)


_ring_cache: dict[tuple, KeyRing] = {}


def ring() -> KeyRing:
    """The ring the settings describe (read again when a test overrides them)."""
    from django.conf import settings

    source = (
        settings.ENCRYPTION_KEYS,
        settings.ENCRYPTION_CIPHER,
        settings.ENCRYPTION_AT_REST,
    )
    cached = _ring_cache.get(source)
    if cached is None:
        if settings.ENCRYPTION_CIPHER not in ALGORITHMS:
            raise ImproperlyConfigured(
                f"ENCRYPTION_CIPHER must be one of {', '.join(ALGORITHMS)}; "
                f"got {settings.ENCRYPTION_CIPHER!r}"
            )
        cached = KeyRing(
            tuple(parse_ring(settings.ENCRYPTION_KEYS)),
            ALGORITHMS[settings.ENCRYPTION_CIPHER],
            settings.ENCRYPTION_AT_REST,
        )
        _ring_cache.clear()
        _ring_cache[source] = cached
    return cached


# --- Values --------------------------------------------------------------------------------------


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + "$")


def seal_text(value: str, name: str) -> str:
    """The value sealed with the newest key; empty stays empty (there is nothing to hide)."""
    if value is None or value == "" or is_sealed(value):
        return value
    keys = ring()
    if not keys.enabled:
        return value
    key_id, algorithm = keys.current_id, keys.algorithm
    key = _derived(keys.master(key_id), algorithm.name, "value")
    sealed = algorithm.seal(key, value.encode(), name.encode())
    encoded = base64.urlsafe_b64encode(sealed).decode().rstrip("=")
    return f"{PREFIX}${key_id}${algorithm.name}${encoded}"


def token_parts(value: str) -> tuple[str, str]:
    """(key id, cipher) of a sealed value."""
    _prefix, key_id, algorithm, _body = value.split("$", 3)
    return key_id, algorithm


def open_text(value, name: str):
    """The plain value of a sealed one; anything not sealed (written before encryption, or with
    it off) is returned as it is."""
    if not is_sealed(value):
        return value
    try:
        _prefix, key_id, algorithm, encoded = value.split("$", 3)
        spec = ALGORITHMS[algorithm]
        sealed = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, KeyError):
        raise DecryptionFailed(f"{name}: not a sealed value") from None
    key = _derived(ring().master(key_id), spec.name, "value")
    return spec.open(key, sealed, name.encode()).decode()


def needs_resealing(value) -> bool:
    """A non-empty value that is plain, or sealed with another key or cipher than the newest."""
    if value in (None, ""):
        return False
    keys = ring()
    if not is_sealed(value):
        return keys.enabled
    return not keys.is_current(*token_parts(value))


def normalised(value: str) -> str:
    return "".join(value.split()).upper()


def blind_indexes(value: str) -> list[str]:
    """The digests of the value under every key of the ring, newest first: what an exact lookup
    asks for (rows sealed before the last rotation finished still carry an older key's)."""
    keys = ring()
    plain = normalised(value).encode()
    return [
        hmac.new(_derived(master, keys.algorithm.name, "index"), plain, "sha256").hexdigest()
        for _key_id, master in keys.keys
    ]


def blind_index(value: str) -> str:
    if value in (None, ""):
        return ""
    return blind_indexes(value)[0]


# --- Files ---------------------------------------------------------------------------------------


def _spool():
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open


def _chunks(stream):
    return iter(lambda: stream.read(CHUNK), b"")


def _header_bytes(header: dict) -> bytes:
    encoded = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    return FILE_MAGIC + struct.pack(">I", len(encoded)) + encoded


def read_header(stream) -> dict | None:
    """The header of a sealed file (the stream is left after it), or None for a plain file (the
    stream is then back at its start)."""
    magic = stream.read(len(FILE_MAGIC))
    if magic != FILE_MAGIC:
        stream.seek(0)
        return None
    (length,) = struct.unpack(">I", stream.read(4))
    if length > 4096:
        raise DecryptionFailed("a sealed file's header is too long")
    return json.loads(stream.read(length))


def _wrap(data_key: bytes, key_id: str, algorithm: Algorithm) -> str:
    kek = _derived(ring().master(key_id), algorithm.name, "wrap")
    return base64.b64encode(algorithm.seal(kek, data_key, b"data key")).decode()


def _unwrap(header: dict) -> bytes:
    algorithm = ALGORITHMS[header["alg"]]
    kek = _derived(ring().master(header["key"]), algorithm.name, "wrap")
    return algorithm.open(kek, base64.b64decode(header["wrapped"]), b"data key")


def seal_file(source):
    """A new spooled file holding the source's bytes sealed with a fresh data key."""
    keys = ring()
    algorithm = keys.algorithm
    data_key = os.urandom(algorithm.key_bytes)
    nonce = os.urandom(NONCE_BYTES)
    header = {
        "alg": algorithm.name,
        "key": keys.current_id,
        "nonce": base64.b64encode(nonce).decode(),
        "wrapped": _wrap(data_key, keys.current_id, algorithm),
    }
    header_bytes = _header_bytes(header)
    encryptor = algorithm.cipher(data_key, nonce).encryptor()
    # The header's fields that are not the wrapped key are bound to the body: a header edited to
    # name another cipher does not open it.
    encryptor.authenticate_additional_data(_body_aad(header))
    sealed = _spool()
    sealed.write(header_bytes)
    for chunk in _chunks(source):
        sealed.write(encryptor.update(chunk))
    sealed.write(encryptor.finalize())
    sealed.write(encryptor.tag)
    sealed.seek(0)
    return sealed


def _body_aad(header: dict) -> bytes:
    return f"{header['alg']}|{header['nonce']}".encode()


def open_file(stream, header: dict):
    """A spooled file holding the plain bytes of a sealed file whose header was just read; raises
    DecryptionFailed when its tag does not match (no byte of it is handed out)."""
    algorithm = ALGORITHMS[header["alg"]]
    data_key = _unwrap(header)
    body = _spool()
    for chunk in _chunks(stream):
        body.write(chunk)
    size = body.tell()
    if size < TAG_BYTES:
        body.close()
        raise DecryptionFailed("a sealed file without its tag")
    body.seek(size - TAG_BYTES)
    tag = body.read(TAG_BYTES)
    body.seek(0)
    decryptor = algorithm.cipher(data_key, base64.b64decode(header["nonce"]), tag).decryptor()
    decryptor.authenticate_additional_data(_body_aad(header))
    plain = _spool()
    remaining = size - TAG_BYTES
    try:
        while remaining:
            chunk = body.read(min(CHUNK, remaining))
            remaining -= len(chunk)
            plain.write(decryptor.update(chunk))
        plain.write(decryptor.finalize())
    except InvalidTag:
        plain.close()
        raise DecryptionFailed("a sealed file whose authentication tag does not match") from None
    finally:
        body.close()
    plain.seek(0)
    return plain


def file_needs_resealing(header: dict | None) -> bool:
    keys = ring()
    if header is None:
        return keys.enabled
    return not keys.is_current(header["key"], header["alg"])


def reseal_file(stream, header: dict | None):
    """A spooled file with the stream's content sealed with the newest key. With the same cipher
    only the data key is wrapped again and the body is copied as it is (envelope encryption);
    a plain file or another cipher is encrypted afresh."""
    keys = ring()
    if header is None:
        return seal_file(stream)
    if header["alg"] != keys.algorithm.name:
        with open_file(stream, header) as plain:
            return seal_file(plain)
    data_key = _unwrap(header)
    rewrapped = {**header, "key": keys.current_id}
    rewrapped["wrapped"] = _wrap(data_key, keys.current_id, keys.algorithm)
    out = _spool()
    out.write(_header_bytes(rewrapped))
    for chunk in _chunks(stream):
        out.write(chunk)
    out.seek(0)
    return out
