"""What goes into each function package."""

from __future__ import annotations

import json
import os

import pytest
from helpers import edit_json

from dtwin_gui.build import BuildError, plan_packages
from dtwin_gui.build.packages import FORBIDDEN_USER_DIRS, handler_for
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.topology import topology_for_project


def by_function(specs):
    return {s.function.name: s for s in specs}


def arcnames(spec):
    return [e.arcname for e in spec.entries]


def baked(spec):
    entry = next(e for e in spec.entries if e.arcname == "dtwin_function.json")
    return json.loads(entry.read())


def test_one_package_per_topology_function(project):
    topology = topology_for_project(load_project(project))
    specs = plan_packages(project)
    assert [s.function for s in specs] == topology.functions
    for spec in specs:
        assert spec.deployed_name == topology.deployed_name(spec.function)
        assert spec.deployed_name.startswith("factory-twin-")
        assert (spec.cloud, spec.role) == (spec.function.cloud, spec.function.role)
        assert spec.handler == handler_for(spec.cloud, spec.role)
        assert arcnames(spec) == sorted(arcnames(spec))


def test_handler_names_use_module_spelling():
    assert handler_for(Cloud.AWS, "hot-to-cold-mover") == (
        "dtwin_gui.runtime.aws.handlers.hot_to_cold_mover.handler"
    )


def test_processor_package_contents(project):
    spec = by_function(plan_packages(project))["processor-temperature-sensor-1"]
    names = arcnames(spec)
    for required in (
        "dtwin_gui/__init__.py",
        "dtwin_gui/core/__init__.py",
        "dtwin_gui/core/event_grammar.py",
        "dtwin_gui/runtime/__init__.py",
        "dtwin_gui/runtime/core/__init__.py",
        "dtwin_gui/runtime/core/records.py",
        "dtwin_function.json",
        "user/process.py",
    ):
        assert required in names
    user = next(e for e in spec.entries if e.arcname == "user/process.py")
    assert user.read() == (project / "processors/temperature-sensor-1/process.py").read_bytes()
    # Only the engine pieces a function may import — never the rest of the engine.
    engine = [n for n in names if n.startswith("dtwin_gui/") and "/runtime/" not in n]
    assert engine == [
        "dtwin_gui/__init__.py",
        "dtwin_gui/core/__init__.py",
        "dtwin_gui/core/event_grammar.py",
    ]
    for name in names:
        assert "__pycache__" not in name and not name.endswith(".pyc")
        assert name.split("/")[0] not in {"boto3", "botocore"}


def test_runtime_takes_every_py_but_other_clouds_adapters(project, fake_sources):
    specs = plan_packages(project)
    names = arcnames(specs[0])
    runtime = [n for n in names if n.startswith("dtwin_gui/runtime/")]
    expected = sorted(
        f"dtwin_gui/{p.relative_to(fake_sources).as_posix()}"
        for p in (fake_sources / "runtime").rglob("*.py")
        if not p.name.startswith(".")
        and p.relative_to(fake_sources / "runtime").parts[0] not in ("azure", "google")
    )
    assert runtime == expected
    assert "dtwin_gui/runtime/aws/only_aws.py" in runtime
    assert "dtwin_gui/runtime/glue/shared.py" in runtime  # a shared (non-cloud) folder
    assert not any("azure" in n or "google" in n for n in runtime)
    assert not any(n.endswith((".pyc", ".txt")) or "/." in n for n in names)


def test_cloud_filter_and_adapter_of_that_cloud(project, fake_sources):
    edit_json(project / "config_providers.json", lambda p: p.update(layer_3_hot_provider="azure"))
    specs = plan_packages(project, cloud="azure")
    assert specs and {s.cloud for s in specs} == {Cloud.AZURE}
    # Azure packages one Function App per layer: the functions are the app's members
    roles = {m.role for s in specs for m in (s.members or (s,))}
    assert roles >= {"hot-writer", "hot-reader", "hot-to-cold-mover"}
    names = arcnames(specs[0])
    assert "dtwin_gui/runtime/azure/only_azure.py" in names
    assert not any("/runtime/aws/" in n for n in names)
    assert {s.cloud for s in plan_packages(project)} == {Cloud.AWS, Cloud.AZURE}
    with pytest.raises(BuildError, match="unknown cloud"):
        plan_packages(project, cloud="oracle")


def test_baked_config_per_role(project):
    specs = by_function(plan_packages(project))
    processor = baked(specs["processor-temperature-sensor-1"])
    assert processor["role"] == "processor"
    assert processor["device_id"] == "temperature-sensor-1"
    assert processor["twin_name"] == "factory-twin"
    assert processor["cloud"] == "aws"
    assert processor["name"] == "processor-temperature-sensor-1"
    # its own device only, const properties included
    assert processor["devices"] == {
        "temperature-sensor-1": {"temperature": "DOUBLE", "humidity": "DOUBLE", "serial": "STRING"}
    }
    assert processor["features"]["use_event_checking"] is True

    dispatcher = baked(specs["dispatcher"])
    assert set(dispatcher["devices"]) == {
        "temperature-sensor-1",
        "temperature-sensor-2",
        "pressure-sensor-1",
    }
    assert dispatcher["routes"]["pressure-sensor-1"] == "factory-twin-processor-pressure-sensor-1"

    checker = baked(specs["event-checker"])
    assert checker["rules"] == json.loads((project / "config_events.json").read_text())
    assert checker["actions"] == {
        "high-temperature-alert": "factory-twin-action-high-temperature-alert"
    }
    action = baked(specs["action-high-temperature-alert"])
    assert action["action"] == "high-temperature-alert"
    assert action["rules"] == [] and action["devices"] == {}


