"""The compiled kernels: the batch filter's numbers, and they import and run where numba cannot
write its cache (read-only installs)."""

from __future__ import annotations

import numba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gutskin.insights import forecast as fc
from gutskin.insights import kernels


class NoCacheDirectory:
    """A numba cache locator that finds no writable directory, as on a read-only install."""

    @classmethod
    def from_function(cls, py_func, source_path):  # type: ignore[no-untyped-def]
        return None


def _add_one(x: float) -> float:
    return x + 1.0


def test_without_a_writable_cache_directory_the_kernel_compiles_per_process(monkeypatch) -> None:
    monkeypatch.setattr(numba.config, "CACHE_LOCATOR_CLASSES", f"{__name__}.NoCacheDirectory")
    try:
        numba.njit(cache=True)(_add_one)
    except RuntimeError as e:  # what numba does by itself: refuses at decoration (import) time
        assert "no locator" in str(e)
    else:  # pragma: no cover - numba changed its behaviour; the fallback is then unused
        raise AssertionError("numba no longer refuses an uncachable function")
    f = kernels.compiled()(_add_one)
    assert f(1.0) == 2.0


def test_with_a_cache_directory_the_kernel_is_cached() -> None:
    assert kernels.grid_filter._cache.__class__.__name__ == "FunctionCache"


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    missing=st.floats(0.0, 0.6),
    kappas=st.sampled_from([(1.0,), (1.0, 2.5), (1.0, 1.7, 4.0)]),
    with_offset=st.booleans(),
    with_drift=st.booleans(),
)
def test_compiled_filter_equals_the_numpy_batch_filter(seed, n, missing, kappas, with_offset, with_drift) -> None:
    """Any series (gaps, all-missing, one day), any dispersion mix, with or without covariate
    terms: the request path's compiled filter gives the batch filter's numbers."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 11, n).astype(float)
    y[rng.random(n) < missing] = np.nan
    offset = rng.normal(0, 0.5, n) if with_offset else None
    drift = rng.normal(0, 0.2, n) if with_drift else None
    grid = fc.make_grid([0.5, 0.9, 1.0], [0.1, 0.4], [0.0, 0.6], kappas=kappas)
    batch, _ = fc.run_filter(y[None], grid, offset=None if offset is None else offset[None],
                             drift=None if drift is None else drift[None])
    one = fc.filter_series(y, grid, offset=offset, drift=drift)
    for name in ("az", "am", "pzz", "pzm", "pmm", "loglik"):
        assert np.allclose(getattr(one, name), getattr(batch, name), rtol=1e-9, atol=1e-9), name
    assert one.n_obs[0] == batch.n_obs[0] == int((~np.isnan(y)).sum())
