"""The vectorized Rosenbrock integrator on problems with known solutions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.axis.integrate import integrate, integrate_fixed


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0.01, 500.0), min_size=1, max_size=6), st.floats(0.1, 5.0))
def test_stiff_linear_relaxation_matches_exact_solution(rates, t_end):
    """dx/dt = -k (x - c): each row relaxes with its own (possibly stiff) rate."""
    k = np.array(rates)
    c = np.linspace(0.5, 2.0, len(k))
    x0 = np.column_stack([np.full(len(k), 3.0), np.full(len(k), -1.0)])

    def f(x, idx):
        return -k[idx, None] * (x - c[idx, None])

    grid = np.linspace(0, t_end, 11)
    xe, states = integrate(f, x0, t_end, grid=grid, rtol=1e-7, atol=1e-10)
    exact = c[:, None, None] + (x0[:, None, :] - c[:, None, None]) * np.exp(-k[:, None, None] * grid[None, :, None])
    # global error of a 2nd-order method at local rtol 1e-7: a few 1e-6 on O(1) values
    assert np.allclose(states, exact, rtol=1e-4, atol=1e-5)
    assert np.allclose(xe, exact[:, -1], rtol=1e-4, atol=1e-5)


def test_nonlinear_logistic_rows_independent():
    r = np.array([0.5, 2.0, 8.0])

    def f(x, idx):
        return r[idx, None] * x * (1 - x)

    x0 = np.full((3, 1), 0.01)
    xe, _ = integrate(f, x0, 3.0, rtol=1e-8, atol=1e-12)
    exact = 1.0 / (1.0 + (1 / 0.01 - 1) * np.exp(-r * 3.0))
    assert np.allclose(xe[:, 0], exact, rtol=1e-5)
    # fixed-step version with enough steps is close too
    xf = integrate_fixed(f, x0, 3.0, 300)
    assert np.allclose(xf[:, 0], exact, rtol=1e-3)


def test_grid_point_zero_records_initial_state():
    def f(x, idx):
        return -x

    x0 = np.array([[1.0], [2.0]])
    _, states = integrate(f, x0, 1.0, grid=np.array([0.0, 0.5, 1.0]))
    assert np.array_equal(states[:, 0], x0)
    assert np.allclose(states[:, 2, 0], x0[:, 0] * np.exp(-1.0), rtol=1e-4)
