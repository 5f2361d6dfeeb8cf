"""The FastAPI app: ``POST /extract``, ``GET /health``, ``GET /model`` and the page at ``/``.

Every request is checked against the configured limits before it reaches the model, so bad
input gets a 4xx with a plain message and never costs model time. Texts that pass are
submitted to one :class:`~uniner.serve.batcher.MicroBatcher`, whose worker thread is the only
caller of the model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from uniner import __version__
from uniner.engine.options import REQUEST_NUMBERS, REQUEST_OPTIONS
from uniner.prompts import TEMPLATE_VERSION
from uniner.serve.auth import ApiKeyAuth
from uniner.serve.batcher import BatcherClosedError, MicroBatcher, QueueFullError
from uniner.serve.config import ServeConfig
from uniner.serve.limits import BodySizeLimit, undecodable_message, validation_message
from uniner.serve.schemas import (
    BatchKey,
    CheckedRequest,
    ExtractBatchResult,
    ExtractRequest,
    ExtractResult,
    Found,
    RequestLimitError,
    check_request,
    result_of,
)
from uniner.types import Predictor

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


class ApiError(Exception):
    """An answer other than 200, with the plain message the client sees as ``detail``."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


def model_runner(model: Predictor) -> Callable[[BatchKey, list[str]], list[Found]]:
    """The batcher's ``run_batch``: one ``model.predict`` call for texts sharing a key."""

    def run_batch(key: BatchKey, texts: list[str]) -> list[Found]:
        types, dataset, options = key
        chosen: dict[str, Any] = dict(options)
        predictions = model.predict(
            texts, list(types), dataset=dataset, batch_size=len(texts), **chosen
        )
        return [Found.of(p) for p in predictions]

    return run_batch


