"""Names stored encrypted, a key per person (DESIGN section 10).

When an event is stored, each person it names (its fields declared `person=True`: contact,
stakeholder, attendees, referred_by; the contact of the interaction it concerns, for the
events that follow a planned interaction) is replaced by a token: the person's reference
and their name sealed with AES-GCM under their key. The other personal fields (a title)
and the free text of such an event (note, purpose, commitment objective, outcome) are
sealed under a key derived from the keys of every person the event names, so erasing any
of them makes it unreadable. Reading gives back the name, or the reference once the
person is erased, and "[erased]" for text that can no longer be opened.

The hash chain covers these stored bytes, which never held a name in clear: an erasure
changes nothing stored with the event, and the history still verifies."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic

from domain.names import name_key
from domain.records import INTERACTION_FOLLOW_UPS, INTERACTION_PLANNED, OPENED
from domain.schema import declared
from storage.people import People, Person
from storage.sealing import (
    Nonce,
    Opened,
    Opener,
    epoch,
    joint_key,
    open_box,
    open_name,
    opener,
    random_nonce,
    seal,
)

ERASED = "[erased]"
SEALED = "[sealed]"  # text about people, read where it is left sealed
_LEFT_SEALED: ContextVar[bool] = ContextVar("smallwins_names_left_sealed", default=False)
_WHEN_SHOWN: ContextVar[bool] = ContextVar("smallwins_texts_opened_when_shown", default=False)


@contextmanager
def names_left_sealed() -> Iterator[None]:
    """Reads within it open no box: a person named reads as their reference (one per
    person of an account, so distinct people stay distinct) and text about people as
    SEALED. For reads that count people but never show them (the win analysis), where
    opening every name is most of the cost of decoding."""
    token = _LEFT_SEALED.set(True)
    try:
        yield
    finally:
        _LEFT_SEALED.reset(token)


@contextmanager
def texts_opened_when_shown() -> Iterator[None]:
    """Reads within it open no text about people: each reads as an `Unopened`, which
    `opened` opens where it is shown. For the views: of the texts sealed, they show only
    the purpose and commitment objective of an interaction still open and the reason of a
    pause under way, so a rebuild opens a few hundred texts where it read tens of
    thousands (every note, outcome, and the purpose of every interaction since done).
    Names of people are opened as usual."""
    token = _WHEN_SHOWN.set(True)
    try:
        yield
    finally:
        _WHEN_SHOWN.reset(token)


class Unopened(str):
    """Text about people, read but not opened (`texts_opened_when_shown`): the string as
    stored ("REFERENCE... BOX"), of a class that knows its reader (each reader makes its
    own: `SealedAsToken.unopened`). `opened` opens it with the keys as they are then; the
    reader keeps what it opened as it keeps names (until an erasure is noticed), so a text
    shown on every write of its deal is decrypted once. No attributes of its own: as cheap
    to make as a string, and never tracked by the garbage collector."""

    __slots__ = ()
    reader: ClassVar[SealedAsToken]

    def __reduce__(self) -> Any:
        msg = "text about people read unopened stays in the process that read it"
        raise TypeError(msg)


def opened(text: str | None) -> str | None:
    """What a text shows: an `Unopened` opened, anything else as it is."""
    if isinstance(text, Unopened):
        return text.reader.shown(text)
    return text


class KeyRing(Protocol):
    """What sealing and reading people's names needs (storage.people.People, or the demo's
    own)."""

    def person(self, account: str, name: str) -> Person: ...

    def key(self, reference: str) -> bytes | None: ...

    def mentioned(self, account: str, names: Sequence[str]) -> list[str]:
        """The references of the account's people (not erased) called by any of `names`
        (name keys), never making anyone."""
        ...


_WORD = re.compile(r"[^\s.,;:!?()\[\]{}\"“”<>/]+")
_QUOTES = "'\u2018\u2019`-"  # quotes and dashes around a word
MAX_NAME_WORDS = 4  # the longest name looked for in free text, in words
MAX_TEXT_WORDS = 500  # the words of one text looked at
_MAX_TOKENS = 65536  # the tokens a protector keeps


def name_candidates(texts: Sequence[str]) -> list[str]:
    """What a person's name in free text could be, as name keys: each word of the texts
    (and of a possessive, the name it is of), and each run of two to MAX_NAME_WORDS words
    of one letter.

    The words alone find everyone a run of words would: a run can only equal a person's
    whole name, and every word of two letters or more of a name of several words finds
    that person by itself (`storage.people.name_parts`); only a name all of whose words
    are single letters needs the run."""
    found: set[str] = set()
    for text in texts:
        words = [w.strip(_QUOTES) for w in _WORD.findall(text)[:MAX_TEXT_WORDS]]
        keys = [name_key(w) for w in words if w]
        for index, word in enumerate(keys):
            found.add(word)
            if word.endswith(("'s", "\u2019s")):  # a possessive
                found.add(word[:-2])
            if len(word) == 1:
                _initials(keys, index, found)
    return sorted(found)


def _initials(keys: list[str], start: int, found: set[str]) -> None:
    """The runs of single letters from `start` on (a name like "J K")."""
    for end in range(start + 2, min(start + MAX_NAME_WORDS, len(keys)) + 1):
        last = keys[end - 1]
        if len(last) == 1:
            found.add(" ".join(keys[start:end]))
            continue
        if len(last) == 3 and last.endswith(("'s", "\u2019s")):  # "J K's"
            found.add(" ".join([*keys[start : end - 1], last[0]]))
        return


@dataclass(frozen=True, slots=True)
class PersonToken:
    """A person's name as stored: their reference and the name sealed under their key."""

    reference: str
    box: str


