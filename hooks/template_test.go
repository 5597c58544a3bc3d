package hooks

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRenderTemplate(t *testing.T) {
	ctx := map[string]string{
		"patientId":   "pat-1",
		"userId":      "Practitioner/doc.7",
		"encounterId": "enc-9",
	}
	tests := []struct {
		name string
		tmpl string
		ctx  map[string]string
		want string
	}{
		{"patient read", "Patient/{{context.patientId}}", ctx, "Patient/pat-1"},
		{"search with several params", "Observation?patient={{context.patientId}}&code=http://loinc.org|718-7&_sort=-date&_count=50", ctx,
			"Observation?patient=pat-1&code=http://loinc.org|718-7&_sort=-date&_count=50"},
		{"spaces inside braces", "Condition?patient={{ context.patientId }}", ctx, "Condition?patient=pat-1"},
		{"encounter token", "Encounter/{{context.encounterId}}", ctx, "Encounter/enc-9"},
		{"userId reference is query-escaped", "Task?owner={{context.userId}}", ctx, "Task?owner=Practitioner%2Fdoc.7"},
		{"userPractitionerId from userId", "Practitioner/{{userPractitionerId}}", ctx, "Practitioner/doc.7"},
		{"userPractitionerRoleId", "PractitionerRole/{{userPractitionerRoleId}}",
			map[string]string{"userId": "PractitionerRole/r1"}, "PractitionerRole/r1"},
		{"userPatientId", "Patient/{{userPatientId}}", map[string]string{"userId": "Patient/p2"}, "Patient/p2"},
		{"userRelatedPersonId", "RelatedPerson/{{userRelatedPersonId}}", map[string]string{"userId": "RelatedPerson/rp3"}, "RelatedPerson/rp3"},
		{"no tokens", "Medication?code=123", nil, "Medication?code=123"},
		{"same token twice", "Observation?patient={{context.patientId}}&subject=Patient/{{context.patientId}}", ctx,
			"Observation?patient=pat-1&subject=Patient/pat-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderTemplate(tc.tmpl, tc.ctx)
			if err != nil {
				t.Fatalf("renderTemplate: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRenderTemplateErrors(t *testing.T) {
	ctx := map[string]string{"patientId": "pat-1", "userId": "Practitioner/doc7"}
	tests := []struct {
		name     string
		tmpl     string
		ctx      map[string]string
		wantText string // the error must name this
	}{
		{"unknown context field", "Observation?patient={{context.subjectId}}", ctx, "context.subjectId"},
		{"missing value", "Encounter/{{context.encounterId}}", ctx, "context.encounterId"},
		{"empty value", "Patient/{{context.patientId}}", map[string]string{"patientId": ""}, "context.patientId"},
		{"unknown token", "Patient/{{patientId}}", ctx, "{{patientId}}"},
		{"nested path", "Medication/{{context.medication.id}}", ctx, "nested"},
		{"user token of another type", "Patient/{{userPatientId}}", ctx, "userPatientId"},
		{"user token without userId", "Practitioner/{{userPractitionerId}}", map[string]string{"patientId": "p"}, "userPractitionerId"},
		{"unclosed token", "Patient/{{context.patientId", ctx, "unclosed"},
		{"unmatched close", "Patient/context.patientId}}", ctx, "unmatched"},
		{"empty token", "Patient/{{}}", ctx, "empty"},
		{"patientId given as a reference", "Patient/{{context.patientId}}", map[string]string{"patientId": "Patient/1"}, "not a FHIR id"},
		{"userId that is not a reference", "Task?owner={{context.userId}}", map[string]string{"userId": "doc7"}, "not a FHIR reference"},
		// "." and ".." match the id pattern but are path steps: "Patient/."
		// was a search of every patient, "Patient/.." the server's root.
		{"patientId '.'", "Patient/{{context.patientId}}", map[string]string{"patientId": "."}, "not a FHIR id"},
		{"patientId '..'", "Patient/{{context.patientId}}", map[string]string{"patientId": ".."}, "not a FHIR id"},
		{"patientId '...' in a query", "Condition?patient={{context.patientId}}", map[string]string{"patientId": "..."}, "not a FHIR id"},
		{"userId 'Practitioner/..'", "Practitioner/{{userPractitionerId}}", map[string]string{"userId": "Practitioner/.."}, "not a FHIR id"},
		{"userId 'Practitioner/.' in a query", "Task?owner={{context.userId}}", map[string]string{"userId": "Practitioner/."}, "not a FHIR reference"},
		{"FHIRPath-lite token", "Observation?date=gt{{today() - 90 days}}", ctx, "today()"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderTemplate(tc.tmpl, tc.ctx)
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, errTemplate) {
				t.Errorf("error %v does not wrap errTemplate", err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}

// A hostile patientId must never add parameters, OR-values or path
// segments to the query, and must not appear in the error.
func TestRenderTemplateRejectsInjection(t *testing.T) {
	for _, v := range []string{
		"1&patient=2",
		"1,2",
		"1|x",
		"1/../Practitioner/2",
		"1?_include=*",
		"1 2",
		"1%262",
		strings.Repeat("a", 65),
	} {
		t.Run(v, func(t *testing.T) {
			for _, tmpl := range []string{"Observation?patient={{context.patientId}}", "Patient/{{context.patientId}}"} {
				got, err := renderTemplate(tmpl, map[string]string{"patientId": v})
				if err == nil {
					t.Fatalf("%s: rendered %q, want an error", tmpl, got)
				}
				if strings.Contains(err.Error(), v) {
					t.Errorf("error %q leaks the value", err)
				}
			}
		})
	}
}

// Values that pass validation still come out escaped for their position:
// parsing the rendered query gives back exactly one value per parameter.
func TestRenderTemplateQueryParses(t *testing.T) {
	got, err := renderTemplate("Observation?patient={{context.patientId}}&performer={{context.userId}}",
		map[string]string{"patientId": "a.b-c", "userId": "Practitioner/x-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, raw, _ := strings.Cut(got, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q.Get("patient") != "a.b-c" || q.Get("performer") != "Practitioner/x-1" {
		t.Errorf("parsed %v from %q", q, got)
	}
}

func TestLintTemplate(t *testing.T) {
	allowed := []string{"patientId", "userId", "encounterId"}
	tests := []struct {
		name    string
		tmpl    string
		wantErr string // "" = valid
	}{
		{"patient read", "Patient/{{context.patientId}}", ""},
		{"literal read", "Organization/org-1", ""},
		{"user read", "Practitioner/{{userPractitionerId}}", ""},
		{"lab search", "Observation?patient={{context.patientId}}&code=http://loinc.org|718-7,http://loinc.org|57021-8&_sort=-date&_count=50", ""},
		{"condition search", "Condition?patient={{context.patientId}}&_count=100", ""},
		{"immunization search", "Immunization?patient={{context.patientId}}&vaccine-code=http://hl7.org/fhir/sid/cvx|187", ""},
		{"token :in modifier", "Observation?patient={{context.patientId}}&code:in=http://example.org/ValueSet/tb", ""},
		{"date ge prefix", "Observation?patient={{context.patientId}}&date=ge2025-01-01", ""},
		{"all allowed date prefixes", "Observation?patient={{context.patientId}}&date=eq2025,lt2026,gt2024,le2027", ""},
		{"encounter token", "Encounter/{{context.encounterId}}", ""},

		{"token glued to literal id", "Encounter/{{context.encounterId}}x", "only Type/id"},
		{"scheme-relative URL", "//evil.example/Patient/1", "relative"},
		{"context field not in hook", "Observation?patient={{context.subjectId}}", "subjectId"},
		{"nested context path", "Medication/{{context.medication.id}}", "nested"},
		{"unknown token", "Patient/{{patient}}", "unknown token"},
		{"FHIRPath-lite", "Observation?date=ge{{today() - 90 days}}", "unknown token"},
		{"chaining", "Observation?patient.name=x", "chained"},
		{"chaining with token", "Observation?subject:Patient.identifier={{context.patientId}}", "chained"},
		{"_include", "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication", "_include"},
		{"_include:iterate", "MedicationRequest?patient={{context.patientId}}&_include:iterate=x", "_include"},
		{"_revinclude", "Patient?_id={{context.patientId}}&_revinclude=Observation:patient", "_revinclude"},
		{"_has", "Patient?_has:Observation:patient:code=1234", "_has"},
		{"other modifier", "Condition?patient={{context.patientId}}&code:text=psoriasis", "modifier"},
		{"ne prefix", "Observation?patient={{context.patientId}}&date=ne2025-01-01", "prefix \"ne\""},
		{"ap prefix in OR list", "Observation?date=ge2024,ap2025", "prefix \"ap\""},
		{"sa prefix", "Observation?date=sa2025", "prefix"},
		{"absolute URL", "https://ehr.example/fhir/Patient/{{context.patientId}}", "relative"},
		{"leading slash", "/Patient/{{context.patientId}}", "relative"},
		{"history", "Patient/{{context.patientId}}/_history", "only Type/id"},
		{"operation", "Patient/{{context.patientId}}/$everything", "only Type/id"},
		{"read with params", "Patient/{{context.patientId}}?_elements=id", "no parameters"},
		{"bare type", "Observation", "Type?params"},
		{"lowercase type", "observation?patient=1", "not a resource type"},
		{"param without value", "Observation?patient=", "name=value"},
		{"param without =", "Observation?patient", "name=value"},
		{"token in param name", "Observation?{{context.patientId}}=1", "names"},
		{"whitespace", "Observation?patient= 1", "whitespace"},
		{"unclosed", "Patient/{{context.patientId", "unclosed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := lintTemplate(tc.tmpl, allowed)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("lintTemplate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error mentioning %q", tc.wantErr)
			}
			if !errors.Is(err, errTemplate) {
				t.Errorf("error %v does not wrap errTemplate", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestLintTemplateHookContext(t *testing.T) {
	// patient-view has no encounterId among its prefetch tokens here.
	err := lintTemplate("Encounter/{{context.encounterId}}", []string{"patientId", "userId"})
	if err == nil || !strings.Contains(err.Error(), "encounterId") {
		t.Fatalf("want an error naming encounterId, got %v", err)
	}
}
