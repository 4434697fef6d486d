#!/usr/bin/env python3
"""The PyTorch peer of `landscape train` on an SAE case: the same SAE, toy, batch and Adam.

Reads the same case file the Swift side reads (bench/*.json) and trains as a researcher would
with PyTorch (SAELens-style): every step draws a fresh batch of B samples on the fly (vectorised
torch ops), takes the mean per-sample loss, autograd, torch.optim.Adam, then renormalises the
decoder rows. It never uses pattern counts: it trains on drawn samples whatever the case's
"data" says. CPU, torch.set_num_threads(2), float32 unless --dtype float64.

The SAE is the project's (SAELens's standard SAE):
    a = (x - b_dec) W_enc + b_enc,  h = relu(a)
    loss = sum over Matryoshka prefixes m of |x - (h[:m] W_dec[:m] + b_dec)|^2
           + l1 * sum_i h_i |W_dec[i]|                  (mean over the batch)
initialised as the Swift side's bench initial SAE (random unit decoder rows, W_enc = W_dec^T,
zero biases; torch's own generator, so not the same numbers).

Prints one JSON line: samples/s, seconds, sampling and gradient seconds (the gradient split
into forward, backward and Adam with the renormalisation), the final loss.
"""
import argparse
import json
import time

import torch


def hierarchy_sampler(case, n, dtype):
    """x (B x n) drawn from the case's hierarchy: parents, exclusive or independent children,
    independent features, as the paper's authors' toy code does."""
    names = case["features"]
    index = {f: i for i, f in enumerate(names)}
    h = case["hierarchy"]
    magnitude = float(h.get("magnitude", 1.0))
    groups = []
    for g in h.get("groups", []):
        children = [index[c] for c in g["children"]]
        probs = g["child_probability"]
        if not isinstance(probs, list):
            probs = [probs] * len(children)
        groups.append((index[g["parent"]], float(g["parent_probability"]), children,
                       torch.tensor(probs, dtype=torch.float64),
                       bool(g.get("children_exclusive", True)),
                       bool(g.get("parent_fires_alone", True))))
    independent = [(index[i["feature"]], float(i["probability"])) for i in h.get("independent", [])]
    ind_index = torch.tensor([i for i, _ in independent], dtype=torch.long)
    ind_prob = torch.tensor([p for _, p in independent], dtype=dtype)

    def draw(b):
        x = torch.zeros(b, n, dtype=dtype)
        for parent, p, children, probs, exclusive, alone in groups:
            fires = torch.rand(b) < p
            if exclusive:
                # Child i where u falls in its slice of [0, 1); none in the rest.
                edges = torch.cumsum(probs, 0)
                if not alone:
                    edges = edges / edges[-1]
                u = torch.rand(b, dtype=torch.float64)
                which = torch.searchsorted(edges, u, right=True)
                for c, child in enumerate(children):
                    x[:, child] = (fires & (which == c)).to(dtype)
            else:
                on = torch.rand(b, len(children), dtype=torch.float64) < probs
                if not alone:
                    # Given the parent, the children conditioned on "some child fires": redrawn
                    # where none does.
                    while True:
                        none = ~on.any(dim=1)
                        if not bool(none.any()):
                            break
                        on[none] = torch.rand(int(none.sum()), len(children), dtype=torch.float64) < probs
                for c, child in enumerate(children):
                    x[:, child] = (fires & on[:, c]).to(dtype)
            x[:, parent] = fires.to(dtype)
        if len(independent):
            x[:, ind_index] = (torch.rand(b, len(independent), dtype=dtype) < ind_prob).to(dtype)
        return x * magnitude

    return draw


def correlated_sampler(case, n, dtype):
    """x (B x n): feature i fires where z_i > Phi^-1(1 - p_i), z = L g, g standard normal."""
    c = case["correlated"]
    matrix = c["correlation"]["matrix"]
    p = torch.tensor(c["probabilities"], dtype=torch.float64)
    chol = torch.linalg.cholesky(torch.tensor(matrix, dtype=torch.float64)).to(dtype)
    threshold = torch.distributions.Normal(0.0, 1.0).icdf(1 - p).to(dtype)
    magnitude = float(c.get("magnitude", 1.0))

    def draw(b):
        z = torch.randn(b, n, dtype=dtype) @ chol.T
        return (z > threshold).to(dtype) * magnitude

    return draw


