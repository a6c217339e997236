"""Web page fixtures: the real server (uvicorn on 127.0.0.1, a free port, SQLite in a temporary
directory, a key per role made with KeyStore: the editor "lee", the viewer "val" and the admin
"ada"), seeded through its API, and the system Chromium driven by Playwright. No browser is
ever downloaded: without Chromium the browser tests skip, except under CI=true, where they
fail (.ci/run installs it). Each test module gets its own server, so a module's writes are
its own."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from tests.web.seed import seed

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str) -> None:
    if _is_ci():
        pytest.fail(f"{reason}; CI=true requires the browser tests to run", pytrace=False)
    pytest.skip(f"{reason} (set CI=true to make this an error)")


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    _unavailable("Chromium is not installed: apt-get install chromium")
    raise AssertionError("unreachable")


KEY_ITEM = "smallwins.apiKey"  # where the pages keep the key (localStorage)
NAMES = {"editor": "lee", "viewer": "val", "admin": "ada"}


@dataclass
class LiveServer:
    url: str
    key: str  # the editor's
    deals: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # role -> key


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`smallwins serve` as a user runs it (projections in process on SQLite), in a thread."""
    directory = tmp_path_factory.mktemp("web")
    settings = Settings(database_url=f"sqlite:///{directory / 'smallwins.db'}")
    app = create_app(settings)
    keys = {role: app.state.services.keys.create(name, role)[1] for role, name in NAMES.items()}
    token = keys["editor"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start", pytrace=False)
        time.sleep(0.05)
    live = LiveServer(f"http://127.0.0.1:{port}", token, keys=keys)
    live.deals = seed(live.url, token)
    yield live
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional dev tool)
    except ImportError:
        _unavailable("the playwright package is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def late_first_answers(
    first: str,
    later: str = "(?!)",
    *,
    count: int = 1_000_000,
    armed: bool = True,
    delay_ms: int = 1500,
) -> str:
    """A script for `context.add_init_script`: answers to requests whose path matches the
    regular expression `first` and not `later` (the page's first load, not the one asked
    after it), the first `count` of them, arrive `delay_ms` late, and each, once the page
    has read it, counts in `window.lateAnswers` (in a task after the reading: whatever the
    page does with the answer is done by then). `window.lateAsked` counts those asked so
    far: a page asks for its first load once it listens to its form. Not `armed`: only the
    requests made after the test calls `window.armLateAnswers()`."""
    pattern = json.dumps([first, later])
    return (
        "(() => {"
        f" const [first, later] = {pattern}.map((p) => new RegExp(p));"
        " const original = window.fetch.bind(window);"
        f" let left = {count};"
        f" let armed = {'true' if armed else 'false'};"
        " window.armLateAnswers = () => { armed = true; };"
        " window.lateAnswers = 0;"
        " window.lateAsked = 0;"
        " window.fetch = async (input, init) => {"
        "  const url = String(input instanceof Request ? input.url : input);"
        "  const late = armed && left > 0 && first.test(url) && !later.test(url);"
        "  if (!late) return original(input, init);"
        "  left -= 1;"
        "  window.lateAsked += 1;"
        "  const answer = await original(input, init);"
        f"  await new Promise((resolve) => setTimeout(resolve, {delay_ms}));"
        "  const read = answer.text.bind(answer);"
        "  answer.text = async () => {"
        "   const text = await read();"
        "   setTimeout(() => { window.lateAnswers += 1; }, 0);"
        "   return text;"
        "  };"
        "  return answer;"
        " };"
        "})();"
    )


@dataclass
class Pages:
    """Opens pages on the live server, collects their script errors, saves screenshots."""

    browser: Any
    server: LiveServer
    errors: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def context(self, *, width: int = 1280, height: int = 900, role: str | None = None) -> Any:
        """A browser profile (its tabs share localStorage), signed in with `role`'s key."""
        state = {"cookies": [], "origins": []}
        if role is not None:  # signed in before: the key in the origin's localStorage
            entry = {"name": KEY_ITEM, "value": self.server.keys[role]}
            state["origins"] = [{"origin": self.server.url, "localStorage": [entry]}]
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            base_url=self.server.url,
            storage_state=state,
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context

    def tab(self, context: Any, path: str) -> Any:
        """A new tab of `context` at `path`, its script errors collected."""
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{path}: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{path}: {message.text}")
                if message.type == "error" and "status of 4" not in message.text
                else None
            ),
        )
        page.goto(path)
        return page

    def open(
        self,
        path: str,
        *,
        width: int = 1280,
        height: int = 900,
        signed_in: bool = True,
        role: str = "editor",
    ) -> Any:
        context = self.context(width=width, height=height, role=role if signed_in else None)
        return self.tab(context, path)

    @staticmethod
    def answer(page: Any, pattern: str, body: Any = None) -> None:
        """From now on `page`'s requests to `pattern` get `body` as JSON, or, when None, a
        404 problem (a server without that endpoint); reload the page to use it."""
        page.unroute(pattern)
        if body is not None:
            page.route(pattern, lambda route: route.fulfill(json=body))
            return
        problem = {"type": "/problems/not-found", "title": "Not found", "status": 404}
        page.route(
            pattern,
            lambda route: route.fulfill(
                status=404, content_type="application/problem+json", json=problem
            ),
        )

    @staticmethod
    def screenshot(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, live_server: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, live_server)
    yield opened
    opened.close()
    assert opened.errors == [], "the pages' scripts failed"
