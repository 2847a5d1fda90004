"""Sending invitations and reminders as background tasks (docs/tasks.md)."""

from __future__ import annotations

from django_tasks import task

from servqual.web.distribution import mail
from servqual.web.studies.models import Wave

#: E-mails one task sends before it queues the rest as a new task: each task stays short,
#: far within TASK_LEASE_SECONDS, and a lost worker costs at most one batch's wait.
BATCH = 100


def queue_sending(wave: Wave, *, reminder: bool, base_url: str) -> int:
    """Queue the sending of what is pending now; returns how many e-mails that is."""
    waiting = mail.pending(wave, reminder=reminder).count()
    if waiting:
        send_pending.enqueue(wave.pk, reminder, base_url)
    return waiting


@task()
def send_pending(wave_id: int, reminder: bool, base_url: str) -> int:
    """Send a batch of the wave's pending e-mails, and queue the rest. Run again after a lost
    worker, it sends only what is still pending (servqual.web.distribution.mail.send)."""
    wave = Wave.objects.select_related("study").get(pk=wave_id)
    sent = mail.send(wave, reminder=reminder, base_url=base_url, limit=BATCH)
    if sent == BATCH and mail.pending(wave, reminder=reminder).exists():
        send_pending.enqueue(wave_id, reminder, base_url)
    return sent
