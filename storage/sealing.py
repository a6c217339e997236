"""AES-GCM boxes under people's keys, and the keys derived from several of them.

Deriving a joint key (HKDF) costs more than sealing a short text, and the same few sets
of people come back on every event of a deal: joint keys are kept in memory, up to
MAX_KEPT, until `forget` (which `storage.people.People` calls when an erasure anywhere
drops every key it held). So are what readers have opened (`Opened`): a person's name by
its token, the opener of the texts sealed under a set of people. A cipher set up for a key
(`AESGCM`) holds about 2.5 KB of OpenSSL's state outside Python's heap and takes about a
microsecond to set up: only the last MAX_CIPHERS are kept, and an opener holds its key,
not a cipher, so what a process keeps does not grow with the people it read (a rebuild
reads every one).

Nonces come from the system's randomness, drawn NONCE_POOL at a time (`random_nonce`):
`os.urandom` lets go of the interpreter lock, and the writer's thread, once it let go of
it, waits for the projection thread to hand it back (tens of microseconds per seal in the
API process). The pool is dropped in a forked child, so no two processes share one."""

from __future__ import annotations

import base64
import binascii
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
NONCE_POOL = 256  # nonces drawn from the system's randomness at once
MAX_KEPT = 8192
MAX_CIPHERS = 256  # ciphers set up (each about 2.5 KB outside Python's heap)

Nonce = Callable[[bytes, str, str], bytes]  # (key, text, bound) -> 12 bytes

_lock = threading.Lock()
_ciphers: dict[bytes, AESGCM] = {}
_joint: dict[tuple[bytes, ...], bytes] = {}
_names: dict[tuple[bytes, str, str], str | None] = {}
_opened: weakref.WeakSet[Opened] = weakref.WeakSet()
_epoch = 0  # how many times `forget` ran


def epoch() -> int:
    """Moves each time `forget` runs: what was opened before it must not be kept after."""
    return _epoch


class Opened:
    """What a reader opened, by what was stored (at most MAX_KEPT, dropped all at once when
    full): emptied by `forget`. `keep` keeps nothing opened before a `forget` that ran
    meanwhile, so an erased name is never kept past its erasure."""

    def __init__(self) -> None:
        self._found: dict[Hashable, Any] = {}
        with _lock:
            _opened.add(self)

    def get(self, stored: Hashable, default: Any = None) -> Any:
        return self._found.get(stored, default)

    def keep(self, stored: Hashable, opened: Any, since: int) -> None:
        """Keep `opened` unless `forget` ran after `since` (`epoch()` before opening)."""
        with _lock:
            if since != _epoch:
                return
            if len(self._found) >= MAX_KEPT:
                self._found.clear()
            self._found[stored] = opened

    def clear(self) -> None:
        self._found.clear()


@dataclass(frozen=True, slots=True)
class Opener:
    """Opens the texts sealed under one set of people's keys (their joint key
    and the references they are bound to)."""

    key: bytes
    bound: bytes

    def open(self, box: str) -> str | None:
        raw = binascii.a2b_base64(box)  # base64.b64decode without its Python wrapper
        try:
            return (
                _cipher(self.key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self.bound).decode()
            )
        except InvalidTag:
            return None


def opener(keys: Sequence[bytes], bound: str) -> Opener:
    """The opener of texts sealed under the joint key of `keys`, bound to `bound`."""
    return Opener(joint_key(keys), bound.encode())


class _Randomness:
    """Bytes of `os.urandom`, fetched a pool at a time and each handed out once."""

    def __init__(self, pool: int) -> None:
        self._size = pool
        self.reset()

    def reset(self) -> None:
        """Forget the pool (in a forked child: its parent hands out the same bytes)."""
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._at + count > len(self._pool):
                self._pool, self._at = os.urandom(max(self._size, count)), 0
            start, self._at = self._at, self._at + count
            return self._pool[start : self._at]


_randomness = _Randomness(NONCE_BYTES * NONCE_POOL)
os.register_at_fork(after_in_child=_randomness.reset)


def random_nonce(_key: bytes, _text: str, _bound: str) -> bytes:
    """A nonce never used before: 12 bytes of the system's randomness."""
    return _randomness.take(NONCE_BYTES)


def _cipher(key: bytes) -> AESGCM:
    found = _ciphers.get(key)
    if found is None:
        found = AESGCM(key)
        with _lock:
            if len(_ciphers) >= MAX_CIPHERS:
                _ciphers.clear()
            _ciphers[key] = found
    return found


def seal(key: bytes, text: str, bound: str, nonce: Nonce = random_nonce) -> str:
    """`text` sealed with AES-GCM under `key`, bound to `bound` (the references)."""
    iv = nonce(key, text, bound)
    sealed = _cipher(key).encrypt(iv, text.encode(), bound.encode())
    return base64.b64encode(iv + sealed).decode()


def open_box(key: bytes, box: str, bound: str) -> str | None:
    """The text sealed in `box`, or None when `key` or `bound` is not the one it was
    sealed with."""
    return Opener(key, bound.encode()).open(box)


def open_name(key: bytes, box: str, bound: str) -> str | None:
    """`open_box` for a person's name: kept, as a person's token is sealed once and then
    read back on every event that names them."""
    wanted = (key, box, bound)
    if wanted in _names:
        return _names[wanted]
    found = open_box(key, box, bound)
    with _lock:
        if len(_names) >= MAX_KEPT:
            _names.clear()
        _names[wanted] = found
    return found


def joint_key(keys: Sequence[bytes]) -> bytes:
    """One key that needs every one of `keys` (in order) to be made."""
    wanted = tuple(keys)
    found = _joint.get(wanted)
    if found is None:
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"smallwins sealed text")
        found = kdf.derive(b"".join(wanted))
        with _lock:
            if len(_joint) >= MAX_KEPT:
                _joint.clear()
            _joint[wanted] = found
    return found


def forget() -> None:
    """Drop every key, cipher and opened text kept (after an erasure)."""
    global _epoch  # noqa: PLW0603 (the module's one count of forgettings)
    with _lock:
        _epoch += 1
        _ciphers.clear()
        _joint.clear()
        _names.clear()
        for opened in list(_opened):
            opened.clear()
