"""Name normalisation: departments, accounts and stakeholders compare case-insensitively
after trimming and collapsing inner spaces, and show the first spelling seen."""

from __future__ import annotations

import re
from functools import lru_cache

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=8192)  # the same few hundred names come back on every event
def tidy(value: str) -> str:
    """The spelling we show: trimmed, inner runs of white space collapsed to one space."""
    return _SPACES.sub(" ", value).strip()


@lru_cache(maxsize=8192)
def name_key(value: str) -> str:
    """The key two spellings of one name share."""
    return tidy(value).casefold()
