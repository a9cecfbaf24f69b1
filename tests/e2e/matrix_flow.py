"""One provider choice of the matrix, proven end to end on the sandbox (tests/e2e/test_matrix*).

:func:`prove` deploys the example twin with the row's clouds, checks every layer is live,
sends each device's telemetry, reads it back as ``dtwin query`` does and as L4/L5 do from
another cloud (TwinMaker, Grafana: ``matrix_readers``), checks what each crossing boundary
carried at its far side, ages the records through cold and archive
(crashing the hot-to-cold mover between its write and its delete once), destroys, and checks
that no cloud holds anything of the twin. Returns what it measured, per phase.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field

import pytest

from dtwin_gui.core.providers import PROVIDER_KEYS, SLOTS, Cloud, Slot
from tests.e2e.matrix_sides import ARCHIVE_CLASS, COLD_CLASS, TWIN, same_time, tier_of
from tests.helpers import wait_for


@dataclass
class Proof:
    row: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    #: The crossing boundaries whose deployed receivers were attacked.
    boundaries: list[str] = field(default_factory=list)

    def timed(self, phase: str, started: float) -> None:
        self.seconds[phase] = round(time.monotonic() - started, 1)


def write_row(project, row: tuple[str, ...]) -> None:
    path = project / "config_providers.json"
    keys = [PROVIDER_KEYS[s] for s in SLOTS]
    path.write_text(json.dumps(dict(zip(keys, row, strict=True)), indent=2))


def _keys(records) -> set[tuple[str, str]]:
    return {(r["device_id"], r["timestamp"]) for r in records}


def _all_hot(store) -> list[dict]:
    return store.older_than("9999-12-31T00:00:00.000Z", limit=10_000)


def _chunk_records(store) -> list[tuple[str, str]]:
    """Every (device, timestamp) in the store's chunks, duplicates kept."""
    from dtwin_gui.runtime.core.objects import decode_chunk, parse_key

    out = []
    for info in store.list():
        parse_key(info.key)  # the contract's key, or ObjectKeyError
        out += [(r["device_id"], r["timestamp"]) for r in decode_chunk(store.get(info.key))]
    return sorted(out)


def prove(row: tuple[str, ...], sides: dict, connections, tmp_path) -> Proof:
    from dtwin_gui.deploy.cloud_parts import find_leftovers
    from dtwin_gui.deploy.orchestrator import Deployment
    from dtwin_gui.deploy.status import DEPLOYED, LEFT_OUT
    from tests.conftest import TEMPLATE

    proof = Proof(row)
    cloud = {slot: (None if c == "none" else Cloud(c)) for slot, c in zip(SLOTS, row, strict=True)}
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE, project)
    write_row(project, row)
    _print_in_processor(project)

    started = time.monotonic()
    deployment = Deployment(project, connections)
    result = deployment.deploy()
    assert result.status == "succeeded", (result.message, result.log_path.read_text()[-4000:])
    proof.timed("deploy", started)
    report = deployment.status()
    expected = {str(s): (DEPLOYED if cloud[s] else LEFT_OUT) for s in SLOTS}
    assert {k: v.state for k, v in report.layers.items()} == expected, {
        k: v.missing for k, v in report.layers.items()
    }
    try:
        _urls_known_before_the_apply(deployment, report.outputs)
        _flow(proof, project, cloud, sides, connections, deployment, report.outputs)
    except BaseException:
        deployment.destroy()  # best effort: the next row starts from empty clouds
        raise
    started = time.monotonic()
    gone = deployment.destroy()
    assert gone.status == "succeeded", (gone.message, gone.log_path.read_text()[-3000:])
    assert find_leftovers(connections, TWIN) == {}
    proof.timed("destroy", started)
    return proof


#: What the user's processor prints (``dtwin logs`` must show it from every cloud's L2).
PRINTED = "converted to Fahrenheit:"


def _print_in_processor(project) -> None:
    path = project / "processors" / "temperature-sensor-1" / "process.py"
    code = path.read_text().replace(
        "    return event", f"    print({PRINTED!r}, event['temperature_f'])\n    return event"
    )
    path.write_text(code)


