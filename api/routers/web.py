"""The web pages for sales teams: public static HTML, CSS and JavaScript shipped in the package
(api/web/static). The pages hold no data: they sign in with an API key kept in the browser's
localStorage until signing out (never in a URL) and read and write through the authenticated
/v1 API, like any other client; their forms are generated from the public /openapi.json."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from api.problems import NOT_FOUND, Problem

router = APIRouter(include_in_schema=False, tags=["web"])
READ = ["GET", "HEAD"]

PAGES = {
    "board": "board.html",
    "deal": "deal.html",
    "analysis": "analysis.html",
    "week": "week.html",
    "accounts": "accounts.html",
    "account": "account.html",
    "changes": "changes.html",
    "sign_in": "sign-in.html",
}
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


@cache
def static_files() -> dict[str, Path]:
    """Every shipped asset by its URL path below /static/: the only files ever served."""
    root = Path(str(files("api") / "web" / "static"))
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


def _file(name: str) -> FileResponse:
    path = static_files().get(name)
    if path is None:
        raise Problem(NOT_FOUND, "no such resource")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.api_route("/", methods=READ)
def home() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.api_route("/app", methods=READ)
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.api_route("/app/", methods=READ)
def board_page() -> FileResponse:
    """The pipeline board: open deals by ladder stage, and the paused lane."""
    return _file(PAGES["board"])


@router.api_route("/app/sign-in", methods=READ)
def sign_in_page() -> FileResponse:
    return _file(PAGES["sign_in"])


@router.api_route("/app/deals/{opportunity_id}", methods=READ)
def deal_page(opportunity_id: str) -> FileResponse:
    """One deal: where it stands, its timeline, relationships, momentum, and the forms."""
    del opportunity_id  # the page reads it from its own address
    return _file(PAGES["deal"])


@router.api_route("/app/accounts/{account}", methods=READ)
def account_page(account: str) -> FileResponse:
    """One account: its figures, deals, departments and the deals it referred."""
    del account  # the page reads it from its own address
    return _file(PAGES["account"])


def _page(name: str, summary: str) -> None:
    """Serve the page `name` (a key of PAGES) at /app/NAME."""

    def page() -> FileResponse:
        return _file(PAGES[name])

    page.__doc__ = summary
    router.add_api_route(f"/app/{name}", page, methods=READ, name=f"{name}_page")


_page("analysis", "The win analysis: which small wins, paths and habits led to closes.")
_page("week", "A seller's week: the agenda, the scorecard, the goals and the streak.")
_page("accounts", "The customer base as equity: every account's wins, repeats and referrals.")
_page("changes", "What changed in the pipeline during a week (the pipeline review).")


@router.api_route("/static/{name:path}", methods=READ)
def static_asset(name: str) -> FileResponse:
    return _file(name)
