"""Times this project's trackers against one SQL statement and django-trackstats 0.7.0.

    python -m benchmarks.run                          # 100k rows, SQLite and PostgreSQL
    python -m benchmarks.run --db mariadb             # 100k rows, MariaDB
    python -m benchmarks.run --rows 100000,1000000    # both sizes
    python -m benchmarks.run --rows 2000 --repeat 1 --timeout 10   # smoke test (CI)

For every database and size it builds the same source table (benchapp.Event: N rows,
1,000 members) in this project's database and in a second database for
django-trackstats 0.7.0: by default (--dataset split) over the 365 days before today
for the first runs, and at 274 rows a day over N / 274 days for the +1 day re-runs, so
that a re-run at a larger size sees a longer history rather than denser days. 0.7.0
runs from its own virtualenv (benchmarks/.venv-07, created on first use). Every case
runs in a subprocess of its own; the Markdown table goes to stdout and to
benchmarks/results/. After its timed runs, every trackstats case runs the floor of its
period once more, into a metric of its own, and compares the stored rows (--no-check
skips that). docs/performance.md explains the cases and targets.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import dataset
from benchmarks.cases import IMPLEMENTATIONS, PERIODS, PERIODS_07, TARGETS, Case
from benchmarks.dbconfig import RESULTS_DIR, VENDORS
from benchmarks.worker import RESULT_PREFIX

REPO = Path(__file__).resolve().parent.parent
VENV_07 = Path(__file__).resolve().parent / ".venv-07"
PACKAGE_07 = "django-trackstats==0.7.0"
VENDOR_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mariadb": "MariaDB"}
# Targets of issue 14: every first run within 1.5x of its own floor; the +1 day re-run
# at the largest size within 1.5x of the re-run at the smallest size of the same run
# (its cost must not grow with the history); peak RSS flat across sizes (within 10% of
# the smallest size's) and under 100 MB.
FLOOR_TARGET = 1.5
RERUN_GROWTH_TARGET = 1.5
MEMORY_GROWTH_TARGET = 1.1
MEMORY_TARGET_MB = 100.0


@dataclass
class Phase:
    """The timed runs of one phase (first run or incremental) of one case."""

    runs: list[dict] = field(default_factory=list)
    timeout: float | None = None
    error: str | None = None
    # The comparison with the floor's rows after the timed runs (worker --check).
    check: dict | None = None

    @property
    def seconds(self) -> float | None:
        if self.timeout is not None or not self.runs:
            return None
        return statistics.median(run["seconds"] for run in self.runs)

    @property
    def peak_mb(self) -> float | None:
        return max((run["peak_kib"] for run in self.runs), default=0) / 1024 or None

    @property
    def delta_mb(self) -> float | None:
        if not self.runs:
            return None
        return max(run["peak_kib"] - run["base_kib"] for run in self.runs) / 1024

    @property
    def rows(self) -> int | None:
        return self.runs[-1]["rows"] if self.runs else None

    def time_text(self) -> str:
        if self.timeout is not None:
            return f"> {self.timeout:g} s"
        if self.error:
            return "error"
        if self.seconds is None:
            return "—"
        return _seconds_text(self.seconds)

    def memory_text(self) -> str:
        if self.peak_mb is None:
            return "—"
        return f"{self.peak_mb:.0f} (+{self.delta_mb:.1f})"


def _seconds_text(seconds: float) -> str:
    if seconds < 0.1:
        return f"{seconds:.4f}"
    if seconds < 10:
        return f"{seconds:.3f}"
    return f"{seconds:.1f}"


def _environment(
    settings: str, vendor: str, db_name: str, python_path: list[str]
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        BENCH_DB=vendor,
        BENCH_DB_NAME=db_name,
        PYTHONPATH=os.pathsep.join(python_path),
    )
    return env


@dataclass(frozen=True)
class DataSet:
    """One source data set (benchmarks.dataset): ``rows`` rows over ``days`` days."""

    rows: int
    days: int
    today: datetime.date

    @classmethod
    def of(cls, rows: int, spread: str, today: datetime.date) -> DataSet:
        return cls(rows, dataset.spread_days(rows, spread), today)

    @property
    def key(self) -> str:
        """The database name's suffix: one database per geometry."""
        return f"{self.rows}_{self.days}d"

    def argv(self) -> list[str]:
        return [f"--rows={self.rows}", f"--days={self.days}", f"--today={self.today}"]

    def describe(self) -> str:
        per_day = dataset.Geometry(self.rows, self.days, self.today).new_day_rows
        return f"{self.rows:,} rows over {self.days:,} days ({per_day:,} a day)"


