package cards

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"jakguard/rules"
)

func TestSummary(t *testing.T) {
	const o = "MedicationRequest/a"
	upa := func(code string) rules.Finding { return finding(code, codeTable[code].level, rules.Upadacitinib, o) }
	abro := func(code string) rules.Finding { return finding(code, codeTable[code].level, rules.Abrocitinib, o) }
	withMg := func(f rules.Finding, mg float64) rules.Finding { f.SuggestedDailyMg = mg; return f }
	withLevel := func(f rules.Finding, l rules.Level) rules.Finding { f.Level = l; return f }
	onTx := func(f rules.Finding) rules.Finding { f.OnTreatment = true; return f }
	// since: on treatment, about an event since the (known) course start.
	since := func(f rules.Finding) rules.Finding { f.OnTreatment, f.SinceStart = true, true; return f }
	// stop: an event since the start for which the label says discontinue
	// (the rule sets Discontinue: an MI or stroke, a thrombosis).
	stop := func(f rules.Finding) rules.Finding { f = since(f); f.Discontinue = true; return f }
	with := func(f rules.Finding, edit func(*rules.Finding)) rules.Finding { edit(&f); return f }
	tests := []struct {
		name        string
		group       []rules.Finding
		patientView bool
		want        string
	}{
		{name: "screening lists the items", group: []rules.Finding{upa(rules.TBScreeningMissing), upa(rules.HBVScreeningMissing), upa(rules.HCVScreeningMissing), upa(rules.CBCMissing)},
			want: "Order before starting upadacitinib: TB test, hepatitis B and C tests and CBC"},
		{name: "screening, one item", group: []rules.Finding{abro(rules.LipidsMissing)}, want: "Order before starting abrocitinib: lipid panel"},
		{name: "hepatitis C alone", group: []rules.Finding{abro(rules.HCVScreeningMissing), abro(rules.PregnancyTestMissing)},
			want: "Order before starting abrocitinib: hepatitis C test and pregnancy test"},
		{name: "neutropenia at order time", group: []rules.Finding{abro(rules.Neutropenia)}, want: "Do not start abrocitinib: neutrophils below 1,000 cells/mm³"},
		{name: "neutropenia on treatment", group: []rules.Finding{abro(rules.Neutropenia)}, patientView: true, want: "Interrupt abrocitinib: neutrophils below 1,000 cells/mm³"},
		{name: "thrombocytopenia at order time", group: []rules.Finding{abro(rules.Thrombocytopenia)}, want: "Do not start abrocitinib: platelets below 150,000/mm³"},
		{name: "thrombocytopenia on treatment", group: []rules.Finding{abro(rules.Thrombocytopenia)}, patientView: true, want: "Discontinue abrocitinib: platelets below 50,000/mm³"},
		{name: "serious infection on treatment", group: []rules.Finding{upa(rules.SeriousInfectionActive)}, patientView: true, want: "Interrupt upadacitinib until the serious infection is controlled"},
		{name: "serious infection on abrocitinib (CIBINQO 5.1: discontinue)", group: []rules.Finding{abro(rules.SeriousInfectionActive)}, patientView: true,
			want: "Discontinue abrocitinib: serious infection (US label; weigh restarting once it is controlled)"},
		{name: "serious infection before abrocitinib", group: []rules.Finding{abro(rules.SeriousInfectionActive)}, want: "Do not start abrocitinib during an active serious infection"},
		{name: "latent TB", group: []rules.Finding{upa(rules.TBLatentUntreated)}, want: "Treat latent TB before starting upadacitinib"},
		{name: "risk factors without lower dose", group: []rules.Finding{upa(rules.MACEHistory), upa(rules.VTERisk)},
			want: "Weigh boxed-warning risks before starting upadacitinib: prior MI or stroke and VTE risk"},
		{name: "risk factors with lower dose", group: []rules.Finding{withMg(upa(rules.LowerDoseRecommended), 15), upa(rules.Smoker)},
			want: "Use upadacitinib 15 mg daily: boxed-warning risks (smoking)"},
		{name: "lower dose alone", group: []rules.Finding{withMg(abro(rules.LowerDoseRecommended), 100)}, want: "Use abrocitinib 100 mg daily: boxed-warning risks"},
		{name: "renal with dose", group: []rules.Finding{withMg(abro(rules.RenalImpairment), 50)}, want: "Reduce abrocitinib to 50 mg daily: reduced kidney function"},
		{name: "renal critical", group: []rules.Finding{withLevel(abro(rules.RenalImpairment), rules.Critical)}, want: "Avoid abrocitinib: severe renal impairment or dialysis"},
		{name: "renal warning without dose", group: []rules.Finding{abro(rules.RenalImpairment)}, want: "Keep abrocitinib at the renal dose: reduced kidney function"},
		{name: "dose above label", group: []rules.Finding{withMg(upa(rules.DoseAboveLabel), 30)}, want: "Reduce upadacitinib to 30 mg daily: above the atopic dermatitis maximum"},
		{name: "monitoring", group: []rules.Finding{abro(rules.MonitoringCBCDue), abro(rules.MonitoringLipidsDue)}, patientView: true,
			want: "Order CBC and lipid panel: monitoring due on abrocitinib"},
		// Continuation at order time (issue 14): on-treatment wording, not "Do not start".
		{name: "thrombocytopenia on a renewal", group: []rules.Finding{with(onTx(abro(rules.Thrombocytopenia)), func(f *rules.Finding) { f.Threshold = "50,000/mm³" })},
			want: "Discontinue abrocitinib: platelets below 50,000/mm³"},
		{name: "age under 12 at a start", group: []rules.Finding{abro(rules.AgeNotApproved)}, want: "Do not start abrocitinib: not approved under 12 years of age"},
		{name: "age under 12 on a renewal", group: []rules.Finding{onTx(abro(rules.AgeNotApproved))}, want: "Review abrocitinib: not approved under 12 years of age"},
		{name: "age maybe under 12 (partial birth date)", group: []rules.Finding{with(upa(rules.AgeNotApproved), func(f *rules.Finding) { f.Subject = "may be under 12" })},
			want: "Check the birth date before upadacitinib: the patient may be under 12 (not approved)"},
		{name: "lymphopenia on a renewal", group: []rules.Finding{onTx(upa(rules.Lymphopenia))}, want: "Interrupt upadacitinib: lymphocytes below 500 cells/mm³"},
		{name: "active TB on a renewal", group: []rules.Finding{onTx(upa(rules.TBActive))}, want: "Interrupt upadacitinib: active tuberculosis"},
		{name: "renal critical with its limit", group: []rules.Finding{with(withLevel(upa(rules.RenalImpairment), rules.Critical), func(f *rules.Finding) { f.Threshold = "15 mL/min/1.73 m²" })},
			want: "Avoid upadacitinib: eGFR below 15 mL/min/1.73 m², end-stage renal disease or dialysis"},
		{name: "CYP inducer: avoid, naming the drug", group: []rules.Finding{with(upa(rules.CYPInteraction), func(f *rules.Finding) { f.Avoid, f.Subject = true, "rifampin" })},
			want: "Avoid upadacitinib with rifampin: CYP interaction (not recommended by the label)"},
		{name: "CYP inhibitor with a dose", group: []rules.Finding{with(withMg(upa(rules.CYPInteraction), 15), func(f *rules.Finding) { f.Subject = "clarithromycin" })},
			want: "Reduce upadacitinib to 15 mg daily: strong CYP inhibitor (clarithromycin)"},
		{name: "breastfeeding with the wash-out", group: []rules.Finding{with(upa(rules.Breastfeeding), func(f *rules.Finding) { f.Subject = "6 days" })},
			want: "Do not start upadacitinib while breastfeeding: no breastfeeding on it and for 6 days after the last dose"},
		{name: "cirrhosis without a class", group: []rules.Finding{withLevel(abro(rules.SevereHepaticImpairment), rules.Warning)},
			want: "Confirm the Child-Pugh class before using abrocitinib: cirrhosis on record"},
		{name: "severe hepatic impairment", group: []rules.Finding{withLevel(abro(rules.SevereHepaticImpairment), rules.Critical)}, want: "Avoid abrocitinib: severe hepatic impairment (Child-Pugh C)"},
		{name: "CYP2C19 poor metabolizer", group: []rules.Finding{withMg(abro(rules.CYP2C19PoorMetabolizer), 50)}, want: "Reduce abrocitinib to 50 mg daily: CYP2C19 poor metabolizer"},
		{name: "weight under the label", group: []rules.Finding{with(upa(rules.WeightBelowLabel), func(f *rules.Finding) { f.Threshold = "40 kg" })},
			want: "Reconsider upadacitinib: patient under 18 weighing under 40 kg (not labelled)"},
		{name: "P-gp substrate", group: []rules.Finding{with(abro(rules.PgpSubstrate), func(f *rules.Finding) { f.Subject = "digoxin" })},
			want: "Monitor digoxin: abrocitinib raises levels of narrow-margin P-gp substrates"},
		{name: "live vaccine ordered", group: []rules.Finding{with(upa(rules.LiveVaccineOrdered), func(f *rules.Finding) { f.Subject = "MMR vaccine" })},
			want: "Avoid live vaccines with upadacitinib: MMR vaccine ordered"},
		{name: "live vaccine on the chart, patient-view", group: []rules.Finding{with(upa(rules.LiveVaccineOrdered), func(f *rules.Finding) { f.Subject = "MMR vaccine" })},
			patientView: true, want: "Avoid live vaccines with upadacitinib: MMR vaccine on the medication list"},
		{name: "age unknown", group: []rules.Finding{upa(rules.AgeUnknown)}, want: "Record the birth date: the age checks for upadacitinib could not run"},
		// RINVOQ and CIBINQO 5.4: discontinue after an MI or stroke; 5.5 after a
		// thrombosis; the summary leads with it, before any dose.
		{name: "new MI on a renewal", group: []rules.Finding{stop(upa(rules.MACEHistory))}, want: "Discontinue upadacitinib: MI or stroke since the start"},
		{name: "new MI on a renewal with a lower dose", group: []rules.Finding{withMg(onTx(upa(rules.LowerDoseRecommended)), 15), stop(upa(rules.MACEHistory)), since(upa(rules.VTERisk))},
			want: "Discontinue upadacitinib: MI or stroke since the start"},
		{name: "new MI and thrombosis on a renewal", group: []rules.Finding{stop(upa(rules.MACEHistory)), stop(upa(rules.VTERisk))},
			want: "Discontinue upadacitinib: MI or stroke and thrombosis since the start"},
		{name: "new thrombosis on an abrocitinib renewal", group: []rules.Finding{stop(abro(rules.VTERisk))}, want: "Discontinue abrocitinib: thrombosis since the start"},
		{name: "new thrombophilia on a renewal: review", group: []rules.Finding{since(upa(rules.VTERisk))}, want: "Review upadacitinib: new since the start: VTE or thrombophilia"},
		{name: "new MI on an abrocitinib renewal", group: []rules.Finding{stop(abro(rules.MACEHistory))}, want: "Discontinue abrocitinib: MI or stroke since the start"},
		// A renewal of a course with no start date reads the whole record: an
		// MI on record may be from before the course, so no "discontinue".
		{name: "MI on a renewal, course start unknown", group: []rules.Finding{onTx(upa(rules.MACEHistory))},
			want: "Review upadacitinib: boxed-warning risks on record (course start unknown): prior MI or stroke"},
		{name: "prior MI at a start", group: []rules.Finding{upa(rules.MACEHistory)}, want: "Weigh boxed-warning risks before starting upadacitinib: prior MI or stroke"},
		{name: "unknown drug", group: []rules.Finding{finding(rules.CombinationJAK, rules.Critical, "", o)}, want: "Do not combine the JAK inhibitor with another JAK inhibitor"},
		{name: "unknown code uses the title", group: []rules.Finding{{Code: "new-rule", Title: "Something new\nfound", Drug: rules.Upadacitinib}}, want: "Something new found"},
		{name: "unknown code without title", group: []rules.Finding{{Code: "new-rule", Drug: rules.Upadacitinib}}, want: "Review upadacitinib: new-rule"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Summary(tc.group, tc.patientView))
		})
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"ünïcödé characters", 8, "ünïcödé…"},
		{"word boundary x", 6, "word…"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, clip(tc.in, tc.n))
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  a\n\tb  ", "a b"},
		{"bad \xff utf8", "bad utf8"},
		{"ctrl\x00char", "ctrl char"},
		{"", ""},
		{"plain text", "plain text"},
		{" lead", "lead"},
		{"trail ", "trail"},
		{"two  spaces", "two spaces"},
		{"delchar", "del char"},
		{"é ok", "é ok"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, oneLine(tc.in))
		})
	}
	// Text that is one line already is given back, not copied.
	plain := "Hemoglobin 13 g/dL on 2026-11-02"
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = oneLine(plain) }))
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = md(plain) }))
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ANC 0.8 ×10³/µL on 2026-11-02", "ANC 0.8 ×10³/µL on 2026-11-02"},
		{"10*3/uL", `10\*3/uL`},
		{"<img src=x>", `\<img src=x\>`},
		{"- starts a list", `\- starts a list`},
		{"+ also", `\+ also`},
		{"1. ordered", `1\. ordered`},
		{"12) ordered", `12\) ordered`},
		{"2026-11-02 is a date", "2026-11-02 is a date"},
		{"snake_case `code` [link](x) a|b ~~del~~ #tag", "snake\\_case \\`code\\` \\[link\\](x) a\\|b \\~\\~del\\~\\~ \\#tag"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, md(tc.in))
		})
	}
}

// expand gives what a strings.Replacer of the placeholders gives.
func TestExpandAsReplacer(t *testing.T) {
	a := summaryArgs{Drug: "upadacitinib", Mg: "15", Subject: "{mg} rifampin", Threshold: "500 cells/mm³", Ended: "2026-10-01"}
	r := strings.NewReplacer("{drug}", a.Drug, "{mg}", a.Mg, "{subject}", a.Subject, "{limit}", a.Threshold, "{ended}", a.Ended)
	for _, s := range []string{
		"", "plain", "{drug}", "{drug} {mg} mg", "Stop {drug}: {subject} until {ended}, below {limit}",
		"{", "}", "{}", "{{drug}}", "{dr{drug}", "{unknown} {drug}", "{drug", "drug}", "a{mg}b{mg}c", "{ended}{ended}",
		"{drug}{", "x{y}z{limit}", "é{drug}ü",
	} {
		assert.Equal(t, r.Replace(s), expand(s, a), "%q", s)
	}
}
