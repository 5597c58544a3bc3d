package rules

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Label URLs of the two US prescribing information documents, and of the
// EU summaries of product characteristics (EMA product information).
const (
	RinvoqLabelURL    = "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"
	CibinqoLabelURL   = "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"
	RinvoqSmPCURL     = "https://www.ema.europa.eu/en/documents/product-information/rinvoq-epar-product-information_en.pdf"
	CibinqoSmPCURL    = "https://www.ema.europa.eu/en/documents/product-information/cibinqo-epar-product-information_en.pdf"
	EMAJAKReferralURL = "https://www.ema.europa.eu/en/medicines/human/referrals/janus-kinase-inhibitors-jaki"
	ACIPRZVURL        = "https://www.cdc.gov/mmwr/volumes/71/wr/mm7103a2.htm"
)

// Sources that are not a drug's US label.
var (
	// citeEMAJAK: EMA Article 20 review of JAK inhibitors (PRAC, 2023):
	// in patients 65 or older, current or past long-time smokers, and
	// patients with other cardiovascular or malignancy risk factors, use
	// JAK inhibitors only when no suitable alternative exists, and at a
	// lower dose where one is available. EU advice, not a US label
	// requirement.
	citeEMAJAK = Citation{Label: "EMA Article 20 review of Janus kinase inhibitors (PRAC recommendation, 2023; EU, not US)", URL: EMAJAKReferralURL}
	// citeACIPRZV: ACIP, recombinant zoster vaccine for adults 19 or older
	// who are or will be immunodeficient or immunosuppressed (MMWR
	// 2022;71(3):80-84). A guideline, not a label.
	citeACIPRZV = Citation{Label: "ACIP: Use of Recombinant Zoster Vaccine in Immunocompromised Adults Aged ≥19 Years, MMWR 2022;71(3):80-84 (guideline)", URL: ACIPRZVURL}
)

// DrugProfile is what the rules know about one trigger drug, in one place.
type DrugProfile struct {
	Drug     Drug
	Generic  string   // "upadacitinib"
	Brand    string   // "Rinvoq"
	ValueSet string   // value set of its RxNorm codes
	Words    []string // words that recognise an order by text (lower case)
	// LabelTitle and LabelURL name the US prescribing information, and
	// LabelRevision the revision the rules implement (knowledge base 5).
	LabelTitle    string
	LabelURL      string
	LabelRevision string
	// SmPCTitle and SmPCURL name the EU summary of product characteristics.
	SmPCTitle string
	SmPCURL   string
	// Ingredient is the RxNorm ingredient code (knowledge base 1.1, A).
	Ingredient string
	// MaxDailyMg is the highest atopic dermatitis dose (RINVOQ 30 mg, R5;
	// CIBINQO 200 mg, C2).
	MaxDailyMg float64
	// LowerDailyMg is the lower dose suggested for boxed-warning risk
	// factors (and, for upadacitinib, age 65 or over): 15 mg (R3, R4) and
	// 100 mg (C2).
	LowerDailyMg float64
	// ReducedDailyMg is the dose limit with renal impairment or an
	// interacting drug: upadacitinib 15 mg (strong CYP3A4 inhibitor R13,
	// severe renal impairment R12), abrocitinib 50 mg (eGFR 30-59 C7, strong
	// CYP2C19 inhibitor C9).
	ReducedDailyMg float64
}

// Name is "upadacitinib (Rinvoq)".
func (p DrugProfile) Name() string { return p.Generic + " (" + p.Brand + ")" }

// Cite cites a part of the drug's US prescribing information ("section
// 2.1", "Boxed Warning"; "" for the whole label), with its revision.
func (p DrugProfile) Cite(section string) Citation {
	label := p.LabelTitle + " (" + p.LabelRevision + ")"
	if section != "" {
		label += ", " + section
	}
	return Citation{Label: label, URL: p.LabelURL}
}

// CiteSmPC cites a section of the drug's EU SmPC (EU advice, not US).
func (p DrugProfile) CiteSmPC(section string) Citation {
	return Citation{Label: p.SmPCTitle + ", section " + section + " (EU, not US)", URL: p.SmPCURL}
}

