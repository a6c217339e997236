"""The demo's people, protected like anyone's (storage.personal): every name the stories
record is stored as a token under a key of its own. The keys are made from a secret of
this run only (never stored: once the run is over only the people table holds them, so an
erasure still destroys them), the same in every worker process, so the workers need no
store: they say which people they made, and the parent writes them into the people table
before the events that name them. Seals are deterministic under that secret (the same
history gives the same bytes, whether told through the commands or directly). A person the
store already finds by name (a run that grows a store with deals, as the benchmarks do) is
named with their own reference and key, never made a second time (`RunSecret.named`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.names import name_key
from storage.people import Person, lookup_of, name_parts
from storage.personal import PersonalMapper, PersonToken, Protector, register_tokens

# A person the parent must write: (reference, account key, name, key in hex).
Made = tuple[str, str, str, str]


@dataclass(frozen=True)
class RunSecret:
    """What the run's people are made from: the run's secret, and the people the store
    already finds by name (lookup under `lookup_secret` -> reference and key), who are
    named with their own reference and key rather than made again (a run into a store
    that already has deals, as a benchmark growing its store)."""

    secret: bytes
    lookup_secret: bytes | None = None
    named: Mapping[str, tuple[str, bytes]] = field(default_factory=dict)


class DemoPeople:
    """`People`'s part the protector uses, made from the run's secret."""

    def __init__(self, run: RunSecret) -> None:
        self.secret = run.secret
        self.run = run
        self._made: dict[str, Person] = {}
        self._keys: dict[str, bytes] = {}
        # account key -> name key or word of a name -> references (who free text can name)
        self._named: dict[str, dict[str, set[str]]] = {}
        self.fresh: list[Made] = []  # made since last taken

    def _derive(self, label: bytes, text: str) -> bytes:
        return hmac.new(self.secret, label + text.encode(), hashlib.sha256).digest()

    def person(self, account: str, name: str) -> Person:
        who = f"{name_key(account)}\x00{name_key(name)}"
        found = self._made.get(who)
        if found is None:
            found = self._already_named(account, name)
            if found is None:
                reference = "person-" + self._derive(b"reference\x00", who).hex()[:12]
                found = Person(reference, self._derive(b"key\x00", who))
                self.fresh.append((reference, name_key(account), name, found.key.hex()))
            self._made[who] = found
            self._keys[found.reference] = found.key
            named = self._named.setdefault(name_key(account), {})
            for word in [name_key(name), *name_parts(name)]:
                named.setdefault(word, set()).add(found.reference)
        return found

    def _already_named(self, account: str, name: str) -> Person | None:
        if not self.run.named or self.run.lookup_secret is None:
            return None
        known = self.run.named.get(lookup_of(self.run.lookup_secret, account, name))
        return Person(*known) if known is not None else None

    def key(self, reference: str) -> bytes | None:
        return self._keys.get(reference)

    def mentioned(self, account: str, names: Sequence[str]) -> list[str]:
        named = self._named.get(name_key(account), {})
        found: set[str] = set()
        for name in names:
            found.update(named.get(name, ()))
        return sorted(found)

    def nonce(self, key: bytes, text: str, bound: str) -> bytes:
        """A nonce that differs whenever the text or what it is bound to differs (a keyed
        BLAKE2b: one call into C)."""
        return hashlib.blake2b(f"{bound}\x00{text}".encode(), key=key, digest_size=12).digest()

    def take(self) -> tuple[Made, ...]:
        made, self.fresh = tuple(self.fresh), []
        return made


class _NothingStored:
    """The recorder the demo's protector reads: every aggregate it writes is new, so an
    event whose aggregate it has not seen opened is a seller's (no people in it)."""

    def select_events(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        return []


_NOTHING_STORED = _NothingStored()


def demo_mapper(transcoder: Any, people: DemoPeople) -> PersonalMapper:
    """A mapper on the application's transcoder, storing the demo's people as tokens."""
    if PersonToken not in transcoder.types:  # a worker's own transcoder: teach it tokens
        register_tokens(transcoder, lambda: people)
    mapper = PersonalMapper(transcoder)
    mapper.protector = Protector(people, lambda: _NOTHING_STORED, nonce=people.nonce)
    return mapper