@dataclass(frozen=True, slots=True)
class SealedText:
    """Text about people as stored: sealed under the keys of all of them."""

    references: tuple[str, ...]
    box: str


_UNSEEN: Any = object()


def _kept(kept: Opened, people: KeyRing | None, stored: str, opening: Callable[[], str]) -> str:
    """What `stored` reads as: as `kept` holds it, else opened by `opening` and kept there.
    Without a key ring it reads as the reference or ERASED for now, and is not kept."""
    since = _since(people)
    found: str | None = kept.get(stored)
    if found is None:
        found = opening()
        if people is not None:
            kept.keep(stored, found, since)
    return found


def _since(people: KeyRing | None) -> int:
    """Before opening anything: notice an erasure made elsewhere (`People.generation`,
    which forgets what was opened), then the sealing's count of forgettings to keep what
    is opened by (`Opened.keep`)."""
    generation = getattr(people, "generation", None)
    if generation is not None:
        generation()
    return epoch()


class PersonAsToken(Transcoding):
    """A person as stored: one string, "REFERENCE BOX" (neither holds a space). One string
    rather than an object of two: a token is parsed with every read of the log, and a
    string is the cheapest thing JSON has to parse."""

    type = PersonToken
    name = "person_v2"
    flat = True  # its data holds no tagged value (storage.transcoding)

    def __init__(self, people: Callable[[], KeyRing | None]) -> None:
        self.people = people
        self._read = Opened()  # token as stored -> what it reads as

    def encode(self, obj: PersonToken) -> str:
        return f"{obj.reference} {obj.box}"

    def decode(self, data: str) -> str:
        if _LEFT_SEALED.get():
            return data.partition(" ")[0]
        people = self.people()

        def opening() -> str:
            reference, _, box = data.partition(" ")
            return self._open(people, reference, box, open_box)  # kept here, not twice

        return _kept(self._read, people, data, opening)

    def read(self, reference: str, box: str) -> str:
        if _LEFT_SEALED.get():
            return reference
        return self._open(self.people(), reference, box, open_name)

    @staticmethod
    def _open(
        people: KeyRing | None,
        reference: str,
        box: str,
        opening: Callable[[bytes, str, str], str | None],
    ) -> str:
        """The name in `box`, or the reference once the person is erased."""
        key = people.key(reference) if people is not None else None
        name = opening(key, box, reference) if key is not None else None
        return name if name is not None else reference


class PersonAsTokenV1(PersonAsToken):
    """Tokens as the first protected stores wrote them, `{"ref": R, "box": B}`: read,
    never written (`register_tokens` registers the current form after it)."""

    name = "person_v1"

    def decode(self, data: dict[str, str]) -> str:  # type: ignore[override]
        return self.read(data["ref"], data["box"])


class SealedAsToken(Transcoding):
    """Text about people as stored: one string, "REFERENCE... BOX", the references of
    everyone whose keys sealed it, then the box."""

    type = SealedText
    name = "sealed_v2"
    flat = True

    def __init__(self, people: Callable[[], KeyRing | None]) -> None:
        self.people = people
        self._openers = Opened()  # the references as stored -> their Opener, or None
        self._shown = Opened()  # text read unopened, as stored -> what it shows
        self.unopened: type[Unopened] = type(
            "Unopened", (Unopened,), {"__slots__": (), "reader": self}
        )  # text this reader reads unopened

    def encode(self, obj: SealedText) -> str:
        return " ".join((*obj.references, obj.box))

    def decode(self, data: str) -> str:
        if _LEFT_SEALED.get():
            return SEALED
        if _WHEN_SHOWN.get():
            return self.unopened(data)
        references, _, box = data.rpartition(" ")
        return self.read(references, box)

    def shown(self, stored: str) -> str:
        """What text read unopened shows (`opened`): opened, and kept until an erasure."""

        def opening() -> str:
            references, _, box = stored.rpartition(" ")
            return self.read(references, box)

        return _kept(self._shown, self.people(), stored, opening)

    def read(self, references: str, box: str) -> str:
        """The text of `box`, sealed under the people of `references` (separated by
        spaces), or ERASED once any of them is."""
        people = self.people()
        if people is None:
            return ERASED
        if not references:  # sealed under nobody's key: not ours, yet its box is checked
            text = open_box(joint_key([]), box, "")
            return text if text is not None else ERASED
        since = _since(people)
        found: Opener | None = self._openers.get(references, _UNSEEN)
        if found is _UNSEEN:
            found = self._opener(people, references.split(" "))
            self._openers.keep(references, found, since)
        text = found.open(box) if found is not None else None
        return text if text is not None else ERASED

    @staticmethod
    def _opener(people: KeyRing, references: list[str]) -> Opener | None:
        keys = []
        for ref in references:
            key = people.key(ref)
            if key is None:
                return None
            keys.append(key)
        return opener(keys, "|".join(references))


