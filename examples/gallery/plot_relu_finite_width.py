r"""
Finite-width ReLU: where mean field fails
=========================================

He-initialised ReLU networks (:math:`\sigma_w^2 = 2`, no bias) of width 10 keep the *mean*
squared norm of the signal exactly, as mean field says, but the typical norm decays with depth
and the spread grows. The exact finite-width law (a scalar Markov chain,
:func:`isometry.theory.relu_output_law`) gives the quantiles; the chain is also sampled with
:func:`isometry.theory.sample_relu_chain`. Cheap at this size; the effect is the same at any
width, shrinking like :math:`L/N`.
"""

import matplotlib.pyplot as plt
import numpy as np

from isometry import theory

width, depth = 10, 50
depths = np.arange(1, depth + 1)
quantiles = {0.1: [], 0.5: [], 0.9: []}
for L in depths:
    law = theory.relu_output_law([width] * (L + 1))
    for p, values in quantiles.items():
        values.append(law.quantile(p))
mean_field = theory.relu_mean_field_norm([width] * (depth + 1))
samples = theory.sample_relu_chain([width] * (depth + 1), samples=20000, seed=0)
s0 = mean_field[0]  # |x^0|^2, the same for every network
quantiles = {p: np.asarray(q) / s0 for p, q in quantiles.items()}

fig, ax = plt.subplots(figsize=(6.4, 4))
ax.fill_between(
    depths, quantiles[0.1], quantiles[0.9], alpha=0.3, label="exact law: 10 % to 90 % quantiles"
)
ax.plot(depths, quantiles[0.5], label="exact law: median")
ax.plot(depths, np.median(samples[:, 1:], axis=0) / s0, ":", label="sampled chain: median")
ax.plot(depths, mean_field[1:] / s0, "k--", label="mean field (the mean)")
ax.set_yscale("log")
ax.set_xlabel(r"layer $l$")
ax.set_ylabel(r"$\|x^l\|^2 / \|x^0\|^2$")
ax.set_title(rf"ReLU, width $N = {width}$, He initialisation")
ax.legend(fontsize="small")
fig.tight_layout()
