#!/usr/bin/env python3
"""The reference method researchers use today: evaluate the loss on a dense grid of t
and take the argmin (the paper's notebook uses 10,000 points), here vectorised with numpy
over one probability axis at a time, for the two-feature hierarchy of the `landscape sweep`
shorthand (patterns p0: parent alone, p01: parent and child, optional p1: child alone;
optional L1 penalty; no decoder bias).

Writes the same CSV columns as `landscape sweep` with np.savetxt when --csv is given, and
prints one JSON line: {"seconds": compute, "total_seconds": with the CSV, "points": n}.
"""
import argparse
import json
import time

import numpy as np


def grid(spec):
    a, b, n = spec.split(":")
    return np.linspace(float(a), float(b), int(n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p0", required=True)
    ap.add_argument("--p01", required=True)
    ap.add_argument("--p1", type=float, default=0.0)
    ap.add_argument("--l1", type=float, default=0.0)
    ap.add_argument("--t-points", type=int, default=1000)
    ap.add_argument("--csv")
    args = ap.parse_args()

    p0s, p01s = grid(args.p0), grid(args.p01)
    t = np.linspace(0.0, 1.0, args.t_points)
    norm = np.sqrt((1 - t) ** 2 + t**2)
    lp, lc = (1 - t) / norm, t / norm  # the latent's parent and child components
    # Per pattern x: h = relu(l . x), e^2 = |x|^2 - h^2 (tied SAE, no bias).
    h_parent = np.maximum(lp, 0)
    h_both = np.maximum(lp + lc, 0)
    h_child = np.maximum(lc, 0)
    e_parent = np.sqrt(np.maximum(1 - h_parent**2, 0))
    e_both = np.sqrt(np.maximum(2 - h_both**2, 0))
    e_child = np.sqrt(np.maximum(1 - h_child**2, 0))

    # Everything that depends on t alone is computed once; per p0 the work is a few
    # (p01 x t) array operations.
    e2 = {"parent": e_parent**2, "both": e_both**2, "child": e_child**2}
    h = {"parent": h_parent, "both": h_both, "child": h_child}
    e = {"parent": e_parent, "both": e_both, "child": e_child}
    p01 = p01s[:, None]
    half = np.argmin(np.abs(t - 0.5))
    k = np.arange(len(p01s))
    start = time.perf_counter()
    rows = []
    for p0 in p0s:
        fixed_mse = p0 * e2["parent"] + args.p1 * e2["child"]
        fixed_l2 = p0 * e["parent"] + args.p1 * e["child"]
        per_p01_mse, per_p01_l2 = e2["both"], e["both"]
        if args.l1:
            fixed_pen = args.l1 * (p0 * h["parent"] + args.p1 * h["child"])
            fixed_mse = fixed_mse + fixed_pen
            fixed_l2 = fixed_l2 + fixed_pen
            per_p01_mse = per_p01_mse + args.l1 * h["both"]
            per_p01_l2 = per_p01_l2 + args.l1 * h["both"]
        mse = fixed_mse + p01 * per_p01_mse
        l2 = fixed_l2 + p01 * per_p01_l2
        i = np.argmin(mse, axis=1)
        j = np.argmin(l2, axis=1)
        # Local minima of L2 on the grid, and whether t = 0 and t = 1/2 are among them.
        local = np.empty(l2.shape, dtype=bool)
        local[:, 1:-1] = (l2[:, 1:-1] <= l2[:, :-2]) & (l2[:, 1:-1] <= l2[:, 2:])
        local[:, 0] = l2[:, 0] <= l2[:, 1]
        local[:, -1] = l2[:, -1] <= l2[:, -2]
        ts = t[i]
        rows.append(np.column_stack([
            np.full(len(p01s), p0), p01s, ts, mse[k, i], t[j], l2[k, j], local.sum(axis=1),
            local[:, 0], local[:, half], ts / (1 - ts),
        ]))
    table = np.concatenate(rows)
    keep = table[:, 0] + table[:, 1] + args.p1 <= 1 + 1e-12
    table = table[keep]
    seconds = time.perf_counter() - start
    if args.csv:
        np.savetxt(args.csv, table, delimiter=",", comments="",
                   header="p0,p01,mse_t,mse_loss,l2_t,l2_loss,l2_minima,parent_l2_local,merged_l2_local,hedging")
    total = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "total_seconds": total, "points": int(keep.sum())}))


if __name__ == "__main__":
    with np.errstate(divide="ignore", invalid="ignore"):
        main()
