"""docs/security.md names the test that proves each guarantee: every test it names exists,
so renaming or deleting one fails here until the page is brought up to date."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_test_docs_security_md_names_exists() -> None:
    references = REFERENCE.findall((ROOT / "docs" / "security.md").read_text())
    assert len(references) >= 30
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).is_file()
        or not re.search(rf"^(def {name}\(|{name} = )", (ROOT / path).read_text(), re.M)
    ]
    assert missing == []
