from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from servqual.web.accounts.views import RateLimitedLoginView, audit_log, brand_stylesheet, branding, logo
from servqual.web.api.views import api
from servqual.web.dashboards import views as dashboards
from servqual.web.floor import insert_one_row
from servqual.web.health import health
from servqual.web.imports import views as imports
from servqual.web.studies import views as studies
from servqual.web.studies.wizard import StudyWizard
from servqual.web.surveys import views as surveys

# /s/<key>/: the respondent's survey (language from the link or the browser)
survey_urls = [
    path("", surveys.survey_start, name="survey-start"),
    path("<int:page>/", surveys.survey_page, name="survey-page"),
    path("done/", surveys.survey_done, name="survey-done"),
]

urlpatterns = [
    path("", studies.home, name="home"),
    path("studies/new/", StudyWizard.as_view(), name="study-new"),
    path("studies/<int:study_id>/", studies.study_detail, name="study"),
    path("studies/<int:study_id>/edit/", studies.study_edit, name="study-edit"),
    path("studies/<int:study_id>/waves/new/", studies.wave_new, name="wave-new"),
    path("waves/<int:wave_id>/", studies.wave_detail, name="wave"),
    path("waves/<int:wave_id>/edit/", studies.wave_edit, name="wave-edit"),
    path("waves/<int:wave_id>/links/new/", studies.link_new, name="link-new"),
    path("waves/<int:wave_id>/links/<int:link_id>/qr.<str:kind>", studies.link_qr, name="link-qr"),
    path("waves/<int:wave_id>/results/", dashboards.dashboard, name="wave-results"),
    path("waves/<int:wave_id>/results/analysis/", dashboards.dashboard_analysis, name="wave-results-analysis"),
    path("waves/<int:wave_id>/results/<str:name>", dashboards.download, name="wave-download"),
    path("reports/<str:report_key>/", dashboards.prepared_report, name="prepared-report"),
    path("reports/<str:report_key>/report.pdf", dashboards.prepared_report_file, name="prepared-report-file"),
    path("waves/<int:wave_id>/import/", imports.upload, name="import-upload"),
    path("waves/<int:wave_id>/import/template.<str:kind>", imports.template, name="import-template"),
    path("imports/<str:key>/", imports.review, name="import-review"),
    path("s/<str:key>/", include(survey_urls)),
    path("organisations/<int:organisation_id>/log/", audit_log, name="audit-log"),
    path("organisations/<int:organisation_id>/branding/", branding, name="branding"),
    # public: the survey pages show them to respondents; named after their content
    path("logos/<str:filename>", logo, name="logo"),
    path("brand/<str:colour>.css", brand_stylesheet, name="brand-css"),
    path("health/", health, name="health"),
    path("accounts/login/", RateLimitedLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("servqual.web.distribution.urls")),
    path("accounts/", include("servqual.web.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

if settings.BENCHMARK_FLOOR:
    urlpatterns.append(path("benchmark/floor/<int:wave_id>/", insert_one_row))
