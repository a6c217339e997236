"""Win-analysis fixtures: an in-memory application with a clock the test moves, and a
history builder on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Opportunities
from tests.analysis.builders import Clock, History, in_memory


@pytest.fixture
def analysis_clock() -> Clock:
    return Clock()


@pytest.fixture
def app(analysis_clock: Clock) -> Iterator[Opportunities]:
    application = in_memory(analysis_clock)
    yield application
    application.close()


@pytest.fixture
def history(app: Opportunities, analysis_clock: Clock) -> History:
    return History(app, analysis_clock)
