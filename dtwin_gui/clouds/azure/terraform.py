"""Azure's fragment of the generated root (the ``terraform_fragment`` part of the Azure
plugin; the neutral assembly is :mod:`dtwin_gui.iac.root`), for real Azure.

The fragment renders the :func:`~dtwin_gui.clouds.azure.intent.azure_intent` of the project
into the static modules under ``terraform/modules/azure``: ``module.azure_setup`` (resource
group, storage account, plan, Application Insights, the containers' lifecycle rules), then
one module per layer on Azure with its Function App's name and package, its resources'
names (all from the topology), the identities that get data-plane roles, the glue secrets
as root variables (``TF_VAR_*``, never values) and the URL of every receiver it hosts as a
module output, which :func:`~dtwin_gui.iac.root_fragment.merge` wires to the sender when
both ends are in the root. In the sandbox Azure is provisioned on emulators, not here.
"""

from __future__ import annotations

from dtwin_gui.clouds.azure.intent import AzureIntent, azure_intent
from dtwin_gui.core import resource_names as keys
from dtwin_gui.core import topology as topo
from dtwin_gui.core.naming import UNIQUE_SUFFIX_PLACEHOLDER
from dtwin_gui.core.providers import SLOTS, Cloud, Slot
from dtwin_gui.core.topology import Topology
from dtwin_gui.iac.addresses import SETUP, module_name
from dtwin_gui.iac.root_fragment import RootContext, RootFragment
from dtwin_gui.iac.root_parts import (
    READER_BOUNDARIES,
    Ref,
    RootError,
    RootVariable,
    Sensitive,
    glue_variable,
    module_source,
    unique_suffix,
)

AZURE = Cloud.AZURE
AZURERM = {"source": "hashicorp/azurerm", "version": "~> 4.0"}

#: The receiver each boundary ends at on Azure: (layer, module output).
RECEIVER_OUTPUTS: dict[str, tuple[Slot, str]] = {
    "l1-l2-ingestion": (Slot.L2, "ingestion_url"),
    "l2-l3hot-writer": (Slot.L3_HOT, "hot_writer_url"),
    "l4-l3hot-reader": (Slot.L3_HOT, "hot_reader_url"),
    "l5-l3hot-reader": (Slot.L3_HOT, "hot_reader_url"),
    "l3hot-l3cold-writer": (Slot.L3_COLD, "cold_writer_url"),
    "l3cold-l3archive-writer": (Slot.L3_ARCHIVE, "archive_writer_url"),
    "l2-l4-twin-update": (Slot.L4, "twin_update_url"),
}


