package rules

import (
	"errors"
	"slices"
	"sort"
	"testing"
	"time"
)

// Codes below are taken from the knowledge base (docs/../clinical knowledge,
// grades A/B), so the tests do not depend on the embedded value sets.

func codings(system string, codes ...string) []Coding {
	out := make([]Coding, len(codes))
	for i, c := range codes {
		out[i] = Coding{System: system, Code: c}
	}
	return out
}

func rx(codes ...string) []Coding     { return codings(SystemRxNorm, codes...) }
func loinc(codes ...string) []Coding  { return codings(SystemLOINC, codes...) }
func snomed(codes ...string) []Coding { return codings(SystemSNOMED, codes...) }
func icd(codes ...string) []Coding    { return codings(SystemICD10CM, codes...) }
func cvx(codes ...string) []Coding    { return codings(SystemCVX, codes...) }

func join(lists ...[]Coding) []Coding { return slices.Concat(lists...) }

// testKnowledge builds value sets from knowledge-base codes.
func testKnowledge() *Knowledge {
	return NewKnowledge(map[string][]Coding{
		VSUpadacitinib:            rx("2196092", "2196894"),
		VSAbrocitinib:             rx("2591476", "2591481"),
		VSOtherJAK:                rx("1357536", "2047232", "1193326", "2641595"),
		VSBiologics:               rx("327361", "214555", "191831"),
		VSImmunosuppressants:      rx("3008", "1256"),
		VSAntiplatelets:           rx("1191", "32968", "1116632", "10594", "309362", "243670", "212033", "226716"),
		VSAspirin:                 rx("1191", "243670", "212033"),
		VSCYP3A4StrongInhibitors:  rx("6135", "28031", "21212"),
		VSCYP3A4StrongInducers:    rx("9384", "2002", "8183"),
		VSCYP2C19StrongInhibitors: rx("4493", "10594"),
		VSCYP2C19CYP2C9Inhibitors: rx("4450"),
		VSCYP2C19CYP2C9Inducers:   rx("9384"),
		VSTBTreatment:             rx("9384", "35617"),
		VSPriorSystemicADTherapy:  rx("3008", "6851", "1256"),

		VSTBTest:          loinc("71773-6", "39263-9"),
		VSHBsAg:           loinc("5196-1", "5195-3"),
		VSHBcAb:           loinc("16933-4", "13952-7"),
		VSHBVDNA:          loinc("42595-9", "29615-2"),
		VSHCVAb:           loinc("16128-1", "13955-0"),
		VSHCVRNA:          loinc("11259-9", "11011-4"),
		VSCBCPanel:        loinc("58410-2", "57021-8"),
		VSLymphocytes:     loinc("731-0", "26474-7"),
		VSNeutrophils:     loinc("751-8", "26499-4"),
		VSHemoglobin:      loinc("718-7", "59260-0"),
		VSPlatelets:       loinc("777-3", "26515-7"),
		VSALT:             loinc("1742-6"),
		VSAST:             loinc("1920-8"),
		VSLipids:          loinc("57698-3", "13457-7", "18262-6", "2085-9"),
		VSLipidPanelOrLDL: loinc("57698-3", "13457-7", "18262-6"),
		VSPregnancyTest:   loinc("2106-3", "2118-8"),
		VSEGFR:            loinc("98979-8", "62238-1"),
		VSSmokingStatus:   loinc("72166-2"),

		VSResultPositive:      snomed("10828004", "260373001", "11214006"),
		VSResultNegative:      snomed("260385009", "260415000", "131194007"),
		VSResultIndeterminate: snomed("82334004", "419984006", "42425007"),
		VSSmokerAnswers:       snomed("449868002", "428041000124106", "77176002", "8517006"),

		VSActiveTB:             join(snomed("56717001", "427099000"), icd("A15.0")),
		VSLatentTB:             icd("Z22.7", "R76.12"),
		VSChronicHBV:           join(snomed("61977001"), icd("B18.1")),
		VSHCV:                  join(snomed("128302006"), icd("B18.2")),
		VSSevereHepatic:        join(snomed("19943007"), icd("K72.10")),
		VSPregnancyCondition:   join(snomed("77386006"), icd("Z33.1")),
		VSBreastfeeding:        snomed("866041003"),
		VSVTE:                  join(snomed("128053003", "59282003"), icd("Z86.718")),
		VSThrombophilia:        icd("D68.51"),
		VSMalignancy:           join(snomed("363346000", "93880001", "254701007"), icd("C34.90", "C44.91")),
		VSNMSC:                 join(snomed("254701007"), icd("C44.91")),
		VSHypertension:         join(snomed("59621000"), icd("I10")),
		VSDiabetes:             snomed("44054006"),
		VSHyperlipidemia:       snomed("55822004"),
		VSCoronaryDisease:      snomed("53741008"),
		VSMyocardialInfarction: join(snomed("22298006"), icd("I25.2")),
		VSStroke:               snomed("230690007"),
		VSSmokerCondition:      icd("F17.210", "Z72.0", "Z87.891"),
		VSSeriousInfection:     snomed("91302008", "233604007", "4740000"),
		VSSevereRenal:          join(snomed("46177005"), icd("N18.5")),

		VSZosterRecombinant: cvx("187"),
		VSLiveVaccines:      cvx("121", "03", "21"),
	})
}

// markUnverified grades one code of a set U, as the loader does for C/U codes.
func markUnverified(t *testing.T, k *Knowledge, set string, c Coding) {
	t.Helper()
	vs, ok := k.sets[set]
	if !ok {
		t.Fatalf("no set %s", set)
	}
	for i := range vs.Codes {
		if vs.Codes[i].System == c.System && vs.Codes[i].Code == c.Code {
			vs.Codes[i].Grade, vs.Codes[i].Unverified = "U", true
		}
	}
	vs.buildIndex()
}