def _printed_lines(deployment, records) -> None:
    """``dtwin logs``: the processor's own print line for each record, with the runtime's
    entries of that function (its trace ids among them)."""
    from dtwin_gui.deploy.function_logs import deployment_logs

    wanted = {f"{PRINTED} {r['temperature_f']}" for r in records if "temperature_f" in r}

    def printed():
        logs = deployment_logs(deployment, function="processor-temperature-sensor-1")
        assert not logs.unread, logs.unread
        texts = {line.text for line in logs.lines if line.level == "PRINT"}
        return wanted <= texts and logs

    logs = wait_for(printed, timeout=30)
    assert all(line.function == "processor-temperature-sensor-1" for line in logs.lines)
    assert not logs.errors, logs.errors


def _urls_known_before_the_apply(deployment, outputs) -> None:
    """The AWS receiver URLs a provisioned sender was given before the apply (a first deploy
    does not wait for it) are the URLs the apply made, as the sandbox serves them."""
    from dtwin_gui.deploy.provision_phase import (
        output_key,
        provisioned_for,
        receiver_urls,
        root_receiver_outputs,
    )

    provisioned = provisioned_for(deployment.project_root, deployment.connections)
    known = root_receiver_outputs(deployment, provisioned)
    made = {output_key(b): url for b, url in receiver_urls(deployment, outputs).items()}
    assert known == {key: made.get(key) for key in known}


