"""Property: save -> load reproduces any config exactly (equal, and byte-identical when re-saved)."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.config.sample_configs import (
    FancyBackgroundTask,
    ItemConfig,
    OtherBackgroundTask,
    TopConfig,
)

floats = st.floats(allow_nan=True, allow_infinity=True)
texts = st.text(max_size=12)
ints = st.integers(min_value=-(2**70), max_value=2**70)
plugin_names = st.sets(st.sampled_from(["centroid", "flux", "aperture"]))


@st.composite
def top_configs(draw) -> TopConfig:
    config = TopConfig()
    config.doVariance = draw(st.booleans())
    config.gain = draw(floats)
    config.n = draw(ints)
    config.s = draw(st.none() | texts)
    config.ls = draw(st.lists(texts, max_size=4))
    config.li = draw(st.lists(ints, max_size=4))
    config.d = draw(st.dictionaries(texts, ints, max_size=3))
    simple = config.simple
    simple.b = draw(st.booleans())
    simple.f = draw(floats)
    simple.c = draw(st.complex_numbers(allow_nan=True, allow_infinity=True))
    simple.opt = draw(st.none() | floats)
    simple.lf = draw(st.none() | st.lists(floats, max_size=3))
    simple.d = draw(st.dictionaries(texts, floats, max_size=3))
    simple.dany = draw(st.dictionaries(texts, st.none() | st.booleans() | ints | floats | texts, max_size=3))
    detection = config.detection
    detection.thresholdValue = draw(st.floats(min_value=0.0))
    detection.minPixels = draw(st.integers(min_value=0))
    detection.thresholdType = draw(st.sampled_from(["stdev", "value", None]))
    target = draw(st.sampled_from([None, FancyBackgroundTask, OtherBackgroundTask]))
    if target is not None:
        detection.background.retarget(target)
    if target is not OtherBackgroundTask:
        detection.background.binSize = draw(ints)
    config.plugins.names = draw(plugin_names)
    for name in draw(plugin_names):
        if name == "centroid":
            config.plugins[name].binmax = draw(ints)
        else:
            config.plugins[name].radius = draw(st.floats(min_value=0.0, exclude_min=True))
    config.single.name = draw(st.sampled_from(["centroid", "flux", "aperture", None]))
    config.psf.name = draw(st.sampled_from(["pca", "size"]))
    config.psf["pca"].nEigen = draw(ints)
    for key in draw(st.lists(texts, max_size=3)):
        config.items[key] = ItemConfig(weight=draw(floats), label=draw(texts))
    return config


@settings(max_examples=150, deadline=None)
@given(top_configs())
def test_save_load_round_trip_is_exact(config):
    text = config.saveToString()
    loaded = TopConfig()
    loaded.loadFromString(text)
    assert loaded.compare(config) == []
    assert loaded == config
    assert loaded.saveToString() == text
    assert pickle.loads(pickle.dumps(config)).saveToString() == text
    assert config.copy().saveToString() == text