def train(case, steps=None, dtype_name="float32", max_seconds=None, lr=None, case_init=False,
          checkpoint=None, every=None):
    """Trains the case's SAE as described above; returns the timing (the caller sets the
    thread count with torch.set_num_threads).

    lr: overrides the case's. case_init: start where the case says (`sae.init`: decoder rows at
    the named features, or "features", plus `init_noise` x a standard normal, renormalised;
    W_enc = W_dec^T), else random rows. checkpoint(step, seconds, arrays): called every `every`
    steps with the training time so far (the checkpoint's own time left out) and the SAE in
    our SAE file's layout; it returns True to stop. The loss is the case's `train.loss` (mse, or
    l2 = |x - xhat| for l2 and snap, i.e. snap's final loss), L1 per prefix when
    `sae.l1_per_prefix`."""
    dtype = getattr(torch, dtype_name)
    train = case["train"]
    sae = case["sae"]
    if "hierarchy" in case:
        n = len(case["features"])
        draw = hierarchy_sampler(case, n, dtype)
    else:
        n = len(case["correlated"]["probabilities"])
        draw = correlated_sampler(case, n, dtype)
    if sae.get("activation", "relu") != "relu" or sae.get("tied", False):
        raise SystemExit("torch_sae.py: only untied relu SAEs are benchmarked")
    k = int(sae["latents"])
    prefixes = sae.get("matryoshka") or [k]
    d = train.get("dim") or n
    batch = int(train.get("batch", 4096))
    steps = steps or int(train.get("steps", 1000))
    l1 = float(train.get("l1", 0.0))
    torch.manual_seed(int(train.get("seed", 1)))
    embed = None
    if d > n:
        q, _ = torch.linalg.qr(torch.randn(d, n, dtype=torch.float64))
        embed = q.T.to(dtype)  # n x d, orthonormal rows
    w = torch.randn(k, d, dtype=dtype)
    init = sae.get("init")
    if case_init and init is not None and d == n:
        names = case["features"] if init == "features" else init
        w = torch.zeros(k, d, dtype=dtype)
        for i, f in enumerate(names[:k]):
            w[i, case["features"].index(f)] = 1.0
        w = w + float(sae.get("init_noise", 0.0)) * torch.randn(k, d, dtype=dtype)
    w = w / w.norm(dim=1, keepdim=True)
    W_dec = torch.nn.Parameter(w.clone())
    W_enc = torch.nn.Parameter(w.T.clone())
    b_enc = torch.nn.Parameter(torch.zeros(k, dtype=dtype))
    b_dec = torch.nn.Parameter(torch.zeros(d, dtype=dtype))
    opt = torch.optim.Adam([W_enc, b_enc, W_dec, b_dec],
                           lr=float(lr if lr is not None else train.get("lr", 3e-4)), betas=(0.9, 0.999),
                           eps=1e-8)

    use_l2 = train.get("loss", "mse") in ("l2", "snap")
    per_prefix = bool(sae.get("l1_per_prefix", False)) and len(prefixes) > 1

    def arrays():
        return {"encoder": W_enc.detach().T.double().tolist(),
                "encoder_bias": b_enc.detach().double().tolist(),
                "decoder": W_dec.detach().double().tolist(),
                "decoder_bias": b_dec.detach().double().tolist()}

    def step():
        t0 = time.perf_counter()
        with torch.no_grad():
            x = draw(batch)
            if embed is not None:
                x = x @ embed
        t1 = time.perf_counter()
        h = torch.relu((x - b_dec) @ W_enc + b_enc)
        weighted = h * W_dec.norm(dim=1)
        loss = 0.0 if per_prefix else l1 * weighted.sum(dim=1).mean()
        for m in prefixes:
            xhat = h[:, :m] @ W_dec[:m] + b_dec
            r = x - xhat
            # |r| by vector_norm: its gradient at r = 0 is 0 (sqrt's would be NaN).
            loss = loss + (torch.linalg.vector_norm(r, dim=1) if use_l2 else (r ** 2).sum(dim=1)).mean()
            if per_prefix:
                loss = loss + l1 * weighted[:, :m].sum(dim=1).mean()
        tf = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        tb = time.perf_counter()
        opt.step()
        with torch.no_grad():
            W_dec.div_(W_dec.norm(dim=1, keepdim=True))
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, loss.detach(), (tf - t1, tb - tf, t2 - tb)

    step()  # warm-up: allocations, thread pool
    sampling = gradient = 0.0
    split = [0.0, 0.0, 0.0]
    start = time.perf_counter()
    loss = None
    done = 0
    while done < steps:
        s, g, loss, parts = step()
        sampling += s
        gradient += g
        for i in range(3):
            split[i] += parts[i]
        done += 1
        if checkpoint is not None and done % every == 0:
            paused = time.perf_counter()
            stop = checkpoint(done, paused - start, arrays())
            start += time.perf_counter() - paused
            if stop:
                break
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
    seconds = time.perf_counter() - start
    steps = done
    return {
        "samples_per_second": steps * batch / seconds, "seconds": seconds, "steps": steps,
        "batch": batch, "sampling_seconds": sampling, "gradient_seconds": gradient,
        "forward_seconds": split[0], "backward_seconds": split[1], "adam_seconds": split[2],
        "loss": float(loss) if loss is not None else None,
        "dtype": dtype_name, "threads": torch.get_num_threads(), "torch": torch.__version__,
        "data": "samples drawn every step (PyTorch trains on samples, as SAELens does)",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case")
    ap.add_argument("--steps", type=int, help="default: the case's train.steps")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, help="stop after this long (steps done reported)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.case) as f:
        case = json.load(f)
    print(json.dumps(train(case, a.steps, a.dtype, a.max_seconds)))


if __name__ == "__main__":
    main()
