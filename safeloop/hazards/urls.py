from django.urls import include, path

from safeloop.hazards import views_detail, views_list, views_photos, views_reference, views_report, views_tasks

app_name = "hazards"

urlpatterns = [
    path("", views_list.hazard_list, name="list"),
    path("tasks/", views_tasks.my_tasks, name="tasks"),
    path("map/", views_list.hazard_map, name="map"),
    path("map/data.json", views_list.hazard_map_data, name="map_data"),
    path("report/", views_report.hazard_report, name="report"),
    path("report/enterprises/", views_report.enterprise_options, name="enterprise_options"),
    path("reference/", views_reference.reference, name="reference"),
    path("overview/", include("safeloop.hazards.urls_overview")),
    path("photos/<uuid:photo_id>/", views_photos.photo, name="photo"),
    path("", include("safeloop.hazards.urls_ledger")),  # ledger.xlsx, ledger/import/…
    path("<uuid:hazard_id>/", views_detail.hazard_detail, name="detail"),
    path("<uuid:hazard_id>/actions/<slug:action>/", views_detail.hazard_action, name="action"),
    path("<uuid:hazard_id>/photos/", views_detail.photo_upload, name="photo_upload"),
]