def data_sets(rows: int, args: argparse.Namespace) -> dict[str, DataSet]:
    """The data set of each phase: with ``--dataset split`` first runs (against the
    floors) on N rows over a year, re-runs on the fixed density of a longer history."""
    first, incremental = ("year", "history") if args.dataset == "split" else (args.dataset,) * 2
    return {
        "first": DataSet.of(rows, first, args.today),
        "incremental": DataSet.of(rows, incremental, args.today),
    }


@dataclass(frozen=True)
class Flavor:
    """A virtualenv with its settings module and database: this project or 0.7."""

    python: str
    settings: str
    db_prefix: str
    #: Folders the worker imports from, before its virtualenv's packages.
    python_path: tuple[str, ...] = (str(REPO),)

    def run(self, vendor: str, data: DataSet, argv: list[str], hard_timeout: float) -> list[dict]:
        command = [self.python, "-m", "benchmarks.worker", *argv, *data.argv()]
        try:
            completed = subprocess.run(
                command,
                cwd=REPO,
                env=_environment(
                    self.settings, vendor, f"{self.db_prefix}_{data.key}", list(self.python_path)
                ),
                capture_output=True,
                text=True,
                timeout=hard_timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            output = expired.stdout or ""
            if isinstance(output, bytes):
                output = output.decode()
            return [*_results(output), {"phase": "?", "error": "killed"}]
        results = _results(completed.stdout)
        if completed.returncode not in (0, 3):
            sys.stderr.write(completed.stderr)
            results.append({"phase": "?", "error": f"exit {completed.returncode}"})
        return results


def _results(output: str) -> list[dict]:
    return [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in output.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]


def ensure_venv_07(vendors: list[str]) -> str:
    python = VENV_07 / "bin" / "python"
    if not python.exists():
        print(f"Creating {VENV_07.relative_to(REPO)} with {PACKAGE_07} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV_07)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", PACKAGE_07, "psycopg[binary]"],
            check=True,
        )
    has_driver = subprocess.run([str(python), "-c", "import MySQLdb"], capture_output=True)
    if "mariadb" in vendors and has_driver.returncode != 0:
        # Built against libmariadb-dev, as in this project's own virtualenv.
        print(f"Installing mysqlclient into {VENV_07.relative_to(REPO)} ...", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "mysqlclient"], check=True)
    return str(python)


def measure(
    flavor: Flavor, vendor: str, sets: dict[str, DataSet], case: Case, args: argparse.Namespace
) -> dict[str, Phase]:
    """Time one case: one worker per data set its phases run on."""
    wanted = [name for name in args.runs if name == "first" or case.incremental]
    calls: dict[DataSet, list[str]] = {}
    for name in wanted:
        calls.setdefault(sets[name], []).append(name)
    phases = {"first": Phase(), "incremental": Phase()}
    for data, names in calls.items():
        argv = [
            "case",
            f"--implementation={case.implementation}",
            f"--period={case.period}",
            f"--target={case.target}",
            f"--phases={','.join(names)}",
            f"--repeat={args.repeat}",
            f"--rerun-repeat={args.rerun_repeat or args.repeat}",
            f"--timeout={args.timeout}",
        ]
        if args.check:
            argv.append("--check")
        if args.trace:
            folder = RESULTS_DIR / "trace" / f"{vendor}-{data.key}-{case.metric_ref}"
            folder.mkdir(parents=True, exist_ok=True)
            argv.append(f"--trace={folder}")
        # Generous: the worker's own watchdog ends slow runs; this only catches a hang
        # in setup.
        reruns = args.rerun_repeat or args.repeat
        hard_timeout = (args.timeout + 60) * (args.repeat + 2 * reruns + 2)
        for result in flavor.run(vendor, data, argv, hard_timeout):
            if result["phase"] == "check":
                phases[result["of"]].check = result
                continue
            phase = phases.get(result["phase"])
            if phase is None:
                first = phases[names[0]]
                first.error = first.error or result.get("error")
            elif "timeout" in result:
                phase.timeout = result["timeout"]
            else:
                phase.runs.append(result)
    return phases


