"""The cost of building a delivery, against a floor measured in the same run, and whether its
memory stays flat as the project grows.

Run: ``PYTHONPATH=. .venv/bin/python -m benchmarks.deliveries [--sizes 10000,100000] [--profile]
[--no-analyze]``
(``DATABASE_URL`` picks the server: a scratch database named ``bench_deliveries`` is created on
that PostgreSQL server for each size and dropped at the end; without it, a SQLite file in a
temporary folder, and no floor, since the floor is PostgreSQL's ``COPY``).

For each size N (not timed): one organisation, one classification project (labels positive,
negative, neutral; languages en, de, es), one batch of N complete, labelled items and two
submitted judgments per item, all written by bulk ``INSERT``, then ``ANALYZE`` (a database in
service has planner statistics; a bulk load has none until autovacuum comes by, if it is on, and
PostgreSQL then picks nested loops that go quadratic: ``--no-analyze`` measures that case). Then:

* ours — ``request_delivery`` then ``build_delivery``: the JSON Lines, CSV and Parquet files, the
  diff, the QA report (JSON, HTML, PDF) and the manifest, written to local storage in a temporary
  folder. With ``JOBS_MODE=inline`` the build already runs inside ``request_delivery``; the
  explicit ``build_delivery`` then finds it ready and returns at once, as a second worker would.
* floor — a bare ``COPY (SELECT <the delivered item columns> ...) TO STDOUT`` into a file, read
  with psycopg's ``cursor.copy()``: the least any delivery of those rows can cost. Ratio: floor
  time ÷ ours (1.0 = ours costs nothing on top of reading the rows).

Memory is the point as much as time: a delivery must cost the same memory for 10,000 items as for
100,000. So every size runs in a fresh subprocess (the script re-invokes itself with
``--one-size N``): pyarrow's pool peak and ``ru_maxrss`` are per process, and a fresh process per
size keeps one size's peak out of the next one's figures. In that process the delivery is built
twice on the same items: once timed with no tracing (tracemalloc slows allocation-heavy Python
several times over, which would make the time and the ratio meaningless), then once more under
tracemalloc for the Python heap peak, after marking the first delivery failed so the second does
the same work (a first delivery: every item "added" in the diff). A tiny project is delivered
first, untimed, so one-time costs (lazy imports, fonts, template compilation) are not charged to
the first size.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.config import normalize_database_url
from marketplace.db import get_session, utcnow

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "bench_deliveries"
DEFAULT_SIZES = (10_000, 100_000)
LANGUAGES = ("en", "de", "es")
CLASSES = ("positive", "negative", "neutral")
#: Native annotators per language; two judgments per item come from two of them.
ANNOTATORS_PER_LANGUAGE = 3
#: Rows per bulk INSERT statement: keeps setup's own memory small, so ``ru_maxrss`` before the
#: build is close to the process's resting size and the build's growth shows.
INSERT_CHUNK = 5_000
#: Items of the untimed warm-up delivery.
WARMUP_ITEMS = 30
#: The deliveries module is being finished while this runs: a build failing in it is retried.
RETRY_SLEEP_SECONDS = 120
RETRY_BUDGET_SECONDS = 30 * 60
#: Child → parent: the result line starts with this; every other line is echoed as is.
RESULT_MARKER = "BENCH_RESULT "
#: Child exit code for "the build itself failed" (retried), as opposed to a crash in setup.
BUILD_FAILED = 3
#: The child gets the database URL from the environment, not argv: argv is visible to everyone.
URL_ENV = "BENCH_DELIVERIES_DATABASE_URL"
MIB = 1024 * 1024


class BuildFailed(RuntimeError):
    """The delivery did not become ready: carries the error the build recorded and its traceback."""

    def __init__(self, error: str, trace: str) -> None:
        super().__init__(error)
        self.trace = trace


# --- scratch database and app ----------------------------------------------------------------------


def scratch_database(folder: Path) -> str:
    """A fresh, empty database for one size: the named scratch database on the server in
    ``DATABASE_URL`` (dropped and created again), or a new SQLite file in ``folder``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    server = make_url(normalize_database_url(url))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
    admin.dispose()
    return server.set(database=SCRATCH_DB).render_as_string(hide_password=False)


