"""``dtwin cost PATH [--json]`` as a user runs it (a real child process): per layer the
chosen cloud's cost and the alternatives, the hops, the total, the cheapest, the table's date.
The figures themselves are checked in tests/cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dtwin_gui.cost.table import shipped_table


def dtwin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dtwin_gui.cli", *args], capture_output=True, text=True, timeout=60
    )


def mixed(project) -> None:
    providers = json.loads((project / "config_providers.json").read_text(encoding="utf-8"))
    providers["layer_3_hot_provider"] = "azure"
    (project / "config_providers.json").write_text(json.dumps(providers), encoding="utf-8")


def test_cost_prints_each_layer_the_hops_the_total_and_the_cheapest(project):
    mixed(project)
    result = dtwin("cost", str(project))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    date = shipped_table().date
    assert f"list prices of {date}" in out.splitlines()[0]
    assert "Based on 3 device(s) × 1 message(s)/min × 256 B" in out
    l1 = next(line for line in out.splitlines() if line.startswith("L1 · Ingestion"))
    assert (
        "AWS IoT Core" in l1 and "instead: Azure IoT Hub $" in l1 and "Google Cloud Pub/Sub" in l1
    )
    assert "    IoT Core: 0.13 M messages × $1.00/M = $0.13" in out
    assert "Cross-cloud hops (4):" in out
    assert "  L2 → L3 hot (AWS → Azure): $" in out
    assert "Total (this choice): $" in out
    assert "Cheapest: $" in out
    assert f"Prices: dtwin_gui/cost/prices.json of {date}" in out
    assert "--refresh" in out


def test_cost_json_adds_up(project):
    mixed(project)
    result = dtwin("cost", str(project), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    chosen, cheapest = report["chosen"], report["cheapest"]
    assert chosen["providers"]["L3_hot"] == "azure"
    layers = sum(s["usd"] for s in chosen["slots"])
    glue = sum(h["usd"] for h in chosen["hops"])
    assert chosen["total_usd"] == pytest.approx(layers + glue)
    assert all(
        s["usd"] == pytest.approx(sum(x["usd"] for x in s["lines"])) for s in chosen["slots"]
    )
    assert {h["name"] for h in chosen["hops"]} >= {"l2-l3hot-writer", "l3hot-l3cold-writer"}
    assert cheapest["total_usd"] <= chosen["total_usd"]
    assert cheapest["providers"]["L4"] in ("aws", "azure")  # Google cannot host L4
    assert report["prices"]["date"] == shipped_table().date
    assert set(report["matrix"]["L4"]) == {"aws", "azure"}
    assert set(report["matrix"]["L1"]) == {"aws", "azure", "google"}
    assert report["usage"]["devices"] == 3


def test_left_out_layers_say_so(project):
    providers = json.loads((project / "config_providers.json").read_text(encoding="utf-8"))
    providers.update(layer_4_provider="none", layer_5_provider="none")
    (project / "config_providers.json").write_text(json.dumps(providers), encoding="utf-8")
    result = dtwin("cost", str(project))
    assert result.returncode == 0, result.stderr
    assert "L4 · Twin model      none: not part of this twin" in result.stdout


def test_a_bad_usage_file_is_a_located_error_and_no_traceback(project):
    (project / "config_usage.json").write_text('{"devices": -5}', encoding="utf-8")
    result = dtwin("cost", str(project))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "error: config_usage.json:1:13 $.devices: must be at least 1" in result.stderr
    assert "fix config_usage.json" in result.stderr
