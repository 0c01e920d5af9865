"""
Finite-width spectrum against the large-width law
=================================================

The main job of the package: sample one orthogonal tanh network at the edge of chaos, compute all
eigenvalues of :math:`JJ^\\top` and compare their distribution with the free-probability density.
"""
import matplotlib.pyplot as plt
import numpy as np

import isometry

r = isometry.jacobian_spectrum(256, 16, activation="tanh", weights="orthogonal", sigma_w=1.05, seed=0)
law = isometry.theory.jacobian_density("tanh", "orthogonal", 16, 1.05, 0.0)
fig, ax = plt.subplots()
ax.hist(r.eigenvalues, bins=np.geomspace(1e-3, r.eigenvalues.max(), 40), density=True)
ax.plot(law.x, law.density)
ax.set_xscale("log")
