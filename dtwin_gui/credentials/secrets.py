"""Secrets the user types (AWS secret keys, Azure client secrets) in the OS keyring.

Stored under the service name ``dtwin``. Without a usable keyring backend (a headless Linux
box has none: ``keyring.backends.fail.Keyring``) or when the keyring errors, the secret is
kept in this process's memory only, for this session, and :attr:`SecretStore.note` says so.
Secrets are never written to disk by this module and never logged (only their names are).
"""

from __future__ import annotations

import contextlib
import logging
import threading

SERVICE = "dtwin"
NO_KEYRING_NOTE = (
    "No keyring found: the secret is kept only until you quit dtwin. Install and unlock a "
    "keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager) to keep it."
)

log = logging.getLogger(__name__)


def keyring_usable() -> bool:
    """True when the ``keyring`` package has a real (not the "fail") backend."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # no keyring at all, or its discovery failed
        return False
    return not isinstance(backend, fail.Keyring)


class SecretStore:
    """``get``/``set``/``delete`` secrets by name; the keyring first, memory as fallback."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()
        self._keyring_failed = False

    @property
    def persistent(self) -> bool:
        """True when secrets survive a restart (a working OS keyring)."""
        return not self._keyring_failed and keyring_usable()

    @property
    def note(self) -> str:
        """A sentence for the page when secrets are kept in memory only; "" otherwise."""
        return "" if self.persistent else NO_KEYRING_NOTE

    def set(self, name: str, value: str) -> None:
        """Keep ``value`` under ``name`` (an empty value deletes it)."""
        if not value:
            self.delete(name)
            return
        if self.persistent:
            try:
                import keyring

                keyring.set_password(self.service, name, value)
            except Exception as exc:  # locked or broken keyring: fall back to memory
                self._fallback("store", name, exc)
            else:
                with self._lock:
                    self._memory.pop(name, None)
                return
        with self._lock:
            self._memory[name] = value

    def get(self, name: str) -> str | None:
        with self._lock:
            if name in self._memory:
                return self._memory[name]
        if not self.persistent:
            return None
        try:
            import keyring

            return keyring.get_password(self.service, name)
        except Exception as exc:
            self._fallback("read", name, exc)
            return None

    def delete(self, name: str) -> None:
        with self._lock:
            self._memory.pop(name, None)
        if not self.persistent:
            return
        try:
            import keyring
            from keyring.errors import PasswordDeleteError

            with contextlib.suppress(PasswordDeleteError):  # nothing stored under that name
                keyring.delete_password(self.service, name)
        except Exception as exc:
            self._fallback("delete", name, exc)

    def _fallback(self, what: str, name: str, exc: Exception) -> None:
        # Only the name and the error type: an exception text might echo the secret.
        log.warning(
            "keyring could not %s %s (%s); keeping secrets in memory",
            what,
            name,
            type(exc).__name__,
        )
        self._keyring_failed = True
