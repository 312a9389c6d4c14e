"""Schema and SourceCatalog."""

import numpy as np
import pytest

from lsstlite.table import Schema, SourceCatalog


def _schema():
    s = Schema()
    s.addField("base_SdssCentroid_x", "float64", "pixel", "centroid x")
    s.addField("base_SdssCentroid_y", "float64", "pixel", "centroid y")
    s.addField("base_SdssCentroid_flag", bool, "", "centroid failed")
    s.addField("base_PsfFlux_instFlux", "float64", "count", "PSF flux")
    s.setAlias("slot_Centroid", "base_SdssCentroid")
    s.setAlias("slot_PsfFlux", "base_PsfFlux")
    return s


def test_minimal_fields_and_units():
    s = Schema()
    assert s.names == ["id", "coord_ra", "coord_dec", "parent"]
    assert s["coord_ra"].unit == "rad"
    assert _schema()["base_SdssCentroid_x"].unit == "pix"


def test_alias_prefix_resolution():
    s = _schema()
    assert s.resolve("slot_Centroid_x") == "base_SdssCentroid_x"
    assert s["slot_Centroid_flag"].isFlag
    s.setAlias("slot_Shape", "slot_Centroid")  # alias to an alias
    assert s.resolve("slot_Shape_y") == "base_SdssCentroid_y"
    assert "slot_Centroid_x" in s and "slot_Centroid_z" not in s


def test_schema_errors():
    s = _schema()
    with pytest.raises(ValueError, match=r"field 'ID' already exists in the schema as 'id'"):
        s.addField("ID", "int64")
    with pytest.raises(ValueError, match="field name '1x' is invalid"):
        s.addField("1x", "f8")
    with pytest.raises(ValueError, match="unit 'furlongs per blah' is not a valid unit"):
        s.addField("x", "f8", "furlongs per blah")
    with pytest.raises(KeyError, match=r"no field 'slot_Centroid_z' \(alias of 'base_SdssCentroid_z'\)"):
        s.find("slot_Centroid_z")


def test_catalog_defaults_and_access():
    cat = SourceCatalog(_schema(), 4)
    assert len(cat) == 4
    assert np.isnan(cat["slot_Centroid_x"]).all() and not cat["base_SdssCentroid_flag"].any()
    cat["slot_Centroid_x"] = np.arange(4.0)
    cat["id"] = [10, 11, 12, 13]
    cat["slot_Centroid_y"][1] = 7.0  # views write through
    assert cat["base_SdssCentroid_y"][1] == 7.0
    assert cat[2]["slot_Centroid_x"] == 2.0 and cat[-1].getId() == 13
    with pytest.raises(ValueError, match=r"column 'id': \(3,\) values for a catalogue of 4 rows"):
        cat["id"] = [1, 2, 3]


def test_row_subsetting_returns_catalog():
    cat = SourceCatalog(_schema(), 5)
    cat["id"] = np.arange(5)
    sub = cat[cat["id"] % 2 == 0]
    assert isinstance(sub, SourceCatalog) and list(sub["id"]) == [0, 2, 4]
    assert list(cat[np.array([4, 1])]["id"]) == [4, 1]
    assert list(cat[1:3]["id"]) == [1, 2]
    sub["id"][0] = 99
    assert cat["id"][0] == 0  # a copy
    assert sub.schema == cat.schema


def test_append_and_concatenate():
    a = SourceCatalog(_schema(), 2)
    b = SourceCatalog(_schema(), 3)
    b["id"] = [7, 8, 9]
    both = SourceCatalog.concatenate([a, b])
    assert len(both) == 5 and list(both["id"][2:]) == [7, 8, 9]
    a.append(b)
    assert len(a) == 5
    rec = a.addNew()
    rec["id"] = 42
    assert len(a) == 6 and a["id"][-1] == 42
    with pytest.raises(ValueError, match="catalogue schemas differ"):
        a.append(SourceCatalog(Schema(), 1))


def test_add_field_to_catalog():
    cat = SourceCatalog(Schema(), 3)
    cat.addField("extra", "float32", "nJy", "extra flux", values=[1, 2, 3])
    assert cat["extra"].dtype == np.float32 and cat.schema["extra"].unit == "nJy"


def test_to_table_units_and_meta():
    cat = SourceCatalog(_schema(), 2, metadata={"NOISE_SEED": 3})
    t = cat.to_table()
    assert t.colnames == cat.schema.names
    assert str(t["base_SdssCentroid_x"].unit) == "pix"
    assert t["base_PsfFlux_instFlux"].description == "PSF flux"
    assert t.meta["NOISE_SEED"] == 3 and t.meta["aliases"]["slot_Centroid"] == "base_SdssCentroid"


def test_schema_requires_minimal_fields():
    with pytest.raises(ValueError, match="schema lacks the required fields id, coord_ra"):
        SourceCatalog(Schema(minimal=False))
