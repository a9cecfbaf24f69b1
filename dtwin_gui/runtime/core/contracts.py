"""The environment contract of every function role — the single place they are declared.

Names are provider-neutral: ``DTWIN_HOT_STORE`` is a DynamoDB table on AWS, a Cosmos
container on Azure, a Firestore collection on Google. Terraform modules must set exactly the
variables declared here for the role they deploy (a test parses the HCL to prove it).
"""

from __future__ import annotations

from dataclasses import replace

from dtwin_gui.runtime.core.env import EnvContract, EnvVar

TWIN_NAME = EnvVar("DTWIN_TWIN_NAME", True, "the twin's name (resource prefix)")
LOG_LEVEL = EnvVar("DTWIN_LOG_LEVEL", False, "DEBUG or INFO (default INFO)")
GLUE_SECRET = EnvVar("DTWIN_GLUE_SECRET", True, "HMAC secret of this boundary", secret=True)
GLUE_PREVIOUS = EnvVar(
    "DTWIN_GLUE_PREVIOUS_SECRET", False, "previous secret, accepted during rotation", secret=True
)
HOT_STORE = EnvVar("DTWIN_HOT_STORE", True, "hot storage table/container name")
HOT_TTL = EnvVar(
    "DTWIN_HOT_TTL_DAYS", False, "days after which the hot store expires a record (safety net)"
)
COLD_STORE = EnvVar("DTWIN_COLD_STORE", True, "cold storage bucket/container name")
ARCHIVE_STORE = EnvVar("DTWIN_ARCHIVE_STORE", True, "archive bucket/container name")


def _optional(var: EnvVar, meaning: str | None = None) -> EnvVar:
    return EnvVar(var.name, False, meaning or var.meaning, var.secret)


def _remote(prefix: str, what: str) -> tuple[EnvVar, EnvVar]:
    return (
        EnvVar(f"DTWIN_{prefix}_URL", False, f"URL of the remote {what} (other cloud)"),
        EnvVar(f"DTWIN_{prefix}_SECRET", False, f"HMAC secret for the remote {what}", True),
    )


def _contract(role: str, *variables: EnvVar) -> EnvContract:
    return EnvContract(role, (TWIN_NAME, LOG_LEVEL, *variables))


CONTRACTS: dict[str, EnvContract] = {
    c.role: c
    for c in (
        _contract(
            "dispatcher",
            EnvVar("DTWIN_CONNECTOR_FUNCTION", False, "connector to forward to when L2 is remote"),
        ),
        _contract(
            "connector",
            EnvVar("DTWIN_REMOTE_URL", True, "ingestion receiver URL on the L2 cloud"),
            EnvVar("DTWIN_REMOTE_SECRET", True, "HMAC secret of the L1→L2 boundary", True),
        ),
        _contract("ingestion", GLUE_SECRET, GLUE_PREVIOUS),
        _contract(
            "processor",
            EnvVar("DTWIN_PERSISTER_FUNCTION", True, "persister function to hand records to"),
        ),
        _contract(
            "persister",
            _optional(HOT_STORE, "hot storage (when L3 hot is on this cloud)"),
            HOT_TTL,
            *_remote("HOT_WRITER", "hot writer"),
            EnvVar("DTWIN_EVENT_CHECKER_FUNCTION", False, "event checker (when events are on)"),
            *_remote("TWIN_UPDATE", "Azure Digital Twins updater"),
        ),
        _contract(
            "event-checker",
            EnvVar("DTWIN_FEEDBACK_FUNCTION", False, "event feedback function"),
            EnvVar("DTWIN_WORKFLOW", False, "workflow/state machine to start"),
        ),
        _contract("action"),
        _contract(
            "event-feedback",
            EnvVar("DTWIN_IOT_ENDPOINT", False, "device messaging endpoint (default: the SDK's)"),
        ),
        _contract(
            "hot-reader",
            HOT_STORE,
            _optional(GLUE_SECRET, "HMAC secret for remote readers (L4/L5 on other clouds)"),
            GLUE_PREVIOUS,
            EnvVar("DTWIN_MAX_PAGE_SIZE", False, "largest page a query returns (default 500)"),
        ),
        _contract(
            "hot-to-cold-mover",
            HOT_STORE,
            _optional(COLD_STORE, "cold storage (when on this cloud)"),
            *_remote("COLD_WRITER", "cold writer"),
            EnvVar("DTWIN_HOT_DAYS", True, "records older than this many days move to cold"),
        ),
        _contract(
            "cold-to-archive-mover",
            COLD_STORE,
            _optional(ARCHIVE_STORE, "archive storage (when on this cloud)"),
            *_remote("ARCHIVE_WRITER", "archive writer"),
            EnvVar("DTWIN_COLD_DAYS", True, "objects older than this many days move to archive"),
        ),
        _contract("hot-writer", HOT_STORE, HOT_TTL, GLUE_SECRET, GLUE_PREVIOUS),
        _contract("cold-writer", COLD_STORE, GLUE_SECRET, GLUE_PREVIOUS),
        _contract("archive-writer", ARCHIVE_STORE, GLUE_SECRET, GLUE_PREVIOUS),
        _contract(
            "hot-reader-proxy",
            EnvVar("DTWIN_REMOTE_URL", True, "hot reader URL on the L3 hot cloud"),
            EnvVar("DTWIN_REMOTE_SECRET", True, "HMAC secret of the reader boundary", True),
        ),
        _contract(
            "adt-updater",
            EnvVar("DTWIN_ADT_URL", True, "Azure Digital Twins instance URL"),
            _optional(GLUE_SECRET, "HMAC secret when the persister is on another cloud"),
            GLUE_PREVIOUS,
        ),
    )
}

