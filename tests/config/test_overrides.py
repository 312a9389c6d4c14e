"""``NAME=VALUE`` overrides: the lsst-framework.md §1.7 table and every syntax and error."""

from __future__ import annotations

import math

import pytest

from lsstlite.config import ConfigError, FieldValidationError, UnknownFieldError, apply_override
from tests.config.sample_configs import FancyBackgroundTask, SimpleConfig, TopConfig

# Every row of the ``-c`` table in lsst-framework.md §1.7, with the typed value lsstlite gives
# (LSST's outcome in the comment).
TABLE = [
    ("doVariance=True", "doVariance", True),            # LSST: True via eval
    ("gain=2", "gain", 2.0),                            # LSST: 2.0
    ("gain=nan", "gain", math.nan),                     # LSST: "cannot parse"
    ("n=07", "n", 7),                                   # LSST: "cannot parse"
    ("n=1e3", "n", 1000),                               # LSST: "incorrect type float"
    ("s=5", "s", "5"),                                  # LSST: '5' (right for a str field)
    ("s=None", "s", None),                              # LSST: the string 'None'
    ("ls=BAD,SAT", "ls", ["BAD", "SAT"]),               # LSST: ['B', 'A', 'D', ',', ...]
    ("ls=['BAD','SAT']", "ls", ["BAD", "SAT"]),         # LSST: list of characters
    ("li=2,4,-87", "li", [2, 4, -87]),                  # LSST: [2, 4, -87]
    ("d={'a':1}", "d", {"a": 1}),                       # LSST: {'a': 1}
    ("plugins.names=['centroid','flux']", "plugins.names", ["centroid", "flux"]),
    ("plugins.names=centroid", "plugins.names", ["centroid"]),  # LSST: "cannot parse"
    ("single.name=centroid", "single.name", "centroid"),
    ("single.active.radius=3", "single.active.radius", 3.0),
    ("plugins['flux'].radius=2", "plugins['flux'].radius", 2.0),  # LSST: "no config field"
]


def _get(config, dotted):
    from lsstlite.config.paths import parse_path, walk

    return walk(config, parse_path(dotted))


@pytest.mark.parametrize(("override", "name", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_lsst_table_rows_give_typed_values(override, name, expected):
    config = TopConfig()
    apply_override(config, override)
    value = _get(config, name)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(value, float) and math.isnan(value)
    elif name.endswith(".names"):
        assert list(value) == expected
    else:
        assert value == expected
        assert type(value) is type(expected) or isinstance(expected, (list, dict))
        if isinstance(expected, list):
            assert [type(v) for v in value] == [type(v) for v in expected]
    config.validate()


@pytest.mark.parametrize(("text", "expected"), [
    ("True", True), ("False", False), ("true", True), ("false", False), ("yes", True),
    ("no", False), ("1", True), ("0", False), ("YES", True)])
def test_bools(text, expected):
    config = SimpleConfig()
    apply_override(config, f"b={text}")
    assert config.b is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("inf", math.inf), ("-inf", -math.inf), ("1e3", 1000.0), ("-2.5", -2.5), (" 3 ", 3.0)])
def test_floats(text, expected):
    config = SimpleConfig()
    apply_override(config, f"f={text}")
    assert config.f == expected and type(config.f) is float


