from django.urls import URLPattern, path

from safeloop.inspections import views_checklists, views_inspections

urlpatterns: list[URLPattern] = [
    path("checklists/", views_checklists.checklist_list, name="checklist_list"),
    path("checklists/new/", views_checklists.checklist_edit, name="checklist_create"),
    path("checklists/<uuid:uuid>/", views_checklists.checklist_detail, name="checklist_detail"),
    path("checklists/<uuid:uuid>/edit/", views_checklists.checklist_edit, name="checklist_edit"),
    path("", views_inspections.inspection_list, name="inspection_list"),
    path("new/", views_inspections.inspection_new, name="inspection_start"),
    path("<uuid:uuid>/", views_inspections.inspection_detail, name="inspection_detail"),
    path("<uuid:uuid>/fill/", views_inspections.inspection_fill, name="inspection_fill"),
    path("<uuid:uuid>/submit/", views_inspections.inspection_finish, name="inspection_submit"),
]