class AzureRootBuilder:
    """Collects the modules, glue variables and outputs of the Azure part of one root."""

    def __init__(self, ctx: RootContext, intent: AzureIntent, suffix: str) -> None:
        self.suffix = suffix
        self.project = ctx.project
        self.topology: Topology = ctx.topology
        self.intent = intent
        self.slots = set(self.topology.slots_on(AZURE))
        self.modules: dict[str, dict] = {}
        self.variables: dict[str, RootVariable] = {}
        self.outputs: dict[str, object] = {}
        self.receiver_urls: dict[str, Ref] = {}

    # .. helpers ...........................................................................
    def on(self, slot: Slot) -> bool:
        return slot in self.slots

    def module(self, slot: Slot | str) -> str:
        return module_name(AZURE, slot)

    def ref(self, slot: Slot | str, output: str) -> Ref:
        return Ref(f"module.{self.module(slot)}.{output}")

    def name(self, key) -> str:
        return self.topology.name_of(key, AZURE).replace(UNIQUE_SUFFIX_PLACEHOLDER, self.suffix)

    def has(self, slot: Slot, role: str) -> bool:
        app = self.intent.app(slot)
        return app is not None and app.function(role) is not None

    def crossing(self, name: str) -> topo.Boundary | None:
        return self.topology.boundary(name)

    def variable(self, boundary: str, kind: str, *, required: bool) -> Ref:
        name = glue_variable(boundary, kind)
        served = tuple(
            sorted({boundary, *(self.variables[name].boundaries if name in self.variables else ())})
        )
        what = {
            "url": "URL of the receiver on the other cloud",
            "secret": "HMAC secret",
            "previous_secret": "previous HMAC secret, accepted during rotation",
        }[kind]
        self.variables[name] = RootVariable(
            name, served, kind, required, f"{what} (boundary {', '.join(served)})"
        )
        return Ref(f"var.{name}")

    def receiver(self, boundary: str, secret: str, previous: str) -> dict:
        slot, output = RECEIVER_OUTPUTS[boundary]
        self.receiver_urls[boundary] = self.ref(slot, output)
        self.outputs[f"{boundary.replace('-', '_')}_receiver_url"] = self.ref(slot, output)
        return {
            secret: self.variable(boundary, "secret", required=True),
            previous: self.variable(boundary, "previous_secret", required=False),
        }

    def sender(self, boundary: str, url: str, secret: str) -> dict:
        return {
            url: self.variable(boundary, "url", required=True),
            secret: self.variable(boundary, "secret", required=True),
        }

    def common(self, slot: Slot | str) -> dict:
        setup = self.module(SETUP)
        return {
            "source": module_source(AZURE, slot),
            "common": {
                "twin_name": self.topology.twin_name,
                "log_level": "DEBUG" if self.project.mode == "DEBUG" else "INFO",
                "resource_group_name": Ref(f"module.{setup}.resource_group_name"),
                "location": Ref(f"module.{setup}.location"),
                "tags": {"dtwin-twin": self.topology.twin_name},
            },
        }

    def app_inputs(self, slot: Slot) -> dict:
        app = self.intent.app(slot)
        if app is None:
            return {}
        if app.package is None:
            raise RootError(
                f"no package for the {slot} Function App {app.name!r}; build the project "
                "first (dtwin build)"
            )
        return {
            "host": Ref(f"module.{self.module(SETUP)}.host"),
            "app_name": app.name,
            "package": app.package,
        }

    def principal(self, slot: Slot) -> Ref:
        return self.ref(slot, "principal_id")

    # .. layers ............................................................................
    def setup(self) -> None:
        inputs = self.common(SETUP)
        inputs["common"] = {
            **inputs["common"],
            "resource_group_name": self.intent.resource_group,
            "location": self.intent.location,
        }
        inputs["storage_account_name"] = self.intent.storage_account
        inputs["lifecycle_rules"] = [
            {"container": c.name, "tier": c.tier, "after_days": 0}
            for c in self.intent.blob_containers
        ]
        self.modules[self.module(SETUP)] = inputs
        self.outputs.update(
            azure_resource_group=self.intent.resource_group,
            azure_storage_account=self.intent.storage_account,
        )

    def l1(self) -> None:
        inputs = {**self.common(Slot.L1), **self.app_inputs(Slot.L1)}
        inputs["iothub_name"] = self.intent.iothub.name
        if self.has(Slot.L1, topo.CONNECTOR):
            inputs.update(self.sender("l1-l2-ingestion", "remote_url", "remote_secret"))
        if self.on(Slot.L2):
            inputs["l2_app_url"] = self.ref(Slot.L2, "app_url")
            inputs["l2_functions_key"] = self.ref(Slot.L2, "functions_key")
            if self.has(Slot.L2, topo.EVENT_FEEDBACK):
                inputs["feedback_principal_ids"] = {"l2": self.principal(Slot.L2)}
        self.modules[self.module(Slot.L1)] = inputs
        self.outputs.update(
            iothub_name=self.ref(Slot.L1, "iothub_name"),
            iothub_hostname=self.ref(Slot.L1, "iothub_hostname"),
        )

    def l2(self) -> None:
        inputs = {**self.common(Slot.L2), **self.app_inputs(Slot.L2)}
        inputs["event_checking"] = self.has(Slot.L2, topo.EVENT_CHECKER)
        inputs["event_feedback"] = self.has(Slot.L2, topo.EVENT_FEEDBACK)
        if inputs["event_feedback"] and self.on(Slot.L1):
            # Known before the hub exists, so L2 does not wait for L1 (which calls L2).
            inputs["iot_endpoint"] = f"{self.intent.iothub.name}.azure-devices.net"
        if self.on(Slot.L3_HOT):
            cosmos = self.intent.cosmos
            inputs["hot_store"] = cosmos.container
            inputs["hot_ttl_days"] = cosmos.default_ttl_seconds // 86400
            # Known before the account exists: L3 hot waits for L2's identity, not back.
            inputs["cosmos_endpoint"] = f"https://{cosmos.account}.documents.azure.com:443/"
            inputs["cosmos_database"] = cosmos.database
        if self.on(Slot.L4):
            inputs["l4_app_url"] = self.ref(Slot.L4, "app_url")
            inputs["l4_functions_key"] = self.ref(Slot.L4, "functions_key")
        else:
            inputs.update(self.sender("l2-l3hot-writer", "hot_writer_url", "hot_writer_secret"))
        if self.has(Slot.L2, topo.INGESTION):
            inputs.update(
                self.receiver("l1-l2-ingestion", "ingestion_secret", "ingestion_previous_secret")
            )
        self.modules[self.module(Slot.L2)] = inputs

    def l3_hot(self) -> None:
        cosmos = self.intent.cosmos
        inputs = {
            **self.common(Slot.L3_HOT),
            **self.app_inputs(Slot.L3_HOT),
            "cosmos_account_name": cosmos.account,
            "database_name": cosmos.database,
            "container_name": cosmos.container,
            "hot_days": self.project.hot_days or 1,
            "hot_ttl_days": cosmos.default_ttl_seconds // 86400,
        }
        if self.on(Slot.L2):
            inputs["data_principal_ids"] = {"l2": self.principal(Slot.L2)}
        if self.on(Slot.L3_COLD):
            inputs["cold_store"] = self.name(keys.COLD_BUCKET)
        else:
            inputs.update(
                self.sender("l3hot-l3cold-writer", "cold_writer_url", "cold_writer_secret")
            )
        if self.has(Slot.L3_HOT, topo.HOT_WRITER):
            inputs.update(
                self.receiver("l2-l3hot-writer", "hot_writer_secret", "hot_writer_previous_secret")
            )
        for boundary in sorted(b for b in READER_BOUNDARIES if self.crossing(b)):
            inputs.update(self.receiver(boundary, "reader_secret", "reader_previous_secret"))
        self.modules[self.module(Slot.L3_HOT)] = inputs
        self.outputs.update(
            cosmos_endpoint=self.ref(Slot.L3_HOT, "cosmos_endpoint"),
            hot_container_name=cosmos.container,
            hot_reader_url=self.ref(Slot.L3_HOT, "hot_reader_url"),
            hot_reader_functions_key=Sensitive(self.ref(Slot.L3_HOT, "functions_key")),
        )

    def l3_cold(self) -> None:
        inputs = {
            **self.common(Slot.L3_COLD),
            **self.app_inputs(Slot.L3_COLD),
            "container_name": self.name(keys.COLD_BUCKET),
            "cold_days": self.project.cold_days or 1,
        }
        if self.on(Slot.L3_HOT):
            inputs["data_principal_ids"] = {"l3_hot": self.principal(Slot.L3_HOT)}
        if self.on(Slot.L3_ARCHIVE):
            inputs["archive_store"] = self.name(keys.ARCHIVE_BUCKET)
        else:
            inputs.update(
                self.sender(
                    "l3cold-l3archive-writer", "archive_writer_url", "archive_writer_secret"
                )
            )
        if self.has(Slot.L3_COLD, topo.COLD_WRITER):
            inputs.update(
                self.receiver(
                    "l3hot-l3cold-writer", "cold_writer_secret", "cold_writer_previous_secret"
                )
            )
        self.modules[self.module(Slot.L3_COLD)] = inputs
        self.outputs["cold_container_name"] = inputs["container_name"]

    def l3_archive(self) -> None:
        inputs = {
            **self.common(Slot.L3_ARCHIVE),
            **self.app_inputs(Slot.L3_ARCHIVE),
            "container_name": self.name(keys.ARCHIVE_BUCKET),
        }
        if "host" not in inputs:
            inputs["host"] = Ref(f"module.{self.module(SETUP)}.host")
        if self.on(Slot.L3_COLD):
            inputs["data_principal_ids"] = {"l3_cold": self.principal(Slot.L3_COLD)}
        if self.has(Slot.L3_ARCHIVE, topo.ARCHIVE_WRITER):
            inputs.update(
                self.receiver(
                    "l3cold-l3archive-writer",
                    "archive_writer_secret",
                    "archive_writer_previous_secret",
                )
            )
        self.modules[self.module(Slot.L3_ARCHIVE)] = inputs
        self.outputs["archive_container_name"] = inputs["container_name"]

    def reader_remote(self, slot: Slot) -> dict:
        if not self.has(slot, topo.HOT_READER_PROXY):
            return {}
        out = {}
        for boundary in sorted(READER_BOUNDARIES):
            crossing = self.crossing(boundary)
            if crossing and crossing.source_cloud is AZURE:
                out.update(self.sender(boundary, "remote_url", "remote_secret"))
        return out

    def l4(self) -> None:
        inputs = {
            **self.common(Slot.L4),
            **self.app_inputs(Slot.L4),
            "instance_name": self.intent.digital_twins.name,
            **self.reader_remote(Slot.L4),
        }
        if self.crossing("l2-l4-twin-update"):
            inputs.update(
                self.receiver(
                    "l2-l4-twin-update", "twin_update_secret", "twin_update_previous_secret"
                )
            )
        self.modules[self.module(Slot.L4)] = inputs
        self.outputs.update(
            digital_twins_name=self.intent.digital_twins.name,
            digital_twins_url=self.ref(Slot.L4, "adt_url"),
        )

    def l5(self) -> None:
        inputs = {
            **self.common(Slot.L5),
            **self.app_inputs(Slot.L5),
            "grafana_name": self.intent.grafana.name,
            **self.reader_remote(Slot.L5),
        }
        if "host" not in inputs:
            inputs["host"] = Ref(f"module.{self.module(SETUP)}.host")
        self.modules[self.module(Slot.L5)] = inputs
        self.outputs.update(
            managed_grafana_name=self.intent.grafana.name,
            managed_grafana_endpoint=self.ref(Slot.L5, "grafana_endpoint"),
        )

    def build(self) -> None:
        self.setup()
        layers = {
            Slot.L1: self.l1,
            Slot.L2: self.l2,
            Slot.L3_HOT: self.l3_hot,
            Slot.L3_COLD: self.l3_cold,
            Slot.L3_ARCHIVE: self.l3_archive,
            Slot.L4: self.l4,
            Slot.L5: self.l5,
        }
        for slot in SLOTS:
            if self.on(slot):
                layers[slot]()
        self.outputs["azure_function_apps"] = {a.layer: a.name for a in self.intent.function_apps}
        self.hot_reader_proxy()

    def hot_reader_proxy(self) -> None:
        """The hot reader proxy Grafana on Azure queries: in L5's app, else in L4's (which
        then serves L5 too), with that app's functions key."""
        for slot in (Slot.L5, Slot.L4):
            if self.has(slot, topo.HOT_READER_PROXY):
                self.outputs.update(
                    azure_hot_reader_proxy_url=self.ref(slot, "hot_reader_proxy_url"),
                    azure_hot_reader_proxy_functions_key=Sensitive(self.ref(slot, "functions_key")),
                )
                return


