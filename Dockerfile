# supportlake API: a slim CPU image that runs `supportlake serve` (docs/operations.md).
#   docker build -t supportlake-api .
#   docker run -p 8000:8000 -v /srv/supportlake:/data -e SUPPORTLAKE_API_KEY=... supportlake-api
# /data holds the model registry (models/), the lake (lake/: the API appends its logs to
# lake/landing/) and, for /similar-tickets, the serving copy of the marts (serving.duckdb, which
# the pipeline republishes after each build), mounted from the pipeline's host.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    SUPPORTLAKE_MODELS_DIR=/data/models \
    SUPPORTLAKE_LAKE=/data/lake \
    SUPPORTLAKE_WAREHOUSE=/data/warehouse.duckdb \
    SUPPORTLAKE_SERVING_WAREHOUSE=/data/serving.duckdb \
    PREFECT_HOME=/data/prefect \
    SUPPORTLAKE_DUCKDB_EXTENSION_DIRECTORY=/app/duckdb_extensions

WORKDIR /app

# torch first, from the CPU wheel index: the pinned torch==2.13.0 in pyproject.toml is then
# already satisfied, and no dependency can pull the CUDA build (gigabytes) from PyPI.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY supportlake ./supportlake
COPY ml ./ml
COPY flows ./flows
COPY seeds ./seeds
# Editable, so the package finds seeds/ (label taxonomy for /feedback) beside itself.
# The DuckDB extensions come from their PyPI wheels into the image, never downloaded at run time.
RUN pip install -e . \
    && python -m supportlake.extensions \
    && useradd --create-home --uid 10001 supportlake \
    && mkdir -p /data \
    && chown supportlake /data

USER supportlake
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"
# One worker per container: scale with containers (each writes its own landing logs).
CMD ["supportlake", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
