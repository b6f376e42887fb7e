"""Extract source files in worker processes, with a time and memory limit per file.

The indexing run keeps the one index writer; parsing (the slow, CPU-bound and
risky part) happens in long-lived worker processes forked from it. A worker
handles one file at a time, so the pool always knows which file a worker is
on:

- a file that takes longer than the timeout gets its worker killed (and
  replaced); the file is reported and the run goes on;
- a worker's address space is capped (``RLIMIT_AS``), so a decompression bomb
  raises ``MemoryError`` in the worker instead of exhausting the machine;
- a worker that dies (a segfault in a parser, the OOM killer) costs only the
  file it was on;
- results come back in the order the files were submitted, whatever the
  workers' timing, so the index is the same on every run;
- workers die with the parent: ``PR_SET_PDEATHSIG`` on Linux (a watchdog
  thread elsewhere), and :meth:`ExtractionPool.close` kills them on any exit
  from the run, including ``KeyboardInterrupt``.

A forked worker points every file descriptor it inherited (the index lock,
open segment files, other workers' pipes) at ``/dev/null``, so a worker can
never hold the indexing lock after its parent is gone.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from indexer.model import ExtractedDocument, ExtractionError, SourceFile

DEFAULT_TIMEOUT = 60.0  # seconds per file
DEFAULT_MEMORY_MB = 2048  # address space a worker may add to what it inherited
SMALL_RUN = 4  # fewer files than this to extract: one worker is enough
LOOKAHEAD = 8  # files extracted ahead of the oldest one not yet handed back, per worker

Task = Callable[[SourceFile], ExtractedDocument]


@dataclass
class Outcome:
    """What became of one file: its text, or the reason it could not be read."""

    doc: ExtractedDocument | None = None
    error: str | None = None
    cacheable: bool = True  # may the error be remembered for these bytes?


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        return default


def file_timeout() -> float:
    """Seconds one file may take (``EXPERTISEBANK_FILE_TIMEOUT``, default 60)."""
    return max(0.1, _env_number("EXPERTISEBANK_FILE_TIMEOUT", DEFAULT_TIMEOUT))


def memory_limit_mb() -> int:
    """Memory one worker may use on top of its start (``EXPERTISEBANK_FILE_MEMORY_MB``)."""
    return max(64, int(_env_number("EXPERTISEBANK_FILE_MEMORY_MB", DEFAULT_MEMORY_MB)))


def worker_count(files: int) -> int:
    """Workers for ``files`` files: ``EXPERTISEBANK_WORKERS`` (0 = in the run's
    own process, without limits), else one per core up to two, and one for a
    small run."""
    configured = os.environ.get("EXPERTISEBANK_WORKERS", "").strip()
    if configured.isdigit():
        return int(configured)
    if files < SMALL_RUN:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def timeout_reason(timeout: float) -> str:
    return f"verwerking duurde te lang (meer dan {_seconds(timeout)} s): overgeslagen"


def run_task(task: Task, source: SourceFile) -> Outcome:
    """Run ``task`` on one file and turn every way it can fail into an :class:`Outcome`."""
    try:
        return Outcome(doc=task(source))
    except ExtractionError as exc:
        return Outcome(error=exc.reason, cacheable=exc.cacheable)
    except MemoryError:
        return Outcome(error="te groot om te verwerken (onvoldoende geheugen)", cacheable=False)
    except Exception as exc:  # the task should have named it; still, the run goes on
        return Outcome(error=f"onverwachte fout bij het lezen: {type(exc).__name__}: {exc}")


# -- the worker process -----------------------------------------------------------


def _die_with_parent(parent_pid: int) -> None:
    """Be killed when the parent dies, even by SIGKILL."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def _release_inherited_fds(keep: set[int]) -> None:
    """Point every inherited descriptor but ``keep`` at /dev/null.

    ``dup2`` instead of ``close``: the numbers stay taken, so a Python object
    that still owns one can never close a file this worker opens later."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd in keep or fd == null:
            continue
        try:
            os.dup2(null, fd, inheritable=False)
        except OSError:
            pass  # the descriptor listdir itself used, already closed
    os.close(null)


def _cap_memory(extra_mb: int) -> None:
    """Cap the address space at what the worker inherited plus ``extra_mb``."""
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        current = 0
    limit = current + extra_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker_main(task: Task, requests: int, results: int, parent_pid: int, memory_mb: int) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _release_inherited_fds({0, 1, 2, requests, results})
    _cap_memory(memory_mb)
    inbox = Connection(requests, writable=False)
    outbox = Connection(results, readable=False)
    while True:
        try:
            source = inbox.recv()
        except EOFError:
            return
        outcome = run_task(task, source)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(Outcome(error="te groot om te verwerken (onvoldoende geheugen)", cacheable=False))
        outbox.send_bytes(payload)


class _Worker:
    def __init__(self, task: Task, memory_mb: int):
        requests_r, requests_w = os.pipe()
        results_r, results_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker; it never returns into the caller's code
            code = 0
            try:
                os.close(requests_w)
                os.close(results_r)
                _worker_main(task, requests_r, results_w, parent, memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(requests_r)
        os.close(results_w)
        self.pid = pid
        self.inbox = Connection(requests_w, readable=False)
        self.outbox = Connection(results_r, writable=False)
        self.job: int | None = None  # position of the file it is on
        self.deadline = 0.0

    def start(self, job: int, source: SourceFile, timeout: float) -> None:
        self.job = job
        self.deadline = time.monotonic() + timeout
        self.inbox.send(source)

    def kill(self) -> int | None:
        """Kill the worker; its wait status, or None if it was gone already."""
        for conn in (self.inbox, self.outbox):
            try:
                conn.close()
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return None


def _crash_reason(status: int | None) -> str:
    if status is not None and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signaal {sig}"
        hint = " (geheugen op?)" if sig == signal.SIGKILL else ""
        return f"verwerking afgebroken: het leesproces stopte onverwacht ({name}){hint}; overgeslagen"
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else "?"
    return f"verwerking afgebroken: het leesproces stopte onverwacht (afsluitcode {code}); overgeslagen"


class ExtractionPool:
    """Workers that run ``task`` on source files; results in submission order.

    ``workers=0`` runs ``task`` in the calling process (no timeout, no memory
    cap): for debugging, and for callers that cannot fork.
    """

    def __init__(self, task: Task, *, workers: int, timeout: float | None = None, memory_mb: int | None = None):
        self.task = task
        self.timeout = timeout if timeout is not None else file_timeout()
        self.memory_mb = memory_mb if memory_mb is not None else memory_limit_mb()
        self.size = workers if sys.platform != "win32" else 0
        self.workers: list[_Worker] = []
        self.queue: deque[tuple[int, SourceFile]] = deque()
        self.sources: dict[int, SourceFile] = {}
        self.done: dict[int, Outcome] = {}
        self.submitted = 0
        self.handed_back = 0

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Kill every worker and wait for it: nothing outlives the run."""
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.kill()

    def submit(self, sources: Iterable[SourceFile]) -> None:
        for source in sources:
            self.queue.append((self.submitted, source))
            self.sources[self.submitted] = source
            self.submitted += 1
        self._dispatch()

    def next_result(self) -> tuple[SourceFile, Outcome]:
        """The oldest submitted file and its outcome, waiting for it if needed."""
        if self.handed_back >= self.submitted:
            raise LookupError("no file is waiting for its result")
        job = self.handed_back
        if self.size == 0:
            self.queue.popleft()
            self.done[job] = run_task(self.task, self.sources[job])
        while job not in self.done:
            self._collect(block=True)
            self._dispatch()
        self.handed_back += 1
        outcome = self.done.pop(job)
        self._dispatch()
        return self.sources.pop(job), outcome

    def poll(self) -> None:
        """Take in finished results and hand out more work, without waiting."""
        if self.size:
            self._collect(block=False)
            self._dispatch()

    def results(self) -> Iterable[tuple[SourceFile, Outcome]]:
        while self.handed_back < self.submitted:
            yield self.next_result()

    # -- inside ----------------------------------------------------------------

    def _dispatch(self) -> None:
        if self.size == 0:
            return
        while self.queue and self.queue[0][0] - self.handed_back < LOOKAHEAD * self.size:
            idle = next((w for w in self.workers if w.job is None), None)
            if idle is None:
                if len(self.workers) >= self.size:
                    return
                idle = _Worker(self.task, self.memory_mb)
                self.workers.append(idle)
            job, source = self.queue.popleft()
            try:
                idle.start(job, source, self.timeout)
            except OSError:  # the worker died while idle: replace it, try again
                self._replace(idle)
                self.queue.appendleft((job, source))

    def _replace(self, worker: _Worker) -> int | None:
        status = worker.kill()
        self.workers.remove(worker)
        return status

    def _collect(self, *, block: bool) -> None:
        busy = [w for w in self.workers if w.job is not None]
        if not busy:
            return
        wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if block else 0.0
        ready = set(wait([w.outbox for w in busy], wait_for))
        now = time.monotonic()
        for worker in busy:
            job = worker.job
            if worker.outbox in ready:
                try:
                    outcome = pickle.loads(worker.outbox.recv_bytes())
                    worker.job = None
                except (EOFError, OSError):
                    outcome = Outcome(error=_crash_reason(self._replace(worker)), cacheable=False)
                except MemoryError:
                    self._replace(worker)
                    outcome = Outcome(error="te groot om te verwerken (onvoldoende geheugen)", cacheable=False)
                self.done[job] = outcome
            elif now >= worker.deadline:
                self._replace(worker)
                self.done[job] = Outcome(error=timeout_reason(self.timeout), cacheable=False)
