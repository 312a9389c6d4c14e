"""Detection of a warm Numba cache (the first-run compile message depends on it)."""

from lsstlite.kernels.cache import kernels_cached


def test_cache_is_warm_only_with_the_kernel_index(tmp_path):
    assert not kernels_cached([tmp_path])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "other.f-1.py311.nbi").write_bytes(b"")
    assert not kernels_cached([tmp_path])
    (tmp_path / "sub" / "moments._adaptive_moments-349.py311.nbi").write_bytes(b"")
    assert kernels_cached([tmp_path])


def test_this_checkout_has_compiled_the_kernels():
    from lsstlite.kernels.moments import adaptive_moments

    adaptive_moments([[0.0, 1.0], [1.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]], [0.5], [0.5])
    assert kernels_cached()
