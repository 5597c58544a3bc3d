package fhir

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"jakguard/rules"
)

// Filters.Observation passes over the Observations no rule reads, judging by
// the Observation's codes and its components' codes, without decoding them.
func TestFilterObservations(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"bp","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]"}}]}},
		{"resource":{"resourceType":"Observation","id":"anc","status":"final","code":{"text":"x","coding":[{"display":"ANC","code":" 751-8 ","system":"http://loinc.org"}]},"valueQuantity":{"value":2,"code":"10*3/uL"}}},
		{"resource":{"resourceType":"Observation","id":"panel","status":"final","code":{"coding":[{"system":"urn:local","code":"CBC-LOCAL"}]},
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"731-0"}]},"valueQuantity":{"value":1.5,"code":"10*3/uL"}}]}},
		{"resource":{"resourceType":"Observation","id":"nocode","status":"final"}},
		{"resource":{"resourceType":"Condition","id":"c1","code":{"coding":[{"system":"http://snomed.info/sct","code":"59621000"}]}}}
	]}`)
	wanted := map[string]bool{"751-8": true, "731-0": true}
	var seen [][]rules.Coding
	b := NewBuilder(nil)
	b.Filter(&Filters{Observation: func(codes []rules.Coding) (time.Duration, bool) {
		seen = append(seen, append([]rules.Coding(nil), codes...))
		for _, c := range codes {
			if c.System == rules.SystemLOINC && wanted[c.Code] {
				return 0, true
			}
		}
		return 0, false
	}}, time.Now())
	page, err := b.Add(context.Background(), "observations", bundle)
	if err != nil {
		t.Fatal(err)
	}
	if page.Skipped != 0 {
		t.Errorf("Skipped = %d: passed-over observations are not malformed", page.Skipped)
	}
	rec := b.Record()
	var ids []string
	for _, o := range rec.Observations {
		ids = append(ids, o.ID)
	}
	if len(ids) != 2 || ids[0] != "Observation/anc" || ids[1] != "Observation/panel" {
		t.Errorf("kept %v, want the ANC and the panel whose component is an ALC", ids)
	}
	if len(rec.Conditions) != 1 {
		t.Errorf("conditions are not filtered: %d", len(rec.Conditions))
	}
	// Once each.
	if len(seen) != 4 || len(seen[0]) != 2 || seen[0][1].Code != "8480-6" {
		t.Errorf("codes given to keep: %v", seen)
	}
}

// lookback is asked once per distinct code (components are asked each
// time); an Observation dated before its look-back from now is passed over,
// one on its boundary or with no readable date kept, one a rule reads at
// any date kept whatever its date.
func TestFilterObservationsByLookback(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"old","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"effectiveDateTime":"2026-09-01T11:59:59Z"}},
		{"resource":{"resourceType":"Observation","id":"edge","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"effectiveDateTime":"2026-09-01T12:00:00Z"}},
		{"resource":{"resourceType":"Observation","id":"undated","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}},
		{"resource":{"resourceType":"Observation","id":"tb","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"71773-6"}]},"effectiveDateTime":"1999-01-01"}},
		{"resource":{"resourceType":"Observation","id":"other","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"effectiveDateTime":"2026-11-01"}},
		{"resource":{"resourceType":"Observation","id":"panel","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"58410-2"}]},"effectiveDateTime":"2026-11-01",
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}]}},
		{"resource":{"resourceType":"Observation","id":"panel2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"58410-2"}]},"effectiveDateTime":"2026-11-01",
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}]}}
	]}`)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var calls []string
	b := NewBuilder(nil)
	b.Filter(&Filters{Observation: func(codes []rules.Coding) (time.Duration, bool) {
		calls = append(calls, codes[len(codes)-1].Code)
		for _, c := range codes {
			switch c.Code {
			case "71773-6":
				return 0, true
			case "718-7":
				return 90 * 24 * time.Hour, true
			}
		}
		return 0, false
	}}, now)
	if _, err := b.Add(context.Background(), "labs", bundle); err != nil {
		t.Fatal(err)
	}
	if want := []string{"718-7", "71773-6", "8302-2", "718-7", "718-7"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("lookback was asked about %q, want %q", calls, want)
	}
	var ids []string
	for _, o := range b.Record().Observations {
		ids = append(ids, o.ID)
	}
	if want := []string{"Observation/edge", "Observation/undated", "Observation/tb", "Observation/panel", "Observation/panel2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("kept %q, want %q", ids, want)
	}
}

