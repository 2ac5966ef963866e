"""What changed between two submitted versions, field by field, for the reviewer and the filer."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    section: str
    field: str
    before: object
    after: object


def _flatten(section: str, value, prefix: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(
                section, inner, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"
            )
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for number, item in enumerate(value, start=1):
            yield from _flatten(section, item, f"{prefix}[{number}]")
    else:
        yield prefix, value


def changes(before: dict, after: dict) -> list[Change]:
    result = []
    for section in list(dict.fromkeys([*before, *after])):
        old = dict(_flatten(section, before.get(section, {})))
        new = dict(_flatten(section, after.get(section, {})))
        for field in list(dict.fromkeys([*old, *new])):
            if old.get(field) != new.get(field):
                result.append(Change(section, field, old.get(field), new.get(field)))
    return result
