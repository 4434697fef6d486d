#!/usr/bin/env python3
"""This tool against SAELens itself (`make bench-saelens`; not part of `make test`).

Makes a virtual environment (system site packages: torch is reused) in .build/saelens-venv
with `pip install sae-lens`, then:

1. SAE files: `landscape train CASE --save DIR/` writes SAELens's folder; SAELens's
   `SAE.load_from_disk` reads it and encodes/decodes 10,000 inputs drawn from the toy (the
   toy exported by `landscape export-toy` and sampled by SAELens's `SyntheticModel`). Its
   latents and reconstructions are compared with our SAE's (the same weights from our JSON
   file, h = relu(encoder (x - b_dec) + b_enc), xhat = decoder^T h + b_dec, float64), and its
   mean squared error and L0 over the 10,000 inputs with `landscape sae-loss` on a patterns
   case of exactly those inputs.
2. Metrics: SAELens trains a standard SAE on the exported synthetic model
   (`sae_lens.synthetic.train_toy_sae`), evaluates it with `eval_sae_on_synthetic_data`
   (sampled), saves it; `landscape sae-loss --json` computes the same metrics exactly on the
   case that reads the exported model. SAELens's evaluation is repeated with torch seeds
   1..R (--repeats, default 5); each line: the mean of its R estimates and that mean's
   standard error (their spread / sqrt(R)), ours, the difference, and the difference in
   standard errors.
3. Drawn magnitudes: the exported toy with std_firing_magnitudes (--drawn-std, default 0.5),
   which SAELens samples and this tool reads as a sampled toy (the hierarchy at p Phi(mean /
   std), magnitudes a normal given it is above 0): SAELens's evaluation and `sae-loss
   --samples N --seed s` each repeated R times, compared in their combined standard error.

Usage: python3 bench/saelens_compare.py [--landscape .build/release/landscape] [--venv DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter


def ensure_venv(venv):
    """Re-runs this script inside the venv (created and given sae-lens when missing)."""
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(python):
        print(f"creating {venv} (python3 -m venv --system-site-packages) and installing sae-lens")
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    if subprocess.run([python, "-c", "import sae_lens.synthetic"], capture_output=True).returncode:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "sae-lens"], check=True)
    os.execv(python, [python] + sys.argv)


def run(landscape, *args):
    out = subprocess.run([landscape, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"landscape {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--landscape", default=".build/release/landscape")
    parser.add_argument("--venv", default=".build/saelens-venv")
    parser.add_argument("--case", default="cases/sae-matryoshka-standard.json")
    parser.add_argument("--train-samples", type=int, default=2_000_000)
    parser.add_argument("--eval-samples", type=int, default=100_000)
    parser.add_argument("--drawn-std", type=float, default=0.5,
                        help="part 3: the std_firing_magnitudes given to the exported toy")
    parser.add_argument("--repeats", type=int, default=5,
                        help="SAELens's evaluation repeated with torch seeds 1..R: its column is "
                             "the mean of the R estimates, with their standard error")
    args = parser.parse_args()
    landscape = os.path.abspath(args.landscape)
    case = os.path.abspath(args.case)
    ensure_venv(os.path.abspath(args.venv))

    import numpy as np
    import torch
    import sae_lens
    from sae_lens import SAE
    from sae_lens.saes.standard_sae import StandardTrainingSAE, StandardTrainingSAEConfig
    from sae_lens.synthetic import SyntheticModel, eval_sae_on_synthetic_data, train_toy_sae

    print(f"sae-lens {sae_lens.__version__}, torch {torch.__version__}")
    work = tempfile.mkdtemp(prefix="saelens-compare-")
    os.chdir(work)
    torch.manual_seed(0)

    # 1. An SAE this tool saved, read by SAELens.
    print(f"\n1. SAE files: {os.path.basename(case)} trained here, read by SAELens.SAE.load_from_disk")
    run(landscape, "train", case, "--steps", "2000", "--seed", "1", "--save", "ours.json")
    run(landscape, "train", case, "--steps", "2000", "--seed", "1", "--save", "saved/")
    run(landscape, "export-toy", case, "--out", "toy/")
    model = SyntheticModel.load_from_disk("toy")
    n = 10_000
    x32, acts = model.sample_with_features(n)
    sae = SAE.load_from_disk("saved")
    with torch.no_grad():
        h_lens = sae.encode(x32)
        xhat_lens = sae.decode(h_lens)
    ours = json.load(open("ours.json"))
    enc, dec = np.array(ours["encoder"]), np.array(ours["decoder"])
    b_enc, b_dec = np.array(ours["encoder_bias"]), np.array(ours["decoder_bias"])
    x = x32.double().numpy()
    h = np.maximum((x - b_dec) @ enc.T + b_enc, 0)
    xhat = h @ dec + b_dec
    print(f"   {n} inputs; SAELens in {sae.cfg.dtype} (the folder's weights are float32)")
    print(f"   max |h_SAELens - h_ours|       = {np.abs(h_lens.double().numpy() - h).max():.3e}")
    print(f"   max |xhat_SAELens - xhat_ours| = {np.abs(xhat_lens.double().numpy() - xhat).max():.3e}")
    # The same inputs as a patterns case: landscape's mse and l0 over them.
    features = ours["features"]
    counts = Counter(tuple(np.round(r, 12)) for r in acts.double().numpy())
    patterns = [
        {"probability": c / n, "fires": {features[i]: float(m) for i, m in enumerate(row) if m}}
        for row, c in counts.items() if any(row)
    ]
    json.dump({"features": features, "patterns": patterns, "sae": {"latents": len(enc)}},
              open("inputs.json", "w"))
    loss = json.loads(run(landscape, "sae-loss", "inputs.json", "--sae", "saved/", "--json"))
    mse_lens = ((xhat_lens.double() - x32.double()) ** 2).sum(-1).mean().item()
    l0_lens = (h_lens > 0).double().sum(-1).mean().item()
    print(f"   mse over the inputs: SAELens {mse_lens:.9g}, landscape {loss['mse']:.9g}, "
          f"difference {mse_lens - loss['mse']:.3e}")
    print(f"   l0 over the inputs:  SAELens {l0_lens:.9g}, landscape {loss['l0']:.9g}, "
          f"difference {l0_lens - loss['l0']:.3e}")

    # 2. SAELens trains on the exported toy; its sampled metrics against our exact ones.
    k = json.load(open(case))["sae"]["latents"]
    d = model.cfg.hidden_dim
    print(f"\n2. Metrics: SAELens trains a standard SAE ({k} latents, d_in {d}) on the exported "
          f"toy ({args.train_samples} samples), evaluates it on {args.eval_samples} samples")
    cfg = StandardTrainingSAEConfig(d_in=d, d_sae=k, l1_coefficient=1e-3)
    trained = StandardTrainingSAE(cfg)
    train_toy_sae(trained, model.feature_dict, model.activation_generator,
                  training_samples=args.train_samples, batch_size=1024, lr=3e-3)
    trained.save_inference_model("lens_sae")
    inference = SAE.load_from_disk("lens_sae")
    results = []
    for seed in range(1, max(args.repeats, 1) + 1):
        torch.manual_seed(seed)
        results.append(eval_sae_on_synthetic_data(
            inference, model.feature_dict, model.activation_generator,
            num_samples=args.eval_samples))
    json.dump({"synthetic_model": "toy", "sae": {"latents": k}}, open("from-toy.json", "w"))
    exact = json.loads(run(landscape, "sae-loss", "from-toy.json", "--sae", "lens_sae/", "--json"))
    rows = [
        ("mcc", lambda r: r.mcc, "mcc"),
        ("uniqueness", lambda r: r.uniqueness, "uniqueness"),
        ("explained_variance", lambda r: r.explained_variance, "explained_variance"),
        ("shrinkage", lambda r: r.shrinkage, "shrinkage"),
        ("dead_latents", lambda r: r.dead_latents, "dead_latents"),
        ("true_l0", lambda r: r.true_l0, "true_l0"),
        ("sae_l0 / l0", lambda r: r.sae_l0, "l0"),
        ("precision", lambda r: r.classification.precision, "precision"),
        ("recall", lambda r: r.classification.recall, "recall"),
        ("f1", lambda r: r.classification.f1_score, "f1"),
        ("accuracy", lambda r: r.classification.accuracy, "accuracy"),
    ]
    r = len(results)
    print(f"   SAELens: the mean of {r} evaluations of {args.eval_samples} samples each, +- the "
          f"standard error of that mean (their spread / sqrt({r}))")
    print(f"   {'metric':<20}{'SAELens':>14}{'+- SE':>11}{'ours (exact)':>16}{'difference':>13}"
          f"{'in SEs':>9}")
    for name, get, key in rows:
        values = np.array([float(get(x)) for x in results])
        mean = values.mean()
        se = values.std(ddof=1) / np.sqrt(r) if r > 1 else float("nan")
        mine = float(exact[key])
        z = (mean - mine) / se if se > 0 else float("nan")
        print(f"   {name:<20}{mean:>14.6f}{se:>11.2e}{mine:>16.6f}{mean - mine:>13.2e}{z:>9.2f}")
    gap = exact.get("absorption_gap")
    print(f"   absorption gap (ours, exact; SAELens has none): {gap}")

    # 3. The same toy with drawn magnitudes: sampled on both sides.
    drawn_cfg = json.load(open("toy/synthetic_model_config.json"))
    drawn_cfg["std_firing_magnitudes"] = args.drawn_std
    shutil.copytree("toy", "drawn")
    json.dump(drawn_cfg, open("drawn/synthetic_model_config.json", "w"))
    drawn = SyntheticModel.load_from_disk("drawn")
    print(f"\n3. Drawn magnitudes: the same toy with std_firing_magnitudes {args.drawn_std} "
          f"(mean {drawn_cfg['mean_firing_magnitudes']}); SAELens's SAE from 2 evaluated by both "
          f"tools from samples, {r} times {args.eval_samples} each (torch seeds / our --seed 1..{r})")
    lens_drawn = []
    for seed in range(1, r + 1):
        torch.manual_seed(seed)
        lens_drawn.append(eval_sae_on_synthetic_data(
            inference, drawn.feature_dict, drawn.activation_generator,
            num_samples=args.eval_samples))
    json.dump({"synthetic_model": "drawn", "sae": {"latents": k}}, open("from-drawn.json", "w"))
    ours_drawn = [
        json.loads(run(landscape, "sae-loss", "from-drawn.json", "--sae", "lens_sae/", "--json",
                       "--samples", str(args.eval_samples), "--seed", str(seed)))
        for seed in range(1, r + 1)
    ]
    print(f"   {'metric':<20}{'SAELens':>14}{'+- SE':>11}{'ours':>14}{'+- SE':>11}"
          f"{'difference':>13}{'in SEs':>9}")
    for name, get, key in rows:
        a = np.array([float(get(x)) for x in lens_drawn])
        b = np.array([float(x[key]) for x in ours_drawn])
        se_a = a.std(ddof=1) / np.sqrt(r) if r > 1 else float("nan")
        se_b = b.std(ddof=1) / np.sqrt(r) if r > 1 else float("nan")
        both = float(np.hypot(se_a, se_b))
        z = (a.mean() - b.mean()) / both if both > 0 else float("nan")
        print(f"   {name:<20}{a.mean():>14.6f}{se_a:>11.2e}{b.mean():>14.6f}{se_b:>11.2e}"
              f"{a.mean() - b.mean():>13.2e}{z:>9.2f}")
    print(f"\n(files in {work})")


if __name__ == "__main__":
    main()
