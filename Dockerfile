# syntax=docker/dockerfile:1
# Every service's image, from this one file: the build argument SERVICE names the service (its
# folder, its package and requirements/<SERVICE>.txt share that name). From the repository root:
#   docker build --build-arg SERVICE=auth_service -t ghcr.io/<owner>/titanium-auth-service:<tag> .
# What differs between the images is data the service already holds: its requirements lock,
# its gunicorn.conf.py (which names the app) and its settings (whose PORT default is the port it
# listens on). auth_service's image also runs the outbox relay (`flask --app auth_service outbox
# relay`, the chart's worker command).
# The base is pinned by version and digest, once; Renovate (renovate.json) proposes digest
# updates. Every build input is pinned with hashes: the requirements and the build backend
# (build.txt). The locks are complete (uv, universal), so pip installs them as they are
# (--no-deps): its own resolver would look past a pin for an extra such as coverage[toml].

ARG SERVICE

FROM python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1 AS base
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1

# --- build: a virtualenv holding the hashed requirements, titanium_common and the service ------
FROM base AS build
ARG SERVICE
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN test -n "${SERVICE}" \
    || { echo "name the service: --build-arg SERVICE=<api_gateway|auth_service|user_service|webapp>" >&2; exit 1; }
RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements/build.txt requirements/${SERVICE}.txt requirements/
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/build.txt \
    && pip install --no-cache-dir --require-hashes --no-deps -r "requirements/${SERVICE}.txt"
COPY common/ common/
COPY ${SERVICE}/ ${SERVICE}/
# build.txt is the build backend; --no-index fails the build if anything else would be fetched.
RUN pip install --no-cache-dir --no-index --no-deps --no-build-isolation ./common "./${SERVICE}"

# --- runtime: slim base, the venv and the gunicorn settings only, numeric non-root user --------
FROM base AS runtime
ARG SERVICE
# The server binds HOST:PORT from the service's settings (0.0.0.0 and the service's own port by
# default); the platform may set either. TITANIUM_SERVICE tells the HEALTHCHECK whose settings
# say where that is.
ENV PYTHONUNBUFFERED=1 \
    TITANIUM_SERVICE=${SERVICE}
RUN groupadd --system --gid 10001 titanium \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin titanium
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY ${SERVICE}/gunicorn.conf.py /app/gunicorn.conf.py
# Runs with a read-only root filesystem: the only writes go to /tmp (metrics of the gunicorn
# workers) and /dev/shm (worker heartbeats); the chart mounts an emptyDir on /tmp.
USER 10001:10001
# No EXPOSE: the port is the service's PORT setting (and the chart's containerPort); a third
# copy here could only drift from them.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import importlib, os, urllib.request; from titanium_common.settings import load; declared = importlib.import_module(os.environ['TITANIUM_SERVICE'] + '.settings').SETTINGS; port = load([s for s in declared if s.name == 'PORT']).PORT; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2)"]
# gunicorn.conf.py names the app (gunicorn's wsgi_app), so one command starts every service.
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
