# Ladenkarte web/worker image. Front-end libraries are vendored in a node stage (no CDN at runtime).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY frontend/package.json frontend/package-lock.json frontend/
COPY scripts/vendor_assets.sh scripts/
RUN cd frontend && npm ci --no-audit --no-fund --ignore-scripts && cd .. && bash scripts/vendor_assets.sh

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=backend.settings
# GeoDjango needs GDAL (pulls GEOS and PROJ); gettext for compilemessages; curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 gettext curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
COPY --from=assets /src/frontend/static/vendor frontend/static/vendor
RUN pip install .
# The settings refuse to load without a real key when DEBUG is off; this dummy exists only for these two
# build commands (not an ENV, so not in the image). The running container gets SECRET_KEY from the env.
RUN export SECRET_KEY=docker-build-time-only-not-a-secret-0123456789abcdefghijklmnop \
    && if find . -name '*.po' -print | grep -q .; then python manage.py compilemessages; fi \
    && python manage.py collectstatic --noinput -v 0

# The app user writes uploads, the metrics files of its processes and (at start) the static volume.
RUN useradd --system --uid 1000 --home-dir /app app \
    && mkdir -p /app/media /app/private /app/metrics \
    && chown -R app /app/media /app/private /app/metrics /app/staticfiles
USER app
EXPOSE 8000
CMD ["gunicorn", "backend.wsgi", "-c", "deploy/gunicorn.conf.py"]
