# syntax=docker/dockerfile:1
# source-enterpret: the Airbyte source for the Enterpret Knowledge Graph Export API.
#
#   docker build -t airbyte/source-enterpret:dev .
#   docker run --rm airbyte/source-enterpret:dev spec
#
# The base image is pinned by version and digest; metadata.yaml's connectorBuildOptions.baseImage
# names the same image (a test keeps them equal).
ARG BASE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# ---- build: install every dependency, type-check, bundle dist/ and pack the npm package ----
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json README.md ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json --noEmit \
 && npm run bundle \
 && npm pack --pack-destination /tmp \
 && mv /tmp/source-enterpret-*.tgz /tmp/source-enterpret.tgz

# ---- runtime: the packed package alone, installed as production ----
# dist/ is a self-contained esbuild bundle, so the package has no runtime dependencies and the
# production install below copies nothing but dist/, README.md and package.json.
FROM ${BASE_IMAGE}
LABEL io.airbyte.name="airbyte/source-enterpret" \
      io.airbyte.version="0.1.0" \
      org.opencontainers.image.title="source-enterpret" \
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
ENV AIRBYTE_ENTRYPOINT="/airbyte/integration_code/bin/source-enterpret"
ENTRYPOINT ["/airbyte/integration_code/bin/source-enterpret"]
