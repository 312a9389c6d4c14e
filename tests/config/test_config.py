"""Config classes: construction, setDefaults, validate hooks, freeze, compare, dict API."""

from __future__ import annotations

import math
import warnings

import pytest

from lsstlite.config import (
    Config,
    ConfigField,
    Field,
    FieldValidationError,
    UnknownFieldError,
)
from tests.config.sample_configs import (
    DetectionConfig,
    FancyBackgroundConfig,
    ForgetfulConfig,
    SimpleConfig,
    TopConfig,
)


class Base(Config):
    a = Field("a", int, default=1)
    b = Field("b", int, default=2)


class Derived(Base):
    c = Field("c", int, default=3)
    a = Field("a, redefined", int, default=10)

    def setDefaults(self):
        super().setDefaults()
        self.b = 20


class Hooked(Config):
    low = Field("lower bound", float, default=0.0)
    high = Field("upper bound", float, default=1.0)
    inner = ConfigField("nested", DetectionConfig)

    def validate(self):
        super().validate()
        if self.low > self.high:
            raise FieldValidationError(type(self).low, self, f"low={self.low} is above high={self.high}")


class HookedChild(Hooked):
    calls = 0

    def validate(self):
        HookedChild.calls += 1
        super().validate()


def test_inheritance_and_set_defaults():
    d = Derived()
    assert list(d) == ["a", "b", "c"] and d.keys() == ["a", "b", "c"]
    assert (d.a, d.b, d.c) == (10, 20, 3)
    assert Base().b == 2
    assert [e.label for e in d.history["b"]] == ["default", "setDefaults"]
    assert FancyBackgroundConfig().binSize == 64


def test_keyword_construction_and_update():
    c = Base(a=5)
    assert c.a == 5 and c.history["a"][-1].label == "update"
    c.update(b=7)
    assert c.b == 7
    with pytest.raises(UnknownFieldError, match="no config field 'bb'; did you mean 'b'"):
        c.update(bb=1)
    with pytest.raises(TypeError, match="takes field values as keyword arguments only"):
        Base(1)


def test_unknown_attribute_messages():
    c = TopConfig()
    with pytest.raises(UnknownFieldError) as info:
        c.detection.thresholdValu = 3
    assert str(info.value) == ("no config field 'detection.thresholdValu'; did you mean "
                               "'detection.thresholdValue' or 'detection.thresholdType'?")
    assert isinstance(info.value, AttributeError) and isinstance(info.value, ValueError)
    with pytest.raises(UnknownFieldError, match=r"^no config field 'zzz' in tests.config.sample_configs.TopConfig$"):
        c.zzz
    with pytest.raises(UnknownFieldError, match="did you mean 'simple.ls'"):
        c.simple.lss
    assert not hasattr(c, "nothing")
    assert getattr(c, "nothing", 5) == 5


def test_dict_api_repr_and_delete():
    c = Base()
    assert c.items() == [("a", 1), ("b", 2)] and c.values() == [1, 2]
    assert "a" in c and "z" not in c
    assert c.toDict() == {"a": 1, "b": 2}
    assert repr(c) == "tests.config.test_config.Base(a=1, b=2)"
    assert str(c) == "{'a': 1, 'b': 2}"
    del c.a
    assert c.a is None
    top = TopConfig().toDict()
    assert top["detection"]["background"]["binSize"] == 128
    assert top["plugins"] == {"names": ["centroid", "flux"],
                              "values": {"centroid": {"binmax": 16}, "flux": {"radius": 3.0, "doApCorr": True}}}


def test_validate_runs_nested_checks_and_hooks():
    c = Hooked()
    c.validate()
    c.low = 2.0
    with pytest.raises(FieldValidationError, match="Field 'low' failed validation: low=2.0 is above high=1.0"):
        c.validate()
    c.low = 0.0
    c.inner.thresholdValue = None
    with pytest.raises(FieldValidationError, match="'inner.thresholdValue' failed validation: Required value"):
        c.validate()


def test_validate_cannot_be_skipped_by_a_forgetful_subclass():
    c = ForgetfulConfig()
    ForgetfulConfig.calls.clear()
    c.validate()
    assert ForgetfulConfig.calls == ["hook"]
    c.detection.thresholdValue = None
    with pytest.raises(FieldValidationError, match="'detection.thresholdValue' failed validation"):
        c.validate()


def test_validate_hook_chain_runs_each_hook_once():
    HookedChild.calls = 0
    c = HookedChild()
    c.low = 5.0
    with pytest.raises(FieldValidationError, match="low=5.0 is above high=1.0"):
        c.validate()
    assert HookedChild.calls == 1
    assert not c._validating


def test_user_cross_field_check_in_sample():
    c = TopConfig()
    c.doVariance = True
    c.gain = -1.0
    with pytest.raises(FieldValidationError, match="gain must be positive when doVariance is set"):
        c.validate()


def test_freeze_is_recursive():
    c = TopConfig()
    c.freeze()
    attempts = [
        lambda: setattr(c, "gain", 2.0),
        lambda: setattr(c.detection, "thresholdValue", 2.0),
        lambda: setattr(c.detection.background, "binSize", 2),
        lambda: c.ls.append("X"),
        lambda: c.d.update(a=1),
        lambda: c.plugins.names.add("aperture"),
        lambda: setattr(c.plugins["flux"], "radius", 1.0),
        lambda: setattr(c.plugins["aperture"], "radius", 1.0),
        lambda: setattr(c.single, "name", "centroid"),
        lambda: c.detection.background.retarget(object),
        lambda: c.items.__setitem__("a", None),
        lambda: setattr(c.simple, "i", 3),
    ]
    for attempt in attempts:
        with pytest.raises(FieldValidationError, match="failed validation: cannot modify a frozen Config"):
            attempt()
    assert c.gain == 1.0 and c.ls == ["BAD"]


def test_compare_and_equality():
    a, b = TopConfig(), TopConfig()
    assert a == b and a.compare(b) == []
    b.gain = math.nan
    a.gain = math.nan
    assert a == b
    b.detection.thresholdValue = 4.0
    b.ls.append("SAT")
    b.plugins.names.discard("flux")
    b.single["flux"].radius = 9.0
    b.simple.c = 1j
    diffs = a.compare(b)
    assert diffs == [
        ("ls", ["BAD"], ["BAD", "SAT"]),
        ("detection.thresholdValue", 5.0, 4.0),
        ("simple.c", 1 + 2j, 1j),
        ("plugins.names", ["centroid", "flux"], ["centroid"]),
        ("single['flux'].radius", 3.0, 9.0),
    ]
    assert a != b
    assert a.compare(SimpleConfig()) == [("", "tests.config.sample_configs.TopConfig",
                                          "tests.config.sample_configs.SimpleConfig")]
    assert (a == 3) is False


def test_deprecated_field_warns_and_is_not_saved_at_default():
    c = DetectionConfig()
    assert "Deprecated: use thresholdValue instead" in type(c).nSigma.doc
    assert "nSigma" not in c.saveToString()
    with pytest.warns(FutureWarning, match="Config field 'nSigma' is deprecated: use thresholdValue instead") as record:
        c.nSigma = 3.0
    assert record[0].filename == __file__
    assert "config.nSigma=3.0" in c.saveToString()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DetectionConfig()


def test_fields_added_to_class_later():
    class Late(Config):
        pass

    Late.x = Field("added later", int, default=4)
    assert Late().x == 4 and "x" in Late._fields