def drop_scratch_database() -> None:
    """Leave the server as we found it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return
    server = make_url(normalize_database_url(url))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
    admin.dispose()


def build_app(url: str, storage_root: Path) -> Flask:
    """The app on the scratch database (schema from the migrations, as in production), jobs
    inline, no Redis, and deliveries written to ``storage_root``."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    command.upgrade(cfg, "head")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "REDIS_URL": None,
            "JOBS_MODE": "inline",
            "STORAGE_BACKEND": "local",
            "STORAGE_LOCAL_ROOT": str(storage_root),
        }
    )


# --- setup (not timed) -----------------------------------------------------------------------------


def _annotators() -> dict[str, list[int]]:
    """Native annotators per language, made through the accounts service like real people."""
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role

    people: dict[str, list[int]] = {}
    for language in LANGUAGES:
        people[language] = []
        for k in range(ANNOTATORS_PER_LANGUAGE):
            user = accounts.create_user(
                f"{language}{k}@bench.example", "bench-password-2026", f"{language}{k}", [Role.ANNOTATOR]
            )
            accounts.update_language_profile(user.id, [accounts.LanguageEntry(language, True)])
            people[language].append(user.id)
    return people


def _project(organisation_id: int, name: str) -> int:
    """An active classification project made by the projects service (ontology version 1 and
    guidelines included), as the tests' ``make_project`` makes one."""
    from marketplace.projects import service as projects
    from marketplace.projects.models import ProjectState

    project = projects.create_project(
        organisation_id,
        {
            "name": name,
            "task_type": "classification",
            "source_language": "en",
            "languages": list(LANGUAGES),
            "overlap": 2,
            "max_overlap": 5,
            "ontology": {
                "labels": [
                    {"name": label, "definition": f"A {label} review.", "edge_cases": [], "examples": []}
                    for label in CLASSES
                ]
            },
            "guidelines": {"en": "Pick the customer's feeling."},
            "settings": {"qualification": {"required": False}},
        },
    )
    projects.set_project_state(project.id, ProjectState.ACTIVE, None)
    return project.id


def _chunks(n: int) -> Iterator[range]:
    for first in range(0, n, INSERT_CHUNK):
        yield range(first, min(n, first + INSERT_CHUNK))


