package main

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/auth"
)

func TestParseSize(t *testing.T) {
	cases := map[string]int64{
		"0": 0, "33554432": 32 << 20, "32MiB": 32 << 20, "512Mi": 512 << 20, "1GiB": 1 << 30, "2Gi": 2 << 30,
		"64KiB": 64 << 10, "100B": 100, " 8MiB ": 8 << 20,
	}
	for in, want := range cases {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "MiB", "32 MiB", "32MB", "-1", "1.5GiB", "9999999999999GiB", "32mib"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestFHIRMemoryFlag(t *testing.T) {
	c, err := parseServe(nil, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(32<<20), c.fhirMemory, "default 32 MiB")
	c, err = parseServe(nil, env(map[string]string{"JAKGUARD_FHIR_MEMORY": "8MiB"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(8<<20), c.fhirMemory)
	_, err = parseServe([]string{"--fhir-memory", "lots"}, env(nil), io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--fhir-memory")
}

// Loopback FHIR servers stay usable only in local development (loopback
// address, no clients file) or when a client's fhir_servers names one.
func TestDenyLoopbackFHIR(t *testing.T) {
	remote := []auth.Client{{Issuer: "a", FHIRServers: []string{"https://ehr.example.org/fhir"}}}
	local := []auth.Client{{Issuer: "a", FHIRServers: []string{"https://ehr.example.org/fhir"}}, {Issuer: "b", FHIRServers: []string{"http://127.0.0.1:8090/fhir"}}}
	cases := []struct {
		name    string
		addr    string
		clients []auth.Client
		want    bool
	}{
		{"loopback development", "127.0.0.1:8080", nil, false},
		{"localhost development", "localhost:8080", nil, false},
		{"unauthenticated on all interfaces", "0.0.0.0:8080", nil, true},
		{"clients file", "0.0.0.0:8080", remote, true},
		{"clients file on loopback", "127.0.0.1:8080", remote, true},
		{"a client lists a loopback server", "0.0.0.0:8080", local, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, denyLoopbackFHIR(tc.addr, tc.clients), tc.name)
	}
}