#: Where a local store or a remote writer will do, at least one of the pair must be set.
_ONE_OF = {
    "persister": (("DTWIN_HOT_STORE", "DTWIN_HOT_WRITER_URL"),),
    "hot-to-cold-mover": (("DTWIN_COLD_STORE", "DTWIN_COLD_WRITER_URL"),),
    "cold-to-archive-mover": (("DTWIN_ARCHIVE_STORE", "DTWIN_ARCHIVE_WRITER_URL"),),
}
for _role, _groups in _ONE_OF.items():
    CONTRACTS[_role] = replace(CONTRACTS[_role], one_of=_groups)


def contract_for(role: str) -> EnvContract:
    """The contract of ``role`` (a topology role such as ``processor`` or ``hot-writer``)."""
    try:
        return CONTRACTS[role]
    except KeyError:
        raise KeyError(f"no environment contract for function role {role!r}") from None


#: App-level settings of an Azure Function App (runtime/azure), all optional: which are set
#: depends on the services the app's functions use and on real Azure vs the sandbox.
#: Also per called app: ``DTWIN_APP_URL_<LAYER>`` (its base URL, e.g. DTWIN_APP_URL_L2) and
#: ``DTWIN_FUNCTIONS_KEY_<LAYER>`` (its function key, secret).
AZURE_APP_SETTINGS: tuple[EnvVar, ...] = (
    EnvVar("DTWIN_COSMOS_ENDPOINT", False, "Cosmos DB account endpoint (hot store)"),
    EnvVar("DTWIN_COSMOS_DATABASE", False, "Cosmos DB database of the hot container"),
    EnvVar("DTWIN_COSMOS_KEY", False, "Cosmos key (sandbox; Azure uses the identity)", True),
    EnvVar("DTWIN_COSMOS_VERIFY", False, "'false' or a CA file for the Cosmos TLS certificate"),
    EnvVar("DTWIN_BLOB_ACCOUNT_URL", False, "Blob service URL (cold/archive; identity auth)"),
    EnvVar("DTWIN_BLOB_CONNECTION", False, "Blob connection string (sandbox's Azurite)", True),
    EnvVar("DTWIN_IOT_SAS_KEY", False, "IoT Hub service policy key (C2D feedback)", True),
    EnvVar("DTWIN_IOT_SAS_POLICY", False, "IoT Hub shared access policy name (default service)"),
    EnvVar("DTWIN_CA_BUNDLE", False, "extra CA file for HTTPS calls (sandbox gateway)"),
    EnvVar("DTWIN_AZURE_STATIC_TOKEN", False, "bearer token for ADT (sandbox only)", True),
)

#: On Azure one Function App holds several functions (one app per layer) and app settings are
#: one environment per app: two receivers of one app (the L3 hot app's hot writer and hot
#: reader) check different boundaries' secrets. So on Azure these variables are app settings
#: named for the boundary (:func:`azure_boundary_setting`); each function reads the ones of
#: the boundaries it serves under the plain name (runtime/azure/function.py). Other clouds
#: run one function per environment and keep the plain names.
AZURE_BOUNDARY_SCOPED: tuple[EnvVar, ...] = (GLUE_SECRET, GLUE_PREVIOUS)
#: Boundaries that end at one receiver with one secret between them (as deploy/glue_secrets).
_SHARED_SECRET = {"l4-l3hot-reader": "l3hot-reader", "l5-l3hot-reader": "l3hot-reader"}


def azure_boundary_setting(name: str, boundary: str) -> str:
    """The Azure app setting of ``name`` for ``boundary``: ``DTWIN_GLUE_SECRET`` of
    ``l2-l3hot-writer`` is ``DTWIN_GLUE_SECRET__L2_L3HOT_WRITER``; both reader boundaries
    share the hot reader's one secret, ``DTWIN_GLUE_SECRET__L3HOT_READER``."""
    key = _SHARED_SECRET.get(boundary, boundary)
    return f"{name}__{key.upper().replace('-', '_')}"


#: Settings of a Google Cloud Function (runtime/google), besides its role's contract: every
#: function reads DTWIN_FUNCTION (which function of its layer package it is); the others are
#: set when the function uses the service. The emulators are reached through the SDKs' own
#: FIRESTORE_EMULATOR_HOST / STORAGE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST (sandbox only).
GOOGLE_SETTINGS: tuple[EnvVar, ...] = (
    EnvVar("DTWIN_FUNCTION", True, "the function's topology name (its entry in the package)"),
    EnvVar("DTWIN_GOOGLE_PROJECT", False, "Google Cloud project id (Firestore, Pub/Sub)"),
    EnvVar(
        "DTWIN_GOOGLE_FUNCTIONS_URL",
        False,
        "base URL of the twin's functions (https://<region>-<project>.cloudfunctions.net)",
    ),
    EnvVar("DTWIN_FIRESTORE_DATABASE", False, "Firestore database of the hot collection"),
    EnvVar("DTWIN_FEEDBACK_TOPIC", False, "Pub/Sub topic of device feedback (event feedback)"),
    EnvVar("DTWIN_SANDBOX_CLOCK", False, "'1': movers take 'now' from the request (sandbox)"),
)
