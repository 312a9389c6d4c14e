"""Task framework on the Add/Mult tree: subtasks, retargets, registries, logging, metadata, timing."""

from __future__ import annotations

import logging

import pytest
import yaml

from lsstlite.config import ConfigurableField
from lsstlite.tasks.base import Task, timeMethod
from lsstlite.tasks.cmdline.outputs import write_metadata

from .tree import (AddConfig, AddMultConfig, AddMultTask, AddTask, AddTwiceTask, MultConfig,
                   MultTask, PowerTask)


def test_tree_names_and_default_run():
    task = AddMultTask()
    assert task.run(1.0).value == (1.0 + 3.0) * 2.0
    assert task.getName() == "addMult" and task.add.getFullName() == "addMult.add"
    assert task.mult.getName() == "mult" and isinstance(task.mult, MultTask)
    assert list(task.getTaskDict()) == ["addMult", "addMult.add", "addMult.mult"]
    assert task.getTaskDict()["addMult.mult"] is task.mult
    assert task.add.config is task.config.add.value


def test_loggers_are_named_by_task_path():
    task = AddMultTask()
    assert task.log.name == "addMult" and task.add.log.name == "addMult.add"
    parent = logging.getLogger("pipeline")
    assert AddMultTask(log=parent).mult.log.name == "pipeline.addMult.mult"
    assert AddMultTask(name="other").add.log.name == "other.add"


def test_config_overrides_reach_subtasks():
    config = AddMultConfig()
    config.add.addend = 1.0
    config.mult["mult"].multiplicand = 10.0
    assert AddMultTask(config=config).run(2.0).value == 30.0


def test_retarget_to_user_subclass_from_python():
    config = AddMultConfig()
    config.add.retarget(AddTwiceTask)
    task = AddMultTask(config=config)
    assert type(task.add) is AddTwiceTask
    assert task.run(1.0).value == (1.0 + 6.0) * 2.0


def test_registry_selection():
    config = AddMultConfig()
    config.mult.name = "power"
    config.mult["power"].exponent = 3
    task = AddMultTask(config=config)
    assert isinstance(task.mult, PowerTask)
    assert task.run(0.0).value == 27.0


def test_timing_and_metadata_are_recorded_and_yaml_writable(tmp_path):
    task = AddMultTask()
    task.run(1.0)
    task.run(2.0)
    meta = task.getFullMetadata()
    assert list(meta) == ["addMult", "addMult.add", "addMult.mult"]
    timing = meta["addMult"]["run"]
    assert timing["calls"] == 2
    assert timing["wall"] >= timing["cpu"] * 0 and timing["wall"] > 0
    assert timing["cpu"] >= 0 and timing["maxRss"] > 1_000_000  # bytes: a Python process
    assert meta["addMult.add"]["addend"] == 3.0 and meta["addMult.add"]["run"]["calls"] == 2
    path = tmp_path / "metadata.yaml"
    write_metadata(meta, path)
    loaded = yaml.safe_load(path.read_text())
    assert loaded["addMult.mult"]["run"]["calls"] == 2
    assert task.add.getFullMetadata() == {"addMult.add": meta["addMult.add"]}
    task.emptyMetadata()
    assert task.getFullMetadata() == {"addMult": {}, "addMult.add": {}, "addMult.mult": {}}


def test_timing_recorded_when_method_raises():
    class Failing(Task):
        ConfigClass = AddConfig
        _DefaultName = "failing"

        @timeMethod
        def run(self):
            raise RuntimeError("boom")

    task = Failing()
    with pytest.raises(RuntimeError, match="boom"):
        task.run()
    assert task.metadata["run"]["calls"] == 1
    with task.timer("block"):
        pass
    assert task.metadata["block"]["calls"] == 1


def test_task_validates_its_config():
    config = MultConfig()
    config.multiplicand = 0.0
    with pytest.raises(ValueError, match="multiplicand"):
        MultTask(config=config)
    bad = AddMultConfig()
    bad.mult["mult"].multiplicand = 0.0
    with pytest.raises(ValueError, match="multiplicand"):
        AddMultTask(config=bad)


def test_construction_errors():
    with pytest.raises(TypeError, match="must be a .*AddConfig"):
        AddTask(config=MultConfig())

    class Nameless(Task):
        ConfigClass = AddConfig

    with pytest.raises(RuntimeError, match="no _DefaultName"):
        Nameless()
    parent = AddMultTask()
    with pytest.raises(RuntimeError, match="name is required for a subtask"):
        AddTask(parentTask=parent)
    with pytest.raises(KeyError, match="does not have field 'nothing'"):
        parent.makeSubtask("nothing")


def test_make_field_and_schema_catalogs():
    field = AddTask.makeField("doc")
    assert isinstance(field, ConfigurableField)
    assert AddMultTask().getAllSchemaCatalogs() == {}
