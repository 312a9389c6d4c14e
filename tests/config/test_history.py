"""History: value, file:line of the user's code and label for every assignment."""

from __future__ import annotations

import inspect

from lsstlite.config import apply_override
from tests.config import sample_configs
from tests.config.sample_configs import FancyBackgroundTask, TopConfig


def _line_of(text: str) -> int:
    source, start = inspect.getsourcelines(sample_configs)
    return next(i for i, line in enumerate(source, start=start or 1) if text in line)


def test_history_records_value_location_and_label(tmp_path):
    config = TopConfig()
    config.gain = 2.0; here = inspect.currentframe().f_lineno  # noqa: E702
    override = tmp_path / "o.py"
    override.write_text("\nconfig.gain = 3.0\n")
    config.load(override)
    apply_override(config, "gain=4")
    entries = config.history["gain"]
    assert [e.value for e in entries] == [1.0, 2.0, 3.0, 4.0]
    assert [e.label for e in entries] == ["default", "assignment", str(override), "command line"]
    assert entries[0].location[0].endswith("sample_configs.py")
    assert entries[0].location[1] == _line_of('gain = Field("Gain (e-/DN)"')
    assert entries[1].location == (__file__, here)
    assert entries[2].location == (str(override), 2)
    assert entries[3].location[0] == __file__


def test_format_history_is_aligned():
    config = TopConfig()
    config.detection.thresholdValue = 12.5
    text = config.formatHistory("detection.thresholdValue")
    lines = text.splitlines()
    assert lines[0] == "detection.thresholdValue"
    assert lines[1].startswith("  5.0   tests/config/sample_configs.py:")
    assert lines[1].endswith("default")
    assert lines[2].startswith("  12.5  tests/config/test_history.py:")
    assert lines[2].endswith("assignment")
    assert lines[1].index("default") == lines[2].index("assignment")


def test_history_of_containers_selections_and_retargets():
    config = TopConfig()
    config.ls.append("SAT")
    config.d["k"] = 1
    config.plugins.names.add("aperture")
    config.single.name = "centroid"
    config.detection.background.retarget(FancyBackgroundTask)
    assert config.history["ls"][-1].value == ["BAD", "SAT"] and config.history["ls"][-1].label == "insert"
    assert config.history["d"][-1].value == {"k": 1} and config.history["d"][-1].label == "setitem"
    assert "selection ['aperture', 'centroid', 'flux']" in config.formatHistory("plugins.names")
    assert config.formatHistory("single.name").splitlines()[-1].split()[:2] == ["selection", "'centroid'"]
    text = config.formatHistory("detection.background")
    assert "retarget(target=tests.config.sample_configs.FancyBackgroundTask" in text
    config.plugins["flux"].radius = 1.0
    assert "plugins['flux'].radius" in config.formatHistory("plugins['flux'].radius")
    config.items["a"] = sample_configs.ItemConfig
    assert "Added item at key 'a'" in config.formatHistory("items")
    assert config.formatHistory("items['a'].weight").splitlines()[1].split()[0] == "1.0"


def test_history_survives_retarget_to_subclass():
    config = TopConfig()
    config.detection.background.algorithm = "NATURAL_SPLINE"
    config.detection.background.retarget(FancyBackgroundTask)
    labels = [e.label for e in config.detection.background.history["algorithm"]]
    assert labels[:2] == ["default", "assignment"]


def test_every_saved_name_has_a_history():
    from tests.config.test_persistence import modified_config

    config = modified_config()
    for name in config.names():
        text = config.formatHistory(name)
        assert text.splitlines()[0] == name and len(text.splitlines()) >= 2, name
