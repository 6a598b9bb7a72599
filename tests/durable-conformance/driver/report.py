"""The results of runs, kept one JSON file per column, and CONFORMANCE.md written from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FAMILIES = [
    "step",
    "wait",
    "child",
    "callback",
    "invoke",
    "wait_for_condition",
    "wait_for_callback",
    "parallel",
    "map",
    "plugin",
]

# The columns of the table, in order: (key, heading).
COLUMNS = [
    ("rust-ours", "Rust on ours"),
    ("rust-dex", "Rust on dex-local-runner"),
    ("python-ours", "Python reference on ours"),
    ("python-dex", "Python reference on dex-local-runner"),
]

MARK = {"pass": "pass", "fail": "FAIL", "not-run": "not run"}


def requirement_key(rid: str) -> tuple[int, int]:
    family, number = rid.split("-")
    return int(family), int(number)


def load(results_dir: Path, column: str) -> dict[str, Any] | None:
    path = results_dir / f"{column}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def save(results_dir: Path, column: str, run: dict[str, Any], merge: bool) -> dict[str, Any]:
    """Writes a column's results; with `merge`, over the results already there (a partial run)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    old = load(results_dir, column) if merge else None
    if old is not None:
        merged = dict(old["results"])
        merged.update(run["results"])
        update = f"`{run['command']}` ({run['date']}, {len(run['results'])} requirements)"
        run = {**old, "results": merged, "updates": [*old.get("updates", []), update]}
    ordered = dict(sorted(run["results"].items(), key=lambda kv: requirement_key(kv[0])))
    run = {**run, "results": ordered}
    (results_dir / f"{column}.json").write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    return run


def _cell(result: dict[str, Any] | None) -> tuple[str, str]:
    if result is None:
        return "", ""
    return MARK[result["status"]], result.get("why", "")


def _escape(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > 300:
        text = text[:297] + "..."
    return text.replace("|", "\\|")


def write_markdown(path: Path, results_dir: Path, requirements: dict[str, tuple[str, str]]) -> None:
    """CONFORMANCE.md: a summary per family and column, then requirement x column with why.

    `requirements` maps each id to (family, description).
    """
    columns = [(key, heading, load(results_dir, key)) for key, heading in COLUMNS]
    columns = [c for c in columns if c[2] is not None]
    lines = [
        "# Durable execution conformance",
        "",
        "AWS's language-neutral conformance suite for durable functions",
        "(`aws-durable-execution-conformance-tests` 1.0.0, 155 requirements), each requirement's",
        "validator (`validate_description`: the execution's result and its history, event by",
        "event) run locally against a durable backend, with the functions behind",
        "`ruchy-lambda-local serve` as the Lambda Invoke endpoint the backend invokes.",
        "",
        "Written by `tests/durable-conformance/conformance` (see tests/durable-conformance/README.md);",
        "do not edit by hand. Columns:",
        "",
    ]
    for key, heading, run in columns:
        note = f" {run['note']}" if run.get("note") else ""
        lines.append(f"- **{heading}**: `{run['command']}` ({run['date']}, {run['wall_seconds']:.0f} s).{note}")
        for update in run.get("updates", []):
            lines.append(f"  Then updated by {update}.")
    lines += ["", "## Summary", ""]
    header = "| Family | " + " | ".join(h for _, h, _ in columns) + " |"
    lines += [header, "|---" * (len(columns) + 1) + "|"]
    totals = [[0, 0, 0] for _ in columns]
    for family in FAMILIES:
        ids = [rid for rid, (fam, _) in requirements.items() if fam == family]
        row = [family]
        for i, (_, _, run) in enumerate(columns):
            results = run["results"]
            passed = sum(1 for rid in ids if results.get(rid, {}).get("status") == "pass")
            failed = sum(1 for rid in ids if results.get(rid, {}).get("status") == "fail")
            not_run = len(ids) - passed - failed
            totals[i][0] += passed
            totals[i][1] += failed
            totals[i][2] += not_run
            row.append(f"{passed}/{len(ids)} pass, {failed} fail, {not_run} not run")
        lines.append("| " + " | ".join(row) + " |")
    total_row = ["**all**"] + [
        f"**{p}/{p + f + n} pass**, {f} fail, {n} not run" for p, f, n in totals
    ]
    lines += ["| " + " | ".join(total_row) + " |", "", "## Requirements", ""]
    header = "| Requirement | " + " | ".join(h for _, h, _ in columns) + " | Why |"
    lines += [header, "|---" * (len(columns) + 2) + "|"]
    for rid in sorted(requirements, key=requirement_key):
        family, description = requirements[rid]
        cells = []
        whys = []
        for _, heading, run in columns:
            mark, why = _cell(run["results"].get(rid))
            cells.append(mark)
            if why:
                whys.append(f"{heading}: {_escape(why)}" if len(columns) > 1 else _escape(why))
        lines.append(f"| {rid} {_escape(description)} | " + " | ".join(cells) + " | " + "<br>".join(whys) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
