"""``update-function``'s names, the Terraform resources each cloud names for a package, and
the refusals made before anything is touched (no cloud needed for any of them)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.code_update import CodeUpdateContext, CodeUpdateError
from dtwin_gui.core.project import load_project
from dtwin_gui.core.topology import topology_for_project
from dtwin_gui.deploy.update_function import (
    UpdateRefused,
    check_name,
    code_function,
    resolve,
    update_function,
)
from dtwin_gui.iac.state import parse_state

NOWHERE = "http://127.0.0.1:9"


def _topology(project):
    return topology_for_project(load_project(project))


def test_a_function_is_found_by_any_of_its_names(project):
    topology = _topology(project)
    by = {n: [f.name for f in resolve(topology, n)] for n in (
        "processor-temperature-sensor-1",
        "factory-twin-processor-temperature-sensor-1",
        "temperature-sensor-1",
        "high-temperature-alert",
        "persister",
    )}  # fmt: skip
    assert by == {
        "processor-temperature-sensor-1": ["processor-temperature-sensor-1"],
        "factory-twin-processor-temperature-sensor-1": ["processor-temperature-sensor-1"],
        "temperature-sensor-1": ["processor-temperature-sensor-1"],
        "high-temperature-alert": ["action-high-temperature-alert"],
        "persister": ["persister"],
    }
    assert code_function(topology, "processor", "pressure-sensor-1") == (
        "processor-pressure-sensor-1"
    )
    assert code_function(topology, "action", "high-temperature-alert") == (
        "action-high-temperature-alert"
    )
    assert code_function(topology, "feedback", "feedback") == "event-feedback"
    assert code_function(topology, "processor", "gone") is None


def test_an_unknown_name_lists_the_closest(project):
    with pytest.raises(UpdateRefused) as refused:
        check_name(project, "presister")
    assert refused.value.message == "this twin has no function 'presister'"
    assert refused.value.hint.startswith("did you mean persister, dispatcher? its functions: ")


def test_nothing_deployed_is_refused(project):
    with pytest.raises(UpdateRefused) as refused:
        update_function(project, sandbox_target(NOWHERE), "persister")
    assert refused.value.message == "nothing is deployed from this project to sandbox"
    assert refused.value.hint.startswith("deploy the twin first")


def test_a_function_on_a_cloud_without_a_connection_is_refused(project):
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, "layer_2_provider": "azure"}))
    with pytest.raises(UpdateRefused) as refused:
        update_function(project, sandbox_target(NOWHERE), "processor-temperature-sensor-1")
    assert refused.value.message == (
        "processor-temperature-sensor-1 runs on Azure, and this sandbox deployment has no "
        "Azure connection"
    )
    assert "restart the sandbox" in refused.value.hint


def _state(*addresses: tuple[str, str, str, object, dict]) -> object:
    """A state document of ``(module, type, name, index, attributes)`` instances."""
    resources = [
        {
            "module": module,
            "mode": "managed",
            "type": type_,
            "name": name,
            "instances": [{"attributes": attrs, **({} if index is None else {"index_key": index})}],
        }
        for module, type_, name, index, attrs in addresses
    ]
    return parse_state({"version": 4, "serial": 1, "lineage": "x", "resources": resources})


def _ctx(state, layer="L2", name="factory-twin-processor-pump", sandbox=False):
    return CodeUpdateContext(
        connection=SimpleNamespace(is_sandbox=sandbox),
        project=None,
        topology=None,
        functions=(),
        layer=layer,
        build=SimpleNamespace(name=name, sha256="ab" * 32, path="/nowhere.zip"),
        state=state,
    )


def test_aws_names_the_lambda_and_its_package_object():
    from dtwin_gui.clouds.aws.update_code import code_addresses

    state = _state(
        ("module.aws_l2", "aws_lambda_function", "processor", "pump",
         {"function_name": "factory-twin-processor-pump"}),
        ("module.aws_l2", "aws_lambda_function", "processor", "fan",
         {"function_name": "factory-twin-processor-fan"}),
        ("module.aws_setup", "aws_s3_object", "package", "factory-twin-processor-pump",
         {"id": "k"}),
    )  # fmt: skip
    assert code_addresses(_ctx(state)) == (
        'module.aws_l2.aws_lambda_function.processor["pump"]',
        'module.aws_setup.aws_s3_object.package["factory-twin-processor-pump"]',
    )
    with pytest.raises(CodeUpdateError, match="not in this deployment's Terraform state"):
        code_addresses(_ctx(_state(), name="factory-twin-processor-gone"))


def test_real_azure_applies_the_layers_function_app_only():
    """On a subscription the zip is ``zip_deploy_file`` of the layer's app: Terraform applies
    that one resource (``terraform/modules/azure/_function_app``)."""
    from dtwin_gui.clouds.azure.update_code import update_code

    state = _state(
        ("module.azure_l2.module.app", "azurerm_linux_function_app", "app", None, {"name": "a"}),
        ("module.azure_l1.module.app", "azurerm_linux_function_app", "app", None, {"name": "b"}),
        ("module.azure_l2", "azurerm_logic_app_workflow", "notification", 0, {"name": "w"}),
    )
    done = update_code(_ctx(state))
    assert not done.uploaded and done.live_sha256 == ""
    assert done.targets == ("module.azure_l2.module.app.azurerm_linux_function_app.app",)
    with pytest.raises(CodeUpdateError, match="L3_hot Function App is not in"):
        update_code(_ctx(state, layer="L3_hot"))


def test_real_google_applies_the_layers_source_and_functions():
    """On a project every Cloud Function of a layer is built from the layer's source object
    (``terraform/modules/google/l2``): Terraform applies those."""
    from dtwin_gui.clouds.google.update_code import update_code

    fn = "google_cloudfunctions2_function"
    state = _state(
        ("module.google_l2", "google_storage_bucket_object", "source", 0, {"name": "l2-x.zip"}),
        ('module.google_l2.module.processor["pump"]', fn, "this", None, {"name": "p"}),
        ("module.google_l2.module.persister", fn, "this", None, {"name": "s"}),
        ("module.google_l1.module.dispatcher", fn, "this", None, {"name": "d"}),
        ("module.google_l2", "google_workflows_workflow", "notification", 0, {"name": "w"}),
    )
    done = update_code(_ctx(state))
    assert not done.uploaded
    assert done.targets == (
        "module.google_l2.google_storage_bucket_object.source[0]",
        'module.google_l2.module.processor["pump"].google_cloudfunctions2_function.this',
        "module.google_l2.module.persister.google_cloudfunctions2_function.this",
    )
