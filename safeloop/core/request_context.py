"""The current request's source address, for audit rows written deep inside services."""

from contextvars import ContextVar

_source_ip: ContextVar[str | None] = ContextVar("safeloop_source_ip", default=None)


def set_source_ip(ip: str | None) -> object:
    return _source_ip.set(ip)


def reset_source_ip(token: object) -> None:
    _source_ip.reset(token)  # type: ignore[arg-type]


def current_source_ip() -> str | None:
    return _source_ip.get()
