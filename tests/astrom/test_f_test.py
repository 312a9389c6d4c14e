"""The F-test of a restricted fit against a fuller one."""

from __future__ import annotations

import numpy as np
import pytest

from lsstlite.astrom.f_test import f_survival, nested_fit_p_value


@pytest.mark.parametrize(("dof1", "dof2"),
                         [(6, 10), (6, 1000), (14, 40), (14, 150), (24, 300), (3, 12)])
def test_f_survival_agrees_with_scipy(dof1, dof2):
    stats = pytest.importorskip("scipy.stats")
    tolerance = 0.0025 if dof1 >= 6 else 0.006  # the docstring's accuracy
    for f in np.linspace(0.05, 8.0, 80):
        assert f_survival(f, dof1, dof2) == pytest.approx(stats.f.sf(f, dof1, dof2), abs=tolerance)


def test_f_survival_edges():
    assert f_survival(0.0, 3, 10) == 1.0
    assert f_survival(-1.0, 3, 10) == 1.0
    with pytest.raises(ValueError, match="degrees of freedom"):
        f_survival(1.0, 0, 10)
    with pytest.raises(ValueError, match="more parameters"):
        nested_fit_p_value(2.0, 1.0, 0, 10)


def test_p_values_of_a_true_restricted_model_are_uniform():
    """Straight-line data fitted by a line and by a cubic: the test rejects the line at the
    5% level in 5% of the draws (binomial sigma 1.1% over 400 draws; 3 sigma allowed), and
    in nearly all draws when the data have a cubic term of 5 sigma."""
    rng = np.random.default_rng(1)
    t = np.linspace(-1, 1, 60)
    line = np.stack([np.ones_like(t), t], axis=1)
    cubic = np.stack([np.ones_like(t), t, t**2, t**3], axis=1)

    def p_value(y):
        chi2 = [np.sum((y - d @ np.linalg.lstsq(d, y, rcond=None)[0]) ** 2) for d in (line, cubic)]
        return nested_fit_p_value(chi2[0], chi2[1], 2, t.size - 4)

    null = np.array([p_value(1.0 + 0.5 * t + rng.normal(0, 1, t.size)) for _ in range(400)])
    assert 0.017 <= np.mean(null < 0.05) <= 0.083
    signal = np.array([p_value(t**3 * 5.0 / np.sqrt(np.sum(t**6)) * np.sqrt(t.size) + rng.normal(0, 1, t.size))
                       for _ in range(100)])
    assert np.mean(signal < 0.05) > 0.9
