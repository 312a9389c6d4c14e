"""Scalar, range, choice, list and dict fields: values, coercion and error messages."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lsstlite.config import (
    ChoiceField,
    Config,
    ConfigError,
    DictField,
    Field,
    FieldValidationError,
    ListField,
    RangeField,
)
from tests.config.sample_configs import SimpleConfig


class Ranged(Config):
    low = RangeField("Closed at 0", float, default=1.0, min=0.0)
    high = RangeField("Open below 10", int, default=1, max=10, inclusiveMax=False)
    both = RangeField("In (0, 1]", float, default=0.5, min=0.0, max=1.0, inclusiveMin=False,
                      inclusiveMax=True)


class Checked(Config):
    even = Field("An even int", int, default=2, check=lambda v: v % 2 == 0)
    mode = ChoiceField("Mode", str, allowed={"a": "mode a", "b": "mode b"}, default="a")
    strict = ChoiceField("Strict mode", int, allowed={1: "one", 2: "two"}, default=1, optional=False)
    pair = ListField("Exactly two", float, default=[1.0, 2.0], length=2)
    short = ListField("At most two", str, default=[], maxLength=2, minLength=0)
    positive = ListField("Positive items", int, default=[1], itemCheck=lambda v: v > 0)
    sorted_ = ListField("Sorted", int, default=[1, 2], listCheck=lambda v: v == sorted(v))
    weights = DictField("Weights", str, float, default={}, itemCheck=lambda v: v >= 0)
    nonempty = DictField("Non-empty", int, str, default={1: "a"}, dictCheck=lambda d: len(d) > 0)


def test_scalar_defaults_and_types():
    c = SimpleConfig()
    assert (c.b, c.i, c.f, c.s, c.c, c.opt) == (False, 1, 1.5, "hello", 1 + 2j, None)
    c.f = 2
    assert c.f == 2.0 and type(c.f) is float
    c.c = 3
    assert c.c == 3 + 0j and type(c.c) is complex


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("i", np.int64(4), 4), ("f", np.float32(0.5), 0.5), ("f", np.int32(3), 3.0),
    ("b", np.bool_(True), True), ("s", np.str_("x"), "x")])
def test_numpy_scalars_become_python(name, value, expected):
    c = SimpleConfig()
    setattr(c, name, value)
    assert getattr(c, name) == expected
    assert type(getattr(c, name)) is type(expected)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("i", True, "Value True is of incorrect type bool; expected int"),
    ("f", False, "Value False is of incorrect type bool; expected float"),
    ("f", "abc", "Value 'abc' is of incorrect type str; expected float"),
    ("i", 1.5, "Value 1.5 is of incorrect type float; expected int"),
    ("b", 1, "Value 1 is of incorrect type int; expected bool"),
    ("s", 5, "Value 5 is of incorrect type int; expected str"),
    ("i", np.float64(2.0), "Value 2.0 is of incorrect type float; expected int"),
])
def test_wrong_types_refused_at_assignment(name, value, message):
    c = SimpleConfig()
    with pytest.raises(FieldValidationError) as info:
        setattr(c, name, value)
    text = str(info.value)
    assert text.startswith(f"Field '{name}' failed validation: {message} (field defined at ")
    assert "sample_configs.py:" in text
    assert info.value.fieldName == name and info.value.fieldType == "Field"
    assert "\n" not in text


def test_error_names_nested_dotted_field():
    from tests.config.sample_configs import TopConfig

    c = TopConfig()
    with pytest.raises(FieldValidationError,
                       match=r"^RangeField 'detection.thresholdValue' failed validation: -1.0 is "
                             r"outside of valid range \[0.0, inf\) \(field defined at "
                             r"tests/config/sample_configs.py:\d+\)$"):
        c.detection.thresholdValue = -1.0
    assert isinstance(FieldValidationError("x"), ValueError)
    assert issubclass(FieldValidationError, ConfigError)


def test_required_value_checked_at_validate():
    c = SimpleConfig()
    c.i = None
    with pytest.raises(FieldValidationError, match="Field 'i' failed validation: Required value cannot be None"):
        c.validate()
    c.i = 3
    c.opt = None
    c.validate()


def test_unsupported_dtype_and_bad_doc():
    with pytest.raises(ValueError, match="Unsupported Field dtype <class 'list'>"):
        Field("doc", list)
    with pytest.raises(TypeError, match="doc must be a str"):
        Field(int, "doc")


def test_range_field():
    c = Ranged()
    c.low = 0.0
    c.high = -100
    c.both = 1.0
    for name, value, text in [("low", -0.1, "-0.1 is outside of valid range [0.0, inf)"),
                              ("high", 10, "10 is outside of valid range (-inf, 10)"),
                              ("both", 0.0, "0.0 is outside of valid range (0.0, 1.0]"),
                              ("both", math.nan, "nan is outside of valid range (0.0, 1.0]")]:
        with pytest.raises(FieldValidationError, match=re.escape(f"RangeField '{name}' failed validation: {text}")):
            setattr(c, name, value)
    with pytest.raises(ValueError, match="RangeField needs at least one of min and max"):
        RangeField("doc", float)
    with pytest.raises(ValueError, match="RangeField range is empty"):
        RangeField("doc", float, min=1.0, max=0.0)
    with pytest.raises(ValueError, match="Unsupported RangeField dtype"):
        RangeField("doc", str, min=0)


def test_check_and_choice():
    c = Checked()
    with pytest.raises(FieldValidationError, match="Field 'even' failed validation: Value 3 is not a valid value"):
        c.even = 3
    c.mode = None
    c.mode = "b"
    with pytest.raises(FieldValidationError,
                       match=r"ChoiceField 'mode' failed validation: Value 'c' is not allowed; "
                             r"allowed values: 'a', 'b', None"):
        c.mode = "c"
    with pytest.raises(FieldValidationError, match=r"allowed values: 1, 2 \("):
        c.strict = 3
    c.strict = None
    with pytest.raises(FieldValidationError, match="Required value cannot be None"):
        c.validate()
    with pytest.raises(ValueError, match="allowed values must be of type int"):
        ChoiceField("doc", int, allowed={"a": "x"})


def test_list_field_proxy():
    c = SimpleConfig()
    c.ls.append("CR")
    c.ls[0] = "EDGE"
    c.ls.insert(0, "NO_DATA")
    del c.ls[1]
    assert c.ls == ["NO_DATA", "SAT", "CR"]
    assert c.ls == ("NO_DATA", "SAT", "CR")
    c.lf = (1, 2.5)
    assert list(c.lf) == [1.0, 2.5] and type(c.lf[0]) is float
    c.li = np.array([1, 2])
    assert c.li == [1, 2] and type(c.li[0]) is int
    with pytest.raises(FieldValidationError,
                       match=r"ListField 'ls' failed validation: Value 'BAD,SAT' is of incorrect type "
                             r"str; expected a sequence of str \(a string is never split into items\)"):
        c.ls = "BAD,SAT"
    with pytest.raises(FieldValidationError,
                       match="Item at position 1 with value 2 is of incorrect type int; expected str"):
        c.ls = ["a", 2]
    with pytest.raises(FieldValidationError, match="Item at position 2 with value True is of incorrect type bool"):
        c.li.append(True)
    assert c.li == [1, 2]


def test_list_field_validation():
    c = Checked()
    c.pair = [1.0]
    with pytest.raises(FieldValidationError, match="ListField 'pair' failed validation: Required list length=2, got length=1"):
        c.validate()
    c.pair = [1.0, 2.0]
    c.short = ["a", "b", "c"]
    with pytest.raises(FieldValidationError, match="Maximum allowed list length=2, got length=3"):
        c.validate()
    c.short = []
    with pytest.raises(FieldValidationError, match="Item at position 0 with value -1 is not a valid value"):
        c.positive = [-1]
    c.sorted_ = [2, 1]
    with pytest.raises(FieldValidationError, match=r"ListField 'sorted_' failed validation: \[2, 1\] is not a valid value"):
        c.validate()


def test_dict_field():
    c = SimpleConfig()
    c.d["b"] = 2
    assert c.d == {"a": 1.0, "b": 2.0} and type(c.d["b"]) is float
    del c.d["a"]
    assert dict(c.d) == {"b": 2.0}
    c.dany = {"x": 1, "y": "s", "z": None}
    with pytest.raises(FieldValidationError, match="Key 1 is of incorrect type int; expected str"):
        c.d = {1: 1.0}
    with pytest.raises(FieldValidationError, match="Value True at key 'a' is of incorrect type bool; expected float"):
        c.d["a"] = True
    with pytest.raises(FieldValidationError, match=r"Value \[1\] is of incorrect type list; expected a mapping"):
        c.d = [1]
    with pytest.raises(FieldValidationError, match=r"Value \[1\] at key 'x' is of incorrect type list; expected a scalar"):
        c.dany = {"x": [1]}
    k = Checked()
    with pytest.raises(FieldValidationError, match="Item at key 'a' with value -1.0 is not a valid value"):
        k.weights["a"] = -1.0
    k.nonempty = {}
    with pytest.raises(FieldValidationError, match="DictField 'nonempty' failed validation: {} is not a valid value"):
        k.validate()
