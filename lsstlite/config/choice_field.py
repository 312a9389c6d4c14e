"""`ChoiceField`: a scalar that must be one of a fixed set of documented values."""

from __future__ import annotations

from typing import Any

from .errors import FieldValidationError
from .field import Field
from .scalars import coerce_scalar


class ChoiceField(Field):
    """A scalar field restricted to the keys of ``allowed``.

    Parameters
    ----------
    doc : str
        Description of the value.
    dtype : type
        Type of the allowed values.
    allowed : dict
        Allowed value -> description (the descriptions are saved as comments).
    default : object, optional
        Default value.
    optional : bool, optional
        Whether None is allowed; True by default, as in pex_config.
    deprecated : str, optional
        See `Field`.

    Raises
    ------
    ValueError
        If ``allowed`` is empty or holds a value of the wrong type.
    """

    def __init__(self, doc: str, dtype: type, allowed: dict, default: Any = None,
                 optional: bool = True, deprecated: str | None = None):
        super().__init__(doc, dtype, default=default, optional=optional, deprecated=deprecated)
        if not allowed:
            msg = "ChoiceField needs a non-empty 'allowed' dict"
            raise ValueError(msg)
        try:
            self.allowed = {coerce_scalar(k, dtype): str(v) for k, v in allowed.items()}
        except TypeError as err:
            msg = f"ChoiceField allowed values must be of type {dtype.__name__}: {err}"
            raise ValueError(msg) from None
        choices = "\n".join(f"  {k!r}: {v}" for k, v in self.allowed.items())
        self.doc += f"\nAllowed values:\n{choices}"
        if optional:
            self.doc += "\n  None: field is optional"

    def _check_value(self, config: Any, value: Any) -> None:
        if value not in self.allowed:
            options = ", ".join(repr(k) for k in self.allowed)
            if self.optional:
                options += ", None"
            msg = f"Value {value!r} is not allowed; allowed values: {options}"
            raise FieldValidationError(self, config, msg)
        super()._check_value(config, value)
