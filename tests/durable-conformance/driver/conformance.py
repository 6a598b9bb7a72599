"""Runs AWS's durable execution conformance suite locally and writes CONFORMANCE.md.

For each family of requirements: the family's functions behind `ruchy-lambda-local serve`
(the Rust functions of this crate's bootstrap, or AWS's Python reference handlers), a durable
backend on loopback that invokes them there (AWS's dex-local-runner, or the local Lambda's own),
and each requirement's validator (`validate_description`) run with an invoker that starts
executions on that backend. Run it through `tests/durable-conformance/conformance`, which makes
the venv first.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from aws_durable_execution_conformance_tests.config import TESTS_DIR
from aws_durable_execution_conformance_tests.validate import discover_test_files, validate_description

import clients
import processes
import report

HERE = Path(__file__).resolve().parent
CRATE = HERE.parent
REPO = CRATE.parent.parent
MANIFEST = CRATE / "functions.json"
RESULTS = CRATE / "results"
BOOTSTRAP_BIN = "durable-conformance"
BOOTSTRAP_PACKAGE = "ruchy-lambda-durable-conformance"

# Families and requirements the Rust functions do not run, and why.
RUST_NOT_RUN = {
    "plugin": "plugins (hooks on the SDK's invocation and operation lifecycle) are a feature of "
    "AWS's Python SDK that the Rust SDK does not have",
}
RUST_NOT_WRITTEN: dict[str, str] = {}


@dataclass(frozen=True)
class Function:
    name: str
    family: str
    handler: str
    requirements: list[str]
    env: dict[str, Any]
    durable: bool
    execution_timeout: int
    tenant_isolation: bool


def load_functions() -> dict[str, Function]:
    doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    out = {}
    for f in doc["Functions"]:
        out[f["Name"]] = Function(
            name=f["Name"],
            family=f["Family"],
            handler=f["Handler"],
            requirements=f["Requirements"],
            env=f.get("Environment", {}),
            durable=f.get("Durable", True),
            execution_timeout=f.get("ExecutionTimeout", 300),
            tenant_isolation=f.get("TenantIsolation", False),
        )
    return out


def requirement_index() -> dict[str, tuple[str, str, str]]:
    """Every requirement: id -> (family, description, YAML path)."""
    out = {}
    for rid, path in discover_test_files(TESTS_DIR).items():
        family = Path(path).parent.name
        with open(path, encoding="utf-8") as f:
            description = yaml.safe_load(f).get("description", "")
        out[rid] = (family, description, path)
    return out


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{processes.REGION}:{processes.ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


# The stack resources functions refer to (`Ref`), made on moto's server: a DynamoDB table each,
# with its key attribute.
TABLES = {"AttemptsTable": "executionId"}


def resolve_env(function: Function, tables: dict[str, str] | None = None) -> tuple[dict[str, str], str | None]:
    """The function's environment, or why it cannot be made here. `tables`: the DynamoDB tables
    made (resource name -> moto's URL); without it, a table a function needs is only checked
    for being one the driver can make."""
    env = {}
    for key, value in function.env.items():
        if isinstance(value, dict) and "ArnOf" in value:
            env[key] = arn(value["ArnOf"], value.get("Qualifier"))
        elif isinstance(value, dict) and value.get("Ref") in TABLES:
            if tables is None and processes.moto_server_path() is None:
                return {}, "its DynamoDB table is served by moto, which is not installed (MOTO_SERVER)"
            env[key] = value["Ref"]
            if tables is not None:
                env["AWS_ENDPOINT_URL_DYNAMODB"] = tables[value["Ref"]]
        elif isinstance(value, dict):
            return {}, f"its function needs the stack resource {value}, not made locally"
        else:
            env[key] = str(value)
    return env, None


def tables_of(functions: list[Function]) -> set[str]:
    return {v["Ref"] for f in functions for v in f.env.values() if isinstance(v, dict) and v.get("Ref") in TABLES}


def make_tables(names: set[str], work: Path, family: str) -> tuple[processes.Started, dict[str, str]]:
    """moto's server with the DynamoDB tables `names`; gives it and resource name -> its URL."""
    moto, url = processes.start_moto(processes.moto_server_path(), work / f"{family}.moto.log")
    dynamodb = boto3.client("dynamodb", endpoint_url=url, region_name=processes.REGION)
    for name in sorted(names):
        key = TABLES[name]
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return moto, dict.fromkeys(names, url)


def targets_of(function: Function) -> list[str]:
    return [v["ArnOf"] for v in function.env.values() if isinstance(v, dict) and "ArnOf" in v]


def cargo_build(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """Builds the local Lambda (and the Rust bootstrap); gives their paths."""
    packages = ["-p", "ruchy-lambda-local"]
    if args.functions == "rust" and args.bootstrap is None:
        packages += ["-p", BOOTSTRAP_PACKAGE]
    if args.local is None or (args.functions == "rust" and args.bootstrap is None):
        subprocess.run(["cargo", "build", "--quiet", *packages], cwd=REPO, check=True)
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=REPO, check=True, capture_output=True,
        ).stdout
    )
    debug = Path(meta["target_directory"]) / "debug"
    local = Path(args.local) if args.local else debug / "ruchy-lambda-local"
    if args.functions == "python":
        return local, None
    return local, Path(args.bootstrap) if args.bootstrap else debug / BOOTSTRAP_BIN


