"""The nonces boxes are sealed with: drawn from the system a pool at a time, never the same
twice, and never shared by a forked child with its parent."""

from __future__ import annotations

import os

import pytest

from storage import sealing
from storage.sealing import NONCE_BYTES, NONCE_POOL, open_box, random_nonce, seal

KEY = bytes(range(32))


def test_seals_draw_the_system_randomness_once_per_pool_of_nonces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[int] = []
    system = os.urandom

    def urandom(count: int) -> bytes:
        drawn.append(count)
        return system(count)

    monkeypatch.setattr(sealing, "_randomness", sealing._Randomness(NONCE_BYTES * NONCE_POOL))
    monkeypatch.setattr(os, "urandom", urandom)
    boxes = [seal(KEY, f"text {n}", "bound") for n in range(NONCE_POOL * 3)]
    # Each call to os.urandom lets go of the interpreter's lock: one per seal made the
    # writer's thread wait for the projection thread to hand it back.
    assert drawn == [NONCE_BYTES * NONCE_POOL] * 3
    assert [open_box(KEY, box, "bound") for box in boxes] == [
        f"text {n}" for n in range(NONCE_POOL * 3)
    ]


def test_no_nonce_is_handed_out_twice() -> None:
    nonces = [random_nonce(KEY, "", "") for _ in range(NONCE_POOL * 40 + 7)]
    assert len(set(nonces)) == len(nonces)
    assert {len(n) for n in nonces} == {NONCE_BYTES}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the system cannot fork")
def test_a_forked_child_does_not_hand_out_its_parents_next_nonces() -> None:
    random_nonce(KEY, "", "")  # the pool is filled, most of it not handed out yet
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        try:
            os.write(write, b"".join(random_nonce(KEY, "", "") for _ in range(8)))
        finally:
            os._exit(0)
    os.close(write)
    try:
        received = b""
        while len(received) < NONCE_BYTES * 8:
            more = os.read(read, NONCE_BYTES * 8)
            if not more:
                break
            received += more
    finally:
        os.close(read)
        os.waitpid(child, 0)
    childs = {received[i : i + NONCE_BYTES] for i in range(0, len(received), NONCE_BYTES)}
    parents = {random_nonce(KEY, "", "") for _ in range(8)}
    assert len(childs) == 8
    assert not childs & parents, "a nonce used twice under one key opens both texts"
