#!/bin/sh
# Installs the test FHIR server (testdata/fhirserver: Medplum's in-memory
# FHIR engine, pinned in package-lock.json) and runs the Go tests that use
# it. Run once before `go test ./...` in CI, so parallel test packages do
# not each run npm ci. CI=true turns "node/npm missing" into a failure.
set -eu
cd "$(dirname "$0")/.."
echo "node $(node --version), npm $(npm --version)"
(cd testdata/fhirserver && npm ci --no-audit --no-fund)
CI=true go test -count=1 ./internal/fhirtest/...
