"""The inspection pages. Each part keeps its own url list; this module joins them under "inspections"."""

from safeloop.inspections import urls_campaigns, urls_checklists, urls_patrols

app_name = "inspections"

urlpatterns = urls_checklists.urlpatterns + urls_campaigns.urlpatterns + urls_patrols.urlpatterns
