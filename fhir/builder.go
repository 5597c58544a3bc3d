package fhir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"jakguard/rules"
)

// Errors of Builder.Add (test with errors.Is).
var (
	// ErrOperationOutcome: the value is an OperationOutcome, or a Bundle of
	// nothing but failures. The client could not run the prefetch query, so
	// the caller fetches the data itself.
	ErrOperationOutcome = errors.New("value is an OperationOutcome")
	// ErrNotResource: the value is JSON but no FHIR resource (not an object,
	// no resourceType, a Bundle.entry that is not an array).
	ErrNotResource = errors.New("not a FHIR resource")
	// ErrWrongType: the value holds a resource of a type the rules read but
	// the key's query does not ask for (a Patient under "conditions").
	ErrWrongType = errors.New("holds a resource of another type than its query asks for")
	// ErrWrongPatient: the value holds a Patient that is not the context
	// patient, or a resource whose subject (or patient) is another patient.
	ErrWrongPatient = errors.New("holds data of another patient than context.patientId")
	// ErrTooManyEntries: a call's values hold more than MaxEntries entries.
	ErrTooManyEntries = fmt.Errorf("more than %d resources in one call", MaxEntries)
)

// MaxEntries bounds the Bundle entries (and resources) one Builder, or one
// DecodeOrders, reads: 50,000, ten times what a large record's prefetch
// holds and more than honest JSON within the 8 MiB body limit can carry
// (a resource a rule reads takes 150 bytes or more), while 8 MiB of empty
// entries ([{},{},...]) would be 2.8 million.
const MaxEntries = 50_000

// Page describes one value given to Builder.Add.
type Page struct {
	// Next is the url of the Bundle's link with relation "next", "" when
	// there is no further page.
	Next string
	// Entries counts the Bundle's entries (1 for a single resource).
	Entries int
	// Skipped counts the entries that were malformed and left out; entries
	// of resource types the rules do not use are not counted here.
	Skipped int
}

// Builder accumulates prefetch values and FHIR search pages into a
// rules.Record. Add may be called from several goroutines at once; the
// setters must be called before the first Add.
type Builder struct {
	logger *slog.Logger
	// keepObservation, when set, tells from its codes (and its components'
	// codes) and its date whether an Observation is worth decoding.
	keepObservation func(codes []rules.Coding, date time.Time) bool
	// keepCoded, when set, tells from its codes whether a Condition (code)
	// or an Immunization (vaccineCode) is worth decoding.
	keepCoded map[string]func(codes []rules.Coding) bool
	patientID string            // the context patient; "" checks nothing
	types     map[string]string // key -> the resource type its query asks for
	entries   atomic.Int64      // entries read by all Adds

	mu    sync.Mutex
	parts []part
}

// NewBuilder returns an empty Builder that logs skipped entries to logger
// (nil discards them).
func NewBuilder(logger *slog.Logger) *Builder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Builder{logger: logger}
}

// KeepObservations makes Add decode only the Observations for which keep,
// given the codes of the Observation and of its components and its date
// (zero when unknown), answers true; the others are passed over unread.
// Records hold hundreds of vital signs and old labs no rule reads. keep is
// asked first with the zero date, and again with the Observation's date
// only when it answers true, so it must keep with an unknown date whatever
// it would keep with some date.
func (b *Builder) KeepObservations(keep func(codes []rules.Coding, date time.Time) bool) {
	b.keepObservation = keep
}

// KeepCoded makes Add decode only the resources of type resourceType
// ("Condition" or "Immunization") for which keep, given their codes
// (Condition.code, Immunization.vaccineCode), answers true; the others are
// passed over unread.
func (b *Builder) KeepCoded(resourceType string, keep func(codes []rules.Coding) bool) {
	if b.keepCoded == nil {
		b.keepCoded = map[string]func([]rules.Coding) bool{}
	}
	b.keepCoded[resourceType] = keep
}

// ForPatient makes Add refuse (ErrWrongPatient) a value holding a Patient
// whose id is not id, or a resource whose subject (patient, for an
// Immunization) is a reference to another Patient. A reference that names
// no Patient id (urn:uuid:..., a Group, an identifier) is not judged.
func (b *Builder) ForPatient(id string) {
	b.patientID = strings.TrimPrefix(strings.TrimSpace(id), "Patient/")
}

// Expect makes Add refuse (ErrWrongType) a value for key holding a
// resource of a type the rules read (Patient, Observation, Condition,
// Immunization, MedicationRequest, MedicationStatement) other than
// resourceType, the type its query asks for. Medications (which only
// resolve references) and types no rule reads are let through.
func (b *Builder) Expect(key, resourceType string) {
	if b.types == nil {
		b.types = map[string]string{}
	}
	b.types[key] = resourceType
}

