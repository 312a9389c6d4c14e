"""save / load / pickle / copy, the saved format, YAML override files, legacy ``root.`` files."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lsstlite.config import ConfigError, UnknownFieldError, iter_saved_chunks
from tests.config.sample_configs import (
    FancyBackgroundTask,
    ItemConfig,
    OtherBackgroundTask,
    SimpleConfig,
    TopConfig,
)

REPO = Path(__file__).resolve().parents[2]


def modified_config() -> TopConfig:
    config = TopConfig()
    config.gain = math.inf
    config.simple.f = math.nan
    config.simple.opt = -math.inf
    config.simple.s = "it's \"quoted\"\nnewline"
    config.ls = ["BAD", "SAT", "CR"]
    config.d = {"z": 1, "a": 2}
    config.detection.thresholdValue = 3.5
    config.detection.background.retarget(FancyBackgroundTask)
    config.detection.background.order = 4
    config.plugins.names = ["flux", "aperture"]
    config.plugins["aperture"].radius = 7.0
    config.plugins["centroid"].binmax = 2
    config.single["centroid"].binmax = 5
    config.psf = "size"
    config.psf["pca"].nEigen = 9
    config.items["b"] = ItemConfig(weight=2.0)
    config.items["a"] = ItemConfig
    return config


def test_save_load_round_trip(tmp_path):
    config = modified_config()
    path = tmp_path / "sub" / "config.py"
    config.save(path)
    loaded = TopConfig()
    loaded.load(path)
    assert loaded == config
    assert loaded.compare(config) == []
    assert loaded.saveToString() == config.saveToString()
    assert math.isnan(loaded.simple.f) and loaded.gain == math.inf
    assert loaded.detection.background.target is FancyBackgroundTask
    assert not [p for p in path.parent.iterdir() if p.name != "config.py"]


def test_saved_format():
    text = modified_config().saveToString()
    lines = text.splitlines()
    assert lines[0] == "import tests.config.sample_configs"
    assert lines[1].startswith("assert type(config) is tests.config.sample_configs.TopConfig, ")
    assert "config.gain=float('inf')" in lines
    assert "config.simple.f=float('nan')" in lines
    assert "config.simple.opt=float('-inf')" in lines
    assert "config.d={'a': 2, 'z': 1}" in lines
    assert "config.plugins.names=['aperture', 'flux']" in lines
    assert ("config.detection.background.retarget(target=tests.config.sample_configs.FancyBackgroundTask, "
            "ConfigClass=tests.config.sample_configs.FancyBackgroundConfig)") in lines
    assert "config.items['a']=tests.config.sample_configs.ItemConfig()" in lines
    assert "# Threshold for footprints\n# Valid range: [0.0, inf)\nconfig.detection.thresholdValue=3.5" in text
    # deterministic: equal configs give the same bytes whatever the order of operations
    other = modified_config()
    other.items = {}
    other.items["a"] = ItemConfig()
    other.items["b"] = ItemConfig(weight=2.0)
    other.plugins.names = ["aperture", "flux"]
    assert other.saveToString() == text


def test_chunks_and_names():
    config = modified_config()
    chunks = list(iter_saved_chunks(config))
    text = config.saveToString()
    assert text.split("\n\n", 1)[1] == "\n\n".join(chunk for _, chunk in chunks) + "\n"
    for name, chunk in chunks:
        last = chunk.splitlines()[-1]
        assert last.startswith(f"config.{name}=") or last.startswith(f"config.{name}.retarget(")
        assert all(line.startswith("#") for line in chunk.splitlines()[:-1])
    names = config.names()
    assert names[:3] == ["doVariance", "gain", "n"]
    assert "detection.background" in names and "detection.background.order" in names
    assert "plugins['aperture'].radius" in names and "plugins.names" in names
    assert "items['b'].weight" in names
    assert not [n for n in names if "(" in n]


def test_loads_in_fresh_interpreter(tmp_path):
    config = modified_config()
    path = tmp_path / "config.py"
    config.save(path)
    script = textwrap.dedent(f"""
        import math
        from tests.config.sample_configs import TopConfig
        config = TopConfig()
        config.load({str(path)!r})
        config.validate()
        print(config.saveToString() == open({str(path)!r}).read(), config.detection.thresholdValue)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, env=env, check=True)
    assert result.stdout.split() == ["True", "3.5"]


