package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/rules"
)

// ErrOperationOutcome is returned by Builder.Add when the value is an
// OperationOutcome: the client could not run the prefetch query, so the
// caller fetches the data itself. Test for it with errors.Is.
var ErrOperationOutcome = errors.New("fhir: value is an OperationOutcome")

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
// rules.Record. Add may be called from several goroutines at once.
type Builder struct {
	logger *slog.Logger
	// keepObservation, when set, tells from its codes (and its components'
	// codes) and its date whether an Observation is worth decoding.
	keepObservation func(codes []rules.Coding, date time.Time) bool
	// keepCoded, when set, tells from its codes whether a Condition (code)
	// or an Immunization (vaccineCode) is worth decoding.
	keepCoded map[string]func(codes []rules.Coding) bool

	mu    sync.Mutex
	parts []part
}

// part is what one call to Add found.
type part struct {
	key           string
	patient       *rules.Patient
	observations  []rules.Observation
	conditions    []rules.Condition
	meds          []pendingMed
	immunizations []rules.Immunization
	medications   map[string]medInfo // by "Medication/<id>" and by fullUrl
	buf           []byte             // scratch space for compacting a resource
	keepObs       func(codes []rules.Coding, date time.Time) bool
	keepCoded     map[string]func(codes []rules.Coding) bool
	codes         []rules.Coding // scratch space for keepObs and keepCoded
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
// (as the decoded Observation would have it; zero when unknown), answers
// true; the others are passed over unread, like resources of unused types.
// Records hold hundreds of vital signs and old labs no rule reads, and
// decoding them is most of the cost of a call. keep is asked first with
// the zero date, and again with the Observation's date only when it
// answers true, so it must keep with an unknown date whatever it would keep
// with some date. Call it before the first Add.
func (b *Builder) KeepObservations(keep func(codes []rules.Coding, date time.Time) bool) {
	b.keepObservation = keep
}

// KeepCoded makes Add decode only the resources of type resourceType
// ("Condition" or "Immunization") for which keep, given their codes
// (Condition.code, Immunization.vaccineCode), answers true; the others are
// passed over unread. Call it before the first Add.
func (b *Builder) KeepCoded(resourceType string, keep func(codes []rules.Coding) bool) {
	if b.keepCoded == nil {
		b.keepCoded = map[string]func([]rules.Coding) bool{}
	}
	b.keepCoded[resourceType] = keep
}

// Add decodes raw, one prefetch value or one page of a FHIR search, and
// keeps what the rules use. raw is a single resource or a Bundle of any
// type (or none); JSON null is "no data" and adds nothing. key names the
// data ("labs") in logs and errors, so it must not hold patient
// identifiers (no URLs).
//
// Add fails when raw is not JSON or not a FHIR resource, and with
// ErrOperationOutcome for an OperationOutcome. A malformed entry never
// fails the call: it is logged, counted in Page.Skipped and left out.
// Resources of other types (Encounter, Claim, ...) are ignored unread.
func (b *Builder) Add(key string, raw []byte) (Page, error) {
	if isNull(raw) {
		return Page{}, nil
	}
	doc, err := split(raw)
	return b.add(key, doc, err)
}

// AddSplit is Add for a value Members has split already: it gives
// what Add(key, v.Raw) gives without scanning the value again. It hands
// the split's entry list back for reuse, so a second AddSplit of the same
// v splits v.Raw again; do not give one v to two AddSplit calls at once.
func (b *Builder) AddSplit(key string, v *Split) (Page, error) {
	if !v.done {
		return b.Add(key, v.Raw)
	}
	if isNull(v.Raw) {
		return Page{}, nil
	}
	doc, err := v.doc, v.err
	v.doc, v.err, v.done = rawDoc{}, nil, false
	return b.add(key, doc, err)
}

// add keeps what the rules use of a split value, then gives its entry list
// back to the pool.
func (b *Builder) add(key string, doc rawDoc, err error) (Page, error) {
	defer doc.release()
	if err != nil {
		return Page{}, fmt.Errorf("fhir: %s: %w", key, err)
	}
	p := part{key: key, keepObs: b.keepObservation, keepCoded: b.keepCoded}
	var page Page
	switch doc.resourceType {
	case "OperationOutcome":
		return Page{}, fmt.Errorf("fhir: %s: %w", key, ErrOperationOutcome)
	case "Bundle":
		if doc.entryShape != "" {
			return Page{}, fmt.Errorf("fhir: %s: %s", key, doc.entryShape)
		}
		if outcomeOnly(doc.entries) {
			return Page{}, fmt.Errorf("fhir: %s: Bundle of failures: %w", key, ErrOperationOutcome)
		}
		page.Next = nextLink(doc.links)
		for _, e := range doc.entries {
			page.Entries++
			if !p.add(e, b.logger) {
				page.Skipped++
			}
		}
	default:
		page.Entries = 1
		if !p.add(doc.self, b.logger) {
			page.Skipped = 1
		}
	}
	p.buf = nil
	b.mu.Lock()
	b.parts = append(b.parts, p)
	b.mu.Unlock()
	return page, nil
}

// slim appends to dst the resource data, whose members spans locates (see
// rawResource.spans), without the members readMember leaves out,
// compacted. What is left decodes to what the converters read of the
// whole resource, at half the cost or less (Synthea's Observations carry
// category, meta, encounter and subject, which no rule reads), and a
// malformed member no rule reads no longer costs the resource.
func slim(dst, data []byte, spans []int32, names *memberSet) []byte {
	pretty := bytes.IndexByte(data, '\n') >= 0
	dst = append(dst, '{')
	n := 0
	for i := 0; i+1 < len(spans); i += 2 {
		m := data[spans[i]:spans[i+1]]
		if !readMember(m, names) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		if pretty {
			dst = compact(dst, m)
		} else {
			dst = append(dst, m...)
		}
	}
	return append(dst, '}')
}

// readMember tells whether the member m (`"name": value`) is to be decoded:
// its name is in names, without regard to case, or it is not a plain ASCII
// name. encoding/json matches names without regard to case, and folds two
// non-ASCII letters (K, ſ) to ASCII ones, so such a name is kept rather
// than judged.
func readMember(m []byte, names *memberSet) bool {
	n := 0
	for j := 1; j < len(m); j++ {
		c := m[j]
		if c == '"' {
			break
		}
		if c == '\\' || c >= 0x80 || n == maxMemberName {
			return true
		}
		n++
	}
	name := m[1 : 1+n]
	for _, cand := range names.byLen[n] {
		if asciiEqualFold(name, cand) {
			return true
		}
	}
	return false
}

// asciiEqualFold tells whether b is lower, an ASCII lower-case string, but
// for the case of its letters.
func asciiEqualFold(b []byte, lower string) bool {
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// outcomeOnly tells whether a Bundle holds nothing but OperationOutcomes,
// at least one of them reporting an error: a failed search wrapped in a
// Bundle. An OperationOutcome beside results (search mode "outcome", often
// warnings) does not count.
func outcomeOnly(entries []rawResource) bool {
	failed := false
	for _, e := range entries {
		if e.data == nil {
			continue
		}
		if e.resourceType != "OperationOutcome" {
			return false
		}
		var oo struct {
			Issue []struct {
				Severity string `json:"severity"`
			} `json:"issue"`
		}
		if json.Unmarshal(e.data, &oo) != nil {
			continue
		}
		for _, is := range oo.Issue {
			if is.Severity == "error" || is.Severity == "fatal" {
				failed = true
			}
		}
	}
	return failed
}

func isNull(raw []byte) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// add decodes one resource into the part; ok is false when it was skipped.
func (p *part) add(r rawResource, logger *slog.Logger) (ok bool) {
	if r.bad != "" {
		logSkip(logger, p.key, r, errors.New(r.bad))
		return false
	}
	if r.data == nil {
		return true // an entry without a resource (a transaction response)
	}
	if !usedType(r.resourceType) {
		return true
	}
	// The codes and spans are recorded by every split but that of
	// contained resources, which are not added here; a resource without
	// them is decoded whole.
	if r.resourceType == "Observation" && p.keepObs != nil && r.recorded {
		codes := r.codes
		if len(r.componentCodes) > 0 {
			p.codes = append(append(p.codes[:0], r.codes...), r.componentCodes...)
			codes = p.codes
		}
		// Asked first with the date unknown (zero), so that the date is read
		// only for the Observations whose codes a rule reads (a third of a
		// record's, or less).
		if !p.keepObs(codes, time.Time{}) || !p.keepObs(codes, observationDate(r)) {
			return true
		}
	}
	if keep := p.keepCoded[r.resourceType]; keep != nil && r.recorded {
		codes := r.codes
		if r.resourceType == "Immunization" {
			codes = r.vaccineCodes
		}
		if !keep(codes) {
			return true
		}
	}
	if names := readMembers[r.resourceType]; names != nil && r.recorded {
		// Only the members the converter reads are decoded.
		p.buf = slim(p.buf[:0], r.data, r.spans, names)
		r.data = p.buf
	} else if bytes.IndexByte(r.data, '\n') >= 0 {
		// Pretty-printed (Synthea's is 60% indentation): compacted, it
		// decodes much faster. Compact JSON, as EHRs send it, is used as is.
		p.buf = compact(p.buf[:0], r.data)
		r.data = p.buf
	}
	var err error
	switch r.resourceType {
	case "Patient":
		var fast fm.Patient
		if decodePatientFast(r.data, &fast) {
			if p.patient == nil {
				p.patient = convertPatient(&fast)
			}
			break
		}
		var v fm.Patient
		if err = decodeResource(r.data, &v); err == nil && p.patient == nil {
			p.patient = convertPatient(&v)
		}
	case "Observation":
		// Two variables: the one of the fast path stays on the stack.
		var fast fm.Observation
		if decodeObservationFast(r.data, &fast) {
			p.observations = append(p.observations, convertObservation(&fast))
			break
		}
		var v fm.Observation
		if err = decodeResource(r.data, &v); err == nil {
			p.observations = append(p.observations, convertObservation(&v))
		}
	case "Condition":
		var v fm.Condition
		if err = decodeResource(r.data, &v); err == nil {
			p.conditions = append(p.conditions, convertCondition(&v))
		}
	case "Immunization":
		var fast fm.Immunization
		if decodeImmunizationFast(r.data, &fast) {
			p.immunizations = append(p.immunizations, convertImmunization(&fast))
			break
		}
		var v fm.Immunization
		if err = decodeResource(r.data, &v); err == nil {
			p.immunizations = append(p.immunizations, convertImmunization(&v))
		}
	case "MedicationRequest":
		var fast fm.MedicationRequest
		if decodeMedicationRequestFast(r.data, &fast) {
			p.meds = append(p.meds, convertMedicationRequest(&fast, containedLookup(r, p.key, logger)))
			break
		}
		var v fm.MedicationRequest
		if err = decodeResource(r.data, &v); err == nil {
			p.meds = append(p.meds, convertMedicationRequest(&v, containedLookup(r, p.key, logger)))
		}
	case "MedicationStatement":
		var v fm.MedicationStatement
		if err = decodeResource(r.data, &v); err == nil {
			p.meds = append(p.meds, convertMedicationStatement(&v, containedLookup(r, p.key, logger)))
		}
	case "Medication":
		var v fm.Medication
		if err = decodeResource(r.data, &v); err == nil {
			p.addMedication(&v, r.url())
		}
	}
	if err != nil {
		logSkip(logger, p.key, r, err)
		return false
	}
	return true
}

func (p *part) addMedication(m *fm.Medication, fullURL string) {
	if p.medications == nil {
		p.medications = make(map[string]medInfo)
	}
	info := convertMedication(m)
	if id := resourceID("Medication", m.Id); id != "" {
		p.medications[id] = info
	}
	if fullURL != "" {
		p.medications[fullURL] = info
	}
}

// containedLookup returns a function finding a contained Medication of r by
// id. The contained resources are decoded only when asked for.
func containedLookup(r rawResource, key string, logger *slog.Logger) func(id string) (medInfo, bool) {
	return func(id string) (medInfo, bool) {
		for _, c := range containedResources(r.contained) {
			if c.resourceType != "Medication" {
				continue
			}
			var m fm.Medication
			if err := decodeResource(c.data, &m); err != nil {
				logSkip(logger, key, rawResource{index: r.index, resourceType: "Medication"}, err)
				continue
			}
			if m.Id != nil && strings.TrimSpace(*m.Id) == id {
				return convertMedication(&m), true
			}
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
	var nObs, nCond, nImm, nMeds int
	for _, p := range b.parts {
		nObs, nCond, nImm, nMeds = nObs+len(p.observations), nCond+len(p.conditions), nImm+len(p.immunizations), nMeds+len(p.meds)
	}
	// Sized once; a list with nothing to hold stays nil.
	if nObs > 0 {
		rec.Observations = make([]rules.Observation, 0, nObs)
	}
	if nCond > 0 {
		rec.Conditions = make([]rules.Condition, 0, nCond)
	}
	if nImm > 0 {
		rec.Immunizations = make([]rules.Immunization, 0, nImm)
	}
	if nMeds > 0 {
		rec.Medications = make([]rules.Medication, 0, nMeds)
	}
	seen := make(map[string]bool, nObs+nCond+nImm+nMeds)
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

// Orders are the draft orders of an order-select or order-sign call.
type Orders struct {
	// Medications are the draft MedicationRequests, in Bundle order. A draft
	// without an id has ID "".
	Medications []rules.Medication
	// Raw maps "MedicationRequest/<id>" to that entry's resource JSON as
	// sent, for building update and delete suggestions.
	Raw map[string]json.RawMessage
	// Services are the codes of the draft ServiceRequests.
	Services []rules.Coding
	// ServiceOrders are the draft ServiceRequests one by one (id, status,
	// code), in Bundle order.
	ServiceOrders []rules.ServiceOrder
}

// DecodeOrders decodes context.draftOrders, a Bundle (its type may be
// missing) of MedicationRequest, ServiceRequest, Medication and other
// entries. medicationReference is resolved against the Bundle's Medication
// entries and contained Medications. It fails when raw is not JSON or not
// a Bundle; a malformed entry is logged and left out.
func DecodeOrders(raw []byte, logger *slog.Logger) (Orders, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	doc, err := split(raw)
	defer doc.release()
	if err != nil {
		return Orders{}, fmt.Errorf("fhir: draftOrders: %w", err)
	}
	if doc.resourceType != "Bundle" {
		return Orders{}, errors.New("fhir: draftOrders: not a Bundle")
	}
	if doc.entryShape != "" {
		return Orders{}, fmt.Errorf("fhir: draftOrders: %s", doc.entryShape)
	}
	const key = "draftOrders"
	p := part{key: key}
	var pending []pendingMed
	out := Orders{Raw: make(map[string]json.RawMessage)}
	for _, e := range doc.entries {
		switch {
		case e.bad != "":
			logSkip(logger, key, e, errors.New(e.bad))
		case e.resourceType == "MedicationRequest":
			var v fm.MedicationRequest
			if err := decodeResource(e.data, &v); err != nil {
				logSkip(logger, key, e, err)
				continue
			}
			m := convertMedicationRequest(&v, containedLookup(e, key, logger))
			pending = append(pending, m)
			if m.med.ID != "" {
				out.Raw[m.med.ID] = json.RawMessage(bytes.Clone(e.data))
			}
		case e.resourceType == "ServiceRequest":
			var v fm.ServiceRequest
			if err := decodeResource(e.data, &v); err != nil {
				logSkip(logger, key, e, err)
				continue
			}
			out.Services = append(out.Services, codings(v.Code)...)
			so := rules.ServiceOrder{ID: resourceID("ServiceRequest", v.Id), Status: v.Status.Code(), Codes: codings(v.Code)}
			if v.Code != nil {
				so.Text = strings.TrimSpace(str(v.Code.Text))
			}
			out.ServiceOrders = append(out.ServiceOrders, so)
		case e.resourceType == "Medication":
			p.add(e, logger)
		}
	}
	for i := range pending {
		m, ok := pending[i].resolve(p.medications)
		if !ok {
			logger.Warn("fhir: medicationReference not resolved", "key", key, "resourceType", m.ResourceType)
		}
		out.Medications = append(out.Medications, m)
	}
	return out, nil
}

// logSkip logs a skipped entry by key, resource type and entry index, with
// the decode error cut short. Resource values are never logged.
func logSkip(logger *slog.Logger, key string, r rawResource, err error) {
	logger.Warn("fhir: skipped malformed entry",
		"key", key,
		"resourceType", cut(r.resourceType, 40),
		"entry", r.index,
		"error", cut(safeError(err), 160))
}

// safeError describes a decode error without the input values that
// encoding/json and samply echo in their messages.
func safeError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		where := typeErr.Type.String()
		if typeErr.Field != "" {
			where = typeErr.Struct + "." + typeErr.Field
		}
		kind, _, _ := strings.Cut(typeErr.Value, " ") // "number 1.5": keep "number"
		return "cannot decode a JSON " + kind + " into " + where
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("invalid JSON at offset %d", syntaxErr.Offset)
	}
	return redact(err.Error())
}

// redact blanks out every `quoted` or "quoted" part of msg (a backslash
// escapes a quote, as in Go's %q).
func redact(msg string) string {
	var b strings.Builder
	var quote byte // the open quote, 0 outside quotes
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case quote == 0 && (c == '"' || c == '`'):
			quote = c
			b.WriteByte(c)
			b.WriteString("…")
		case quote == 0:
			b.WriteByte(c)
		case c == '\\':
			i++
		case c == quote:
			b.WriteByte(c)
			quote = 0
		}
	}
	return b.String()
}

// cut shortens s to at most n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
