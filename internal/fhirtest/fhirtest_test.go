package fhirtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"jakguard/fhir"
	"jakguard/internal/fhirtest"
)

// searchPage is what these tests read of a returned page.
type searchPage struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Total        *int   `json:"total"`
	Entry        []struct {
		Resource struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		} `json:"resource"`
	} `json:"entry"`
}

func ids(t *testing.T, pages [][]byte) []string {
	t.Helper()
	var out []string
	for _, p := range pages {
		var sp searchPage
		if err := json.Unmarshal(p, &sp); err != nil {
			t.Fatalf("page is not JSON: %v", err)
		}
		if sp.ResourceType != "Bundle" {
			out = append(out, sp.ResourceType+"/"+sp.ID)
			continue
		}
		for _, e := range sp.Entry {
			out = append(out, e.Resource.ResourceType+"/"+e.Resource.ID)
		}
	}
	return out
}

func TestScenarioThroughClient(t *testing.T) {
	base := fhirtest.Start(t, "scenarios/jak-basic.json")
	client := fhir.NewClient(fhir.ClientConfig{AllowHTTP: true, QueryTimeout: 10 * time.Second}, nil)

	tests := []struct {
		name      string
		query     string
		want      []string // in order, unless unordered
		unordered bool     // results share a date, so their order is not fixed
		wantPages int
	}{
		{name: "patient read", query: "Patient/jak-pat-1", want: []string{"Patient/jak-pat-1"}},
		{name: "labs by code, newest first",
			query: "Observation?patient=jak-pat-1&code=http://loinc.org|718-7,http://loinc.org|57021-8&_sort=-date&_count=50",
			want:  []string{"Observation/hb-new", "Observation/cbc-1", "Observation/hb-old"}},
		{name: "conditions", query: "Condition?patient=jak-pat-1&_count=100", want: []string{"Condition/ad-1"}},
		{name: "medication requests", query: "MedicationRequest?patient=jak-pat-1&_count=100", want: []string{"MedicationRequest/mr-upa-1"}},
		{name: "zoster vaccine", query: "Immunization?patient=jak-pat-1&vaccine-code=http://hl7.org/fhir/sid/cvx|187", want: []string{"Immunization/imm-shingrix-1"}},
		{name: "no match is an empty searchset", query: "Immunization?patient=jak-pat-2"},
		{name: "paged through next links",
			query:     "Observation?patient=jak-pat-1&_sort=-date&_count=2",
			want:      []string{"Observation/alc-1", "Observation/anc-1", "Observation/cbc-1", "Observation/hb-new", "Observation/hb-old", "Observation/igra-1"},
			unordered: true, wantPages: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := client.Fetch(t.Context(), base, "test-token", tc.query)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			got := ids(t, pages)
			if tc.wantPages > 0 && len(pages) != tc.wantPages {
				t.Errorf("got %d pages, want %d", len(pages), tc.wantPages)
			}
			if tc.unordered {
				slices.Sort(got)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScenarioFetchAll(t *testing.T) {
	base := fhirtest.Start(t, "scenarios/jak-basic.json")
	client := fhir.NewClient(fhir.ClientConfig{AllowHTTP: true, QueryTimeout: 10 * time.Second}, nil)
	results := client.FetchAll(t.Context(), base, "", map[string]string{
		"patient":    "Patient/jak-pat-1",
		"conditions": "Condition?patient=jak-pat-1",
		"missing":    "Patient/nobody",
	})
	if r := results["patient"]; r.Err != nil || len(r.Pages) != 1 {
		t.Errorf("patient: %v", r.Err)
	}
	if r := results["conditions"]; r.Err != nil || len(ids(t, r.Pages)) != 1 {
		t.Errorf("conditions: %v", r.Err)
	}
	if r := results["missing"]; r.Err == nil || !strings.Contains(r.Err.Error(), "HTTP 404") {
		t.Errorf("missing patient: err = %v, want HTTP 404", r.Err)
	}
}

func TestServerMetadata(t *testing.T) {
	base := fhirtest.Start(t)
	resp, err := http.Get(base + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var cs struct {
		ResourceType string `json:"resourceType"`
		FHIRVersion  string `json:"fhirVersion"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cs); err != nil {
		t.Fatal(err)
	}
	if cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != "4.0.1" {
		t.Errorf("metadata = %+v", cs)
	}
}
