"""The cost side of the Layers page: a cost under each matrix cell, the chosen total, the
Cheapest preset, the usage form and Refresh prices.

Pricing the matrix and the choice takes a millisecond and runs on the GUI thread; the
Cheapest search (every assignment, glue included) and the online refresh run on workers.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from dtwin_gui.app.cost import model_for
from dtwin_gui.core.providers import CLOUD_TITLES, SLOT_INFO
from dtwin_gui.core.topology import TopologyError
from dtwin_gui.core.usage import UsageError, load_usage, read_usage, write_usage
from dtwin_gui.cost.estimate import CostModel, Estimate, describe_total
from dtwin_gui.cost.table import PriceTable, PriceTableError, load_table, shipped_table, usd
from dtwin_gui.ui.dialogs.refresh_prices_dialog import RefreshPricesDialog
from dtwin_gui.ui.dialogs.usage_dialog import UsageDialog
from dtwin_gui.ui.session import ProjectSession, ReadOnlyProjectError
from dtwin_gui.ui.widgets.banner import Banner
from dtwin_gui.ui.widgets.cost_summary import CostSummary
from dtwin_gui.ui.widgets.layer_matrix import LayerMatrix
from dtwin_gui.ui.workers import TaskFailure, TaskRunner

log = logging.getLogger(__name__)
#: The keyring name of the Cloud Billing Catalog key (the CLI reads the same one).
GOOGLE_KEY_SECRET = "google-billing-catalog-api-key"
CHANGES_SHOWN = 4


class LayersCost(QObject):
    """Keeps the matrix's cost notes and the summary in step with the session."""

    #: The Cheapest search finished (the Estimate), for tests and the preset button.
    cheapest_ready = Signal(object)
    #: A refresh finished (its RefreshResult, or None when it failed).
    refreshed = Signal(object)
    #: The Cheapest preset chose this provider choice (every slot; the page saves it).
    choice_requested = Signal(object)

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        matrix: LayerMatrix,
        summary: CostSummary,
        banner: Banner,
        *,
        secrets=None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self._matrix = matrix
        self._summary = summary
        self._banner = banner
        self._secrets = secrets
        self._table: PriceTable | None = None
        self._model: CostModel | None = None
        self.chosen: Estimate | None = None
        self.cheapest: Estimate | None = None
        self._generation = 0
        self._apply_when_ready = False
        self.refreshing = False
        self.searching = False
        summary.usage_requested.connect(self.edit_usage)
        summary.refresh_requested.connect(self.ask_refresh)

    # --- prices -----------------------------------------------------------------------------
    @property
    def table(self) -> PriceTable:
        if self._table is None:
            try:
                self._table = load_table()
            except PriceTableError:
                log.exception("the price table cannot be read; using the shipped one")
                self._table = shipped_table()
        return self._table

    def set_table(self, table: PriceTable) -> None:
        self._table = table
        self.update()

    # --- pricing ----------------------------------------------------------------------------
    def update(self) -> None:
        """Price the open project: notes under the cells, the summary, then Cheapest."""
        self._generation += 1
        self.cheapest = None
        project = self._session.project
        root = self._session.root
        if project is None or root is None:
            self._model = self.chosen = None
            self._matrix.set_notes({})
            self._summary.show_estimate("—", "open a project first", "", "", "", {})
            return
        table = self.table
        try:
            usage = load_usage(root, project)
        except UsageError as exc:
            self._model = self.chosen = None
            self._matrix.set_notes({})
            self._summary.show_estimate(
                "—",
                f"Cannot estimate: {exc}. Fix the file, or save new numbers with Usage….",
                "",
                "",
                f"prices {table.date}",
                {"detail": "\n".join(f"{p.location}: {p.message}" for p in exc.problems)},
            )
            return
        model = self._model = model_for(project, usage, table)
        notes = {}
        for (slot, cloud), cost in model.matrix().items():
            head = f"{SLOT_INFO[slot].title} on {CLOUD_TITLES[cloud]}: {usd(cost.usd)} a month"
            notes[slot, cloud] = (
                f"{usd(cost.usd)}/mo",
                "\n".join([head, *(f"  {line.text()}" for line in cost.lines)]),
            )
        self._matrix.set_notes(notes)
        try:
            self.chosen = model.estimate(project.providers)
        except TopologyError as exc:
            self.chosen = None
            # the hop list beside says why, once; the tooltip repeats it for this panel
            total, detail, tip = "—", "this choice cannot be priced yet (see the hops)", str(exc)
        else:
            total = f"{usd(self.chosen.total)}"
            hops = len(self.chosen.hops)
            detail = (
                f"this choice · layers {usd(self.chosen.layers_usd)} + glue "
                f"{usd(self.chosen.glue_usd)} ({hops} hop{'s' if hops != 1 else ''})"
            )
            tip = "\n".join(
                [f"{describe_total(self.chosen)}"]
                + [f"{h.title}: {usd(h.usd)}" for h in self.chosen.hops]
            )
        u = usage
        basis = (
            f"{u.devices:,} devices × {u.messages_per_device_per_minute:g}/min × "
            f"{u.payload_bytes:,} B"
        )
        prices = f"prices {table.date}"
        self._summary.show_estimate(
            total,
            detail,
            "Cheapest: searching…",
            basis,
            prices,
            {
                "total": tip,
                "basis": f"Based on {model.workload.describe()}",
                "prices": f"List prices of {table.date} ({table.region_text()}), before free "
                f"tiers, discounts and taxes; {len(table.unconfirmed)} of "
                f"{len(table.prices)} figures not confirmed on the cloud's own page "
                f"(see docs/cost.md). From {table.path}.",
            },
        )
        self._search_cheapest(model)

    def _search_cheapest(self, model: CostModel) -> None:
        generation = self._generation
        self.searching = True
        self._runner.start(
            model.cheapest,
            name="cheapest",
            on_result=lambda estimate: self._on_cheapest(generation, estimate),
            on_error=lambda failure: self._on_cheapest_failed(generation, failure),
        )

    def _on_cheapest(self, generation: int, estimate: Estimate) -> None:
        if generation != self._generation:
            return  # the project or the numbers changed since; a newer search runs
        self.searching = False
        self.cheapest = estimate
        if self.chosen is not None and estimate.providers == self.chosen.providers:
            text = f"Cheapest: {usd(estimate.total)}: this choice"
        elif self.chosen is not None:
            saves = self.chosen.total - estimate.total
            text = f"Cheapest: {usd(estimate.total)} (saves {usd(saves)})"
        else:
            text = f"Cheapest: {usd(estimate.total)}"
        self._summary.set_cheapest(text, f"{describe_total(estimate)}\n{estimate.summary()}")
        self.cheapest_ready.emit(estimate)
        if self._apply_when_ready:
            self._apply_when_ready = False
            self._choose(estimate)

    def _on_cheapest_failed(self, generation: int, failure: TaskFailure) -> None:
        if generation == self._generation:
            self.searching = False
            self._apply_when_ready = False
            self._summary.set_cheapest(f"Cheapest: unavailable ({failure.message})")

    def apply_cheapest(self) -> None:
        """The Cheapest preset: choose it now, or as soon as the search ends."""
        if self._model is None:
            self._banner.show_message(
                "error", "The cost cannot be estimated yet, so there is no cheapest choice."
            )
            return
        if self.cheapest is not None:
            self._choose(self.cheapest)
        else:
            self._apply_when_ready = True

    def _choose(self, estimate: Estimate) -> None:
        self.choice_requested.emit(estimate.choice())

    # --- usage ------------------------------------------------------------------------------
    def edit_usage(self) -> None:
        """The compact usage form; Save writes the project (config_usage.json, config.json)."""
        root, project = self._session.root, self._session.project
        if root is None or project is None:
            return
        dialog = UsageDialog(read_usage(root, project), self._dialog_parent())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self._session.check_writable()
            write_usage(root, dialog.usage())
        except ReadOnlyProjectError as exc:
            self._banner.show_message("info", str(exc))
            return
        except (OSError, ValueError) as exc:
            log.exception("could not save the usage numbers")
            self._banner.show_message(
                "error",
                f"Could not save the usage numbers: {getattr(exc, 'strerror', None) or exc}. "
                "Check that the project folder is writable.",
            )
            return
        self._session.reload()

    # --- refresh ----------------------------------------------------------------------------
    def _store(self):
        if self._secrets is None:
            from dtwin_gui.credentials.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    def ask_refresh(self) -> None:
        store = self._store()
        stored = store.get(GOOGLE_KEY_SECRET)
        dialog = RefreshPricesDialog(
            self.table.date, key_stored=bool(stored), parent=self._dialog_parent()
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        key = dialog.typed_key() or stored
        if dialog.typed_key() and dialog.remember.isChecked():
            store.set(GOOGLE_KEY_SECRET, dialog.typed_key())
        elif not dialog.remember.isChecked() and stored:
            store.delete(GOOGLE_KEY_SECRET)
        self.start_refresh(key or None)

    def start_refresh(self, google_api_key: str | None, *, fetch=None) -> None:
        """Pull current prices on a worker; the page keeps working meanwhile."""
        from dtwin_gui.cost.refresh import fetch_json, refresh_prices
        from dtwin_gui.cost.table import save_refreshed

        if self.refreshing:
            return
        table = self.table
        fetch = fetch or fetch_json

        def work():
            result = refresh_prices(table, fetch=fetch, google_api_key=google_api_key)
            if result.refreshed:
                save_refreshed(result.table)
            return result

        self.refreshing = True
        self._summary.refresh_button.setEnabled(False)
        self._summary.prices.setText("refreshing…")
        self._runner.start(
            work, name="refresh-prices", on_result=self._on_refreshed, on_error=self._on_failed
        )

    def _on_refreshed(self, result) -> None:
        self.refreshing = False
        self._summary.refresh_button.setEnabled(True)
        changes = [c.text() for c in result.changes]
        shown = "; ".join(changes[:CHANGES_SHOWN])
        more = f" and {len(changes) - CHANGES_SHOWN} more" if len(changes) > CHANGES_SHOWN else ""
        kind = "ok" if result.refreshed else "error"
        self._banner.show_message(kind, result.summary() + (f" {shown}{more}." if shown else ""))
        self._banner.setToolTip(
            "\n".join(changes + [f"kept: {k} ({why})" for k, why in result.missing.items()])
        )
        self.refreshed.emit(result)
        self.set_table(result.table)

    def _on_failed(self, failure: TaskFailure) -> None:
        self.refreshing = False
        self._summary.refresh_button.setEnabled(True)
        self._banner.show_message(
            "error",
            f"Could not refresh the prices: {failure.message}. Still using the list prices "
            f"of {self.table.date}; details are in the log.",
        )
        self.refreshed.emit(None)
        self.update()

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None
