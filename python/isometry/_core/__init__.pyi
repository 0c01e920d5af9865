"""Type stubs of isometry._core (the compiled core; private: use the isometry package).

Kept in step with cpp/bindings/ by tests/runtime/test_binding_stubs.py."""

from __future__ import annotations

import collections.abc
import typing

import numpy
import numpy.typing

from isometry._core import testing as testing

__all__: list[str] = [
    "ConvergenceError",
    "CustomActivation",
    "STREAMS",
    "bernoulli_limit_cdf",
    "bernoulli_limit_density",
    "bernoulli_limit_moments",
    "blas_get_num_threads",
    "blas_set_num_threads",
    "build_info",
    "c_star",
    "chi1",
    "correlation_map",
    "correlation_map_slope",
    "critical_point",
    "critical_sigma_b",
    "cross_moment",
    "derivative_cross_moment",
    "derivative_moment",
    "derivative_moment_small_q",
    "edge_of_chaos",
    "exponential_s_density",
    "exponential_s_moments",
    "gaussian_f32",
    "gaussian_f64",
    "haar_columns_f32",
    "haar_columns_f64",
    "jacobian_density",
    "jacobian_density_bernoulli",
    "jacobian_density_custom",
    "jacobian_density_discrete",
    "jacobian_moments",
    "jacobian_moments_for_law",
    "jacobian_spectrum",
    "jacobian_workspace_bytes",
    "lambda_max",
    "length_map",
    "matfree_bytes",
    "matfree_quadrature",
    "mean_field_point",
    "normal_stream",
    "openmp_get_max_threads",
    "openmp_limit",
    "openmp_set_limit",
    "openmp_set_num_threads",
    "openmp_team_size",
    "phase_diagram",
    "q_star",
    "resnet_density",
    "resnet_edges",
    "resnet_jacobian_spectrum",
    "resnet_moments",
    "resnet_sigma_w",
    "resnet_trajectory",
    "second_moment",
    "second_moment_slope",
    "testing",
]

class ConvergenceError(RuntimeError):
    """
    An iterative solver did not converge; the message gives the point and residual.
    """

class CustomActivation:
    """
    phi, dphi: callables mapping a float64 array of h to an array of the same length
    """
    def __init__(
        self,
        phi: collections.abc.Callable,
        dphi: collections.abc.Callable,
        kinks: collections.abc.Sequence[float],
        name: str,
    ) -> None: ...

def bernoulli_limit_cdf(sigma0_sq: float, log_x: float) -> float: ...
def bernoulli_limit_density(
    sigma0_sq: float, x: collections.abc.Sequence[float], points: int
) -> dict: ...
def bernoulli_limit_moments(sigma0_sq: float, order: int) -> list[float]: ...
def blas_get_num_threads() -> int: ...
def blas_set_num_threads(n: int) -> None: ...
def build_info() -> dict: ...
def c_star(
    activation: str | CustomActivation, q: float, sigma_w: float, sigma_b: float
) -> tuple[float, float, int]: ...
def chi1(activation: str | CustomActivation, sigma_w: float, sigma_b: float) -> float: ...
def correlation_map(
    activation: str | CustomActivation, q: float, c: float, sigma_w: float, sigma_b: float
) -> float: ...
def correlation_map_slope(
    activation: str | CustomActivation, q: float, c: float, sigma_w: float, sigma_b: float
) -> float: ...
def critical_point(activation: str | CustomActivation, q_star: float) -> tuple[float, float]: ...
def critical_sigma_b(activation: str | CustomActivation, sigma_w: float) -> tuple[float, float]: ...
def cross_moment(activation: str | CustomActivation, q: float, c: float) -> float: ...
def derivative_cross_moment(activation: str | CustomActivation, q: float, c: float) -> float: ...
def derivative_moment(activation: str | CustomActivation, q: float, k: int) -> float: ...
def derivative_moment_small_q(activation: str | CustomActivation, k: int) -> float: ...
def edge_of_chaos(activation: str | CustomActivation, sigma_b: float) -> float: ...
def exponential_s_density(
    a: float, b: float, x: collections.abc.Sequence[float], points: int
) -> dict: ...
def exponential_s_moments(a: float, b: float, order: int) -> list[float]: ...
def gaussian_f32(
    n: int, m: int, std: float, seed: int, stream: int, substream: int
) -> numpy.ndarray: ...
def gaussian_f64(
    n: int, m: int, std: float, seed: int, stream: int, substream: int
) -> numpy.ndarray: ...
def haar_columns_f32(n: int, m: int, seed: int, stream: int, substream: int) -> numpy.ndarray: ...
def haar_columns_f64(n: int, m: int, seed: int, stream: int, substream: int) -> numpy.ndarray: ...
def jacobian_density(
    activation: str,
    weights: str,
    depth: int,
    sigma_w: float,
    q: float,
    x: collections.abc.Sequence[float],
    points: int,
) -> dict: ...
def jacobian_density_bernoulli(
    p: float,
    weights: str,
    depth: int,
    sigma_w: float,
    x: collections.abc.Sequence[float],
    points: int,
) -> dict: ...
def jacobian_density_custom(
    activation: CustomActivation,
    weights: str,
    depth: int,
    sigma_w: float,
    q: float,
    x: collections.abc.Sequence[float],
    points: int,
) -> dict: ...
def jacobian_density_discrete(
    values: collections.abc.Sequence[float],
    law_weights: collections.abc.Sequence[float],
    weights: str,
    depth: int,
    sigma_w: float,
    x: collections.abc.Sequence[float],
    points: int,
) -> dict: ...
def jacobian_moments(
    activation: str, weights: str, depth: int, sigma_w: float, q: float, order: int
) -> list[float]: ...
def jacobian_moments_for_law(
    mu: collections.abc.Sequence[float], weights: str, depth: int, sigma_w: float
) -> list[float]: ...
def jacobian_spectrum(
    width: int,
    depth: int,
    activation: str,
    weights: str,
    sigma_w: float,
    sigma_b: float,
    q0: float,
    seed: int,
    dtype: str,
    method: str,
    progress: typing.Any = None,
) -> dict: ...
def jacobian_workspace_bytes(
    width: int, depth: int, weights: str, method: str, element_size: int, architecture: str = "mlp"
) -> int: ...
def lambda_max(activation: str, weights: str, depth: int, sigma_w: float, q: float) -> float: ...
def length_map(
    activation: str | CustomActivation, q: float, sigma_w: float, sigma_b: float
) -> float: ...
def matfree_bytes(
    width: int,
    depth: int,
    weights: str,
    storage: str,
    probes: int,
    steps: int,
    reorthogonalize: bool,
    block: int,
) -> int: ...
def matfree_quadrature(
    width: int,
    depth: int,
    activation: str,
    weights: str,
    storage: str,
    sigma_w: float,
    sigma_b: float,
    q0: float,
    seed: int,
    structured_blocks: int,
    probes: int,
    steps: int,
    probe: str,
    reorthogonalize: bool,
    rule: str,
    block: int,
    progress: typing.Any = None,
    first_probe: int = 0,
) -> dict: ...
def mean_field_point(
    activation: str | CustomActivation, sigma_w: float, sigma_b: float
) -> dict: ...
def normal_stream(
    count: int, seed: int, stream: int, substream: int, first: int = 0
) -> numpy.typing.NDArray[numpy.float64]: ...
def openmp_get_max_threads() -> int: ...
def openmp_limit() -> int: ...
def openmp_set_limit(n: int) -> None:
    """
    Process-wide cap on isometry's OpenMP teams (n <= 0: no cap).
    """

