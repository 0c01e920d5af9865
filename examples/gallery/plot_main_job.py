r"""
Finite-width spectrum against the large-width law
=================================================

The package's main job: sample one orthogonal tanh network near the edge of chaos, compute every
eigenvalue of :math:`JJ^\top` and set their histogram beside the free-probability density of the
infinite-width limit, with the Kolmogorov–Smirnov distance between the two.

Run here at width 256 and depth 16 so the gallery builds quickly; the README's command uses
width 1024 and depth 32 (``isometry spectrum --width 1024 --depth 32 ...``), where the KS distance
is about 0.005.
"""

import matplotlib.pyplot as plt
import numpy as np

import isometry
from isometry import theory

width, depth, sigma_w, sigma_b = 256, 16, 1.05, 0.0
r = isometry.jacobian_spectrum(
    width, depth, activation="tanh", weights="orthogonal", sigma_w=sigma_w, sigma_b=sigma_b, seed=0
)
law = theory.jacobian_density("tanh", "orthogonal", depth, sigma_w, sigma_b)
ks = law.ks_distance(r.eigenvalues)
print(
    f"q0 = q* = {r.q0:.4g}, mean eigenvalue {r.eigenvalues.mean():.4f} "
    f"(theory chi1^L = {theory.chi1('tanh', sigma_w, sigma_b) ** depth:.4f}), KS = {ks:.3f}"
)

# On a log axis, plot the fraction of eigenvalues per unit ln(lambda): lambda * rho(lambda).
bins = np.geomspace(r.eigenvalues.min() * 0.9, r.eigenvalues.max() * 1.1, 30)
counts, edges = np.histogram(r.eigenvalues, bins=bins)
fig, ax = plt.subplots(figsize=(6.4, 4))
ax.stairs(
    counts / (width * np.diff(np.log(edges))),
    edges,
    fill=True,
    alpha=0.5,
    label=f"Monte Carlo, $N = {width}$",
)
ax.plot(law.x, law.x * law.density, "k", label=r"free probability, $N \to \infty$")
ax.set_xscale("log")
ax.set_xlabel(r"eigenvalue $\lambda$ of $JJ^\top$")
ax.set_ylabel(r"$\lambda\,\rho(\lambda)$ (fraction per unit $\ln\lambda$)")
ax.set_title(rf"tanh, orthogonal, $L = {depth}$, $\sigma_w = {sigma_w}$: KS $= {ks:.3f}$")
ax.legend()
fig.tight_layout()
