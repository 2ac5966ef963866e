"""The Schemathesis run's hooks (scripts/schemathesis_hooks.py): generated ids become real ids of
the token's organization and of another organization, and an answer to another organization's id
that is not a 404-like refusal, or that carries its data, fails the run."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

OWN = {"systems": [1, 3], "duties": [1], "filings": [1], "attachments": [[1, 12]]}
FOREIGN = {"systems": [2], "duties": [2], "filings": [2], "attachments": [[2, 23]]}


@pytest.fixture(scope="module")
def hooks():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCHEMATHESIS_OWN_IDS", json.dumps(OWN))
        patch.setenv("SCHEMATHESIS_FOREIGN_IDS", json.dumps(FOREIGN))
        patch.setenv("SCHEMATHESIS_FOREIGN_MARKERS", json.dumps(["模糊测试乙公司"]))
        path = Path(__file__).resolve().parent.parent / "scripts" / "schemathesis_hooks.py"
        spec = importlib.util.spec_from_file_location("schemathesis_hooks_under_test", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


def case(path, method="GET", **parameters):
    return SimpleNamespace(
        operation=SimpleNamespace(path=path), method=method, path_parameters=parameters
    )


def response(status, text=""):
    return SimpleNamespace(status_code=status, text=text)


def test_generated_ids_become_ids_of_both_organizations(hooks):
    seen = {
        hooks.map_case(None, case("/api/v1/systems/{id}/", id=n)).path_parameters["id"]
        for n in range(10)
    }
    assert seen == {1, 3, 2}
    pairs = {
        tuple(
            hooks.map_case(
                None,
                case(
                    "/api/v1/filings/{id}/attachments/{attachment_id}/file/", id=n, attachment_id=0
                ),
            ).path_parameters.values()
        )
        for n in range(10)
    }
    # Its own, the other's, and the other's attachment under its own filing.
    assert pairs == {(1, 12), (2, 23), (1, 23)}


def test_an_id_the_stateful_phase_took_from_an_answer_is_kept(hooks):
    linked = case("/api/v1/systems/{id}/", id=7)
    linked.meta = SimpleNamespace(phase=SimpleNamespace(name="stateful"))
    assert hooks.map_case(None, linked).path_parameters["id"] == 7
    generated = case("/api/v1/systems/{id}/", id=7)
    generated.meta = SimpleNamespace(phase=SimpleNamespace(name="fuzzing"))
    assert hooks.map_case(None, generated).path_parameters["id"] in {1, 2, 3}


def test_ids_that_are_no_id_are_left_for_the_404(hooks):
    for value in (-1, "AAA", None, True):
        mapped = hooks.map_case(None, case("/api/v1/duties/{id}/", id=value))
        assert mapped.path_parameters["id"] == value


def test_the_own_draft_is_not_deleted_by_the_run(hooks):
    deleted = {
        hooks.map_case(None, case("/api/v1/filings/{id}/", "DELETE", id=n)).path_parameters["id"]
        for n in range(5)
    }
    assert deleted == {2}


def test_another_organizations_object_must_not_be_found(hooks):
    check = hooks.another_organizations_ids_are_not_found
    foreign = case("/api/v1/filings/{id}/", id=2)
    check(None, response(404, '{"errors": []}'), foreign)
    check(None, response(401), foreign)
    check(None, response(200, "{}"), case("/api/v1/filings/{id}/", id=1))
    for answer in (
        response(200, "{}"),
        response(204),
        response(409, '{"errors": [{"code": "not_a_draft"}]}'),
        response(404, '{"name": "模糊测试乙公司"}'),
    ):
        with pytest.raises(AssertionError):
            check(None, answer, foreign)
    with pytest.raises(AssertionError):
        check(
            None,
            response(200, ""),
            case("/api/v1/filings/{id}/attachments/{attachment_id}/file/", id=1, attachment_id=23),
        )