def test_pickle_and_copy():
    config = modified_config()
    clone = pickle.loads(pickle.dumps(config))
    assert clone == config and type(clone) is TopConfig
    config.freeze()
    frozen = pickle.loads(pickle.dumps(config))
    assert frozen._frozen
    copied = config.copy()
    assert copied == config and not copied._frozen
    copied.detection.thresholdValue = 1.0
    copied.ls.append("X")
    assert config.detection.thresholdValue == 3.5 and config.ls == ["BAD", "SAT", "CR"]
    assert copied.history["ls"][-1].value == ["BAD", "SAT", "CR", "X"]
    assert len(copied.detection.history["thresholdValue"]) == 3


def test_load_sets_file_and_records_label_and_imports(tmp_path):
    path = tmp_path / "override.py"
    path.write_text("import os.path\nconfig.s = os.path.basename(__file__)\n")
    config = TopConfig()
    config.load(path)
    assert config.s == "override.py"
    entry = config.history["s"][-1]
    assert entry.label == str(path) and entry.location == (str(path), 2)
    assert "import os.path" in config.saveToString().splitlines()


def test_legacy_root_files(tmp_path):
    path = tmp_path / "legacy.py"
    path.write_text("root.gain = 4.0\nroot.detection.thresholdValue = 2.0\n")
    config = TopConfig()
    with pytest.warns(FutureWarning, match="uses 'root' instead of 'config'"):
        config.load(path)
    assert (config.gain, config.detection.thresholdValue) == (4.0, 2.0)


def test_load_wrong_type_fails(tmp_path):
    path = tmp_path / "simple.py"
    SimpleConfig().save(path)
    with pytest.raises(AssertionError, match="config is of type tests.config.sample_configs.TopConfig "
                                             "instead of tests.config.sample_configs.SimpleConfig"):
        TopConfig().load(path)


def test_yaml_override_file(tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(textwrap.dedent("""
        gain: nan
        n: 4
        doVariance: yes
        ls: [BAD, CR]
        li: "1,2"
        d: "a=1"
        detection:
          thresholdValue: 2.5
          background:
            retarget: tests.config.sample_configs.FancyBackgroundTask
            order: 3
        plugins:
          names: [centroid]
          values:
            flux: {radius: 4.0}
        single: centroid
        psf:
          name: size
          values:
            size: {widthMin: 0.5}
        items:
          a: {weight: 3.0}
    """))
    config = TopConfig()
    config.load(path)
    assert math.isnan(config.gain) and config.n == 4 and config.doVariance is True
    assert config.ls == ["BAD", "CR"] and config.li == [1, 2] and config.d == {"a": 1}
    assert config.detection.thresholdValue == 2.5
    assert config.detection.background.target is FancyBackgroundTask
    assert config.detection.background.order == 3
    assert list(config.plugins.names) == ["centroid"] and config.plugins["flux"].radius == 4.0
    assert config.single.name == "centroid"
    assert config.psf.name == "size" and config.psf.active.widthMin == 0.5
    assert config.items["a"].weight == 3.0
    assert config.history["n"][-1].label == str(path)


def test_yaml_retarget_mapping_and_errors(tmp_path):
    path = tmp_path / "over.yml"
    path.write_text("detection:\n  background:\n    retarget:\n"
                    "      target: tests.config.sample_configs.OtherBackgroundTask\n"
                    "    smoothing: 2.0\n")
    config = TopConfig()
    config.load(path)
    assert config.detection.background.target is OtherBackgroundTask
    assert config.detection.background.smoothing == 2.0
    path.write_text("detection:\n  thresholdValu: 1\n")
    with pytest.raises(UnknownFieldError, match="no config field 'detection.thresholdValu'; did you mean"):
        TopConfig().load(path)
    path.write_text("ls: BAD,SAT\n")
    config = TopConfig()
    config.load(path)
    assert config.ls == ["BAD", "SAT"]
    path.write_text("- 1\n")
    with pytest.raises(ConfigError, match="must hold a mapping of field names, not list"):
        TopConfig().load(path)
    path.write_text("detection: 3\n")
    with pytest.raises(ConfigError, match="'detection' is a nested config: expected a mapping"):
        TopConfig().load(path)
    path.write_text("gain: [1\n")
    with pytest.raises(ConfigError, match="cannot read YAML config file"):
        TopConfig().load(path)


def test_classes_defined_in_functions_cannot_be_saved():
    from lsstlite.config import Config, Field

    class Local(Config):
        x = Field("x", int, default=1)

    with pytest.raises(ConfigError, match="is defined inside a function and cannot be written"):
        Local().saveToString()
    assert Local().copy().x == 1
