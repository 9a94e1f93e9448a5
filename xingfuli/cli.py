"""The `xingfuli` command: serve, demo, migrate, import and export, and Django's own commands.

    xingfuli serve [--port 8000] [--workers N]   the app server (granian) and a task worker
    xingfuli demo [--reset]                      migrate and load the 万泉街 demo
    xingfuli migrate                             create or upgrade the database
    xingfuli import-residents FILE --community wanquan [--dry-run]
    xingfuli export-residents FILE --community wanquan
    xingfuli worker                              run background tasks
    xingfuli scheduler                           enqueue periodic tasks when due
    xingfuli check-deploy                        fail on unsafe production settings
    xingfuli backup PATH [--force]               a consistent backup while serving
    xingfuli restore PATH                        restore into the configured, empty database
    xingfuli manage ARGS…                        any Django management command
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xingfuli.settings")
    import django

    django.setup()


def _call(name: str, *args: str, **options: object) -> None:
    from django.core.management import call_command

    call_command(name, *args, **options)


def cmd_serve(ns: argparse.Namespace) -> int:
    # Migrate in a child process: the server's supervisor, which forks the workers, then never
    # loads Django, holds no database connection or pool for them to inherit, and stays small.
    subprocess.run(
        [sys.executable, "-m", "xingfuli.cli", "manage", "migrate", "--no-input",
         "--verbosity", "0"], check=True,
    )
    helpers: list[subprocess.Popen[bytes]] = []
    if not ns.no_worker:
        # One machine needs no broker: tasks wait in the database for this worker, and the
        # scheduler enqueues the periodic ones (breaches every 5 minutes, reminders daily…).
        helpers = [
            subprocess.Popen([sys.executable, "-m", "xingfuli.cli", command])  # noqa: S603
            for command in ("worker", "scheduler")
        ]
    from granian import Granian
    from granian.constants import Interfaces

    print(f"Xingfuli: http://{ns.host}:{ns.port}/", flush=True)
    try:
        Granian(
            "xingfuli.wsgi:application",
            address=ns.host,
            port=ns.port,
            interface=Interfaces.WSGI,
            workers=ns.workers,
            # Persistent connections: keep workers × threads below the database's limit.
            blocking_threads=ns.threads,
            log_access=False,
        ).serve()
    finally:
        for helper in helpers:
            helper.terminate()
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    _django()
    _call("migrate", interactive=False, verbosity=0)
    _call("load_demo", reset=ns.reset)
    return 0


def cmd_migrate(ns: argparse.Namespace) -> int:
    _django()
    _call("migrate", interactive=False)
    return 0


def cmd_worker(ns: argparse.Namespace) -> int:
    """Run the worker of the configured task backend (the database's, or RQ's on Redis)."""
    _django()
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        _call("rqworker", *settings.TASKS["default"]["QUEUES"], job_class="django_tasks_rq.Job")
    else:
        _call("db_worker")
    return 0


def cmd_scheduler(ns: argparse.Namespace) -> int:
    """Enqueue periodic tasks when they are due (safe to run on several servers at once)."""
    _django()
    from xingfuli.core.periodic import periodic_jobs, run_forever

    names = ", ".join(job.name.rsplit(".", 1)[-1] for job in periodic_jobs())
    print(f"Xingfuli scheduler: {names}", flush=True)
    run_forever()
    return 0


def cmd_check_deploy(ns: argparse.Namespace) -> int:
    """Django's deployment checks and ours; any warning fails (exit status 1)."""
    _django()
    from django.core.management.base import SystemCheckError

    try:
        _call("check", deploy=True, fail_level="WARNING")
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_import(ns: argparse.Namespace) -> int:
    _django()
    args = [ns.file, "--community", ns.community]
    if ns.dry_run:
        args.append("--dry-run")
    _call("import_residents", *args)
    return 0


def cmd_export(ns: argparse.Namespace) -> int:
    _django()
    _call("export_residents", ns.file, "--community", ns.community)
    return 0


def cmd_backup(ns: argparse.Namespace) -> int:
    _django()
    _call("backup", ns.path, force=ns.force)
    return 0


def cmd_restore(ns: argparse.Namespace) -> int:
    _django()
    _call("restore", ns.path)
    return 0


def cmd_manage(ns: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xingfuli.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xingfuli manage", *ns.args])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xingfuli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the platform")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))
    p.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))
    p.add_argument("--no-worker", action="store_true", help="do not start a task worker")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="load the 万泉街 demo data")
    p.add_argument("--reset", action="store_true", help="delete the demo and load it again")
    p.set_defaults(func=cmd_demo)

    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(func=cmd_migrate)
    sub.add_parser("worker", help="run background tasks").set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help="enqueue periodic tasks when due").set_defaults(
        func=cmd_scheduler)
    sub.add_parser("check-deploy", help="fail on unsafe production settings").set_defaults(
        func=cmd_check_deploy)
    p = sub.add_parser("backup", help="back up the database into one file (safe while serving)")
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into the configured, empty database")
    p.add_argument("path")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("import-residents", help="import a resident ledger (xlsx)")
    p.add_argument("file")
    p.add_argument("--community", required=True)
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-residents", help="export the resident ledger (xlsx)")
    p.add_argument("file")
    p.add_argument("--community", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    ns = parser.parse_args(argv)
    from django.core.management.base import CommandError

    try:
        result: int = ns.func(ns)
    except CommandError as exc:  # a clean message and a non-zero exit, not a traceback
        print(f"xingfuli {ns.command}: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
