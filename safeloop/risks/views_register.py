from django.http import Http404, HttpRequest, HttpResponse


def point_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def point_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    raise Http404