def test_user_folder_siblings_included_and_junk_excluded(project):
    folder = project / "processors/temperature-sensor-1"
    (folder / "helpers.py").write_text("K = 1\n")
    (folder / "data").mkdir()
    (folder / "data/table.csv").write_bytes(b"a,b\r\n1,2\r\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__/process.cpython-311.pyc").write_bytes(b"x")
    (folder / "old.pyc").write_bytes(b"x")
    (folder / ".env").write_text("TOKEN=x\n")
    (folder / ".git").mkdir()
    (folder / ".git/config").write_text("x\n")
    spec = by_function(plan_packages(project))["processor-temperature-sensor-1"]
    user = {e.arcname: e.read() for e in spec.entries if e.arcname.startswith("user/")}
    assert user == {
        "user/data/table.csv": b"a,b\r\n1,2\r\n",
        "user/helpers.py": b"K = 1\n",
        "user/process.py": (folder / "process.py").read_bytes(),
    }


def test_action_and_feedback_user_code(project):
    specs = by_function(plan_packages(project))
    assert "user/action.py" in arcnames(specs["action-high-temperature-alert"])
    assert "user/feedback.py" in arcnames(specs["event-feedback"])
    assert not any(n.startswith("user/") for n in arcnames(specs["persister"]))
    (project / "event_feedback/feedback.py").unlink()
    specs = by_function(plan_packages(project))
    assert not any(n.startswith("user/") for n in arcnames(specs["event-feedback"]))


def test_missing_processor_is_an_error(project):
    (project / "processors/temperature-sensor-2/process.py").unlink()
    with pytest.raises(BuildError, match=r"processors/temperature-sensor-2/process\.py"):
        plan_packages(project)


def test_link_out_of_the_project_is_refused(project, tmp_path):
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = x\n")
    os.symlink(secret, project / "processors/temperature-sensor-1/creds")
    with pytest.raises(BuildError, match="outside the project"):
        plan_packages(project)


def test_link_inside_the_project_is_followed(project):
    (project / "shared.py").write_text("S = 1\n")
    os.symlink(project / "shared.py", project / "processors/temperature-sensor-1/shared.py")
    spec = by_function(plan_packages(project))["processor-temperature-sensor-1"]
    entry = next(e for e in spec.entries if e.arcname == "user/shared.py")
    assert entry.read() == b"S = 1\n"


def test_link_loop_is_refused(project):
    os.symlink(".", project / "processors/temperature-sensor-1/loop")
    with pytest.raises(BuildError, match="links back"):
        plan_packages(project)


@pytest.mark.parametrize("sdk", sorted(FORBIDDEN_USER_DIRS))
def test_vendored_sdk_is_refused(project, sdk):
    (project / f"processors/temperature-sensor-1/{sdk}").mkdir()
    (project / f"processors/temperature-sensor-1/{sdk}/__init__.py").write_text("")
    with pytest.raises(BuildError, match="already provides it"):
        plan_packages(project)


def test_incomplete_providers_is_a_build_error(project):
    edit_json(project / "config_providers.json", lambda p: p.pop("layer_2_provider"))
    with pytest.raises(BuildError, match="topology"):
        plan_packages(project)


def test_each_cloud_packages_its_functions_through_its_plugin(monkeypatch, project):
    """AWS: one Lambda zip per function (its plugin's part); another cloud's part decides
    its own shape, e.g. one app per layer as Azure's Function Apps will."""
    from dataclasses import fields

    from dtwin_gui.build.packages import function_package
    from dtwin_gui.clouds import base
    from dtwin_gui.clouds.aws.packaging import lambda_handler, package

    assert base.plugin(Cloud.AWS).part("package") is package
    edit_json(project / "config_providers.json", lambda p: p.update(layer_3_hot_provider="azure"))
    seen = []

    def one_app_per_layer(project_, topology, functions, shared):
        seen.append([f.name for f in functions])
        return [function_package(project_, topology, functions[0], shared, "function_app.py")]

    real = base.plugin(Cloud.AZURE)
    values = {f.name: getattr(real, f.name) for f in fields(real)}

    class Plugin(base.CloudPlugin):
        def part(self, name):
            return one_app_per_layer if name == "package" else None

    specs = plan_packages(project)
    aws = [s for s in specs if s.cloud is Cloud.AWS]
    assert aws and all(s.handler == lambda_handler(s.role) for s in aws)
    monkeypatch.setitem(base._registry, Cloud.AZURE, Plugin(**values))
    azure = [s for s in plan_packages(project) if s.cloud is Cloud.AZURE]
    assert [s.handler for s in azure] == ["function_app.py"]
    assert seen and "hot-reader" in seen[0]
