package fhir

import (
	"slices"
	"sync"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/bounded"
	"jakguard/rules"
)

// Filters are the relevance filters of Builder.Filter: Add decodes only the
// resources some rule may read and passes over the rest. A filter judges by
// codes alone, and is asked once per distinct JSON of the code it judges (an
// Observation's code when it has no components, a Condition's code, an
// Immunization's vaccineCode, a medicationCodeableConcept): its decision is
// remembered for every call given the same Filters, since records repeat a
// few hundred codes, from one patient to the next. A nil filter keeps every
// resource of its type.
type Filters struct {
	// Observation tells, from an Observation's codes and its components'
	// codes (names included, see codes), whether some rule reads it
	// and how far back from now (0: at any date); an Observation dated
	// before that is passed over, one with no readable date kept.
	Observation func(codes []rules.Coding) (lookback time.Duration, keep bool)
	// Condition and Immunization judge by code (an Immunization's names too).
	Condition, Immunization func(codes []rules.Coding) bool
	// Medication judges MedicationRequests and MedicationStatements by the
	// codes and text of medicationCodeableConcept. One with a
	// medicationReference is always decoded: what it is of is known only
	// once its Medication is read.
	Medication func(m rules.Medication) bool

	once    sync.Once
	decided [4]*bounded.Map[decision] // by kind: by code JSON
}

// A decision is a filter's on one code JSON; bad names the member that is
// no CodeableConcept (the resource is then skipped as malformed).
type decision struct {
	lookback time.Duration
	keep     bool
	bad      string
}

const (
	kindObservation = iota
	kindCondition
	kindImmunization
	kindMedication
)

// decide returns the decision on r's code (the member code names), made by
// judge unless remembered. At most 4,096 decisions of a kind are
// remembered, none on a code JSON over 512 bytes (bounded.Map): under 3 MB a kind.
func (f *Filters) decide(kind int, r *resource, code string, judge func() decision) decision {
	f.once.Do(func() {
		for i := range f.decided {
			f.decided[i] = &bounded.Map[decision]{Entries: 4096, KeyBytes: 512}
		}
	})
	key := r.get(code)
	if key == nil || r.get("component") != nil {
		return judge()
	}
	d, ok := f.decided[kind].Get(key)
	if !ok {
		d = judge()
		f.decided[kind].Put(key, d)
	}
	return d
}

// keep applies the relevance filters; bad names a member a filter reads
// that is unreadable (the resource is then skipped as malformed).
func (p *part) keep(r *resource) (keep bool, bad string) {
	f, t := p.b.filters, r.resourceType
	byCodes := func(judge func([]rules.Coding) decision) func() decision {
		return func() decision {
			cs, bad := codes(r)
			if bad != "" {
				return decision{bad: bad}
			}
			return judge(cs)
		}
	}
	var d decision
	switch {
	case f == nil:
		return true, ""
	case t == "Observation" && f.Observation != nil:
		d = f.decide(kindObservation, r, "code", byCodes(func(cs []rules.Coding) (d decision) {
			d.lookback, d.keep = f.Observation(cs)
			return d
		}))
	case t == "Condition" && f.Condition != nil:
		d = f.decide(kindCondition, r, "code", byCodes(func(cs []rules.Coding) decision { return decision{keep: f.Condition(cs)} }))
	case t == "Immunization" && f.Immunization != nil:
		d = f.decide(kindImmunization, r, "vaccineCode", byCodes(func(cs []rules.Coding) decision { return decision{keep: f.Immunization(cs)} }))
	case (t == "MedicationRequest" || t == "MedicationStatement") && f.Medication != nil && r.get("medicationReference") == nil:
		d = f.decide(kindMedication, r, "medicationCodeableConcept", func() decision {
			var cc *fm.CodeableConcept // unreadable: decoded, to be refused as malformed
			return decision{keep: decode(r.get("medicationCodeableConcept"), &cc) != nil ||
				f.Medication(rules.Medication{Codes: codings(cc), Text: textOrDisplay(cc)})}
		})
	default:
		return true, ""
	}
	if d.bad != "" || !d.keep || d.lookback == 0 {
		return d.keep && d.bad == "", d.bad
	}
	date := r.observationDate() // read only for the Observations whose codes pass
	if !date.IsZero() && date.Before(p.b.now.Add(-d.lookback)) {
		p.older = append(p.older, older{raw: r.raw, date: date, index: r.index})
		return false, ""
	}
	return true, ""
}

// older is an Observation passed over as older than its look-back, kept
// (its JSON, a sub-slice of the value) for Builder.Since.
type older struct {
	raw   []byte
	date  time.Time
	index int
}

// Since decodes the Observations passed over as older than their
// look-back that are dated on or after t (a course start: a renewal reads
// results since it), and says how many it decoded (then call Record again);
// those it could not read are logged and counted in skipped by key, as Add
// counts them in Page.Skipped.
func (b *Builder) Since(t time.Time, skipped map[string]int) (n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.parts {
		p := &b.parts[i]
		for _, o := range p.older {
			if o.date.Before(t) {
				continue
			}
			n++
			if err := p.addObservation(o.raw); err != nil {
				p.logSkip(o.index, "Observation", decodeError("", err))
				skipped[p.key]++
			}
		}
		p.older = nil
	}
	return n
}

// HasOlder reports whether Add passed over Observations as older than their look-back.
func (b *Builder) HasOlder() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.ContainsFunc(b.parts, func(p part) bool { return len(p.older) > 0 })
}
