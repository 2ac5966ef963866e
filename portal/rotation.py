"""Moving what is sealed to the ring's newest key: rows (the encrypted fields of any model) and
files (every name in a storage). Plain values and files, written before encryption, are sealed on
the way. ``manage.py rotate_keys`` runs both; the migration that introduced the encrypted fields
runs the rows.

Resumable: a row or file already sealed with the newest key and cipher is left alone, so a run
that was interrupted is finished by running it again, and a second run changes nothing. Rows go in
batches, each in a transaction of its own that locks its rows (a filer's edit meanwhile is not
overwritten with what was read before it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.functions import Cast

from portal import crypto
from portal.encrypted_fields import BlindIndexField, EncryptedJSONField, EncryptedTextField


@dataclass
class Progress:
    what: str
    checked: int = 0
    resealed: int = 0
    total: int = 0

    def __str__(self):
        return f"{self.what}: {self.checked}/{self.total} checked, {self.resealed} resealed"


def encrypted_fields(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField | EncryptedJSONField)
    ]


def _raw_needs_resealing(field, raw) -> bool:
    if raw is None:
        return False
    if isinstance(field, EncryptedTextField):
        return crypto.needs_resealing(raw)
    document = json.loads(raw) if isinstance(raw, str) else raw
    return any(crypto.needs_resealing(value) for value in field.sealed_values(document))


def reseal_rows(
    model, batch_size: int = 500, progress: Callable[[Progress], None] | None = None
) -> Progress:
    """Every row of the model whose encrypted fields are plain or sealed with an older key or
    cipher, sealed again with the newest (blind indexes computed again with it)."""
    fields = encrypted_fields(model)
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    state = Progress(f"{model._meta.app_label}.{model.__name__}")
    if not fields:
        return state
    manager = model._base_manager
    state.total = manager.count()
    raw_names = {field.name: f"raw_{field.name}" for field in fields}
    last_pk = None
    while True:
        with transaction.atomic():
            batch = manager.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(
                batch.select_for_update()
                .annotate(**{raw_names[f.name]: Cast(f.name, models.TextField()) for f in fields})
                .only("pk", *(f.name for f in fields), *(index.name for index in indexes))[
                    :batch_size
                ]
            )
            if not rows:
                break
            for row in rows:
                stale = {
                    field.name
                    for field in fields
                    if _raw_needs_resealing(field, getattr(row, raw_names[field.name]))
                }
                missing = any(
                    getattr(row, index.source) and not getattr(row, index.attname)
                    for index in indexes
                )
                if stale or missing:
                    changes = {field.name: getattr(row, field.name) for field in fields}
                    for index in indexes:
                        changes[index.name] = crypto.blind_index(getattr(row, index.source))
                    manager.filter(pk=row.pk).update(**changes)
                    state.resealed += 1
            state.checked += len(rows)
            last_pk = rows[-1].pk
        if progress:
            progress(state)
    return state


def reseal_files(
    storage,
    names: Iterable[str],
    progress: Callable[[Progress], None] | None = None,
    every: int = 100,
) -> Progress:
    """Every file of the storage sealed with the newest key, in place under its name."""
    names = list(names)
    state = Progress("files", total=len(names))
    for name in names:
        if storage.reseal(name):
            state.resealed += 1
        state.checked += 1
        if progress and (state.checked % every == 0 or state.checked == state.total):
            progress(state)
    return state


def stored_names(storage, folder: str = "") -> Iterator[str]:
    """Every file's name under the folder, depth first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing stored yet on a new disk
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_names(storage, f"{folder}/{sub}" if folder else sub)