def _seed(organisation_id: int, name: str, n: int, people: dict[str, list[int]]) -> int:
    """A project with one batch of ``n`` complete, labelled items and two submitted judgments each,
    written by bulk INSERTs a chunk at a time (the pipeline would take hours for 100,000 items)."""
    from marketplace.projects.models import Batch, Item, ItemState
    from marketplace.routing.models import Acceptance, Assignment, AssignmentState

    project_id = _project(organisation_id, name)
    session = get_session()
    batch = Batch(project_id=project_id, name=f"{name} batch")
    session.add(batch)
    session.flush()
    batch_id = batch.id
    now = utcnow()

    def label_of(k: int) -> str:
        return CLASSES[(k // len(LANGUAGES)) % len(CLASSES)]

    for rows in _chunks(n):
        session.execute(
            insert(Item),
            [
                {
                    "project_id": project_id,
                    "batch_id": batch_id,
                    "external_id": f"{name}-{k}",
                    "payload": {"text": f"Review {k}: the parcel came on time and the box was intact."},
                    "client_metadata": {},
                    "declared_language": LANGUAGES[k % len(LANGUAGES)],
                    "language": LANGUAGES[k % len(LANGUAGES)],
                    "state": ItemState.COMPLETE,
                    "consensus": {
                        "answer": {"label": label_of(k)},
                        "confidence": 0.9,
                        "resolved": True,
                        "method": "majority_vote",
                        "support": {"answers": 2},
                    },
                    "label": {"label": label_of(k)},
                    "label_source": "consensus",
                    "label_ontology_version": 1,
                    "labelled_at": now,
                    "review_round": 0,
                    "created_at": now,
                }
                for k in rows
            ],
        )
    session.commit()

    items = session.execute(
        select(Item.id, Item.language).where(Item.batch_id == batch_id).order_by(Item.id)
    ).all()
    for rows in _chunks(len(items)):
        judgments = []
        for k in rows:
            item_id, language = items[k]
            pool = people[language]
            for j in range(2):
                # Every fifth item's second judgment disagrees, so agreement is not trivially 1.
                answer = label_of(k) if j == 0 or k % 5 else CLASSES[(CLASSES.index(label_of(k)) + 1) % 3]
                judgments.append(
                    {
                        "item_id": item_id,
                        "project_id": project_id,
                        "annotator_id": pool[(k + j) % len(pool)],
                        "language": language,
                        "state": AssignmentState.SUBMITTED,
                        "claimed_at": now,
                        "lease_expires_at": now,
                        "finished_at": now,
                        "answer": {"label": answer},
                        "seconds_spent": 20 + k % 40,
                        "acceptance": Acceptance.PENDING,
                        "accept_after": now,
                        "flagged_edge_case": False,
                        "comment": "",
                    }
                )
        session.execute(insert(Assignment), judgments)
    session.commit()
    return project_id


# --- measuring -----------------------------------------------------------------------------------


class _Tracebacks(logging.Handler):
    """Keeps the tracebacks the build logs: ``build_delivery`` catches its exception and only logs
    it, so this is where the traceback of a failed build can be found."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(logging.Formatter().format(record))


def _deliver(project_id: int, tracebacks: _Tracebacks) -> tuple[int, float, dict[str, Any]]:
    """Ask for a delivery and build it, as the API and the job do: (delivery id, seconds, manifest).
    Raises ``BuildFailed`` when the delivery is not ready afterwards."""
    from marketplace.reports.deliveries import build_delivery, request_delivery
    from marketplace.reports.models import Delivery, DeliveryState

    seen = len(tracebacks.texts)
    start = time.perf_counter()
    delivery_id = request_delivery(project_id).id
    build_delivery(delivery_id)
    seconds = time.perf_counter() - start
    session = get_session()
    session.expire_all()
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    if delivery.state != DeliveryState.READY:
        raise BuildFailed(delivery.error or delivery.state, "\n\n".join(tracebacks.texts[seen:]))
    manifest = dict(delivery.manifest)
    session.commit()
    return delivery_id, seconds, manifest


def _retire(delivery_id: int) -> None:
    """Mark a built delivery failed, so the next one is again a first delivery (diff: all added)
    and does the same work as the timed one."""
    from marketplace.reports.models import Delivery, DeliveryState

    session = get_session()
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(state=DeliveryState.FAILED))
    session.commit()


def _rss_kib() -> int:
    """The process's resident size now (Linux), in KiB; 0 where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux ≥ 4.0, ``clear_refs`` 5), which
    ``ru_maxrss`` follows too. Why: setup (the bulk load) may peak higher than the build, and a
    peak that predates the build would hide whatever the build adds. False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _floor(url: str, project_id: int, path: Path) -> tuple[float, int, int]:
    """The same item rows by a bare COPY into a file: (seconds, bytes, rows). The connection is
    opened before the clock starts, as ours uses the app's already open pool."""
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    query = (
        "COPY (SELECT i.public_id, i.language, i.payload, i.label, i.label_source, i.consensus"
        " FROM item i WHERE i.project_id = %s ORDER BY i.id) TO STDOUT"
    )
    size = 0
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        start = time.perf_counter()
        with path.open("wb") as out, cur.copy(query, (project_id,)) as copy:
            for block in copy:
                out.write(block)
                size += len(block)
        seconds = time.perf_counter() - start
        rows = int(cur.rowcount)
    return seconds, size, rows


def one_size(n: int, url: str, workdir: Path, profile: bool, analyze: bool) -> dict[str, Any]:
    """Everything measured for one size, in this (fresh) process."""
    import pyarrow as pa

    from marketplace.projects import organisations

    tracebacks = _Tracebacks()
    logging.getLogger("marketplace").addHandler(tracebacks)
    app = build_app(url, workdir / "storage")
    result: dict[str, Any] = {"size": n, "backend": make_url(url).get_backend_name(), "analyzed": analyze}
    with app.app_context():
        org_id = organisations.create_organisation("Bench deliveries").id
        people = _annotators()
        warmup = _seed(org_id, "warmup", WARMUP_ITEMS, people)
        _deliver(warmup, tracebacks)
        project_id = _seed(org_id, "bench", n, people)
        if analyze:
            # Bulk-loaded tables have no planner statistics until autovacuum analyzes them (never
            # where autovacuum is off, as on the test server): PostgreSQL then guesses one row and
            # picks nested loops that rescan per item or per chunk, and the build goes quadratic.
            # A database in service has statistics, so give them.
            get_session().execute(text("ANALYZE"))
            get_session().commit()

        gc.collect()
        rss_start = _rss_kib()
        peak_reset = _reset_peak_rss()
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        try:
            delivery_id, seconds, manifest = _deliver(project_id, tracebacks)
        finally:
            if profiler is not None:
                profiler.disable()
        maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pool = pa.default_memory_pool()
        result |= {
            "ours_s": seconds,
            "items": manifest.get("counts", {}).get("items"),
            "files": [{"name": f["name"], "bytes": f["bytes"]} for f in manifest.get("files", [])],
            "arrow_peak": pool.max_memory(),
            "arrow_backend": pool.backend_name,
            "rss_start_kib": rss_start,
            "peak_reset": peak_reset,
            "maxrss_before_kib": maxrss_before,
            "maxrss_after_kib": maxrss_after,
        }
        if profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            out.write(f"--- cProfile of the {n:,}-item build, by cumulative time (top 25) ---\n")
            stats.sort_stats("cumulative").print_stats(25)
            out.write(f"--- cProfile of the {n:,}-item build, by own time (top 15) ---\n")
            stats.sort_stats("tottime").print_stats(15)
            # The top of the cumulative list is the call chain; the phases are further down.
            out.write(f"--- cProfile of the {n:,}-item build, marketplace/reports only (top 30) ---\n")
            stats.sort_stats("cumulative").print_stats(r"marketplace/reports/", 30)
            print(out.getvalue().strip())

        _retire(delivery_id)
        gc.collect()
        tracemalloc.start()
        try:
            _, traced_seconds, _ = _deliver(project_id, tracebacks)
            _, heap_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        result |= {"traced_s": traced_seconds, "heap_peak": heap_peak}

    if result["backend"] == "postgresql":
        floor_s, floor_bytes, floor_rows = _floor(url, project_id, workdir / "floor.copy")
        result |= {"floor_s": floor_s, "floor_bytes": floor_bytes, "floor_rows": floor_rows}
    app.extensions["db_engine"].dispose()
    return result


def child_main(n: int, profile: bool, analyze: bool) -> int:
    """``--one-size N``: measure one size and print the result as one JSON line."""
    url = os.environ[URL_ENV]
    with tempfile.TemporaryDirectory(prefix="bench-deliveries-") as tmp:
        try:
            result = one_size(n, url, Path(tmp), profile, analyze)
        except BuildFailed as failed:
            print(RESULT_MARKER + json.dumps({"size": n, "error": str(failed), "traceback": failed.trace}))
            return BUILD_FAILED
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


# --- the parent: one subprocess per size, then the tables ------------------------------------------


def run_size(n: int, folder: Path, profile: bool, analyze: bool) -> dict[str, Any] | None:
    """One size in a fresh process on a fresh database; a failed build is retried after a pause
    (the deliveries code may be mid-edit), until the retry budget is spent."""
    deadline = time.monotonic() + RETRY_BUDGET_SECONDS
    attempt = 0
    while True:
        attempt += 1
        url = scratch_database(folder / f"size-{n}")
        argv = [sys.executable, "-m", "benchmarks.deliveries", "--one-size", str(n)]
        if profile:
            argv.append("--profile")
        if not analyze:
            argv.append("--no-analyze")
        env = {**os.environ, URL_ENV: url}
        result: dict[str, Any] | None = None
        with subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith(RESULT_MARKER):
                    result = json.loads(line[len(RESULT_MARKER) :])
                else:
                    print(line, end="", flush=True)
        if child.returncode == 0 and result is not None:
            return result
        if child.returncode != BUILD_FAILED:
            print(f"size {n:,}: the measuring process failed (exit {child.returncode}); see above")
            return None
        error = (result or {}).get("error", "?")
        trace = (result or {}).get("traceback", "")
        if time.monotonic() + RETRY_SLEEP_SECONDS > deadline:
            print(f"size {n:,}: the build still fails after {attempt} attempts: {error}\n{trace}")
            return None
        last_line = trace.strip().splitlines()[-1] if trace.strip() else error
        print(f"size {n:,}: build failed (attempt {attempt}: {last_line}); retry in {RETRY_SLEEP_SECONDS} s")
        time.sleep(RETRY_SLEEP_SECONDS)


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value / MIB:.1f}"


def _rss_growth(result: dict[str, Any]) -> int:
    """Bytes the build added to the process's peak RSS (0 when setup's peak was higher)."""
    return max(0, result["maxrss_after_kib"] - result["maxrss_before_kib"]) * 1024


def report(results: Sequence[dict[str, Any]]) -> None:
    """The table per size, the memory ratios largest ÷ smallest size, and each delivery's files."""
    has_floor = any("floor_s" in r for r in results)
    print()
    statistics = "ANALYZE after the bulk load" if results[0]["analyzed"] else "no ANALYZE after the bulk load"
    print(f"database: {results[0]['backend']} ({statistics}); pyarrow pool: {results[0]['arrow_backend']}")
    header = (
        f"{'items':>9} {'ours s':>8} {'floor s':>8} {'floor/ours':>10} {'ours/floor':>10} "
        f"{'items/s':>9} {'heap MiB':>9} {'arrow MiB':>10} {'RSS+ MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        ours, floor = r["ours_s"], r.get("floor_s")
        floor_text = "-" if floor is None else f"{floor:.3f}"
        ratio_text = "-" if floor is None else f"{floor / ours:.4f}"
        inverse_text = "-" if floor is None else f"{ours / floor:.0f}"
        print(
            f"{r['size']:>9,} {ours:>8.2f} {floor_text:>8} {ratio_text:>10} {inverse_text:>10} "
            f"{r['size'] / ours:>9,.0f} {_mib(r['heap_peak']):>9} {_mib(r['arrow_peak']):>10} "
            f"{_mib(_rss_growth(r)):>9}"
        )
    print(
        "heap MiB: tracemalloc peak of a second, identical build (its wall time below); arrow MiB: "
        "pyarrow pool peak; RSS+ MiB: ru_maxrss after the build minus before it"
        + (
            " (peak mark reset to the current RSS just before)"
            if results[0]["peak_reset"]
            else " (peak mark not reset: setup's peak may hide the build's)"
        )
    )
    for r in results:
        line = (
            f"  {r['size']:,} items: delivered {r['items']:,}; under tracemalloc {r['traced_s']:.2f} s; "
            f"RSS at start {r['rss_start_kib'] / 1024:.0f} MiB, ru_maxrss {r['maxrss_before_kib'] / 1024:.0f}"
            f" → {r['maxrss_after_kib'] / 1024:.0f} MiB"
        )
        if "floor_s" in r:
            line += f"; floor COPY {r['floor_rows']:,} rows, {r['floor_bytes'] / MIB:.1f} MiB"
        print(line)
    if not has_floor:
        print("floor: skipped (SQLite: the floor is PostgreSQL's COPY; set DATABASE_URL to measure it)")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print()
        print(f"memory ratio {large['size']:,} ÷ {small['size']:,} items (flat memory: near 1):")
        for label, key in (("tracemalloc heap peak", "heap_peak"), ("pyarrow pool peak", "arrow_peak")):
            ratio = large[key] / small[key] if small[key] else float("nan")
            print(f"  {label:<23} {_mib(small[key]):>8} → {_mib(large[key]):>8} MiB  ratio {ratio:.2f}")
        small_rss, large_rss = _rss_growth(small), _rss_growth(large)
        ratio = large_rss / small_rss if small_rss else float("nan")
        print(f"  {'RSS growth':<23} {_mib(small_rss):>8} → {_mib(large_rss):>8} MiB  ratio {ratio:.2f}")
        peak_small = small["maxrss_after_kib"] * 1024
        peak_large = large["maxrss_after_kib"] * 1024
        print(
            f"  {'peak RSS of the build':<23} {_mib(peak_small):>8} → {_mib(peak_large):>8} MiB  "
            f"ratio {peak_large / peak_small:.2f}"
        )
    print()
    print("files in the manifest (bytes):")
    names = list(dict.fromkeys(f["name"] for r in results for f in r["files"]))
    print(f"  {'file':<18}" + "".join(f"{r['size']:>14,}" for r in results))
    for name in names:
        sizes = [{f["name"]: f["bytes"] for f in r["files"]}.get(name) for r in results]
        print(f"  {name:<18}" + "".join(f"{'-' if s is None else f'{s:,}':>14}" for s in sizes))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="item counts, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each timed build")
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="skip ANALYZE after the bulk load (measures a build on a database without statistics)",
    )
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_size is not None:
        return child_main(args.one_size, args.profile, args.analyze)

    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part.strip()]
    results: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-deliveries-") as tmp:
            for n in sizes:
                print(f"size {n:,}: setting up and building in a fresh process...", flush=True)
                result = run_size(n, Path(tmp), args.profile, args.analyze)
                if result is None:
                    return 1
                results.append(result)
    finally:
        drop_scratch_database()
    report(results)
    return 0 if all(r["items"] == r["size"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
