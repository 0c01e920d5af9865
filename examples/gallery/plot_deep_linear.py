r"""
Deep linear networks learn in a time independent of depth
=========================================================

Saxe, McClelland & Ganguli's exact solution: on the balanced manifold the strength :math:`u` of
a mode of strength :math:`s` follows :math:`\tau\,du/dt = D u^{2-2/D}(s-u)` for a network of
:math:`D` weight matrices. In the rescaled time :math:`T = Dt/\tau` the curves approach the
:math:`D \to \infty` limit :math:`dU/dT = u^2(s-u)`, whose learning time is finite: with a
learning rate :math:`\propto 1/D`, deeper networks do not learn slower. Closed forms only, cheap.
"""

import matplotlib.pyplot as plt
import numpy as np

from isometry.theory import deep_linear

s, u0 = 1.0, 0.05
T = np.linspace(0.0, 30.0, 400)  # rescaled time D t / tau
fig, ax = plt.subplots(figsize=(6.4, 4))
for depth in (2, 4, 16, 64):
    ax.plot(T, deep_linear.mode_strength_deep(T / depth, s, u0, depth), label=f"$D = {depth}$")
ax.plot(T, deep_linear.mode_strength_infinite_depth(T, s, u0), "k--", label=r"$D \to \infty$")
t_inf = deep_linear.learning_time_infinite_depth(s, u0, 0.9 * s)
ax.axvline(t_inf, color="0.5", ls=":", label=rf"$T$ to reach $0.9\,s$: {t_inf:.1f}")
ax.set_xlabel(r"rescaled time $T = D\,t/\tau$")
ax.set_ylabel(r"mode strength $u$")
ax.legend()
fig.tight_layout()
