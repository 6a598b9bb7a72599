"""The processes a run is made of, on loopback: the functions behind `ruchy-lambda-local serve`
(Lambda's Invoke API) and the durable backend (AWS's `dex-local-runner`, or the local Lambda's
own with `serve --durable`).

Every process is started here, waited for with a deadline, and ended by its own pid.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Placeholder credentials: they sign requests to loopback endpoints and AWS refuses them.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
REGION = "us-east-1"
ACCOUNT = "123456789012"
START_DEADLINE_SECONDS = 120.0


class ProcessError(Exception):
    """A process that did not start, or stopped too early."""


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_environment() -> dict[str, str]:
    """This process's environment with the placeholder credentials and the region set."""
    env = dict(os.environ)
    for k, v in CREDENTIALS.items():
        env.setdefault(k, v)
    env.setdefault("AWS_REGION", REGION)
    env.setdefault("AWS_DEFAULT_REGION", env["AWS_REGION"])
    # Nothing from a profile or IMDS: only the variables above.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


@dataclass
class Started:
    """A child process, its log file, and the lines it wrote to stderr so far."""

    name: str
    process: subprocess.Popen
    log_path: Path
    # (epoch milliseconds when read, line)
    lines: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _pump(self) -> None:
        assert self.process.stderr is not None
        with open(self.log_path, "a", encoding="utf-8", errors="replace") as log:
            for raw in self.process.stderr:
                line = raw.decode("utf-8", errors="replace")
                log.write(line)
                log.flush()
                with self.lock:
                    self.lines.append((int(time.time() * 1000), line.rstrip("\n")))

    def snapshot(self) -> list[tuple[int, str]]:
        with self.lock:
            return list(self.lines)

    def wait_for_line(self, pattern: re.Pattern[str], deadline_s: float) -> re.Match[str]:
        """The first stderr line matching `pattern`, polled until `deadline_s` elapse."""
        end = time.monotonic() + deadline_s
        seen = 0
        while time.monotonic() < end:
            lines = self.snapshot()
            for _, line in lines[seen:]:
                m = pattern.search(line)
                if m:
                    return m
            seen = len(lines)
            if self.process.poll() is not None:
                raise ProcessError(
                    f"{self.name} exited with {self.process.returncode}; its log: {self.log_path}"
                )
            time.sleep(0.05)
        raise ProcessError(f"{self.name} did not start within {deadline_s:.0f} s; its log: {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to this process, then SIGKILL if it is still there after 10 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, argv: list[str], log_path: Path, env: dict[str, str]) -> Started:
    """Starts `argv` with its stderr pumped to `log_path` (stdout there too)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(f"$ {' '.join(argv)}\n", encoding="utf-8")
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    started = Started(name=name, process=process, log_path=log_path)
    threading.Thread(target=started._pump, name=f"{name}-log", daemon=True).start()
    return started


@dataclass(frozen=True)
class FunctionSpec:
    """One function as `serve` runs it."""

    name: str
    source: str  # `bin:PATH`
    env: dict[str, str]


_LISTENING = re.compile(r"listening on (http://[0-9.]+:\d+)/")


def start_serve(
    local: Path,
    functions: list[FunctionSpec],
    log_path: Path,
    extra: list[str],
    timeout_s: int,
) -> tuple[Started, str]:
    """`ruchy-lambda-local serve` with every function of `functions`; gives its URL."""
    argv = [str(local), "serve", "--port", "0", "--timeout", str(timeout_s), "--log-format", "json"]
    argv += extra
    for f in functions:
        argv += ["--function", f"{f.name}={f.source}"]
    for f in functions:
        for k, v in f.env.items():
            argv += ["--env", f"{f.name}:{k}={v}"]
    served = start("serve", argv, log_path, client_environment())
    m = served.wait_for_line(_LISTENING, START_DEADLINE_SECONDS)
    return served, m.group(1)


def _wait_http(url: str, process: Started, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process.process.poll() is not None:
            raise ProcessError(f"{process.name} exited with {process.process.returncode}; its log: {process.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise ProcessError(f"{process.name} did not answer {url} within {deadline_s:.0f} s; its log: {process.log_path}")


def start_dex(
    venv: Path,
    lambda_endpoint: str,
    function_configs: dict[str, dict],
    log_path: Path,
    skip_time: bool,
    port: int,
) -> tuple[Started, str]:
    """AWS's `dex-local-runner start-server` on `port`, invoking functions at `lambda_endpoint`."""
    configs = log_path.with_suffix(".function-configs.json")
    configs.write_text(json.dumps(function_configs), encoding="utf-8")
    url = f"http://127.0.0.1:{port}"
    argv = [
        str(venv / "bin" / "dex-local-runner"),
        "start-server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--lambda-endpoint", lambda_endpoint,
        "--local-runner-endpoint", url,
        "--local-runner-region", REGION,
        "--function-configs", f"file://{configs}",
        "--log-level", "WARNING",
        "--skip-time" if skip_time else "--no-skip-time",
    ]
    dex = start("dex-local-runner", argv, log_path, client_environment())
    _wait_http(f"{url}/health", dex, START_DEADLINE_SECONDS)
    return dex, url


def moto_server_path() -> Path | None:
    """moto's server (the AWS services a function's stack has): `MOTO_SERVER`, else the venv
    `.ci/run` makes for it; None when neither is there."""
    if os.environ.get("MOTO_SERVER"):
        return Path(os.environ["MOTO_SERVER"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = cache / "ruchy-lambda" / "moto-venv" / "bin" / "moto_server"
    return path if path.is_file() else None


def start_moto(moto_server: Path, log_path: Path) -> tuple[Started, str]:
    """moto's server on a free loopback port; gives its URL."""
    port = free_port()
    moto = start("moto_server", [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], log_path,
                 client_environment())
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/moto-api/", moto, START_DEADLINE_SECONDS)
    return moto, url
