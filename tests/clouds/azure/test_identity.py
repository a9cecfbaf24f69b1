"""The Azure fingerprint: another subscription or a silent sandbox never matches."""

from __future__ import annotations

from dtwin_gui.clouds.azure.connection import AzureConnection
from dtwin_gui.clouds.azure.identity import identity


def test_another_subscription_is_another_target():
    a = AzureConnection(name="azure", subscription_id="sub-a")
    b = AzureConnection(name="azure", subscription_id="sub-b")
    assert identity(a) == identity(a)
    assert identity(a) != identity(b)


def test_a_sandbox_without_a_running_gateway_never_matches():
    sandbox = AzureConnection(
        name="sandbox", method="sandbox", endpoints={"azure": "https://127.0.0.1:9"}
    )
    assert identity(sandbox) != identity(sandbox)
