#!/usr/bin/env python3
"""Time to solution: `landscape train --optimizer lbfgs` against the PyTorch peer's Adam.

For each toy (the paper's Matryoshka toy, cases/sae-matryoshka-standard.json, and the
14-children toy, cases/sae-children-14-snap.json):
1. `landscape train CASE --optimizer lbfgs --data exact --gtol G --json`: its own timing
   (`timing.seconds`, the minimisation alone), the gradient norm it reached (absolute, in the
   tangent space of the unit decoder rows; --gtol is relative to the loss, so G = 1e-9 asks
   |g| < 1e-9 x L*, L* about 1 here), why it stopped, and its loss L*.
2. The PyTorch peer (torch_sae.py: Adam, batch 4096, the same SAE, L1 and loss, started as
   the case says) at each lr of --lrs, until its SAE's EXACT expected training loss is within
   --gap (1e-4) of L* or --cap seconds of training pass. The SAE is written as our SAE file at
   checkpoints (geometric in the step count) and evaluated with `landscape sae-loss`: the
   training loss is sum over Matryoshka prefixes m of (mse_m + l1 x sparsity_m) with L1 per
   prefix, each prefix's file evaluated alone (mse_m + l1 x sparsity_m for one prefix; l2 in
   place of mse for an L2 loss). Checkpoint time is left out of the PyTorch time.
3. Prints both times and their ratio, or "PyTorch never got within ...; best gap G".
4. Draws both curves (exact loss - L* against wall time, log-log) in one figure.
The 14-children case trains with the snap loss (MSE, then L2); lbfgs minimises one smooth
loss, so both sides here use its final loss, L2 (as `train --restarts` does).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = ["sae-matryoshka-standard.json", "sae-children-14-snap.json"]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"time_to_solution: {' '.join(cmd)} failed:\n{out.stderr}")
    return out.stdout


def loss_name(case):
    return "l2" if case["train"].get("loss", "mse") in ("l2", "snap") else "mse"


def lbfgs(landscape, path, case, gtol):
    d = json.loads(run([landscape, "train", path, "--optimizer", "lbfgs", "--data", "exact",
                        "--loss", loss_name(case), "--gtol", str(gtol), "--json"]))
    m = d["minimisation"]
    return {"seconds": d["timing"]["seconds"], "loss": m["loss"], "gradient_norm": m["gradient_norm"],
            "stop": m["stop"], "iterations": m["iterations"]}


def exact_loss(landscape, path, case, arrays, folder):
    """The case's training loss of the SAE `arrays`, exact, through `sae-loss` per prefix."""
    sae, train = case["sae"], case["train"]
    k = int(sae["latents"])
    prefixes = sae.get("matryoshka") or [k]
    per_prefix = bool(sae.get("l1_per_prefix", False)) and len(prefixes) > 1
    rec = loss_name(case)
    l1 = float(train.get("l1", 0.0))
    total = 0.0
    for m in prefixes:
        f = {"features": case["features"], "tied": False, "activation": "relu", "top_k": None,
             "threshold": None, "matryoshka": None, "encoder": arrays["encoder"][:m],
             "encoder_bias": arrays["encoder_bias"][:m], "decoder": arrays["decoder"][:m],
             "decoder_bias": arrays["decoder_bias"]}
        file = os.path.join(folder, f"prefix{m}.json")
        with open(file, "w") as out:
            json.dump(f, out)
        r = json.loads(run([landscape, "sae-loss", path, "--sae", file, "--json"]))
        total += r[rec]
        if per_prefix or m == prefixes[-1]:
            total += l1 * r["sparsity"]  # decoder rows are unit norm: h_i |d_i| = h_i
    return total


def adam(landscape, path, case, lr, target, gap, cap, folder):
    """One PyTorch run: its curve [(seconds, exact loss)] and the seconds to within `gap`."""
    sys.path.insert(0, HERE)
    import torch
    import torch_sae
    torch.set_num_threads(2)
    curve, reached = [], [None]
    marks = set(int(1.25 ** i) for i in range(200))

    def checkpoint(step, seconds, arrays):
        if step not in marks:
            return False
        value = exact_loss(landscape, path, case, arrays, folder)
        curve.append((seconds, value))
        if value - target <= gap:
            reached[0] = seconds
            return True
        return False

    torch_sae.train(case, steps=10 ** 9, dtype_name="float32", max_seconds=cap, lr=lr,
                    case_init=True, checkpoint=checkpoint, every=1)
    return curve, reached[0]


