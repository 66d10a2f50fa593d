"""The FastAPI web app: JSON API under /api/v1, server-rendered pages, static files.

``create_app()`` is the factory (``uvicorn gutskin.web:create_app --factory``). The app is
stateless apart from the database, so more processes behind a load balancer scale it.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from gutskin import __version__
from gutskin.clinic.errors import ClinicError
from gutskin.settings import Settings, get_settings
from gutskin.store.db import get_engine, unavailable_reason
from gutskin.web.bodylimit import BodyLimitMiddleware
from gutskin.web.errors import status_for, unreadable_body
from gutskin.web.headers import SecurityHeadersMiddleware
from gutskin.web.idguard import IdRangeMiddleware
from gutskin.web.pages.common import LoginRequired, PasswordChangeRequired, render

STATIC = Path(__file__).with_name("static")
log = logging.getLogger("gutskin.web")
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_DETAIL = "the database is unavailable; nothing was saved; try again in a minute"
UNAVAILABLE_MESSAGE = ("gutskin cannot reach its database right now, so nothing was saved. "
                       "Please try again in a few minutes; if it keeps happening, tell your clinic.")


def where(request: Request) -> str:
    """The request's route for the server log: its template (``/api/v1/me/diary/{day}``) when one
    matched, so no value from the address (a date, an id) and no text a visitor typed reaches the
    log; else the path with anything but printable ASCII escaped (no forged log lines)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and template.startswith("/"):
        if ":path}" in template:  # a parameter that may hold '/': the template alone
            return template
        # an included router's route knows only its own part ('/me/diary/{day}'): the address's
        # first segments are the prefixes it was included under ('/api/v1')
        segments = request.url.path.split("/")
        return "/".join(segments[: max(1, len(segments) - template.count("/"))]) + template
    path = request.url.path
    return (path if path.isprintable() else repr(path)).encode("ascii", "backslashreplace").decode("ascii")[:200]


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 422: "Check your input", 429: "Slow down"}
    if status == 404 and message == "Not Found":  # Starlette's words for an unknown address
        message = "There is no page at this address."
    ctx = {"status": status, "title": titles.get(status, "Something went wrong"), "message": message}
    try:  # a signed-in person keeps their own menu (the page shows nothing else of the account)
        from gutskin.web.deps import page_user, unit_of_work

        with unit_of_work(request) as session:
            user = page_user(request, session)
            return render(request, "error.html", ctx, status=status, user=user)
    except Exception:  # the database is what failed: the anonymous page still answers
        return render(request, "error.html", ctx, status=status)


def validation_message(error: dict) -> str:
    """``"field: what was wrong"`` for the first of FastAPI's validation errors.

    Errors about the body as a whole name ``body``: a body that is not JSON says where the JSON
    breaks (FastAPI's own text was ``"0: JSON decode error"``), a missing body or one that is not an
    object says a JSON object is expected (it was ``"request: Field required"``).
    """
    loc = [str(p) for p in error.get("loc", ())]
    kind = error.get("type", "")
    if kind == "json_invalid":
        at = f" at character {loc[1]}" if len(loc) > 1 and loc[1].isdigit() else ""
        why = (error.get("ctx") or {}).get("error")
        return f"body: not valid JSON{at}" + (f" ({why})" if why else "")
    if loc == ["body"]:
        if kind == "missing":
            return "body: missing; expected a JSON object (Content-Type: application/json)"
        got = error.get("input")
        if isinstance(got, (bytes, str)):  # sent as text or a form: FastAPI did not parse it as JSON
            return "body: expected a JSON object sent as Content-Type: application/json"
        names = {list: "an array", bool: "true or false", int: "a number", float: "a number", type(None): "null"}
        return f"body: expected a JSON object, got {names.get(type(got), 'another JSON value')}"
    where = ".".join(p for p in loc if p != "body") or "request"
    return f"{where}: {error.get('msg', 'invalid input')}"


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 400 and (why := unreadable_body(exc.__cause__)) is not None:
        exc = StarletteHTTPException(422, why)  # FastAPI's bare "There was an error parsing the body"
    if exc.status_code == 405 and request.method in ("GET", "HEAD"):  # a form's address opened (reload, restored tab)
        from gutskin.web.formhome import form_home

        home = form_home(request.app.router.routes, request.scope)
        if home is not None:
            return RedirectResponse(home, status_code=303)
    if request.url.path.startswith(("/api/", "/healthz", "/static/")):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
    return await run_in_threadpool(error_page, request, exc.status_code, str(exc.detail))


