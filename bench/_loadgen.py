"""A small HTTP/1.1 load generator: N keep-alive connections on one asyncio loop, raw sockets, no
dependencies, so its own cost per request stays low. Run as a separate process by the benchmarks:

    python bench/_loadgen.py --port P --path /healthz [--clients 32] [--seconds 10] [--warmup 2]
    python bench/_loadgen.py --port P --path /api/v1/hazards --hazards points.json --token T ...

With `--hazards FILE` (a JSON list of [lon, lat] points) every request POSTs a different hazard (its
own title, a point taken in turn, gas or fire). Prints one JSON object: requests in the measured
window, req/s, status counts and latency percentiles in ms. Requests started during the warm-up are
not counted."""

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from typing import Any


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.points: list[list[float]] = []
        if args.hazards:
            with open(args.hazards) as handle:
                self.points = json.load(handle)
        self.counter = itertools.count()
        self.rng = random.Random(args.seed)
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.first_bad: str = ""
        self.measure_from = 0.0
        self.deadline = 0.0
        self.head = f"{'POST' if self.points else 'GET'} {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n" + (
            f"Authorization: Bearer {args.token}\r\n" if args.token else ""
        )

    def request(self) -> bytes:
        if not self.points:
            return (self.head + "\r\n").encode()
        n = next(self.counter)
        lon, lat = self.points[n % len(self.points)]
        body = json.dumps(
            {
                "title": f"压测隐患 {self.args.run}-{n}",
                "sector": "gas" if n % 2 else "fire",
                "description": "基准测试生成：巡查发现阀门锈蚀。",
                "lon": lon,
                "lat": lat,
            },
            ensure_ascii=False,
        ).encode()
        return (self.head + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    async def one_client(self) -> None:
        reader, writer = await asyncio.open_connection(self.args.host, self.args.port)
        try:
            while True:
                started = time.perf_counter()
                if started >= self.deadline:
                    return
                writer.write(self.request())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                headers = head.decode("latin-1").lower()
                body = b""
                if "transfer-encoding: chunked" in headers:
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                        chunk = await reader.readexactly(size + 2)
                        body += chunk[:-2]
                        if size == 0:
                            break
                else:
                    length = 0
                    for line in headers.split("\r\n"):
                        if line.startswith("content-length:"):
                            length = int(line.split(":", 1)[1])
                    body = await reader.readexactly(length)
                finished = time.perf_counter()
                if started >= self.measure_from and finished <= self.deadline:
                    self.latencies.append(finished - started)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status != self.args.expect and not self.first_bad:
                        self.first_bad = f"{status}: {body[:300].decode('utf-8', 'replace')}"
                if "connection: close" in headers:
                    writer.close()
                    reader, writer = await asyncio.open_connection(self.args.host, self.args.port)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            writer.close()

    async def run(self) -> dict[str, Any]:
        now = time.perf_counter()
        self.measure_from = now + self.args.warmup
        self.deadline = self.measure_from + self.args.seconds
        await asyncio.gather(*(self.one_client() for _ in range(self.args.clients)))
        latencies = sorted(self.latencies)

        def pct(p: float) -> float:
            if not latencies:
                return 0.0
            return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)

        return {
            "requests": len(latencies),
            "rps": round(len(latencies) / self.args.seconds, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": sum(v for k, v in self.statuses.items() if k != self.args.expect) + len(self.errors),
            "errors": self.errors[:5],
            "first_bad": self.first_bad,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
            "clients": self.args.clients,
            "seconds": self.args.seconds,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--token", default="")
    parser.add_argument("--hazards", default="", help="JSON file of [lon, lat] points: POST a hazard per request")
    parser.add_argument("--expect", type=int, default=200, help="the status every response must have")
    parser.add_argument("--run", default="0", help="a tag in the generated titles")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(Load(args).run())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
