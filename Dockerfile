# syntax=docker/dockerfile:1
# source-enterpret: the Airbyte source for the Enterpret Knowledge Graph Export API.
#
#   docker build -t ghcr.io/source-enterpret/source-enterpret:dev .
#   docker run --rm ghcr.io/source-enterpret/source-enterpret:dev spec
#
# The base image is Node 24 (the LTS line; Node 20 reached end of life on 2026-04-30), pinned by
# version and digest. The digest is the multi-platform index of node:24.21.0-bookworm-slim as
# docker-library/repo-info records it (repos/node/remote/24.21.0-bookworm-slim.md, commit
# 3179cb4d576b9929bf86873c87f279ac67661c6e); it was not pulled here. metadata.yaml's
# connectorBuildOptions.baseImage names the same image and .ci/run tests on the same Node
# version (integration_tests/e2e/metadata.test.ts keeps the three equal).
ARG BASE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# ---- build: install every dependency, type-check, bundle dist/ and pack the npm package ----
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json README.md LICENSE ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json --noEmit \
 && npm run bundle \
 && npm pack --pack-destination /tmp \
 && mv /tmp/source-enterpret-*.tgz /tmp/source-enterpret.tgz

# ---- runtime: the packed package alone, installed as production ----
# dist/ is a self-contained esbuild bundle, so the package has no runtime dependencies and the
# production install below copies nothing but dist/, README.md, LICENSE and package.json.
FROM ${BASE_IMAGE}
LABEL io.airbyte.name="ghcr.io/source-enterpret/source-enterpret" \
      io.airbyte.version="0.1.0" \
      org.opencontainers.image.title="source-enterpret" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.source="https://github.com/source-enterpret/source-enterpret" \
      org.opencontainers.image.description="Airbyte source for the Enterpret Knowledge Graph Export API" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
COPY --from=build /tmp/source-enterpret.tgz /tmp/source-enterpret.tgz
# The image's own `node` user (uid 1000) makes way for `airbyte` with the same uid and gid.
RUN userdel --remove node \
 && groupadd --gid 1000 airbyte \
 && useradd --uid 1000 --gid airbyte --home-dir /airbyte --no-create-home --shell /usr/sbin/nologin airbyte \
 && npm install --global --prefix /airbyte/integration_code --omit=dev --no-audit --no-fund /tmp/source-enterpret.tgz \
 && rm /tmp/source-enterpret.tgz \
 && npm cache clean --force \
 && chown airbyte:airbyte /airbyte
WORKDIR /airbyte
USER airbyte
# One V8 flag, set where Node documents its flags: at process start (NODE_OPTIONS admits
# --max-semi-space-size; src/ changes no flag once running). It holds V8's young generation at
# about 2 MiB instead of letting it grow to 16-32 MiB; socket buffers the young generation holds
# are then freed at the next scavenge instead of piling up. Node 24, 200 MB of feedback-like CSV
# in 20 files (npm run bench, 2026-12-04 07:26 UTC, medians of 3): peak RSS 124 against 177 MiB
# and 18% less CPU (1.24 against 1.52 s). `npx source-enterpret` and
# `tap-enterpret` run without it, bounded but higher (docs/architecture.md, Memory;
# integration_tests/e2e/memory.test.ts holds both).
ENV NODE_OPTIONS="--max-semi-space-size=1"
ENV AIRBYTE_ENTRYPOINT="/airbyte/integration_code/bin/source-enterpret"
ENTRYPOINT ["/airbyte/integration_code/bin/source-enterpret"]
