"""Mean-field theory: q*, the critical point, the correlation-map fixed point c*, and a phase
diagram, for built-in and user-defined (Python) activations."""

import math

import numpy as np

from isometry import theory

from .common import pin_threads

# tanh at σ_w² = 3, σ_b² = 0.1: the chaotic point of docs/theory/reference_values.md (c* = 0.47754,
# ξ_c = 8.985), where c* needs a root solve of two-dimensional quadratures.
SIGMA_W = math.sqrt(3.0)
SIGMA_B = math.sqrt(0.1)
Q_STAR_CRITICAL = 0.8  # a point on tanh's critical curve (σ_w² = 1.985..., σ_b² = 0.0998...)

ACTIVATIONS = ["tanh", "hard_tanh", "erf", "custom_tanh"]


def _activation(name):
    """The built-in by name, or tanh as vectorised Python callables (the custom-activation path)."""
    if name == "custom_tanh":
        return theory.Activation(np.tanh, lambda h: 1.0 - np.tanh(h) ** 2, name="custom_tanh")
    return name


class PointwiseTheory:
    params = (ACTIVATIONS,)
    param_names = ("activation",)
    timeout = 120

    def setup(self, activation):
        pin_threads()
        self.activation = _activation(activation)

    def time_q_star(self, activation):
        theory.q_star(self.activation, SIGMA_W, SIGMA_B)

    def time_critical_point(self, activation):
        theory.critical_point(self.activation, Q_STAR_CRITICAL)

    def time_edge_of_chaos(self, activation):
        theory.edge_of_chaos(self.activation, SIGMA_B)

    def time_c_star(self, activation):
        theory.c_star(self.activation, SIGMA_W, SIGMA_B)

    def track_c_star(self, activation):
        """The chaotic fixed point itself: a guard that a speed-up did not change the answer."""
        return theory.c_star(self.activation, SIGMA_W, SIGMA_B)

    track_c_star.unit = "c*"


class PhaseDiagram:
    """64 x 64 grid over σ_w in [0.5, 3], σ_b in [0, 1.5] (OpenMP over grid points)."""

    params = (["tanh", "hard_tanh", "erf"],)
    param_names = ("activation",)
    # tanh takes ~6-10 s per call on 2 cores: one call per sample, few samples.
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0
    timeout = 600

    def setup(self, activation):
        pin_threads()
        self.sigma_w = np.linspace(0.5, 3.0, 64)
        self.sigma_b = np.linspace(0.0, 1.5, 64)

    def time_phase_diagram(self, activation):
        theory.phase_diagram(activation, self.sigma_w, self.sigma_b)

    def track_chaotic_fraction(self, activation):
        """Fraction of grid points with χ₁ > 1 (fixed by the theory; guards the grid's answers)."""
        return float(
            np.mean(theory.phase_diagram(activation, self.sigma_w, self.sigma_b).chi1 > 1.0)
        )

    track_chaotic_fraction.unit = "fraction"
