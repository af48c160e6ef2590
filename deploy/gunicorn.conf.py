"""gunicorn settings for the web container (docker-compose.yml: `gunicorn -c deploy/gunicorn.conf.py`).

Caddy in front buffers slow clients and terminates TLS; gunicorn listens only on the compose network.
Time-outs match the proxy's: Caddy waits 35 s for response headers, gunicorn kills a request after 30 s.
"""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then (memory), staggered so they do not all restart at once
max_requests_jitter = 200
accesslog = None  # one JSON line per request comes from the app (ops.logs.RequestLogMiddleware)
errorlog = "-"
# Headers above this size are refused (Caddy's own limit is larger; the app needs nothing near it).
limit_request_field_size = 8190


def child_exit(server, worker):
    """A dead worker's live gauges must not be summed into /metrics any more (prometheus multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
