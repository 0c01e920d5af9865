r"""
Mean-field phase diagram and the edge of chaos
==============================================

:math:`\chi_1` over the :math:`(\sigma_w, \sigma_b)` plane for tanh, with the critical line
:math:`\chi_1 = 1` from :func:`isometry.theory.edge_of_chaos` drawn over it, and the correlation
depth scale :math:`\xi_c`, which diverges on that line. A 40 × 40 grid here (the README uses
64 × 64).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from isometry import theory

sigma_w = np.linspace(0.5, 3.0, 40)
sigma_b = np.linspace(0.0, 1.5, 40)
d = theory.phase_diagram("tanh", sigma_w, sigma_b)
critical = [theory.edge_of_chaos("tanh", b) for b in sigma_b]

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
extent = (sigma_w[0], sigma_w[-1], sigma_b[0], sigma_b[-1])
chi = d.chi1  # shape (len(sigma_b), len(sigma_w))
im = axes[0].imshow(
    chi,
    origin="lower",
    extent=extent,
    aspect="auto",
    cmap="RdBu_r",
    norm=LogNorm(vmin=0.1, vmax=10),
)
fig.colorbar(im, ax=axes[0], label=r"$\chi_1$")
xi = np.where(np.isfinite(d.xi_c), d.xi_c, 100.0)  # inf on the critical line
im = axes[1].imshow(
    xi,
    origin="lower",
    extent=extent,
    aspect="auto",
    cmap="viridis",
    norm=LogNorm(vmin=0.5, vmax=100),
)
fig.colorbar(im, ax=axes[1], label=r"correlation depth scale $\xi_c$")
for ax in axes:
    ax.plot(critical, sigma_b, "k--", label=r"$\chi_1 = 1$")
    ax.set_xlabel(r"$\sigma_w$")
    ax.set_xlim(sigma_w[0], sigma_w[-1])
axes[0].set_ylabel(r"$\sigma_b$")
axes[0].legend(loc="upper left")
fig.tight_layout()
