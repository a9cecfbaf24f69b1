"""A Google Cloud custom role of exactly what the chosen layers need (YAML or JSON).

The YAML is what ``gcloud iam roles create dtwinDeployer --project=PROJECT_ID
--file=role.yaml`` takes; the JSON is the IAM API's ``Role`` body (``projects.roles.create``
with ``roleId`` beside it). Grant the role with ``gcloud projects add-iam-policy-binding``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dtwin_gui.clouds.google.permissions import required_permissions

ROLE_ID = "dtwinDeployer"
TITLE = "dtwin deployer"
DESCRIPTION = (
    "What dtwin needs to deploy and destroy a digital twin's Google Cloud layers "
    "(Pub/Sub, Cloud Functions gen2, Firestore, Cloud Storage, Cloud Scheduler, Workflows)."
)


def _permissions(layers: Iterable[str] | None, only: Iterable[str] | None) -> list[str]:
    if only is not None:
        return sorted(set(only))
    return sorted({p for group in required_permissions(layers).values() for p in group})


def role_definition(permissions: Iterable[str]) -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "stage": "GA",
        "includedPermissions": sorted(set(permissions)),
    }


def custom_role_yaml(only: Iterable[str] | None = None, layers: Iterable[str] | None = None) -> str:
    """The role as gcloud's role file: ``only`` those permissions, else every one of
    ``layers`` (all Google layers when None)."""
    role = role_definition(_permissions(layers, only))
    lines = [
        f"# gcloud iam roles create {ROLE_ID} --project=PROJECT_ID --file=role.yaml",
        f"title: {json.dumps(role['title'])}",
        f"description: {json.dumps(role['description'])}",
        f"stage: {role['stage']}",
        "includedPermissions:",
        *(f"- {p}" for p in role["includedPermissions"]),
    ]
    return "\n".join(lines) + "\n"


def custom_role_json(only: Iterable[str] | None = None, layers: Iterable[str] | None = None) -> str:
    """The role as the IAM API's ``Role`` JSON (see :func:`custom_role_yaml`)."""
    return json.dumps(role_definition(_permissions(layers, only)), indent=2)
