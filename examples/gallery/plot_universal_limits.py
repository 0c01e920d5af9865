r"""
Universal limits at large depth
===============================

PSG18's double-scaling limit: orthogonal weights, depth :math:`L \to \infty` with :math:`q^*`
lowered so that the variance of :math:`JJ^\top` stays :math:`\sigma_0^2`. Two universality
classes remain. The Bernoulli class (hard-tanh) has a bulk ending at :math:`\sigma_0^2 e` and an
atom of mass :math:`1 - \sigma_0^2` at :math:`e^{\sigma_0^2}` (drawn as a vertical line); the
smooth class (erf, tanh) has :math:`S(z) = e^{-\sigma_0^2 z}` and no atom. Theory only: cheap at
any size.
"""

import matplotlib.pyplot as plt

from isometry import theory

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for s2 in (0.25, 0.5, 2.0):  # sigma0^2 > 1: no atom
    smooth = theory.universal_density("smooth", s2)
    axes[0].plot(smooth.x, smooth.x * smooth.density, label=rf"$\sigma_0^2 = {s2}$")
    bern = theory.universal_density("bernoulli", s2)
    (line,) = axes[1].plot(bern.x, bern.x * bern.density, label=rf"$\sigma_0^2 = {s2}$")
    for location, mass in bern.atoms:
        if location > 0 and mass > 1e-6:
            axes[1].axvline(location, color=line.get_color(), ls=":", alpha=0.8)
axes[0].set_title(r"smooth class: $S(z) = e^{-\sigma_0^2 z}$")
axes[1].set_title(r"Bernoulli class: bulk and atom at $e^{\sigma_0^2}$ (dotted)")
for ax in axes:
    ax.set_xscale("log")
    ax.set_xlim(1e-3, 30)  # the Bernoulli bulk piles up towards 0 over tens of decades
    ax.set_xlabel(r"eigenvalue $\lambda$ of $JJ^\top$")
    ax.legend()
axes[0].set_ylabel(r"$\lambda\,\rho(\lambda)$")
fig.tight_layout()
