"""The compiled kernels import and run where numba cannot write its cache (read-only installs)."""

from __future__ import annotations

import numba

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
