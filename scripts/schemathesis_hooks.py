"""Schemathesis hooks for scripts/schemathesis.sh (SCHEMATHESIS_HOOKS): the ids in the paths are
real ones, of the token's organization and of another organization, and a check that the other
organization's are never answered with its data.

The script seeds both organizations and passes their ids as JSON in SCHEMATHESIS_OWN_IDS and
SCHEMATHESIS_FOREIGN_IDS ({"systems": [..], "duties": [..], "filings": [..], "attachments":
[[filing, attachment], ..]}), and the other organization's name and USCC in
SCHEMATHESIS_FOREIGN_MARKERS. A generated id that is a non-negative integer is replaced by one of
the real ids, chosen by its value (so a case and its shrinking stay reproducible); a negative
number, or anything that is not a number, is left as generated (a 404 to test too).
"""

import json
import os
import re

import schemathesis

OWN = json.loads(os.environ.get("SCHEMATHESIS_OWN_IDS", "{}"))
FOREIGN = json.loads(os.environ.get("SCHEMATHESIS_FOREIGN_IDS", "{}"))
MARKERS = [m for m in json.loads(os.environ.get("SCHEMATHESIS_FOREIGN_MARKERS", "[]")) if m]

# The operations on one object: the kind of object the path's ids name.
KINDS = [
    (re.compile(r"^/api/v1/systems/\{id\}/"), "systems"),
    (re.compile(r"^/api/v1/duties/\{id\}/"), "duties"),
    (re.compile(r"^/api/v1/filings/\{id\}/attachments/\{attachment_id\}/"), "attachments"),
    (re.compile(r"^/api/v1/filings/\{id\}/"), "filings"),
]


def kind_of(path: str) -> str | None:
    for pattern, kind in KINDS:
        if pattern.match(path):
            return kind
    return None


def pool(kind: str, method: str) -> list:
    own = OWN.get(kind, [])
    if kind == "attachments":
        # An attachment of the other organization, asked for under this organization's own
        # filing too: a 404 either way.
        foreign = FOREIGN.get(kind, []) + [
            [filing, attachment]
            for filing in OWN.get("filings", [])[:1]
            for _f, attachment in FOREIGN.get(kind, [])[:1]
        ]
    else:
        foreign = FOREIGN.get(kind, [])
    if kind == "filings" and method == "DELETE":
        # The organization's one draft is what every other operation works on: generated cases
        # do not delete it (tests/test_draft_deletion.py does), only try another's, a 404. The
        # stateful phase may still delete it by following a link (a 204 the schema describes):
        # the operations after that meet a 404, and the next run seeds a new draft.
        own = []
    return own + foreign


def is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def stateful(case) -> bool:
    phase = getattr(getattr(case, "meta", None), "phase", None)
    return phase is not None and str(phase.name) == "stateful"


@schemathesis.hook
def map_case(context, case):
    parameters = case.path_parameters
    kind = kind_of(case.operation.path)
    # The stateful phase follows links: an id it took from an answer (the system it just
    # created) is kept as it is.
    if not parameters or kind is None or stateful(case):
        return case
    choices = pool(kind, case.method.upper())
    if not choices:
        return case
    if kind == "attachments":
        first, second = parameters.get("id"), parameters.get("attachment_id")
        if is_index(first) and is_index(second):
            filing, attachment = choices[(first + second) % len(choices)]
            case.path_parameters = {**parameters, "id": filing, "attachment_id": attachment}
    elif is_index(parameters.get("id")):
        case.path_parameters = {**parameters, "id": choices[parameters["id"] % len(choices)]}
    return case


def foreign_target(case) -> bool:
    kind = kind_of(case.operation.path)
    parameters = case.path_parameters or {}
    if kind is None:
        return False
    if kind == "attachments":
        pair = [parameters.get("id"), parameters.get("attachment_id")]
        return pair in pool(kind, "GET")[len(OWN.get(kind, [])) :]
    return parameters.get("id") in FOREIGN.get(kind, [])


@schemathesis.check
def another_organizations_ids_are_not_found(ctx, response, case):
    """An id of another organization is answered as one that does not exist: never a success,
    never a conflict that says it exists, never a byte of its data."""
    if not foreign_target(case):
        return
    text = response.text or ""
    for marker in MARKERS:
        if marker in text:
            raise AssertionError(f"The answer carries another organization's data ({marker!r})")
    if response.status_code < 400:
        raise AssertionError(
            f"Another organization's object answered {response.status_code}, not 404"
        )
    if response.status_code == 409 and "idempotency" not in text:
        raise AssertionError("Another organization's object answered 409: it was found")
    return
