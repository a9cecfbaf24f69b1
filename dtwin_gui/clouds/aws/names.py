"""Names of deployed AWS resources, for code that reads a deployment (trace, console links):
the Terraform output when the deploy saved it, else the topology's name (computed once, in
:mod:`dtwin_gui.core.resource_names`; never formatted here)."""

from __future__ import annotations

from dtwin_gui.core import topology as topo
from dtwin_gui.core.project import Project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import HOT_TABLE, ResourceKey, function_key

#: Terraform root output naming the hot table (L3 hot on AWS).
OUT_HOT_TABLE = "hot_table_name"
#: Terraform root output naming the hot reader function (L3 hot on AWS).
OUT_HOT_READER_FUNCTION = "hot_reader_function_name"


def aws_name(project: Project, key: ResourceKey) -> str:
    """The topology's name of the AWS resource under ``key`` (the name the root gives it).
    Raises :class:`~dtwin_gui.core.topology.TopologyError` for an incomplete provider
    choice and :class:`KeyError` when the choice puts no such resource on AWS."""
    return topo.topology_for_project(project).name_of(key, Cloud.AWS)


def output(outputs: dict, name: str) -> str | None:
    """A root output's value (plain or in ``terraform output -json`` shape), or None."""
    value = outputs.get(name)
    if isinstance(value, dict):
        value = value.get("value")
    return value or None


def hot_table_name(outputs: dict, project: Project) -> str:
    """The hot table: the output when the deploy saved it, else the topology's name."""
    return output(outputs, OUT_HOT_TABLE) or aws_name(project, HOT_TABLE)


def hot_reader_name(outputs: dict, project: Project) -> str:
    """The hot reader function: the output when the deploy saved it, else the topology's."""
    return output(outputs, OUT_HOT_READER_FUNCTION) or aws_name(
        project, function_key(topo.HOT_READER)
    )
