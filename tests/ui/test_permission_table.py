"""The permission table shows any cloud's permission preflight (the neutral PermissionReport),
with the AWS preflight's decisions being the neutral ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from dtwin_gui.clouds.aws import preflight as aws_preflight
from dtwin_gui.clouds.base import Decision, PermissionReport
from dtwin_gui.ui.widgets.permission_table import PermissionTable


@dataclass
class OtherCloudReport:
    """A preflight of a cloud that is not AWS: only the neutral shape."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)

    def counts(self, group: str) -> dict[str, int]:
        values = list(self.groups.get(group, {}).values())
        return {d: values.count(d) for d in Decision}


def test_a_report_of_another_cloud_is_shown_denied_first_and_expanded(qtbot):
    table = PermissionTable()
    qtbot.addWidget(table)
    report = OtherCloudReport(
        {
            "L1": {
                "Microsoft.Devices/IotHubs/write": "allowed",
                "Microsoft.Devices/IotHubs/delete": "denied",
            },
            "L4": {"Microsoft.DigitalTwins/read": "unknown"},
        }
    )
    assert isinstance(report, PermissionReport)
    table.show_preflight(report)
    assert table.groups() == ["L1", "L4"]
    assert table.summary("L1") == "1 allowed · 1 denied"
    assert table.decision("L1", "Microsoft.Devices/IotHubs/delete") == "✖ denied"
    assert table.decision("L4", "Microsoft.DigitalTwins/read") == "? unknown"
    first = table.topLevelItem(0)
    assert first.child(0).text(0) == "Microsoft.Devices/IotHubs/delete"  # denied first
    assert first.isExpanded() and not table.topLevelItem(1).isExpanded()
    table.show_preflight(None)
    assert table.groups() == []


def test_the_aws_preflight_is_a_permission_report_with_the_neutral_decisions(qtbot):
    assert tuple(Decision) == (aws_preflight.ALLOWED, aws_preflight.DENIED, aws_preflight.UNKNOWN)
    report = aws_preflight.Preflight({"L3_hot": {"dynamodb:CreateTable": aws_preflight.DENIED}})
    assert isinstance(report, PermissionReport)
    table = PermissionTable()
    qtbot.addWidget(table)
    table.show_preflight(report)
    assert table.summary("L3_hot") == "1 denied"
    assert table.decision("L3_hot", "dynamodb:CreateTable") == "✖ denied"