// Profile returns the profile of a trigger drug.
func Profile(d Drug) (DrugProfile, bool) {
	switch d {
	case Upadacitinib:
		return DrugProfile{
			Drug: Upadacitinib, Generic: "upadacitinib", Brand: "Rinvoq",
			ValueSet: VSUpadacitinib, Words: []string{"upadacitinib", "rinvoq"},
			LabelTitle: "RINVOQ (upadacitinib) US Prescribing Information", LabelURL: RinvoqLabelURL,
			LabelRevision: "revision of 11/2023",
			SmPCTitle:     "RINVOQ EU Summary of Product Characteristics", SmPCURL: RinvoqSmPCURL,
			Ingredient: "2196092",
			MaxDailyMg: 30, LowerDailyMg: 15, ReducedDailyMg: 15,
		}, true
	case Abrocitinib:
		return DrugProfile{
			Drug: Abrocitinib, Generic: "abrocitinib", Brand: "Cibinqo",
			ValueSet: VSAbrocitinib, Words: []string{"abrocitinib", "cibinqo"},
			LabelTitle: "CIBINQO (abrocitinib) US Prescribing Information", LabelURL: CibinqoLabelURL,
			LabelRevision: "revision of 12/2023",
			SmPCTitle:     "CIBINQO EU Summary of Product Characteristics", SmPCURL: CibinqoSmPCURL,
			Ingredient: "2591476",
			MaxDailyMg: 200, LowerDailyMg: 100, ReducedDailyMg: 50,
		}, true
	}
	return DrugProfile{}, false
}

// triggerDrugs lists the trigger drugs in recognition order.
var triggerDrugs = [...]Drug{Upadacitinib, Abrocitinib}

// Engine evaluates the rules with one loaded Knowledge and Config. It is
// prepared once at start-up and safe for concurrent use.
type Engine struct {
	k   *Knowledge
	cfg Config

	obsLookback map[codeKey]time.Duration // Observation codes rules read, with their look-back (0: any date)
	obsLOINC    map[string]time.Duration  // the LOINC codes of obsLookback, by code (see obsWindow)
	obsPatterns bool                      // one of those sets has code patterns
}

