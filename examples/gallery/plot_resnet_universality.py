r"""
ResNets: one parameter for every activation
===========================================

Residual networks :math:`x^l = x^{l-1} + \phi(W^l x^{l-1} + b^l)` with linear, tanh and
hard-tanh activations, each tuned by :func:`isometry.theory.resnet_sigma_w` to the same
:math:`c = 1`, have the same Jacobian spectrum: the law with :math:`S(z) = e^{-c(1+2z)}`
(Tarnowski et al. 2019). Width 200 and depth 16 here; the reference checks used width 1000 and
depth 64 (KS about 0.005).
"""

import matplotlib.pyplot as plt
import numpy as np

import isometry
from isometry import theory

width, depth, c = 200, 16, 1.0
law = theory.resnet_density(c)
fig, ax = plt.subplots(figsize=(6.4, 4))
bins = np.geomspace(1e-2, 60, 30)
for activation in ("linear", "tanh", "hard_tanh"):
    sw = theory.resnet_sigma_w(activation, c, depth=depth)
    r = isometry.resnet_jacobian_spectrum(
        width, depth, activation=activation, weights="gaussian", sigma_w=sw, seed=1
    )
    counts, edges = np.histogram(r.eigenvalues, bins=bins)
    ks = theory.resnet_density(r.c).ks_distance(r.eigenvalues)
    ax.stairs(
        counts / (width * np.diff(np.log(edges))),
        edges,
        label=f"{activation}: network's $c = {r.c:.2f}$, KS $= {ks:.3f}$",
    )
ax.plot(law.x, law.x * law.density, "k", label=rf"universal law, $c = {c:g}$")
ax.set_xscale("log")
ax.set_xlabel(r"eigenvalue $\lambda$ of $JJ^\top$")
ax.set_ylabel(r"$\lambda\,\rho(\lambda)$")
ax.legend(fontsize="small")
fig.tight_layout()
