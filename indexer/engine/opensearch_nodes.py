"""Start and stop local OpenSearch nodes and clusters for development and tests.

The nodes run the small launcher in ``opensearch/`` (an embedded OpenSearch 2.19 node built from Maven
Central artifacts, with analysis-common and the Netty4 transport on the classpath), one JVM per node,
bound to 127.0.0.1. Build it once with ``make opensearch-build`` (or :func:`build_launcher`).

    with LocalCluster("var/opensearch-test", size=3) as cluster:
        cluster.wait_status("green")
        ...  # talk to cluster.urls

``python -m indexer.engine.opensearch_nodes --nodes 1 --data var/opensearch --http-port 9200`` starts
node(s) in the foreground until Ctrl-C (this is what ``make opensearch`` runs).

Only the standard library is used, so this module can be imported without the OpenSearch client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_DIR = "opensearch"
JAR_NAME = "expertisebank-opensearch-node.jar"
MIN_JAVA = 17
DEFAULT_CLUSTER_NAME = "expertisebank"
HOST = "127.0.0.1"
BUILD_TIMEOUT = 900.0

# A subset of OpenSearch's own system JVM options that matter for an embedded node; the heap comes from heap_mb.
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-XX:G1ReservePercent=25",
    "-XX:InitiatingHeapOccupancyPercent=30",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
)


def launcher_jar(project_root: str | os.PathLike[str] | None = None) -> Path:
    """Path of the built launcher jar (its dependencies sit next to it in ``lib/``)."""
    root = Path(project_root) if project_root is not None else PROJECT_ROOT
    return root / LAUNCHER_DIR / "target" / JAR_NAME


def java_major_version(java: str = "java") -> int | None:
    """Major version of ``java`` (8 for "1.8.0_x", 17 for "17.0.15"), or None when it can't be run."""
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    return major


def launcher_problem(project_root: str | os.PathLike[str] | None = None) -> str | None:
    """Why local nodes can't be started here, as one Dutch line; None when they can."""
    if shutil.which("java") is None:
        return f"geen 'java' gevonden op PATH; installeer Java {MIN_JAVA} of nieuwer"
    version = java_major_version()
    if version is None:
        return "kan de Java-versie niet bepalen ('java -version' mislukt)"
    if version < MIN_JAVA:
        return f"Java {version} is te oud; OpenSearch 2.19 heeft Java {MIN_JAVA} of nieuwer nodig"
    jar = launcher_jar(project_root)
    if not jar.is_file() or not (jar.parent / "lib").is_dir():
        return f"de OpenSearch-launcher ({jar}) is nog niet gebouwd; bouw hem met: make opensearch-build"
    return None


def _launcher_is_stale(root: Path) -> bool:
    jar = launcher_jar(root)
    if not jar.is_file() or not (jar.parent / "lib").is_dir():
        return True
    built = jar.stat().st_mtime
    sources = [root / LAUNCHER_DIR / "pom.xml", *(root / LAUNCHER_DIR / "src").rglob("*")]
    return any(path.is_file() and path.stat().st_mtime > built for path in sources)


