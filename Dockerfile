# The production image: the API and the worker run from it with different commands.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY buffr ./buffr
COPY domain ./domain
COPY agents ./agents
COPY tools ./tools
COPY knowledge ./knowledge
COPY voice ./voice
COPY api ./api
COPY channels ./channels
COPY evals ./evals
RUN pip install --no-cache-dir uv \
 && CMAKE_BUILD_PARALLEL_LEVEL=4 uv pip install --system --no-cache .

RUN useradd --create-home buffr
USER buffr
ENV BUFFR_CACHE_DIR=/home/buffr/.cache/buffr
# Created by the user, so the named volume mounted here starts owned by it.
RUN mkdir -p /home/buffr/.cache/buffr
CMD ["buffr", "status"]
