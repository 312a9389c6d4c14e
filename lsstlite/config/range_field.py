"""`RangeField`: an int or float restricted to an interval."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .errors import FieldValidationError
from .field import Field


class RangeField(Field):
    """An int or float field whose value must lie in an interval.

    Parameters
    ----------
    doc : str
        Description of the value.
    dtype : type
        ``int`` or ``float``.
    default : int or float, optional
        Default value.
    optional : bool, optional
        Whether None passes `Config.validate`.
    min, max : int or float, optional
        Bounds; at least one is required.
    inclusiveMin : bool, optional
        Whether ``min`` itself is allowed (default True).
    inclusiveMax : bool, optional
        Whether ``max`` itself is allowed (default False).
    deprecated : str, optional
        See `Field`.
    check : callable, optional
        Extra ``check(value) -> bool``.

    Raises
    ------
    ValueError
        If no bound is given or the interval is empty.
    """

    supportedTypes = (int, float)

    def __init__(self, doc: str, dtype: type, default: Any = None, optional: bool = False,
                 min: float | None = None, max: float | None = None, inclusiveMin: bool = True,
                 inclusiveMax: bool = False, deprecated: str | None = None,
                 check: Callable[[Any], bool] | None = None):
        super().__init__(doc, dtype, default=default, check=check, optional=optional,
                         deprecated=deprecated)
        if min is None and max is None:
            msg = "RangeField needs at least one of min and max"
            raise ValueError(msg)
        if min is not None and max is not None and (
                min > max or (min == max and not (inclusiveMin and inclusiveMax))):
            msg = f"RangeField range is empty: min={min!r}, max={max!r}"
            raise ValueError(msg)
        self.min = min
        self.max = max
        self.inclusiveMin = inclusiveMin
        self.inclusiveMax = inclusiveMax
        low = "-inf" if min is None else repr(min)
        high = "inf" if max is None else repr(max)
        self.rangeString = (f"{'[' if inclusiveMin and min is not None else '('}{low}, "
                            f"{high}{']' if inclusiveMax and max is not None else ')'}")
        self.doc += f"\nValid range: {self.rangeString}"

    def _check_value(self, config: Any, value: Any) -> None:
        below = self.min is not None and (value < self.min or (value == self.min and not self.inclusiveMin))
        above = self.max is not None and (value > self.max or (value == self.max and not self.inclusiveMax))
        if below or above or (isinstance(value, float) and math.isnan(value)):
            msg = f"{value!r} is outside of valid range {self.rangeString}"
            raise FieldValidationError(self, config, msg)
        super()._check_value(config, value)
