"""``dtwin cost PATH [--json] [--refresh]``: what the twin costs a month, per layer and cloud."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAIL = 0, 1
#: Where ``--refresh`` finds a Google Cloud Billing Catalog API key (else the keyring).
GOOGLE_KEY_ENV = "DTWIN_GOOGLE_BILLING_API_KEY"
#: The keyring name of that key (see dtwin_gui.credentials.secrets; never in the project).
GOOGLE_KEY_SECRET = "google-billing-catalog-api-key"
SLOT_WIDTH = 20


def google_api_key() -> str | None:
    """The Cloud Billing Catalog key: ``$DTWIN_GOOGLE_BILLING_API_KEY``, else the keyring."""
    key = os.environ.get(GOOGLE_KEY_ENV, "").strip()
    if key:
        return key
    from dtwin_gui.credentials.secrets import SecretStore

    return SecretStore().get(GOOGLE_KEY_SECRET) or None


def _refresh(as_json: bool):
    from dtwin_gui.cost.refresh import refresh_prices
    from dtwin_gui.cost.table import load_table, save_refreshed

    result = refresh_prices(load_table(), google_api_key=google_api_key())
    if result.refreshed:
        save_refreshed(result.table)
    out = sys.stderr if as_json else sys.stdout
    print(result.summary(), file=out)
    for change in result.changes:
        print(f"  {change.text()}", file=out)
    return result


def cmd_cost(args) -> int:
    from dtwin_gui.app.cost import cost_report
    from dtwin_gui.cli import _print_problem
    from dtwin_gui.core.usage import UsageError
    from dtwin_gui.cost.table import PriceTableError

    root = Path(args.path)
    refreshed = _refresh(args.json) if args.refresh else None
    try:
        report = cost_report(root)
    except UsageError as exc:
        for problem in exc.problems:
            _print_problem(problem, sys.stderr)
        print(f"dtwin: cannot estimate the cost of {root}: fix config_usage.json", file=sys.stderr)
        return EXIT_FAIL
    except PriceTableError as exc:
        print(f"dtwin: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        data = report.to_json()
        if refreshed is not None:
            data["refresh"] = refreshed.to_json()
        print(json.dumps(data, indent=2))
        return EXIT_OK
    print_report(report, sys.stdout)
    return EXIT_OK


def print_report(report, out) -> None:
    from dtwin_gui.core.providers import CLOUD_TITLES, SLOT_INFO, SLOTS, Cloud
    from dtwin_gui.cost.estimate import describe_total
    from dtwin_gui.cost.table import usd

    table, model = report.table, report.model
    name = report.project.twin_name or report.project.root.name
    print(
        f"Monthly cost of {name}: USD at list prices of {table.date} ({table.region_text()}), "
        "before free tiers, discounts and taxes",
        file=out,
    )
    print(f"Based on {model.workload.describe()}", file=out)
    print(file=out)
    chosen = report.chosen
    for slot in SLOTS:
        title = SLOT_INFO[slot].title
        if slot not in model.slots:
            print(f"{title:<{SLOT_WIDTH}} none: not part of this twin", file=out)
            continue
        here = chosen.slot(slot) if chosen else None
        others = [
            f"{CLOUD_TITLES[c]} {report.matrix[slot, c].service} {usd(report.matrix[slot, c].usd)}"
            for c in Cloud
            if (slot, c) in report.matrix and (here is None or c is not here.cloud)
        ]
        if here is None:
            print(f"{title:<{SLOT_WIDTH}} no cloud chosen · {' · '.join(others)}", file=out)
            continue
        where = f"{CLOUD_TITLES[here.cloud]} {here.service}"
        alternatives = f"   (instead: {' · '.join(others)})" if others else ""
        print(f"{title:<{SLOT_WIDTH}} {where:<28} {usd(here.usd):>10}{alternatives}", file=out)
        for line in here.lines:
            print(f"    {line.text()}", file=out)
    print(file=out)
    if chosen is None:
        print(f"Total (this choice): cannot be priced: {report.chosen_error}", file=out)
    else:
        if chosen.hops:
            print(f"Cross-cloud hops ({len(chosen.hops)}):", file=out)
            for hop in chosen.hops:
                print(f"  {hop.title}: {usd(hop.usd)}", file=out)
                for line in hop.lines:
                    print(f"    {line.text()}", file=out)
        else:
            print("Cross-cloud hops: none (every hop stays on one cloud, no glue)", file=out)
        print(f"Total (this choice): {describe_total(chosen)}", file=out)
    cheapest = report.cheapest
    if cheapest is not None:
        if chosen is not None and cheapest.providers == chosen.providers:
            print("Cheapest: this choice is the cheapest", file=out)
        else:
            saving = f" (saves {usd(report.savings)})" if report.savings else ""
            print(f"Cheapest: {describe_total(cheapest)}{saving}: {cheapest.summary()}", file=out)
    unconfirmed = len(table.unconfirmed)
    print(
        f"Prices: {table.path} of {table.date}; {unconfirmed} of {len(table.prices)} figures "
        "not confirmed on the cloud's own page (docs/cost.md). "
        f"Current list prices: dtwin cost {report.project.root} --refresh",
        file=out,
    )


def register(sub) -> None:
    p = sub.add_parser("cost", help="estimate the monthly cost per layer and cloud")
    p.add_argument("path", help="project folder")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="first pull current list prices (AWS Price List, Azure Retail Prices; Google "
        f"with an API key in ${GOOGLE_KEY_ENV} or the keyring)",
    )
    p.set_defaults(func=cmd_cost)
