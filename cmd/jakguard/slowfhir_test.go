package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// newSlowFHIR is an http FHIR server (the test serves with
// --allow-http-fhir) that answers every search with an empty Bundle after d.
func newSlowFHIR(t *testing.T, d time.Duration) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
