#!/bin/sh
# Runs the Go tests of the test FHIR server (testdata/fhirserver: Medplum's
# in-memory FHIR engine, pinned in package-lock.json). The tests install its
# npm dependencies themselves, once, under a file lock (internal/fhirtest/
# install.go), so nothing is installed here and `go test ./...` is safe on a
# fresh clone. CI=true turns "node/npm missing" or a failed install into a
# failure instead of a skip.
set -eu
cd "$(dirname "$0")/.."
echo "node $(node --version), npm $(npm --version)"
CI=true go test -count=1 ./internal/fhirtest/...
