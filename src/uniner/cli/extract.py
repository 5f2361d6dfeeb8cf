"""``uniner extract``: find mentions of any entity types in text, with offsets.

Three ways in: TEXT (printed), ``--input FILE`` with no ``--output`` or ``--output FILE.jsonl``
(the file's texts in memory, one JSON line each), and ``--input PATH... --output DIR``: a
corpus job (:func:`uniner.extract.extract_corpus`), streamed into numbered parts with a
manifest, resumable, and split across processes with ``--shard I/N``. ``--format
label-studio|doccano|spacy --output FILE`` writes TEXT's or FILE's predictions as an
annotation tool's pre-annotations. Arguments and input texts are checked before the model
loads (about a minute), so a mistake is reported at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "extract",
        help="extract entities of any types from text, a file or a whole corpus",
        description="Ask the student about each type and print every mention with its "
        "character offsets, one JSON line per text. Give TEXT; or --input FILE (.txt: one "
        'text per line; .jsonl: a "text" field per line) with --output FILE.jsonl, or with '
        "--format label-studio|doccano|spacy --output FILE for pre-annotations to correct in "
        "that tool; or, for a corpus, --input PATH... (.txt, .jsonl, .parquet, folders of "
        "them, saved datasets) with --output DIR: numbered parts and a manifest, streamed; "
        "re-running the same command resumes.",
    )
    p.add_argument("text", nargs="?", help="the text (or use --input)")
    p.add_argument(
        "-t",
        "--type",
        action="append",
        default=[],
        dest="types",
        metavar="TYPE",
        help='an entity type, or TYPE=DESCRIPTION ("drug=a medication given to treat a '
        'disease"); repeat for several',
    )
    p.add_argument(
        "--types-file",
        default=None,
        metavar="FILE",
        help="entity types from a YAML or JSON file: a list of names, or a mapping "
        "name -> description (or null); with -t, both are asked",
    )
    p.add_argument("--model", default=None, help="model dir, hub id or .gguf (default: embedded)")
    p.add_argument("--adapter", default=None, help="LoRA adapter folder")
    p.add_argument("--input", nargs="+", default=None, metavar="PATH", help="files or folders")
    p.add_argument(
        "--output",
        default=None,
        help="FILE.jsonl (one input file, in memory), FILE (--format label-studio, doccano, "
        "spacy) or DIR (a corpus job); default: stdout",
    )
    p.add_argument(
        "--format",
        default="uniner",
        choices=("uniner", "gliner", "hf", "parquet", "label-studio", "doccano", "spacy"),
        help="the entities' shape in JSON lines, parquet (corpus jobs), or pre-annotations "
        "for Label Studio (JSON tasks), doccano (JSON lines) or spaCy (a .spacy DocBin)",
    )
    p.add_argument("--dataset", default=None, help="dataset name for dataset-specific prompts")
    p.add_argument("--batch-size", type=int, default=8, help="windows decoded together")
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--flat", action="store_true", help="no overlapping mentions")
    p.add_argument(
        "--threshold",
        type=_threshold,
        default=0.0,
        help="drop mentions scored below this (0-1; default 0 keeps all); the dropped are counted",
    )
    p.add_argument(
        "--constrained", action="store_true", help="answers can only name substrings of the text"
    )
    p.add_argument(
        "--draft",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="decode by draft-and-verify: tokens copied from the text, checked in one pass "
        "(same greedy answers; off by default until benchmarked)",
    )
    p.add_argument(
        "--batch-invariant",
        action="store_true",
        help="decode each passage in a batch of its own: its answers never depend on the "
        "other inputs (slower; see docs/engine.md)",
    )
    p.add_argument("--device", default=None)
    add_dtype_argument(p)
    add_threads_argument(p)
    p.add_argument(
        "--backend",
        default="transformers",
        choices=("transformers", "vllm"),
        help="vllm: decode on a GPU with vLLM (pip install 'uniner[vllm]')",
    )
    p.add_argument("--no-progress", action="store_true")
    corpus = p.add_argument_group("corpus jobs (--output DIR)")
    corpus.add_argument("--text-field", default="text", help="JSON field / column of the text")
    corpus.add_argument(
        "--id-field", default=None, help="JSON field / column of the id (default: text hash)"
    )
    corpus.add_argument(
        "--txt-mode",
        default="line",
        choices=("line", "file"),
        help="a .txt file holds one document per line, or is one document",
    )
    corpus.add_argument(
        "--shard", default=None, metavar="I/N", help="take shard I (from 0) of N, split by id"
    )
    corpus.add_argument(
        "--documents-per-batch",
        type=int,
        default=64,
        help="documents per model call; a killed job loses at most one batch",
    )
    corpus.add_argument("--documents-per-file", type=int, default=10_000)
    corpus.add_argument("--no-text", action="store_true", help="leave the texts out of the rows")
    p.set_defaults(func=run)


def add_dtype_argument(parser: argparse.ArgumentParser) -> None:
    """``--dtype``, shared by every command that loads the engine."""
    from uniner.hardware import ENGINE_DTYPE_NAMES

    parser.add_argument(
        "--dtype",
        default="auto",
        choices=ENGINE_DTYPE_NAMES,
        help="auto: bfloat16 where the device multiplies it natively, else float32; "
        "int8: int8 weights on the CPU (docs/engine.md)",
    )


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    """``--threads``, shared by every command that loads the engine."""
    parser.add_argument(
        "--threads",
        type=_threads,
        default=None,
        metavar="N",
        help="torch's CPU threads (default: a count set by OMP_NUM_THREADS is kept, else the "
        "CPUs this process may use: its affinity mask and cgroup CPU quota)",
    )


def _threads(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"threads must be a positive int, got {value!r}")
    return number


def run(args: argparse.Namespace) -> int:
    from uniner.extract.files import ANNOTATION_FORMATS

    if (args.text is None) == (args.input is None):
        raise ValueError("give either TEXT or --input FILE")
    for number, value in enumerate(args.types, start=1):
        _check_utf8(value, f"entity type {number} (-t)")
    args.types = _entity_types(args)
    corpus_job = (
        args.output is not None
        and not args.output.endswith(".jsonl")
        and args.format not in ANNOTATION_FORMATS
    )
    # Bad settings and unreadable texts fail here, before the model loads.
    if corpus_job:
        config = _corpus_config(args)
    else:
        texts = _texts_in_memory(args)
    from uniner.engine import NERModel

    model = NERModel.from_pretrained(
        args.model,
        adapter=args.adapter,
        device=args.device,
        dtype=args.dtype,
        backend=args.backend,
        threads=args.threads,
    )
    if corpus_job:
        from uniner.extract import extract_corpus

        result = extract_corpus(model, config, progress=not args.no_progress)
        print(result.summary(), file=sys.stderr)
        return 0
    return _run_in_memory(model, texts, args)


def _entity_types(args: argparse.Namespace) -> list[Any]:
    """The -t types (``NAME`` or ``NAME=DESCRIPTION``) then the ``--types-file`` ones, as
    :class:`~uniner.entity_types.EntityType` records; none at all is refused here."""
    from uniner.entity_types import entity_types, parse_type_option, read_types_file

    given = [parse_type_option(value) for value in args.types if value.strip()]
    if args.types_file is not None:
        given.extend(read_types_file(args.types_file))
    if not given and not args.types and args.types_file is None:
        raise ValueError("give the entity types: -t TYPE (repeat for several) or --types-file")
    return entity_types(given)


def _threshold(value: str) -> float:
    from uniner.engine.options import check_threshold

    try:
        return check_threshold(float(value))
    except ValueError as err:  # not a number, or not in [0, 1]: show what was typed
        raise argparse.ArgumentTypeError(
            f"threshold must be a number in [0, 1], got {value!r}"
        ) from err


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "max_new_tokens": args.max_new_tokens,
        "flat": args.flat,
        "constrained": args.constrained,
        "threshold": args.threshold,
        "draft": args.draft,
        "batch_invariant": args.batch_invariant,
    }


def _corpus_config(args: argparse.Namespace) -> Any:
    from uniner.engine.options import ExtractOptions
    from uniner.extract import ExtractConfig
    from uniner.extract.sharding import WHOLE, parse_shard

    return ExtractConfig(
        args.input,
        args.output,
        args.types,
        fmt=args.format,
        text_field=args.text_field,
        id_field=args.id_field,
        txt_mode=args.txt_mode,
        include_text=not args.no_text,
        dataset=args.dataset,
        options=ExtractOptions(**_options(args)),
        batch_size=args.batch_size,
        documents_per_batch=args.documents_per_batch,
        documents_per_file=args.documents_per_file,
        shard=parse_shard(args.shard) if args.shard else WHOLE,
    )


def _texts_in_memory(args: argparse.Namespace) -> list[str]:
    """TEXT, or the texts of the one input file: checked, with the settings, before the model
    loads. The corpus options do not apply; the annotation formats need ``--output FILE``."""
    from uniner.extract.files import ANNOTATION_FORMATS, read_texts

    if args.input is not None and (len(args.input) != 1 or Path(args.input[0]).is_dir()):
        raise ValueError("several inputs or a folder need --output DIR (a corpus job)")
    if args.format == "parquet" or args.shard or args.id_field or args.text_field != "text":
        raise ValueError(
            "--format parquet, --shard, --id-field and --text-field need --output DIR "
            "(a corpus job)"
        )
    if args.format in ANNOTATION_FORMATS and args.output is None:
        raise ValueError(f"--format {args.format} writes a file: give --output FILE")
    if args.input is None:
        _check_utf8(args.text, "TEXT")
        if not args.text.strip():
            raise ValueError("TEXT is empty: give the text to extract from, or --input FILE")
        return [args.text]
    texts = read_texts(args.input[0])
    if not texts:
        raise ValueError(f"{args.input[0]}: no text to extract from (no non-blank line)")
    return texts


def _check_utf8(value: str, what: str) -> None:
    """Refuse an argument that held bytes that are not UTF-8 (Python keeps each as a lone
    surrogate, which the tokenizer cannot take), saying which byte and where."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        char = ord(value[err.start])
        byte = f"byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF else f"U+{char:04X}"
        raise ValueError(
            f"{what} is not valid UTF-8: {byte} at character {err.start + 1} (after "
            f"{value[max(0, err.start - 20) : err.start]!r}); re-encode it as UTF-8"
        ) from err


def _run_in_memory(model: Any, texts: list[str], args: argparse.Namespace) -> int:
    from uniner.extract.files import model_version, prediction_record, write_predictions

    predictions = model.predict(
        texts,
        args.types,
        batch_size=args.batch_size,
        progress=bool(args.input) and not args.no_progress,
        dataset=args.dataset,
        **_options(args),
    )
    if args.output:
        version = model_version(model)
        write_predictions(predictions, args.output, args.format, model_version=version)
        print(f"wrote {len(predictions)} predictions to {args.output}", file=sys.stderr)
    else:
        for prediction in predictions:
            print(json.dumps(prediction_record(prediction, args.format), ensure_ascii=False))
    if args.threshold > 0:
        below = sum(p.meta.get("below_threshold", 0) for p in predictions)
        print(f"{below} mentions below --threshold {args.threshold:g} dropped", file=sys.stderr)
    return 0
