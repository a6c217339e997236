"""What sealing keeps in memory does not grow with the people a process reads: a cipher
set up for a key holds OpenSSL's state outside Python's heap (about 2.5 KB), so only a few
are kept, and an opener holds its key rather than a cipher."""

from __future__ import annotations

import pytest

from storage import sealing
from storage.sealing import MAX_CIPHERS, open_box, opener, seal


def keys(count: int) -> list[bytes]:
    return [n.to_bytes(4, "big") * 8 for n in range(count)]


def test_opening_the_boxes_of_many_people_keeps_at_most_a_few_hundred_ciphers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sealing, "_ciphers", {})
    people = keys(MAX_CIPHERS * 4)
    boxes = [seal(key, f"name {n}", "ref") for n, key in enumerate(people)]
    opened = [open_box(key, box, "ref") for key, box in zip(people, boxes, strict=True)]
    assert opened == [f"name {n}" for n in range(len(people))]
    assert 0 < len(sealing._ciphers) <= MAX_CIPHERS


def test_an_opener_kept_for_a_set_of_people_holds_their_joint_key_not_a_cipher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sealing, "_ciphers", {})
    people = keys(2)
    found = opener(people, "ref-a ref-b")
    box = seal(sealing.joint_key(people), "met Ada and Grace", "ref-a ref-b")
    sealing._ciphers.clear()  # the ciphers dropped: what the opener holds still opens
    assert found.open(box) == "met Ada and Grace"
    assert all(isinstance(getattr(found, f), bytes) for f in found.__slots__)
