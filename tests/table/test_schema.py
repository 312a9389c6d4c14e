"""Schema field definitions."""

import pytest

from lsstlite.table import Schema


def test_non_ascii_doc_is_refused_at_definition():
    schema = Schema()
    with pytest.raises(ValueError, match="'x_value': doc .* must be printable ASCII"):
        schema.addField("x_value", float, doc="chi² of the fit")
