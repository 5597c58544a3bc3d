# syntax=docker/dockerfile:1
# Build: docker build -t jakguard .
# Run:   docker run -p 8080:8080 -v jakguard-data:/data -v "$PWD/config:/etc/jakguard:ro" jakguard
#        (config/clients.json trusts your EHR; see README "Docker" and docs/deployment.md)
# Try:   docker run --rm -p 127.0.0.1:8080:8080 jakguard serve --allow-unauthenticated
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Static binary: modernc.org/sqlite is pure Go, so no cgo is needed.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/jakguard ./cmd/jakguard
# The SQLite data directory, made here because the runtime image has no shell.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jakguard /jakguard
# The SQLite feedback store lives on a volume so the root filesystem can be read-only.
# /data belongs to the nonroot user (65532): a new named volume takes this owner.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME ["/data"]
ENV JAKGUARD_ADDR=0.0.0.0:8080 \
    JAKGUARD_DB=sqlite:/data/jakguard.db
# Memory: the Go runtime's soft limit (GOMEMLIMIT) is 90 % of the smaller of
# this and the container's own limit (docker run --memory), so the image is
# bounded even when started without one; admission control
# (--max-concurrent) is sized from it. Raise it with -e JAKGUARD_MEMORY_LIMIT=...
ENV JAKGUARD_MEMORY_LIMIT=1GiB
EXPOSE 8080
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/jakguard", "healthcheck"]
ENTRYPOINT ["/jakguard"]
# JAKGUARD_ADDR listens on all interfaces, which serve allows only with a
# clients file: mount it at /etc/jakguard/clients.json, or pass other
# arguments (serve --allow-unauthenticated, development only).
CMD ["serve", "--clients", "/etc/jakguard/clients.json"]
