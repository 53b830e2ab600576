"""Photos are served through the app, never from /media/: only to users whose scope includes the hazard."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from safeloop.hazards import selectors
from safeloop.hazards.models import HazardPhoto


@login_required
def photo(request: HttpRequest, photo_id: UUID) -> FileResponse:
    try:
        found = selectors.photo_get(actor=request.user, uuid=photo_id)
    except HazardPhoto.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
