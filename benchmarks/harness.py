"""Measurement plumbing for `benchmarks/run.py`: a sandbox in its own process (admin API,
CPU from /proc), the CLI run as a user runs it (subprocess, wall time, rusage via wait4),
and manifest files written to a scratch directory.

Owns no scenario and no target: it measures and reports what it saw, nothing more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

TEST_KEY = "tk_sandbox"
READY_LINE = "Cobalt sandbox"  # … "(profile P) listening on URL"
URL_MARK = " listening on "
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc/<pid>/stat (fields 14 and 15)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class SandboxProcess:
    """`cobalt-sync sandbox serve` in a child process on a free loopback port."""

    def __init__(self, workdir: Path, flags: Sequence[str]) -> None:
        self.workdir = workdir
        self.flags = list(flags)
        self.log_path = workdir / f"sandbox-{os.getpid()}-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        # The admin API takes the org's key in a header, like the vendor API.
        self.admin = httpx.Client(timeout=600, headers={"x-api-key": TEST_KEY})

    def start(self) -> None:
        # --port 0 lets the kernel pick a free port; the server prints the URL it got.
        command = [sys.executable, "-m", "cobalt_sync", "sandbox", "serve", "--port", "0"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, *self.flags], stdout=log, stderr=subprocess.STDOUT
            )
        self.url = self._wait_for_url()
        self._wait_until_answering()

    def _wait_for_url(self, timeout: float = 30.0) -> str:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(READY_LINE) and URL_MARK in line:
                    return line.split(URL_MARK, 1)[1].strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"sandbox did not start:\n{self.log_path.read_text()}")

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + 15
        while True:
            try:
                self.admin.get(f"{self.url}/_sandbox/stats").raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.admin.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    # --- admin API (cobalt-sync sandbox: /_sandbox/...) --------------------------------

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self.admin.post(f"{self.url}/_sandbox/{path}", json=dict(body or {}))
        response.raise_for_status()
        return response.json()

    def get(self, path: str, **params: str) -> Any:
        response = self.admin.get(f"{self.url}/_sandbox/{path}", params=params)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.post("reset")

    def seed(self, **body: Any) -> Any:
        return self.post("seed", body)

    def reset_stats(self) -> None:
        self.post("stats/reset")

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("stats")
        return result

    def inspect(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("inspect", accounts="false")
        return result


@contextmanager
def sandbox(workdir: Path, flags: Sequence[str]) -> Iterator[SandboxProcess]:
    box = SandboxProcess(workdir, flags)
    try:
        box.start()
        yield box
    finally:
        box.stop()


@dataclass(frozen=True)
class CliRun:
    """What one CLI process did, as the operating system saw it."""

    args: tuple[str, ...]
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Measured:
    """A CLI run together with what the sandbox counted and spent meanwhile."""

    run: CliRun
    stats: dict[str, Any]
    sandbox_cpu_s: float
    extra: dict[str, Any] = field(default_factory=dict)
    walls: tuple[float, ...] = ()  # every repeat's wall time, when repeated

    @property
    def requests(self) -> int:
        return int(self.stats.get("requests_total", 0))

    def status_count(self, status: str) -> int:
        return int(self.stats.get("by_status", {}).get(status, 0))


def run_cli(args: Sequence[str], env: Mapping[str, str], cwd: Path, tag: str = "cli") -> CliRun:
    """`python -m cobalt_sync ARGS` as a child; its own rusage comes from wait4."""
    out_path, err_path = cwd / f"{tag}.stdout", cwd / f"{tag}.stderr"
    command = [sys.executable, "-m", "cobalt_sync", *args]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=dict(env)
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return CliRun(
        args=tuple(args),
        exit_code=process.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def measure(
    box: SandboxProcess,
    args: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    tag: str,
    repeats: int = 1,
) -> Measured:
    """Reset the sandbox's counters, run the CLI, and read the counters back.

    With `repeats` (read-only commands only), the best of that many runs, each right after
    one sample of the import floor, so that both see the same load on a shared machine; the
    floor is the best of those samples, as the run is the best of its runs. Every run must
    send the same requests; the walls of all of them are kept."""
    if repeats == 1:
        return _measure_once(box, args, env, cwd, tag)
    samples: list[Floor] = []
    runs: list[Measured] = []
    for _ in range(repeats):
        samples.append(import_floor(cwd, repeats=1))
        runs.append(_measure_once(box, args, env, cwd, tag))
    counts = {m.requests for m in runs}
    if len(counts) > 1:
        raise RuntimeError(f"{tag}: repeated runs sent different numbers of requests: {counts}")
    best = min(runs, key=lambda m: m.run.wall_s)
    walls = tuple(m.run.wall_s for m in runs)
    return replace(best, walls=walls, extra={**best.extra, "import_floor": Floor.best(samples)})


def _measure_once(
    box: SandboxProcess, args: Sequence[str], env: Mapping[str, str], cwd: Path, tag: str
) -> Measured:
    box.reset_stats()
    cpu_before = box.cpu_seconds()
    run = run_cli(args, env, cwd, tag)
    sandbox_cpu = box.cpu_seconds() - cpu_before
    return Measured(run=run, stats=box.stats(), sandbox_cpu_s=sandbox_cpu)


# Not passed to the CLI: a user's install has its bytecode compiled (pip does it), while a
# shell with PYTHONDONTWRITEBYTECODE=1 would charge every run for compiling the package.
DROPPED_VARIABLES = frozenset({"PYTHONDONTWRITEBYTECODE"})


def cli_env(base_url: str, **overrides: str) -> dict[str, str]:
    """The environment a user would export, plus NO_COLOR so output stays plain."""
    env = {
        key: value
        for key, value in os.environ.items()
        # a developer's own settings must not leak in
        if not key.startswith("COBALT_") and key not in DROPPED_VARIABLES
    }
    env.update(
        {"COBALT_API_URL": base_url, "COBALT_API_KEY": TEST_KEY, "NO_COLOR": "1", **overrides}
    )
    return env


IMPORT_FLOOR_CODE = "import yaml, pydantic, httpx, click"
"""What any CLI on this stack must import before it can do anything (issue 14's floor)."""


@dataclass(frozen=True)
class Floor:
    """The best wall time and the best CPU time of a few runs of a floor measurement."""

    wall_s: float
    cpu_s: float

    @staticmethod
    def best(samples: Sequence[Floor]) -> Floor:
        return Floor(min(f.wall_s for f in samples), min(f.cpu_s for f in samples))


def import_floor(cwd: Path, repeats: int = 3) -> Floor:
    """A process that imports the four dependencies and exits (wall, and CPU from wait4)."""
    command = [sys.executable, "-c", IMPORT_FLOOR_CODE]
    env = cli_env("http://127.0.0.1:9")  # the CLI's own environment, for a like comparison
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{IMPORT_FLOOR_CODE!r} exited {process.returncode}")
        samples.append(Floor(wall, usage.ru_utime + usage.ru_stime))
    return Floor.best(samples)


C_PARSE_CODE = """
import sys, time, yaml
text = open(sys.argv[1], encoding="utf-8").read()
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for _ in range(int(sys.argv[2])):
    wall, cpu = time.perf_counter(), time.process_time()
    yaml.load(text, Loader=loader)  # a safe loader: no object construction
    print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def c_parse_floor(manifest: Path, repeats: int = 3) -> Floor:
    """`yaml.load(text, Loader=yaml.CSafeLoader)` on the manifest: the fastest this stack
    parses it (libyaml, no marks, no checks). Timed in a child process: parsing a large
    manifest here would grow this process, and a child forked from it inherits its peak RSS
    in `ru_maxrss`, which would then overstate every later CLI run's."""
    completed = subprocess.run(
        [sys.executable, "-c", C_PARSE_CODE, str(manifest), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        env=cli_env("http://127.0.0.1:9"),
    )
    samples = [Floor(*map(float, line.split())) for line in completed.stdout.splitlines()]
    return Floor.best(samples)


def machine_load() -> list[float]:
    """1, 5 and 15-minute load averages (`uptime`): the benchmark is CPU-sensitive."""
    return [round(x, 2) for x in os.getloadavg()]


def startup_floor(cwd: Path, repeats: int = 3) -> float:
    """Best wall time of `cobalt-sync plan --help`: the interpreter start and every import
    a plan or apply pays before its first request (no manifest, no network)."""
    env = cli_env("http://127.0.0.1:9")
    runs = [run_cli(["plan", "--help"], env, cwd, "floor") for _ in range(repeats)]
    return min(r.wall_s for r in runs)


# --- manifests ---------------------------------------------------------------------------

SEED_EVENT_SAMPLE = {"id": "evt_1", "account": {"name": "Acme"}}
"""The sample the sandbox's admin seed gives every `seed.event.N` (sandbox/admin.py)."""

SEED_UDF = {"tier": "gold"}


def seeded_account_id(prefix: str, index: int) -> str:
    """The id the admin seed gives its `index`-th account (`<prefix>000001`…)."""
    return f"{prefix}{index:06d}"


def write_manifest(
    path: Path,
    accounts: Mapping[str, Mapping[str, Any]],
    events: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """A `cobalt.yaml` in flow style (JSON is YAML): one line per object, as a generator
    script or a large hand-kept file would have it."""
    lines = ["version: 1", "environment: test"]
    if events:
        lines.append("events:")
        lines.extend(f"  {json.dumps(name)}: {json.dumps(body)}" for name, body in events.items())
    if accounts:
        lines.append("linked_accounts:")
        lines.extend(f"  {json.dumps(key)}: {json.dumps(body)}" for key, body in accounts.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
