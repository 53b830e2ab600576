from django.urls import URLPattern, path

from safeloop.inspections import views_phone

app_name = "phone"

urlpatterns: list[URLPattern] = [
    path("", views_phone.home, name="home"),
    path("sw.js", views_phone.service_worker, name="service_worker"),
    path("manifest.webmanifest", views_phone.manifest, name="manifest"),
    path("api/reports", views_phone.api_reports, name="api_reports"),
    path("api/check-ins", views_phone.api_check_ins, name="api_check_ins"),
]
