"""Inspector overhead: step time of a hand-written training loop with the inspector fully on
(through the public API `tp.Inspector` with its defaults: per-layer gradient norms every
step, activation/weight statistics every 50 steps, the log written to disk) against the
same loop without it, measured side by side in one run: blocks of steps on ONE model
alternate between the two loops (order flipped every repetition). Three models: a 6-layer
512-wide MLP (batch 128), a CNN and a small transformer; on CPU, and on the GPU too when
CUDA is available. Also the size of the log for 8000 steps of 6-layer models.

    python benchmarks/overhead.py            # a few minutes on 2 CPU cores
    python benchmarks/overhead.py --quick    # fewer repetitions, shorter log runs
    python benchmarks/overhead.py --threads 1  # on a busy machine

Target (issue 11): median ratio <= 1.05 on the MLP; log of a 6-block transformer over
8000 steps under 5 MB.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

import trainprobe as tp

Batch = tuple[Tensor, Tensor]


# --- models -------------------------------------------------------------------------------
def mlp(depth: int = 4, width: int = 512, inputs: int = 784, classes: int = 10) -> nn.Module:
    layers: list[nn.Module] = []
    size = inputs
    for _ in range(depth - 1):
        layers += [nn.Linear(size, width), nn.ReLU()]
        size = width
    return nn.Sequential(*layers, nn.Linear(size, classes))


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 16, 14, 14)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 7, 7)
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: Tensor) -> Tensor:  # (B, T, C)
        h = self.ln1(x)
        mask = torch.triu(torch.ones(x.shape[1], x.shape[1], dtype=torch.bool,
                                     device=x.device), 1)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab: int = 96, dim: int = 128, blocks: int = 2, heads: int = 4,
                 context: int = 64):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.zeros(context, dim))
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(blocks)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, idx: Tensor) -> Tensor:  # (B, T) -> (B, T, vocab)
        x = self.embed(idx) + self.pos[: idx.shape[1]]
        return self.head(self.ln(self.blocks(x)))


def tiny_gpt6() -> nn.Module:
    """Six transformer blocks at a tiny width: the layer structure (and so the log's
    keys) of a 6-layer GPT, at a fraction of the compute."""
    return TinyGPT(vocab=32, dim=16, blocks=6, heads=2, context=16)


def classification_batch(shape: tuple[int, ...], classes: int = 10) -> Callable[[], Batch]:
    x, y = torch.randn(*shape), torch.randint(0, classes, (shape[0],))
    return lambda: (x, y)


def lm_batch(batch: int = 16, context: int = 64, vocab: int = 96) -> Callable[[], Batch]:
    idx = torch.randint(0, vocab, (batch, context + 1))
    return lambda: (idx[:, :-1], idx[:, 1:])


def loss_of(model: nn.Module, batch: Batch) -> Tensor:
    x, y = batch
    out = model(x)
    return nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


# --- the two loops ------------------------------------------------------------------------
def run_block(model: nn.Module, opt: torch.optim.Optimizer, batch: Callable[[], Batch],
              steps: int, inspector: tp.Inspector | None) -> tuple[float, float, float]:
    """(wall, cpu, cpu inside Inspector.step) seconds per step over `steps` steps of the
    loop a user would write.
    CPU time of the process is the fairer clock on a busy shared machine (time spent
    descheduled is not counted); with one torch thread it is the step's cost."""
    sync = torch.cuda.synchronize if next(model.parameters()).is_cuda else (lambda: None)
    sync()
    wall, cpu, inside = time.perf_counter(), time.process_time(), 0.0
    for _ in range(steps):
        loss = loss_of(model, batch())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if inspector is not None:
            entered = time.process_time()
            inspector.step(loss=loss, lr=opt.param_groups[0]["lr"])
            inside += time.process_time() - entered
    sync()
    return ((time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps,
            inside / steps)


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """(p25, median, p75)."""
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[1], q[2]


def measure(name: str, make_model: Callable[[], nn.Module], batch: Callable[[], Batch],
            reps: int, block: int, log_dir: Path, device: str = "cpu") -> dict[str, Any]:
    """One model and optimizer; blocks alternate between the plain loop and the same loop
    with the inspector. Using the same instance matters: two copies of a model differ by
    a few percent in speed from memory placement alone, more than the effect measured."""
    torch.manual_seed(0)
    model = make_model().to(device)
    x, y = batch()
    x, y = x.to(device), y.to(device)
    on_device: Callable[[], Batch] = lambda: (x, y)  # noqa: E731
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    # defaults: grads every step, stats every 50 inspected steps (one per block: a block
    # ends on a multiple of 50, so no hook is armed going into a plain block)
    inspector = tp.Inspector(model, log_dir / f"{name}-{device}")
    for _ in range(3):  # warm-up: allocator, kernels, optimizer state
        run_block(model, opt, on_device, block, None)
        run_block(model, opt, on_device, block, inspector)
    plain: list[tuple[float, float, float]] = []
    inspected: list[tuple[float, float, float]] = []
    for rep in range(reps):
        order = [(None, plain), (inspector, inspected)]
        for insp, times in (order if rep % 2 == 0 else order[::-1]):
            times.append(run_block(model, opt, on_device, block, insp))
    inspector.close()
    row: dict[str, Any] = {"model": name, "device": device,
                           "params": sum(p.numel() for p in model.parameters())}
    for clock, k in (("wall", 0), ("cpu", 1)):
        a = [t[k] for t in plain]
        b = [t[k] for t in inspected]
        row[f"{clock}_base_ms"] = 1e3 * statistics.median(a)
        row[f"{clock}_ratio"] = statistics.median(b) / statistics.median(a)
        # per-block ratios of neighbouring blocks: their spread is the measurement's noise
        row[f"{clock}_paired"] = quartiles([q / p for p, q in zip(a, b)])
        row[f"{clock}_range"] = (min(q / p for p, q in zip(a, b)),
                                 max(q / p for p, q in zip(a, b)))
    # the inspector's own share, free of the noise of comparing two loops (it leaves out
    # the forward hooks, which run only on the scheduled steps)
    row["inside_pct"] = 100 * statistics.median(t[2] / t[1] for t in inspected)
    return row


# --- log size -----------------------------------------------------------------------------
def log_size(name: str, model: nn.Module, batch: Callable[[], Batch], steps: int,
             log_dir: Path, grad_every: int = 1) -> dict[str, Any]:
    """A real run of `steps` steps with an eval every 50 steps; returns the log's size."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    with tp.Inspector(model, log_dir / name, grad_every=grad_every) as inspector:
        for step in range(1, steps + 1):
            loss = loss_of(model, batch())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            inspector.step(loss=loss, lr=opt.param_groups[0]["lr"])
            if step % 50 == 0:
                inspector.eval(val_loss=loss.item(), val_metric=0.5, metric_name="accuracy")
        path, layers = inspector.path, len(inspector.layers)
    return {"model": name, "steps": steps, "layers": layers, "grad_every": grad_every,
            "mb": path.stat().st_size / 1e6, "seconds": time.perf_counter() - start}


MODELS = [
    ("mlp 784-512x5-10 (6 layers), batch 128", lambda: mlp(depth=6),
     classification_batch((128, 784))),
    ("cnn 2 conv + 2 fc, 28x28, batch 64", cnn, classification_batch((64, 1, 28, 28))),
    ("transformer 2 blocks d128 T64, batch 16", TinyGPT, lm_batch()),
]


def print_times(rows: list[dict[str, Any]], reps: int, block: int) -> None:
    print(f"\nstep time, {reps} interleaved blocks of {block} steps each; ratio = median "
          "inspected / median plain; paired = per-block ratios p25 / median / p75 and "
          "[min, max]; cpu = process CPU time")
    print(f"{'model':<42}{'dev':>5}{'params':>11}{'plain ms':>10}{'ratio':>8}"
          f"{'paired p25/med/p75':>21}{'[min, max]':>15}{'cpu ratio':>11}"
          f"{'cpu paired':>21}{'in step()':>11}")
    for r in rows:
        p25, med, p75 = r["wall_paired"]
        c25, cmed, c75 = r["cpu_paired"]
        low, high = r["wall_range"]
        print(f"{r['model']:<42}{r['device']:>5}{r['params']:>11,}{r['wall_base_ms']:>10.2f}"
              f"{r['wall_ratio']:>8.3f}{p25:>9.3f}{med:>6.3f}{p75:>6.3f}"
              f"{'[' + f'{low:.2f}, {high:.2f}' + ']':>15}{r['cpu_ratio']:>11.3f}"
              f"{c25:>9.3f}{cmed:>6.3f}{c75:>6.3f}{r['inside_pct']:>10.2f}%")
    print("in step() = CPU time spent inside Inspector.step as a share of the inspected "
          "step (excludes the forward hooks of scheduled steps)")


def print_sizes(sizes: list[dict[str, Any]], log_steps: int) -> None:
    print(f"\nlog size, {log_steps} real steps, eval every 50, stats every 50")
    print("(layers = modules owning parameters, one array entry each per train line; "
          "width is tiny since the size does not depend on it)")
    print(f"{'model':<24}{'layers':>8}{'grad_every':>12}{'MB':>8}{'MB/8000 steps':>15}"
          f"{'seconds':>9}")
    for s in sizes:
        per8000 = s["mb"] * 8000 / s["steps"]
        print(f"{s['model']:<24}{s['layers']:>8}{s['grad_every']:>12}{s['mb']:>8.2f}"
              f"{per8000:>15.2f}{s['seconds']:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-log-size", action="store_true", help="step times only")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's choice). On a busy shared "
                             "machine --threads 1 avoids OpenMP oversubscription.")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    reps, block = (7, 50) if args.quick else (15, 50)
    log_steps = 2000 if args.quick else 8000
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}, "
          f"python {platform.python_version()}, devices {', '.join(devices)}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        rows = [measure(name, make, batch, reps, block, tmp_dir, device)
                for device in devices for name, make, batch in MODELS]
        print_times(rows, reps, block)
        if args.no_log_size:
            return
        sizes = [
            log_size("mlp-6-layers", mlp(depth=6, width=64, inputs=32),
                     classification_batch((32, 32)), log_steps, tmp_dir),
            log_size("transformer-6-blocks", tiny_gpt6(), lm_batch(batch=4, context=16, vocab=32),
                     log_steps, tmp_dir),
        ]
        print_sizes(sizes, log_steps)


if __name__ == "__main__":
    main()