// NewEngine checks the configuration and returns a ready engine.
func NewEngine(k *Knowledge, cfg Config) (*Engine, error) {
	if k == nil {
		return nil, errors.New("rules: nil knowledge")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{k: k, cfg: cfg}
	e.indexObservationCodes()
	return e, nil
}

// Knowledge returns the engine's value sets.
func (e *Engine) Knowledge() *Knowledge { return e.k }

// Config returns the engine's windows and thresholds.
func (e *Engine) Config() Config { return e.cfg }

// Recognize tells whether m is an upadacitinib or abrocitinib order, by
// RxNorm code or, failing that, by its text; byText reports the latter.
func (e *Engine) Recognize(m Medication) (drug Drug, byText bool, ok bool) {
	return recognize(e.k, m)
}

func recognize(k *Knowledge, m Medication) (drug Drug, byText bool, ok bool) {
	for _, d := range triggerDrugs {
		p, _ := Profile(d)
		if k.Has(p.ValueSet, m.Codes) {
			return d, false, true
		}
	}
	for _, d := range triggerDrugs {
		p, _ := Profile(d)
		for _, t := range medicationTexts(m) {
			if k.HasText(p.ValueSet, t) || containsWord(t, p.Words) {
				return d, true, true
			}
		}
	}
	return "", false, false
}

// medicationTexts is the text and the codings' displays of m.
func medicationTexts(m Medication) []string {
	ts := make([]string, 0, 1+len(m.Codes))
	if m.Text != "" {
		ts = append(ts, m.Text)
	}
	for _, c := range m.Codes {
		if c.Display != "" {
			ts = append(ts, c.Display)
		}
	}
	return ts
}

// containsWord reports whether text holds one of words as a whole word,
// ignoring case. A digit ends a word: "UPADACITINIB15MG" and "RINVOQ15"
// (names pharmacy systems write without a space) were no JAK order and
// answered {"cards": []} (failsafe16).
func containsWord(text string, words []string) bool {
	lt := strings.ToLower(text)
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(lt[i:], w)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(w)
			if (start == 0 || !isWordByte(lt[start-1])) && (end == len(lt) || !isWordByte(lt[end])) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

func isWordByte(b byte) bool {
	r := rune(b)
	return r < 0x80 && unicode.IsLetter(r)
}

// ErrStopped is returned by EvaluateOrdersUntil when its stop function
// asked it to end before every order was evaluated.
var ErrStopped = errors.New("rules: evaluation stopped")

// EvaluateOrders runs every order-time rule for each order (the recognised
// JAK-inhibitor orders to evaluate) against the record and the session.
// Orders that are not upadacitinib or abrocitinib are skipped.
func (e *Engine) EvaluateOrders(rec *Record, sess Session, orders []Medication, now time.Time) []Finding {
	out, _ := e.EvaluateOrdersUntil(rec, sess, orders, now, nil)
	return out
}

// EvaluateOrdersUntil is EvaluateOrders that asks stop (when not nil)
// between orders and returns ErrStopped, with the findings so far, once it
// answers true: the hook's deadline stops CPU-bound work (issue 16). The
// session is sorted once per call, so the time grows with the number of
// orders, not with its square.
func (e *Engine) EvaluateOrdersUntil(rec *Record, sess Session, orders []Medication, now time.Time, stop func() bool) ([]Finding, error) {
	if rec == nil {
		rec = &Record{}
	}
	ix := e.newIndex(rec, now)
	si := newSessionIndex(e.k, sess)
	ix.computeCourses(setOf(si.ids))
	var out []Finding
	for i := range orders {
		e.k.nameByCode(&orders[i])
	}
	for i := range orders {
		if stop != nil && stop() {
			return out, ErrStopped
		}
		drug, byText, ok := e.Recognize(orders[i])
		if !ok {
			continue
		}
		fs, err := e.evaluateOrder(ix, si, orders[i], drug, byText, stop)
		if err != nil {
			return out, err
		}
		out = append(out, fs...)
	}
	return e.nameSubjects(out), nil
}

// EvaluatePatientView runs the on-treatment rules for a patient-view call:
// one evaluation per ongoing course (course.go), with results counted from
// the course start, not from the latest renewal. It returns nil when the
// patient has no ongoing upadacitinib or abrocitinib course.
func (e *Engine) EvaluatePatientView(rec *Record, now time.Time) []Finding {
	out, _ := e.EvaluatePatientViewUntil(rec, now, nil)
	return out
}

// EvaluatePatientViewUntil is EvaluatePatientView asking stop (nil: never)
// between rules; it returns ErrStopped once stop is true.
func (e *Engine) EvaluatePatientViewUntil(rec *Record, now time.Time, stop func() bool) ([]Finding, error) {
	if rec == nil {
		return nil, nil
	}
	ix := e.newIndex(rec, now)
	ix.computeCourses(nil)
	var out []Finding
	comboReported := false // a course's combination-jak names every other JAK inhibitor on the chart
	for _, d := range triggerDrugs {
		if c := ix.course(d); c != nil && c.Ongoing {
			fs, err := e.evaluateTherapy(ix, c, comboReported, stop)
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				comboReported = comboReported || f.Code == CombinationJAK
			}
			out = append(out, fs...)
		}
	}
	return e.nameSubjects(out), nil
}

// newIndex sorts the record for one call.
func (e *Engine) newIndex(rec *Record, now time.Time) *index {
	ix := newIndex(e.k, rec, now)
	ix.cfg = e.cfg
	ix.readAhead()
	return ix
}

// dateText formats a date for evidence.
func dateText(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.Format("2006-01-02")
}

// number formats v with a thousands separator and at most two decimals:
// 150000 → "150,000", 0.8 → "0.8". From 1e15 it is fmtAmount's four
// significant digits ("1.5e+301", not 302 digits), and zero has no sign
// (an ALC of -0 was "-0 cells/mm³"; failsafe19).
func number(v float64) string {
	if math.Abs(v) >= 1e15 {
		return fmtAmount(v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i > 3 {
		s = strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0")
	}
	if strings.Trim(s, "-0.") == "" { // -0, -0.001
		return "0"
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(intPart[i])
	}
	if hasFrac && frac != "" {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// unitText renders a UCUM unit for a reader.
func unitText(u string) string {
	switch u {
	case "10*3/uL", "10*3/mm3":
		return "×10³/µL"
	case "10*9/L":
		return "×10⁹/L"
	case "10*6/L":
		return "×10⁶/L"
	case "/uL", "{cells}/uL":
		return "/µL"
	case "/mm3":
		return "/mm³"
	case "mL/min/{1.73_m2}", "mL/min/1.73m2":
		return "mL/min/1.73 m²"
	case "[lb_av]": // UCUM's pound, as a body weight comes
		return "lb"
	}
	return u
}

// quantityText is "0.8 ×10³/µL", with its comparator: "<15 [IU]/mL".
func quantityText(q *Quantity) string {
	if q == nil {
		return "no value"
	}
	if q.Unit == "" {
		return q.Comparator + number(q.Value) + " (no unit)"
	}
	return q.Comparator + number(q.Value) + " " + unitText(q.Unit)
}

// nameSubjects gives a finding whose subject is a bare code (an order or
// vaccine coded with no display and no text: "309362", "03") the
// knowledge base's name for that code, so that the card names the drug
// ("Do not add clopidogrel 75 MG Oral Tablet", contract 6.1: the card
// names both drugs) rather than a number.
func (e *Engine) nameSubjects(fs []Finding) []Finding {
	for i := range fs {
		if name, ok := e.k.codeName(fs[i].Subject); ok {
			fs[i].Subject = name
		}
	}
	return fs
}

// withoutCurationNote is a value set's display without the knowledge
// base's note on where its code comes from: "mycophenolate mofetil
// (recalled ingredient RxCUI, not verified)" was a card's summary and its
// "Cancel this ... order" (noise13); the card says "not yet verified" on
// its own line.
func withoutCurationNote(d string) string {
	i := strings.LastIndex(d, " (")
	if i <= 0 || !strings.HasSuffix(d, ")") {
		return d
	}
	note := d[i:]
	for _, w := range []string{"RxCUI", "not verified", "openFDA", "Synthea", "SCD/SBD"} {
		if strings.Contains(note, w) {
			return d[:i]
		}
	}
	return d
}

// nameByCode gives m, sent with neither text nor display, the knowledge
// base's name of its first code that has one (Medication.CodeName): the
// summary named the drug (nameSubjects) while its evidence and action said
// "309362 (order in this session)" and "cancel the 309362 order" (noise14).
func (k *Knowledge) nameByCode(m *Medication) {
	if m.Text != "" || m.CodeName != "" || hasDisplay(m.Codes) {
		return
	}
	for _, c := range m.Codes {
		if n, ok := k.codeName(c.Code); ok {
			m.CodeName, m.NamedCode = n, c.Code
			return
		}
	}
}

// codeName is the display the medication and vaccine value sets give s
// when s is a bare code (digits and hyphens only); false otherwise.
func (k *Knowledge) codeName(s string) (string, bool) {
	if s == "" || strings.Trim(s, "0123456789-") != "" {
		return "", false
	}
	for _, set := range append(append([]string{VSUpadacitinib, VSAbrocitinib}, indexedMedicationSets...), indexedImmunizationSets...) {
		vs := k.sets[set]
		if vs == nil {
			continue
		}
		for _, c := range vs.Codes {
			if c.Code != s || c.Display == "" {
				continue
			}
			d := c.Display
			if i := strings.Index(d, " product ("); i > 0 {
				d = d[:i] // "adalimumab product (RxNorm SCD/SBD)" names adalimumab
			}
			return withoutCurationNote(d), true
		}
	}
	return "", false
}
