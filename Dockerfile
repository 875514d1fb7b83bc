# Fusion: one image for every process of the set (docs/deploy.md). The default command serves
# the API; the same image runs the worker and beat with another command:
#   docker run … fusion                                          # API (gunicorn) on :8000
#   docker run … fusion celery -A config.celery worker --loglevel=INFO
#   docker run … fusion celery -A config.celery beat --loglevel=INFO --schedule=/tmp/celerybeat-schedule
#   docker run … fusion python manage.py migrate --noinput       # once per release, first
# Settings come from the environment (.env.example); none is baked in.
FROM python:3.11-slim

# Every process (gunicorn, celery, manage.py) imports the code from /app, templates and
# all: the copy pip installs for the dependencies' sake is shadowed.
ENV PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --create-home --home-dir /home/fusion --uid 10001 fusion
WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY config ./config
COPY agencies ./agencies
COPY incidents ./incidents
COPY fusion ./fusion
COPY analytics ./analytics
RUN pip install .
COPY manage.py ./
COPY bin ./bin

# Static files (admin, API docs) for the proxy to serve from /app/staticfiles; no secret is
# needed to collect them.
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q config agencies incidents fusion analytics

USER fusion
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "config/gunicorn.conf.py"]
