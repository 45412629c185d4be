# The production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 cim \
 && mkdir -p /data/media && chown cim:cim /data/media

WORKDIR /app
COPY pyproject.toml README.md ./
COPY cim cim
COPY lea lea
COPY steps steps
COPY reports reports
# The package holds the project's templates and static files too (pyproject.toml).
COPY templates templates
COPY static static
RUN pip install .
COPY . .
# collectstatic needs settings but no real secrets or services.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput

USER cim
EXPOSE 8000
CMD ["gunicorn", "cim.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