var testNow = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return testNow.AddDate(0, 0, -n) }

// embeddedKnowledge loads the embedded value sets.
func embeddedKnowledge(t *testing.T) *Knowledge {
	t.Helper()
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatalf("LoadKnowledge: %v", err)
	}
	return k
}

func mustEngine(t *testing.T, k *Knowledge) *Engine {
	t.Helper()
	e, err := NewEngine(k, DefaultConfig())
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

func codesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	sort.Strings(out)
	return out
}

func findingOf(fs []Finding, code string) (Finding, bool) {
	for _, f := range fs {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}

func TestNewEngine(t *testing.T) {
	bad := DefaultConfig()
	bad.CBCWindow = 0
	tests := []struct {
		name    string
		k       *Knowledge
		cfg     Config
		wantErr bool
	}{
		{"default config", testKnowledge(), DefaultConfig(), false},
		{"nil knowledge", nil, DefaultConfig(), true},
		{"zero CBC window", testKnowledge(), bad, true},
		{"empty config", testKnowledge(), Config{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewEngine(tc.k, tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && e.Knowledge() != tc.k {
				t.Error("engine does not keep its knowledge")
			}
		})
	}
}

func TestRecognize(t *testing.T) {
	e := mustEngine(t, testKnowledge())
	tests := []struct {
		name       string
		m          Medication
		wantDrug   Drug
		wantByText bool
		wantOK     bool
	}{
		{"upadacitinib by RxNorm ingredient 2196092", Medication{Codes: rx("2196092")}, Upadacitinib, false, true},
		{"upadacitinib by RINVOQ product code", Medication{Codes: rx("2196894")}, Upadacitinib, false, true},
		{"abrocitinib by RxNorm ingredient 2591476", Medication{Codes: rx("2591476")}, Abrocitinib, false, true},
		{"Rinvoq by text only", Medication{Text: "Rinvoq 15 mg extended-release tablet"}, Upadacitinib, true, true},
		{"Cibinqo by coding display only", Medication{Codes: []Coding{{System: "urn:local", Code: "x", Display: "CIBINQO 100 MG"}}}, Abrocitinib, true, true},
		{"code wins over text", Medication{Codes: rx("2591476"), Text: "not rinvoq"}, Abrocitinib, false, true},
		{"tofacitinib is not a trigger drug", Medication{Codes: rx("1357536"), Text: "tofacitinib 5 MG"}, "", false, false},
		{"word inside another word does not match", Medication{Text: "prerinvoqx"}, "", false, false},
		{"empty order (first order-select)", Medication{}, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, byText, ok := e.Recognize(tc.m)
			if d != tc.wantDrug || byText != tc.wantByText || ok != tc.wantOK {
				t.Errorf("Recognize = %q, %v, %v; want %q, %v, %v", d, byText, ok, tc.wantDrug, tc.wantByText, tc.wantOK)
			}
		})
	}
}

// TestRecognizeWithEmbeddedKnowledge checks the real value sets once they
// are loaded.
func TestRecognizeWithEmbeddedKnowledge(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatalf("LoadKnowledge: %v", err)
	}
	if len(k.Codes(VSUpadacitinib)) == 0 {
		t.Fatal("the embedded value sets are empty")
	}
	e := mustEngine(t, k)
	for _, tc := range []struct {
		code string
		want Drug
	}{{"2196092", Upadacitinib}, {"2591476", Abrocitinib}} {
		if d, byText, ok := e.Recognize(Medication{Codes: rx(tc.code)}); !ok || byText || d != tc.want {
			t.Errorf("RxNorm %s: got %q %v %v, want %q by code", tc.code, d, byText, ok, tc.want)
		}
	}
	if _, _, ok := e.Recognize(Medication{Codes: rx("1357536")}); ok {
		t.Error("tofacitinib recognised as a trigger drug")
	}
}

// TestEmbeddedKnowledgeEndToEnd runs a whole order through the real value
// sets: an upadacitinib order for a patient with no screening on record
// yields the screening findings.
func TestEmbeddedKnowledgeEndToEnd(t *testing.T) {
	k, err := LoadKnowledge(nil)
	if err != nil {
		t.Fatalf("LoadKnowledge: %v", err)
	}
	if len(k.Codes(VSTBTest)) == 0 {
		t.Fatal("the embedded value sets are empty")
	}
	e := mustEngine(t, k)
	rec := &Record{Patient: &Patient{BirthDate: daysAgo(40 * 365), Gender: "male"}}
	fs := e.EvaluateOrders(rec, Session{}, []Medication{{ID: "MedicationRequest/1", Codes: rx("2196092")}}, testNow)
	got := codesOf(fs)
	for _, want := range []string{TBScreeningMissing, HBVScreeningMissing, HCVScreeningMissing, CBCMissing, LiverEnzymesMissing, LipidsMissing} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %s in %v", want, got)
		}
	}
}

func TestConfigErrorsWrapErrConfig(t *testing.T) {
	_, err := NewEngine(testKnowledge(), Config{})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
}

func TestNumberAndDuration(t *testing.T) {
	tests := []struct{ got, want string }{
		{number(150000), "150,000"},
		{number(1000), "1,000"},
		{number(0.8), "0.8"},
		{number(8), "8"},
		{number(7.456), "7.46"},
		{number(-1234.5), "-1,234.5"},
		{durationText(year), "12 months"},
		{durationText(90 * day), "90 days"},
		{durationText(4 * week), "4 weeks"},
		{durationText(12 * week), "12 weeks"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
