# One image for every process of the clinic platform: the three APIs, their Celery workers,
# the migrations and the Celery beat scheduler. docker-compose.yml chooses the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 clinic \
    && useradd --system --uid 10001 --gid clinic --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin clinic

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them; with the
# monitoring extra (Flower), which the compose `flower` service runs from this image.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['monitoring']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY shared/ shared/
COPY services/ services/
COPY ops/ ops/
COPY web/ web/
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

USER clinic

EXPOSE 8000 8001 8002 8003 5555 9100