def build_launcher(project_root: str | os.PathLike[str] | None = None, timeout: float = BUILD_TIMEOUT) -> Path:
    """Build the launcher with Maven when the jar is missing or older than the pom/sources; return the jar."""
    root = Path(project_root) if project_root is not None else PROJECT_ROOT
    jar = launcher_jar(root)
    if not _launcher_is_stale(root):
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("geen 'mvn' gevonden op PATH; installeer Maven 3 om de OpenSearch-launcher te bouwen")
    cmd = [mvn, "-q", "-B", "-f", str(root / LAUNCHER_DIR / "pom.xml"), "package", "-DskipTests"]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"Maven build took longer than {timeout:.0f}s: {' '.join(cmd)}") from exc
    if proc.returncode != 0 or not jar.is_file():
        output = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise RuntimeError(f"Maven build failed (exit {proc.returncode}): {' '.join(cmd)}\n{output}")
    return jar


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` right now (another process may still take it later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class LocalNode:
    """One OpenSearch node in its own JVM and process group, logging to ``data_dir/node.log``."""

    def __init__(
        self,
        name: str,
        http_port: int,
        transport_port: int,
        data_dir: str | os.PathLike[str],
        seed_hosts: Sequence[str] = (),
        initial_cluster_managers: Sequence[str] = (),
        heap_mb: int = 512,
        log_path: str | os.PathLike[str] | None = None,
        *,
        cluster_name: str = DEFAULT_CLUSTER_NAME,
        jar: str | os.PathLike[str] | None = None,
        java: str = "java",
        jvm_options: Sequence[str] = (),
        settings: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.http_port = http_port
        self.transport_port = transport_port
        self.data_dir = Path(data_dir)
        self.seed_hosts = tuple(seed_hosts)
        self.initial_cluster_managers = tuple(initial_cluster_managers)
        self.heap_mb = heap_mb
        self.log_path = Path(log_path) if log_path is not None else self.data_dir / "node.log"
        self.cluster_name = cluster_name
        self.jar = Path(jar) if jar is not None else launcher_jar()
        self.java = java
        self.jvm_options = tuple(jvm_options)  # after the defaults: they win
        self.settings = dict(settings or {})  # further node settings (-Ekey=value)
        self._proc: subprocess.Popen[bytes] | None = None
        self._terminated = False

    def __repr__(self) -> str:
        return f"LocalNode({self.name!r}, http={self.http_port}, pid={self.pid}, alive={self.alive})"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def command(self) -> list[str]:
        defaults = JVM_OPTIONS
        if any(o.startswith("-XX:+Use") and o.endswith("GC") for o in self.jvm_options):  # another collector
            defaults = tuple(o for o in JVM_OPTIONS if "G1" not in o)
        cmd = [self.java, f"-Xms{self.heap_mb}m", f"-Xmx{self.heap_mb}m", *defaults, *self.jvm_options]
        cmd += ["-jar", str(self.jar)]
        cmd += ["--name", self.name, "--cluster-name", self.cluster_name, "--host", HOST]
        cmd += ["--http-port", str(self.http_port), "--transport-port", str(self.transport_port)]
        cmd += ["--data", str(self.data_dir.resolve())]
        if self.seed_hosts:
            cmd += ["--seed-hosts", ",".join(self.seed_hosts)]
        if self.initial_cluster_managers:
            cmd += ["--initial-cluster-managers", ",".join(self.initial_cluster_managers)]
        cmd += [f"-E{key}={value}" for key, value in self.settings.items()]
        return cmd

    def start(self) -> LocalNode:
        """Launch the JVM (without waiting for it to be ready); the data dir is reused if it exists."""
        if self.alive:
            raise RuntimeError(f"node {self.name} is already running (pid {self.pid})")
        if not self.jar.is_file():
            raise RuntimeError(f"launcher jar {self.jar} is missing; build it with: make opensearch-build")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
            log.flush()
            # A session of its own: a Ctrl-C in the terminal reaches Python, which then stops the node.
            self._proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._terminated = False
        return self

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def wait_ready(self, timeout: float = 120.0) -> LocalNode:
        """Poll the HTTP port until the node answers; RuntimeError with the log tail on death or timeout."""
        if self._proc is None:
            raise RuntimeError(f"node {self.name} was not started")
        deadline = time.monotonic() + timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                tail = self.log_tail()
                reason = [line for line in tail.splitlines() if line.startswith("failed to start ")]
                summary = f": {reason[-1]}" if reason else ""
                raise RuntimeError(f"node {self.name} exited with code {code}{summary}; log {self.log_path}:\n{tail}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # any HTTP answer means the HTTP layer is up
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"node {self.name} did not answer on {self.url} within {timeout:.0f}s; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _signal(self, sig: int) -> None:
        if self.alive:
            assert self._proc is not None
            try:
                os.killpg(self._proc.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """Send SIGTERM without waiting (the launcher then closes the node cleanly)."""
        if self.alive and not self._terminated:
            self._signal(signal.SIGTERM)
            self._terminated = True

    def kill(self) -> None:
        """SIGKILL the node (as in a crash) and reap it."""
        if self._proc is None:
            return
        self._signal(signal.SIGKILL)
        self._proc.wait()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL."""
        if self._proc is None:
            return
        self.terminate()
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class LocalCluster:
    """``size`` local nodes that seed each other; with size=1 a single-node cluster."""

    def __init__(
        self,
        root_dir: str | os.PathLike[str],
        size: int = 3,
        base_http_port: int | None = None,
        base_transport_port: int | None = None,
        heap_mb: int = 512,
        *,
        cluster_name: str = DEFAULT_CLUSTER_NAME,
        name_prefix: str = "node",
        jvm_options: Sequence[str] = (),
        settings: dict[str, str] | None = None,
        jar: str | os.PathLike[str] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.root_dir = Path(root_dir)
        names = [f"{name_prefix}-{i + 1}" for i in range(size)]
        http_ports = [base_http_port + i if base_http_port else free_port() for i in range(size)]
        transport_ports = [base_transport_port + i if base_transport_port else free_port() for i in range(size)]
        seeds = [f"{HOST}:{port}" for port in transport_ports] if size > 1 else []
        managers = names if size > 1 else []
        self.nodes = [
            LocalNode(
                name,
                http_ports[i],
                transport_ports[i],
                self.root_dir / name,
                seed_hosts=seeds,
                initial_cluster_managers=managers,
                heap_mb=heap_mb,
                cluster_name=cluster_name,
                jar=jar,
                jvm_options=jvm_options,
                settings=settings,
            )
            for i, name in enumerate(names)
        ]

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, i: int) -> LocalNode:
        return self.nodes[i]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, timeout: float = 180.0) -> LocalCluster:
        """Launch all nodes at once and wait until each answers HTTP; on failure stop them all."""
        try:
            for node in self.nodes:
                node.start()
            deadline = time.monotonic() + timeout
            for node in self.nodes:
                node.wait_ready(max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise
        return self

    def health(self, params: str = "", timeout: float = 10.0) -> dict:
        """``/_cluster/health`` from the first node that is alive."""
        alive = [node for node in self.nodes if node.alive]
        if not alive:
            raise RuntimeError("no node of the cluster is running")
        with urllib.request.urlopen(f"{alive[0].url}/_cluster/health{params}", timeout=timeout) as resp:
            return json.load(resp)

    def wait_status(self, status: str = "green", timeout: float = 120.0) -> dict:
        """Wait until the cluster health is at least ``status`` ("green" or "yellow"); return the health."""
        if status not in ("green", "yellow"):
            raise ValueError("status must be 'green' or 'yellow'")
        return self._wait_health(f"wait_for_status={status}", f"reach {status}", timeout)

    def wait_nodes(self, count: int, timeout: float = 120.0) -> dict:
        """Wait until the cluster counts exactly ``count`` nodes (after a node
        was killed: until the others have noticed and removed it); return the health."""
        return self._wait_health(f"wait_for_nodes={count}", f"count {count} node(s)", timeout)

    def _wait_health(self, condition: str, what: str, timeout: float) -> dict:
        """Poll ``/_cluster/health?<condition>`` (each call waits server-side) until it holds."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wait = max(1, int(remaining))
            try:
                health = self.health(f"?{condition}&timeout={wait}s", timeout=wait + 10)
                if not health.get("timed_out"):
                    return health
                last = health
            except urllib.error.HTTPError as exc:  # e.g. 503 before a cluster manager is elected
                last = f"HTTP {exc.code}: {exc.read(500).decode('utf-8', 'replace')}"
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.5)
        raise RuntimeError(f"cluster did not {what} within {timeout:.0f}s; last answer: {last}")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop all nodes in parallel (SIGTERM, then SIGKILL after ``timeout``)."""
        for node in self.nodes:
            node.terminate()
        for node in self.nodes:
            node.stop(timeout)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start local OpenSearch node(s) and keep them running until Ctrl-C.")
    parser.add_argument("--nodes", type=int, default=1, help="number of nodes (default 1)")
    parser.add_argument("--data", default="var/opensearch", help="root data directory, one subdirectory per node")
    parser.add_argument("--http-port", type=int, default=9200, help="HTTP port of the first node (next: +1, ...)")
    parser.add_argument("--transport-port", type=int, default=9300, help="transport port of the first node")
    parser.add_argument("--heap-mb", type=int, default=512, help="heap per node in MB (default 512)")
    parser.add_argument("--cluster-name", default=DEFAULT_CLUSTER_NAME)
    parser.add_argument("--build", action="store_true", help="build the launcher with Maven first if needed")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for green")
    args = parser.parse_args(argv)

    if args.build:
        build_launcher()
    problem = launcher_problem()
    if problem:
        print(f"opensearch: {problem}", file=sys.stderr)
        return 1

    cluster = LocalCluster(
        args.data,
        size=args.nodes,
        base_http_port=args.http_port,
        base_transport_port=args.transport_port,
        heap_mb=args.heap_mb,
        cluster_name=args.cluster_name,
    )
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the nodes just like Ctrl-C
    try:
        started = time.monotonic()
        cluster.start(args.timeout)
        health = cluster.wait_status("green", args.timeout)
        elapsed = time.monotonic() - started
        print(f"OpenSearch {health['status']} with {health['number_of_nodes']} node(s) after {elapsed:.1f}s")
        for node in cluster.nodes:
            print(f"  {node.name}: {node.url} (pid {node.pid}, log {node.log_path})")
        print("Ctrl-C stops the node(s).", flush=True)
        while True:
            dead = [node for node in cluster.nodes if not node.alive]
            if dead:
                node = dead[0]
                print(f"node {node.name} stopped (exit {node.returncode}):\n{node.log_tail()}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...", file=sys.stderr)
        return 0
    except RuntimeError as exc:
        print(f"opensearch: {exc}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
