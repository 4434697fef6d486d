#!/usr/bin/env python3
"""`make bench`: times `landscape` against the references it names and prints the ratios.

1. The exact 1000 x 1000 hierarchy sweep (MSE and L2 minima at every point), compute
   alone and the whole command with its CSV written.
2. The same size with a child-alone pattern and an L1 penalty (the numeric path).
3. The reference method researchers use today, in this same run: a dense grid of t and
   an argmin, with numpy (grid_reference.py), with and without writing the CSV, and its
   error against the exact minima.
4. The gradient trainer's samples per second on the single-latent toy (batch 4096,
   3000 steps), against the PyTorch and SAELens figures reported for this machine kind.
5. The many-latent SAE trainer (`landscape train CASE --json`) on the cases in bench/, against
   a PyTorch peer run in this same process tree (torch_sae.py: same SAE, toy, batch and Adam,
   training on drawn samples as researchers do): the paper's Matryoshka toy with counts data,
   a denser Matryoshka hierarchy (about 1,250 distinct patterns per batch of 4096), a wider SAE
   (64 latents on 64 features, about 1,700 distinct patterns), the 20-feature / 5-latent
   correlated toy with samples, and the Matryoshka toy's exact expected loss (time per exact
   step: one pass over every pattern). Each prints the distinct patterns per batch, the time
   split (sampling, on a second thread, and what the steps waited for it; forward, backward,
   Adam) on both sides, and the ratio; a table of all of them closes the section.
6. A study (`landscape study cases/study-width-correlation.json --jobs 2`: 108 SAE runs, widths
   2..10 x four correlation strengths x three seeds) against the same runs through the PyTorch
   peer in one Python process (torch_study.py), with the time split.
7. `landscape serve`: p50/p95/p99 of one slider step (serve_latency.py; BENCH_SERVE=0 skips).
8. Time to solution (time_to_solution.py; BENCH_TTS=0 skips, BENCH_TTS_CAP sets PyTorch's
   seconds per run, 600 by default): `train --optimizer lbfgs` to |g| < 1e-9 against the PyTorch
   peer's Adam to within 1e-4 of lbfgs's exact loss, on the Matryoshka and 14-children toys,
   with both curves in one figure.
Each timing is the median of --repeat runs; the spread (min-max) shows the machine noise.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAE_CASES = ["sae-single-latent-counts.json", "sae-matryoshka-counts.json",
             "sae-matryoshka-dense-counts.json", "sae-wide-counts.json", "sae-correlated-samples.json",
             "sae-matryoshka-exact.json"]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stderr}")
    return out


def sweep_times(landscape, args, repeat, csv_path):
    """Compute alone (--discard) and the whole command with its CSV written, as the
    command times itself (the process start, about 10 ms, is left out on both sides)."""
    computed, total = [], []
    for _ in range(repeat):
        err = run([landscape, "sweep", *args, "--timing", "--discard"]).stderr
        computed.append(float(re.search(r"computed in ([0-9.]+) s", err).group(1)))
        err = run([landscape, "sweep", *args, "--timing", "--csv", csv_path]).stderr
        total.append(float(re.search(r" ([0-9.]+) s with output", err).group(1)))
    return computed, total


def numpy_times(args, repeat, csv_path):
    computed, total = [], []
    for i in range(repeat):
        cmd = [sys.executable, os.path.join(HERE, "grid_reference.py"), *args]
        if i == 0:
            cmd += ["--csv", csv_path]
        line = json.loads(run(cmd).stdout)
        computed.append(line["seconds"])
        if i == 0:
            total.append(line["total_seconds"])
    return computed, total


def spread(xs):
    return f"{statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def column(path, name):
    with open(path) as f:
        return [float(r[name]) for r in csv.DictReader(f)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landscape", default=".build/release/landscape")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--numpy-repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=1000)
    a = ap.parse_args()
    n = a.size
    tmp = tempfile.mkdtemp(prefix="landscape-bench-")
    exact_csv, numeric_csv, numpy_csv = (os.path.join(tmp, f) for f in ("exact.csv", "numeric.csv", "numpy.csv"))

    print(f"== sweep: {n} x {n} hierarchy (p0, p01 in [0, 0.5]) ==")
    grid = ["--p0", f"0:0.5:{n}", "--p01", f"0:0.5:{n}"]
    c, t = sweep_times(a.landscape, grid, a.repeat, exact_csv)
    print(f"landscape sweep, exact, compute:          {spread(c)}  ({n * n / statistics.median(c) / 1e6:.2f} M points/s)")
    print(f"landscape sweep, exact, CSV written:      {spread(t)}")
    nc, nt = numpy_times(grid + ["--t-points", "1000"], a.numpy_repeat, numpy_csv)
    print(f"numpy grid (1000 t), compute:             {spread(nc)}")
    print(f"numpy grid (1000 t), np.savetxt CSV:      {spread(nt)}")
    print(f"ratio, compute:                           {statistics.median(nc) / statistics.median(c):.1f}x faster than numpy")
    print(f"ratio, whole command with CSV:            {statistics.median(nt) / statistics.median(t):.1f}x faster than numpy")
    exact_t, grid_t = column(exact_csv, "mse_t"), column(numpy_csv, "mse_t")
    exact_l2, grid_l2 = column(exact_csv, "l2_loss"), column(numpy_csv, "l2_loss")
    print(f"numpy grid error vs exact: max |mse_t| {max(abs(x - y) for x, y in zip(exact_t, grid_t)):.2e}, "
          f"max |l2_loss| {max(abs(x - y) for x, y in zip(exact_l2, grid_l2)):.2e}")

    print(f"\n== sweep: {n} x {n} with a child-alone pattern (p1 = 0.05) and L1 = 0.05 (numeric path) ==")
    grid = ["--p0", f"0:0.45:{n}", "--p01", f"0:0.45:{n}", "--p1", "0.05", "--l1", "0.05"]
    c, t = sweep_times(a.landscape, grid, max(1, a.repeat // 2), numeric_csv)
    print(f"landscape sweep, numeric path, compute:   {spread(c)}  ({n * n / statistics.median(c) / 1e6:.2f} M points/s)")
    print(f"landscape sweep, numeric path, CSV:       {spread(t)}")
    nc, nt = numpy_times(grid + ["--t-points", "1000"], a.numpy_repeat, numpy_csv)
    print(f"numpy grid (1000 t), compute:             {spread(nc)}")
    print(f"numpy grid (1000 t), np.savetxt CSV:      {spread(nt)}")
    print(f"ratio, compute:                           {statistics.median(nc) / statistics.median(c):.1f}x faster than numpy")
    print(f"ratio, whole command with CSV:            {statistics.median(nt) / statistics.median(t):.1f}x faster than numpy")

    trainer = os.environ.get("BENCH_TRAIN", "1") == "1"
    if trainer:
        print("\n== trainer: single-latent toy (p0 = 0.2, p01 = 0.05), batch 4096, 3000 steps ==")
        rates = []
        for _ in range(a.repeat):
            out = subprocess.run([a.landscape, "train", "--p0", "0.2", "--p01", "0.05", "--batch", "4096",
                                  "--steps", "3000", "--json"], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"(trainer not available: {out.stderr.strip()})")
                break
            rates.append(json.loads(out.stdout)["samples_per_second"])
        if rates:
            r = statistics.median(rates)
            print(f"landscape train: {r / 1e6:.1f} M samples/s (min {min(rates) / 1e6:.1f}, max {max(rates) / 1e6:.1f}, n={len(rates)})")
            print("(its PyTorch peer, measured in this run: bench-single-latent-counts below, the same "
                  "toy with one untied latent through the same trainer)")

    if os.environ.get("BENCH_SAE", "1") == "1":
        sae_bench(a.landscape, a.repeat)

    if os.environ.get("BENCH_STUDY", "1") == "1":
        study_bench(a.landscape)

    if os.environ.get("BENCH_SERVE", "1") == "1":
        print("\n== landscape serve: one slider step, 1,000 random two-feature parameter sets ==")
        sys.path.insert(0, HERE)
        import serve_latency
        serve_latency.report(a.landscape)

    if os.environ.get("BENCH_TTS", "1") == "1":
        sys.stdout.flush()
        subprocess.run([sys.executable, os.path.join(HERE, "time_to_solution.py"), "--landscape", a.landscape,
                        "--cap", os.environ.get("BENCH_TTS_CAP", "600"), "--out", os.path.join(tmp, "tts")],
                       check=True)


def swift_sae(landscape, case):
    """`landscape train CASE --json`'s timing block, or None with the reason printed."""
    out = subprocess.run([landscape, "train", case, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"(landscape train on SAE cases not available: {out.stderr.strip()[:200]})")
        return None
    try:
        return json.loads(out.stdout)["timing"]
    except (ValueError, KeyError) as e:
        print(f"(landscape train --json gave no timing block: {e})")
        return None


def torch_sae(case, threads, steps):
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_sae.py"), case, "--threads",
                          str(threads), "--steps", str(steps), "--max-seconds", "10"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"(PyTorch peer failed: {out.stderr.strip()[-300:]})")
        return None
    return json.loads(out.stdout)


