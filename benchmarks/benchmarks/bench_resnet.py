"""Residual-network Jacobians and the finite-width ReLU chain."""

import math

import isometry
from isometry import theory

from .common import SEED, pin_threads

SHAPES = ["256x32", "1000x64"]  # "widthxdepth": these two shapes, not their cross product
WEIGHTS = ["gaussian", "orthogonal"]


class ResnetJacobianSpectrum:
    params = (SHAPES, WEIGHTS)
    param_names = ("shape", "weights")
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0
    timeout = 600

    def setup(self, shape, weights):
        pin_threads()
        self.width, self.depth = (int(v) for v in shape.split("x"))

    def time_resnet_jacobian_spectrum(self, shape, weights):
        isometry.resnet_jacobian_spectrum(
            self.width, self.depth, activation="tanh", weights=weights, sigma_w=1.0, seed=SEED
        )


class ResnetDensity:
    params = ([0.1, 1.0, 4.0],)
    param_names = ("c",)

    def setup(self, c):
        pin_threads()

    def time_resnet_density(self, c):
        theory.resnet_density(c, points=2000)

    def track_newton_iterations(self, c):
        return theory.resnet_density(c, points=2000).diagnostics["iterations"]


class ReluFiniteWidth:
    params = ([10, 100],)
    param_names = ("width",)

    def setup(self, width):
        pin_threads()
        self.widths = [width] * 51

    def time_sample_chain(self, width):
        theory.sample_relu_chain(self.widths, math.sqrt(2.0), samples=100_000, seed=SEED)

    def time_output_law(self, width):
        theory.relu_output_law(self.widths)