// The date the filter judges is the one the decoded Observation gets, its
// last day when written as a month or a year (DateLast: a positive test of
// "2025-03" may be of 31 March; precision review): an Observation exactly
// at its look-back is kept, one a nanosecond older is not, and one with no
// readable date is kept.
func TestObservationDateMatchesDecoding(t *testing.T) {
	cases := []string{
		`{"resourceType":"Observation","id":"a","status":"final","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"2026-11-02T10:00:00+01:00","issued":"2026-11-03"}`,
		`{"resourceType":"Observation","id":"b","status":"final","code":{"coding":[{"code":"x"}]},"effectivePeriod":{"end":"2025-03"}}`,
		`{"resourceType":"Observation","id":"c","status":"final","code":{"coding":[{"code":"x"}]},"effectivePeriod":{"start":"2024-01-05","end":"2025-03"}}`,
		`{"resourceType":"Observation","id":"d","status":"final","code":{"coding":[{"code":"x"}]},"effectiveInstant":"2026-01-01T00:00:00Z"}`,
		`{"resourceType":"Observation","id":"e","status":"final","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"garbage","issued":"2023-02-03T04:05:06Z"}`,
		`{"resourceType":"Observation","id":"f","status":"final","code":{"coding":[{"code":"x"}]}}`,
		`{"resourceType":"Observation","id":"g","status":"final","code":{"coding":[{"code":"x"}]},"effectiveDateTime":null,"effectivePeriod":{"start":"2022"}}`,
	}
	const window = 24 * time.Hour
	for _, c := range cases {
		decoded := func(lookback time.Duration, now time.Time) []rules.Observation {
			b := NewBuilder(nil)
			if lookback > 0 {
				b.Filter(&Filters{Observation: func([]rules.Coding) (time.Duration, bool) { return lookback, true }}, now)
			}
			if _, err := b.Add(context.Background(), "observations", []byte(c)); err != nil {
				t.Fatal(err)
			}
			return b.Record().Observations
		}
		all := decoded(0, time.Time{})
		if len(all) != 1 {
			t.Fatalf("%s: not decoded", c)
		}
		date := all[0].Date
		if !all[0].DateLast.IsZero() {
			date = all[0].DateLast
		}
		now := date.Add(window)
		if date.IsZero() {
			now = time.Now()
		}
		if got := decoded(window, now); len(got) != 1 {
			t.Errorf("%s: dated %v, passed over at exactly its look-back", all[0].ID, date)
		}
		if got := decoded(window-time.Nanosecond, now); len(got) != 0 && !date.IsZero() {
			t.Errorf("%s: dated %v, kept a nanosecond past its look-back", all[0].ID, date)
		}
		if got := decoded(window-time.Nanosecond, now); len(got) != 1 && date.IsZero() {
			t.Errorf("%s: no readable date, passed over", all[0].ID)
		}
	}
}

