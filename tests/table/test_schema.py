"""Schema field definitions."""

import pytest

from lsstlite.table import Schema


def test_non_ascii_doc_is_refused_at_definition():
    schema = Schema()
    with pytest.raises(ValueError, match="'x_value': doc .* must be printable ASCII"):
        schema.addField("x_value", float, doc="chi² of the fit")


def test_known_units_are_spelled_as_astropy_spells_them():
    import astropy.units as u

    from lsstlite.table.schema import KNOWN_FITS_UNITS, normalise_unit

    for unit, fits in KNOWN_FITS_UNITS.items():
        assert fits == u.Unit(unit).to_string("fits"), unit
        assert normalise_unit(unit) == fits
    assert normalise_unit("pixel/s") == "pix s-1"  # not in the table: astropy parses it
