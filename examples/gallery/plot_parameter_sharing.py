r"""
Parameter sharing gives deep ReLU networks exact isometry
=========================================================

Standard (He) initialisation of a ReLU network spreads the singular values of its Jacobian over
many decades as depth grows. The mirrored initialisation of Burkholz & Dubatovka makes the ReLU
network compute the linear network of its orthogonal blocks, so every singular value equals
:math:`\sigma_w^L = 1`. Width 128 and depths up to 32 here; the effect is exact at any size.
"""

import matplotlib.pyplot as plt
import numpy as np

import isometry

width, depths = 128, [4, 8, 16, 32]
fig, ax = plt.subplots(figsize=(6.4, 4))
for i, depth in enumerate(depths):
    he = isometry.jacobian_spectrum(
        width,
        depth,
        activation="relu",
        weights="orthogonal",
        sigma_w=np.sqrt(2.0),
        method="svd",
        seed=0,
    ).singular_values
    shared = isometry.jacobian_spectrum(
        width, depth, activation="relu", weights="parameter_sharing", seed=0
    ).singular_values
    alive = he[he > 1e-12 * he.max()]  # ReLU zeros come out as rounding noise
    ax.scatter(
        np.full(alive.size, depth) * 0.97,
        alive,
        s=4,
        color="C0",
        label="He (orthogonal), nonzero" if i == 0 else None,
    )
    ax.scatter(
        np.full(shared.size, depth) * 1.03,
        shared,
        s=4,
        color="C3",
        label="parameter sharing" if i == 0 else None,
    )
    print(
        f"L = {depth}: He spans {alive.min():.1e}..{alive.max():.1e}; "
        f"parameter sharing {shared.min():.15f}..{shared.max():.15f}"
    )
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel(r"depth $L$")
ax.set_ylabel(r"singular values of $J$")
ax.set_title(rf"ReLU networks, width $N = {width}$")
ax.legend()
fig.tight_layout()
