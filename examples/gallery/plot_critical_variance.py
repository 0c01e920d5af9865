r"""
Criticality is not isometry: the spread of the spectrum grows with depth
========================================================================

At :math:`\chi_1 = 1` the mean of the spectrum of :math:`JJ^\top` is one at every depth, but
its scale-free variance :math:`m_2/m_1^2 - 1 = L(\mu_2/\mu_1^2 - 1 - s_1)` grows linearly
(PSG18 eqs. 21–22): slowest for orthogonal tanh at small :math:`q^*`, fastest for Gaussian ReLU.
Points are Monte Carlo at width 128, averaged over 3 networks per depth (the reference checks
used width 600); lines are the theory.
"""

import matplotlib.pyplot as plt
import numpy as np

import isometry
from isometry import theory

width, depths, seeds = 128, [2, 4, 8, 16], range(3)
cases = [  # (activation, weights, sigma_w, sigma_b)
    ("relu", "gaussian", np.sqrt(2.0), 0.0),
    ("relu", "orthogonal", np.sqrt(2.0), 0.0),
    ("tanh", "orthogonal", *theory.critical_point("tanh", 0.5)),
    ("tanh", "orthogonal", *theory.critical_point("tanh", 0.05)),
]
fig, ax = plt.subplots(figsize=(6.4, 4))
for activation, weights, sw, sb in cases:
    measured = []
    for depth in depths:
        values = []
        for seed in seeds:
            ev = isometry.jacobian_spectrum(
                width,
                depth,
                activation=activation,
                weights=weights,
                sigma_w=sw,
                sigma_b=sb,
                seed=seed,
            ).eigenvalues
            values.append(np.mean(ev**2) / np.mean(ev) ** 2 - 1)
        measured.append(np.mean(values))
    m = [theory.jacobian_moments(activation, weights, L, sw, sb, order=2) for L in depths]
    predicted = [mk.moments[1] / mk.moments[0] ** 2 - 1 for mk in m]
    q = theory.q_star(activation, sw, sb) if activation != "relu" else None
    label = f"{activation}, {weights}" + (f", $q^* = {q:.2g}$" if q else "")
    (line,) = ax.plot(depths, predicted, "-", label=label)
    ax.plot(depths, measured, "o", color=line.get_color())
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel(r"depth $L$")
ax.set_ylabel(r"$m_2/m_1^2 - 1$")
ax.set_title(r"at criticality: lines theory, points Monte Carlo ($N = 128$)")
ax.legend(fontsize="small")
fig.tight_layout()
