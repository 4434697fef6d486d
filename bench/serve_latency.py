#!/usr/bin/env python3
"""`landscape serve`'s latency for one slider step, as the page asks for it.

Starts `landscape serve` on a free loopback port, then sends, one after another over one
keep-alive connection, 1,000 random two-feature parameter sets (seeded: p0, p01, half the
time p1, half the time an L1 penalty, a random bias), each as the page's three requests:
/api/curve with 1000 points, /api/minima and /api/symbolic. Prints the p50/p95/p99 of a
step's time (the three answers, loopback included: an upper bound on the server's time)
and of /api/curve alone. The issue's budget: p95 under 20 ms.

Then, under load: 8 worst-case requests in flight at once (/api/phase and /api/curve at
100,000 points with a penalised optimal bias, tens of CPU seconds each, on their own
connections), the latency of /api/minima meanwhile (the budget: under 100 ms), and how long
the server takes to stop on SIGTERM with them in flight.
"""
import argparse
import http.client
import random
import statistics
import subprocess
import sys
import time
import urllib.parse


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def parameters(rng, penalised_optimal=False):
    """Random hierarchy parameters; the optimal bias never with an L1 penalty (its bias
    is a numeric minimiser at every t, timed apart with `penalised_optimal`)."""
    p0 = rng.uniform(0.01, 0.6)
    p01 = rng.uniform(0.01, min(0.6, 0.98 - p0))
    q = {"p0": f"{p0:.4f}", "p01": f"{p01:.4f}"}
    if rng.random() < 0.5:
        q["p1"] = f"{rng.uniform(0, 0.99 - p0 - p01):.4f}"
    q["bias"] = "optimal" if penalised_optimal else rng.choice(["none", "optimal", "centered"])
    if penalised_optimal or (q["bias"] != "optimal" and rng.random() < 0.5):
        q["l1"] = f"{rng.uniform(0.001, 0.1):.4f}"
    return urllib.parse.urlencode(q)


def start_server(landscape):
    """`landscape serve` on a free port: the process, its host and port."""
    server = subprocess.Popen([landscape, "serve", "--port", "0"], stdout=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline()
    address = next(w for w in line.split() if w.startswith("http://"))
    return server, urllib.parse.urlsplit(address).hostname, urllib.parse.urlsplit(address).port


WORST = ["/api/phase?p0=0.3&p01=0.1&bias=optimal&l1=0.01",
         "/api/curve?p0=0.3&p01=0.1&bias=optimal&l1=0.01&points=100000"]


def under_load(landscape, count=50, load=8):
    """/api/minima's latency with `load` worst-case requests in flight; then the time from
    SIGTERM to exit."""
    server, host, port = start_server(landscape)
    try:
        heavy = []
        for i in range(load):
            c = http.client.HTTPConnection(host, port)
            c.request("GET", WORST[i % len(WORST)])
            heavy.append(c)
        time.sleep(1)  # let them start
        conn = http.client.HTTPConnection(host, port)
        times = []
        for _ in range(count):
            start_time = time.perf_counter()
            conn.request("GET", "/api/minima?p0=0.3&p01=0.1")
            r = conn.getresponse()
            r.read()
            times.append(time.perf_counter() - start_time)
            if r.status != 200:
                sys.exit(f"serve_latency: /api/minima under load answered {r.status}")
        conn.close()
        start_time = time.perf_counter()
        server.terminate()
        server.wait(timeout=120)
        stop = time.perf_counter() - start_time
        for c in heavy:
            c.close()
        return times, stop
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def training_runs(host, port, runs=2):
    """Starts `runs` long SAE trainings (POST /api/train) and reads their events on threads,
    as the page would; returns the threads' stop flag."""
    import json
    import threading
    stop = threading.Event()
    for _ in range(runs):
        c = http.client.HTTPConnection(host, port)
        body = json.dumps({"case": "sae-correlated-10-standard", "set": {"train.steps": 100000}})
        c.request("POST", "/api/train", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        answer = json.loads(r.read())
        if r.status != 200:
            sys.exit(f"serve_latency: POST /api/train answered {r.status}: {answer}")

        def read(run_id=answer["id"]):
            events = http.client.HTTPConnection(host, port)
            events.request("GET", f"/api/train/{run_id}/events")
            response = events.getresponse()
            while not stop.is_set() and response.read1(65536):
                pass
            events.close()

        threading.Thread(target=read, daemon=True).start()
    return stop


def measure(landscape, count, seed, penalised_optimal=False, trainings=0):
    server, host, port = start_server(landscape)
    try:
        conn = http.client.HTTPConnection(host, port)
        rng = random.Random(seed)

        def get(path):
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                sys.exit(f"serve_latency: {path} answered {r.status}: {body[:200]!r}")
            return body

        for _ in range(50):  # warm-up
            get("/api/curve?" + parameters(rng) + "&points=1000")
        stop = training_runs(host, port, trainings) if trainings else None
        if stop:
            time.sleep(1)  # let them start
        steps, curves = [], []
        for _ in range(count):
            q = parameters(rng, penalised_optimal)
            start = time.perf_counter()
            get("/api/curve?" + q + "&points=1000")
            middle = time.perf_counter()
            get("/api/minima?" + q)
            get("/api/symbolic?" + q)
            end = time.perf_counter()
            curves.append(middle - start)
            steps.append(end - start)
        conn.close()
        if stop:
            stop.set()
        return steps, curves
    finally:
        server.terminate()
        server.wait()


def report(landscape, count=1000, seed=14):
    steps, curves = measure(landscape, count, seed)
    ms = lambda x: f"{1000 * x:.2f} ms"
    for name, xs in [("slider step (curve 1000 points + minima + symbolic)", steps),
                     ("/api/curve?points=1000 alone", curves)]:
        print(f"{name}: p50 {ms(statistics.median(xs))}, p95 {ms(percentile(xs, 95))}, "
              f"p99 {ms(percentile(xs, 99))}, max {ms(max(xs))} (n={len(xs)})")
    p95 = percentile(steps, 95)
    print(f"budget: p95 {ms(p95)} {'<' if p95 < 0.020 else '>='} 20 ms")
    busy, _ = measure(landscape, 300, seed, trainings=2)
    print(f"slider step with 2 SAE training runs in flight (POST /api/train, sae-correlated-10-"
          f"standard, their events read): p50 {ms(statistics.median(busy))}, p95 "
          f"{ms(percentile(busy, 95))}, max {ms(max(busy))} (n={len(busy)}); idle p50 "
          f"{ms(statistics.median(steps))}: each run has a thread of its own, and this machine "
          f"has 2 cores")
    steps, curves = measure(landscape, 20, seed, penalised_optimal=True)
    print(f"not in the budget: the optimal bias with an L1 penalty (a numeric minimiser at "
          f"each t): step p50 {ms(statistics.median(steps))}, max {ms(max(steps))} (n=20)")
    times, stop = under_load(landscape)
    print(f"/api/minima with 8 worst-case requests in flight: p50 {ms(statistics.median(times))}, "
          f"p95 {ms(percentile(times, 95))}, max {ms(max(times))} (n={len(times)}); "
          f"budget: max {'<' if max(times) < 0.100 else '>='} 100 ms")
    print(f"SIGTERM to exit with them in flight: {ms(stop)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landscape", default=".build/release/landscape")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    report(a.landscape, a.count, a.seed)


if __name__ == "__main__":
    main()
