package rules

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Label URLs of the two US prescribing information documents.
const (
	RinvoqLabelURL  = "https://www.rxabbvie.com/pdf/rinvoq_pi.pdf"
	CibinqoLabelURL = "https://labeling.pfizer.com/ShowLabeling.aspx?id=16652"
)

// DrugProfile is what the rules know about one trigger drug, in one place.
type DrugProfile struct {
	Drug     Drug
	Generic  string   // "upadacitinib"
	Brand    string   // "Rinvoq"
	ValueSet string   // value set of its RxNorm codes
	Words    []string // words that recognise an order by text (lower case)
	// LabelTitle and LabelURL name the US prescribing information.
	LabelTitle string
	LabelURL   string
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
// 2.1", "Boxed Warning"; "" for the whole label).
func (p DrugProfile) Cite(section string) Citation {
	label := p.LabelTitle
	if section != "" {
		label += ", " + section
	}
	return Citation{Label: label, URL: p.LabelURL}
}

// Profile returns the profile of a trigger drug.
func Profile(d Drug) (DrugProfile, bool) {
	switch d {
	case Upadacitinib:
		return DrugProfile{
			Drug: Upadacitinib, Generic: "upadacitinib", Brand: "Rinvoq",
			ValueSet: VSUpadacitinib, Words: []string{"upadacitinib", "rinvoq"},
			LabelTitle: "RINVOQ (upadacitinib) US Prescribing Information", LabelURL: RinvoqLabelURL,
			MaxDailyMg: 30, LowerDailyMg: 15, ReducedDailyMg: 15,
		}, true
	case Abrocitinib:
		return DrugProfile{
			Drug: Abrocitinib, Generic: "abrocitinib", Brand: "Cibinqo",
			ValueSet: VSAbrocitinib, Words: []string{"abrocitinib", "cibinqo"},
			LabelTitle: "CIBINQO (abrocitinib) US Prescribing Information", LabelURL: CibinqoLabelURL,
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
// ignoring case.
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
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// EvaluateOrders runs every order-time rule for each order (the recognised
// JAK-inhibitor orders to evaluate) against the record and the session.
// Orders that are not upadacitinib or abrocitinib are skipped.
func (e *Engine) EvaluateOrders(rec *Record, sess Session, orders []Medication, now time.Time) []Finding {
	if rec == nil {
		rec = &Record{}
	}
	ix := newIndex(e.k, rec, now)
	var out []Finding
	for i := range orders {
		drug, byText, ok := e.Recognize(orders[i])
		if !ok {
			continue
		}
		out = append(out, e.evaluateOrder(ix, sess, orders[i], drug, byText)...)
	}
	return out
}

// EvaluatePatientView runs the on-treatment rules for a patient-view call.
// It returns nil when the patient has no active upadacitinib or abrocitinib.
func (e *Engine) EvaluatePatientView(rec *Record, now time.Time) []Finding {
	if rec == nil {
		return nil
	}
	ix := newIndex(e.k, rec, now)
	var out []Finding
	for _, t := range activeTherapies(ix) {
		out = append(out, e.evaluateTherapy(ix, t)...)
	}
	return out
}

// dateText formats a date for evidence.
func dateText(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.Format("2006-01-02")
}

// number formats v with a thousands separator and at most two decimals:
// 150000 → "150,000", 0.8 → "0.8".
func number(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i > 3 {
		s = strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0")
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
