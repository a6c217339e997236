"""The web pages for sales teams: public static HTML, CSS and JavaScript shipped in the package
(api/web: each page's own content in pages/, in the one layout.html they share; CSS,
JavaScript and images in static/). The pages hold no data: they sign in with an API key kept in the browser's
localStorage until signing out (never in a URL) and read and write through the authenticated
/v1 API, like any other client; their forms are generated from the public /openapi.json."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from string import Template

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import NOT_FOUND, Problem

router = APIRouter(include_in_schema=False, tags=["web"])
READ = ["GET", "HEAD"]



@dataclass(frozen=True, slots=True)
class Page:
    """A page: its own content (api/web/pages/FILE, what goes inside <main>) in the one
    layout every page shares (api/web/layout.html)."""

    file: str
    title: str
    script: str  # its module in static/js
    signed_in: bool = True  # the header's navigation and signing out
    narrow: bool = False


PAGES = {
    "board": Page("board.html", "Pipeline", "board.js"),
    "deal": Page("deal.html", "Deal", "deal.js"),
    "analysis": Page("analysis.html", "Win analysis", "analysis.js"),
    "week": Page("week.html", "My week", "week.js"),
    "accounts": Page("accounts.html", "Accounts", "accounts.js"),
    "account": Page("account.html", "Account", "account.js"),
    "changes": Page("changes.html", "What changed", "changes.js"),
    "sign_in": Page("sign-in.html", "Sign in", "sign-in.js", signed_in=False, narrow=True),
}
SIGNED_IN_HEADER = (
    '    <nav aria-label="Main"><ul></ul></nav>\n'
    '    <p id="signed-in" class="signed-in"></p>\n'
    '    <button id="sign-out" class="link-button" type="button">Sign out</button>\n'
)
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
# Pages and scripts come only from this origin; data only from this origin's API.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self';"
    " img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _web() -> Path:
    return Path(str(files("api") / "web"))


@cache
def static_files() -> dict[str, Path]:
    """Every shipped asset by its URL path below /static/: the only files ever served."""
    root = _web() / "static"
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


def page_files() -> list[Path]:
    """The layout and every page's own content (served only as whole pages)."""
    return [_web() / "layout.html", *(_web() / "pages" / p.file for p in PAGES.values())]


@cache
def page_html(name: str) -> bytes:
    """The page `name` (a key of PAGES), its content in the shared layout."""
    page = PAGES[name]
    layout = Template((_web() / "layout.html").read_text())
    return layout.substitute(
        title=page.title,
        script=page.script,
        account=SIGNED_IN_HEADER if page.signed_in else "",
        main_class=' class="narrow"' if page.narrow else "",
        main=(_web() / "pages" / page.file).read_text(),
    ).encode()


def _file(name: str) -> FileResponse:
    path = static_files().get(name)
    if path is None:
        raise Problem(NOT_FOUND, "no such resource")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


def _page_response(name: str) -> Response:
    return Response(page_html(name), media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)


@router.api_route("/", methods=READ)
def home() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.api_route("/app", methods=READ)
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.api_route("/app/", methods=READ)
def board_page() -> Response:
    """The pipeline board: open deals by ladder stage, and the paused lane."""
    return _page_response("board")


@router.api_route("/app/sign-in", methods=READ)
def sign_in_page() -> Response:
    return _page_response("sign_in")


@router.api_route("/app/deals/{opportunity_id}", methods=READ)
def deal_page(opportunity_id: str) -> Response:
    """One deal: where it stands, its timeline, relationships, momentum, and the forms."""
    del opportunity_id  # the page reads it from its own address
    return _page_response("deal")


@router.api_route("/app/accounts/{account}", methods=READ)
def account_page(account: str) -> Response:
    """One account: its figures, deals, departments and the deals it referred."""
    del account  # the page reads it from its own address
    return _page_response("account")


def _page(name: str, summary: str) -> None:
    """Serve the page `name` (a key of PAGES) at /app/NAME."""

    def page() -> Response:
        return _page_response(name)

    page.__doc__ = summary
    router.add_api_route(f"/app/{name}", page, methods=READ, name=f"{name}_page")


_page("analysis", "The win analysis: which small wins, paths and habits led to closes.")
_page("week", "A seller's week: the agenda, the scorecard, the goals and the streak.")
_page("accounts", "The customer base as equity: every account's wins, repeats and referrals.")
_page("changes", "What changed in the pipeline during a week (the pipeline review).")


@router.api_route("/static/{name:path}", methods=READ)
def static_asset(name: str) -> FileResponse:
    return _file(name)
