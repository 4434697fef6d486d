#!/usr/bin/env python3
"""The PyTorch peer of `landscape study CASE`: the same runs (every grid point of the case's
study block times its seeds) trained by torch_sae.py's trainer, in one Python process (torch
imported once, as a researcher's notebook loop would).

A PyTorch step's cost does not change during training, so each run is timed over its first
--measure steps (after one warm-up step) and its time at the case's full steps is that rate
times the steps; the study's time is the sum over the runs. For a correlated toy whose
correlation the tool draws from a seed (`"correlation": {"seed", "main", "strength"}`), the
peer uses an equicorrelation matrix of the same size (off-diagonal strength / 2): a step's
cost depends on the matrix's size, not its values. Prints one JSON line.
"""
import argparse
import copy
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_sae  # noqa: E402


def grid(spec):
    """A study SPEC as `landscape study` reads it: A:B:N or a,b,c."""
    parts = spec.split(":")
    if len(parts) == 3:
        a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
        return [a + (b - a) * i / (n - 1) for i in range(n)] if n > 1 else [a]
    return [float(v) for v in spec.split(",")]


def set_path(case, path, value):
    keys = path.split(".")
    node = case
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = int(value) if keys[-1] in ("latents", "steps", "batch", "seed") else value


def runs(case):
    block = case["study"]
    fields = sorted(block["vary"])
    points = [[]]
    for field in fields:
        points = [p + [v] for p in points for v in grid(block["vary"][field])]
    for point in points:
        for seed in block.get("seeds", [case["train"].get("seed", 1)]):
            run = copy.deepcopy(case)
            for field, value in zip(fields, point):
                set_path(run, field, value)
            run["train"]["seed"] = seed
            correlated = run.get("correlated")
            if correlated and "matrix" not in correlated["correlation"]:
                n = len(correlated["probabilities"])
                rho = float(correlated["correlation"].get("strength", 0.5)) / 2
                correlated["correlation"]["matrix"] = [
                    [1.0 if i == j else rho for j in range(n)] for i in range(n)]
            yield run


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case")
    ap.add_argument("--measure", type=int, default=200, help="steps timed per run")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.case) as f:
        case = json.load(f)
    start = time.perf_counter()
    full = sampling = gradient = 0.0
    count = 0
    for run in runs(case):
        steps = int(run["train"]["steps"])
        r = torch_sae.train(run, steps=min(a.measure, steps))
        scale = steps / r["steps"]
        full += r["seconds"] * scale
        sampling += r["sampling_seconds"] * scale
        gradient += r["gradient_seconds"] * scale
        count += 1
    print(json.dumps({
        "runs": count, "seconds_at_full_steps": full, "sampling_seconds": sampling,
        "gradient_seconds": gradient, "measured_seconds": time.perf_counter() - start,
        "threads": a.threads, "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