def sae_split(t):
    """The trainer's time split from its timing block."""
    out = (f"sampling {t['sampling_seconds']:.3f} s on the second thread (the steps waited "
           f"{t.get('waiting_seconds', 0):.3f} s for it); ")
    if "forward_seconds" in t:
        out += (f"forward {t['forward_seconds']:.3f} s, backward {t['backward_seconds']:.3f} s, "
                f"Adam {t['adam_seconds']:.3f} s; ")
    return out + f"gradient {t['gradient_seconds']:.3f} s of {t['seconds']:.3f} s"


def sae_bench(landscape, repeat):
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("\n(PyTorch is not installed: `make bench` installs it; the SAE peer is skipped)")
    table = []
    for name in SAE_CASES:
        path = os.path.join(HERE, name)
        with open(path) as f:
            case = json.load(f)
        train = case["train"]
        steps, batch = int(train["steps"]), int(train["batch"])
        features = len(case["features"])
        prefixes = case["sae"].get("matryoshka")
        print(f"\n== SAE trainer: {case['name']} ({train['data']} data, {case['sae']['latents']} "
              f"latents on {features} features{', prefixes ' + '/'.join(map(str, prefixes)) if prefixes else ''}, "
              f"batch {batch}, {steps} steps) ==")
        runs = []
        for _ in range(max(1, repeat // 2)):
            t = swift_sae(landscape, path)
            if t is None:
                break
            runs.append(t)
        ours = None
        distinct = None
        if runs:
            seconds = [t["seconds"] for t in runs]
            mid = sorted(runs, key=lambda t: t["seconds"])[len(runs) // 2]
            distinct = mid["distinct_patterns"]
            if train["data"] == "exact":
                per = statistics.median(seconds) / steps
                ours = f"{per * 1e3:.2f} ms per exact step"
                print(f"landscape train: {per * 1e3:.2f} ms per exact step (one pass over all "
                      f"{distinct:.0f} patterns: the expected gradient, no sampling noise)")
            else:
                rates = [t["samples"] / t["seconds"] for t in runs]
                ours = f"{statistics.median(rates) / 1e6:.2f} M samples/s"
                print(f"landscape train: {statistics.median(rates) / 1e6:.2f} M samples/s "
                      f"(min {min(rates) / 1e6:.2f}, max {max(rates) / 1e6:.2f}, n={len(rates)}); "
                      f"{distinct:.0f} distinct patterns per batch")
            print(f"  split (median run): {sae_split(mid)}")
        if not have_torch:
            table.append((case["name"], distinct, ours, None, None))
            continue
        # PyTorch's cost per step does not change during training: a few hundred steps (at most
        # 10 s) measure it. OpenMP threads spin and lose badly when other work shares the two
        # cores, so both 2 threads (as asked) and 1 thread are run and the faster is the
        # reference.
        peer = {}
        for threads in (2, 1):
            r = torch_sae(path, threads, min(steps, 400))
            if r is not None:
                peer[threads] = r
                print(f"PyTorch {r['torch']}, {threads} thread{'s' if threads > 1 else ''}, "
                      f"{r['dtype']}: {r['samples_per_second'] / 1e6:.2f} M samples/s over "
                      f"{r['steps']} steps (sampling {r['sampling_seconds']:.3f} s, forward "
                      f"{r.get('forward_seconds', 0):.3f} s, backward {r.get('backward_seconds', 0):.3f} s, "
                      f"Adam {r.get('adam_seconds', 0):.3f} s of {r['seconds']:.3f} s; {r['data']})")
        if not peer or not runs:
            table.append((case["name"], distinct, ours, None, None))
            continue
        best = max(r["samples_per_second"] for r in peer.values())
        if train["data"] == "exact":
            per_step = batch / best
            ratio = f"one exact step = {statistics.median(seconds) / steps / per_step:.1f} PyTorch steps"
            print(f"PyTorch: {per_step * 1e3:.2f} ms per step of {batch} samples; {ratio}")
            table.append((case["name"], distinct, ours, f"{per_step * 1e3:.2f} ms per step", ratio))
        else:
            r = statistics.median(rates)
            print(f"ratio: {r / best:.1f}x PyTorch's best ({best / 1e6:.2f} M samples/s)")
            table.append((case["name"], distinct, ours, f"{best / 1e6:.2f} M samples/s", f"{r / best:.1f}x"))
    print("\n== SAE trainer, all toys (this run) ==")
    print(f"{'toy':32} {'distinct/batch':>14}  {'landscape':24} {'PyTorch (best)':22} ratio")
    for name, distinct, ours, theirs, ratio in table:
        d = f"{distinct:.0f}" if distinct is not None else "-"
        print(f"{name:32} {d:>14}  {ours or '-':24} {theirs or '-':22} {ratio or '-'}")


def study_bench(landscape):
    """The shipped study, whole command (one process, two runs at once), against PyTorch."""
    case = os.path.join(os.path.dirname(HERE), "cases", "study-width-correlation.json")
    out = tempfile.mkdtemp(prefix="landscape-study-bench-")
    print("\n== study: cases/study-width-correlation.json (108 runs: 9 widths x 4 correlation "
          "strengths x 3 seeds, 5000 steps of 1024 samples each), --jobs 2 ==")
    start = time.perf_counter()
    run([landscape, "study", case, "--out", out, "--jobs", "2"])
    wall = time.perf_counter() - start
    sampling = gradient = inside = 0.0
    runs_folder = os.path.join(out, "runs")
    count = 0
    for name in os.listdir(runs_folder):
        with open(os.path.join(runs_folder, name)) as f:
            timing = json.load(f)["report"]["timing"]
        sampling += timing["sampling_seconds"]
        gradient += timing["gradient_seconds"]
        inside += timing["seconds"]
        count += 1
    print(f"landscape study: {wall:.1f} s wall for {count} runs ({count / wall:.2f} runs/s); "
          f"training summed over the runs: {inside:.1f} s (sampling {sampling:.1f} s, gradient "
          f"{gradient:.1f} s); the rest, {max(0.0, wall - inside / 2):.1f} s of wall beyond half "
          f"that sum (two runs at once), is each run's final loss estimate on 100,000 samples, "
          f"the process start and writing the runs and tables")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("(PyTorch is not installed: `make bench` installs it; the study peer is skipped)")
        return
    peer = {}
    for threads in (1, 2):
        r = subprocess.run([sys.executable, os.path.join(HERE, "torch_study.py"), case,
                            "--threads", str(threads)], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"(PyTorch study peer failed: {r.stderr.strip()[-300:]})")
            continue
        peer[threads] = json.loads(r.stdout)
        p = peer[threads]
        print(f"PyTorch {p['torch']}, {threads} thread{'s' if threads > 1 else ''}: "
              f"{p['seconds_at_full_steps']:.1f} s for the {p['runs']} runs at full steps (sampling "
              f"{p['sampling_seconds']:.1f} s, gradient {p['gradient_seconds']:.1f} s; each run timed "
              f"over 200 steps, {p['measured_seconds']:.1f} s measured)")
    if not peer:
        return
    # Two cores: PyTorch with two threads, or two one-thread processes side by side (taken as
    # perfectly parallel, which flatters PyTorch); the faster is the reference.
    candidates = []
    if 1 in peer:
        candidates.append(peer[1]["seconds_at_full_steps"] / 2)
    if 2 in peer:
        candidates.append(peer[2]["seconds_at_full_steps"])
    best = min(candidates)
    print(f"ratio: {best / wall:.1f}x PyTorch's best on two cores ({best:.1f} s)")


if __name__ == "__main__":
    main()
