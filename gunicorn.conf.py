"""gunicorn's settings for geozones (read from the working folder: ``gunicorn app:app``).

* Threaded workers (``gthread``): a slow client holds one thread, not a whole
  worker, so half-sent requests cannot stop the health check or other users;
  ``keepalive`` closes idle connections after 5 s.
* ``timeout`` 60 s: the longest synchronous request (``POST /api/v1/batch``
  of the largest upload) finishes well inside it; batch jobs run beside the
  request. A worker that stops answering is replaced after it.
* Request line and headers are bounded (8 KB a line, 100 headers of at most
  8 KB each): anything larger is refused by gunicorn before the app sees it.
* Workers are restarted after about 2,000 requests (with jitter, not all at
  once), which bounds the memory a long-running worker can gather.

Each setting can be overridden on the command line or with
``GUNICORN_CMD_ARGS`` (e.g. ``--workers 4``).
"""

import os

bind = os.environ.get("GEOZONES_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GEOZONES_WORKERS", "2"))
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 30
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
max_requests = 2000
max_requests_jitter = 200
