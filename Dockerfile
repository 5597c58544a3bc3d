# syntax=docker/dockerfile:1
# Build: docker build -t jakguard .
# Run:   docker run -p 8080:8080 -v jakguard-data:/data jakguard --clients /etc/jakguard/clients.json
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Static binary: modernc.org/sqlite is pure Go, so no cgo is needed.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/jakguard ./cmd/jakguard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jakguard /jakguard
# The SQLite feedback store lives on a volume so the root filesystem can be read-only.
VOLUME ["/data"]
ENV JAKGUARD_ADDR=0.0.0.0:8080 \
    JAKGUARD_DB=sqlite:/data/jakguard.db
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/jakguard", "healthcheck"]
ENTRYPOINT ["/jakguard"]
CMD ["serve"]
