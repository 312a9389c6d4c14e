"""F-test of a restricted least-squares model against a fuller one that contains it."""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["f_survival", "nested_fit_p_value"]


def f_survival(f: float, dof1: int, dof2: int) -> float:
    """Probability that an F(``dof1``, ``dof2``) variable exceeds ``f``.

    Paulson's (1942) normal approximation of the cube root of F. Its error in the
    probability is ~0.002 for ``dof1 >= 6`` and ``dof2 >= 6`` (0.005 for ``dof1 = 3``, 0.017
    for 1), plenty for a test at the 1% level with the 6 or more extra parameters of a
    polynomial distortion, and it needs no special functions. With very few degrees of
    freedom in the denominator it is conservative: where the exact probability is 0.01, it
    gives 0.021 for ``dof2 = 2`` and 0.013 for 4.

    Parameters
    ----------
    f : float
        Value of the statistic (a negative one gives 1).
    dof1, dof2 : int
        Degrees of freedom of the numerator and the denominator (> 0).

    Returns
    -------
    p : float
    """
    if dof1 <= 0 or dof2 <= 0:
        msg = f"F degrees of freedom must be positive, got ({dof1}, {dof2})"
        raise ValueError(msg)
    if not f > 0.0:
        return 1.0
    a, b = 2.0 / (9.0 * dof1), 2.0 / (9.0 * dof2)
    cube = f ** (1.0 / 3.0)
    z = ((1.0 - b) * cube - (1.0 - a)) / math.sqrt(a + b * cube * cube)
    return 1.0 - NormalDist().cdf(z)


def nested_fit_p_value(chi2_restricted: float, chi2_full: float, n_extra: int, dof_full: int) -> float:
    """How likely the restricted model's excess chi-square is if the restricted model is true.

    Parameters
    ----------
    chi2_restricted, chi2_full : float
        Weighted sums of squared residuals of the two fits to the same data.
    n_extra : int
        Parameters the full model has beyond the restricted one.
    dof_full : int
        Degrees of freedom of the full fit (data points minus its parameters).

    Returns
    -------
    p : float
        The F-test's probability; small values reject the restricted model. The weights'
        overall scale cancels, so relative weights suffice.

    Raises
    ------
    ValueError
        If ``n_extra`` or ``dof_full`` is not positive.
    """
    if n_extra <= 0 or dof_full <= 0:
        msg = f"the full fit needs more parameters and degrees of freedom, got {n_extra} and {dof_full}"
        raise ValueError(msg)
    if chi2_full <= 0.0:
        return 0.0 if chi2_restricted > 0.0 else 1.0
    f = ((chi2_restricted - chi2_full) / n_extra) / (chi2_full / dof_full)
    return f_survival(f, n_extra, dof_full)
