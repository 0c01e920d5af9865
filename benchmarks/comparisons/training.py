"""t. One training step of a deep MLP: isometry.training (NumPy; CuPy on a GPU) vs a PyTorch eager
nn.Sequential doing the same work (forward, softmax cross-entropy, backward, SGD update).

Both start from the same weights and see the same batch; the first step's loss and the updated
weights are compared (float32, rtol stated below) so the race is like for like. The target
(>= 1.0x PyTorch eager) is for the GPU; on the CPU both sides are BLAS-bound and the ratio is
reported only.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from comparisons.common import (
    Contender,
    Context,
    SectionResult,
    format_table,
    race,
    rows_from_race,
    verdict,
)

TARGET = 1.0
ISO, TORCH = "isometry.training", "torch eager"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--training",
        type=lambda s: tuple(int(v) for v in s.lower().split("x")),
        default=None,
        metavar="WIDTHxDEPTH",
        help="training-step network (default 400x200; 128x20 with --quick)",
    )


def _trainer(width: int, depth: int, device: str, seed: int):
    from isometry.training import RunConfig, Trainer
    from isometry.training.synthetic import teacher_task

    data = teacher_task(256, 128, 3072, 10, seed=seed)
    config = RunConfig(
        dataset="teacher",
        width=width,
        depth=depth,
        activation="tanh",
        init="orthogonal",
        optimizer="sgd",
        learning_rate=1e-3,
        seed=seed,
        q_star=1 / 64,
        batch_size=128,
        dtype="float32",
        device=device,
    )
    return Trainer(config, data)


def _torch_model(torch, trainer, device: str):
    from isometry.training.backend import to_numpy

    layers = []
    for l, (w, b) in enumerate(zip(trainer.model.weights, trainer.model.biases)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(to_numpy(w).copy()))
            lin.bias.copy_(torch.from_numpy(to_numpy(b).copy()))
        layers.append(lin)
        if l < len(trainer.model.weights) - 1:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=trainer.config.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    return model, opt, loss_fn


def _case(ctx: Context, width: int, depth: int, device: str) -> tuple[list, dict[str, Any], str]:
    torch = ctx.torch
    from isometry.training.backend import synchronize, to_numpy

    trainer = _trainer(width, depth, "gpu" if device == "cuda" else "cpu", ctx.seed)
    x, y = trainer.batcher(0)
    xt = torch.from_numpy(to_numpy(x).copy()).to(device)
    yt = torch.from_numpy(to_numpy(y).copy()).to(device)
    model, opt, loss_fn = _torch_model(torch, trainer, device)

    # Correctness first: one step each from the same weights on the same batch.
    ours_loss = float(trainer.step(0)[0])
    opt.zero_grad(set_to_none=True)
    theirs = loss_fn(model(xt), yt)
    theirs.backward()
    opt.step()
    w_ours = to_numpy(trainer.model.weights[depth // 2])
    w_theirs = model[2 * (depth // 2)].weight.detach().cpu().numpy()
    check = {
        "loss_isometry": ours_loss,
        "loss_torch": float(theirs.detach()),
        "max_rel_weight_diff": float(np.max(np.abs(w_ours - w_theirs)) / np.max(np.abs(w_theirs))),
    }

    k_state = {"k": 1}

    def ours():
        trainer.step(k_state["k"])
        k_state["k"] += 1
        synchronize(trainer.xp)

    def theirs_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(xt), yt).backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    k = ctx.k if ctx.quick else max(ctx.k, 5)
    timed = race([Contender(ISO, ours, k), Contender(TORCH, theirs_step, k)])
    case = f"{width}x{depth} b128 f32 {device}"
    return rows_from_race("training", case, timed, {ISO: k, TORCH: k}, ISO), check, case


def run(ctx: Context) -> SectionResult:
    width, depth = ctx.args.training or ((128, 20) if ctx.quick else (400, 200))
    result = SectionResult(
        f"t. Training step: tanh MLP width {width}, depth {depth}, batch 128, float32, SGD"
    )
    if ctx.torch is None:
        result.notes.append("t. torch is not installed: training comparison skipped")
        return result
    checks = []
    rows, check, case = _case(ctx, width, depth, "cpu")
    result.rows += rows
    checks.append((case, check))
    ratio = rows[1].ratio  # torch time / isometry time: > 1 means isometry is faster
    result.targets.append(
        f"t. {case}: speed vs torch eager {ratio:.2f}x | target >= {TARGET:g}x: "
        + verdict(ratio, TARGET, False, "the GPU (CuPy vs torch CUDA)")
    )
    gpu_reason = None
    if not ctx.torch.cuda.is_available():
        gpu_reason = "torch sees no CUDA device"
    else:
        try:
            from isometry.training.backend import array_module

            array_module("gpu")
        except (ImportError, RuntimeError) as exc:
            gpu_reason = str(exc).split(";")[0]
    if gpu_reason is None:
        rows, check, case = _case(ctx, width, depth, "cuda")
        result.rows += rows
        checks.append((case, check))
        ratio = rows[1].ratio
        result.targets.append(
            f"t. {case}: speed vs torch eager {ratio:.2f}x | target >= {TARGET:g}x: "
            + verdict(ratio, TARGET, not ctx.quick and (width, depth) == (400, 200), "400x200")
        )
    else:
        result.notes.append(f"d. GPU part skipped: {gpu_reason}")
    body = [
        [
            c,
            f"{v['loss_isometry']:.6f}",
            f"{v['loss_torch']:.6f}",
            f"{v['max_rel_weight_diff']:.2e}",
        ]
        for c, v in checks
    ]
    result.tables.append(
        "d. Same step, same weights (float32: expect agreement to ~1e-5 relative)\n"
        + format_table(["case", "loss isometry", "loss torch", "max rel diff W after step"], body)
    )
    result.data["checks"] = dict(checks)
    return result
