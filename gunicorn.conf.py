"""Gunicorn's settings for the portal (read from the checkout: `gunicorn -c gunicorn.conf.py`).

Every value can be overridden from the environment (the systemd unit's environment file):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT. Prometheus counts requests in each worker
process; PROMETHEUS_MULTIPROC_DIR holds their files, emptied when gunicorn starts, and a worker
that exits is marked dead so its gauges leave the answer (prometheus-client's multiprocess mode).
"""

import os
import shutil
import tempfile

wsgi_app = "qinhuai_talent.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak never grows unbounded).
max_requests = 2000
max_requests_jitter = 200
# Only the local proxy may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The portal logs one line per request itself (with its request id); gunicorn's errors to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "qinhuai-talent"

os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"qinhuai-talent-metrics-{os.getuid()}")
)

# Imported here, in the arbiter, once the folder is named (prometheus-client reads it on import), and
# never in child_exit: the arbiter calls that hook from its SIGCHLD handler, and a second worker
# exiting during the first hook's import re-entered the half-imported package ("cannot import name
# 'Metric' from partially initialized module"), which killed the arbiter and every worker with it
# (seen in `make bench` when two workers reached max_requests together).
from prometheus_client import multiprocess  # noqa: E402


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