def create_app(model: Predictor, config: ServeConfig | None = None) -> FastAPI:
    """Build the app around a loaded model.

    Args:
        model: anything with the engine's ``predict`` and ``info`` (see ``Predictor``).
        config: limits, batching and the API key; ``ServeConfig()`` when None. With
            ``config.api_key`` set, every route but ``/health``, the page and the API docs
            answers 401 without ``Authorization: Bearer <api_key>``.

    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> client = TestClient(create_app(NERModel.from_pretrained()))  # doctest: +SKIP
    >>> body = {"text": "Ada Lovelace ...", "types": ["person"]}
    >>> client.post("/extract", json=body).json()  # doctest: +SKIP
    {'text': 'Ada Lovelace ...', 'entities': [{'start': 0, 'end': 12, ...}]}
    """
    config = config or ServeConfig()
    batcher: MicroBatcher[BatchKey, str, Found] = MicroBatcher(
        model_runner(model),
        max_batch_size=config.max_batch_size,
        max_wait_s=config.max_wait_ms / 1000,
        max_queue=config.max_queue,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(batcher.close)

    app = FastAPI(
        title="uniner",
        summary="Open named-entity recognition: name the types, get the mentions.",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.model = model
    app.state.config = config
    app.state.batcher = batcher
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)
    if config.api_key is not None:
        # Added last, so it runs first: a client without the key gets 401 for any body.
        app.add_middleware(ApiKeyAuth, api_key=config.api_key)
    _add_error_handlers(app)
    _add_routes(app, model, config, batcher)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _add_routes(
    app: FastAPI,
    model: Predictor,
    config: ServeConfig,
    batcher: MicroBatcher[BatchKey, str, Found],
) -> None:
    # ApiKeyAuth checks the key; this only tells the OpenAPI docs (and /docs's Authorize
    # button) that these routes take one.
    keyed = [] if config.api_key is None else [Security(HTTPBearer(auto_error=False))]
    refused: dict[int | str, dict[str, Any]] = {}
    if keyed:
        refused[401] = {"description": "no or wrong API key"}

    @app.post(
        "/extract",
        response_model=ExtractResult | ExtractBatchResult,
        responses={
            400: {"description": "malformed JSON"},
            422: {"description": "bad input"},
            **refused,
        },
        dependencies=keyed,
    )
    async def extract(request: ExtractRequest) -> JSONResponse:
        """Find the mentions of each type in the text(s)."""
        checked = check_request(request, config)
        found = await _predict(checked, batcher, config.request_timeout_s)
        results = [_body(result_of(t, f)) for t, f in zip(checked.texts, found, strict=True)]
        return JSONResponse(results[0] if request.text is not None else {"results": results})

    @app.get("/health")
    async def health() -> JSONResponse:
        """``ok`` while the model worker runs, with the batcher's counters."""
        alive = batcher.alive
        body = {
            "status": "ok" if alive else "worker stopped",
            "queued": batcher.queued,
            "batcher": batcher.stats.as_dict(),
        }
        return JSONResponse(body, status_code=200 if alive else 503)

    @app.get("/model", responses=refused, dependencies=keyed)
    async def model_card() -> dict[str, Any]:
        """The model, its prompt template, the request limits and the batching settings."""
        return {
            **model.info(),
            "template_version": TEMPLATE_VERSION,
            "options": list(REQUEST_OPTIONS),
            "number_options": {k: list(bounds) for k, bounds in REQUEST_NUMBERS.items()},
            "limits": config.limits(),
            "batching": config.batching(),
        }

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")


async def _predict(
    checked: CheckedRequest,
    batcher: MicroBatcher[BatchKey, str, Found],
    timeout_s: float,
) -> list[Found]:
    """Submit the non-blank texts, wait for them, and put blanks back as empty results."""
    wanted = [i for i, text in enumerate(checked.texts) if text.strip()]
    try:
        futures = [batcher.submit(checked.key, checked.texts[i]) for i in wanted]
    except (QueueFullError, BatcherClosedError) as err:
        raise ApiError(503, f"server busy ({err}); retry shortly", {"Retry-After": "1"}) from err
    try:
        found = await _gather(futures, timeout_s)
    except asyncio.TimeoutError as err:  # not the builtin TimeoutError before Python 3.11
        raise ApiError(503, f"no result within {timeout_s:g} s; retry later") from err
    except (ValueError, TypeError) as err:
        raise ApiError(422, f"the model refused the input: {err}") from err
    except Exception as err:
        logger.exception("model failure")
        raise ApiError(500, f"the model failed: {type(err).__name__}: {err}") from err
    entities: list[Found] = [Found() for _ in checked.texts]
    for index, mentions in zip(wanted, found, strict=True):
        entities[index] = mentions
    return entities


async def _gather(futures: list[Future[Found]], timeout_s: float) -> list[Found]:
    """Wait for every future; on any failure cancel the rest, so they cost no model time."""
    waiting = [asyncio.wrap_future(f) for f in futures]
    try:
        found = await asyncio.wait_for(asyncio.gather(*waiting), timeout_s)
    except BaseException:
        # The request has failed (or its client left): its texts still queued cost nothing.
        for future in futures:
            future.cancel()
        raise
    return list(found)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors: Sequence[Any] = exc.errors()
        status = 400 if any(e.get("type") == "json_invalid" for e in errors) else 422
        return JSONResponse(
            {"detail": validation_message(errors), "errors": _jsonable(errors)}, status
        )

    @app.exception_handler(RequestLimitError)
    async def over_limit(request: Request, exc: RequestLimitError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, exc.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers a body json.loads cannot decode with a bare "There was an error
        # parsing the body", the UnicodeDecodeError as its cause: say what is wrong.
        if isinstance(exc.__cause__, UnicodeDecodeError):
            return JSONResponse({"detail": undecodable_message(exc.__cause__)}, 400)
        return await http_exception_handler(request, exc)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, exc.status, headers=exc.headers)


def _body(result: ExtractResult) -> dict[str, Any]:
    # "score": null stays (a stable shape); "ungrounded" appears only when it was asked for.
    body = result.model_dump()
    if body["ungrounded"] is None:
        del body["ungrounded"]
    return body


def _jsonable(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # pydantic puts the raw exception in "ctx"; keep the parts a client can read.
    keep = ("type", "loc", "msg")
    return [{k: e[k] for k in keep if k in e} for e in errors]
