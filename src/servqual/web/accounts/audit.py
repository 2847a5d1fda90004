"""The audit log: who exported, imported or deleted what (:class:`AuditEntry`).

Every download of a report or export, every confirmed import, every deletion (pages, API,
admin), every erasure or export of a person's data and every run of the retention period
that changed something goes through :func:`record`, and nothing else writes the log. An
entry holds counts and formats, never a respondent's address, answers or token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servqual.web.accounts.models import Action, AuditEntry, Organisation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Actor:
    """Who acts: a person on a page, a person through an API token, or the operator's command
    line (neither)."""

    user: Any = None
    api_token: Any = None

    @classmethod
    def person(cls, user: Any) -> Actor:
        return cls(user=user)

    @classmethod
    def token(cls, api_token: Any) -> Actor:
        return cls(user=api_token.user, api_token=api_token)

    def name(self) -> str:
        """As the log shows it; kept in the entry, so it still reads once the user is gone."""
        if self.api_token is not None:
            return f"{self.user.get_username()} (API: {self.api_token.name})"
        if self.user is not None:
            return str(self.user.get_username())
        return ""  # the operator: the log page says so in the reader's language


COMMAND_LINE = Actor()

#: The kinds of object an entry names, as the log page shows them.
KINDS: dict[str, StrOrPromise] = {
    "organisation": _("organisation"),
    "study": _("study"),
    "segment": _("segment"),
    "wave": _("wave"),
    "surveylink": _("survey link"),
    "invitation": _("invitation"),
    "responseimport": _("response import"),
    "response": _("response"),
    "membership": _("membership"),
    "person": _("a person"),
}

#: How the responses that go with a deleted object are found from a response.
_RESPONSES_OF = {"organisation": "wave__study__organisation", "study": "wave__study", "wave": "wave"}


def record(
    action: Action,
    organisation: Organisation | None,
    by: Actor,
    obj: Model | None = None,
    *,
    kind: str = "",
    detail: dict[str, int | str] | None = None,
) -> AuditEntry:
    """Write one entry: ``action`` by ``by`` on ``obj`` (its kind, id and name are kept), or
    on a ``kind`` of thing without an object (a person: no name, no id). ``detail`` holds
    counts and formats only (the keys of :func:`describe`)."""
    detail = detail or {}
    unknown = set(detail) - DETAIL_KEYS
    assert not unknown, f"not an audit detail: {unknown}"  # a person's data must never slip in
    return AuditEntry.objects.create(
        organisation=organisation,
        organisation_name=organisation.name if organisation is not None else "",
        user=by.user,
        api_token=by.api_token,
        actor=by.name()[:200],
        action=action,
        object_kind=(obj._meta.model_name or "") if obj is not None else kind,
        object_id=obj.pk if obj is not None else None,
        object_name=str(obj)[:300] if obj is not None else "",
        detail=detail,
    )


def describe(entry: AuditEntry) -> str:
    """The entry's detail as a phrase in the user's language: "export.xlsx", "120 responses"."""
    parts = []
    # In the order of DETAIL_ORDER: PostgreSQL's jsonb keeps a dict's keys in an order of its own.
    for key, value in sorted(entry.detail.items(), key=lambda item: DETAIL_ORDER.index(item[0])):
        if key in COUNTED and isinstance(value, int):
            parts.append(COUNTED[key](value) % {"n": value})
        elif key == "mode":
            parts.append(str(MODES.get(str(value), value)))
        else:
            parts.append(str(value))
    return ", ".join(parts)


def kind_name(entry: AuditEntry) -> str:
    return str(KINDS.get(entry.object_kind, entry.object_kind))


COUNTED = {
    "invitations": lambda n: ngettext("%(n)s invitation", "%(n)s invitations", n),
    "addresses": lambda n: ngettext("%(n)s e-mail address", "%(n)s e-mail addresses", n),
    "links": lambda n: ngettext("%(n)s personal link", "%(n)s personal links", n),
    "responses": lambda n: ngettext("%(n)s response", "%(n)s responses", n),
}
MODES: dict[str, StrOrPromise] = {"anonymise": _("anonymised"), "delete": _("deleted")}
#: What an entry's detail may hold: counts, the download's name, the retention's mode.
DETAIL_ORDER = ["format", "mode", *COUNTED]
DETAIL_KEYS = set(DETAIL_ORDER)


def organisation_of(obj: Model) -> Organisation:
    """The organisation ``obj`` belongs to, along its ``organisation_path``."""
    found: Any = obj
    for step in filter(None, obj.organisation_path.split("__")):  # type: ignore[attr-defined]
        found = getattr(found, step)
    return found


class AuditedDeletes:
    """For a ModelAdmin: every deletion there (one object, a selection, a row of an inline)
    goes into the audit log, with the number of responses deleted with it."""

    def delete_model(self, request: Any, obj: Model) -> None:
        _record_deletion(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            _record_deletion(request, obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                _record_deletion(request, deleted.instance)
        super().save_formset(request, form, formset, change)  # type: ignore[misc]


def _record_deletion(request: Any, obj: Model) -> None:
    detail: dict[str, int | str] = {}
    path = _RESPONSES_OF.get(obj._meta.model_name or "")
    if path is not None:
        detail["responses"] = apps.get_model("surveys", "Response").objects.filter(**{path: obj}).count()
    record(Action.DELETE, organisation_of(obj), Actor.person(request.user), obj, detail=detail)
