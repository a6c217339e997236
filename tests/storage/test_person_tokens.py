"""Person tokens as stored: one string each, and the first form still read."""

from __future__ import annotations

from uuid import uuid4

import orjson

from storage.migrate_personal import _protected
from storage.personal import (
    ERASED,
    SEALED,
    Known,
    PersonToken,
    SealedText,
    names_left_sealed,
    register_tokens,
    token_reference,
)
from storage.sealing import Opened, epoch, forget, joint_key, seal
from storage.transcoding import OrjsonTranscoder

ANA = "person-0123456789ab"
BEN = "person-ba9876543210"
ANA_KEY, BEN_KEY = bytes(range(32)), bytes(range(32, 64))


def transcoder(*known: tuple[str, bytes]) -> OrjsonTranscoder:
    people = Known([(ref, "acme", "", key.hex()) for ref, key in known])
    coder = OrjsonTranscoder()
    register_tokens(coder, lambda: people)
    return coder


def ana_token() -> PersonToken:
    return PersonToken(ANA, seal(ANA_KEY, "Ana Silva", ANA))


def text_about_both() -> SealedText:
    key = joint_key([ANA_KEY, BEN_KEY])
    return SealedText((ANA, BEN), seal(key, "Ana met Ben", f"{ANA}|{BEN}"))


def first_form(token: PersonToken, text: SealedText) -> bytes:
    """An event's state as the first protected stores wrote it."""
    return orjson.dumps(
        {
            "contact": {
                "_type_": "person_v1",
                "_data_": {"ref": token.reference, "box": token.box},
            },
            "note": {
                "_type_": "sealed_v1",
                "_data_": {"refs": list(text.references), "box": text.box},
            },
        }
    )


def test_a_token_is_stored_as_one_string_of_reference_and_box() -> None:
    token, text = ana_token(), text_about_both()
    stored = orjson.loads(transcoder().encode({"contact": token, "note": text}))

    assert stored["contact"] == {"_type_": "person_v2", "_data_": f"{ANA} {token.box}"}
    assert stored["note"] == {"_type_": "sealed_v2", "_data_": f"{ANA} {BEN} {text.box}"}


def test_tokens_of_both_forms_read_back_as_the_name_and_the_text() -> None:
    token, text = ana_token(), text_about_both()
    coder = transcoder((ANA, ANA_KEY), (BEN, BEN_KEY))
    current = coder.encode({"contact": token, "note": text})

    for stored in (current, first_form(token, text)):
        assert coder.decode(stored) == {"contact": "Ana Silva", "note": "Ana met Ben"}


def test_tokens_of_both_forms_read_as_erased_once_a_key_is_gone() -> None:
    token, text = ana_token(), text_about_both()
    coder = transcoder((ANA, ANA_KEY))  # Ben erased: his key is gone
    forgotten = transcoder()  # both erased

    for stored in (coder.encode({"contact": token, "note": text}), first_form(token, text)):
        assert coder.decode(stored) == {"contact": "Ana Silva", "note": ERASED}
        assert forgotten.decode(stored) == {"contact": ANA, "note": ERASED}


class Ring:
    """A key ring whose people can be erased, telling the sealing to forget as
    `storage.people.People` does when it notices an erasure."""

    def __init__(self, *known: tuple[str, bytes]) -> None:
        self.keys = dict(known)

    def key(self, reference: str) -> bytes | None:
        return self.keys.get(reference)

    def erase(self, reference: str) -> None:
        del self.keys[reference]
        forget()


def test_a_name_and_a_text_read_before_an_erasure_read_erased_after_it() -> None:
    token, text = ana_token(), text_about_both()
    ring = Ring((ANA, ANA_KEY), (BEN, BEN_KEY))
    coder = OrjsonTranscoder()
    register_tokens(coder, lambda: ring)  # type: ignore[arg-type, return-value]
    stored = coder.encode({"contact": token, "note": text})
    assert coder.decode(stored) == {"contact": "Ana Silva", "note": "Ana met Ben"}

    ring.erase(ANA)

    assert coder.decode(stored) == {"contact": ANA, "note": ERASED}


def test_what_was_opened_before_a_forgetting_is_not_kept_after_it() -> None:
    opened = Opened()
    since = epoch()
    opened.keep("kept", "Ana Silva", since)
    forget()  # an erasure, between opening the next one and keeping it

    opened.keep("opened before", "Ben Okafor", since)

    assert opened.get("kept") is None
    assert opened.get("opened before") is None
    opened.keep("opened after", "Ben Okafor", epoch())
    assert opened.get("opened after") == "Ben Okafor"


def test_tokens_of_both_forms_left_sealed_read_as_reference_and_sealed() -> None:
    token, text = ana_token(), text_about_both()
    coder = transcoder((ANA, ANA_KEY), (BEN, BEN_KEY))

    with names_left_sealed():
        for stored in (coder.encode({"contact": token, "note": text}), first_form(token, text)):
            assert coder.decode(stored) == {"contact": ANA, "note": SEALED}


def test_the_reference_of_a_stored_token_is_read_from_either_form() -> None:
    token = ana_token()

    assert token_reference(f"{ANA} {token.box}") == ANA
    assert token_reference({"ref": ANA, "box": token.box}) == ANA


def test_the_migration_leaves_events_with_tokens_of_either_form_as_they_are() -> None:
    token, text = ana_token(), text_about_both()
    coder = transcoder((ANA, ANA_KEY), (BEN, BEN_KEY))
    for stored in (coder.encode({"contact": token, "note": text}), first_form(token, text)):
        # no protector is needed: an event already protected is not decoded at all
        assert _protected(None, coder, uuid4(), "domain.opportunity:Opportunity.X", stored) is None  # type: ignore[arg-type]