@asynccontextmanager
async def _freeze_startup_objects(app: FastAPI) -> AsyncIterator[None]:
    """Move everything allocated at start-up out of the cyclic garbage collector's reach.

    A full (generation 2) collection walks every tracked object; with FastAPI, SQLAlchemy and
    the templates loaded that is ~150,000 objects and a 60-90 ms pause of the whole process
    every few hundred requests: the p99 of a diary write. After ``gc.freeze()`` a full
    collection walks only what requests allocate (< 1 ms). Objects frozen here are the
    process's own code and configuration, which live as long as the process anyway
    (Python docs, ``gc.freeze``; the same pattern as Instagram's pre-fork servers).
    """
    gc.collect()
    gc.freeze()
    yield


@asynccontextmanager
async def _serving_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """:func:`_freeze_startup_objects`, then (``GUTSKIN_WARM_UP``, on under ``gutskin serve``) the
    libraries of the visit report and the microbiome upload loaded in a background thread
    (:mod:`gutskin.web.warmup`): the server answers meanwhile, and the first report or upload no
    longer waits 1-4 s for them. ``app.state.warm_up``: an event set when the warm-up has ended."""
    async with _freeze_startup_objects(app):
        if app.state.settings.warm_up:
            from gutskin.web import warmup

            app.state.warm_up = warmup.start()
        yield


# /healthz: liveness and database check (no docstring: it would become the OpenAPI description).
# A module-level function reading the app from the request, not a closure inside create_app():
# FastAPI keeps every endpoint callable in module-level caches (fastapi.dependencies.models, 4096
# entries each), so a closure over ``app`` kept every app built in the process alive for good, with
# its engine, routes and templates (~5 MB each); the test suite builds one per test and ended at
# ~4.8 GB, minutes from its summary line to its exit (docs/testing.md, 2026-12-07).
def healthz(request: Request) -> dict[str, str]:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


def create_serving_app() -> FastAPI:
    """The app as ``gutskin serve`` runs it (one per worker process): start-up objects frozen, and
    the heavy libraries warmed when the setting says so (:func:`_serving_lifespan`)."""
    return create_app(lifespan=_serving_lifespan)


