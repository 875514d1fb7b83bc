"""Gunicorn settings of the API: `gunicorn -c config/gunicorn.conf.py` (docs/deploy.md).

Every value comes from the environment, so one image fits any machine:

GUNICORN_BIND          address(es) to listen on, comma-separated   0.0.0.0:$PORT, else
                                                                   127.0.0.1:8000
WEB_CONCURRENCY        worker processes                            2 x cores + 1, at most 8
GUNICORN_THREADS       threads per worker (above 1: gthread)       1
GUNICORN_TIMEOUT       seconds a request may take before its worker is killed       120
GUNICORN_GRACEFUL_TIMEOUT  seconds a stopping worker has to finish its requests     30
GUNICORN_KEEPALIVE     seconds an idle keep-alive connection is held                5
GUNICORN_MAX_REQUESTS  requests after which a worker is replaced (0: never)          0
FORWARDED_ALLOW_IPS    proxies whose X-Forwarded-Proto gunicorn believes           127.0.0.1,::1
GUNICORN_ACCESS_LOG    access log file, "-" for stderr, "" for none                 -
GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (gunicornc)   unset: none

Workers are plain processes (sync) meant to sit behind a buffering proxy (nginx, HAProxy,
a cloud load balancer) that terminates TLS and serves STATIC_ROOT. Each worker loads the
whole application at start (config.wsgi imports every view and numpy/scipy, ~3 s), and
keeps its own database connection and after-response writer thread; throttle counters are in
the shared cache (CACHE_URL), idempotency records in PostgreSQL, so any number of workers and
machines answer alike.
"""

# ruff: noqa: N999 (gunicorn reads this file by path; it is not imported as a module)
import os

from config.env import env_int, env_list, env_str

wsgi_app = "config.wsgi:application"

_port = env_str("PORT")
bind = env_list("GUNICORN_BIND", [f"0.0.0.0:{_port}" if _port else "127.0.0.1:8000"])

# Sync workers: CPU-bound serialisation and queries, one request each; 2 x cores + 1 is the
# usual fill, capped because each worker holds the analytics stack in memory (~180 MB).
workers = env_int("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8))
threads = env_int("GUNICORN_THREADS", 1)
# A bulk request of FUSION_BULK_MAX incidents or a large export takes seconds, not minutes;
# a worker stuck beyond this is killed and replaced (its request answers 502 at the proxy).
timeout = env_int("GUNICORN_TIMEOUT", 120)
# On SIGTERM (deploy, scale-in) workers finish their requests and the work deferred after
# them (fusion.after_response) within this time.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_int("GUNICORN_KEEPALIVE", 5)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# Who may tell gunicorn the original scheme (X-Forwarded-Proto): the proxy only. Set it to
# the proxy's address(es) when the proxy is on another host; never "*" on a port clients can
# reach. Django reads the same header (SECURE_PROXY_SSL_HEADER) and the client address from
# X-Forwarded-For only for FUSION_TRUSTED_PROXIES: the proxy must overwrite both headers.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The heartbeat file of each worker: in memory where possible (a slow or full disk, as an
# overlay file system in a container can be, would get healthy workers killed).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Off unless asked for: two instances on one machine would share the default path, and the
# socket can change the number of workers.
control_socket = env_str("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not env_str("GUNICORN_CONTROL_SOCKET")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip() or None
errorlog = "-"
loglevel = env_str("GUNICORN_LOG_LEVEL", "info")
# Path without the query string (searches may carry names and words of incidents), the
# status, size, duration in ms, the correlation id the API answered with (X-Correlation-ID,
# the one in the audit trail) and the addresses the proxy forwarded.
access_log_format = (
    '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms cid=%({x-correlation-id}o)s '
    'xff="%({x-forwarded-for}i)s" "%(a)s"'
)
proc_name = "fusion-api"
