"""The three-node OpenSearch cluster the tests share, on loopback.

The pytest process that coordinates the run (the xdist controller, or the
only process without xdist) starts the nodes in the background as soon as it
is configured, so they boot while other tests run, and stops them at the end.
A worker that needs the cluster *attaches*: it reads the nodes from the state
file (the folder is passed in ``EXPERTISEBANK_TEST_CLUSTER``) and waits,
bounded, for green. A test may kill a node and start it again; the state file
then holds the new process, which the coordinator stops too.

Without Java or the launcher jar (``make opensearch-build``) nothing starts
and the tests that need the cluster skip with the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from indexer.engine import opensearch_nodes as nodes

ENV = "EXPERTISEBANK_TEST_CLUSTER"  # the state folder
OFF = "EXPERTISEBANK_TEST_OPENSEARCH"  # "uit": do not start a cluster
SIZE = 3
HEAP_MB = 384
BOOT_TIMEOUT = 180.0  # the nodes boot while other tests take the two cores
STATE = "cluster.json"
# Small nodes that share two cores with the tests: the quick compiler only and
# one GC thread, thread pools sized for one processor.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1m")
SETTINGS = {"node.processors": "1"}


def wanted(args: list[str]) -> bool:
    """Whether the tests asked for may need the cluster (all of them, or a
    file of the backend suites)."""
    if os.environ.get(OFF, "").strip().lower() in ("uit", "off", "0", "no"):
        return False
    if not args:
        return True
    return any(("conformance" in a or "opensearch" in a or a.rstrip("/").endswith("tests")) for a in args)


def start() -> str | None:
    """Launch the nodes without waiting; returns why not, or None."""
    problem = nodes.launcher_problem()
    if problem is not None:
        os.environ[ENV] = "skip:" + problem
        return problem
    root = Path(tempfile.mkdtemp(prefix="expertisebank-cluster-"))
    cluster = nodes.LocalCluster(
        root, size=SIZE, heap_mb=HEAP_MB, name_prefix="test", jvm_options=JVM_OPTIONS, settings=SETTINGS
    )
    for node in cluster.nodes:
        node.start()
    _save(root, [_node_state(n) for n in cluster.nodes])
    os.environ[ENV] = str(root)
    return None


def stop() -> None:
    """Stop every node the state file names (also ones a test restarted)."""
    value = os.environ.get(ENV, "")
    if not value or value.startswith("skip:"):
        return
    root = Path(value)
    with contextlib.suppress(OSError, ValueError):
        pids = [n["pid"] for n in _load(root)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(p) for p in pids):
            time.sleep(0.2)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


class Cluster:
    """The shared cluster as a worker sees it."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def urls(self) -> list[str]:
        return [f"http://{nodes.HOST}:{n['http_port']}" for n in _load(self.root)]

    def health(self) -> dict:
        return self._local().health()

    def wait_status(self, status: str, timeout: float) -> dict:
        return self._local().wait_status(status, timeout)

    def wait_nodes(self, count: int, timeout: float) -> dict:
        return self._local().wait_nodes(count, timeout)

    def _local(self) -> nodes.LocalCluster:
        """A LocalCluster object over the running nodes (for health only)."""
        cluster = nodes.LocalCluster.__new__(nodes.LocalCluster)
        cluster.nodes = [_RunningNode(n) for n in _load(self.root)]
        return cluster

    def kill(self, i: int) -> None:
        """``kill -9`` node ``i`` (its whole process group: the JVM)."""
        pid = _load(self.root)[i]["pid"]
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self, i: int, timeout: float = 120.0) -> None:
        """Start node ``i`` again on its own data folder and ports."""
        with _locked(self.root):
            states = _load(self.root)
            s = states[i]
            node = nodes.LocalNode(
                s["name"],
                s["http_port"],
                s["transport_port"],
                s["data_dir"],
                seed_hosts=s["seed_hosts"],
                initial_cluster_managers=s["managers"],
                heap_mb=s["heap_mb"],
                jvm_options=JVM_OPTIONS,
                settings=SETTINGS,
            )
            node.start()
            states[i] = _node_state(node)
            _save(self.root, states)
        node.wait_ready(timeout)


def attach(timeout: float = BOOT_TIMEOUT) -> Cluster:
    """The shared cluster once it is green; raises RuntimeError (with the
    reason) when there is none or it does not come up in time."""
    value = os.environ.get(ENV, "")
    if not value:
        raise RuntimeError(f"no cluster was started for this run (set by the coordinating pytest; {OFF}=uit?)")
    if value.startswith("skip:"):
        raise RuntimeError(value[len("skip:") :])
    cluster = Cluster(Path(value))
    deadline = time.monotonic() + timeout
    for n in _load(cluster.root):
        _RunningNode(n).wait_ready(max(1.0, deadline - time.monotonic()))
    cluster.wait_status("green", max(1.0, deadline - time.monotonic()))
    return cluster


class _RunningNode(nodes.LocalNode):
    """A node started by another process: known by its pid and ports."""

    def __init__(self, state: dict):
        super().__init__(state["name"], state["http_port"], state["transport_port"], state["data_dir"])
        self._pid = state["pid"]

    @property
    def alive(self) -> bool:
        return _running(self._pid)

    @property
    def pid(self) -> int:
        return self._pid

    def wait_ready(self, timeout: float = 120.0) -> _RunningNode:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            if not self.alive:
                raise RuntimeError(f"node {self.name} is not running; log {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"node {self.name} did not answer within {timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.3)


def _node_state(node: nodes.LocalNode) -> dict:
    return {
        "name": node.name,
        "http_port": node.http_port,
        "transport_port": node.transport_port,
        "data_dir": str(node.data_dir),
        "seed_hosts": list(node.seed_hosts),
        "managers": list(node.initial_cluster_managers),
        "heap_mb": node.heap_mb,
        "pid": node.pid,
    }


def _running(pid: int) -> bool:
    """Whether the process runs (a killed child its parent has not reaped yet does not)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # our own child: reap it if it ended
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


@contextlib.contextmanager
def _locked(root: Path):
    with open(root / "lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _load(root: Path) -> list[dict]:
    return json.loads((root / STATE).read_text())["nodes"]


def _save(root: Path, states: list[dict]) -> None:
    tmp = root / (STATE + ".tmp")
    tmp.write_text(json.dumps({"nodes": states}, indent=1))
    os.replace(tmp, root / STATE)
