"""Named bit planes of an integer mask (afw ``Mask`` plane dictionary)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

#: Default planes and bits, in the order afw creates them.
DEFAULT_PLANES: tuple[str, ...] = (
    "BAD", "SAT", "INTRP", "CR", "EDGE", "DETECTED", "DETECTED_NEGATIVE", "SUSPECT", "NO_DATA",
)

#: Highest usable bit of an int32 mask (bit 31 is the sign bit and is kept free).
MAX_BIT = 30


class MaskPlanes:
    """Mapping of mask-plane name to bit number.

    Parameters
    ----------
    planes : mapping of str to int, optional
        Initial name -> bit table. Default: the afw default planes (``BAD`` 0, ``SAT`` 1,
        ``INTRP`` 2, ``CR`` 3, ``EDGE`` 4, ``DETECTED`` 5, ``DETECTED_NEGATIVE`` 6, ``SUSPECT`` 7,
        ``NO_DATA`` 8).

    Raises
    ------
    ValueError
        If a bit is outside 0..30 or two names share a bit.
    """

    def __init__(self, planes: Mapping[str, int] | None = None) -> None:
        if planes is None:
            planes = {name: bit for bit, name in enumerate(DEFAULT_PLANES)}
        self._bits: dict[str, int] = {}
        for name, bit in planes.items():
            self._set(str(name), int(bit))

    def _set(self, name: str, bit: int) -> None:
        if not 0 <= bit <= MAX_BIT:
            msg = f"mask plane {name!r}: bit {bit} outside 0..{MAX_BIT}"
            raise ValueError(msg)
        for other, other_bit in self._bits.items():
            if other_bit == bit and other != name:
                msg = f"mask plane {name!r}: bit {bit} already used by {other!r}"
                raise ValueError(msg)
        self._bits[name] = bit

    def add(self, name: str) -> int:
        """Add a plane (if new) on the lowest free bit.

        Parameters
        ----------
        name : str
            Plane name, e.g. ``"NOTCHECKED"``.

        Returns
        -------
        bit : int
            The plane's bit (the existing one if the plane is already defined).
        """
        if name in self._bits:
            return self._bits[name]
        used = set(self._bits.values())
        free = next((b for b in range(MAX_BIT + 1) if b not in used), None)
        if free is None:
            msg = f"mask plane {name!r}: all {MAX_BIT + 1} bits of the int32 mask are in use"
            raise ValueError(msg)
        self._bits[name] = free
        return free

    def bit(self, name: str) -> int:
        """Bit number of plane ``name``; `KeyError` naming the known planes if undefined."""
        try:
            return self._bits[name]
        except KeyError:
            msg = f"unknown mask plane {name!r}; defined planes: {', '.join(self.names)}"
            raise KeyError(msg) from None

    def bitmask(self, *names: str) -> int:
        """Integer with the bits of ``names`` set (0 for no names)."""
        value = 0
        for name in names:
            value |= 1 << self.bit(name)
        return value

    @property
    def names(self) -> list[str]:
        """Plane names ordered by bit."""
        return sorted(self._bits, key=self._bits.__getitem__)

    def items(self) -> list[tuple[str, int]]:
        """``(name, bit)`` pairs ordered by bit."""
        return [(name, self._bits[name]) for name in self.names]

    def describe(self) -> str:
        """One line per plane: ``bit  value  name``."""
        return "\n".join(f"{bit:2d}  0x{1 << bit:08x}  {name}" for name, bit in self.items())

    def copy(self) -> MaskPlanes:
        """Independent copy."""
        return MaskPlanes(self._bits)

    def __contains__(self, name: object) -> bool:
        return name in self._bits

    def __getitem__(self, name: str) -> int:
        return self.bit(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self._bits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MaskPlanes):
            return NotImplemented
        return self._bits == other._bits

    def __repr__(self) -> str:
        return f"MaskPlanes({dict(self.items())!r})"

    @classmethod
    def from_names(cls, names: Iterable[str]) -> MaskPlanes:
        """Default planes plus ``names`` added in order (existing names keep their bit)."""
        planes = cls()
        for name in names:
            planes.add(name)
        return planes