def openmp_set_num_threads(n: int) -> None: ...
def openmp_team_size() -> int:
    """
    Threads an isometry parallel region opened from the calling thread may have (the configured count, before adaptation to the free cores).
    """

def openmp_team_size_now() -> int:
    """
    Threads an isometry parallel region opened now gets (after adaptation).
    """

def set_thread_adaptation(mode: str) -> None:
    """
    Which teams shrink to the cores other processes leave free.
    """

def thread_adaptation() -> str: ...
def free_cores() -> int:
    """
    Usable cores minus those other processes kept busy over the last window (>= 1).
    """

def usable_cores() -> int: ...
def phase_diagram(
    activation: str | CustomActivation,
    sigma_w: collections.abc.Sequence[float],
    sigma_b: collections.abc.Sequence[float],
) -> dict: ...
def q_star(
    activation: str | CustomActivation, sigma_w: float, sigma_b: float
) -> tuple[float, str, int]: ...
def resnet_density(c: float, x: collections.abc.Sequence[float], points: int) -> dict: ...
def resnet_edges(c: float) -> tuple[float, float]: ...
def resnet_jacobian_spectrum(
    width: int,
    depth: int,
    activation: str,
    weights: str,
    sigma_w: float,
    sigma_b: float,
    residual_scale: float,
    q0: float,
    seed: int,
    dtype: str,
    method: str,
    progress: typing.Any = None,
) -> dict: ...
def resnet_moments(c: float, order: int) -> list[float]: ...
def resnet_sigma_w(
    activation: str | CustomActivation,
    c: float,
    sigma_b: float,
    depth: int,
    residual_scale: float,
    input_variance: float,
    progress: typing.Any = None,
) -> tuple[float, float, int]: ...
def resnet_trajectory(
    activation: str | CustomActivation,
    sigma_w: float,
    sigma_b: float,
    depth: int,
    residual_scale: float,
    input_variance: float,
    progress: typing.Any = None,
) -> dict: ...
def second_moment(activation: str | CustomActivation, q: float) -> float: ...
def second_moment_slope(activation: str | CustomActivation, q: float) -> float: ...

STREAMS: dict = {
    "gaussian_sampler": 1,
    "haar_sampler": 2,
    "layer_gaussian": 3,
    "layer_orthogonal": 4,
    "layer_bias": 5,
    "network_input": 6,
    "relu_chain": 7,
    "relu_network": 8,
    "training_shuffle": 9,
    "synthetic_data": 10,
    "lanczos_probe": 11,
    "structured_signs": 12,
}
