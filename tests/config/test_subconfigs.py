"""ConfigField, ConfigurableField, Registry/RegistryField, ConfigChoiceField, ConfigDictField."""

from __future__ import annotations

import warnings

import pytest

from lsstlite.config import (
    Config,
    ConfigChoiceField,
    ConfigDictField,
    ConfigError,
    ConfigField,
    ConfigurableField,
    Field,
    FieldValidationError,
    Registry,
    RegistryField,
    UnknownFieldError,
    makeRegistry,
    registerConfigurable,
)
from lsstlite.config.registry import registerConfig
from tests.config.sample_configs import (
    BackgroundConfig,
    BackgroundTask,
    CentroidPlugin,
    DetectionConfig,
    FancyBackgroundConfig,
    FancyBackgroundTask,
    FluxConfig,
    FluxPlugin,
    ItemConfig,
    OtherBackgroundTask,
    PcaConfig,
    SimpleConfig,
    TopConfig,
    pluginRegistry,
)


class Holder(Config):
    simple = ConfigField("nested", SimpleConfig, default=SimpleConfig(i=7))
    checked = ConfigField("checked", DetectionConfig, check=lambda c: c.minPixels > 0)


def test_config_field_copies_values_and_keeps_object():
    h = Holder()
    assert h.simple.i == 7 and h.simple._name == "simple"
    sub = h.simple
    h.simple = SimpleConfig(f=9.0)
    assert h.simple is sub and h.simple.f == 9.0
    h.simple = SimpleConfig
    assert h.simple.f == 1.5
    with pytest.raises(FieldValidationError, match="ConfigField 'simple' failed validation: Value 3 is of incorrect type int; expected SimpleConfig"):
        h.simple = 3
    h.checked.minPixels = 0
    with pytest.raises(FieldValidationError, match="ConfigField 'checked' failed validation: .* is not a valid value"):
        h.validate()
    with pytest.raises(ValueError, match="ConfigField dtype must be a Config subclass"):
        ConfigField("x", int)


def test_configurable_field_basics():
    c = TopConfig()
    bg = c.detection.background
    assert bg.target is BackgroundTask and bg.ConfigClass is BackgroundConfig
    assert isinstance(bg.value, BackgroundConfig) and bg.binSize == bg.value.binSize == 128
    bg.binSize = 32
    assert bg.value.binSize == 32
    task = bg.apply(name="bg")
    assert isinstance(task, BackgroundTask) and task.config is bg.value and task.name == "bg"
    c.detection.background = BackgroundConfig(binSize=16)
    assert c.detection.background.binSize == 16
    with pytest.raises(FieldValidationError, match=r"Value 3 is of incorrect type int; expected BackgroundConfig \(use .retarget\(\) to change the target\)"):
        c.detection.background = 3
    with pytest.raises(ConfigError, match="has no ConfigClass; pass ConfigClass="):
        ConfigurableField("x", target=dict)
    with pytest.raises(UnknownFieldError, match="did you mean 'detection.background.binSize'"):
        c.detection.background.binSiz = 3


def test_retarget_to_subclass_keeps_overrides():
    c = TopConfig()
    c.detection.background.algorithm = "NATURAL_SPLINE"
    c.detection.background.retarget(FancyBackgroundTask)
    bg = c.detection.background
    assert bg.target is FancyBackgroundTask and type(bg.value) is FancyBackgroundConfig
    assert bg.algorithm == "NATURAL_SPLINE"   # kept override
    assert bg.binSize == 64                    # subclass setDefaults, not overwritten by old default
    assert bg.value._name == "detection.background"


def test_retarget_to_unrelated_config_warns_when_overrides_are_lost():
    c = TopConfig()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c.detection.background.retarget(OtherBackgroundTask)
    c = TopConfig()
    c.detection.background.binSize = 5
    with pytest.warns(UserWarning, match=r"retargeting 'detection.background' to tests.config.sample_configs.OtherBackgroundTask: "
                                         r"OtherBackgroundConfig is not a subclass of BackgroundConfig, so earlier overrides are discarded: binSize"):
        c.detection.background.retarget(OtherBackgroundTask)
    assert c.detection.background.smoothing == 1.0


def test_retarget_errors_are_real_errors():
    c = TopConfig()
    with pytest.raises(FieldValidationError, match="ConfigurableField 'detection.background' failed validation: target .*dict.* has no ConfigClass"):
        c.detection.background.retarget(dict)
    with pytest.raises(FieldValidationError, match="ConfigClass .* is not a Config subclass"):
        c.detection.background.retarget(BackgroundTask, ConfigClass=int)


def test_compare_reports_retarget_with_same_config_class():
    class SameConfigTask(BackgroundTask):
        pass

    a, b = TopConfig(), TopConfig()
    b.detection.background.retarget(SameConfigTask)
    assert a.compare(b) == [("detection.background", "tests.config.sample_configs.BackgroundTask",
                             "tests.config.test_subconfigs.test_compare_reports_retarget_with_same_config_class.<locals>.SameConfigTask")]


def test_registry():
    registry = makeRegistry("things", configBaseType=Config)
    assert registry.__doc__ == "things"

    @registerConfigurable("a", registry)
    class A:
        ConfigClass = PcaConfig

        def __init__(self, config):
            self.config = config

    registry.register("b", A, ConfigClass=FluxConfig)

    @registerConfig("c", registry, A)
    class CConfig(Config):
        pass

    assert list(registry) == ["a", "b", "c"] and registry["a"] is A and len(registry) == 3
    assert registry.getConfigClass("b") is FluxConfig and registry.getConfigClass("c") is CConfig

    class Other:
        ConfigClass = PcaConfig

    with pytest.raises(RuntimeError, match="An item with name 'a' already exists"):
        registry.register("a", Other)
    registry.register("a", A)  # the same object again is fine
    strict = Registry(configBaseType=FluxConfig)
    with pytest.raises(TypeError, match="cannot register 'x': ConfigClass .*PcaConfig.* is not a subclass of FluxConfig"):
        strict.register("x", A)
    with pytest.raises(TypeError, match="is not a subclass of Config"):
        registry.register("d", object)


