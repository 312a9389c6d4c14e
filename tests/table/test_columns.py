"""`ColumnTable`: columns, units, lengths, conversion to astropy."""

import numpy as np
import pytest

from lsstlite.table import ColumnTable


def test_columns_keep_order_units_and_descriptions():
    table = ColumnTable(meta={"BAND": "g"})
    table.add_column("a", np.arange(3), "rad", "first")
    table.add_column("b", np.ones(3))
    assert table.colnames == ["a", "b"] and list(table) == ["a", "b"] and len(table) == 3
    assert table.unit("a") == "rad" and table.unit("b") == ""
    assert table.description("a") == "first" and "b" in table and "c" not in table
    np.testing.assert_array_equal(table["a"], [0, 1, 2])
    table.add_column("a", np.zeros(3))  # replacing keeps the position
    assert table.colnames == ["a", "b"] and table.unit("a") == ""


def test_bad_columns_are_refused_with_the_name():
    table = ColumnTable()
    assert len(table) == 0
    table.add_column("x", np.arange(4))
    with pytest.raises(ValueError, match="'y' has 2 rows; the table has 4"):
        table.add_column("y", np.arange(2))
    with pytest.raises(ValueError, match="'z' must be 1-d"):
        table.add_column("z", np.zeros((4, 2)))
    with pytest.raises(KeyError, match="no column 'q'; columns: x"):
        table["q"]
    with pytest.raises(TypeError, match="selected by name, not by ndarray"):
        table[np.ones(4, bool)]


def test_to_table_carries_units_descriptions_and_meta():
    import astropy.units as u

    table = ColumnTable(meta={"BAND": "r"})
    table.add_column("separation", np.array([0.1, 0.2]), "arcsec", "distance")
    table.add_column("ref_r_flux", np.array([1.0, 2.0]), "nJy")
    astropy_table = table.to_table()
    assert astropy_table.colnames == ["separation", "ref_r_flux"]
    assert astropy_table["separation"].unit == u.arcsec and astropy_table["ref_r_flux"].unit == u.nJy
    assert astropy_table["separation"].description == "distance"
    assert astropy_table.meta["BAND"] == "r"
    np.testing.assert_array_equal(astropy_table["ref_r_flux"], [1.0, 2.0])
