"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from dtwin_gui.clouds.base import SANDBOX, Connections
from dtwin_gui.core.providers import Cloud


@pytest.fixture(scope="module")
def three_clouds(tmp_path_factory):
    """AWS (moto and its gateway), Azure (Azurite, cosmosdb-server, the HTTPS gateway) and
    Google (the Pub/Sub and Firestore emulators, fake-gcs-server, the gateway)."""
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator
    from dtwin_gui.clouds.azure.sandbox.spec import start as start_azure
    from dtwin_gui.clouds.google.sandbox.spec import start as start_google
    from tests.e2e.matrix_sides import AwsSide, AzureSide, GoogleSide

    # One after the other, as the daemon starts them: Google's functions inherit the Azure
    # gateway's certificate from the environment Azure's start sets.
    azure = start_azure(tmp_path_factory.mktemp("azure-emulators"))
    google = start_google(tmp_path_factory.mktemp("google-emulators"))
    patch = pytest.MonkeyPatch()  # the Firestore client finds its emulator this way only
    patch.setenv("FIRESTORE_EMULATOR_HOST", google.endpoints["firestore"])
    try:
        with AwsEmulator(workdir=tmp_path_factory.mktemp("aws-functions")) as aws:
            sides = {
                Cloud.AWS: AwsSide(aws),
                Cloud.AZURE: AzureSide(azure),
                Cloud.GOOGLE: GoogleSide(google),
            }
            connections = Connections(SANDBOX, {c: s.connection for c, s in sides.items()})
            yield sides, connections
    finally:
        patch.undo()
        azure.stop()
        google.stop()