def function_specs(
    args: argparse.Namespace,
    functions: list[Function],
    bootstrap: Path | None,
    backend_url: str | None,
    tables: dict[str, str],
) -> list[processes.FunctionSpec]:
    specs = []
    for f in functions:
        env, _ = resolve_env(f, tables)
        if backend_url:
            env["AWS_ENDPOINT_URL_LAMBDA"] = backend_url
        if args.functions == "python":
            env["_HANDLER"] = f.handler
            env["DURABLE_PY_HANDLERS"] = str(Path(args.python_handlers).resolve())
            env["DURABLE_PYTHON"] = str(Path(args.venv) / "bin" / "python")
            source = f"bin:{CRATE / 'python-bootstrap'}"
        else:
            source = f"bin:{bootstrap}"
        specs.append(processes.FunctionSpec(name=f.name, source=source, env=env))
    return specs


class Progress:
    """One line per requirement on stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.lock = threading.Lock()

    def report(self, rid: str, result: dict[str, Any]) -> None:
        with self.lock:
            self.done += 1
            why = f"  {result['why'][:160]}" if result.get("why") else ""
            print(f"[{self.done}/{self.total}] {rid}: {result['status']} ({result['seconds']:.1f} s){why}",
                  file=sys.stderr, flush=True)


def run_family(
    args: argparse.Namespace,
    family: str,
    ids: list[str],
    index: dict[str, tuple[str, str, str]],
    functions: dict[str, Function],
    local: Path,
    bootstrap: Path | None,
    work: Path,
    progress: Progress,
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    by_requirement = {rid: f for f in functions.values() for rid in f.requirements}
    runnable = []
    for rid in ids:
        f = by_requirement.get(rid)
        why = None
        if f is None:
            why = "no function is mapped to it in functions.json"
        elif args.functions == "rust" and family in RUST_NOT_RUN:
            why = RUST_NOT_RUN[family]
        elif args.functions == "rust" and rid in RUST_NOT_WRITTEN:
            why = RUST_NOT_WRITTEN[rid]
        else:
            why = resolve_env(f)[1]
        if why:
            results[rid] = {"status": "not-run", "why": why, "seconds": 0.0}
            progress.report(rid, results[rid])
        else:
            runnable.append(rid)
    if not runnable:
        return results

    needed = {by_requirement[rid].name for rid in runnable}
    for name in list(needed):
        needed.update(targets_of(functions[name]))
    family_functions = [functions[n] for n in sorted(needed)]

    started: list[processes.Started] = []
    try:
        tables: dict[str, str] = {}
        if tables_of(family_functions):
            moto, tables = make_tables(tables_of(family_functions), work, family)
            started.append(moto)
        if args.backend == "dex":
            # dex-local-runner needs the Invoke endpoint's URL, and the functions need its URL:
            # serve starts first with the backend's port chosen ahead.
            dex_port = processes.free_port()
            dex_url = f"http://127.0.0.1:{dex_port}"
            specs = function_specs(args, family_functions, bootstrap, dex_url, tables)
            serve, serve_url = processes.start_serve(
                local, specs, work / f"{family}.serve.log", ["--instances", "4"], args.function_timeout
            )
            started.append(serve)
            configs = {}
            for f in family_functions:
                config: dict[str, Any] = {}
                if f.durable:
                    config["DurableConfig"] = {"ExecutionTimeout": f.execution_timeout, "RetentionPeriodInDays": 7}
                if f.tenant_isolation:
                    config["TenancyConfig"] = {"TenantIsolationMode": "PER_TENANT"}
                configs[f.name] = config
            dex, backend_url = processes.start_dex(
                Path(args.venv), serve_url, configs, work / f"{family}.dex.log", args.skip_time, dex_port
            )
            started.append(dex)
            client = clients.lambda_client(backend_url)
            lambda_api: Any = clients.DexHistory(client)
            timeouts = {f.name: f.execution_timeout for f in family_functions}
            invoker: Any = clients.DexInvoker(backend_url, client, timeouts)
        else:
            specs = function_specs(args, family_functions, bootstrap, None, tables)
            extra = ["--instances", "4"]
            for f in family_functions:
                if f.durable:
                    extra += ["--durable", f.name]
            if args.skip_time:
                extra.append("--skip-time")
            serve, serve_url = processes.start_serve(
                local, specs, work / f"{family}.serve.log", extra, args.function_timeout
            )
            started.append(serve)
            lambda_api = clients.lambda_client(serve_url)
            invoker = clients.lambda_invoker(lambda_api, [f.name for f in family_functions])

        aws_clients = {"lambda": lambda_api, "cloudformation": clients.LocalStacks(), "logs": clients.LocalLogs(serve)}

        def one(rid: str) -> tuple[str, dict[str, Any]]:
            t0 = time.monotonic()
            f = by_requirement[rid]
            try:
                outcome = validate_description(
                    function_name=f.name,
                    description_id=rid,
                    test_file=index[rid][2],
                    invoker=invoker,
                    tmp_dir=str(work),
                    region=processes.REGION,
                    aws_clients=aws_clients,
                    output_dir=str(work / "history"),
                )
                status = "pass" if outcome.passed else "fail"
                why = "; ".join(outcome.errors)
            except Exception as e:  # noqa: BLE001 - a crash of one validation fails that requirement
                status, why = "fail", f"validator raised {type(e).__name__}: {e}"
            result = {"status": status, "why": why, "seconds": round(time.monotonic() - t0, 1)}
            progress.report(rid, result)
            return rid, result

        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for rid, result in pool.map(one, runnable):
                results[rid] = result
    finally:
        for p in reversed(started):
            p.stop()
    return results


# Options naming paths of this machine: not part of the command CONFORMANCE.md shows (`--note`
# says which build of the local Lambda ran, when it matters).
LOCAL_OPTIONS = {"--local", "--bootstrap", "--work", "--results", "--note"}


def shown_arguments(argv: list[str]) -> list[str]:
    """`argv` without the options of LOCAL_OPTIONS and their values."""
    shown: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in LOCAL_OPTIONS:
            skip = True
        elif arg.split("=", 1)[0] not in LOCAL_OPTIONS:
            shown.append(arg)
    return shown


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="conformance", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["ours", "dex"], default="ours",
                   help="ours: `ruchy-lambda-local serve --durable`; dex: AWS's dex-local-runner (default: ours)")
    p.add_argument("--functions", choices=["rust", "python"], default="rust",
                   help="rust: this crate's bootstrap; python: AWS's reference handlers (default: rust)")
    p.add_argument("--only", nargs="+", metavar="FAMILY", choices=report.FAMILIES, help="these families only")
    p.add_argument("--ids", nargs="+", metavar="ID", help="these requirements only (e.g. 1-1 9-3)")
    p.add_argument("--skip-time", action="store_true", help="the backend skips the time of waits and retries")
    p.add_argument("--jobs", type=int, default=4, help="requirements validated at once (default: 4)")
    p.add_argument("--function-timeout", type=int, default=60, help="the functions' timeout, s (default: 60)")
    p.add_argument("--venv", default=os.environ.get("DURABLE_VENV"), help="the durable venv (set by the wrapper)")
    p.add_argument("--python-handlers", default=os.environ.get("DURABLE_PY_HANDLERS"),
                   help="with --functions python: the reference handlers' directory (set by the wrapper)")
    p.add_argument("--local", help="the ruchy-lambda-local binary (default: built with cargo)")
    p.add_argument("--bootstrap", help="the Rust bootstrap (default: built with cargo)")
    p.add_argument("--work", help="logs, histories and event files (default: a new temporary directory)")
    p.add_argument("--results", help="write this run's results (JSON) here instead of results/, and no CONFORMANCE.md")
    p.add_argument("--note", help="a sentence about this run for CONFORMANCE.md (e.g. which build of the local Lambda)")
    p.add_argument("--min-pass", type=int, default=0, help="exit 1 unless at least this many pass")
    p.add_argument("--expect-pass", nargs="+", metavar="ID", default=[],
                   help="exit 1 unless every one of these passes")
    args = p.parse_args(argv)
    if args.venv is None:
        p.error("--venv (or DURABLE_VENV) is required")
    if args.functions == "python" and not args.python_handlers:
        p.error("--functions python needs --python-handlers (or DURABLE_PY_HANDLERS)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # This process's clients sign with the same placeholder credentials as the processes it starts.
    os.environ.update(processes.client_environment())
    t0 = time.monotonic()
    index = requirement_index()
    functions = load_functions()
    families = args.only or report.FAMILIES
    ids_by_family = {
        fam: sorted((rid for rid, (f, _, _) in index.items() if f == fam and (not args.ids or rid in args.ids)),
                    key=report.requirement_key)
        for fam in families
    }
    local, bootstrap = cargo_build(args)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="durable-conformance-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"logs and histories: {work}", file=sys.stderr)
    progress = Progress(sum(len(v) for v in ids_by_family.values()))
    results: dict[str, dict[str, Any]] = {}
    # The validator prints as it goes: to a file, so that stderr has one line per requirement.
    with open(work / "validator.log", "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        for family in families:
            if ids_by_family[family]:
                results.update(run_family(args, family, ids_by_family[family], index, functions,
                                          local, bootstrap, work, progress))
    column = f"{args.functions}-{args.backend}"
    run = {
        "command": "tests/durable-conformance/conformance " + shlex.join(shown_arguments(argv)),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_seconds": time.monotonic() - t0,
        "note": args.note or "",
        "results": results,
    }
    if args.results:
        Path(args.results).write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    else:
        report.save(RESULTS, column, run, merge=bool(args.only or args.ids))
        report.write_markdown(REPO / "CONFORMANCE.md", RESULTS, {rid: (f, d) for rid, (f, d, _) in index.items()})
    passed = [rid for rid, r in results.items() if r["status"] == "pass"]
    failed = sorted((rid for rid, r in results.items() if r["status"] == "fail"), key=report.requirement_key)
    print(f"{len(passed)} pass, {len(failed)} fail, {len(results) - len(passed) - len(failed)} not run "
          f"({time.monotonic() - t0:.0f} s); failed: {' '.join(failed) or 'none'}", file=sys.stderr)
    missing = [rid for rid in args.expect_pass if rid not in passed]
    if missing:
        print(f"expected to pass but did not: {' '.join(missing)}", file=sys.stderr)
        return 1
    if len(passed) < args.min_pass:
        print(f"fewer than {args.min_pass} passed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
