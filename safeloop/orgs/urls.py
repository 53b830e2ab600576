"""orgs URLs: browsing and editing (urls_browse) and xlsx import/export (urls_io)."""

from safeloop.orgs.urls_browse import urlpatterns as browse_patterns
from safeloop.orgs.urls_io import urlpatterns as io_patterns

app_name = "orgs"
urlpatterns = [*browse_patterns, *io_patterns]