def _flow(proof, project, cloud, sides, connections, deployment, outputs) -> None:
    from dtwin_gui.deploy.query import query_hot
    from dtwin_gui.deploy.simulate import simulate
    from dtwin_gui.runtime.core.log import log_time
    from tests.e2e import matrix_hops, matrix_readers

    # The Status page's hops: all there, none has carried a message yet.
    matrix_hops.none_crossed_yet(deployment)
    began = log_time()

    # Telemetry in on L1's cloud; L1 -> L2: processed (the processor's Fahrenheit value);
    # L2 -> L3 hot: every record in the hot store, with the contract's keys.
    started = time.monotonic()
    now = same_time(list(sides.values()))  # the records' time on every sandbox clock
    sent = simulate(project, connections, now=now)
    sent_keys = {(s.device_id, s.timestamp) for s in sent.sent}
    hot_side = sides[cloud[Slot.L3_HOT]]
    hot = hot_side.hot(project, outputs)
    records = wait_for(lambda: (r := _all_hot(hot)) and len(r) >= len(sent_keys) and r)
    assert _keys(records) == sent_keys
    processed = [r for r in records if r["device_id"] == "temperature-sensor-1"]
    assert processed and all("temperature_f" in r for r in processed), processed
    queried = query_hot(project, connections)  # as `dtwin query` reads them
    assert _keys(queried.records) == sent_keys
    if cloud[Slot.L1] is cloud[Slot.L2]:
        # The event rule fired on L2 and its feedback reached the device through L1.
        l1 = sides[cloud[Slot.L1]]
        wait_for(lambda: l1.heard(project, connections, "temperature-sensor-1"), timeout=60)
    else:  # no feedback boundary between clouds (DESIGN.md §3): the user was told so
        from dtwin_gui.core.validation import validate_project

        codes = {p.code for p in validate_project(project).warnings}
        assert "feedback-across-clouds" in codes
    _printed_lines(deployment, processed)
    proof.timed("telemetry", started)

    if cloud[Slot.L4] is Cloud.AZURE:  # L2 -> L4: the twins carry the latest values
        azure = sides[Cloud.AZURE]
        latest = max((r for r in records if "temperature" in r), key=lambda r: r["timestamp"])

        def updated():
            twins = azure.twins(project)
            twin = twins.get(latest["device_id"], {})
            return twin.get("temperature") == pytest.approx(latest["temperature"]) and twins

        wait_for(updated, timeout=60)
    # L4/L5 -> L3 hot across clouds: TwinMaker and Grafana read the newest record through
    # their cloud's signed proxy (Azure Digital Twins is pushed its values and reads nothing).
    read = matrix_readers.read_as_l4_l5(project, cloud, sides, outputs, records)
    # Status: the hops the telemetry and the readers crossed are healthy, as of now.
    found = matrix_hops.healthy(deployment, (*matrix_hops.FLOWING, *read), began)
    if cloud[Slot.L4] is Cloud.AZURE and "l4-l3hot-reader" in found:
        assert found["l4-l3hot-reader"].state == matrix_hops.IDLE, matrix_hops.receiver_lines(
            deployment, "l4-l3hot-reader", "hot-query"
        )
    began = log_time()
    # L3 hot -> cold: aged records leave the hot store as chunks in the cold tier; a crash
    # after the write and before the delete (the records back in hot) changes nothing.
    started = time.monotonic()
    cold_side, archive_side = sides[cloud[Slot.L3_COLD]], sides[cloud[Slot.L3_ARCHIVE]]
    cold = cold_side.cold(project, outputs)
    archive = archive_side.archive(project, outputs)
    expected_keys = sorted(_keys(records))
    hot_side.advance(days=31)  # past the 30 hot days: L3 hot's mover runs
    assert _all_hot(hot) == []
    assert _chunk_records(cold) == expected_keys  # nothing lost, nothing twice
    chunk_keys = sorted(o.key for o in cold.list())
    assert {tier_of(cold, k) for k in chunk_keys} == {COLD_CLASS[cold_side.cloud]}
    from dtwin_gui.runtime.core.objects import decode_chunk

    for record in decode_chunk(cold.get(chunk_keys[0])):
        hot.put(record)
    hot_side.advance(days=1)  # its next run (AWS runs it daily, Azure and Google hourly)
    assert _all_hot(hot) == []
    assert _chunk_records(cold) == expected_keys
    assert sorted(o.key for o in cold.list()) == chunk_keys

    # L3 cold -> archive: past the 90 cold days (on the cold tier's own clock).
    cold_side.advance(days=91 if cold_side is hot_side else 122)
    assert cold.list() == []
    assert sorted(o.key for o in archive.list()) == chunk_keys
    # In its tier: Glacier, Blob Archive (neither readable before a restore), GCS Archive.
    assert {tier_of(archive, k) for k in chunk_keys} == {ARCHIVE_CLASS[archive_side.cloud]}
    matrix_hops.healthy(deployment, matrix_hops.MOVERS, began)
    proof.timed("movers", started)

    # Forged, expired and oversized requests at every deployed receiver: refused, nothing
    # written; a valid telemetry request replayed: stored once.
    started = time.monotonic()
    from dtwin_gui.core.project import load_project
    from dtwin_gui.core.topology import topology_for_project
    from tests.e2e.matrix_glue import refused_with_nothing_written, replay_stores_once

    topology = topology_for_project(load_project(project))

    def written():
        twins = sides[Cloud.AZURE].twins(project) if cloud[Slot.L4] is Cloud.AZURE else {}
        return (
            sorted(_keys(_all_hot(hot))),
            sorted(o.key for o in cold.list()),
            sorted(o.key for o in archive.list()),
            json.dumps(twins, sort_keys=True, default=str),
        )

    now = same_time(list(sides.values()))
    began = log_time()
    proof.boundaries = refused_with_nothing_written(deployment, outputs, topology, now, written)
    # Status lists the refusals of every receiver; each hop shows failing until it carries
    # a good message again (the replayed telemetry below).
    matrix_hops.refusals_listed(deployment, proof.boundaries, began)
    began = log_time()
    replayed = replay_stores_once(deployment, outputs, topology, now, hot)
    matrix_hops.healthy(deployment, replayed, began)
    proof.timed("glue", started)

    # The Status page's traced test message, hop by hop across the clouds (after the movers:
    # its record is stamped with the wall clock, not the sandbox's).
    from dtwin_gui.core.project import load_project
    from dtwin_gui.deploy.cloud_parts import trace_telemetry

    trace = trace_telemetry(load_project(project), connections, outputs, timeout_s=60)
    states = {h.layer: h.state for h in trace.hops}
    assert all(states.get(layer) == "ok" for layer in ("L1", "L2", "L3_hot")), [
        (h.layer, h.state, h.detail) for h in trace.hops
    ]


def prove_and_report(row: tuple[str, ...], three_clouds, tmp_path) -> Proof:
    """:func:`prove` on the ``three_clouds`` fixture; prints the row's phase times."""
    from tests.e2e.matrix_rows import row_id

    sides, connections = three_clouds
    proof = prove(row, sides, connections, tmp_path)
    print(f"\nmatrix {row_id(row)}: {proof.seconds}; bad requests refused at {proof.boundaries}")
    return proof
