"""Run the benchmarks: `python -m bench [--quick] [names...]`; prints a table and records it in
`docs/benchmarks.md` (newest run first, with date and machine)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import time
import traceback
from datetime import UTC, datetime

from bench import BENCHMARKS, ROOT, Context, Result, dataset, machine

REPORT = ROOT / "docs" / "benchmarks.md"
MARKER = "<!-- runs: newest first; written by `python -m bench` -->"
HEADER = f"""# Benchmarks

Numbers from `make bench` (`python -m bench`) on the machine named with each run: the seeded town of
`bench/dataset.py` (5,000 shops, 1,000,000 products around Lüneburg, 25 % out of stock) in its own database,
the API served by gunicorn on the same machine, load generated on the same cores. Goals: PERFORMANCE.md.

{MARKER}
"""


def table(results: list[Result]) -> str:
    lines = ["| benchmark | metric | value | goal | met |", "|---|---|---|---|---|"]
    for result in results:
        met = "" if result.ok is None else ("yes" if result.ok else "**no**")
        note = f" ({result.note})" if result.note else ""
        lines.append(
            f"| {result.benchmark} | {result.metric}{note} | {result.value} | {result.goal} | {met} |"
        )
    return "\n".join(lines)


def record(results: list[Result], *, names: list[str], machine_text: str, quick: bool) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    if MARKER not in text:
        text = text.rstrip() + "\n\n" + MARKER + "\n"
    stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    size = "quick (small town)" if quick else "full (5,000 shops, 1,000,000 products)"
    block = f"\n## {stamp}: {', '.join(names)}, {size}\n\nMachine: {machine_text}\n\n{table(results)}\n"
    head, tail = text.split(MARKER, 1)
    REPORT.write_text(head + MARKER + "\n" + block + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Ladenkarte's benchmarks.")
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})"
    )
    parser.add_argument("--quick", action="store_true", help="small town and short runs (trying things out)")
    parser.add_argument("--no-record", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args()
    names = args.names or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    spec = dataset.Spec(shops=200, products=40_000) if args.quick else dataset.Spec()
    url = dataset.database_url()
    if args.quick:
        url = url + "_quick"
    dataset.ensure(spec, url)
    machine_text = machine(url)
    print(f"machine: {machine_text}", flush=True)
    results: list[Result] = []
    ran: list[str] = []
    for name in names:
        module_name = f"bench.{name}"
        if importlib.util.find_spec(module_name) is None:
            results.append(Result(name, "not run", "module missing", note=f"bench/{name}.py"))
            continue
        module = importlib.import_module(module_name)
        if not callable(getattr(module, "run", None)):
            note = f"bench/{name}.py: see bench/__init__.py"
            results.append(Result(name, "not run", "no run(ctx)", note=note))
            continue
        started = time.perf_counter()
        try:
            rows = module.run(Context(database_url=url, quick=args.quick))
        except Exception as error:  # one broken benchmark must not lose the others' numbers
            traceback.print_exc()
            first_line = (str(error).splitlines() or [""])[0][:120]
            results.append(Result(name, "failed", type(error).__name__, note=first_line))
            continue
        print(f"[{name}] done in {time.perf_counter() - started:.0f} s", flush=True)
        results.extend(rows)
        ran.append(name)
    print()
    print(table(results))
    if not args.no_record and ran:
        record(results, names=ran, machine_text=machine_text, quick=args.quick)
        print(f"\nrecorded in {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
