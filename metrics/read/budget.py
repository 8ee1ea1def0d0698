"""Run a parser on untrusted bytes in a worker process under a CPU-time and memory budget.

A hostile file of a few kilobytes can make a parsing library (lxml through trafilatura, pypdf,
python-docx) run for minutes or take gigabytes. In the worker it costs at most its budget: the
kernel stops the worker at its CPU limit (``RLIMIT_CPU``: SIGXCPU), an allocation beyond its
memory limit (``RLIMIT_AS``) fails with ``MemoryError``, and the parent kills it after a wall-clock
deadline too. The file is then refused in one line naming it; the parent (the command, the
dashboard server) and the other files go on.

Workers are separate interpreters started with ``subprocess`` (safe from a threaded parent such
as the Streamlit server, unlike ``fork``) and reused from file to file: each task gets its limits
relative to what the worker has used so far. A worker that failed or grew large is replaced.
Where ``resource`` is missing (Windows) parsing runs in-process, unbounded.
"""

from __future__ import annotations

import atexit
import math
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from metrics import settings
from metrics.errors import InputError

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

MB = 1024 * 1024
_HEADER = struct.Struct("<Q")
_IDLE_MAX = 2  # idle workers kept for reuse
_RECYCLE_RSS_MB = 400  # a worker whose resident memory grew past this is replaced
_ROOT = str(Path(__file__).resolve().parents[2])


class Budget:
    """CPU seconds, memory (MB) and wall-clock seconds for one parse."""

    def __init__(self, cpu_seconds: float | None = None, memory_mb: float | None = None, wall_seconds: float | None = None):
        self.cpu_seconds = settings.get("parse_cpu_seconds") if cpu_seconds is None else cpu_seconds
        self.memory_mb = settings.get("parse_memory_mb") if memory_mb is None else memory_mb
        self.wall_seconds = settings.get("parse_wall_seconds") if wall_seconds is None else wall_seconds


# --- the worker side ----------------------------------------------------------------------------


def _read_exact(fh, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = fh.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _vm_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def _lower_soft(which: int, want: int) -> tuple[int, int]:
    """Set the soft limit ``which`` to ``want`` unless the hard limit is lower (then to the hard
    limit); the hard limit is never touched: under ``ulimit -v`` or systemd's ``LimitAS=`` a
    process may not raise it. Returns the limits as they were, to put back."""
    was = resource.getrlimit(which)
    hard = was[1]
    resource.setrlimit(which, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))
    return was


def _serve() -> None:  # pragma: no cover - runs in the worker process
    """The worker's loop: read a task, run it under its limits, write the result."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library's stray print must not corrupt the frames
    while True:
        try:
            (n,) = _HEADER.unpack(_read_exact(stdin, _HEADER.size))
            fn, args, cpu, mem, current = pickle.loads(_read_exact(stdin, n))
            settings.configure(current)  # the parent's settings (reading limits) apply here too
        except EOFError:
            return
        used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        cpu_was = _lower_soft(resource.RLIMIT_CPU, math.ceil(used + cpu))
        as_was = _lower_soft(resource.RLIMIT_AS, _vm_bytes() + int(mem * MB))
        exit_after = False
        try:
            reply: tuple = ("ok", list(fn(*args)))
        except MemoryError:
            reply, exit_after = ("memory",), True
        except Exception as err:  # noqa: BLE001 - reported to the parent as one line
            reply = ("error", f"{type(err).__name__}: {str(err).strip().splitlines()[0][:200] if str(err).strip() else ''}")
        finally:
            resource.setrlimit(resource.RLIMIT_AS, as_was)
            resource.setrlimit(resource.RLIMIT_CPU, cpu_was)
        exit_after = exit_after or _rss_mb() > _RECYCLE_RSS_MB
        try:
            data = pickle.dumps((reply, exit_after), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data, exit_after = pickle.dumps((("memory",), True)), True
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()
        if exit_after:
            return


# --- the parent side ----------------------------------------------------------------------------


class _Dead(Exception):
    pass


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's thread pool reserves memory per thread
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from metrics.read.budget import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=_ROOT,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for fh in (self.proc.stdin, self.proc.stdout):
            try:
                fh.close()
            except OSError:
                pass

    def call(self, payload: bytes, deadline: float) -> tuple:
        try:
            self.proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Dead from None
        (n,) = _HEADER.unpack(self._recv(_HEADER.size, deadline))
        return pickle.loads(self._recv(n, deadline))

    def _recv(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise _Dead
            buf += chunk
        return bytes(buf)


_idle: list[_Worker] = []
_lock = threading.Lock()


def _take() -> _Worker:
    with _lock:
        while _idle:
            w = _idle.pop()
            if w.alive():
                return w
            w.kill()
    return _Worker()


def _give_back(w: _Worker) -> None:
    with _lock:
        if w.alive() and len(_idle) < _IDLE_MAX:
            _idle.append(w)
            return
    w.kill()


@atexit.register
def shutdown() -> None:
    """Stop the idle workers (they also stop on their own when this process ends)."""
    with _lock:
        workers, _idle[:] = list(_idle), []
    for w in workers:
        w.kill()


def available() -> bool:
    return resource is not None and sys.platform.startswith("linux")


def parse(parser: Callable[..., Iterable[Any]], data: bytes, source: str, options: Any) -> list[Any]:
    """A reader's ``parser(data, source, options)`` under the default budget."""
    return run(parser, (data, source, options), source)


def run(fn: Callable[..., Iterable[Any]], args: tuple, source: str, budget: Budget | None = None) -> list[Any]:
    """``list(fn(*args))`` computed in a worker under ``budget``; over budget, or when the worker
    dies, a one-item list with the ``InputError`` naming ``source``. ``fn`` must be importable
    by name (a module-level function)."""
    budget = budget or Budget()
    if not available():
        return list(fn(*args))
    payload = pickle.dumps((fn, args, budget.cpu_seconds, budget.memory_mb, settings.values()), protocol=pickle.HIGHEST_PROTOCOL)
    slow = InputError(f"{source}: took longer than {budget.cpu_seconds:g} s to read (a hostile or broken file?)")
    worker = _take()
    try:
        reply, exiting = worker.call(payload, time.monotonic() + budget.wall_seconds)
    except TimeoutError:
        worker.kill()
        return [slow]
    except _Dead:
        worker.kill()
        code = worker.proc.returncode
        if code == -signal.SIGXCPU:
            return [slow]
        if code == -signal.SIGKILL:  # the kernel's out-of-memory killer
            return [InputError(f"{source}: needs more than {budget.memory_mb:g} MB of memory to read")]
        name = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
        return [InputError(f"{source}: the reader stopped unexpectedly ({name})")]
    except BaseException:
        worker.kill()
        raise
    if exiting:
        worker.kill()
    else:
        _give_back(worker)
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "memory":
        return [InputError(f"{source}: needs more than {budget.memory_mb:g} MB of memory to read")]
    return [InputError(f"{source}: cannot read: {reply[1]}")]
