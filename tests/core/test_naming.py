import pytest

from dtwin_gui.core.naming import RULES, suggest_twin_name, twin_name_problems


@pytest.mark.parametrize("name", ["factory-twin", "abc", "plant7", "a1-b2-c3"])
def test_good_twin_names(name):
    assert twin_name_problems(name) == []


@pytest.mark.parametrize("name", ["My_Twin", "ab", "7plant", "plant-", "pl--ant", "plänt"])
def test_bad_twin_names(name):
    assert twin_name_problems(name)


def test_suggestion_is_itself_valid():
    for raw in ["My_Factory Twin!", "__x", "7-up"]:
        assert twin_name_problems(suggest_twin_name(raw)) == []


def test_storage_account_rule_is_24_lowercase_alphanumerics():
    rule = RULES["azure.storage_account"]
    assert rule.problems("a" * 24) == []
    assert any("limit is 24" in p for p in rule.problems("a" * 25))
    assert rule.problems("has-hyphen")


def test_google_service_account_bounds():
    rule = RULES["google.service_account"]
    assert rule.problems("short")  # 5 < 6
    assert rule.problems("a" * 31)
    assert rule.problems("plant-l2-sa") == []


def test_state_machine_and_iot_policy_rules():
    # The workflow and the device policies are named by the topology now, under their own
    # AWS rules (a state machine may be 80 characters, an IoT policy 128, no spaces).
    assert RULES["aws.state_machine"].problems("a" * 80) == []
    assert any("limit is 80" in p for p in RULES["aws.state_machine"].problems("a" * 81))
    assert RULES["aws.iot_policy"].problems("plant-pump-1") == []
    assert RULES["aws.iot_policy"].problems("has space")
