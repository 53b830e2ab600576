from django.urls import URLPattern, path

from safeloop.inspections import views_campaigns as views

urlpatterns: list[URLPattern] = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/new/preview/", views.campaign_preview, name="campaign_preview"),
    path("campaigns/<uuid:uuid>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<uuid:uuid>/export.xlsx", views.campaign_export, name="campaign_export"),
    path("campaigns/<uuid:uuid>/status/", views.campaign_status, name="campaign_status"),
    path("campaigns/<uuid:uuid>/tasks/new/", views.task_add, name="campaign_task_add"),
    path("campaigns/tasks/<uuid:uuid>/done/", views.task_done, name="campaign_task_done"),
]
