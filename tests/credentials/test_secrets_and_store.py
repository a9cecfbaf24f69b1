"""Secrets go to the keyring, or stay in memory; the saved choices never hold a secret."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from dtwin_gui.clouds.aws.preflight import KEY_NAMES, keys_env, target_for
from dtwin_gui.credentials.secrets import NO_KEYRING_NOTE, SERVICE, SecretStore
from dtwin_gui.credentials.store import CredentialChoices, load_choices, save_choices

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class MemoryKeyring(KeyringBackend):
    """A tiny in-test keyring backend (keyring's documented plug-in interface)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        from keyring.errors import KeyringLocked

        raise KeyringLocked("the keyring is locked")


@pytest.fixture
def keyring_backend():
    previous = keyring.get_keyring()
    yield lambda backend: keyring.set_keyring(backend)
    keyring.set_keyring(previous)


def files_under(*roots: Path) -> list[Path]:
    return [Path(d) / f for root in roots for d, _, fs in os.walk(root) for f in fs]


def secret_on_disk(*roots: Path) -> bool:
    return any(SECRET.encode() in p.read_bytes() for p in files_under(*roots))


def test_without_a_keyring_secrets_stay_in_memory(keyring_backend, tmp_path):
    keyring_backend(fail.Keyring())
    store = SecretStore()
    assert not store.persistent
    assert store.note == NO_KEYRING_NOTE
    assert "kept only until you quit" in store.note
    store.set(KEY_NAMES["AWS_SECRET_ACCESS_KEY"], SECRET)
    assert store.get(KEY_NAMES["AWS_SECRET_ACCESS_KEY"]) == SECRET
    assert SecretStore().get(KEY_NAMES["AWS_SECRET_ACCESS_KEY"]) is None  # a "restart"
    assert not secret_on_disk(Path(os.environ["DTWIN_DATA_DIR"]), tmp_path)
    store.delete(KEY_NAMES["AWS_SECRET_ACCESS_KEY"])
    assert store.get(KEY_NAMES["AWS_SECRET_ACCESS_KEY"]) is None


def test_with_a_keyring_secrets_go_there(keyring_backend):
    backend = MemoryKeyring()
    keyring_backend(backend)
    store = SecretStore()
    assert store.persistent and store.note == ""
    store.set("aws/secret_access_key", SECRET)
    assert backend.items == {(SERVICE, "aws/secret_access_key"): SECRET}
    assert SecretStore().get("aws/secret_access_key") == SECRET  # survives a "restart"
    store.set("aws/secret_access_key", "")
    assert backend.items == {}


def test_a_locked_keyring_falls_back_to_memory(keyring_backend, caplog):
    keyring_backend(BrokenKeyring())
    store = SecretStore()
    store.set("azure/client_secret", SECRET)
    assert store.get("azure/client_secret") == SECRET
    assert not store.persistent and store.note == NO_KEYRING_NOTE
    assert SECRET not in caplog.text


def test_keys_reach_the_target_at_call_time(keyring_backend):
    keyring_backend(fail.Keyring())
    store = SecretStore()
    choices = CredentialChoices()
    choices.aws.mode, choices.aws.region = "keys", "eu-west-1"
    store.set(KEY_NAMES["AWS_ACCESS_KEY_ID"], "AKIAOLD")
    store.set(KEY_NAMES["AWS_SECRET_ACCESS_KEY"], SECRET)
    store.set(KEY_NAMES["AWS_ACCESS_KEY_ID"], "AKIANEW")
    target = target_for(choices.aws, store)
    assert target.name == "aws" and target.region == "eu-west-1"
    assert target.credentials == {"AWS_ACCESS_KEY_ID": "AKIANEW", "AWS_SECRET_ACCESS_KEY": SECRET}
    assert keys_env(store)["AWS_ACCESS_KEY_ID"] == "AKIANEW"
    choices.aws.mode, choices.aws.profile = "profile", "dev"
    assert target_for(choices.aws, store).credentials == {"AWS_PROFILE": "dev"}


def test_choices_round_trip_without_secrets(tmp_path):
    choices = CredentialChoices(target="aws")
    choices.aws.profile = "dev"
    choices.azure.mode, choices.azure.client_id = (
        "principal",
        "00000000-0000-0000-0000-000000000002",
    )
    choices.google.mode, choices.google.key_file = "file", "/keys/sa.json"
    path = save_choices(choices)
    assert path.name == "credentials.json"
    assert path.parent == Path(os.environ["DTWIN_DATA_DIR"]) / "config"
    assert path.stat().st_mode & 0o777 == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "secret" not in json.dumps(data).lower()
    assert load_choices() == choices


def test_a_broken_choices_file_gives_the_defaults(tmp_path):
    path = tmp_path / "credentials.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_choices(path) == CredentialChoices()
    path.write_text(json.dumps({"aws": {"mode": "telepathy"}}), encoding="utf-8")
    assert load_choices(path).target == "sandbox"