def figure(curves, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(curves), figsize=(5.2 * len(curves), 4), squeeze=False)
    axes = axes[0]
    for ax, (title, target, series) in zip(axes, curves):
        for label, pts, style in series:
            if style == "vline":
                ax.axvline(pts, color="C1", lw=1.6, label=label)
                continue
            xs = [t for t, v in pts if v - target > 0]
            ys = [v - target for t, v in pts if v - target > 0]
            ax.plot(xs, ys, style, label=label, lw=1.4, ms=3)
        ax.axhline(1e-4, color="grey", ls=":", lw=1, label="gap 1e-4")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("wall time (s)")
        ax.set_ylabel("exact expected loss - L* (Adam)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=150)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landscape", default=os.path.join(ROOT, ".build/release/landscape"))
    ap.add_argument("--gtol", type=float, default=1e-9)
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--cap", type=float, default=600, help="PyTorch training seconds per run")
    ap.add_argument("--lrs", default="1e-3,3e-3,1e-2")
    ap.add_argument("--repeat", type=int, default=2, help="runs of lbfgs, and of Adam at its best lr")
    ap.add_argument("--cases", default=",".join(CASES), help="case files in cases/, comma-separated")
    ap.add_argument("--out", help="the folder of the figure (default: a new temporary one)")
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="landscape-tts-")
    os.makedirs(out, exist_ok=True)
    lrs = [float(x) for x in a.lrs.split(",")]
    curves = []
    print(f"(PyTorch: Adam, batch 4096, lrs {a.lrs}, at most {a.cap:g} s of training per run; "
          f"lbfgs --gtol {a.gtol:g} relative to the loss)")
    for name in a.cases.split(","):
        path = os.path.join(ROOT, "cases", name)
        with open(path) as f:
            case = json.load(f)
        runs = [lbfgs(a.landscape, path, case, a.gtol) for _ in range(a.repeat)]
        best = runs[0]
        target = best["loss"]
        ls = [r["seconds"] for r in runs]
        print(f"\n== time to solution: {case['name']} (exact, {loss_name(case)} loss) ==")
        print(f"lbfgs: L* = {target!r}, |g| = {best['gradient_norm']:.3g} (absolute), stop {best['stop']} "
              f"after {best['iterations']} iterations; {statistics.median(ls):.3f} s "
              f"(min {min(ls):.3f}, max {max(ls):.3f}, n={len(ls)})")
        if best["gradient_norm"] >= 1e-9:
            print(f"lbfgs did not reach |g| < 1e-9: it stopped ({best['stop']}) at |g| = "
                  f"{best['gradient_norm']:.3g}; the target below is its point's loss")
        folder = tempfile.mkdtemp(dir=out)
        by_lr = {}
        for lr in lrs:
            curve, reached = adam(a.landscape, path, case, lr, target, a.gap, a.cap, folder)
            by_lr[lr] = (curve, reached)
            g = min(v for _, v in curve) - target
            print(f"Adam lr {lr:g}: " + (f"within {a.gap:g} after {reached:.2f} s" if reached is not None
                                         else f"not within {a.gap:g} in {a.cap:g} s (best gap {g:.3g})"))
        done = [lr for lr in lrs if by_lr[lr][1] is not None]
        best_lr = (min(done, key=lambda lr: by_lr[lr][1]) if done
                   else min(lrs, key=lambda lr: min(v for _, v in by_lr[lr][0])))
        times = [by_lr[best_lr][1]] + [adam(a.landscape, path, case, best_lr, target, a.gap, a.cap, folder)[1]
                                       for _ in range(a.repeat - 1)]
        curve = by_lr[best_lr][0]
        if all(t is not None for t in times):
            med = statistics.median(times)
            print(f"PyTorch best lr {best_lr:g}: {med:.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
                  f"n={len(times)}); ratio {med / statistics.median(ls):.1f}x in lbfgs's favour"
                  + ("" if best["gradient_norm"] < 1e-9 else " (but lbfgs did not converge: no time to solution)"))
        else:
            g = min(v for _, v in curve) - target
            each = ", ".join("never" if t is None else f"{t:.2f} s" for t in times)
            print(f"PyTorch never got within {a.gap:g} in {a.cap:g} s in some runs (lr {best_lr:g}, runs: {each}); "
                  f"best gap of the first {g:.3g}")
        below = min(v for _, v in curve) < target
        if below:
            print(f"PyTorch went below L* (by {target - min(v for _, v in curve):.3g}): lbfgs's point is not "
                  "the optimum")
        curves.append((f"{case['name']} ({loss_name(case)})", target,
                       [(f"lbfgs stops at L* ({statistics.median(ls):.2f} s)", statistics.median(ls), "vline"),
                        (f"Adam, lr {best_lr:g}", curve, "-")]))
    try:
        fig = os.path.join(out, "time-to-solution.png")
        figure(curves, fig)
        print(f"\nfigure: {fig}")
    except ImportError:
        print("\n(no figure: matplotlib is missing)")


if __name__ == "__main__":
    main()
