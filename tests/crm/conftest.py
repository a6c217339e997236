"""Fixtures of the CRM import tests: the API's (`api`, `clock`) and a second empty store."""

from __future__ import annotations

from tests.api.conftest import api, clock, make_api
from tests.ops.conftest import second_url

__all__ = ["api", "clock", "make_api", "second_url"]
