"""`safeloop serve`: web (gunicorn) + task worker (with the scheduler) in one command; Ctrl-C stops all."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve SafeLoop: web server and task worker. Ctrl-C stops both."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("SAFELOOP_BIND", "127.0.0.1:8000"))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("SAFELOOP_WEB_WORKERS", "2")))
        parser.add_argument("--task-workers", type=int, default=int(os.environ.get("SAFELOOP_TASK_WORKERS", "1")))
        parser.add_argument("--demo", action="store_true", help="Load the demo city if the database is empty.")

    def handle(self, *args: Any, bind: str, web_workers: int, task_workers: int, demo: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if demo:
            call_command("demo", if_empty=True)
            call_command("demo_logins")
        call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safeloop.settings"}
        python = sys.executable
        commands = [
            [
                python,
                "-m",
                "gunicorn",
                "safeloop.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
        ] + [[python, "-m", "safeloop", "worker", "--no-reload", "--queue-name", "*"] for _ in range(task_workers)]
        processes = [subprocess.Popen(cmd, env=env) for cmd in commands]  # noqa: S603 - our own interpreter and args
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"SafeLoop on http://{bind}/ (database: {engine}); Ctrl-C stops.")

        def stop(*_: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