// usedType tells whether the rules use resources of type t.
func usedType(t string) bool {
	switch t {
	case "Patient", "Observation", "Condition", "Immunization",
		"MedicationRequest", "MedicationStatement", "Medication":
		return true
	}
	return false
}

// part is what one call to Add found.
type part struct {
	b             *Builder
	key           string
	patient       *rules.Patient
	observations  []rules.Observation
	conditions    []rules.Condition
	meds          []pendingMed
	immunizations []rules.Immunization
	medications   map[string]medInfo // by "Medication/<id>" and by fullUrl
	// For a Bundle of nothing but OperationOutcomes.
	others int  // resources of other types
	failed bool // an OperationOutcome reports an error
}

// Add decodes raw, one prefetch value or one page of a FHIR search, and
// keeps what the rules use. raw is a single resource or a Bundle of any
// type (or none); JSON null is "no data" and adds nothing. key names the
// data ("labs") in logs and errors, so it must not hold patient
// identifiers (no URLs).
//
// Add fails when raw is not JSON or not a FHIR resource, with
// ErrOperationOutcome for an OperationOutcome, with ErrWrongType and
// ErrWrongPatient (see Expect and ForPatient), with ErrTooManyEntries, and
// with ctx's error once ctx is done (checked between entries); the value
// then adds nothing. A malformed entry never fails the call: it is logged,
// counted in Page.Skipped and left out. Resources of other types
// (Encounter, Claim, ...) are ignored unread.
func (b *Builder) Add(ctx context.Context, key string, raw []byte) (Page, error) {
	if isNull(raw) {
		return Page{}, nil
	}
	var vr valueReader
	return b.add(ctx, key, &vr, func() (*head, []byte, []byte, string, error) { return vr.read(raw) })
}

// AddFrom is Add for the value at dec's position, where data is what dec
// reads from its first byte: a prefetch value read straight from the
// request body, in the pass that reads the body. The value is read whole
// unless the error is one that refuses the value or the call
// (ErrWrongType, ErrWrongPatient, ErrTooManyEntries, ctx's, invalid JSON);
// after ErrOperationOutcome and ErrNotResource dec is past the value.
func (b *Builder) AddFrom(ctx context.Context, key string, dec *jsontext.Decoder, data []byte) (Page, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return Page{}, err
	}
	var vr valueReader
	return b.add(ctx, key, &vr, func() (*head, []byte, []byte, string, error) { return vr.readFrom(dec, data) })
}

func (b *Builder) add(ctx context.Context, key string, vr *valueReader, read func() (*head, []byte, []byte, string, error)) (Page, error) {
	p := part{b: b, key: key}
	page, err := p.read(ctx, vr, read)
	if err != nil {
		return Page{}, fmt.Errorf("fhir: %s: %w", key, err)
	}
	b.mu.Lock()
	b.parts = append(b.parts, p)
	b.mu.Unlock()
	return page, nil
}

// count is called before each entry: it bounds the entries of all values
// and stops the reading once ctx is done.
func (b *Builder) count(ctx context.Context) error {
	n := b.entries.Add(1)
	if n > MaxEntries {
		return ErrTooManyEntries
	}
	if n%64 == 0 {
		return ctx.Err()
	}
	return nil
}

func (p *part) read(ctx context.Context, vr *valueReader, read func() (*head, []byte, []byte, string, error)) (Page, error) {
	var page Page
	vr.count = func() error { page.Entries++; return p.b.count(ctx) }
	vr.visit = func(r *resource) error {
		ok, err := p.add(r)
		if !ok {
			page.Skipped++
		}
		return err
	}
	vr.bad = func(i int, member, why string) error {
		p.logSkip(i, "", &DecodeError{Path: member, Reason: why})
		page.Skipped++
		return nil
	}
	top, data, links, shape, err := read()
	switch {
	case errors.Is(err, errNotObject):
		return Page{}, fmt.Errorf("%w: %w", ErrNotResource, err)
	case err != nil:
		return Page{}, err
	}
	switch top.resourceType {
	case "":
		return Page{}, fmt.Errorf("%w: no resourceType", ErrNotResource)
	case "OperationOutcome":
		return Page{}, ErrOperationOutcome
	case "Bundle":
		if shape != "" {
			return Page{}, fmt.Errorf("%w: %s", ErrNotResource, shape)
		}
		if p.failed && p.others == 0 {
			return Page{}, fmt.Errorf("Bundle of failures: %w", ErrOperationOutcome)
		}
		page.Next = nextLink(links)
		return page, nil
	}
	// A single resource. Entries of something that is not a Bundle are no data.
	*p = part{b: p.b, key: p.key}
	page = Page{Entries: 1}
	if err := p.b.count(ctx); err != nil {
		return Page{}, err
	}
	ok, err := p.add(&resource{raw: data, head: top})
	if !ok {
		page.Skipped = 1
	}
	return page, err
}

