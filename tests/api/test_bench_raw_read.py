"""`python -m bench.worker raw`, the yardstick of the catch-up, decodes the log as the
projections do: every event, names opened, text about people left unopened."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import storage.sealing
from bench.worker import read_and_decode


def test_the_raw_read_opens_names_and_leaves_text_about_people_unopened(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = api.open(title="Rollout")["id"]
    api.record(deal, "MeetingGained", contact="Sam Ortiz", department="IT",
               note="Sam Ortiz is keen")  # fmt: skip
    app = api.app.state.services.opportunities
    api.app.state.services.runner.stop()  # nothing but the read below opens anything
    storage.sealing.forget()  # as a process that just started
    opened: list[str | None] = []
    real = storage.sealing.Opener.open

    def counted(self: Any, box: str) -> str | None:
        text = real(self, box)
        if threading.current_thread() is threading.main_thread():
            opened.append(text)
        return text

    monkeypatch.setattr(storage.sealing.Opener, "open", counted)
    assert read_and_decode(app) == 2
    assert opened == ["Sam Ortiz"]
