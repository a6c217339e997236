"""SMALLWINS_TEAM_TIMEZONE: an IANA name, UTC by default; an unknown one is refused at start
with a message naming the setting, before anything is served or projected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings


def test_the_team_time_zone_is_utc_unless_set() -> None:
    assert Settings().team_zone().key == "UTC"
    assert Settings(team_timezone="America/Sao_Paulo").team_zone().key == "America/Sao_Paulo"


@pytest.mark.parametrize("name", ["Mars/Base", "utc", "Europe", "", "../etc/passwd", "CET "])
def test_an_unknown_time_zone_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ValidationError, match="is not an IANA time zone name"):
        Settings(team_timezone=name)


def test_the_command_line_refuses_to_start_with_an_unknown_zone(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SMALLWINS_TEAM_TIMEZONE": "Mars/Base",
        "SMALLWINS_DATABASE_URL": f"sqlite:///{tmp_path / 'smallwins.db'}",
    }
    program = Path(sys.executable).parent / "smallwins"

    done = subprocess.run(
        [str(program), "project"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "SMALLWINS_TEAM_TIMEZONE: 'Mars/Base' is not an IANA time zone name" in message
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "smallwins.db").exists()  # nothing was started
