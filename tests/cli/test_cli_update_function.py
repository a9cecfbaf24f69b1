"""``dtwin update-function``: refusals as a clear message and exit code 1, in a real child
process as a user runs it (the updates themselves: tests/e2e/test_update_function_aws.py)."""

from __future__ import annotations

from tests.cli.test_cli_query import dtwin


def _refusal(result) -> list[str]:
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()


def test_an_unknown_function_names_the_closest(project):
    lines = _refusal(dtwin("update-function", str(project), "procesor-pressure-sensor-1"))
    assert lines[0] == "dtwin: this twin has no function 'procesor-pressure-sensor-1'"
    assert lines[1].startswith("    hint: did you mean processor-pressure-sensor-1")


def test_nothing_deployed_says_how_to_deploy(project):
    lines = _refusal(dtwin("update-function", str(project), "temperature-sensor-1"))
    assert lines == [
        f"dtwin: nothing is deployed from this project to sandbox: deploy first "
        f"(dtwin deploy {project})"
    ]


def test_the_real_clouds_are_the_cloud_target(project):
    lines = _refusal(dtwin("update-function", str(project), "persister", "--target", "cloud"))
    assert lines == [
        f"dtwin: nothing is deployed from this project to aws: deploy first "
        f"(dtwin deploy {project} --target aws)"
    ]


def test_a_target_that_does_not_exist_is_a_usage_error(project):
    result = dtwin("update-function", str(project), "persister", "--target", "moon")
    assert result.returncode == 2 and "invalid choice: 'moon'" in result.stderr