def test_registry_field_single_and_multi():
    c = TopConfig()
    assert list(c.plugins.names) == ["centroid", "flux"]
    assert [type(a) for a in c.plugins.active] == [type(c.plugins["centroid"]), FluxConfig]
    assert c.plugins.targets == [CentroidPlugin, FluxPlugin]
    plugins = c.plugins.apply(name="p")
    assert [type(p) for p in plugins] == [CentroidPlugin, FluxPlugin] and plugins[1].config is c.plugins["flux"]
    assert set(c.plugins) == {"centroid", "flux", "aperture"} and "flux" in c.plugins
    assert c.single.name == "flux" and c.single.target is FluxPlugin and c.single.active is c.single["flux"]
    assert isinstance(c.single.apply(), FluxPlugin)
    assert c.plugins.registry is pluginRegistry
    c.single = "centroid"
    assert c.single.name == "centroid"
    c.plugins = ["aperture"]
    assert list(c.plugins.names) == ["aperture"]
    c.plugins.names.clear()
    with pytest.raises(FieldValidationError, match=r"RegistryField 'plugins' failed validation: No selection has been made. Options: centroid, flux, aperture"):
        c.validate()
    with pytest.raises(FieldValidationError, match="No selection has been made"):
        c.plugins.apply()
    with pytest.raises(FieldValidationError, match="'name' is not available on a multi-selection field; use 'names'"):
        c.plugins.name
    with pytest.raises(FieldValidationError, match="'targets' is not available on a single-selection field"):
        c.single.targets
    with pytest.raises(FieldValidationError, match="Unknown key 'flx'; known keys: centroid, flux, aperture; did you mean 'flux'"):
        c.single.name = "flx"
    with pytest.raises(FieldValidationError, match=r"Value 'flux' is not a collection of names; use e.g. \['a', 'b'\]"):
        c.plugins.names = "flux"
    with pytest.raises(FieldValidationError, match="Value .* for key 'flux' is of incorrect type PcaConfig; expected FluxConfig"):
        c.plugins["flux"] = PcaConfig()
    c.plugins["flux"] = FluxConfig(radius=8.0)
    assert c.plugins["flux"].radius == 8.0


def test_registry_field_validates_only_active_choices():
    c = TopConfig()
    c.plugins["aperture"].radius = None
    c.validate()
    c.plugins.names.add("aperture")
    with pytest.raises(FieldValidationError, match=r"RangeField 'plugins\['aperture'\].radius' failed validation: Required value"):
        c.validate()


def test_config_choice_field():
    class Choice(Config):
        psf = ConfigChoiceField("psf", typemap={"pca": PcaConfig, "flux": FluxConfig}, optional=True)
        many = ConfigChoiceField("many", typemap={"pca": PcaConfig, "flux": FluxConfig}, multi=True,
                                 default=["pca"])

    c = Choice()
    assert c.psf.name is None and c.psf.active is None
    c.validate()
    c.psf["flux"].radius = 2.0
    c.psf = "flux"
    assert c.psf.active.radius == 2.0 and c.psf.types["pca"] is PcaConfig
    assert c.many.active[0] is c.many["pca"]
    assert isinstance(Choice.psf, ConfigChoiceField) and not isinstance(Choice.psf, RegistryField)


def test_config_dict_field():
    class Dicts(Config):
        items = ConfigDictField("items", str, ItemConfig, default={"a": ItemConfig(weight=2.0)})
        checked = ConfigDictField("checked", int, ItemConfig, dictCheck=lambda d: len(d) < 2,
                                  itemCheck=lambda c: c.weight > 0, optional=True)

    c = Dicts()
    assert c.items["a"].weight == 2.0 and c.items["a"]._name == "items['a']"
    original = ItemConfig(weight=3.0)
    c.items["b"] = original
    assert c.items["b"] is not original and c.items["b"].weight == 3.0
    c.items["b"].weight = 4.0
    assert original.weight == 3.0
    del c.items["a"]
    assert list(c.items) == ["b"]
    with pytest.raises(FieldValidationError, match="Value 3 at key 'x' is of incorrect type int; expected ItemConfig"):
        c.items["x"] = 3
    with pytest.raises(FieldValidationError, match="Key 'x' is of incorrect type str; expected int"):
        c.checked["x"] = ItemConfig()
    with pytest.raises(FieldValidationError, match="Item at key 1 is not a valid value"):
        c.checked[1] = ItemConfig(weight=-1.0)
    c.checked = {1: ItemConfig(), 2: ItemConfig()}
    with pytest.raises(FieldValidationError, match="ConfigDictField 'checked' failed validation: .* is not a valid value"):
        c.validate()
    c.checked = None
    c.items["b"].weight = None
    with pytest.raises(FieldValidationError, match=r"Field 'items\['b'\].weight' failed validation: Required value"):
        c.validate()
    with pytest.raises(ValueError, match="itemtype must be a Config subclass"):
        ConfigDictField("x", str, int)


def test_scalar_field_on_registry_config_and_path_names():
    c = TopConfig()
    c.plugins["flux"].radius = 3.5
    assert c.plugins["flux"]._name == "plugins['flux']"
    with pytest.raises(FieldValidationError, match=r"^RangeField 'plugins\['flux'\].radius' failed validation: -1.0 is outside"):
        c.plugins["flux"].radius = -1.0
    assert isinstance(TopConfig.gain, Field)
