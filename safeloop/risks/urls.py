"""The register's pages. Each part keeps its own url list; this module joins them under "risks"."""

from safeloop.risks import urls_checks, urls_io, urls_map, urls_register

app_name = "risks"

urlpatterns = urls_register.urlpatterns + urls_checks.urlpatterns + urls_map.urlpatterns + urls_io.urlpatterns
