# syntax=docker/dockerfile:1
#
# Two images from one file:
#   docker build -t tsheadroom .                           native engine, static binary on distroless
#   docker build --target headroom -t tsheadroom:headroom . headroom engine: Python + headroom-ai
# The build context leaves .git out (.dockerignore), so name the build:
#   --build-arg VERSION=$(git describe --tags --always --dirty) --build-arg REVISION=$(git rev-parse HEAD)
# and `docker run --rm tsheadroom version` reports them.

ARG GO_VERSION=1.26.8
ARG PYTHON_VERSION=3.12

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=devel
ARG REVISION=
# Static (no cgo), without tsnet's peer API server, paths trimmed so the
# binary does not name the builder's directories.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags ts_omit_peerapiserver \
      -ldflags "-s -w -X main.stampVersion=${VERSION} -X main.stampRevision=${REVISION}" \
      -o /out/tsheadroom . \
 && mkdir -p /out/state /out/cache

# headroom-ai in a venv, built where the headroom image's interpreter is.
FROM python:${PYTHON_VERSION}-slim-bookworm AS headroom-venv
# base: headroom-ai alone; ml: with its ML extra (the runtime for its text model).
ARG HEADROOM_VARIANT=base
ARG HEADROOM_VERSION=0.42.0
RUN python -m venv /venv \
 && if [ "${HEADROOM_VARIANT}" = ml ]; then spec="headroom-ai[ml]==${HEADROOM_VERSION}"; else spec="headroom-ai==${HEADROOM_VERSION}"; fi \
 && /venv/bin/pip install --no-cache-dir --disable-pip-version-check "${spec}"

FROM python:${PYTHON_VERSION}-slim-bookworm AS headroom
ARG VERSION=devel
ARG REVISION=
LABEL org.opencontainers.image.title="tsheadroom (headroom engine)" \
      org.opencontainers.image.source="https://github.com/tsheadroom/tsheadroom" \
      org.opencontainers.image.licenses="BSD-3-Clause" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=headroom-venv /venv /venv
COPY --from=build /out/tsheadroom /usr/local/bin/tsheadroom
COPY LICENSE /usr/share/doc/tsheadroom/LICENSE
# uid/gid 65532 as distroless's nonroot, so one volume serves both images.
COPY --from=build --chown=65532:65532 /out/state /var/lib/tsheadroom
COPY --from=build --chown=65532:65532 /out/cache /var/cache/tsheadroom
ENV TSHEADROOM_ENGINE=headroom \
    TSHEADROOM_PYTHON=/venv/bin/python \
    TSHEADROOM_STATE_DIR=/var/lib/tsheadroom \
    TSHEADROOM_CONFIG=/var/lib/tsheadroom/config.json \
    HOME=/var/cache/tsheadroom \
    XDG_CACHE_HOME=/var/cache/tsheadroom \
    HF_HOME=/var/cache/tsheadroom/huggingface
# The node's key (keep it, or the node re-registers on every start) and
# the model cache.
VOLUME ["/var/lib/tsheadroom", "/var/cache/tsheadroom"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/tsheadroom"]

# The default image, last so that a plain `docker build .` builds it.
FROM gcr.io/distroless/static-debian12:nonroot AS static
ARG VERSION=devel
ARG REVISION=
LABEL org.opencontainers.image.title="tsheadroom" \
      org.opencontainers.image.source="https://github.com/tsheadroom/tsheadroom" \
      org.opencontainers.image.licenses="BSD-3-Clause" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/tsheadroom /usr/local/bin/tsheadroom
COPY LICENSE /usr/share/doc/tsheadroom/LICENSE
COPY --from=build --chown=65532:65532 /out/state /var/lib/tsheadroom
ENV TSHEADROOM_STATE_DIR=/var/lib/tsheadroom \
    TSHEADROOM_CONFIG=/var/lib/tsheadroom/config.json
VOLUME ["/var/lib/tsheadroom"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/tsheadroom"]
