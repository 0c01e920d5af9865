"""Free-probability theory: moments and densities of J Jᵀ (isometry.theory)."""

import math

from isometry import _core, theory

from .common import pin_threads


def _critical(activation, q):
    """(σ_w, σ_b) on the critical line at fixed point q (σ_w² = 1/μ₁(q))."""
    sigma_w = 1.0 / math.sqrt(_core.derivative_moment(activation, q, 1))
    sigma_b = math.sqrt(max(q - sigma_w**2 * _core.second_moment(activation, q), 0.0))
    return sigma_w, sigma_b


class JacobianDensity:
    params = (["tanh", "hard_tanh", "erf"], ["orthogonal", "gaussian"], [16, 128])
    param_names = ("activation", "weights", "depth")
    timeout = 120

    def setup(self, activation, weights, depth):
        pin_threads()
        self.sigma_w, self.sigma_b = _critical(activation, 0.1)

    def time_density_2000_points(self, activation, weights, depth):
        theory.jacobian_density(activation, weights, depth, self.sigma_w, self.sigma_b, points=2000)

    def track_newton_iterations(self, activation, weights, depth):
        d = theory.jacobian_density(
            activation, weights, depth, self.sigma_w, self.sigma_b, points=2000
        )
        return d.diagnostics["iterations"]

    def track_max_residual(self, activation, weights, depth):
        d = theory.jacobian_density(
            activation, weights, depth, self.sigma_w, self.sigma_b, points=2000
        )
        return d.diagnostics["max_residual"]


class JacobianMoments:
    params = ([16, 1024],)
    param_names = ("depth",)

    def setup(self, depth):
        pin_threads()
        self.sigma_w, self.sigma_b = _critical("tanh", 0.1)

    def time_moments_order_8(self, depth):
        theory.jacobian_moments("tanh", "orthogonal", depth, self.sigma_w, self.sigma_b, order=8)


class LambdaMax:
    def setup(self):
        pin_threads()
        self.sigma_w, self.sigma_b = _critical("hard_tanh", 0.1)

    def time_lambda_max_over_depths(self):
        theory.lambda_max(
            "hard_tanh", "orthogonal", [2, 4, 8, 16, 32, 64, 128, 256], self.sigma_w, self.sigma_b
        )


class UniversalDensity:
    """PSG18 double-scaling limits: the exact exponential-S law (smooth) and the depth-10⁶
    Bernoulli network."""

    params = (["smooth", "bernoulli"],)
    param_names = ("kind",)
    timeout = 120

    def setup(self, kind):
        pin_threads()

    def time_universal_density_2000_points(self, kind):
        theory.universal_density(kind, 0.25, points=2000)


class CustomActivationDensity:
    """A user's φ' (Python callable): the sampled D² law without the pole correction; compare
    with JacobianDensity's tanh for the cost of the plain rule's ~2000 nodes."""

    timeout = 120

    def setup(self):
        import numpy as np

        pin_threads()
        self.activation = theory.Activation(
            np.tanh, lambda h: 1.0 / np.cosh(h) ** 2, name="tanh (callable)"
        )
        self.sigma_w, self.sigma_b = _critical("tanh", 0.1)

    def time_density_2000_points(self):
        theory.jacobian_density(
            self.activation, "orthogonal", 16, self.sigma_w, self.sigma_b, points=2000
        )
