"""The ``servqual`` command: validate, instruments, analyze, report, export, serve, worker, demo.

Every text shown here goes through the Dutch or English catalog (``--lang``); the core
hands back data and message templates only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from servqual import tuning
from servqual.errors import ServqualError
from servqual.i18n import LANGUAGES, N_, default_language, translator
from servqual.report.text import (
    analysis_text,
    diagnosis_text,
    instrument_list_text,
    instrument_text,
    validation_text,
)

if TYPE_CHECKING:
    from servqual.analysis import AnalysisResult, Diagnosis
    from servqual.io import ResponseSet

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2

Gettext = Callable[[str], str]


#: argparse's own words, so `--help` and usage errors read in Dutch too.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
)


def run() -> None:
    """The ``servqual`` command: :func:`main`, then the process ends (:func:`servqual.tuning.exit_process`)."""
    tuning.exit_process(main())


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    language = _language_from(argv)
    _ = translator(language)
    # argparse translates through its module-level gettext; point it at our catalog.
    argparse._ = _  # type: ignore[attr-defined]
    parser = _parser(_)
    args = parser.parse_args(argv)
    args.lang = language  # --lang may stand before or after the command
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.run(args, _))
    except ServqualError as exc:
        print(_("servqual: error: {message}").format(message=exc.render(_)), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `servqual analyze f | head`
        return EXIT_OK
    except Exception as exc:  # a bug of ours: still one line, and a way to see more
        if os.environ.get("SERVQUAL_DEBUG"):
            raise
        print(
            _("servqual: unexpected error: {error} (set SERVQUAL_DEBUG=1 to see where)").format(
                error=f"{type(exc).__name__}: {exc}"
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _language_from(argv: list[str]) -> str:
    """--lang is read before the parser exists, so its help text is already translated.
    The last --lang given wins, as with any repeated option."""
    language = default_language()
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg.removeprefix("--lang=")
        if (arg == "--lang" or arg.startswith("--lang=")) and value in LANGUAGES:
            language = value
    return language


def _parser(_: Gettext) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=_("language of the output (default: from your locale, else English)"),
    )
    reading = _reading(_, file_required=True)
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=("text", "json"), default="text", help=_("output format"))

    parser = argparse.ArgumentParser(
        prog="servqual",
        parents=[common],
        description=_("Measure and close the five gaps of the SERVQUAL gaps model."),
    )
    commands = parser.add_subparsers(dest="command", metavar=_("command"))

    validate = commands.add_parser(
        "validate", parents=[common, reading, output], help=_("check a survey file and summarise what was read")
    )
    validate.add_argument(
        "--strict",
        action="store_true",
        help=_("exit with status 1 when any answer or importance allocation was rejected or any row excluded"),
    )
    validate.set_defaults(run=run_validate)

    instruments = commands.add_parser(
        "instruments", parents=[common, output], help=_("list the instruments, or show one")
    )
    instruments.add_argument("name", nargs="?", help=_("instrument name or file to show"))
    instruments.add_argument("--service", default=None, help=_("service name to fill in the item texts"))
    instruments.set_defaults(run=run_instruments)

    analysis = argparse.ArgumentParser(add_help=False)
    analysis.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar=_("COLUMN"),
        help=_("compare groups of this attribute column (repeatable), e.g. --segment branch"),
    )
    analysis.add_argument(
        "--min-group",
        type=int,
        default=5,
        help=_("anonymity threshold: smaller groups are shown only as suppressed (default: 5)"),
    )
    analysis.add_argument(
        "--segment-missing",
        choices=("exclude", "group"),  # servqual.analysis.SEGMENT_MISSING, not imported before it is needed
        default="exclude",
        help=_(
            "respondents without a value of a segment column: left out of its groups and tests, or a group "
            "of their own (default: exclude)"
        ),
    )
    analysis.add_argument(
        "--cfa",
        action="append",
        choices=("perception", "expectation", "gap"),
        help=_("fit the factor model on this section (repeatable; default: perception)"),
    )
    # analyze and report also take the managers' and employees' files: all five gaps
    organisation = _reading(_, file_required=False)
    organisation.add_argument("--customers", metavar=_("FILE"), help=_("the customers' survey file"))
    organisation.add_argument(
        "--managers", metavar=_("FILE"), help=_("the managers' survey file: gaps 1 and 2 (docs/instruments.md)")
    )
    organisation.add_argument(
        "--employees", metavar=_("FILE"), help=_("the contact employees' survey file: gaps 3 and 4 and the mirror")
    )
    organisation.add_argument(
        "--managers-instrument",
        default="servqual-managers",
        help=_("instrument of the managers' file (default: servqual-managers)"),
    )
    organisation.add_argument(
        "--employees-instrument",
        default="servqual-employees",
        help=_("instrument of the employees' file (default: servqual-employees)"),
    )
    organisation.add_argument("--managers-mapping", help=_("mapping file for the managers' file"))
    organisation.add_argument("--employees-mapping", help=_("mapping file for the employees' file"))
    organisation.add_argument(
        "--processes",
        help=_("customer processes: a processes file, or default for the built-in example (docs/instruments.md)"),
    )
    analyze = commands.add_parser(
        "analyze",
        parents=[common, organisation, output, analysis],
        help=_("item and dimension scores of a survey file; all five gaps with --managers and --employees"),
    )
    analyze.set_defaults(run=run_analyze)

    report = commands.add_parser(
        "report", parents=[common, organisation, analysis], help=_("write the report of a survey file as HTML or PDF")
    )
    report.add_argument("-o", "--output", required=True, help=_("report file: .html or .pdf"))
    report.add_argument("--title", help=_("title of the report (default: Service quality report)"))
    report.add_argument("--service", help=_("name of the service, shown on the cover and in the item texts"))
    report.set_defaults(run=run_report)

    export = commands.add_parser(
        "export", parents=[common, reading], help=_("write the item, dimension and response tables")
    )
    export.add_argument("--to", choices=("xlsx", "csv", "sav"), required=True, help=_("export format"))
    export.add_argument(
        "-o",
        "--output",
        help=_(
            "workbook (xlsx) or folder (csv, sav) to write (default: FILE's name with -servqual, in the current folder)"
        ),
    )
    export.set_defaults(
        run=run_export, segment=[], min_group=5, segment_missing="exclude", cfa=None
    )  # the tables need no segments

    serving = argparse.ArgumentParser(add_help=False)
    serving.add_argument("--port", type=int, default=8000, help=_("port to listen on (default: 8000)"))
    serve = commands.add_parser(
        "serve", parents=[common, serving], help=_("run the web platform, after applying the database migrations")
    )
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1)"))
    serve.add_argument("--workers", type=int, default=2, help=_("number of worker processes (default: 2)"))
    serve.add_argument(
        "--threads",
        type=int,
        default=4,
        help=_("threads per worker process; more than 1: gthread workers (default: 4)"),
    )
    serve.add_argument(
        "--with-worker",
        action="store_true",
        help=_("also run a background worker beside the server, stopped with it (one machine)"),
    )
    serve.set_defaults(run=run_serve)

    worker = commands.add_parser(
        "worker",
        parents=[common],
        help=_("run the background tasks (e-mails, PDF reports), after applying the database migrations"),
    )
    worker.add_argument(
        "--queues", default="*", help=_("queues to take tasks from, separated by commas (default: * for all)")
    )
    worker.add_argument(
        "--interval", type=float, default=1.0, help=_("seconds to wait when there is no task (default: 1)")
    )
    worker.set_defaults(run=run_worker)

    demo = commands.add_parser(
        "demo", parents=[common, serving], help=_("seed a demo organisation in the web platform and serve it")
    )
    demo.add_argument(
        "--file",
        action="store_true",
        help=_("write a synthetic study to OUTPUT/responses.csv and analyse it instead"),
    )
    demo.add_argument("--no-serve", action="store_true", help=_("seed the demo and stop, without serving it"))
    demo.add_argument(
        "--output",
        default="servqual-demo",
        help=_("folder for the demo: its database, or responses.csv with --file"),
    )
    demo.add_argument("--respondents", type=int, default=300, help=_("number of respondents (per wave)"))
    demo.add_argument("--seed", type=int, default=2026, help=_("random seed"))
    demo.set_defaults(run=run_demo)
    return parser


def _reading(_: Gettext, *, file_required: bool) -> argparse.ArgumentParser:
    """The options of reading a survey file; the file is optional where ``--customers``
    may give it instead."""
    reading = argparse.ArgumentParser(add_help=False)
    file_help = _("survey file: CSV, XLSX, SPSS .sav, Parquet, Qualtrics or LimeSurvey export")
    if file_required:
        reading.add_argument("file", help=file_help)
    else:
        reading.add_argument("file", nargs="?", help=file_help + " " + _("(the customers'; or --customers)"))
    reading.add_argument(
        "--instrument",
        default="servqual-22",
        help=_("built-in instrument name or instrument file (default: servqual-22)"),
    )
    reading.add_argument("--mapping", help=_("mapping file for column names the file does not share with servqual"))
    reading.add_argument("--sheet", help=_("XLSX sheet to read (default: the first sheet with answers)"))
    return reading


def _read(args: argparse.Namespace) -> ResponseSet:
    from servqual.io import read_responses

    return read_responses(args.file, args.instrument, mapping=args.mapping, sheet=args.sheet)


def run_validate(args: argparse.Namespace, _: Gettext) -> int:
    responses = _read(args)
    report = responses.report
    if args.format == "json":
        _print_json(report.to_dict())
    else:
        print(validation_text(report, args.lang))
    problems = report.rows_excluded or report.total_rejected or report.importance_rejected
    return EXIT_PROBLEMS if args.strict and problems else EXIT_OK


def run_instruments(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.instruments import builtin_instruments, load_instrument

    if args.name is None:
        instruments = [load_instrument(name) for name in builtin_instruments()]
        if args.format == "json":
            _print_json(
                [
                    {
                        "key": i.key,
                        "audience": i.audience,
                        "name": i.name,
                        "items": len(i.items),
                        "sections": list(i.sections),
                        "scale": [i.scale.min, i.scale.max],
                        "step": i.scale.step,
                        "factors": len(i.factors),
                        "open": len(i.open_questions),
                    }
                    for i in instruments
                ]
            )
        else:
            print(instrument_list_text(instruments, args.lang))
        return EXIT_OK
    instrument = load_instrument(args.name)
    if args.format == "json":
        _print_json(instrument.to_dict())
    else:
        print(instrument_text(instrument, args.lang, args.service))
    return EXIT_OK


def run_analyze(args: argparse.Namespace, _: Gettext) -> int:
    responses, result = _analyzed(args)
    diagnosis = _diagnosed(args, responses, result)
    if args.format == "json":
        _print_json(result.to_dict() | ({"gaps": diagnosis.to_dict()} if diagnosis else {}))
        return EXIT_OK
    print(analysis_text(result, responses.instrument, args.lang))
    if diagnosis is not None:
        print()
        print(diagnosis_text(diagnosis, responses.instrument, args.lang))
    return EXIT_OK


def _analyzed(args: argparse.Namespace) -> tuple[ResponseSet, AnalysisResult]:
    if getattr(args, "customers", None):
        if args.file:
            raise ServqualError(N_("give the customers' file once: as FILE or as --customers, not both"))
        args.file = args.customers
    if not args.file:
        raise ServqualError(N_("no customers' file: give it as FILE or as --customers"))
    # the statistics stack loads while the file is read
    analysis: ModuleType
    analysis, responses = tuning.beside(lambda: importlib.import_module("servqual.analysis"), lambda: _read(args))
    result: AnalysisResult = analysis.analyze(
        responses,
        segments=args.segment,
        min_group=args.min_group,
        segment_missing=args.segment_missing,
        cfa=args.cfa or ["perception"],
    )
    return responses, result


def _diagnosed(args: argparse.Namespace, customers: ResponseSet, result: AnalysisResult) -> Diagnosis | None:
    """All five gaps, when the managers' or employees' file is given (or processes)."""
    if not (args.managers or args.employees or args.processes):
        return None
    from servqual.analysis import diagnose
    from servqual.instruments import load_instrument, load_processes
    from servqual.io import read_responses

    files = {
        "managers": (args.managers, args.managers_instrument, args.managers_mapping),
        "employees": (args.employees, args.employees_instrument, args.employees_mapping),
    }
    read = {
        who: read_responses(path, instrument, mapping=mapping, sheet=args.sheet) if path else None
        for who, (path, instrument, mapping) in files.items()
    }
    instruments = [customers.instrument]
    for who, (_, instrument, _) in files.items():
        responses = read[who]
        instruments.append(responses.instrument if responses else load_instrument(instrument))
    return diagnose(
        customers,
        result,
        read["managers"],
        read["employees"],
        units=args.segment,
        processes=load_processes(args.processes, instruments) if args.processes else (),
        min_group=args.min_group,
        segment_missing=args.segment_missing,
    )


def run_report(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.report import build_report, write_report

    responses, result = _analyzed(args)
    content = build_report(
        result,
        responses.instrument,
        lang=args.lang,
        title=args.title,
        service=args.service,
        validation=responses.report,
        diagnosis=_diagnosed(args, responses, result),
    )
    path = write_report(content, args.output)
    print(_("Wrote the report to {path}").format(path=path))
    return EXIT_OK


def run_export(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.report.export import write_export

    responses, result = _analyzed(args)
    source = Path(args.file)
    default = source.with_name(source.stem + "-servqual" + (".xlsx" if args.to == "xlsx" else ""))
    for path in write_export(result, responses, args.to, args.output or default.name, args.lang):
        print(_("Wrote {path}").format(path=path))
    return EXIT_OK


def run_serve(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.web import server

    server.prepare()
    print(_("servqual serves on {url}; stop it with Ctrl-C").format(url=_url(args.host, args.port)), flush=True)
    server.run(args.host, args.port, args.workers, args.threads, with_worker=args.with_worker)
    return EXIT_OK


def run_worker(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.web import server

    server.prepare(static_files=False)
    from servqual.web import worker  # its models need the Django set up by prepare()

    print(_("servqual worker runs the background tasks; stop it with Ctrl-C"), flush=True)
    worker.run(args.queues, args.interval)
    return EXIT_OK


def _url(host: str, port: int) -> str:
    return f"http://{host}:{port}/"


def run_demo(args: argparse.Namespace, _: Gettext) -> int:
    if args.file:
        return _demo_file(args, _)
    # The demo is for one machine: development settings (plain HTTP on 127.0.0.1) and its own
    # database in the demo folder, apart from a real servqual-data.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SERVQUAL_DATA_DIR", str(Path(args.output).resolve()))
    from servqual.web import server

    server.prepare()
    from servqual.web import demo  # its models need the Django set up by prepare()

    made = demo.seed(args.respondents, args.seed, args.lang)
    url = _url("127.0.0.1", args.port)
    first, second = made["responses"].values()
    print(
        _("Seeded {organisation}: a customer survey with two waves, of {first} and {second} responses.").format(
            organisation=made["organisation"], first=first, second=second
        )
    )
    print(
        _("Log in at {url} as {username} with the password {password}").format(
            url=url, username=made["username"], password=made["password"]
        )
    )
    # after the login, which scripts read as the second line
    per_wave = next(iter(made["audiences"].values()))  # the same numbers in each wave
    print(
        _("Each wave also has the answers of {managers} managers and {employees} contact employees.").format(
            managers=per_wave["manager"], employees=per_wave["employee"]
        )
    )
    print(_("A customer's survey: {url}").format(url=f"{url}s/{made['survey_key']}/"))
    if args.no_serve:
        return EXIT_OK
    # Serve from a fresh process: the seeding started polars' thread pool, which does not
    # survive the fork of gunicorn's workers (their first analysis would hang).
    sys.stdout.flush()
    command = [
        sys.executable,
        "-m",
        "servqual",
        "--lang",
        args.lang,
        "serve",
        "--port",
        str(args.port),
        "--with-worker",
    ]
    os.execv(sys.executable, command)
    return EXIT_OK  # not reached


def _demo_file(args: argparse.Namespace, _: Gettext) -> int:
    from servqual.analysis import analyze
    from servqual.io import read_responses
    from servqual.io.synthetic import generate_study, write_csv

    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses.csv"
    write_csv(generate_study(args.respondents, seed=args.seed), path)
    print(_("Wrote a synthetic study of {n} respondents to {path}").format(n=args.respondents, path=path))
    print()
    responses = read_responses(path)
    print(validation_text(responses.report, args.lang))
    print()
    print(analysis_text(analyze(responses), responses.instrument, args.lang))
    print()
    print(_("Try it on your own data: servqual analyze {path}").format(path=path))
    return EXIT_OK


def _print_json(data: Any) -> None:
    """JSON with NaN written as null, so every JSON parser accepts it."""
    print(json.dumps(_no_nan(data), indent=2, ensure_ascii=False))


def _no_nan(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {str(k): _no_nan(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_no_nan(v) for v in data]
    return data
