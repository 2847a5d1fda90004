"""The one way views reach tenant data: scoped to the organisations of the user.

Every model that belongs to an organisation names the lookup from itself to it in
``organisation_path`` ("" for Organisation itself, "study__organisation" for a wave).
An object of another organisation, or one the user's role may not see, does not
resolve: the view answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from servqual.web.accounts.models import SEE, Organisation, roles_with

M = TypeVar("M", bound=Model)


def scoped(user: Any, model: type[M], right: str = SEE, within: Organisation | None = None) -> QuerySet[M]:
    """The objects of ``model`` in the organisations where ``user`` has ``right``; with
    ``within`` (an API token's organisation), only those of that one organisation."""
    if not user.is_authenticated:
        return model.objects.none()  # type: ignore[attr-defined]
    path = model.organisation_path  # type: ignore[attr-defined]
    prefix = f"{path}__" if path else ""
    # One filter() call, so both conditions hold for the same membership row.
    found = model.objects.filter(  # type: ignore[attr-defined]
        **{f"{prefix}memberships__user": user, f"{prefix}memberships__role__in": roles_with(right)}
    )
    if within is not None:
        found = found.filter(**{path or "pk": within.pk})
    return found


def get_scoped_or_404(
    user: Any, model: type[M], right: str = SEE, within: Organisation | None = None, **lookup: Any
) -> M:
    return get_object_or_404(scoped(user, model, right, within), **lookup)


def has_right(user: Any, obj: Model, right: str, within: Organisation | None = None) -> bool:
    """Whether ``user`` (limited to ``within``, an API token's organisation) has ``right``
    on ``obj``, an object already found with a lesser right."""
    return scoped(user, type(obj), right, within).filter(pk=obj.pk).exists()
