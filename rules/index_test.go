package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	ix := newIndex(testKnowledge(), &Record{}, testNow)
	interp := func(code string) []Coding { return []Coding{{System: systemInterpretation, Code: code}} }
	tests := []struct {
		name string
		o    Observation
		want result
	}{
		{"SNOMED positive answer", Observation{ValueCodes: snomed(sctPositive)}, resultPositive},
		{"SNOMED detected answer", Observation{ValueCodes: snomed(sctDetected)}, resultPositive},
		{"SNOMED negative answer", Observation{ValueCodes: snomed(sctNegative)}, resultNegative},
		{"SNOMED not detected answer", Observation{ValueCodes: snomed(sctNotDetected)}, resultNegative},
		{"SNOMED indeterminate answer", Observation{ValueCodes: snomed(sctIndeterminate)}, resultIndeterminate},
		{"SNOMED inconclusive answer", Observation{ValueCodes: snomed("419984006")}, resultIndeterminate},
		{"interpretation POS", Observation{Interpretation: interp("POS")}, resultPositive},
		{"interpretation NEG", Observation{Interpretation: interp("NEG")}, resultNegative},
		{"interpretation H", Observation{Interpretation: interp("H")}, resultPositive},
		{"interpretation L", Observation{Interpretation: interp("L")}, resultNegative},
		{"interpretation IND", Observation{Interpretation: interp("IND")}, resultIndeterminate},
		{"interpretation from another system is ignored", Observation{Interpretation: []Coding{{System: "urn:lab", Code: "POS"}}}, resultUnknown},
		{"text positive", Observation{ValueText: "Positive"}, resultPositive},
		{"text detected", Observation{ValueText: "DETECTED"}, resultPositive},
		{"text reactive", Observation{ValueText: "reactive"}, resultPositive},
		{"text TND (target not detected)", Observation{ValueText: "TND"}, resultNegative},
		{"text 'Below detection limit'", Observation{ValueText: "Below detection limit"}, resultNegative},
		{"text 'below the limit of quantification' is not read", Observation{ValueText: "below the limit of quantification"}, resultUnknown},
		{"text '<15 IU/mL TND'", Observation{ValueText: "<15 IU/mL TND"}, resultNegative},
		{"text 'attended' is not TND", Observation{ValueText: "attended"}, resultUnknown},
		{"text negative", Observation{ValueText: " negative "}, resultNegative},
		{"text not detected is negative", Observation{ValueText: "Not detected"}, resultNegative},
		{"text non-reactive is negative", Observation{ValueText: "Non-reactive"}, resultNegative},
		{"text indeterminate", Observation{ValueText: "Indeterminate"}, resultIndeterminate},
		{"text abbreviation POS", Observation{ValueText: "POS"}, resultPositive},
		{"text abbreviation Pos.", Observation{ValueText: "Pos."}, resultPositive},
		{"text abbreviation NEG", Observation{ValueText: "NEG"}, resultNegative},
		{"pos inside a word is no answer", Observation{ValueText: "posted later"}, resultUnknown},
		{"neg inside a word is no answer", Observation{ValueText: "negligible sample"}, resultUnknown},
		{"answer display when no code matches", Observation{ValueCodes: []Coding{{System: "urn:lab", Code: "P", Display: "Positive"}}}, resultPositive},
		{"coded answer wins over text", Observation{ValueCodes: snomed(sctNegative), ValueText: "positive"}, resultNegative},
		{"nothing readable", Observation{Quantity: &Quantity{Value: 0.2, Unit: "[IU]/mL"}}, resultUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.read(&tc.o); got != tc.want {
				t.Errorf("read = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestReadViral(t *testing.T) {
	ix := newIndex(testKnowledge(), &Record{}, testNow)
	tests := []struct {
		name string
		o    Observation
		want result
	}{
		{"viral load above zero is detected", Observation{Quantity: &Quantity{Value: 1200, Unit: "[IU]/mL"}}, resultPositive},
		{"viral load zero is not detected", Observation{Quantity: &Quantity{Value: 0, Unit: "[IU]/mL"}}, resultNegative},
		{"viral load without unit is unreadable", Observation{Quantity: &Quantity{Value: 1200}}, resultUnknown},
		{"qualitative answer first", Observation{ValueText: "not detected", Quantity: &Quantity{Value: 15, Unit: "[IU]/mL"}}, resultNegative},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.readViral(&tc.o); got != tc.want {
				t.Errorf("readViral = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestIndexResults(t *testing.T) {
	rec := &Record{Observations: []Observation{
		quantity("old", "751-8", 50, 2, "10*3/uL"),
		quantity("new", "751-8", 5, 3, "10*3/uL"),
		quantity("mid", "26499-4", 20, 4, "10*3/uL"),
		func() Observation {
			o := quantity("prelim", "751-8", 1, 5, "10*3/uL")
			o.Status = "preliminary"
			return o
		}(),
		func() Observation {
			o := quantity("cancelled", "751-8", 1, 5, "10*3/uL")
			o.Status = "cancelled"
			return o
		}(),
		func() Observation { o := quantity("amended", "751-8", 2, 6, "10*3/uL"); o.Status = "amended"; return o }(),
		quantity("future", "751-8", -2, 7, "10*3/uL"),
		{ID: "Observation/undated", Codes: loinc("751-8"), Status: "final", Quantity: &Quantity{Value: 8, Unit: "10*3/uL"}},
		quantity("other", "718-7", 1, 13, "g/dL"),
	}}
	ix := newIndex(testKnowledge(), rec, testNow)
	var ids []string
	for _, o := range ix.results(anyDay, VSNeutrophils) {
		ids = append(ids, o.ID)
	}
	want := []string{"Observation/amended", "Observation/new", "Observation/mid", "Observation/old"}
	if len(ids) != len(want) {
		t.Fatalf("results = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("results = %v, want %v (newest first, final/amended/corrected only, none undated or in the future)", ids, want)
		}
	}
	if got := ix.results(dayOf(daysAgo(10)), VSNeutrophils); len(got) != 2 {
		t.Errorf("results within 10 days = %d, want 2", len(got))
	}
	if o, v, ok := ix.latestValue(VSNeutrophils, anyDay, CellsPerMM3); !ok || o.ID != "Observation/amended" || v != 6000 {
		t.Errorf("latestValue = %v %v %v", o, v, ok)
	}
}

func TestIndexConditionsAndMedications(t *testing.T) {
	abated := condition("abated", icd("I10"), "")
	abated.Abated = true
	unconfirmed := condition("unconfirmed", icd("I10"), "active")
	unconfirmed.VerificationStatus = "unconfirmed"
	rec := &Record{
		Conditions: []Condition{
			condition("active", icd("I10"), "active"),
			condition("relapse", icd("I10"), "relapse"),
			condition("nostatus", icd("I10"), ""),
			condition("resolved", icd("I10"), "resolved"),
			condition("unknown", icd("I10"), "unknown"), // FHIR R5's code: no more than none
			condition("inactive", icd("I10"), "inactive"),
			condition("remission", icd("I10"), "remission"),
			func() Condition { c := condition("unknownabated", icd("I10"), "unknown"); c.Abated = true; return c }(),
			abated, unconfirmed,
			func() Condition {
				c := condition("refuted", icd("I10"), "active")
				c.VerificationStatus = "refuted"
				return c
			}(),
		},
		Medications: []Medication{
			medication("active", rx("3008"), "active"),
			medication("onhold", rx("3008"), "on-hold"),
			medication("completed", rx("3008"), "completed"),
			medication("stopped", rx("3008"), "stopped"),
			medication("cancelled", rx("3008"), "cancelled"),
			medication("eie", rx("3008"), "entered-in-error"),
			medication("draft", rx("3008"), "draft"),
			func() Medication { m := medication("plan", rx("3008"), "active"); m.Intent = "plan"; return m }(),
			func() Medication { m := medication("proposal", rx("3008"), "active"); m.Intent = "proposal"; return m }(),
		},
	}
	ix := newIndex(testKnowledge(), rec, testNow)
	ids := func(cs []*Condition) map[string]bool {
		out := map[string]bool{}
		for _, c := range cs {
			out[c.ID] = true
		}
		return out
	}
	active := ids(ix.activeConditions(VSHypertension))
	for _, want := range []string{"active", "relapse", "nostatus", "unconfirmed", "unknown"} {
		if !active["Condition/"+want] {
			t.Errorf("active conditions miss %s: %v", want, active)
		}
	}
	for _, not := range []string{"resolved", "inactive", "remission", "abated", "unknownabated", "refuted"} {
		if active["Condition/"+not] {
			t.Errorf("active conditions hold %s", not)
		}
	}
	if h := ids(ix.historyConditions(VSHypertension)); !h["Condition/resolved"] || h["Condition/refuted"] {
		t.Errorf("history conditions = %v", h)
	}
	medIDs := func(ms []*Medication) map[string]bool {
		out := map[string]bool{}
		for _, m := range ms {
			out[m.ID] = true
		}
		return out
	}
	// An active plan is current (Oracle Health's documented home
	// medications are plans); a proposal never counts.
	if a := medIDs(ix.activeMeds(VSImmunosuppressants)); len(a) != 3 || !a["MedicationRequest/active"] || !a["MedicationRequest/onhold"] || !a["MedicationRequest/plan"] {
		t.Errorf("active medications = %v, want active, on-hold and the plan", a)
	}
	if h := medIDs(ix.historyMeds(VSImmunosuppressants)); len(h) != 5 || h["MedicationRequest/cancelled"] || h["MedicationRequest/draft"] || h["MedicationRequest/proposal"] {
		t.Errorf("history medications = %v, want active, on-hold, completed, stopped, the plan", h)
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		want  int
	}{
		{"birthday today", time.Date(1976, 11, 29, 0, 0, 0, 0, time.UTC), 50},
		{"birthday tomorrow", time.Date(1976, 11, 30, 0, 0, 0, 0, time.UTC), 49},
		{"born in December", time.Date(2014, 12, 1, 0, 0, 0, 0, time.UTC), 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ageAt(tc.birth, testNow); got != tc.want {
				t.Errorf("ageAt = %d, want %d", got, tc.want)
			}
		})
	}
	ix := newIndex(testKnowledge(), &Record{}, testNow)
	if _, ok := ix.age(); ok {
		t.Error("age known without a patient")
	}
}

func TestUnchecked(t *testing.T) {
	ix := newIndex(testKnowledge(), &Record{Unavailable: []string{DataConditions}}, testNow)
	got := ix.unchecked([]string{DataPatient, DataConditions, DataObservations})
	if len(got) != 2 || got[0] != DataPatient || got[1] != DataConditions {
		t.Errorf("unchecked = %v, want patient (no Patient) and conditions", got)
	}
}

// TestIndexMemoKeepsRecordsApart indexes records one after the other with
// one Knowledge, whose memo of value-set membership outlives each call:
// records that differ only in a medication's text, or in one coding of an
// Observation, must still be indexed each on its own merits.
func TestIndexMemoKeepsRecordsApart(t *testing.T) {
	k := embeddedKnowledge(t)
	aspirin := &Record{Medications: []Medication{{Text: "aspirin 81 mg tablet", Status: "active"}}}
	vitamin := &Record{Medications: []Medication{{Text: "ergocalciferol 50000 unit capsule", Status: "active"}}}
	hgb := Observation{Codes: loinc("718-7"), Status: "final", Date: testNow.AddDate(0, -1, 0)}
	other := hgb
	other.Codes = []Coding{{System: SystemLOINC, Code: "718-7"}, {System: SystemLOINC, Code: "777-3"}}
	hgbOnly := &Record{Observations: []Observation{hgb}}
	withPlatelets := &Record{Observations: []Observation{other}}
	for range 2 {
		if got := newIndex(k, aspirin, testNow).meds[VSAspirin]; len(got) != 1 {
			t.Errorf("aspirin by text: %d in %s, want 1", len(got), VSAspirin)
		}
		if got := newIndex(k, vitamin, testNow).meds[VSAspirin]; len(got) != 0 {
			t.Errorf("ergocalciferol: %d in %s, want 0", len(got), VSAspirin)
		}
		if got := newIndex(k, hgbOnly, testNow).obs[VSPlatelets]; len(got) != 0 {
			t.Errorf("hemoglobin alone: %d platelet results, want 0", len(got))
		}
		if got := newIndex(k, withPlatelets, testNow).obs[VSPlatelets]; len(got) != 1 {
			t.Errorf("hemoglobin and platelets: %d platelet results, want 1", len(got))
		}
	}
	if len(k.memo.m) == 0 {
		t.Error("nothing remembered")
	}
}

// TestLatestValueSameDay: a result written date-only is not known to be
// older than a timed result of the same day, so the lower of the two
// counts; a timed result later the same day than another timed one, or a
// result of a later day, is newer and decides.
func TestLatestValueSameDay(t *testing.T) {
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	at := func(id string, d time.Time, v float64) Observation {
		return Observation{ID: "Observation/" + id, Codes: loinc("731-0"), Status: "final", Date: d, Quantity: &Quantity{Value: v, Unit: "10*3/uL"}}
	}
	east := time.FixedZone("+09:00", 9*3600)
	west := time.FixedZone("-05:00", -5*3600)
	tests := []struct {
		name string
		obs  []Observation
		want float64
	}{
		{"date-only low, timed normal the same day: the low", []Observation{at("a", day, 0.3), at("b", day.Add(16*time.Hour), 1.2)}, 300},
		{"timed normal, date-only low the same day (reverse order)", []Observation{at("b", day.Add(16*time.Hour), 1.2), at("a", day, 0.3)}, 300},
		{"date-only low, timed normal +09:00 the same local day", []Observation{at("a", day, 0.3), at("b", time.Date(2026, 11, 24, 7, 0, 0, 0, east), 1.2)}, 300},
		{"timed low at 08:00, timed normal at 16:00: the later", []Observation{at("a", day.Add(8*time.Hour), 0.3), at("b", day.Add(16*time.Hour), 1.2)}, 1200},
		{"date-only low the day before, timed normal: the later day", []Observation{at("a", day.AddDate(0, 0, -1), 0.3), at("b", day.Add(10*time.Hour), 1.2)}, 1200},
		{"date-only low, timed normal that evening -05:00 (the next day in UTC), one local day: the low",
			[]Observation{at("a", day.AddDate(0, 0, -1), 0.3), at("b", time.Date(2026, 11, 23, 22, 0, 0, 0, west), 1.2)}, 300},
		{"timed normal, a result of another day in between, date-only low the same day",
			[]Observation{at("b", day.Add(10*time.Hour), 1.2), at("c", time.Date(2026, 11, 23, 23, 0, 0, 0, west), 1.5), at("a", day, 0.3)}, 300},
		{"date-only normal, timed low the same day: the low", []Observation{at("a", day, 1.2), at("b", day.Add(16*time.Hour), 0.3)}, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := newIndex(testKnowledge(), &Record{Observations: tc.obs}, testNow)
			_, v, ok := ix.latestValue(VSLymphocytes, anyDay, func(q *Quantity) (float64, bool) { return convert(unitCount, q) })
			if !ok || v != tc.want {
				t.Errorf("latest = %v (%v), want %v", v, ok, tc.want)
			}
		})
	}
}

// TestLatestValueRevision: at the same instant, an amended or corrected
// result replaces the final one it revises (a feed that sends the
// correction as a new resource and leaves the first); otherwise the lower.
func TestLatestValueRevision(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	obs := func(id, status string, d time.Time, v float64) Observation {
		return Observation{ID: "Observation/" + id, Codes: loinc("751-8"), Status: status, Date: d, Quantity: &Quantity{Value: v, Unit: "10*3/uL"}}
	}
	tests := []struct {
		name string
		obs  []Observation
		want float64
	}{
		{"final 0.8, corrected 2.4 at the same instant: the correction", []Observation{obs("a", "final", at, 0.8), obs("b", "corrected", at, 2.4)}, 2400},
		{"corrected first in the bundle", []Observation{obs("b", "corrected", at, 2.4), obs("a", "final", at, 0.8)}, 2400},
		{"final 2.4, amended 0.8: the amendment", []Observation{obs("a", "final", at, 2.4), obs("b", "amended", at, 0.8)}, 800},
		{"two corrected at one instant: the lower", []Observation{obs("a", "corrected", at, 2.4), obs("b", "corrected", at, 0.8)}, 800},
		{"two final at one instant: the lower", []Observation{obs("a", "final", at, 2.4), obs("b", "final", at, 0.8)}, 800},
		{"corrected normal an hour before a final low: the later", []Observation{obs("a", "corrected", at.Add(-time.Hour), 2.4), obs("b", "final", at, 0.8)}, 800},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := newIndex(testKnowledge(), &Record{Observations: tc.obs}, testNow)
			_, v, ok := ix.latestValue(VSNeutrophils, anyDay, func(q *Quantity) (float64, bool) { return convert(unitCount, q) })
			if !ok || v != tc.want {
				t.Errorf("latest = %v (%v), want %v", v, ok, tc.want)
			}
		})
	}
}

// TestSetMemoBounded: the memo keeps no key longer than setMemoMaxKey
// (N-1, N kept, N+1 not) and stops at setMemoMaxBytes of keys (failsafe9).
func TestSetMemoBounded(t *testing.T) {
	var c setMemo
	for _, n := range []int{setMemoMaxKey - 1, setMemoMaxKey, setMemoMaxKey + 1} {
		key := []byte(strings.Repeat("k", n))
		c.put(key, []string{VSEGFR})
		if _, ok := c.get(key); ok != (n <= setMemoMaxKey) {
			t.Errorf("key of %d bytes kept: %v", n, ok)
		}
	}
	c = setMemo{}
	for i := 0; ; i++ {
		key := []byte(fmt.Sprintf("%0*d", setMemoMaxKey, i))
		c.put(key, nil)
		if _, ok := c.get(key); !ok {
			if c.bytes > setMemoMaxBytes || c.bytes+len(key) <= setMemoMaxBytes {
				t.Errorf("stopped at %d bytes of keys, limit %d", c.bytes, setMemoMaxBytes)
			}
			break
		}
	}
}
