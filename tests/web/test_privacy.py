"""A person's data (GDPR): found by address or personal link, exported as JSON, erased with
every answer; and each study's retention period, applied by a command. Audit-logged
without the address; a wave's results never lose fewer than k responses at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from synthetic import fill

from servqual.web.accounts.models import Action, AuditEntry
from servqual.web.dashboards.results import admit
from servqual.web.distribution.models import Invitation, InvitationKey
from servqual.web.surveys.models import Response

ADDRESS = "anna@example.nl"


def invited(wave, email=ADDRESS, completed=True, answers=None) -> tuple[Invitation, str]:
    """An invitation with a personal link (its token returned) and a response."""
    response = Response.objects.create(
        wave=wave,
        segments={"branch": "Utrecht"},
        language="nl",
        answers=answers or {"E1": 6, "P1": 4},
        completed_at=timezone.now() if completed else None,
    )
    invitation = Invitation.objects.create(
        wave=wave, email=email, language="nl", segments={"branch": "Utrecht"}, response=response
    )
    return invitation, invitation.new_key()


def close(wave, days_ago: int) -> None:
    wave.opens_at = timezone.now() - timedelta(days=days_ago + 30)
    wave.closes_at = timezone.now() - timedelta(days=days_ago)
    wave.save()


def no_address_in_the_log() -> None:
    for entry in AuditEntry.objects.all():
        assert ADDRESS not in json.dumps([entry.object_name, entry.detail, entry.actor])


# --- the commands --------------------------------------------------------------------------


def test_erasing_by_address_deletes_the_invitations_and_every_answer(wave, acme):
    invitation, _ = invited(wave)
    other, _ = invited(wave, email="bram@example.nl")
    said = call_command("erasepersonaldata", "--email", " Anna@Example.NL ")
    assert said == "1 invitations and 1 responses erased"
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert not Response.objects.filter(pk=invitation.response_id).exists()
    assert not InvitationKey.objects.filter(invitation_id=invitation.pk).exists()
    assert Invitation.objects.get().pk == other.pk and Response.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.organisation, entry.object_kind, entry.actor) == (Action.ERASE, acme, "person", "")
    assert entry.detail == {"invitations": 1, "responses": 1}
    no_address_in_the_log()


def test_a_dry_run_counts_and_changes_nothing(wave):
    invited(wave)
    assert call_command("erasepersonaldata", "--email", ADDRESS, "--dry-run") == (
        "1 invitations and 1 responses would be erased"
    )
    assert Invitation.objects.count() == 1 and Response.objects.count() == 1 and not AuditEntry.objects.exists()


def test_erasing_by_token_finds_the_one_invitation_even_without_its_address(wave):
    invitation, token = invited(wave)
    invited(wave, email="bram@example.nl")
    Invitation.objects.filter(pk=invitation.pk).update(email=None)
    said = call_command("erasepersonaldata", "--token", f"https://survey.example.org/i/{token}/")
    assert said == "1 invitations and 1 responses erased"
    assert list(Invitation.objects.values_list("email", flat=True)) == ["bram@example.nl"]


def test_erasing_within_an_organisation_leaves_the_others_alone(wave, globex, study_for):
    invited(wave)
    elsewhere, _ = invited(study_for(globex).waves.get())
    said = call_command("erasepersonaldata", "--email", ADDRESS, "--organisation", "Acme")
    assert said == "1 invitations and 1 responses erased"
    assert list(Invitation.objects.all()) == [elsewhere]


def test_export_gives_every_invitation_with_its_answers_as_json(wave):
    _, token = invited(wave, answers={"E1": 6, "P1": None})
    document = json.loads(call_command("exportpersonaldata", "--email", ADDRESS))
    [found] = document["invitations"]
    assert found["email"] == ADDRESS and found["study"] == "Klantonderzoek" and found["wave"] == "2026-1"
    assert found["state"] == "completed" and found["segments"] == {"branch": "Utrecht"}
    assert found["response"]["answers"] == {"E1": 6, "P1": None}
    assert found["response"]["completed_on"] == timezone.localdate().isoformat()
    by_token = json.loads(call_command("exportpersonaldata", "--token", token))
    assert by_token["invitations"] == document["invitations"]
    assert AuditEntry.objects.filter(action=Action.ACCESS).count() == 2
    no_address_in_the_log()


def test_neither_address_nor_token_is_refused(wave):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--email or --token"):
        call_command("erasepersonaldata")


# --- erasure and the results' steps -------------------------------------------------------------


def test_an_erased_response_in_the_results_takes_k_minus_1_others_out_until_the_next_step(wave):
    """Before and after an erasure the results differ by k responses, never by one."""
    fill(wave, 9)
    invited(wave)  # the 10th: with k = 5, two whole steps
    assert admit(wave) == {"completed": 10, "in_results": 10, "step": 5}
    call_command("erasepersonaldata", "--email", ADDRESS)
    assert admit(wave) == {"completed": 9, "in_results": 5, "step": 5}  # 4 wait again, none lost
    assert Response.objects.filter(wave=wave).count() == 9
    fill(wave, 1, seed=2)
    assert admit(wave) == {"completed": 10, "in_results": 10, "step": 5}  # back with the next step


# --- retention ---------------------------------------------------------------------------------


def test_retention_anonymises_after_the_period_and_keeps_the_answers(wave, study):
    invitation, token = invited(wave)
    close(wave, days_ago=29)
    assert call_command("applyretention") == "0 waves changed"
    close(wave, days_ago=31)
    assert call_command("applyretention", "--dry-run").endswith("1 waves would change")
    assert Invitation.objects.get().email == ADDRESS
    said = call_command("applyretention")
    assert said.splitlines()[0].endswith("1 addresses, 1 personal links removed (anonymised)")
    invitation.refresh_from_db()
    assert invitation.email is None and not invitation.keys.exists() and invitation.response is not None
    assert Response.objects.get().answers == {"E1": 6, "P1": 4}
    entry = AuditEntry.objects.get()
    assert entry.action == Action.RETENTION and entry.object_id == wave.pk
    assert entry.detail == {"mode": "anonymise", "addresses": 1, "links": 1, "responses": 0}
    assert call_command("applyretention") == "0 waves changed"  # idempotent
    assert AuditEntry.objects.count() == 1
    # nothing ties the answers to anyone now
    assert json.loads(call_command("exportpersonaldata", "--token", token))["invitations"] == []
    assert json.loads(call_command("exportpersonaldata", "--email", ADDRESS))["invitations"] == []


def test_retention_deletes_the_responses_when_the_study_says_so(wave, study):
    invited(wave)
    study.keep_personal_data_days, study.after_retention = 7, "delete"
    study.save()
    close(wave, days_ago=8)
    said = call_command("applyretention")
    assert "1 addresses, 1 personal links, 1 responses deleted" in said
    assert not Response.objects.exists() and Invitation.objects.get().response is None
    assert call_command("applyretention") == "0 waves changed"


def test_pruneinvitations_is_the_older_name_of_applyretention(wave):
    invited(wave)
    close(wave, days_ago=31)
    call_command("pruneinvitations")
    assert Invitation.objects.get().email is None


# --- the retention setting where a study is set up ------------------------------------------------


def test_the_api_sets_and_checks_the_retention_period(client, people, study, token_for):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for('carl')}"}
    shown = client.get(f"/api/studies/{study.pk}", **headers).json()
    assert (shown["keep_personal_data_days"], shown["after_retention"]) == (30, "anonymise")
    change = {"keep_personal_data_days": 90, "after_retention": "delete"}
    changed = client.patch(f"/api/studies/{study.pk}", change, content_type="application/json", **headers)
    assert changed.status_code == 200 and changed.json()["after_retention"] == "delete"
    wrong = {"keep_personal_data_days": 4000, "after_retention": "forget"}
    refused = client.patch(f"/api/studies/{study.pk}", wrong, content_type="application/json", **headers)
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"keep_personal_data_days", "after_retention"}
    study.refresh_from_db()
    assert (study.keep_personal_data_days, study.after_retention) == (90, "delete")


# --- the owner's page ----------------------------------------------------------------------------


def page_url(organisation) -> str:
    return f"/organisations/{organisation.pk}/personal-data/"


@pytest.mark.parametrize("name", ["carl", "mona", "vera"])
def test_only_owners_reach_the_personal_data_page(client, people, acme, wave, name):
    invited(wave)
    client.force_login(people[name])
    assert client.get(page_url(acme)).status_code == 404
    assert client.post(page_url(acme), {"email": ADDRESS, "action": "erase"}).status_code == 404
    assert Invitation.objects.count() == 1


def test_an_owner_finds_downloads_and_erases_a_person(client, people, acme, wave):
    invited(wave)
    client.force_login(people["alice"])
    found = client.post(page_url(acme), {"email": ADDRESS, "action": "find"})
    assert found.status_code == 200 and "2026-1" in found.content.decode()
    assert not AuditEntry.objects.exists()  # finding only shows
    download = client.post(page_url(acme), {"email": ADDRESS, "action": "export"})
    assert download["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert json.loads(download.content)["invitations"][0]["response"]["answers"] == {"E1": 6, "P1": 4}
    erased = client.post(page_url(acme), {"email": ADDRESS, "action": "erase"}, follow=True)
    assert "1 invitations and 1 responses" in erased.content.decode()
    assert not Invitation.objects.exists() and not Response.objects.exists()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "actor")) == [
        (Action.ACCESS, "alice"),
        (Action.ERASE, "alice"),
    ]
    no_address_in_the_log()


def test_an_owner_cannot_erase_a_person_in_another_organisation(client, people, acme, globex, study_for):
    invited(study_for(globex).waves.get())
    client.force_login(people["alice"])
    assert client.post(page_url(globex), {"email": ADDRESS, "action": "erase"}).status_code == 404
    found = client.post(page_url(acme), {"email": ADDRESS, "action": "erase"}, follow=True)
    assert "0 invitations and 0 responses" in found.content.decode()
    assert Invitation.objects.count() == 1


def test_the_page_asks_for_an_address_or_a_link_in_dutch(client, people, acme):
    client.force_login(people["alice"])
    page = client.post(page_url(acme), {"action": "find"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert "Geef een e-mailadres of een persoonlijke link." in page.content.decode()
