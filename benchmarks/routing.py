"""Routing throughput: the app over HTTP against a floor of plain psycopg doing the same work.

Simulated annotators claim and submit through the work API of the app served by gunicorn (several
workers) on PostgreSQL. In the same invocation, a plain psycopg loop does the same claim-and-submit
with ``FOR UPDATE SKIP LOCKED``, as tightly as it can honestly be written, on a second project with
the same items: that is the floor, what the database itself allows. The ratio says how much of it
the app keeps; the goal is at least half. Both phases end with a check for double assignments
(one annotator twice on an item) and over-assigned items (more submitted answers than the overlap):
a fast router that breaks those rules is worth nothing, so both must be 0.

Why a floor instead of a fixed target: cycles per second depend on the machine; the ratio does not
(much). Why HTTP clients in several processes: one Python process cannot generate enough load to
saturate several gunicorn workers without its own GIL becoming the bottleneck being measured.

Everything runs on 127.0.0.1: a scratch database (dropped and recreated), gunicorn on a free port.

    .venv/bin/python benchmarks/routing.py                      # defaults: 3000 items, 30 annotators
    .venv/bin/python benchmarks/routing.py --duration 10 --annotators 12
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if not __package__:  # run as a script: benchmarks/ is on the path, the checkout is not
    sys.path.insert(0, str(ROOT))
from benchmarks.scratch_database import database_urls, recreate_database  # noqa: E402

LABELS = ("positive", "neutral", "negative")
LANGUAGE = "en"
PASSWORD = "bench-password-2026"  # scratch accounts in a scratch database
#: Empty claims in a row before a client decides the work ran out (a claim can come back empty
#: for a moment while every remaining item is locked by someone else's claim).
EMPTY_CLAIMS_BEFORE_STOP = 3
#: Failed requests in a row before a client gives up (the server is down, not just busy).
FAILURES_BEFORE_STOP = 20

_FORM_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


# --- the seed of the scratch database ------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    app_project_id: int
    floor_project_id: int
    floor_batch_id: int
    annotators: list[tuple[int, str]]  # (user id, email)


def _project_data(name: str, overlap: int) -> dict[str, Any]:
    return {
        "name": name,
        "task_type": "classification",
        "source_language": LANGUAGE,
        "languages": [LANGUAGE],
        "overlap": overlap,
        "max_overlap": max(overlap, 5),
        "lease_minutes": 30,
        "ontology": {
            "labels": [{"name": n, "definition": f"The customer is {n}."} for n in LABELS],
        },
        "guidelines": {LANGUAGE: "Choose the customer's feeling, not the agent's."},
        # Native speakers work without an exam: qualification is not what this measures.
        "settings": {"qualification": {"required": False}},
    }


def _item_texts(count: int) -> list[str]:
    """Distinct, plausible support messages (the router never reads them; the API sends them back)."""
    openings = ("My order", "The parcel", "Your agent", "The refund", "The new phone", "This app")
    middles = ("arrived late", "works perfectly", "was never sent", "made my day", "broke after a week")
    return [
        f"{openings[n % len(openings)]} {middles[(n // len(openings)) % len(middles)]} (ticket {n:05d})."
        for n in range(count)
    ]


def seed(app_url: str, items: int, annotators: int, overlap: int) -> Seeded:
    """Seed with the project's own services: an organisation, two identical classification projects
    (one for the app, one for the floor, kept in draft so the app never routes it), annotators."""
    from marketplace import create_app
    from marketplace.accounts.models import LanguageSkill, Role, User, UserRole
    from marketplace.accounts.passwords import hash_password
    from marketplace.db import get_session
    from marketplace.projects import organisations
    from marketplace.projects import service as projects
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.models import ProjectState
    from marketplace.projects.upload_parsing import Upload

    app = create_app(
        {
            "DATABASE_URL": app_url,
            "SECRET_KEY": "benchmark-seed",
            "JOBS_MODE": "inline",
            "SYNC_UPLOAD_MAX_ITEMS": items + 1,
        }
    )
    texts = _item_texts(items)
    with app.app_context():
        organisation = organisations.create_organisation("Routing benchmark")
        ids: list[int] = []
        batches: list[int] = []
        for name in ("app", "floor"):
            project = projects.create_project(organisation.id, _project_data(f"Benchmark {name}", overlap))
            if name == "app":
                projects.set_project_state(project.id, ProjectState.ACTIVE, None)
            document = {
                "batch": {"name": f"{name} batch"},
                "items": [
                    {"external_id": f"{name}-{n}", "language": LANGUAGE, "payload": {"text": text}}
                    for n, text in enumerate(texts)
                ],
            }
            outcome = upload_items(project.id, Upload(format="json", content=json.dumps(document).encode()))
            assert outcome.batch is not None  # stored in the request, not queued
            ids.append(project.id)
            batches.append(outcome.batch.id)
        # One argon2 hash for everyone: hashing 30 passwords one by one would dominate the set-up.
        password_hash = hash_password(PASSWORD)
        session = get_session()
        users = []
        for n in range(annotators):
            user = User(
                email=f"annotator{n:03d}@bench.example",
                password_hash=password_hash,
                display_name=f"Annotator {n}",
                is_active=True,
            )
            user.roles = [UserRole(role=str(Role.ANNOTATOR))]
            user.language_skills = [LanguageSkill(language=LANGUAGE, is_native=True)]
            session.add(user)
            users.append(user)
        session.commit()
        seeded = Seeded(ids[0], ids[1], batches[1], [(u.id, u.email) for u in users])
    app.extensions["db_engine"].dispose()
    return seeded


# --- gunicorn ----------------------------------------------------------------------------------------


def print_server_errors(log_path: Path, lines: int = 30) -> None:
    """Show what the server logged about failed requests: an error count alone explains nothing."""
    text = log_path.read_text(errors="replace").splitlines()
    interesting = [line for line in text if "Error" in line or "error" in line or "Traceback" in line]
    print(f"server log, {len(interesting)} error lines; the last {lines}:")
    for line in interesting[-lines:]:
        print("   ", line[:300])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(
    app_url: str, workers: int, threads: int, clients: int, log_dir: Path, redis_url: str | None
) -> Any:
    """Serve ``wsgi:app`` on a free local port; always stopped on the way out, errors included.

    ``--worker-connections`` is bounded so the keep-alive connections spread over the workers: a
    gthread worker otherwise accepts up to 1000 of them, and the first one awake takes them all
    (measured: one worker busy, three idle).

    With ``redis_url`` the app runs in its production shape: background jobs (agreement statistics
    after each answer) go to RQ and one ``python -m workers`` process runs them beside gunicorn, on
    the same cores; without it, jobs run inside the requests.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app_url,
        "MARKETPLACE_SECRET_KEY": secrets.token_hex(32),
        "MARKETPLACE_SECURE_COOKIES": "0",
        "MARKETPLACE_JOBS_MODE": "rq" if redis_url else "inline",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    log = (log_dir / "gunicorn.log").open("w")
    job_worker = (
        subprocess.Popen(
            [sys.executable, "-m", "workers", "default", "--no-scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if redis_url
        else None
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "--worker-connections",
        str(-(-clients // workers) + 1),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_healthy(port, process, log_dir / "gunicorn.log")
        yield port, process.pid
    finally:
        if job_worker is not None and job_worker.poll() is None:
            os.killpg(job_worker.pid, signal.SIGTERM)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def wait_healthy(port: int, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become healthy:\n{log_path.read_text()[-3000:]}")


# --- an HTTP client that behaves like the work page ------------------------------------------------


@dataclass
class WebClient:
    """One person's browser: a keep-alive connection, a cookie jar and the page's CSRF token."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.conn

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
        """Send once; a keep-alive connection the server closed meanwhile is reopened once."""
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            for raw in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, data
        raise AssertionError("unreachable")

    def api(self, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        status, data = self.request(
            "POST",
            path,
            json.dumps(payload).encode(),
            **{"Content-Type": "application/json", "X-CSRFToken": self.csrf},
        )
        return status, json.loads(data) if data else None

    def log_in(self, email: str) -> None:
        status, page = self.request("GET", "/login")
        token = _FORM_CSRF.search(page.decode())
        if status != 200 or token is None:
            raise RuntimeError(f"GET /login gave {status}")
        form = urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)}).encode()
        status, _ = self.request(
            "POST", "/login", form, **{"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"log-in of {email} gave {status}")
        status, page = self.request("GET", "/")
        meta = _META_CSRF.search(page.decode())
        if meta is None:
            raise RuntimeError("no csrf-token meta on the home page")
        self.csrf = meta.group(1)


# --- the load: processes of threads, one simulated annotator per thread ---------------------------


@dataclass
class ClientResult:
    latencies: list[float]
    started: float
    finished: float
    errors: int
    ran_out: bool


def app_cycles(client: dict[str, Any], deadline: float) -> ClientResult:
    """Claim one item and submit an answer, again and again, like a fast annotator on the work page."""
    web = WebClient(client["port"], dict(client["cookies"]), client["csrf"])
    latencies: list[float] = []
    errors = failures = empty = 0
    ran_out = False
    started = time.monotonic()
    n = client["index"]
    while time.monotonic() < deadline and failures < FAILURES_BEFORE_STOP:
        t0 = time.perf_counter()
        try:
            status, body = web.api("/api/v1/work/next", {})
            if status != 200:
                errors, failures = errors + 1, failures + 1
                continue
            if not body["assignments"]:
                empty += 1
                if empty >= EMPTY_CLAIMS_BEFORE_STOP:
                    ran_out = True
                    break
                time.sleep(0.01)
                continue
            empty = 0
            assignment_id = body["assignments"][0]["id"]
            answer = {"answer": {"label": LABELS[n % len(LABELS)]}, "seconds_spent": 5}
            status, _ = web.api(f"/api/v1/work/assignments/{assignment_id}/submit", answer)
        except (OSError, http.client.HTTPException, ValueError):
            errors, failures = errors + 1, failures + 1
            continue
        if status != 200:
            errors, failures = errors + 1, failures + 1
            continue
        failures = 0
        n += 1
        latencies.append(time.perf_counter() - t0)
    return ClientResult(latencies, started, time.monotonic(), errors, ran_out)


# The floor, statement by statement. The claim is the app's rule in two statements: lock one ready
# item that this annotator never had and whose slots are not full (skipping rows other claims hold),
# then insert the assignment guarded by a recount. The recount must be a second statement: under
# READ COMMITTED it takes a new snapshot, so it sees claims that committed while we waited for the
# lock (the first statement's snapshot cannot). The submit locks the item (as claims do), records
# the answer and marks the item complete once enough answers are in.
_SLOT = "(a.state = 'submitted' OR (a.state = 'leased' AND a.lease_expires_at > now()))"
FLOOR_CANDIDATE = f"""
SELECT i.id, i.language, coalesce(i.judgments_required, %(overlap)s)
FROM item i
WHERE i.batch_id = %(batch)s AND i.state = 'ready' AND i.language = ANY(%(languages)s)
  AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.item_id = i.id AND a.annotator_id = %(annotator)s)
  AND (SELECT count(*) FROM assignment a WHERE a.item_id = i.id AND {_SLOT})
      < coalesce(i.judgments_required, %(overlap)s)
ORDER BY i.id
LIMIT 1
FOR UPDATE OF i SKIP LOCKED
"""
FLOOR_INSERT = f"""
INSERT INTO assignment (public_id, item_id, project_id, annotator_id, language, state, claimed_at,
                        lease_expires_at, flagged_edge_case, comment)
SELECT %(public_id)s, %(item)s, %(project)s, %(annotator)s, %(language)s, 'leased', now(),
       now() + interval '30 minutes', false, ''
WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.item_id = %(item)s AND a.annotator_id = %(annotator)s)
  AND (SELECT count(*) FROM assignment a WHERE a.item_id = %(item)s AND {_SLOT}) < %(required)s
RETURNING id
"""
FLOOR_LOCK_ITEM = "SELECT 1 FROM item WHERE id = %(item)s FOR UPDATE"
FLOOR_SUBMIT = """
UPDATE assignment SET state = 'submitted', answer = %(answer)s, seconds_spent = 5, finished_at = now()
WHERE id = %(assignment)s AND annotator_id = %(annotator)s AND state = 'leased'
"""
FLOOR_COMPLETE = """
UPDATE item SET state = 'complete'
WHERE id = %(item)s AND state = 'ready'
  AND (SELECT count(*) FROM assignment a WHERE a.item_id = %(item)s AND a.state = 'submitted') >= %(required)s
"""


def floor_cycles(client: dict[str, Any], deadline: float) -> ClientResult:
    import psycopg
    from psycopg.types.json import Jsonb

    latencies: list[float] = []
    errors = empty = 0
    ran_out = False
    annotator = client["annotator_id"]
    n = client["index"]
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    with psycopg.connect(client["dsn"], autocommit=True) as conn:
        started = time.monotonic()
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            params: dict[str, Any] = {
                "batch": client["batch_id"],
                "project": client["project_id"],
                "annotator": annotator,
                "overlap": client["overlap"],
                "languages": [LANGUAGE],
            }
            with conn.transaction():
                row = conn.execute(FLOOR_CANDIDATE, params).fetchone()
                claimed = None
                if row is not None:
                    item, language, required = row
                    public_id = "asg_" + "".join(secrets.choice(alphabet) for _ in range(16))
                    params |= {
                        "item": item,
                        "language": language,
                        "required": required,
                        "public_id": public_id,
                    }
                    claimed = conn.execute(FLOOR_INSERT, params).fetchone()
            if row is None:
                empty += 1
                if empty >= EMPTY_CLAIMS_BEFORE_STOP:
                    ran_out = True
                    break
                time.sleep(0.01)
                continue
            empty = 0
            if claimed is None:  # filled between our scan and our lock: try the next item
                continue
            params |= {"assignment": claimed[0], "answer": Jsonb({"label": LABELS[n % len(LABELS)]})}
            with conn.transaction():
                conn.execute(FLOOR_LOCK_ITEM, params)
                if conn.execute(FLOOR_SUBMIT, params).rowcount != 1:
                    errors += 1
                conn.execute(FLOOR_COMPLETE, params)
            n += 1
            latencies.append(time.perf_counter() - t0)
    return ClientResult(latencies, started, time.monotonic(), errors, ran_out)


def _process_main(
    kind: str, clients: list[dict[str, Any]], duration: float, ready: Any, go: EventType, results: Any
) -> None:
    """One load process: a thread per client, all released together when the main process says go."""
    work = app_cycles if kind == "app" else floor_cycles
    collected: list[ClientResult] = []
    lock = threading.Lock()
    start = threading.Event()
    deadline: list[float] = []

    def run(client: dict[str, Any]) -> None:
        start.wait()
        try:
            result = work(client, deadline[0])
        except Exception as exc:  # reported, not raised: the other clients go on
            print(f"{kind} client {client['index']} failed: {exc!r}", file=sys.stderr)
            result = ClientResult([], time.monotonic(), time.monotonic(), 1, False)
        with lock:
            collected.append(result)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    ready.put(len(threads))
    go.wait()
    deadline.append(time.monotonic() + duration)
    cpu = time.process_time()
    start.set()
    for thread in threads:
        thread.join(duration + 60)
    results.put(([vars(r) for r in collected], time.process_time() - cpu))


@dataclass(frozen=True)
class PhaseResult:
    cycles: int
    seconds: float
    latencies: list[float]
    errors: int
    ran_out: int
    #: CPU seconds the load-generating processes used: they share the machine with what they measure.
    client_cpu: float

    @property
    def rate(self) -> float:
        return self.cycles / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run_phase(kind: str, clients: list[dict[str, Any]], processes: int, duration: float) -> PhaseResult:
    ctx = mp.get_context("spawn")  # no inherited sockets or engines from the seeding process
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    groups = [clients[i::processes] for i in range(processes)]
    workers = [
        ctx.Process(target=_process_main, args=(kind, group, duration, ready, go, results), daemon=True)
        for group in groups
        if group
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            ready.get(timeout=120)
        go.set()
        collected: list[dict[str, Any]] = []
        client_cpu = 0.0
        for _ in workers:
            per_client, cpu = results.get(timeout=duration + 120)
            collected += per_client
            client_cpu += cpu
    finally:
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.terminate()
    latencies = [x for r in collected for x in r["latencies"]]
    started = min(r["started"] for r in collected)
    finished = max(r["finished"] for r in collected)
    return PhaseResult(
        len(latencies),
        finished - started,
        latencies,
        sum(r["errors"] for r in collected),
        sum(1 for r in collected if r["ran_out"]),
        client_cpu,
    )


# --- integrity -------------------------------------------------------------------------------------


def integrity(dsn: str, project_id: int, overlap: int) -> tuple[int, int, int]:
    """(double assignments, over-assigned items, complete items) of one project."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        doubles = conn.execute(
            """SELECT count(*) FROM (SELECT 1 FROM assignment WHERE project_id = %s
               GROUP BY item_id, annotator_id HAVING count(*) > 1) d""",
            (project_id,),
        ).fetchone()
        over = conn.execute(
            """SELECT count(*) FROM (SELECT 1 FROM assignment a JOIN item i ON i.id = a.item_id
               WHERE a.project_id = %s AND a.state = 'submitted'
               GROUP BY a.item_id, i.judgments_required
               HAVING count(*) > coalesce(i.judgments_required, %s)) o""",
            (project_id, overlap),
        ).fetchone()
        complete = conn.execute(
            "SELECT count(*) FROM item WHERE project_id = %s AND state = 'complete'", (project_id,)
        ).fetchone()
    assert doubles is not None and over is not None and complete is not None
    return int(doubles[0]), int(over[0]), int(complete[0])


# --- profiling (optional) ---------------------------------------------------------------------------


def gunicorn_workers(master: int) -> list[int]:
    """Pids of the gunicorn master's workers (its child processes)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes used so far (from /proc; a process that is gone counts 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def profiling(out_dir: str | None, master: int, duration: float) -> Any:
    """With ``--profile DIR``: sample every gunicorn worker with py-spy during the app phase and
    write collapsed stacks (``DIR/worker-<pid>.txt``; ``flamegraph.pl`` or speedscope read them)."""
    if not out_dir:
        yield
        return
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    samplers = []
    for pid in gunicorn_workers(master):
        command = [str(py_spy), "record", "--format", "raw", "--rate", "200", "--nonblocking"]
        command += ["--duration", str(int(duration) + 5), "--pid", str(pid)]
        command += ["--output", str(target / f"worker-{pid}.txt")]
        samplers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield
    finally:
        for sampler in samplers:
            try:
                sampler.wait(duration + 30)
            except subprocess.TimeoutExpired:
                sampler.kill()
        print(f"profiles of {len(samplers)} workers in {target}", flush=True)


# --- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default="postgresql://postgres@127.0.0.1:5432/", help="PostgreSQL server URL"
    )
    parser.add_argument("--database", default="mkt_bench_routing", help="scratch database (dropped first)")
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--annotators", type=int, default=30, help="concurrent clients in each phase")
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase at most")
    parser.add_argument("--processes", type=int, default=5, help="load-generating processes")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--profile", metavar="DIR", help="sample the gunicorn workers with py-spy into DIR")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        help="Redis for background jobs (the production shape); 'none' runs jobs inside the requests",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    app_url, dsn, admin_dsn = database_urls(args.server, args.database)
    print(
        f"setting up {args.database}: {args.items} items × 2 projects, {args.annotators} annotators",
        flush=True,
    )
    recreate_database(admin_dsn, args.database, app_url)
    seeded = seed(app_url, args.items, args.annotators, args.overlap)

    with (
        tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp,
        gunicorn(
            app_url,
            args.workers,
            args.threads,
            args.annotators,
            Path(tmp),
            None if args.redis == "none" else args.redis,
        ) as (port, master),
    ):
        print(
            f"gunicorn -w {args.workers} --threads {args.threads} on 127.0.0.1:{port}; logging in", flush=True
        )
        clients = []
        for index, (_user_id, email) in enumerate(seeded.annotators):
            web = WebClient(port)
            web.log_in(email)
            if web.conn is not None:
                web.conn.close()
            clients.append({"index": index, "port": port, "cookies": web.cookies, "csrf": web.csrf})
        print(f"app phase: {len(clients)} clients for up to {args.duration:g} s", flush=True)
        workers = gunicorn_workers(master)
        cpu_before = cpu_seconds(workers)
        with profiling(args.profile, master, args.duration):
            app = run_phase("app", clients, args.processes, args.duration)
        app_cpu = cpu_seconds(workers) - cpu_before
        if app.errors:
            print_server_errors(Path(tmp) / "gunicorn.log")

    floor_clients = [
        {
            "index": index,
            "dsn": dsn,
            "annotator_id": user_id,
            "project_id": seeded.floor_project_id,
            "batch_id": seeded.floor_batch_id,
            "overlap": args.overlap,
        }
        for index, (user_id, _email) in enumerate(seeded.annotators)
    ]
    print(f"floor phase: {len(floor_clients)} psycopg clients for up to {args.duration:g} s", flush=True)
    floor = run_phase("floor", floor_clients, args.processes, args.duration)

    app_doubles, app_over, app_complete = integrity(dsn, seeded.app_project_id, args.overlap)
    floor_doubles, floor_over, floor_complete = integrity(dsn, seeded.floor_project_id, args.overlap)
    ratio = app.rate / floor.rate if floor.rate else float("nan")
    print(
        f"app cycles/s: {app.rate:.1f} ({app.cycles} cycles in {app.seconds:.1f} s, {app.errors} errors, "
        f"{app.ran_out} clients ran out of work, {app_complete} items complete)"
    )
    print(
        f"floor cycles/s: {floor.rate:.1f} ({floor.cycles} cycles in {floor.seconds:.1f} s, "
        f"{floor.errors} errors, {floor.ran_out} clients ran out of work, {floor_complete} items complete)"
    )
    print(f"ratio app/floor: {ratio:.2f}")
    print(
        f"CPU per cycle: app server {1000 * app_cpu / max(app.cycles, 1):.1f} ms, "
        f"app clients {1000 * app.client_cpu / max(app.cycles, 1):.1f} ms, "
        f"floor clients {1000 * floor.client_cpu / max(floor.cycles, 1):.1f} ms "
        f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"app latency p50/p99 ms: {app.percentile(0.5):.1f} / {app.percentile(0.99):.1f}")
    print(f"floor latency p50/p99 ms: {floor.percentile(0.5):.1f} / {floor.percentile(0.99):.1f}")
    print(f"double assignments app/floor: {app_doubles} / {floor_doubles}")
    print(f"over-assigned items app/floor: {app_over} / {floor_over}")
    sound = app_doubles == floor_doubles == app_over == floor_over == 0
    print(
        f"SUMMARY app {app.rate:.1f}/s, floor {floor.rate:.1f}/s, ratio {ratio:.2f} "
        f"(goal ≥ 0.50: {'met' if ratio >= 0.5 else 'not met'}), "
        f"integrity {'ok' if sound else 'BROKEN'} (doubles {app_doubles}/{floor_doubles}, "
        f"over-assigned {app_over}/{floor_over})"
    )
    return 0 if sound and app.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
