"""``uniner serve``: the HTTP API, its web page and its OpenAPI docs (see docs/serving.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any

# The environment variable read when --api-key is not given (an empty value counts as unset).
API_KEY_ENV = "UNINER_API_KEY"

# The ServeConfig fields exposed as --options, with their help.
LIMIT_HELP = {
    "max_batch_size": "most texts per model call",
    "max_wait_ms": "longest a text waits for companions, in ms",
    "max_text_chars": "longest text accepted",
    "max_texts": "most texts per request",
    "max_types": "most entity types per request",
    "max_type_chars": "longest entity type",
    "max_description_chars": "longest description of an entity type",
    "max_body_bytes": "largest request body",
    "max_queue": "most texts waiting before the server answers 503",
    "request_timeout_s": "longest a request waits for the model, in s",
}


def register(subparsers: Any) -> None:
    from uniner.cli.extract import add_dtype_argument, add_threads_argument
    from uniner.serve.config import ServeConfig

    defaults = ServeConfig()
    parser = subparsers.add_parser(
        "serve",
        help="serve a model over HTTP with a web page at /",
        description="Serve a model: POST /extract, GET /health, GET /model, the page at /, "
        "OpenAPI docs at /docs. Concurrent requests are micro-batched.",
    )
    parser.add_argument("--model", help="hub id or local path (default: the default student)")
    parser.add_argument("--adapter", help="LoRA adapter directory")
    parser.add_argument("--device", help="torch device, e.g. cpu or cuda")
    add_dtype_argument(parser)
    add_threads_argument(parser)
    parser.add_argument(
        "--backend",
        default=defaults.backend,
        choices=("transformers", "vllm"),
        help="vllm: decode on a GPU with vLLM (pip install 'uniner[vllm]')",
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (%(default)s)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (%(default)s)")
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help="require 'Authorization: Bearer KEY' on every route but /health, the page and "
        f"the API docs (default: ${API_KEY_ENV}, which keeps the key out of the process list; "
        "unset: no key)",
    )
    limits = parser.add_argument_group("batching and limits")
    for name, help_text in LIMIT_HELP.items():
        default = getattr(defaults, name)
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=type(default),
            default=default,
            help=help_text + " (%(default)s)",
        )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from uniner.serve.config import ServeConfig
    from uniner.serve.server import serve
    from uniner.threads import set_threads

    fields = ServeConfig.__dataclass_fields__
    chosen = {name: getattr(args, name) for name in fields}
    if chosen["api_key"] is None:
        chosen["api_key"] = os.environ.get(API_KEY_ENV) or None
    config = ServeConfig(**chosen)
    if args.threads is not None:  # process-wide: the engine's own load keeps it
        set_threads(args.threads)
    serve(config)
    return 0
