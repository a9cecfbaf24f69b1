"""``dtwin logs``: refusals as one clear line (a real child process, as a user runs it),
and the listing a user reads: errors first, newest first, then every line. What the clouds'
logs hold is read on the matrix rows (tests/e2e/matrix_flow.py ``_printed_lines``)."""

from __future__ import annotations

from dtwin_gui.cli.logs import _show, format_line
from dtwin_gui.deploy.function_logs import FunctionLogs, LogLine
from tests.cli.test_cli_query import dtwin, one_line_error


def test_nothing_deployed_says_how_to_deploy(project):
    result = dtwin("logs", str(project))
    assert result.returncode == 1
    line = one_line_error(result)
    assert "nothing is deployed from this project to sandbox" in line
    assert f"dtwin deploy {project}" in line


def test_a_bad_since_is_a_usage_error_before_anything_else(project):
    result = dtwin("logs", str(project), "--since", "yesterday")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "--since 'yesterday' is neither a duration nor a time" in line and "10m" in line


def test_errors_are_listed_first_then_every_line(capsys):
    ok = LogLine("persister", "aws", "2026-12-03T10:00:00.000Z", "INFO", "stored", "stored", "t-1")
    printed = LogLine("processor-pump-1", "aws", "2026-12-03T10:00:01.000Z", "PRINT", "hello")
    failed = LogLine(
        "processor-pump-1", "aws", "2026-12-03T10:00:02.000Z", "ERROR", "failed:\nValueError"
    )
    _show(
        FunctionLogs(lines=[ok, printed, failed], unread={"x": "no Azure connection"}),
        errors_first=True,
    )
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "errors (1, newest first):"
    assert lines[1].startswith("  10:00:02.000  processor-pump-1") and "error" in lines[1]
    assert lines[2] == "      ValueError"  # a traceback's lines stay under their entry
    assert lines[3] == "all lines (oldest first):"
    assert "[trace t-1]" in lines[4] and "print   hello" in lines[5]
    assert "x: not read (no Azure connection)" in err
    assert format_line(printed).split()[2] == "print"