class SealedAsTokenV1(SealedAsToken):
    """Sealed text as the first protected stores wrote it, `{"refs": [R...], "box": B}`:
    read, never written."""

    name = "sealed_v1"

    def decode(self, data: dict[str, Any]) -> str:  # type: ignore[override]
        if _LEFT_SEALED.get():
            return SEALED
        references = " ".join(data["refs"])
        if _WHEN_SHOWN.get():
            return self.unopened(f"{references} {data['box']}")
        return self.read(references, data["box"])


def register_tokens(transcoder: Any, people: Callable[[], KeyRing | None]) -> None:
    """Teach `transcoder` to read tokens of every form and to write the current one."""
    for transcoding in (PersonAsTokenV1, SealedAsTokenV1, PersonAsToken, SealedAsToken):
        transcoder.register(transcoding(people))  # the current form last: the one written


def token_reference(stored: Any) -> str:
    """The reference of a person token as parsed from stored JSON (`_data_`: either form)."""
    return stored.partition(" ")[0] if isinstance(stored, str) else str(stored["ref"])


_REFERENCE = re.compile(rb"person-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class _Fields:
    """An event's fields by what sealing does with them (from their declaration)."""

    persons: tuple[str, ...]  # a person, stored as a token
    free_text: tuple[str, ...]  # text that may name people of the account
    sealed: tuple[str, ...]  # free text and other personal fields: sealed when people are named


@functools.cache
def _fields(event_class: type) -> _Fields:
    fields = declared(event_class)
    return _Fields(
        persons=tuple(f.name for f in fields if f.spec.person),
        free_text=tuple(f.name for f in fields if f.spec.free_text),
        sealed=tuple(
            f.name for f in fields if f.spec.free_text or (f.spec.personal and not f.spec.person)
        ),
    )


class PersonalMapper(Mapper[UUID]):
    """The library's mapper, with each person an event names stored as a token."""

    protector: Protector | None = None
    people: KeyRing | None = None  # whose keys `prepare` fetches ahead

    def prepare(self, stored: Sequence[StoredEvent]) -> None:
        """Before a batch is decoded: fetch the keys of every person it names at once
        (one query, not one per person met for the first time)."""
        fetch = getattr(self.people, "fetch_keys", None)
        if fetch is not None and stored and not _LEFT_SEALED.get():  # no key is used
            fetch({ref.decode() for ref in _REFERENCE.findall(b"".join(s.state for s in stored))})

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        event_state = dict(vars(domain_event))
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        if self.protector is not None:
            self.protector.protect(type(domain_event), originator_id, event_state)
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=self.transcoder.encode(event_state),
        )


