"""Metering proxy: the latency it adds per model request, its throughput against the wire's, and the memory it
holds while streaming 50 MB.

Three processes, as in a run: an upstream model API (a stdlib server speaking Anthropic Messages SSE and
JSON), the proxy (started the way the bot would: the real key handed over on stdin, never in an environment),
and the client (this process).
1. Added latency: time to first byte of a small streamed reply, direct and through the proxy, on one
   keep-alive connection each, alternating, N requests. Target: median added <= 0.3 ms.
2. Throughput: a 50 MB SSE stream (16 KiB deltas, and 100-byte deltas as a real answer streams them) direct
   and through the proxy, alternating, ROUNDS rounds; the best round of each (a shared machine only slows a
   round down). Target: proxied >= 0.8x direct. Also the proxy process's CPU time per 50 MB (from
   /proc/<pid>/stat, the mean of the rounds: it counts in 10 ms ticks; less sensitive to the machine's load
   than wall time). The load average is printed first: on a shared 2-core machine it decides the wall figures.
3. Memory: the proxy process's peak RSS (VmHWM, reset between measures) for a 1 MB and a 50 MB SSE stream
   and a 1 MB and a 50 MB JSON body, each read by the client piece by piece. Target: flat (50 MB adds under
   2 MiB of peak: the meter's windows are 320 KiB per document, the relay's buffer 256 KiB per thread).
Also printed: that the usage the proxy read from each matches.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent
REQUESTS = 400
BIG_MB = 50
SMALL_MB = 1
ROUNDS = 5
DELTA_BYTES = 16 * 1024
SMALL_DELTA_BYTES = 100
TTFB_TARGET_MS = 0.3
THROUGHPUT_TARGET = 0.8
USAGE = {"input_tokens": 1234, "output_tokens": 1, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
FINAL_OUTPUT_TOKENS = 4321
MODEL = "claude-sonnet-4-5"
REAL_KEY = "sk-bench-real-key"


# --- the upstream (child process) ----------------------------------------------------------------------
def _events(total_bytes: int, delta_bytes: int = DELTA_BYTES) -> Any:
    start = {"type": "message_start", "message": {"model": MODEL, "usage": USAGE}}
    yield b"event: message_start\ndata: " + json.dumps(start).encode() + b"\n\n"
    delta = json.dumps({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "x" * delta_bytes}})
    event = b"event: content_block_delta\ndata: " + delta.encode() + b"\n\n"
    # Written in pieces of about 64 KiB, as a server's socket buffer would pass them on.
    batch = event * max(1, (64 * 1024) // len(event))
    for _ in range(max(1, total_bytes // len(batch))):
        yield batch
    end = {"type": "message_delta", "usage": {"output_tokens": FINAL_OUTPUT_TOKENS}}
    yield b"event: message_delta\ndata: " + json.dumps(end).encode() + b"\n\n"


def _json_body(total_bytes: int) -> tuple[bytes, bytes, bytes]:
    head = json.dumps({"model": MODEL, "content": [{"type": "text", "text": ""}]})[:-4].encode()
    usage = {**USAGE, "output_tokens": FINAL_OUTPUT_TOKENS}
    tail = b'"}], "usage": ' + json.dumps(usage).encode() + b"}"
    return head, b"x" * (total_bytes - len(head) - len(tail)), tail


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as a real API's server does: otherwise the direct baseline waits ~40 ms

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        query = parse_qs(urlsplit(self.path).query)
        size = int(float(query.get("mb", ["0"])[0]) * 1024 * 1024)
        self.send_response(200)
        if "json" in query:
            head, middle, tail = _json_body(size)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(head) + len(middle) + len(tail)))
            self.end_headers()
            self.wfile.write(head)
            for i in range(0, len(middle), 1 << 20):
                self.wfile.write(middle[i : i + (1 << 20)])
            self.wfile.write(tail)
            return
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        delta_bytes = int(query.get("delta", [str(DELTA_BYTES)])[0])
        for piece in _events(size, delta_bytes):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


def serve_upstream() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


# --- the proxy (child process) -------------------------------------------------------------------------
def serve_proxy(upstream: str) -> None:
    from symphony_bot.agents.metering import MeteringProxy

    key = sys.stdin.readline().strip()  # as codex-action does: the key on stdin, in no environment
    with MeteringProxy("anthropic", key, upstream) as proxy:
        print(json.dumps({"url": proxy.url, "key": proxy.dummy_key}), flush=True)
        for line in sys.stdin:  # "usage" -> the usage taken since the last ask; EOF ends the proxy
            taken = proxy.take_usage()
            status = Path("/proc/self/status").read_text()
            hwm = next(int(row.split()[1]) for row in status.splitlines() if row.startswith("VmHWM:"))
            usage = {"input": taken.usage.input_tokens, "output": taken.usage.output_tokens, "hwm_kb": hwm}
            print(json.dumps({**usage, "requests": taken.requests, "ask": line.strip()}), flush=True)
            Path("/proc/self/clear_refs").write_text("5")  # reset the peak: each measure has its own


# --- the client (this process) -------------------------------------------------------------------------
def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)


def _ttfb(connection: http.client.HTTPConnection, key: str, query: str = "mb=0") -> tuple[float, int]:
    body = json.dumps({"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    started = time.perf_counter()
    connection.request("POST", f"/v1/messages?{query}", body=body, headers={"x-api-key": key})
    response = connection.getresponse()
    first = response.read1(65536)
    elapsed = time.perf_counter() - started
    total = len(first)
    while piece := response.read1(1 << 20):
        total += len(piece)
    return elapsed, total


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    python = sys.executable
    here = str(Path(__file__).resolve())
    upstream_process = subprocess.Popen([python, here, "--serve-upstream"], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert upstream_process.stdout is not None
    upstream = upstream_process.stdout.readline().strip()
    proxy_process = subprocess.Popen(
        [python, here, "--serve-proxy", upstream],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert proxy_process.stdin is not None and proxy_process.stdout is not None
    proxy_process.stdin.write(REAL_KEY + "\n")
    proxy_process.stdin.flush()
    started = json.loads(proxy_process.stdout.readline())

    def ask(label: str) -> dict[str, Any]:
        assert proxy_process.stdin is not None and proxy_process.stdout is not None
        proxy_process.stdin.write(label + "\n")
        proxy_process.stdin.flush()
        answer: dict[str, Any] = json.loads(proxy_process.stdout.readline())
        return answer

    try:
        environ = Path(f"/proc/{proxy_process.pid}/environ").read_bytes()
        print("load average (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
        print(f"real key in the proxy's environment: {REAL_KEY.encode() in environ} (handed over on stdin)")
        direct, proxied = _connection(upstream), _connection(started["url"])
        for _ in range(20):  # warm-up
            _ttfb(direct, "none")
            _ttfb(proxied, started["key"])
        ask("warm-up")
        direct_times, proxied_times, added = [], [], []
        cpu_before = _cpu_seconds(proxy_process.pid)
        for _ in range(REQUESTS):
            d, _ = _ttfb(direct, "none")
            p, _ = _ttfb(proxied, started["key"])
            direct_times.append(d)
            proxied_times.append(p)
            added.append(p - d)
        cpu_per_request_ms = (_cpu_seconds(proxy_process.pid) - cpu_before) / REQUESTS * 1000
        metered = ask("latency")
        ms = 1000
        print(f"\n1. time to first byte, {REQUESTS} streamed requests each way (keep-alive client connection)")
        print(f"   direct  median {statistics.median(direct_times) * ms:.3f} ms")
        print(f"   proxied median {statistics.median(proxied_times) * ms:.3f} ms")
        added_ms = statistics.median(added) * ms
        ratio = statistics.median(proxied_times) / statistics.median(direct_times)
        verdict = "met" if added_ms <= TTFB_TARGET_MS else "MISSED"
        print(f"   added   median {added_ms:.3f} ms (target <= {TTFB_TARGET_MS} ms: {verdict}); ratio {ratio:.2f}x")
        print(f"   p90 added {statistics.quantiles(added, n=10)[-1] * ms:.3f} ms")
        print(f"   the proxy's CPU time per request {cpu_per_request_ms:.3f} ms (a floor for what it adds)")
        exact = metered["input"] == REQUESTS * USAGE["input_tokens"]
        print(f"   metered {metered['requests']} requests, {metered['input']} input tokens (exact: {exact})")

        print(f"\n2. throughput of a {BIG_MB} MB SSE stream, best of {ROUNDS} alternating rounds each way")
        for label, delta in (("16 KiB deltas", DELTA_BYTES), ("100 B deltas", SMALL_DELTA_BYTES)):
            query = f"mb={BIG_MB}&delta={delta}"
            direct_s, proxied_s, cpu_s = [], [], []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                _ttfb(_connection(upstream), "none", query)
                direct_s.append(time.perf_counter() - t0)
                cpu_before = _cpu_seconds(proxy_process.pid)
                t0 = time.perf_counter()
                _, size = _ttfb(_connection(started["url"]), started["key"], query)
                proxied_s.append(time.perf_counter() - t0)
                cpu_s.append(_cpu_seconds(proxy_process.pid) - cpu_before)
            report = ask(f"throughput {label}")
            mb = size / 1e6
            best_direct, best_proxied = mb / min(direct_s), mb / min(proxied_s)
            ratio = best_proxied / best_direct
            verdict = "met" if ratio >= THROUGHPUT_TARGET else "MISSED"
            print(
                f"   {label:>13}: direct {best_direct:6.0f} MB/s, proxied {best_proxied:6.0f} MB/s, ratio {ratio:.2f}x "
                f"(target >= {THROUGHPUT_TARGET}x: {verdict}); "
                f"proxy CPU {statistics.mean(cpu_s):.2f} s per {mb:.0f} MB; "
                f"output tokens read {report['output'] // ROUNDS} "
                f"({'ok' if report['output'] == ROUNDS * FINAL_OUTPUT_TOKENS else 'WRONG'})"
            )

        print("\n3. memory of the proxy process while streaming (peak RSS, VmHWM)")
        rows = []
        for label, query in (
            (f"{SMALL_MB} MB SSE", f"mb={SMALL_MB}"),
            (f"{BIG_MB} MB SSE", f"mb={BIG_MB}"),
            (f"{SMALL_MB} MB JSON", f"mb={SMALL_MB}&json=1"),
            (f"{BIG_MB} MB JSON", f"mb={BIG_MB}&json=1"),
        ):
            t0 = time.perf_counter()
            _, size = _ttfb(_connection(upstream), "none", query)
            direct_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, proxied_size = _ttfb(_connection(started["url"]), started["key"], query)
            proxied_s = time.perf_counter() - t0
            report = ask(label)
            assert proxied_size == size, (proxied_size, size)
            rows.append((label, size, report["hwm_kb"], direct_s, proxied_s, report["output"]))
        for label, size, hwm_kb, direct_s, proxied_s, output in rows:
            mb = size / 1e6
            print(
                f"   {label:>11}: {mb:5.1f} MB through, proxy peak RSS {hwm_kb / 1024:5.1f} MiB; "
                f"{mb / direct_s:5.0f} MB/s direct, {mb / proxied_s:5.0f} MB/s proxied; "
                f"output tokens read {output} ({'ok' if output == FINAL_OUTPUT_TOKENS else 'WRONG'})"
            )
        for kind, small, big in (("SSE", rows[0], rows[1]), ("JSON", rows[2], rows[3])):
            growth = (big[2] - small[2]) / 1024
            verdict = "flat" if growth < 2 else "NOT flat"
            ratio = big[2] / small[2]
            print(f"   {kind}: peak {SMALL_MB} MB -> {BIG_MB} MB: {growth:+.2f} MiB, ratio {ratio:.3f} ({verdict})")
    finally:
        proxy_process.stdin.close()
        proxy_process.wait(timeout=10)
        upstream_process.terminate()
        upstream_process.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-proxy", metavar="UPSTREAM", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_upstream:
        serve_upstream()
    elif arguments.serve_proxy:
        serve_proxy(arguments.serve_proxy)
    else:
        main()