// Filters.Condition and Immunization passes over the Conditions and Immunizations no rule reads,
// judging by Condition.code and Immunization.vaccineCode, and leaves the
// other resource types alone.
func TestFilterCoded(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Condition","id":"tb","code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]}}},
		{"resource":{"resourceType":"Condition","id":"ad","code":{"text":"eczema","coding":[{"system":"http://snomed.info/sct","code":"24079001"}]}}},
		{"resource":{"resourceType":"Condition","id":"nocode"}},
		{"resource":{"resourceType":"Immunization","id":"shingrix","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]},"patient":{"reference":"Patient/p"},"occurrenceDateTime":"2025-01-01"}},
		{"resource":{"resourceType":"Immunization","id":"flu","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]},"patient":{"reference":"Patient/p"},"occurrenceDateTime":"2025-01-01"}},
		{"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]}}}
	]}`)
	keep := func(want ...string) func([]rules.Coding) bool {
		return func(codes []rules.Coding) bool {
			for _, c := range codes {
				for _, w := range want {
					if c.Code == w {
						return true
					}
				}
			}
			return false
		}
	}
	b := NewBuilder(nil)
	b.Filter(&Filters{Condition: keep("56717001"), Immunization: keep("187")}, time.Time{})
	page, err := b.Add(context.Background(), "everything", bundle)
	if err != nil {
		t.Fatal(err)
	}
	if page.Skipped != 0 {
		t.Errorf("Skipped = %d: passed-over resources are not malformed", page.Skipped)
	}
	rec := b.Record()
	if len(rec.Conditions) != 1 || rec.Conditions[0].ID != "Condition/tb" {
		t.Errorf("conditions kept: %+v, want only the TB one", rec.Conditions)
	}
	if len(rec.Immunizations) != 1 || rec.Immunizations[0].ID != "Immunization/shingrix" {
		t.Errorf("immunizations kept: %+v, want only Shingrix", rec.Immunizations)
	}
	if len(rec.Observations) != 1 {
		t.Errorf("observations are not filtered by Filters.Condition and Immunization: %d", len(rec.Observations))
	}

	all := NewBuilder(nil)
	if _, err := all.Add(context.Background(), "everything", bundle); err != nil {
		t.Fatal(err)
	}
	if rec := all.Record(); len(rec.Conditions) != 3 || len(rec.Immunizations) != 2 {
		t.Errorf("without Filters.Condition and Immunization: %d conditions, %d immunizations; want 3 and 2", len(rec.Conditions), len(rec.Immunizations))
	}
}

// Filters.Medication passes over the orders and statements the filter does
// not want, judging by their medicationCodeableConcept (codes and text).
// One with a medicationReference (contained, elsewhere, or a display
// only) is decoded unasked: what it is of is known only once its
// Medication is read.
func TestFilterMedications(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"MedicationRequest","id":"upa","status":"active","intent":"order",
			"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"2196092"}]}}},
		{"resource":{"resourceType":"MedicationRequest","id":"amox","status":"active","intent":"order",
			"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"308191"}],"text":"amoxicillin"}}},
		{"resource":{"resourceType":"MedicationStatement","id":"rinvoq","status":"active","medicationCodeableConcept":{"text":"Rinvoq 15 mg"}}},
		{"resource":{"resourceType":"MedicationStatement","id":"mtx","status":"active","medicationCodeableConcept":{"text":"methotrexate"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"contained","status":"active","intent":"order","medicationReference":{"reference":"#m"},
			"contained":[{"resourceType":"Medication","id":"m","code":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"0074-2306-30"}]}}]}},
		{"resource":{"resourceType":"MedicationRequest","id":"display","status":"active","intent":"order","medicationReference":{"display":"Rinvoq"}}},
		{"resource":{"resourceType":"MedicationRequest","id":"elsewhere","status":"active","intent":"order","medicationReference":{"reference":"Medication/x"}}},
		{"resource":{"resourceType":"Medication","id":"x","code":{"text":"abrocitinib 100 mg"}}}
	]}`)
	var asked []string
	b := NewBuilder(nil)
	b.Filter(&Filters{Medication: func(m rules.Medication) bool {
		name := m.Text
		for _, c := range m.Codes {
			name += " " + c.Code
		}
		asked = append(asked, strings.TrimSpace(name))
		return strings.Contains(name, "2196092") || strings.Contains(name, "Rinvoq") || strings.Contains(name, "0074-2306")
	}}, time.Time{})
	page, err := b.Add(context.Background(), "medications", bundle)
	if err != nil {
		t.Fatal(err)
	}
	if page.Skipped != 0 {
		t.Errorf("Skipped = %d: passed-over medications are not malformed", page.Skipped)
	}
	var ids []string
	for _, m := range b.Record().Medications {
		ids = append(ids, m.ID)
	}
	want := []string{"MedicationRequest/upa", "MedicationStatement/rinvoq", "MedicationRequest/contained", "MedicationRequest/display", "MedicationRequest/elsewhere"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("kept %v, want %v", ids, want)
	}
	wantAsked := []string{"2196092", "amoxicillin 308191", "Rinvoq 15 mg", "methotrexate"}
	if !reflect.DeepEqual(asked, wantAsked) {
		t.Errorf("keep was asked about %q, want %q", asked, wantAsked)
	}
}

// Filters.Observation sees the names too: a coding's display and the
// CodeableConcept's text come as Codings with a Display (and no code), so
// an Observation recognised only by its name (a CYP2C19 phenotype, a
// Child-Pugh class coded locally) is not passed over.
func TestFilterObservationsSeesNames(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"cyp","status":"final","code":{"text":"CYP2C19 phenotype"},"valueString":"Poor metabolizer"}},
		{"resource":{"resourceType":"Observation","id":"cp","status":"final","code":{"coding":[{"system":"urn:local","code":"CP","display":"Child-Pugh class"}]},"valueString":"C"}}
	]}`)
	var names []string
	b := NewBuilder(nil)
	b.Filter(&Filters{Observation: func(codes []rules.Coding) (time.Duration, bool) {
		for _, c := range codes {
			if c.Display != "" {
				names = append(names, c.Display)
			}
			if c.Code == "751-8" {
				return 0, true
			}
		}
		for _, c := range codes {
			if c.Code == "" && c.Display == "CYP2C19 phenotype" || c.Display == "Child-Pugh class" {
				return 0, true
			}
		}
		return 0, false
	}}, time.Now())
	if _, err := b.Add(context.Background(), "observations", bundle); err != nil {
		t.Fatal(err)
	}
	rec := b.Record()
	var ids []string
	for _, o := range rec.Observations {
		ids = append(ids, o.ID)
	}
	if !reflect.DeepEqual(ids, []string{"Observation/cyp", "Observation/cp"}) {
		t.Errorf("kept %v", ids)
	}
	if !reflect.DeepEqual(names, []string{"CYP2C19 phenotype", "Child-Pugh class"}) {
		t.Errorf("names seen: %v", names)
	}
}

// A filter's decision on a code's JSON is remembered for every Builder
// given the same Filters: asked once for a code seen in an earlier call,
// again for the same code written otherwise (another display), each time
// for an Observation with components or a code JSON too long to keep.
func TestFiltersRememberAcrossCalls(t *testing.T) {
	long := `{"coding":[{"system":"http://loinc.org","code":"718-7"}],"text":"` + strings.Repeat("x", 1024) + `"}`
	bundle := []byte(`{"resourceType":"Bundle","entry":[
		{"resource":{"resourceType":"Observation","id":"a","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}},
		{"resource":{"resourceType":"Observation","id":"b","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7","display":"Hgb"}]}}},
		{"resource":{"resourceType":"Observation","id":"c","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"58410-2"}]},
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]}}]}},
		{"resource":{"resourceType":"Observation","id":"d","status":"final","code":` + long + `}},
		{"resource":{"resourceType":"Condition","id":"e","code":{"coding":[{"system":"http://snomed.info/sct","code":"56717001"}]}}},
		{"resource":{"resourceType":"Immunization","id":"f","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"187"}]}}},
		{"resource":{"resourceType":"MedicationStatement","id":"g","status":"active","medicationCodeableConcept":{"text":"Rinvoq"}}}
	]}`)
	asked := map[string]int{}
	count := func(codes []rules.Coding) {
		var s []string
		for _, c := range codes {
			s = append(s, strings.Trim(c.Code+"/"+c.Display, "/"))
		}
		asked[strings.Join(s, " ")]++
	}
	f := &Filters{
		Observation:  func(codes []rules.Coding) (time.Duration, bool) { count(codes); return 0, true },
		Condition:    func(codes []rules.Coding) bool { count(codes); return true },
		Immunization: func(codes []rules.Coding) bool { count(codes); return true },
		Medication:   func(m rules.Medication) bool { asked[m.Text]++; return true },
	}
	for call := range 3 {
		b := NewBuilder(nil)
		b.Filter(f, time.Now())
		if _, err := b.Add(context.Background(), "all", bundle); err != nil {
			t.Fatal(err)
		}
		if rec := b.Record(); len(rec.Observations) != 4 || len(rec.Conditions) != 1 || len(rec.Immunizations) != 1 || len(rec.Medications) != 1 {
			t.Fatalf("call %d: record %+v", call, rec)
		}
	}
	want := map[string]int{
		"718-7": 1, "718-7/Hgb": 1, "56717001": 1, "187": 1, "Rinvoq": 1, // remembered
		"58410-2 718-7":                      3, // components
		"718-7 " + strings.Repeat("x", 1024): 3, // too long to keep
	}
	if !reflect.DeepEqual(asked, want) {
		t.Errorf("filters asked %v, want %v", asked, want)
	}
}

// What the filters remember is bounded: a stream of ever new codes never
// holds more than maxDecisions of them.
func TestFiltersBounded(t *testing.T) {
	f := &Filters{Condition: func([]rules.Coding) bool { return false }}
	var entries []string
	for i := range 4096 + 10 {
		entries = append(entries, fmt.Sprintf(`{"resource":{"resourceType":"Condition","code":{"coding":[{"code":"c%d"}]}}}`, i))
	}
	b := NewBuilder(nil)
	b.Filter(f, time.Now())
	if _, err := b.Add(context.Background(), "conditions", []byte(`{"resourceType":"Bundle","entry":[`+strings.Join(entries, ",")+`]}`)); err != nil {
		t.Fatal(err)
	}
	if n := f.decided[kindCondition].Len(); n == 0 || n > 4096 {
		t.Errorf("%d decisions remembered, want 1 to 4096", n)
	}
}

// Calls share Filters concurrently (run with -race).
func TestFiltersConcurrent(t *testing.T) {
	f := &Filters{Condition: func(codes []rules.Coding) bool { return codes[0].Code == "keep" }}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				b := NewBuilder(nil)
				b.Filter(f, time.Now())
				code := []string{"keep", "drop", fmt.Sprint(g, i)}[i%3]
				if _, err := b.Add(context.Background(), "c", []byte(`{"resourceType":"Condition","code":{"coding":[{"code":"`+code+`"}]}}`)); err != nil {
					t.Error(err)
					return
				}
				if got := len(b.Record().Conditions); got != map[bool]int{true: 1, false: 0}[code == "keep"] {
					t.Errorf("%s: %d conditions", code, got)
				}
			}
		})
	}
	wg.Wait()
}

// Observations older than their look-back are kept aside, not decoded:
// Since decodes those dated on or after its time (a renewal's course
// start), once; an unreadable one is logged and left out.
func TestSinceReadsOlderObservations(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	obs := func(id, date string) string {
		return `{"resource":{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"` + date + `"}}`
	}
	page := `{"resourceType":"Bundle","entry":[` + obs("new", "2026-12-01") + `,` + obs("old", "2026-06-01") + `,` + obs("older", "2025-01-01") + `,` +
		`{"resource":{"resourceType":"Observation","id":"bad","status":"nonsense","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"2026-07-01"}}]}`
	b := NewBuilder(nil)
	b.Filter(&Filters{Observation: func([]rules.Coding) (time.Duration, bool) { return 30 * 24 * time.Hour, true }}, now)
	if _, err := b.Add(context.Background(), "observations", []byte(page)); err != nil {
		t.Fatal(err)
	}
	ids := func() (out []string) {
		for _, o := range b.Record().Observations {
			out = append(out, o.ID)
		}
		return out
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"Observation/new"}) || !b.HasOlder() {
		t.Fatalf("before Since: %q (older kept aside: %v)", got, b.HasOlder())
	}
	skipped := map[string]int{}
	if n := b.Since(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), skipped); n != 2 || skipped["observations"] != 1 {
		t.Errorf("Since decoded %d, want 2 (old and the unreadable one); skipped %v, want the unreadable one", n, skipped)
	}
	if got := ids(); !reflect.DeepEqual(got, []string{"Observation/new", "Observation/old"}) {
		t.Errorf("after Since: %q", got)
	}
	if b.HasOlder() || b.Since(time.Time{}, skipped) != 0 {
		t.Error("Since decodes the older Observations once")
	}
}