class Protector:
    """Seals the people of events as they are stored (see the module's docstring)."""

    def __init__(
        self, people: KeyRing, recorder: Callable[[], Any], nonce: Nonce = random_nonce
    ) -> None:
        self.people = people
        self.nonce = nonce
        self.recorder = recorder  # the deal's stored events tell its account and contacts
        self._accounts: dict[UUID, str] = {}
        self._contacts: dict[tuple[UUID, str], str] = {}  # (deal, interaction) -> reference
        # (reference, name as written) -> its token: sealing a name once is enough, as
        # every token of a person shows their reference anyway (an erased person's
        # reference never comes back from `people.person`, so theirs are never used again)
        self._tokens: dict[tuple[str, str], PersonToken] = {}

    def protect(self, event_class: type, deal: UUID, state: dict[str, Any]) -> None:
        kind = event_class.__name__
        if kind == OPENED:
            self._accounts[deal] = name_key(state["account"])
        account = self._account(deal)
        if account is None:  # not an opportunity's event (a seller's goals)
            return
        references = self._persons(event_class, account, state)
        if kind == INTERACTION_PLANNED and references:
            self._contacts[deal, state["interaction_id"]] = references[0]
        elif kind in INTERACTION_FOLLOW_UPS:
            contact = self._contact(deal, state["interaction_id"])
            references += [contact] if contact is not None else []
        texts = [state[name] for name in _fields(event_class).free_text
                 if isinstance(state.get(name), str)]  # fmt: skip
        if texts:  # people of the account the text names, though the event does not
            references += self.people.mentioned(account, name_candidates(texts))
        if references:
            self._seal_text(event_class, tuple(dict.fromkeys(references)), state)

    def _persons(self, event_class: type, account: str, state: dict[str, Any]) -> list[str]:
        """Replace the people the event names by tokens; their references, in order."""
        references: list[str] = []
        for name in _fields(event_class).persons:
            value = state.get(name)
            if value is None:
                continue
            if isinstance(value, list):
                tokens = [self._token(account, v) for v in value]
                state[name] = tokens
            else:
                tokens = [self._token(account, value)]
                state[name] = tokens[0]
            references.extend(t.reference for t in tokens)
        return references

    def _seal_text(
        self, event_class: type, references: tuple[str, ...], state: dict[str, Any]
    ) -> None:
        """Seal the event's text about its people under all their keys (a person erased
        before this event was recorded is left out: the text is new, recorded after)."""
        keys = {ref: self.people.key(ref) for ref in references}
        references = tuple(ref for ref, key in keys.items() if key is not None)
        if not references:
            return
        key = joint_key([k for k in keys.values() if k is not None])
        bound = "|".join(references)
        for name in _fields(event_class).sealed:
            value = state.get(name)
            if isinstance(value, str):
                state[name] = SealedText(references, seal(key, value, bound, self.nonce))

    def _token(self, account: str, name: str) -> PersonToken:
        person = self.people.person(account, name)
        found = self._tokens.get((person.reference, name))
        if found is None:
            box = seal(person.key, name, person.reference, self.nonce)
            found = PersonToken(person.reference, box)
            if len(self._tokens) >= _MAX_TOKENS:
                self._tokens.clear()
            self._tokens[person.reference, name] = found
        return found

    def knows_account(self, deal: UUID, account: str) -> None:
        """The deal's account, from its state (loaded by the writer anyway)."""
        self._accounts[deal] = name_key(account)

    def _account(self, deal: UUID) -> str | None:
        """The deal's account (from its opening as stored, where it is in clear); None for
        another aggregate's events."""
        if deal not in self._accounts:
            events = self.recorder().select_events(deal, lte=1)
            if not events or not events[0].topic.endswith(f".{OPENED}"):
                return None
            self._accounts[deal] = name_key(str(orjson.loads(events[0].state)["account"]))
        return self._accounts[deal]

    def _contact(self, deal: UUID, interaction: str) -> str | None:
        """The reference of the person a planned interaction is with (read from the
        deal's stored InteractionPlanned when not remembered)."""
        found = self._contacts.get((deal, interaction))
        if found is not None:
            return found
        for stored in self.recorder().select_events(deal):
            if not stored.topic.endswith(f".{INTERACTION_PLANNED}"):
                continue
            state = orjson.loads(stored.state)
            if state.get("interaction_id") != interaction:
                continue
            contact = state.get("contact")
            if isinstance(contact, dict):
                found = token_reference(contact["_data_"])
            elif isinstance(contact, str):  # stored in clear, before names were protected
                account = self._account(deal)
                found = self.people.person(account, contact).reference if account else None
            break
        if found is not None:
            self._contacts[deal, interaction] = found
        return found


class Known:
    """The keys of people known from elsewhere (the lines of a backup): enough to read."""

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self._keys = {str(r[0]): bytes.fromhex(str(r[3])) for r in rows if r[3] is not None}

    def person(self, account: str, name: str) -> Person:  # noqa: ARG002 (only read)
        msg = "people known from a backup are only read"
        raise RuntimeError(msg)

    def mentioned(self, account: str, names: Sequence[str]) -> list[str]:  # noqa: ARG002
        msg = "people known from a backup are only read"
        raise RuntimeError(msg)

    def key(self, reference: str) -> bytes | None:
        return self._keys.get(reference)


def reading_mapper(transcoder: Any, people: KeyRing) -> Mapper[UUID]:
    """A mapper that reads tokens with `people`'s keys (to check a backup's events)."""
    register_tokens(transcoder, lambda: people)
    return PersonalMapper(transcoder)


def install_people(app: Any, people: People, *, writes: bool) -> None:
    """Let the application read people's names (and, when it `writes`, store them as
    tokens)."""
    register_tokens(app.mapper.transcoder, lambda: people)
    if isinstance(app.mapper, PersonalMapper):
        app.mapper.people = people
        if writes:
            app.mapper.protector = Protector(people, lambda: app.recorder)
    app.people = people
