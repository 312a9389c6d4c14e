"""Config classes and configurables used by the config tests (importable, so saved files load)."""

from __future__ import annotations

from lsstlite.config import (
    ChoiceField,
    Config,
    ConfigChoiceField,
    ConfigDictField,
    ConfigField,
    ConfigurableField,
    DictField,
    Field,
    FieldValidationError,
    ListField,
    RangeField,
    makeRegistry,
    registerConfigurable,
)


class BackgroundConfig(Config):
    binSize = Field("Bin size in pixels", int, default=128)
    algorithm = ChoiceField("Interpolation", str, allowed={"AKIMA_SPLINE": "Akima", "NATURAL_SPLINE": "natural"},
                            default="AKIMA_SPLINE")


class BackgroundTask:
    ConfigClass = BackgroundConfig

    def __init__(self, config=None, name=None):
        self.config = config
        self.name = name


class FancyBackgroundConfig(BackgroundConfig):
    order = Field("Polynomial order", int, default=2)

    def setDefaults(self):
        super().setDefaults()
        self.binSize = 64


class FancyBackgroundTask(BackgroundTask):
    ConfigClass = FancyBackgroundConfig


class OtherBackgroundConfig(Config):
    smoothing = Field("Smoothing scale", float, default=1.0)


class OtherBackgroundTask:
    ConfigClass = OtherBackgroundConfig

    def __init__(self, config=None):
        self.config = config


class DetectionConfig(Config):
    thresholdValue = RangeField("Threshold for footprints", float, default=5.0, min=0.0)
    minPixels = RangeField("Minimum footprint size", int, default=1, min=0)
    thresholdType = ChoiceField("Threshold units", str, default="stdev",
                                allowed={"stdev": "standard deviations", "value": "counts"})
    background = ConfigurableField("Background subtraction", target=BackgroundTask)
    nSigma = Field("Old name of thresholdValue", float, default=5.0,
                   deprecated="use thresholdValue instead", optional=True)


class DetectionTask:
    ConfigClass = DetectionConfig

    def __init__(self, config=None, name=None):
        self.config = config
        self.name = name


pluginRegistry = makeRegistry("Measurement plugins")


class CentroidConfig(Config):
    binmax = Field("Maximum binning", int, default=16)


class FluxConfig(Config):
    radius = RangeField("Aperture radius", float, default=3.0, min=0.0, inclusiveMin=False)
    doApCorr = Field("Apply aperture correction", bool, default=True)


@registerConfigurable("centroid", pluginRegistry)
class CentroidPlugin:
    ConfigClass = CentroidConfig

    def __init__(self, config, name=None):
        self.config = config
        self.name = name


@registerConfigurable("flux", pluginRegistry)
class FluxPlugin:
    ConfigClass = FluxConfig

    def __init__(self, config, name=None):
        self.config = config
        self.name = name


@pluginRegistry.register("aperture")
class ApertureFluxPlugin(FluxPlugin):
    ConfigClass = FluxConfig


class PcaConfig(Config):
    nEigen = Field("Number of eigen components", int, default=4)


class ObjectSizeConfig(Config):
    widthMin = Field("Minimum width", float, default=0.0)


class ItemConfig(Config):
    weight = Field("Weight", float, default=1.0)
    label = Field("Label", str, default="x")


class SimpleConfig(Config):
    """Every scalar field kind."""

    b = Field("A bool", bool, default=False)
    i = Field("An int", int, default=1)
    f = Field("A float", float, default=1.5)
    s = Field("A string", str, default="hello", optional=True)
    c = Field("A complex", complex, default=1 + 2j)
    opt = Field("An optional float", float, default=None, optional=True)
    ls = ListField("Mask planes", str, default=["BAD", "SAT"])
    li = ListField("Some ints", int, default=[1, 2, 3])
    lf = ListField("Some floats", float, default=[], optional=True)
    d = DictField("A dict", str, float, default={"a": 1.0})
    dany = DictField("Any values", str, None, default={})


class TopConfig(Config):
    doVariance = Field("Compute the variance plane", bool, default=False)
    gain = Field("Gain (e-/DN)", float, default=1.0)
    n = Field("A count", int, default=3)
    s = Field("A name", str, default="x", optional=True)
    ls = ListField("Mask planes", str, default=["BAD"])
    li = ListField("Integers", int, default=[])
    d = DictField("Mapping", str, int, default={})
    detection = ConfigurableField("Detect sources", target=DetectionTask)
    simple = ConfigField("Nested simple config", SimpleConfig)
    plugins = pluginRegistry.makeField("Plugins to run", multi=True, default=["centroid", "flux"])
    single = pluginRegistry.makeField("One plugin", default="flux")
    psf = ConfigChoiceField("PSF determiner", typemap={"pca": PcaConfig, "size": ObjectSizeConfig},
                            default="pca")
    items = ConfigDictField("Named items", str, ItemConfig, default={})

    def validate(self):
        super().validate()
        if self.doVariance and self.gain <= 0:
            raise FieldValidationError(type(self).gain, self, "gain must be positive when doVariance is set")


class TopTask:
    ConfigClass = TopConfig


class ForgetfulConfig(Config):
    """Overrides validate without calling super(): nested checks must still run."""

    detection = ConfigField("Detection", DetectionConfig)
    calls = []

    def validate(self):
        ForgetfulConfig.calls.append("hook")