def test_strings_lists_dicts():
    config = SimpleConfig()
    apply_override(config, "s=a b=c")
    assert config.s == "a b=c"
    apply_override(config, "s='None'")
    assert config.s == "None"
    apply_override(config, "ls=[BAD, SAT]")
    assert config.ls == ["BAD", "SAT"]
    apply_override(config, "ls=BAD")
    assert config.ls == ["BAD"]
    apply_override(config, "ls=['a,b', 'c']")
    assert config.ls == ["a,b", "c"]
    apply_override(config, "ls=[]")
    assert config.ls == []
    apply_override(config, "lf=1,2.5,nan")
    assert config.lf[:2] == [1.0, 2.5] and math.isnan(config.lf[2])
    apply_override(config, "lf=None")
    assert config.lf is None
    apply_override(config, "d=a=1,b=2.5")
    assert config.d == {"a": 1.0, "b": 2.5}
    apply_override(config, "d={'x': 3}")
    assert config.d == {"x": 3.0}
    apply_override(config, "d['y']=4")
    assert config.d == {"x": 3.0, "y": 4.0}
    apply_override(config, "dany=a=1,b=x,c=2.5")
    assert config.dany == {"a": 1, "b": "x", "c": 2.5}
    apply_override(config, "li[0]=7")
    assert config.li == [7, 2, 3]
    apply_override(config, "opt=None")
    assert config.opt is None
    apply_override(config, "c=1+2j")
    assert config.c == 1 + 2j


def test_registry_and_retarget_overrides():
    config = TopConfig()
    apply_override(config, "plugins.names=aperture,centroid")
    assert list(config.plugins.names) == ["aperture", "centroid"]
    apply_override(config, "plugins=flux")
    assert list(config.plugins.names) == ["flux"]
    apply_override(config, "psf=size")
    assert config.psf.name == "size"
    apply_override(config, "single.name=None")
    assert config.single.name is None
    apply_override(config, "detection.background.retarget=tests.config.sample_configs.FancyBackgroundTask")
    assert config.detection.background.target is FancyBackgroundTask
    apply_override(config, "detection.background.order=5")
    assert config.detection.background.order == 5
    assert config.history["plugins"][-1].label == "command line"


@pytest.mark.parametrize(("override", "error", "message"), [
    ("gain", ConfigError, "override 'gain' must be in the form name=value"),
    ("=3", ConfigError, "override '=3' must be in the form name=value"),
    ("gian=3", UnknownFieldError, "no config field 'gian'; did you mean 'gain'?"),
    ("detection.thresholdValu=3", UnknownFieldError,
     "no config field 'detection.thresholdValu'; did you mean 'detection.thresholdValue'"),
    ("gain=abc", ConfigError,
     "cannot parse 'abc' as a value for 'gain': expected a float (e.g. 2, 1.5, 1e3, nan, inf, -inf)"),
    ("n=1.5", ConfigError, "cannot parse '1.5' as a value for 'n': expected an int (e.g. 3, -87, 1e3)"),
    ("doVariance=maybe", ConfigError,
     "cannot parse 'maybe' as a value for 'doVariance': expected a bool (True/False, true/false, yes/no, 1/0)"),
    ("li=1,x", ConfigError, "cannot parse '1,x' as a value for 'li': expected an int"),
    ("d=a", ConfigError, "cannot parse 'a' as a value for 'd': item 'a' is not of the form key=value"),
    ("d={'a'", ConfigError, "cannot parse \"{'a'\" as a value for 'd': expected a mapping"),
    ("detection.thresholdValue=-1", FieldValidationError,
     "RangeField 'detection.thresholdValue' failed validation: -1.0 is outside of valid range [0.0, inf)"),
    ("plugins.names=centroid,nosuch", FieldValidationError,
     "RegistryField 'plugins' failed validation: Unknown key 'nosuch'; known keys: centroid, flux, aperture"),
    ("plugins['nosuch'].radius=1", FieldValidationError, "Unknown key 'nosuch'"),
    ("single.names=flux", FieldValidationError, "'names' is not available on a single-selection field; use 'name'"),
    ("detection=3", ConfigError, "cannot parse '3' as a value for 'detection': it configures a subtask"),
    ("simple=3", ConfigError, "cannot parse '3' as a value for 'simple': it is a nested config"),
    ("detection.background.retarget=nosuchmodule.Task", ConfigError, "cannot import 'nosuchmodule.Task'"),
    ("gain[0=1", ConfigError, "must be in the form name=value"),
    ("gain..x=1", ConfigError, "invalid config name 'gain..x'"),
])
def test_override_errors(override, error, message):
    config = TopConfig()
    with pytest.raises(error) as info:
        apply_override(config, override)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