def cases_for(args: argparse.Namespace) -> list[Case]:
    cases: list[Case] = []
    for target in args.targets:
        if "floor" in args.implementations and "first" in args.runs:
            cases.extend(Case("floor", period, target) for period in args.periods)
        if "trackstats" in args.implementations:
            cases.extend(Case("trackstats", period, target) for period in args.periods)
        if "trackstats-0.7" in args.implementations:
            cases.extend(
                Case("trackstats-0.7", period, target)
                for period in args.periods
                if period in PERIODS_07
            )
    return cases


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("ok" if ok else "**MISS**")


def table(
    vendor: str,
    rows: int,
    results: dict[Case, dict[str, Phase]],
    args,
    smallest: tuple[int, dict[Case, dict[str, Phase]]] | None = None,
) -> list[str]:
    """The Markdown table of one database and size.

    ``smallest`` is (size, results) of the smallest size of the same run, which the
    re-runs and the memory of larger sizes are compared with; None for that size itself.
    """
    base_rows, base_results = smallest if smallest is not None else (rows, {})
    lines = [
        f"### {VENDOR_TITLES[vendor]}, {rows:,} rows",
        "",
        "| case | run | trackstats s | own floor s | ratio | target | time "
        "| DAY floor s | ratio to DAY floor | peak RSS MB (+run) | memory | rows "
        "| 0.7.0 s | 0.7.0 peak RSS MB (+run) | 0.7.0 rows |",
        "|---|---|--:|--:|--:|--:|---|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    misses: list[str] = []
    checked: list[str] = []
    mismatches: list[str] = []
    for target in args.targets:
        floor = results.get(Case("floor", "day", target), {}).get("first", Phase())
        for period in args.periods:
            ours = results.get(Case("trackstats", period, target))
            old = results.get(Case("trackstats-0.7", period, target))
            if ours is None and old is None and period != "day":
                continue
            ours = ours or {"first": Phase(), "incremental": Phase()}
            label = f"{period.upper()} by {target}"
            own = results.get(Case("floor", period, target), {}).get("first", Phase())
            base_case = base_results.get(Case("trackstats", period, target))
            for phase_name in ("first", "incremental"):
                phase = ours[phase_name]
                base_phase = base_case[phase_name] if base_case else None
                old_phase = old[phase_name] if old else None
                ratio_text, target_text, ok = "—", "—", None
                if phase_name == "first":
                    target_text = f"≤ {FLOOR_TARGET:g}x own floor"
                    if phase.timeout is not None:
                        ok = False
                    elif phase.seconds is not None and own.seconds:
                        ratio = phase.seconds / own.seconds
                        ratio_text = f"{ratio:.2f}x"
                        ok = ratio <= FLOOR_TARGET
                    own_text = own.time_text()
                    floor_text = floor.time_text()
                    day_ratio = (
                        f"{phase.seconds / floor.seconds:.2f}x"
                        if phase.seconds is not None and floor.seconds
                        else "—"
                    )
                else:
                    own_text = floor_text = day_ratio = ""
                    if smallest is None:
                        target_text = "the base of larger sizes"
                    else:
                        target_text = f"≤ {RERUN_GROWTH_TARGET:g}x the {base_rows:,}-row re-run"
                        if phase.timeout is not None:
                            ok = False
                        elif phase.seconds is not None and base_phase and base_phase.seconds:
                            ratio = phase.seconds / base_phase.seconds
                            ratio_text = f"{ratio:.2f}x"
                            ok = ratio <= RERUN_GROWTH_TARGET
                memory_ok = None if phase.peak_mb is None else phase.peak_mb < MEMORY_TARGET_MB
                if memory_ok and base_phase is not None and base_phase.peak_mb:
                    memory_ok = phase.peak_mb <= base_phase.peak_mb * MEMORY_GROWTH_TARGET
                if old_phase is None:
                    old_time, old_memory, old_rows = "n/a", "", ""
                elif phase_name == "incremental" and old["first"].timeout is not None:
                    old_time, old_memory, old_rows = "not run (no full run)", "", ""
                else:
                    old_time = old_phase.time_text()
                    old_memory = old_phase.memory_text()
                    old_rows = "" if old_phase.rows is None else f"{old_phase.rows:,}"
                run_name = "first" if phase_name == "first" else "+1 day"
                if phase.check is not None:
                    checked.append(f"{label} {run_name}")
                    if phase.check["missing"] or phase.check["extra"]:
                        mismatches.append(f"{label} {run_name}: {check_text(phase.check)}")
                lines.append(
                    f"| {label} | {run_name} | {phase.time_text()} | {own_text} | "
                    f"{ratio_text} | {target_text} | {verdict(ok)} | {floor_text} | {day_ratio} | "
                    f"{phase.memory_text()} | "
                    f"{verdict(memory_ok)} | "
                    f"{'' if phase.rows is None else f'{phase.rows:,}'} | "
                    f"{old_time} | {old_memory} | {old_rows} |"
                )
                if ok is False:
                    misses.append(f"{label} {run_name}: time {phase.time_text()} ({ratio_text})")
                if memory_ok is False:
                    misses.append(f"{label} {run_name}: peak RSS {phase.memory_text()} MB")
    lines.append("")
    lines.append("Misses: " + ("; ".join(misses) if misses else "none") + ".")
    lines.append("")
    if checked:
        lines.append(
            f"Checked against the floor ({len(checked)} runs): "
            + ("; ".join(mismatches) if mismatches else "same rows and values in every run")
            + "."
        )
        lines.append("")
    return lines


def check_text(check: dict) -> str:
    return (
        f"{check['missing']:,} of the floor's {check['floor_rows']:,} rows missing or "
        f"different, {check['extra']:,} of trackstats' {check['rows']:,} rows not in the floor"
    )


def check_failures(results: dict[Case, dict[str, Phase]]) -> list[str]:
    return [
        f"{case.label} {name}"
        for case, phases in results.items()
        for name, phase in phases.items()
        if phase.check is not None and (phase.check["missing"] or phase.check["extra"])
    ]


def header(args: argparse.Namespace) -> list[str]:
    import sqlite3

    import django

    return [
        f"## Benchmark run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"`python -m benchmarks.run {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; median of {args.repeat} "
        f"first run(s) and {args.rerun_repeat or args.repeat} re-run(s); runs capped at "
        f"{args.timeout:g} s.",
        "",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", default="sqlite,postgres", help="comma-separated: sqlite,postgres,mariadb"
    )
    parser.add_argument("--rows", default="100000", help="comma-separated source table sizes")
    parser.add_argument(
        "--dataset",
        choices=("split", *dataset.SPREADS),
        default="split",
        help="how N rows spread over time: year (over the 365 days before today), "
        "history (274 a day, as 100,000 over a year, over N / 274 days), or split "
        "(the default: first runs on year, +1 day re-runs on history, so that a re-run "
        "at a larger size sees a longer history, not denser days)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (median)")
    parser.add_argument(
        "--rerun-repeat",
        type=int,
        help="timed +1 day re-runs per case (default: --repeat); they are short and "
        "cheap to repeat, where a full run at 1M rows is not",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="cap of one run, seconds")
    parser.add_argument(
        "--runs",
        default="first,incremental",
        help="which runs to time: first (full runs, and the floors), incremental (+1 day "
        "re-runs, after one untimed full run) or both (the default)",
    )
    parser.add_argument("--periods", default=",".join(PERIODS), help="comma-separated")
    parser.add_argument("--targets", default=",".join(TARGETS), help="date,object")
    parser.add_argument(
        "--implementations",
        default=",".join(IMPLEMENTATIONS),
        help="comma-separated: trackstats (this project), floor (one SQL statement), "
        "trackstats-0.7 (django-trackstats 0.7.0)",
    )
    parser.add_argument(
        "--no-07", dest="with_07", action="store_false", help="skip django-trackstats 0.7.0"
    )
    parser.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="skip comparing each tracker's stored rows with its floor's",
    )
    parser.add_argument(
        "--db-prefix",
        default=os.environ.get("BENCH_DB_PREFIX", "ts_bench"),
        help="databases are PREFIX_<rows> and PREFIX_07_<rows> (default: $BENCH_DB_PREFIX "
        "or ts_bench); give each concurrent run on one server its own",
    )
    parser.add_argument("--output", type=Path, help="Markdown file (default: results/)")
    parser.add_argument(
        "--trace", action="store_true", help="write the SQL of each case to results/trace/"
    )
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    # One today for the whole run: the data sets and the trackers' clock (the workers
    # fix it), so that a run that passes midnight UTC stays consistent.
    args.today = dataset.utc_today()
    args.dbs = _choices(args.db, VENDORS, "--db")
    args.row_counts = [int(value) for value in args.rows.split(",")]
    if any(count < 1 for count in args.row_counts):
        parser.error("--rows must be positive")
    if args.repeat < 1 or (args.rerun_repeat is not None and args.rerun_repeat < 1):
        parser.error("--repeat and --rerun-repeat must be at least 1")
    args.periods = _choices(args.periods, tuple(PERIODS), "--periods")
    args.runs = _choices(args.runs, ("first", "incremental"), "--runs")
    args.targets = _choices(args.targets, TARGETS, "--targets")
    args.implementations = _choices(args.implementations, IMPLEMENTATIONS, "--implementations")
    if not args.with_07:
        args.implementations = [i for i in args.implementations if i != "trackstats-0.7"]
    args.with_07 = "trackstats-0.7" in args.implementations
    return args


def _choices(text: str, allowed: tuple[str, ...], option: str) -> list[str]:
    values = [value.strip() for value in text.split(",") if value.strip()]
    unknown = [value for value in values if value not in allowed]
    if unknown or not values:
        raise SystemExit(f"{option}: choose from {', '.join(allowed)}; got {text!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # This checkout's src/ first: the virtualenv may hold trackstats installed from
    # another checkout (an editable install of the main worktree, say), and the
    # benchmark measures the code next to it. Not for 0.7, which must import its own.
    ours = Flavor(
        sys.executable, "benchmarks.settings", args.db_prefix, (str(REPO / "src"), str(REPO))
    )
    old = (
        Flavor(ensure_venv_07(args.dbs), "benchmarks.settings_07", f"{args.db_prefix}_07")
        if args.with_07
        else None
    )
    lines = header(args)
    started = time.perf_counter()
    failures: list[str] = []
    for vendor in args.dbs:
        by_size: list[tuple[int, dict[Case, dict[str, Phase]], list[str]]] = []
        for rows in sorted(args.row_counts):
            flavors = [ours, old] if old else [ours]
            sets = data_sets(rows, args)
            build_notes = []
            server = ""
            for flavor in flavors:
                for data in dict.fromkeys(sets[name] for name in args.runs):
                    built = flavor.run(vendor, data, ["build"], 3600)
                    name = f"{flavor.db_prefix}_{data.key}"
                    if not built or "seconds" not in built[-1]:
                        raise SystemExit(f"building {name} on {vendor} failed: {built}")
                    build_notes.append(f"{name} {built[-1]['seconds']:.1f} s")
                    server = server or built[-1].get("server", "")
            results: dict[Case, dict[str, Phase]] = {}
            for case in cases_for(args):
                flavor = old if case.implementation == "trackstats-0.7" else ours
                print(f"{vendor} {rows:,} {case.implementation} {case.label} ...", file=sys.stderr)
                results[case] = measure(flavor, vendor, sets, case, args)
                if any(phase.error for phase in results[case].values()):
                    failures.append(f"{vendor} {rows:,} {case.implementation} {case.label}")
            if sets["first"] == sets["incremental"]:
                geometry = [f"Data set: {sets['first'].describe()}."]
            else:
                geometry = [
                    f"Data sets: first runs on {sets['first'].describe()}; +1 day re-runs "
                    f"on {sets['incremental'].describe()}."
                ]
            notes = [*geometry, f"Data set built in: {', '.join(build_notes)}."]
            if server:
                notes.append(f"Server: {VENDOR_TITLES[vendor]} {server}.")
            by_size.append((rows, results, notes))
            failures.extend(
                f"{vendor} {rows:,} {name}: rows differ from the floor's"
                for name in check_failures(results)
            )
        # Tables once every size is measured: larger sizes compare with the smallest.
        smallest_rows, smallest_results, _ = by_size[0]
        for index, (rows, results, notes) in enumerate(by_size):
            base = None if index == 0 else (smallest_rows, smallest_results)
            lines.extend(table(vendor, rows, results, args, base))
            lines.extend([*notes, ""])
    lines.append(f"Total time of the run: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(lines) + "\n"
    print(text)
    output = args.output or RESULTS_DIR / f"bench-{datetime.datetime.now():%Y%m%d-%H%M%S}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"Written to {output}", file=sys.stderr)
    if failures:
        # A case that crashed (not one that hit the time limit), or a tracker whose rows
        # differ from its floor's, fails the run, so that the CI smoke test notices a
        # broken harness or tracker.
        print(f"Failed cases: {'; '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