def terraform_fragment(ctx: RootContext) -> RootFragment:
    """The ``terraform_fragment`` part of the Azure plugin: Azure's modules, provider, glue
    variables and outputs for the root of ``ctx.project`` (real Azure only)."""
    connection = ctx.connection
    if getattr(connection, "is_sandbox", False):
        raise RootError(
            "the sandbox provisions Azure on its emulators; Terraform deploys real Azure only"
        )
    subscription = getattr(connection, "subscription_id", "") or ""
    location = getattr(connection, "location", "") or "westeurope"
    if not subscription:
        raise RootError("choose an Azure subscription on the Credentials page first")
    suffix = unique_suffix(subscription, location)
    intent = azure_intent(ctx.project, ctx.topology, ctx.builds, suffix=suffix, location=location)
    builder = AzureRootBuilder(ctx, intent, suffix)
    builder.build()
    return RootFragment(
        cloud=AZURE,
        required_providers={"azurerm": dict(AZURERM)},
        providers={
            "azurerm": {
                "features": {},
                "subscription_id": subscription,
                # Blob containers through Entra ID: the account keys stay unused.
                "storage_use_azuread": True,
            }
        },
        modules=builder.modules,
        variables=builder.variables,
        outputs=builder.outputs,
        receiver_urls=builder.receiver_urls,
        unique_suffix=suffix,
    )