def create_app(settings: Settings | None = None, lifespan=None) -> FastAPI:  # type: ignore[no-untyped-def]
    settings = settings or get_settings()
    settings.check_secrets()
    from gutskin.web.security import local_secret, secret_is_unset

    if secret_is_unset(settings.secret_key):  # outside production (check_secrets refused it there)
        settings = settings.model_copy(update={"secret_key": local_secret()})
    app = FastAPI(
        lifespan=lifespan,
        title="gutskin",
        version=__version__,
        description="Eczema diaries, scores and sharing with clinicians. JSON API under /api/v1.",
        docs_url=None,  # Swagger UI would load scripts from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = get_engine(settings.database_url)
    from gutskin.web import textguard

    textguard.install(app.state.engine)  # a NUL in a text value is a 422, not PostgreSQL's 500

    # no request body beyond an upload (and its multipart framing): 413 before it is read,
    # so an anonymous 150 MB JSON body no longer sits in memory (third security review);
    # answered as JSON under /api/ like every other error (added first: innermost, so the
    # security headers still wrap its answer)
    app.add_middleware(BodyLimitMiddleware, max_body_size=settings.upload_max_bytes + 1024 * 1024, answer=_http_error)
    app.add_middleware(IdRangeMiddleware)
    # the security headers wrap the whole stack, Starlette's ServerErrorMiddleware included: added as
    # a middleware they sat inside it, so the answer to an unexpected error (500: the site's error
    # page, with the signed-in person's menu) had no CSP, frame-ancestors, nosniff or no-store
    # (security walk, 2026-12-06)
    inner_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeadersMiddleware(inner_stack())  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from gutskin.web.api import router as api_router
    from gutskin.web.pages import router as pages_router

    app.include_router(api_router, prefix="/api/v1")
    app.include_router(pages_router)

    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["meta"], summary="Liveness and database check")

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        # the database cannot be used now (down, restarting, disk full, read-only, locked past
        # the busy timeout): a 503 with Retry-After that a load balancer and a client understand,
        # and one line for the operator. Before (IT-operator review) each was a 500 "internal
        # error" with a 60-line traceback, a sign-in with the disk full too.
        reason = unavailable_reason(exc)
        if reason is None:
            raise exc  # a bug: the 500 below, and its traceback in the server log
        log.error("database unavailable (%s %s): %s", request.method, where(request), reason)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.startswith(("/api/", "/healthz", "/static/")):
            return JSONResponse({"detail": UNAVAILABLE_DETAIL}, status_code=503, headers=headers)
        # the anonymous page: error_page would ask the database who is signed in, and wait again
        ctx = {"status": 503, "title": "Temporarily unavailable", "message": UNAVAILABLE_MESSAGE}
        page = await run_in_threadpool(render, request, "error.html", ctx, status=503)
        page.headers.update(headers)
        return page

    @app.exception_handler(ClinicError)
    async def clinic_error(request: Request, exc: ClinicError) -> Response:
        # a limit that knows when a try can pass says so (RateLimited.retry_after; the hash-slot
        # "busy" 429 too, web.hashgate): Retry-After, as the sign-in's own 429s (2026-12-07)
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=status_for(exc), headers=headers)
        resp = await run_in_threadpool(error_page, request, status_for(exc), str(exc))
        if headers:
            resp.headers.update(headers)
        return resp

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        message = validation_message(exc.errors()[0] if exc.errors() else {})
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=422)
        return await run_in_threadpool(error_page, request, 422, message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        # a form sent after the session ended (a diary day typed while it expired): the login page says
        # that nothing was saved, where it used to look like any other sign-in (phone walk, 2026-12-06)
        return RedirectResponse("/login?unsaved=1" if request.method == "POST" else "/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        # the operator set this account's password: the account page asks for the person's own first
        return RedirectResponse("/account", status_code=303)

    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # a bug: the person gets the site's own page (or the API's error shape), never a traceback;
        # the exception still reaches the server log (Starlette re-raises it after this answer)
        message = "Something went wrong on our side. Please try again; if it keeps happening, tell your clinic."
        log.error("internal error on %s %s (the traceback follows)", request.method, where(request))
        if request.url.path.startswith(("/api/", "/healthz")):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        try:
            return await run_in_threadpool(error_page, request, 500, message)
        except Exception:  # the page itself failed to render
            return Response(message, status_code=500, media_type="text/plain")

    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """Every error answer is ``{"detail": "field: what was wrong"}``; say so in the OpenAPI schema."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["HTTPValidationError"] = {
            "title": "Error", "type": "object", "required": ["detail"],
            "properties": {"detail": {"type": "string", "title": "Detail"}},
        }
        components.pop("ValidationError", None)
        error = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}
        for item in schema.get("paths", {}).values():
            for op in item.values():
                if isinstance(op, dict) and "responses" in op:
                    for code in ("401", "403", "404", "409", "422", "429"):
                        op["responses"].setdefault(code, error)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
