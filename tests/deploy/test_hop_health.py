"""A hop's health from its glue functions' log lines (the lines as the runtime writes them;
the deployed path is proven in the matrix, tests/e2e/matrix_hops.py)."""

from __future__ import annotations

import json

from dtwin_gui.core.topology import BOUNDARY_SPECS
from dtwin_gui.deploy.hop_health import (
    FAILING,
    HEALTHY,
    IDLE,
    HopHealth,
    entries,
    judge,
)

SPEC = next(s for s in BOUNDARY_SPECS if s.name == "l2-l3hot-writer")
READER = next(s for s in BOUNDARY_SPECS if s.name == "l5-l3hot-reader")
SINCE = "2026-12-03T10:00:00.000Z"


def line(time: str, event: str, prefix: str = "", **fields) -> str:
    entry = {"time": time, "level": "INFO", "function": "f", "event": event, **fields}
    return prefix + json.dumps(entry)


def health(spec=SPEC) -> HopHealth:
    return HopHealth(spec.name, str(spec.source), str(spec.target), "aws", "azure", "")


def test_the_last_message_after_the_last_failure_is_healthy() -> None:
    received = entries(
        [
            # a platform's prefix (Lambda's request id) and lines that are no entry
            "START RequestId: 1 Version: $LATEST",
            line(
                "2026-12-03T10:01:00.000Z",
                "glue-unauthorized",
                "2026-12-03 [INFO] ",
                message="refused (401): bad signature",
            ),
            line("2026-12-03T10:02:00.000Z", "glue-received", kind="telemetry", source_layer="L2"),
            line("2026-12-03T10:03:00.000Z", "glue-received", kind="telemetry", source_layer="L2"),
            "not json {",
        ]
    )
    hop = judge(health(), SPEC, received, [], SINCE)
    assert hop.state == HEALTHY
    assert (hop.last_ok, hop.delivered, hop.failed) == ("2026-12-03T10:03:00.000Z", 2, 1)
    assert hop.failures[0].message == "refused (401): bad signature"


def test_a_failure_after_the_last_message_is_failing_newest_first() -> None:
    received = entries([line("2026-12-03T10:02:00.000Z", "glue-received", kind="telemetry")])
    sent = entries(
        [
            line(
                "2026-12-03T10:04:00.000Z",
                "glue-send-failed",
                kind="telemetry",
                message="gave up after 5 attempts",
            ),
            line(
                "2026-12-03T10:05:00.000Z",
                "glue-send-failed",
                kind="twin-update",
                message="another hop's failure",
            ),
        ]
    )
    received += entries(
        [
            line(
                "2026-12-03T10:03:00.000Z",
                "glue-handler-failed",
                kind="telemetry",
                message="the telemetry handler failed",
            )
        ]
    )
    hop = judge(health(), SPEC, received, sent, SINCE)
    assert hop.state == FAILING
    assert [(f.side, f.message) for f in hop.failures] == [
        ("sender", "gave up after 5 attempts"),
        ("receiver", "the telemetry handler failed"),
    ]


def test_nothing_in_the_window_is_idle_and_other_layers_reads_do_not_count() -> None:
    old = entries([line("2026-12-03T09:00:00.000Z", "glue-received", kind="telemetry")])
    assert judge(health(), SPEC, old, [], SINCE).state == IDLE
    # the hot reader serves L4 and L5: an L4 read is not the L5 hop's message
    l4_read = entries(
        [line("2026-12-03T10:02:00.000Z", "glue-received", kind="hot-query", source_layer="L4")]
    )
    assert judge(health(READER), READER, l4_read, None, SINCE).state == IDLE
    l5_read = entries(
        [line("2026-12-03T10:02:00.000Z", "glue-received", kind="hot-query", source_layer="L5")]
    )
    assert judge(health(READER), READER, l5_read, None, SINCE).state == HEALTHY


def test_dtwins_own_signed_queries_are_not_the_layers_reads() -> None:
    """``dtwin query`` signs its reads with the reader boundary's secret, as L4 would: its
    trace ids say they are dtwin's, and they make no reader hop look used."""
    from dtwin_gui.deploy.query import OWN_QUERY_PREFIX

    own = entries(
        [
            line(
                "2026-12-03T10:02:00.000Z",
                "glue-received",
                kind="hot-query",
                source_layer="L5",
                trace_id=OWN_QUERY_PREFIX + "0f" * 16,
            )
        ]
    )
    assert judge(health(READER), READER, own, None, SINCE).state == IDLE
