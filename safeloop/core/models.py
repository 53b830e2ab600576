"""Shared kernel models: the public-id base, the import job base, the audit trail and the worker heartbeat."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicModel(models.Model):
    """Integer keys stay internal; `uuid` is what URLs and the API show (DESIGN.md "Identifiers")."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ImportJob(PublicModel):
    """One upload of an xlsx template and its progress (DESIGN.md "Errors": per-row errors, nothing
    written unless every row is valid or the uploader chose to import only the valid rows). The
    enterprise, hazard-ledger and risk-list imports are its subclasses; core/import_jobs.py runs them.

    The file's bytes live in the row, not under MEDIA_ROOT: the database is the one store that every web
    server and every worker shares by contract (the queue is the database too), uploads are capped, and
    the bytes are dropped once the import finishes unless a re-run is still on offer, so no orphan files
    and no shared file system are needed.

    A subclass adds its own counters (`created_count`, …) and Meta (verbose names, index); one that
    offers more modes declares its own `Mode` and `mode` field."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("Import only if every row is valid")
        VALID_ONLY = "valid_only", _("Import the valid rows, skip the others")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"), editable=False, default=bytes)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    errors = models.JSONField(_("errors (first 1,000)"), default=list, blank=True)
    failure = models.CharField(_("why it failed"), max_length=500, blank=True)
    # "self" is resolved per subclass: an enterprise import re-runs an enterprise import.
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns", verbose_name=_("re-run of")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def error_rows(self) -> int:
        """How many rows have at least one error (of the errors stored)."""
        return len({error.get("row") for error in self.errors or []})


class AuditChainHead(models.Model):
    """One row holding the newest position and hash; locking it serialises appends to the chain."""

    position = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit head #{self.position}"


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every write (DOMAIN.md §10.2 安全审计)."""

    # Null until `audit.seal()` links the row into the chain (moments after it commits).
    position = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    result = models.CharField(_("result"), max_length=16, default="ok")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.position} {self.verb} {self.object_type}:{self.object_id}"


class WorkerHeartbeat(models.Model):
    """Each task worker touches its row; /readyz is healthy while one is fresh."""

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ScheduleSlot(models.Model):
    """(job, slot start) enqueued once; the unique key is what makes several schedulers safe."""

    job = models.CharField(max_length=64)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="unique_schedule_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
