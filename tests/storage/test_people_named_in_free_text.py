"""Finding the people free text names: from memory, the same people a look-up of every run
of words would find, and fresh across processes sharing one store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.names import name_key
from storage import people as people_module
from storage.config import parse_database_url
from storage.people import Erasure, People, name_parts
from storage.personal import _QUOTES, _WORD, MAX_NAME_WORDS, name_candidates

KEY = bytes.fromhex("5e" * 32)


def every_run_of_words(texts: Sequence[str]) -> set[str]:
    """The plain definition: every run of one to MAX_NAME_WORDS words (and of a
    possessive, the name it is of)."""
    found: set[str] = set()
    for text in texts:
        words = [w.strip(_QUOTES) for w in _WORD.findall(text)]
        words = [w for w in words if w]
        for start in range(len(words)):
            for end in range(start + 1, min(start + MAX_NAME_WORDS, len(words)) + 1):
                phrase = name_key(" ".join(words[start:end]))
                found.add(phrase)
                if phrase.endswith(("'s", "\u2019s")):
                    found.add(phrase[:-2])
    return found


def named(people: Sequence[str], candidates: set[str]) -> set[str]:
    """The people (by name) a set of candidates finds: by the whole name or a word of it."""
    return {
        person
        for person in people
        if name_key(person) in candidates or set(name_parts(person)) & candidates
    }


WORDS = ["J", "K", "Li", "Kofi", "Young", "Ana", "de", "x", "O'Neil", "Mary-Jane", "Kofi's",
         "K's", "the", "Ng"]  # fmt: skip
word = st.sampled_from(WORDS)
text_piece = st.one_of(word, st.sampled_from([",", ".", " and ", "  ", "(", ")", "\u2019s"]))


@settings(max_examples=300, deadline=None)
@given(
    people=st.lists(st.lists(word, min_size=1, max_size=3).map(" ".join), max_size=6),
    texts=st.lists(st.lists(text_piece, max_size=14).map(" ".join), min_size=1, max_size=2),
)
def test_the_words_find_the_same_people_as_every_run_of_words(
    people: list[str], texts: list[str]
) -> None:
    assert named(people, set(name_candidates(texts))) == named(
        people, every_run_of_words(texts)
    )


def test_names_of_single_letters_are_found_as_a_run() -> None:
    assert named(["J K"], set(name_candidates(["met J K's team"]))) == {"J K"}
    assert named(["J K"], set(name_candidates(["met J and K"]))) == set()


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[People, People]]:
    """Two People on one store, as two API processes have."""
    config = parse_database_url(database_url, pool_size=2, max_overflow=2)
    first, second = People.open(config, KEY), People.open(config, KEY)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def poll_now(people: People) -> None:
    people._checked = float("-inf")  # the next call reads the store's facts again


def test_a_person_made_here_is_found_in_free_text_at_once(
    two_processes: tuple[People, People],
) -> None:
    here, _elsewhere = two_processes
    assert here.mentioned("Acme", name_candidates(["met Kofi today"])) == []
    kofi = here.person("Acme", "Kofi Young")
    assert here.mentioned("Acme", name_candidates(["met Kofi today"])) == [kofi.reference]
    assert here.mentioned("Other", name_candidates(["met Kofi today"])) == []


def test_a_person_made_in_another_process_is_found_after_the_next_poll(
    two_processes: tuple[People, People], monkeypatch: Any
) -> None:
    here, elsewhere = two_processes
    monkeypatch.setattr(people_module, "GENERATION_SECONDS", 3600.0)
    assert here.mentioned("Acme", ["young"]) == []  # the account's people are read now
    kofi = elsewhere.person("Acme", "Kofi Young")
    here.person("Acme", "Ana Li")  # people made here do not hide those made elsewhere
    poll_now(here)
    assert here.mentioned("Acme", ["young"]) == [kofi.reference]


def test_an_erasure_elsewhere_stops_the_person_being_found(
    two_processes: tuple[People, People],
) -> None:
    here, elsewhere = two_processes
    kofi = here.person("Acme", "Kofi Young")
    assert here.mentioned("Acme", ["kofi"]) == [kofi.reference]
    with elsewhere.database.transaction() as cursor:
        elsewhere.erase(cursor, Erasure(kofi.reference, "Acme", "2026-12-04T00:00:00+00:00",
                                        "admin", 1, 1))  # fmt: skip
    poll_now(here)
    assert here.mentioned("Acme", ["kofi"]) == []
    assert here.key(kofi.reference) is None


def test_an_accounts_people_and_an_erasures_words_are_read_through_indexes(
    two_processes: tuple[People, People], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the plan is SQLite's; PostgreSQL plans by its statistics")
    here, _elsewhere = two_processes
    here.person("Acme", "Kofi Young")
    with here.database.read() as cursor:
        for statement, arguments in (
            (people_module.ACCOUNT_PEOPLE, ("acme", "acme")),
            (people_module.ERASED_PARTS, ("person-0123456789ab",)),
        ):
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", arguments)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN" not in plan, plan  # every table searched by an index