// add decodes one resource into the part; ok is false when it was skipped
// as malformed. An error refuses the whole value.
func (p *part) add(r *resource) (ok bool, err error) {
	h := r.head
	if h.resourceType == "" {
		p.logSkip(r.index, "", &DecodeError{Path: "resourceType", Reason: "missing or not a string"})
		return false, nil
	}
	if !usedType(h.resourceType) {
		p.other(r)
		return true, nil
	}
	p.others++
	if err := p.check(r); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			p.logSkip(r.index, h.resourceType, err)
			return false, nil
		}
		return false, err
	}
	switch h.resourceType {
	case "Patient":
		var v patient
		if err = decode(r.raw, &v); err == nil && p.patient == nil {
			p.patient = convertPatient(&v)
		}
	case "Observation":
		if keep := p.b.keepObservation; keep != nil {
			if h.badCodes != "" {
				p.logSkip(r.index, h.resourceType, &DecodeError{Path: h.badCodes, Reason: "not a CodeableConcept"})
				return false, nil
			}
			// Asked first with the date unknown (zero), so that the date is
			// read only for the Observations whose codes a rule reads.
			if !keep(h.codes, time.Time{}) || !keep(h.codes, observationDateOf(h)) {
				return true, nil
			}
		}
		var v observation
		if err = decode(r.raw, &v); err == nil {
			p.observations = append(p.observations, convertObservation(&v))
		}
	case "Condition", "Immunization":
		if keep := p.b.keepCoded[h.resourceType]; keep != nil {
			codes := h.codes
			if h.resourceType == "Immunization" {
				codes = h.vaccineCodes
			}
			if h.badCodes != "" {
				p.logSkip(r.index, h.resourceType, &DecodeError{Path: h.badCodes, Reason: "not a CodeableConcept"})
				return false, nil
			}
			if !keep(codes) {
				return true, nil
			}
		}
		if h.resourceType == "Condition" {
			var v condition
			if err = decode(r.raw, &v); err == nil {
				p.conditions = append(p.conditions, convertCondition(&v))
			}
		} else {
			var v immunization
			if err = decode(r.raw, &v); err == nil {
				p.immunizations = append(p.immunizations, convertImmunization(&v))
			}
		}
	case "MedicationRequest":
		var v medicationRequest
		if err = decode(r.raw, &v); err == nil {
			p.meds = append(p.meds, convertMedicationRequest(&v, p.containedLookup(r)))
		}
	case "MedicationStatement":
		var v medicationStatement
		if err = decode(r.raw, &v); err == nil {
			p.meds = append(p.meds, convertMedicationStatement(&v, p.containedLookup(r)))
		}
	case "Medication":
		var v medication
		if err = decode(r.raw, &v); err == nil {
			p.addMedication(&v, string(r.fullURL))
		}
	}
	if err != nil {
		p.logSkip(r.index, h.resourceType, decodeError("", err))
		return false, nil
	}
	return true, nil
}

// other notes a resource of a type the rules do not read: only whether a
// Bundle is nothing but failed OperationOutcomes is of interest. An
// OperationOutcome beside results (search mode "outcome", often warnings)
// does not make a Bundle a failure.
func (p *part) other(r *resource) {
	if r.head.resourceType != "OperationOutcome" {
		p.others++
		return
	}
	var oo struct {
		Issue []struct {
			Severity string `json:"severity"`
		} `json:"issue"`
	}
	if decode(r.raw, &oo) != nil {
		return
	}
	for _, is := range oo.Issue {
		if is.Severity == "error" || is.Severity == "fatal" {
			p.failed = true
		}
	}
}

// check applies Expect and ForPatient to a resource of a type the rules
// read: ErrWrongType or ErrWrongPatient refuse the value, a *DecodeError
// (an unreadable subject) skips the resource.
func (p *part) check(r *resource) error {
	h := r.head
	if want := p.b.types[p.key]; want != "" && h.resourceType != want && h.resourceType != "Medication" {
		return fmt.Errorf("%w (%s)", ErrWrongType, h.resourceType)
	}
	if p.b.patientID == "" {
		return nil
	}
	ref, member := h.subject, "subject"
	switch h.resourceType {
	case "Medication":
		return nil
	case "Patient":
		if string(h.id) != p.b.patientID {
			return fmt.Errorf("%w: a Patient with another id", ErrWrongPatient)
		}
		return nil
	case "Immunization":
		ref, member = h.patient, "patient"
	}
	if h.badRef == member {
		// Whose it is cannot be told: skipped like any malformed entry.
		return &DecodeError{Path: member, Reason: "not a Reference"}
	}
	if id, ok := patientOf(ref); ok && string(id) != p.b.patientID {
		return fmt.Errorf("%w: a %s about another patient", ErrWrongPatient, h.resourceType)
	}
	return nil
}

