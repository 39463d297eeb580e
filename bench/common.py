"""Shared helpers of the benchmark: result rows and verdicts, statistics, subprocesses, machine facts."""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "bench"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
PACKAGES = ("macro_pipeline", "dagster", "dagster-webserver", "dagster-graphql", "duckdb", "polars", "pandera",
            "pyarrow", "pandas", "numpy", "psutil", "fredapi")


# --------------------------------------------------------------------------------------------------------------
# result rows


@dataclass
class Row:
    """One line of the final table. ``goal_op`` is '<=' or '>=' (or None: informational, no goal)."""

    id: str
    measure: str
    value: float | None
    unit: str = ""
    goal: float | None = None
    goal_op: str | None = None
    shown: str | None = None          # how to print the value (default: number + unit)
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.value is None:
            return "not measured"
        if self.goal is None or self.goal_op is None:
            return "info"
        ok = self.value <= self.goal if self.goal_op == "<=" else self.value >= self.goal
        return "met" if ok else "missed"

    def _with_unit(self, x: float) -> str:
        if self.unit in ("×", "%"):
            return f"{fmt_num(x)}{self.unit}"
        return f"{fmt_num(x)} {self.unit}".strip()

    def value_text(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.value is None:
            return "-"
        return self._with_unit(self.value)

    def goal_text(self) -> str:
        if self.goal is None or self.goal_op is None:
            return "-"
        return f"{'≤' if self.goal_op == '<=' else '≥'} {self._with_unit(self.goal)}"

    def verdict(self) -> str:
        status = self.status
        if status == "not measured":
            return f"not measured yet: {self.note}" if self.note else "not measured"
        if status == "info":
            return "no goal (info)"
        if status == "met":
            return "met"
        if self.goal_op == "<=":
            excess = self._with_unit(self.value - self.goal)
            if not self.goal:
                return f"missed by {excess}"
            return f"missed by {excess} ({self.value / self.goal:.2f}× the goal)"
        shortfall = self._with_unit(self.goal - self.value)
        return f"missed by {shortfall} ({self.goal / self.value:.2f}× too low)" if self.value else f"missed by {shortfall}"

    def to_json(self) -> dict:
        out = asdict(self)
        out.update(value_text=self.value_text(), goal_text=self.goal_text(), status=self.status,
                   verdict=self.verdict())
        return out


def fmt_num(x: float) -> str:
    if x is None:
        return "-"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e6):
        return f"{int(x):,}"
    ax = abs(x)
    if ax >= 1e9:
        return f"{x / 1e9:.2f} G"
    if ax >= 1e6:
        return f"{x / 1e6:.2f} M"
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def render_table(rows: list[Row]) -> str:
    header = ("id", "measure", "value", "goal", "verdict")
    body = [(r.id, r.measure, r.value_text(), r.goal_text(), r.verdict()) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(header)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line, fmt(header), line.replace("-", "=")] + [fmt(b) for b in body] + [line])


# --------------------------------------------------------------------------------------------------------------
# statistics


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def growth_exponent(n1: float, t1: float, n2: float, t2: float) -> float:
    """log(t2/t1) / log(n2/n1): 1 is linear, 2 quadratic."""
    return math.log(t2 / t1) / math.log(n2 / n1)


# --------------------------------------------------------------------------------------------------------------
# environment, subprocesses


def throwaway_dagster_home(parent: Path) -> Path:
    """A DAGSTER_HOME with telemetry off and the UI's first-visit pop-up marked as seen."""
    home = parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    (home / ".nux").mkdir(exist_ok=True)
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n", encoding="utf-8")
    return home


def child_env(data_dir: Path | None = None, dagster_home: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a pipeline subprocess: the snapshot source, private data dir and instance."""
    env = dict(os.environ)
    env["MACRO_PIPELINE_SOURCE"] = "snapshot"
    env.pop("MACRO_PIPELINE_SNAPSHOT_DIR", None)
    if data_dir is not None:
        # a data folder named by the setting must exist (the CLI refuses a missing one unless --create is given)
        data_dir.mkdir(parents=True, exist_ok=True)
        env["MACRO_PIPELINE_DATA_DIR"] = str(data_dir)
    if dagster_home is not None:
        env["DAGSTER_HOME"] = str(dagster_home)
    else:
        env.pop("DAGSTER_HOME", None)  # as the README's run command: a throwaway in-memory instance
    env.setdefault("PYTHONUNBUFFERED", "1")
    # bench/ is not installed: workers started with -m bench.X find it from the repository root
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"macro_bench_{prefix}_"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_worker(module: str, args: list[str], out: Path, env: dict[str, str] | None = None,
               timeout: float = 900) -> dict:
    """Run ``python -m module args --out out`` in a fresh interpreter and return the JSON it wrote."""
    cmd = [PYTHON, "-m", module, *args, "--out", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, env=env or child_env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"worker {module} {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RssSampler:
    """Samples the resident set size of this process (and its children) in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.02, pid: int | None = None):
        import psutil

        self._proc = psutil.Process(pid or os.getpid())
        self._interval = interval
        self._stop = threading.Event()
        self.peak = 0
        self._mark_peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        try:
            total = self._proc.memory_info().rss
            for child in self._proc.children(recursive=True):
                with contextlib.suppress(Exception):
                    total += child.memory_info().rss
        except Exception:  # noqa: BLE001 - the process may be gone
            pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._sample()
            self.peak = max(self.peak, rss)
            self._mark_peak = max(self._mark_peak, rss)
            self._stop.wait(self._interval)

    def start(self) -> RssSampler:
        self.peak = self._sample()
        self._thread.start()
        return self

    def current(self) -> int:
        return self._sample()

    def mark(self) -> int:
        """Peak since the previous mark (then reset), for per-stage peaks."""
        current = max(self._mark_peak, self._sample())
        self._mark_peak = 0
        return current

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(timeout=2)
        return self.peak


# --------------------------------------------------------------------------------------------------------------
# machine and code facts


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def busy_cpu_elsewhere(seconds: float = 1.0) -> float:
    """CPU used by processes other than this one and its children over ``seconds``, in cores."""
    import psutil

    mine = {os.getpid(), *(c.pid for c in psutil.Process().children(recursive=True))}
    before = psutil.cpu_times()
    own_before = {}
    for p in psutil.process_iter():
        if p.pid in mine:
            with contextlib.suppress(Exception):
                t = p.cpu_times()
                own_before[p.pid] = t.user + t.system
    time.sleep(seconds)
    after = psutil.cpu_times()
    busy = (after.user + after.system + getattr(after, "nice", 0)) - (before.user + before.system + getattr(before, "nice", 0))
    own = 0.0
    for pid, t0 in own_before.items():
        with contextlib.suppress(Exception):
            t = psutil.Process(pid).cpu_times()
            own += t.user + t.system - t0
    return max(busy - own, 0.0) / seconds


def machine_facts() -> dict:
    import psutil

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_bytes": psutil.virtual_memory().total,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_environment": "venv" if sys.prefix != sys.base_prefix else "system",
        "packages": versions,
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def git_facts() -> dict:
    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.rstrip() if args[0] == "status" else out.strip()

    status = git("status", "--porcelain", "--untracked-files=normal", "--", "macro_pipeline", "sql", "pyproject.toml")
    return {"commit": git("rev-parse", "HEAD") or None, "branch": git("rev-parse", "--abbrev-ref", "HEAD") or None,
            "pipeline_code_dirty": bool(status),
            "pipeline_code_changes": status.splitlines()[:50]}


def now_iso() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
