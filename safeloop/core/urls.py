"""Shell pages. The home page lives in safeloop/urls.py under the global name "home"."""

from django.urls import path

from safeloop.core import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
]