// patientOf returns the Patient id a literal reference names
// ("Patient/123", "https://ehr/fhir/Patient/123/_history/2"); ok is false
// for a reference to anything else.
func patientOf(ref []byte) (id []byte, ok bool) {
	ref = bytes.TrimSpace(ref)
	if i := bytes.Index(ref, []byte("/_history/")); i >= 0 {
		ref = ref[:i]
	}
	if i := bytes.LastIndex(ref, []byte("Patient/")); i >= 0 && (i == 0 || ref[i-1] == '/') {
		id = ref[i+len("Patient/"):]
		return id, len(id) > 0 && bytes.IndexByte(id, '/') < 0
	}
	return nil, false
}

// observationDateOf is the date of an Observation (zero when unknown or
// unreadable), as the decoded Observation has it.
func observationDateOf(h *head) time.Time {
	var d observationDate
	for _, m := range []struct {
		raw []byte
		dst **string
	}{{h.effectiveDateTime, &d.EffectiveDateTime}, {h.effectiveInstant, &d.EffectiveInstant}, {h.issued, &d.Issued}} {
		switch v := jsontext.Value(m.raw); v.Kind() {
		case '"':
			s := unquote(v)
			*m.dst = &s
		case 'n', 0:
		default:
			return time.Time{}
		}
	}
	if len(h.effectivePeriod) > 0 && decode(h.effectivePeriod, &d.EffectivePeriod) != nil {
		return time.Time{}
	}
	return d.date()
}

func (p *part) addMedication(m *medication, fullURL string) {
	if p.medications == nil {
		p.medications = make(map[string]medInfo)
	}
	info := convertMedication(m)
	if id := resourceID("Medication", m.ID); id != "" {
		p.medications[id] = info
	}
	if fullURL != "" {
		p.medications[fullURL] = info
	}
}

// containedLookup returns a function finding a contained Medication of r
// by id. The contained resources are decoded only when asked for, before
// the next resource is read.
func (p *part) containedLookup(r *resource) func(id string) (medInfo, bool) {
	return containedMedication(r.head.contained, func(err error) {
		p.logSkip(r.index, "Medication", err)
	})
}

func containedMedication(contained []byte, logErr func(error)) func(id string) (medInfo, bool) {
	return func(id string) (medInfo, bool) {
		if len(contained) == 0 {
			return medInfo{}, false
		}
		var raws []jsontext.Value
		if err := decode(contained, &raws); err != nil {
			logErr(decodeError("contained", err))
			return medInfo{}, false
		}
		for i, raw := range raws {
			var c struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			}
			if decode(raw, &c) != nil || c.ResourceType != "Medication" || strings.TrimSpace(c.ID) != id {
				continue
			}
			var m medication
			if err := decode(raw, &m); err != nil {
				logErr(decodeError(fmt.Sprintf("contained[%d]", i), err))
				continue
			}
			return convertMedication(&m), true
		}
		return medInfo{}, false
	}
}

// Record returns the patient record from everything added so far, with
// every medicationReference resolved against the Medication resources of
// all added values. A resource that came twice (same type and id, e.g. in
// two prefetch keys) is kept once. Record may be called more than once.
func (b *Builder) Record() *rules.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	meds := make(map[string]medInfo)
	for _, p := range b.parts {
		for k, v := range p.medications {
			meds[k] = v
		}
	}
	rec := &rules.Record{}
	seen := map[string]bool{}
	first := func(id string) bool {
		if id == "" {
			return true
		}
		if seen[id] {
			return false
		}
		seen[id] = true
		return true
	}
	for _, p := range b.parts {
		if rec.Patient == nil && p.patient != nil {
			pt := *p.patient
			rec.Patient = &pt
		}
		for _, o := range p.observations {
			if first(o.ID) {
				rec.Observations = append(rec.Observations, o)
			}
		}
		for _, c := range p.conditions {
			if first(c.ID) {
				rec.Conditions = append(rec.Conditions, c)
			}
		}
		for _, im := range p.immunizations {
			if first(im.ID) {
				rec.Immunizations = append(rec.Immunizations, im)
			}
		}
		for i := range p.meds {
			m, ok := p.meds[i].resolve(meds)
			if !ok {
				b.logger.Warn("fhir: medicationReference not resolved", "key", p.key, "resourceType", m.ResourceType)
			}
			if first(m.ID) {
				rec.Medications = append(rec.Medications, m)
			}
		}
	}
	return rec
}

// logSkip logs a skipped entry by key, resource type and entry index, with
// the reason. Resource values are never logged.
func (p *part) logSkip(index int, resourceType string, err error) {
	p.b.logger.Warn("fhir: skipped malformed entry",
		"key", p.key,
		"resourceType", cut(resourceType, 40),
		"entry", index,
		"error", cut(safeError(err), 160))
}
