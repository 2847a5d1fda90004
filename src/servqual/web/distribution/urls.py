from __future__ import annotations

from django.urls import include, path

from servqual.web.distribution import views

# /i/<token>/: a personal invitation's survey, and unsubscribing from its e-mails
invitation_urls = [
    path("", views.invitation_start, name="invitation-start"),
    path("<int:page>/", views.invitation_page, name="invitation-page"),
    path("done/", views.invitation_done, name="invitation-done"),
    path("unsubscribe/", views.unsubscribe, name="invitation-unsubscribe"),
]

urlpatterns = [
    path("i/<str:token>/", include(invitation_urls)),
    # /waves/<id>/invitations/: upload a list, confirm it, send
    path("waves/<int:wave_id>/invitations/", views.upload, name="invitations-upload"),
    path("waves/<int:wave_id>/invitations/confirm/", views.confirm, name="invitations-confirm"),
    path("waves/<int:wave_id>/invitations/send/", views.send, name="invitations-send"),
    # /organisations/<id>/personal-data/: a person's data, exported or erased (owners)
    path("organisations/<int:organisation_id>/personal-data/", views.personal_data, name="personal-data"),
]
