package fhir

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/jsonerr"
	"jakguard/internal/jsonshape"
	"jakguard/rules"
)

// Errors of Builder.Add (test with errors.Is). ErrOperationOutcome is also
// a Bundle of nothing but failures; ErrWrongType, and ErrNotResource for a
// Bundle that answers no search, are Expect's; ErrWrongPatient ForPatient's.
var (
	ErrOperationOutcome = errors.New("value is an OperationOutcome")
	ErrNotResource      = errors.New("not a FHIR resource")
	ErrWrongType        = errors.New("holds a resource of another type than its query asks for")
	ErrWrongPatient     = errors.New("holds data of another patient than context.patientId")
	ErrTooManyEntries   = fmt.Errorf("more than %d resources in one call", MaxEntries)
	ErrTooManyObjects   = fmt.Errorf("more than %d JSON objects in the resources of one call", MaxObjects)
)

// MaxEntries bounds the entries of one Builder or DecodeOrders: ten times a
// large record, while 8 MiB of [{},{},...] would be 2.8 million.
const MaxEntries = 50_000

// MaxObjects bounds the JSON objects of the resources one Builder or
// DecodeOrders decodes, counted as the '{' in their JSON before any is
// decoded: each becomes a Go value of up to some hundred bytes (8 MiB of
// "dosageInstruction":[{},{},...] took over 1 GiB). 40,000 recent
// Observations with a code and a value are 160,000.
const MaxObjects = 200_000

// Page describes one value given to Builder.Add: its next link, its
// entries (1 for a single resource), those skipped as malformed, and the
// Bundle's total (0 when it has none).
type Page struct {
	Next             string
	Entries, Skipped int
	Total            int    // TotalUnreadable: stated, but no whole number of 0 or more
	Self             string // the self link: the query the Bundle answers
	// Incomplete: an OperationOutcome beside the results says they are not
	// all there (an error of type incomplete, too-costly, throttled,
	// timeout or transient): a search cut short.
	Incomplete bool
}

// TotalUnreadable is Page.Total for a Bundle.total that cannot be read.
const TotalUnreadable = math.MaxInt

// Builder accumulates prefetch values and FHIR pages into a rules.Record.
// Add may be called concurrently; the setters must not run while it does.
type Builder struct {
	logger    *slog.Logger
	filters   *Filters
	now       time.Time           // what the Observation look-backs count back from
	patientID string              // the context patient; "" checks nothing
	types     map[string]string   // key -> the resource type its query asks for
	medIDs    map[string][]string // key -> the Medication ids it asks for (ExpectMedications)
	entries   counter             // entries read by all Adds
	objects   atomic.Int64        // JSON objects of the resources decoded (MaxObjects)

	mu    sync.Mutex
	parts []part
}

// NewBuilder returns a Builder logging skipped entries to logger (or none).
func NewBuilder(logger *slog.Logger) *Builder {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Builder{logger: logger, types: map[string]string{}}
}

// Filter makes Add decode only the resources f keeps, judging an
// Observation's look-back from now.
func (b *Builder) Filter(f *Filters, now time.Time) { b.filters, b.now = f, now }

// ForPatient makes Add refuse (ErrWrongPatient) a Patient whose id is not
// id, or a resource whose subject (an Immunization's patient) references
// another Patient; one naming no Patient id (urn:uuid:...) is not judged.
func (b *Builder) ForPatient(id string) {
	b.patientID = strings.TrimPrefix(strings.TrimSpace(id), "Patient/")
}

// Expect makes Add refuse (ErrWrongType) a value for key holding a
// resource of a type the rules read other than resourceType (Medications
// excepted, which only resolve references), and (ErrNotResource) a Bundle
// that answers no search.
func (b *Builder) Expect(key, resourceType string) { b.types[key] = resourceType }

// ExpectMedications makes key a search of the Medications of ids by _id:
// another resource the rules read refuses its value (ErrWrongType), and of
// the Medications only those of ids are read, by id alone (one of another
// id, or its fullUrl, could stand for a Medication another value gave).
func (b *Builder) ExpectMedications(key string, ids []string) {
	b.Expect(key, "Medication")
	if b.medIDs == nil {
		b.medIDs = map[string][]string{}
	}
	b.medIDs[key] = ids
}

// part is what one call to Add found, kept once the value is found usable.
type part struct {
	b             *Builder
	key           string
	patients      []rules.Patient // the first is the value's
	observations  []rules.Observation
	conditions    []rules.Condition
	meds          []pendingMed
	immunizations []rules.Immunization
	medications   medIndex
	older         []older                  // Observations older than their look-back (Since)
	subjects      map[string]*fm.Reference // by its JSON (nil: not a Reference): a record names one subject hundreds of times
	others        int                      // resources that are no OperationOutcome
	failed        bool                     // an OperationOutcome reports an error
	incomplete    bool                     // ... one that says results are missing
}

// Add decodes raw, a prefetch value or FHIR page (null adds nothing), and
// keeps what the rules use; key names it in logs (no patient identifiers).
// It fails, adding nothing, on no JSON or FHIR resource, with the errors
// above, and with ctx's. A malformed entry (not an object, without a
// resource or a resourceType, a member of the wrong type) is logged,
// counted in Page.Skipped and left out; other resource types are ignored.
func (b *Builder) Add(ctx context.Context, key string, raw []byte) (Page, error) {
	if isNull(raw) {
		return Page{}, nil
	}
	return b.add(ctx, key, newReader(raw))
}

// AddFrom is Add for the value at dec's position (data is what dec reads
// from its first byte): a prefetch value read straight from the body.
func (b *Builder) AddFrom(ctx context.Context, key string, dec *jsontext.Decoder, data []byte) (Page, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return Page{}, err
	}
	return b.add(ctx, key, &reader{dec: dec, data: data})
}

func (b *Builder) add(ctx context.Context, key string, rd *reader) (Page, error) {
	p := part{b: b, key: key}
	var page Page
	rd.count = func() error { page.Entries++; return b.entries.next(ctx) }
	rd.visit = func(r *resource) error {
		ok, err := p.add(r)
		if !ok {
			page.Skipped++
		}
		return err
	}
	rd.bad = func(i int, member, why string) error {
		p.logSkip(i, "", &DecodeError{Path: member, Reason: why})
		page.Skipped++
		return nil
	}
	top, err := rd.read()
	switch {
	case errors.Is(err, errNotObject):
		err = fmt.Errorf("%w: %w", ErrNotResource, err)
	case err != nil:
	case top.resourceType == "":
		err = fmt.Errorf("%w: no resourceType", ErrNotResource)
	case top.resourceType == "OperationOutcome":
		err = ErrOperationOutcome
	case top.resourceType == "Bundle" && rd.shape != "":
		err = fmt.Errorf("%w: %s", ErrNotResource, rd.shape)
	case top.resourceType == "Bundle" && p.failed && p.others == 0:
		err = fmt.Errorf("Bundle of failures: %w", ErrOperationOutcome)
	case top.resourceType == "Bundle" && b.types[key] != "" && !searchResult(text(top.get("type"))):
		// A history holds past versions and deletions; a document,
		// message, transaction or batch is no search's answer either:
		// none is read (an active TB since resolved was a critical card).
		err = fmt.Errorf("%w: a Bundle whose type is no search result", ErrNotResource)
	case top.resourceType == "Bundle":
		page.Next, page.Self, page.Incomplete = bundleLink(top.get("link"), "next"), bundleLink(top.get("link"), "self"), p.incomplete
		if v := top.get("total"); v != nil && !isNull(v) && (v.Kind() != '0' || decode(v, &page.Total) != nil || page.Total < 0) {
			page.Total = TotalUnreadable // 1e30, -1, "7": not known to be met (failsafe18)
		}
	case b.types[key] != "" && top.resourceType != b.types[key]:
		// A single resource is its query's one match or none: Parameters
		// or a Medication where Conditions belong was read as "none".
		err = fmt.Errorf("%w (%s)", ErrWrongType, top.resourceType)
	default: // a single resource; entries of something that is no Bundle are no data
		p, page = part{b: b, key: key}, Page{Entries: 1}
		if err = b.entries.next(ctx); err == nil {
			var ok bool
			if ok, err = p.add(top); !ok {
				page.Skipped = 1
			}
		}
	}
	if err != nil {
		return Page{}, fmt.Errorf("fhir: %s: %w", key, err)
	}
	b.mu.Lock()
	b.parts = append(b.parts, p)
	b.mu.Unlock()
	return page, nil
}

// add decodes one resource into the part; ok is false when it was skipped
// as malformed, an error refuses the value.
func (p *part) add(r *resource) (ok bool, err error) {
	if err := typeError(r.resourceType); err != nil {
		p.logSkip(r.index, "", err)
		return false, nil
	}
	switch r.resourceType {
	case "Patient", "Observation", "Condition", "Immunization", "MedicationRequest", "MedicationStatement", "Medication":
	case "Bundle":
		// A Bundle inside a Bundle (a batch-response of searches): what it
		// holds is not read, and is not to pass for no data at all.
		p.logSkip(r.index, "Bundle", &DecodeError{Reason: "is a Bundle inside a Bundle (not read)"})
		return false, nil
	default:
		p.other(r)
		return true, nil
	}
	p.others++
	if err := p.b.spend(r.raw); err != nil {
		return false, err
	}
	included := p.otherIncluded(r)
	if err := p.check(r, included); err != nil || included {
		var de *DecodeError // declared here: its address escapes, one allocation a resource
		switch {
		case err != nil && !errors.As(err, &de):
			return false, err
		case included:
			// Not read: one whose subject cannot be read is no entry of the
			// key left out.
			return true, nil
		}
		p.logSkip(r.index, r.resourceType, err)
		return false, nil
	}
	if r.resourceType == "MedicationRequest" || r.resourceType == "MedicationStatement" {
		err := containedError(r.get("contained"), false)
		if r5Medication(r) {
			err = errR5Medication
		}
		if err != nil {
			p.logSkip(r.index, r.resourceType, err)
			return false, nil
		}
	}
	if keep, bad := p.keep(r); bad != "" {
		p.logSkip(r.index, r.resourceType, &DecodeError{Path: bad, Reason: "not a CodeableConcept"})
		return false, nil
	} else if !keep {
		return true, nil
	}
	switch r.resourceType {
	case "Patient":
		err = decodeAs(r.raw, func(v *patient) { p.patients = append(p.patients, convertPatient(v)) })
	case "Observation":
		err = p.addObservation(r.raw)
	case "Condition":
		err = decodeAs(r.raw, func(v *condition) { p.conditions = append(p.conditions, convertCondition(v)) })
	case "Immunization":
		err = decodeAs(r.raw, func(v *immunization) { p.immunizations = append(p.immunizations, convertImmunization(v)) })
	case "MedicationRequest", "MedicationStatement":
		status := ""
		err = decodeAs(r.raw, func(v *medicationUse) {
			m := convertMedicationUse(r.resourceType, v, p.contained(r))
			if status = m.med.Status; !isTrue(v.DoNotPerform) { // an unreadable status goes to Record.Unreadable (Build)
				p.meds = append(p.meds, m)
			}
		})
		if err == nil && !rules.MedicationStatusCode(r.resourceType, status) { // said (Page.Skipped), not passed over as not taken
			err = &DecodeError{Path: "status", Reason: "not a " + r.resourceType + " status code"}
		}
	case "Medication":
		if p.medications == nil {
			p.medications = medIndex{}
		}
		ids, byID := p.b.medIDs[p.key]
		err = decodeAs(r.raw, func(v *medication) {
			switch {
			case !byID:
				p.medications.add(v, text(r.fullURL))
			case slices.Contains(ids, strings.TrimSpace(str(v.ID))):
				p.medications.add(v, "")
			}
		})
	}
	if err != nil {
		p.logSkip(r.index, r.resourceType, decodeError("", err))
	}
	return err == nil, nil
}

// addObservation decodes an Observation into the part (Add, Builder.Since).
func (p *part) addObservation(raw []byte) error {
	var v observation
	if err := decode(raw, &v); err != nil {
		return err
	} else if q := v.ValueQuantity; q != nil && q.Value != nil {
		if _, ok := number(*q.Value); !ok { // 1e309: valid JSON, read as no value and unsaid (failsafe18)
			return &DecodeError{Path: "valueQuantity.value", Reason: "beyond the range of a number"}
		}
	}
	p.observations = append(p.observations, convertObservation(&v))
	return nil
}

// spend counts the JSON objects of raw, a resource about to be decoded,
// against MaxObjects.
func (b *Builder) spend(raw []byte) error {
	if b.objects.Add(int64(bytes.Count(raw, openBrace))) > MaxObjects {
		return ErrTooManyObjects
	}
	return nil
}

var openBrace = []byte{'{'}

// decodeAs decodes raw into a view V and hands it to use.
func decodeAs[V any](raw []byte, use func(v *V)) error {
	var v V
	err := decode(raw, &v)
	if err == nil {
		use(&v)
	}
	return err
}

// other notes a resource no rule reads: is a Bundle all failures?
func (p *part) other(r *resource) {
	if r.resourceType != "OperationOutcome" {
		p.others++
		return
	}
	if p.b.spend(r.raw) != nil {
		return // the next resource decoded fails the call
	}
	_ = decodeAs(r.raw, func(oo *struct {
		Issue []struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
		} `json:"issue"`
	}) {
		for _, is := range oo.Issue {
			failed := is.Severity == "error" || is.Severity == "fatal"
			p.failed = p.failed || failed
			switch is.Code {
			case "incomplete", "too-costly", "throttled", "timeout", "transient":
				p.incomplete = p.incomplete || failed
			}
		}
	})
}

// check applies Expect and ForPatient; a *DecodeError (an unreadable
// subject) skips the resource. An entry of another type a search included
// (search.mode include, as _include=...:patient gives) is no match of the
// query, so no wrong type; not read, but whose it is is still checked.
func (p *part) check(r *resource, included bool) error {
	if want := p.b.types[p.key]; !included && want != "" && r.resourceType != want && r.resourceType != "Medication" {
		return fmt.Errorf("%w (%s)", ErrWrongType, r.resourceType)
	}
	member := "subject"
	switch {
	case p.b.patientID == "" || r.resourceType == "Medication":
		return nil
	case r.resourceType == "Patient":
		if text(r.get("id")) != p.b.patientID {
			return fmt.Errorf("%w: a Patient with another id", ErrWrongPatient)
		}
		return nil
	case r.resourceType == "Immunization", r.get("subject") == nil && r.get("patient") != nil:
		member = "patient" // also where DSTU2 names it (Condition, MedicationStatement)
	}
	// The other member is judged too when it names a Patient: a null
	// subject beside a DSTU2 patient of another patient is another's.
	var err error
	for _, name := range []string{"subject", "patient"} {
		v := r.get(name)
		if name != member && v == nil {
			continue
		}
		ref, seen := p.subjects[string(v)]
		if !seen {
			if ref = new(fm.Reference); decodeHead(v, ref) != nil {
				ref = nil
			}
			if p.subjects == nil {
				p.subjects = map[string]*fm.Reference{}
			}
			p.subjects[string(v)] = ref
		}
		if ref == nil {
			if name == member { // whose it is cannot be told: skipped like any malformed entry
				err = &DecodeError{Path: member, Reason: "not a Reference"}
			}
		} else if id, ok := patientOf(str(ref.Reference)); ok && id != p.b.patientID {
			return fmt.Errorf("%w: a %s about another patient", ErrWrongPatient, r.resourceType)
		}
	}
	return err
}

// searchResult reports whether a Bundle of type t can be a query's answer:
// a searchset or collection, the response of a batch of searches, or no
// type said.
func searchResult(t string) bool {
	switch t {
	case "", "searchset", "collection", "batch-response", "transaction-response":
		return true
	}
	return false
}

// otherIncluded reports whether r is an entry a search included
// (search.mode include) of another type than its key's query asks for.
func (p *part) otherIncluded(r *resource) bool {
	want := p.b.types[p.key]
	if want == "" || r.resourceType == want || r.resourceType == "Medication" || r.search == nil {
		return false
	}
	var s struct {
		Mode string `json:"mode"`
	}
	return decodeHead(r.search, &s) == nil && s.Mode == "include"
}

// contained finds a contained Medication of r by id (decoded only when asked).
func (p *part) contained(r *resource) func(id string) (rules.Medication, bool) {
	return containedMedication(r.get("contained"), func(err error) { p.logSkip(r.index, "Medication", err) })
}

func containedMedication(contained []byte, logErr func(error)) func(id string) (rules.Medication, bool) {
	return func(id string) (out rules.Medication, found bool) {
		var raws []jsontext.Value
		if err := decode(contained, &raws); err != nil {
			logErr(decodeError("contained", err))
			return rules.Medication{}, false
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
			info := convertMedication(&m)
			if found {
				// Two of one id: the same, or which is meant cannot be
				// told (none is read; failsafe7).
				if !reflect.DeepEqual(out, info) {
					return rules.Medication{}, false
				}
			}
			out, found = info, true
		}
		return out, found
	}
}

// MedicationRefs returns, sorted, the ids of the Medications that orders
// or statements added so far reference relatively ("Medication/id") and
// that no Medication added resolves.
func (b *Builder) MedicationRefs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	meds := b.medications()
	ids := map[string]bool{}
	for _, p := range b.parts {
		for _, pm := range p.meds { // a copy: resolve marks it found
			if _, ok := pm.resolve(meds.lookup); !ok && strings.HasPrefix(pm.ref, "Medication/") {
				id, _, _ := strings.Cut(strings.TrimPrefix(pm.ref, "Medication/"), "/")
				ids[id] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(ids))
}

// medications is every Medication added so far, by id and fullUrl (b.mu
// held).
func (b *Builder) medications() medIndex {
	meds := medIndex{}
	for _, p := range b.parts {
		for key, m := range p.medications {
			meds.put(key, m)
		}
	}
	return meds
}

// Record returns the record of everything added so far, references to
// Medications resolved across values, a resource that came twice kept once.
func (b *Builder) Record() *rules.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	meds := b.medications()
	rec := &rules.Record{}
	// The same id again with other content (two versions, a merged feed)
	// is kept too: which is current cannot be told, and the first may be
	// an older or entered-in-error version of an MI.
	seen := map[string]any{}
	first := func(id string, v any) bool {
		old, ok := seen[id]
		if id == "" || !ok {
			seen[id] = v
			return true
		}
		return !reflect.DeepEqual(old, v)
	}
	for _, p := range b.parts {
		for _, pt := range p.patients { // pt is a copy: the record is the caller's
			if rec.Patient == nil {
				rec.Patient = &pt
			} else {
				rec.Patient.Also(pt) // another version of the Patient (dupes)
			}
		}
		rec.Observations = append(rec.Observations, p.observations...)
		rec.Conditions = append(rec.Conditions, p.conditions...)
		rec.Immunizations = append(rec.Immunizations, p.immunizations...)
		for i := range p.meds {
			m, ok := p.meds[i].resolve(meds.lookup)
			if !ok {
				b.logger.Warn("fhir: medicationReference not resolved", "key", p.key, "resourceType", m.ResourceType)
			}
			switch {
			case !first(m.ID, m):
			case rules.MedicationStatusCode(m.ResourceType, m.Status):
				rec.Medications = append(rec.Medications, m)
			default:
				rec.Unreadable = append(rec.Unreadable, m)
			}
		}
	}
	rec.Observations = slices.DeleteFunc(rec.Observations, func(o rules.Observation) bool { return !first(o.ID, o) })
	rec.Conditions = slices.DeleteFunc(rec.Conditions, func(c rules.Condition) bool { return !first(c.ID, c) })
	rec.Immunizations = slices.DeleteFunc(rec.Immunizations, func(im rules.Immunization) bool { return !first(im.ID, im) })
	return rec
}

// logSkip logs a skipped entry by key, resource type, index and reason,
// never its values.
func (p *part) logSkip(index int, resourceType string, err error) {
	p.b.logger.Warn("fhir: skipped malformed entry", "key", p.key, "resourceType", jsonerr.Cut(resourceType, 40),
		"entry", index, "error", jsonerr.Cut(safeError(err), 160))
}

// Orders are a call's draft MedicationRequests (Raw holds their JSON by
// "MedicationRequest/<id>"), ServiceRequests and the latter's codes. IDs
// holds "<resourceType>/<id>" of every entry but Medications, whatever its
// type: what context.selections may name.
type Orders struct {
	Medications   []rules.Medication
	Raw           map[string]json.RawMessage
	Services      []rules.Coding
	ServiceOrders []rules.ServiceOrder
	IDs           map[string]bool
}

// DecodeOrders decodes context.draftOrders, a Bundle of MedicationRequest,
// ServiceRequest, Medication and other entries, strictly: an unreadable
// order must never look safe. It fails with a *DecodeError naming the
// member ("entry[0].resource.status") for an entry without a resource
// object, a member read of the wrong type, a subject that references
// another Patient than patientID, or a MedicationRequest whose medication
// cannot be told (a medicationReference to no Medication of the order or
// the Bundle, without a display), or an order it does not read (a Bundle
// inside draftOrders, a DSTU2 MedicationOrder, an order contained in
// another resource); with ErrTooManyEntries, ErrTooManyObjects, and with
// ctx's.
func DecodeOrders(ctx context.Context, raw []byte, patientID string, logger *slog.Logger) (Orders, error) {
	b := NewBuilder(logger) // for its counter, logger, and a part for medications
	p := &part{b: b, key: "draftOrders", medications: medIndex{}}
	out := Orders{Raw: make(map[string]json.RawMessage), IDs: make(map[string]bool)}
	var medEntries []int // the entry index of each of p.meds
	rd := newReader(raw)
	rd.needResource = true
	rd.count = func() error { return b.entries.next(ctx) }
	rd.bad = func(i int, member, why string) error {
		return &DecodeError{Path: jsonerr.Join(entryPath(i), member), Reason: why}
	}
	rd.visit = func(r *resource) error {
		if err := b.spend(r.raw); err != nil {
			return err
		}
		var err, subjectErr error
		if id := text(r.get("id")); id != "" && r.resourceType != "" && r.resourceType != "Medication" {
			out.IDs[r.resourceType+"/"+id] = true
		}
		switch r.resourceType {
		case "MedicationRequest":
			if r5Medication(r) {
				err = errR5Medication
				break
			} else if err = containedError(r.get("contained"), false); err != nil {
				break
			}
			err = decodeAs(r.raw, func(v *medicationUse) {
				if subjectErr = checkSubject(v.Subject, patientID); subjectErr == nil && !isTrue(v.DoNotPerform) {
					m := convertMedicationUse("MedicationRequest", v, p.contained(r))
					p.meds = append(p.meds, m)
					medEntries = append(medEntries, r.index)
					if m.med.ID != "" {
						out.Raw[m.med.ID] = json.RawMessage(r.raw)
					}
				}
			})
		case "ServiceRequest":
			err = decodeAs(r.raw, func(v *serviceRequest) {
				if subjectErr = checkSubject(v.Subject, patientID); subjectErr == nil && !isTrue(v.DoNotPerform) {
					out.Services = append(out.Services, codings(v.Code)...)
					out.ServiceOrders = append(out.ServiceOrders, rules.ServiceOrder{ID: resourceID("ServiceRequest", v.ID),
						Status: jsonshape.Code(str(v.Status)), Codes: codings(v.Code), Text: ccText(v.Code)})
				}
			})
		case "Medication":
			err = decodeAs(r.raw, func(v *medication) {
				if key := p.medications.add(v, text(r.fullURL)); key != "" {
					// Which one the orders name cannot be told. (The
					// reason is logged: the id is not in it.)
					subjectErr = &DecodeError{Path: "id", Reason: "a Medication of this id or fullUrl came before in draftOrders with other content"}
				}
			})
		case "Bundle":
			// Its orders would not be evaluated: {"cards": []} for a JAK
			// order sent one level down.
			err = &DecodeError{Path: "resourceType", Reason: "a Bundle inside draftOrders is not read: send its orders as entries of draftOrders"}
		case "MedicationOrder":
			err = &DecodeError{Path: "resourceType", Reason: "MedicationOrder is FHIR DSTU2: jakguard reads R4 MedicationRequest"}
		default:
			err = cmp.Or(typeError(r.resourceType), containedError(r.get("contained"), true))
		}
		if err = cmp.Or(err, subjectErr); err != nil {
			return decodeError(entryPath(r.index)+".resource", err)
		}
		return nil
	}
	top, err := rd.read()
	switch {
	case errors.Is(err, errNotObject) || err == nil && top.resourceType != "Bundle":
		return Orders{}, &DecodeError{Reason: "not a Bundle"}
	case errors.As(err, new(*DecodeError)), errors.Is(err, ErrTooManyEntries), errors.Is(err, ErrTooManyObjects), err != nil && errors.Is(err, ctx.Err()):
		return Orders{}, err
	case err != nil:
		return Orders{}, decodeError("", err)
	case rd.shape != "":
		return Orders{}, &DecodeError{Path: "entry", Reason: "is not an array"}
	}
	for i := range p.meds {
		m, ok := p.meds[i].resolve(p.medications.lookup)
		if !ok {
			b.logger.Warn("fhir: medicationReference not resolved", "key", "draftOrders", "resourceType", m.ResourceType)
		}
		if len(m.Codes) == 0 && strings.TrimSpace(m.Text) == "" && p.meds[i].hadRef {
			// What is ordered cannot be told, so neither can whether it is
			// safe: an order of an unknown Medication must not answer no
			// cards. (An order with no medication[x] at all is an order
			// whose drug is not chosen yet, as order-select sends it.)
			reason := "names no Medication contained in the order or in draftOrders (or two of its id that differ, or one by identifier alone), and has no display"
			if p.meds[i].found {
				reason = "names a Medication with neither code nor text, and has no display"
			}
			return Orders{}, &DecodeError{Path: jsonerr.Join(entryPath(medEntries[i]), "resource.medicationReference"), Reason: reason}
		}
		out.Medications = append(out.Medications, m)
	}
	return out, nil
}

// isTrue is an optional boolean's value. An order with doNotPerform true
// forbids what it names ("do not give MMR"): it is neither an order of the
// drug nor its use, and is left out of the record and the orders.
func isTrue(b *bool) bool { return b != nil && *b }

// knownTypes are the resource types jakguard reads.
var knownTypes = []string{"Patient", "Observation", "Condition", "Immunization", "MedicationRequest",
	"MedicationStatement", "Medication", "ServiceRequest", "Bundle", "OperationOutcome"}

// typeError is why a resourceType is not to be read, nil if it is: absent,
// no FHIR type name ("#x", "Patient/1": FHIR names are letters, starting
// with a capital), or one of knownTypes but for letter case ("condition",
// whose data is not to be ignored as a type jakguard does not read).
func typeError(t string) error {
	switch {
	case t == "":
		return &DecodeError{Path: "resourceType", Reason: "missing or not a string"}
	case t[0] < 'A' || t[0] > 'Z' || strings.IndexFunc(t, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }) >= 0,
		slices.ContainsFunc(knownTypes, func(k string) bool { return t != k && strings.EqualFold(t, k) }):
		return &DecodeError{Path: "resourceType", Reason: "not a FHIR resource type (names are case-sensitive)"}
	}
	return nil
}

// r5Medication reports whether r, a MedicationRequest or
// MedicationStatement, says what it is of only in FHIR R5's "medication"
// (a CodeableReference): read as R4 it named no drug, and an upadacitinib
// order answered {"cards": []} as an order whose drug is not chosen yet.
func r5Medication(r *resource) bool {
	present := func(name string) bool { v := r.get(name); return v != nil && v.Kind() != 'n' }
	return present("medication") && !present("medicationCodeableConcept") && !present("medicationReference")
}

var errR5Medication = &DecodeError{Path: "medication",
	Reason: "is FHIR R5 (a CodeableReference): jakguard reads R4 medicationCodeableConcept or medicationReference"}

// containedError refuses a contained resource whose resourceType is not to
// be read (typeError: a "medication" an order names by "#id" was passed
// over, and the order read by its display alone; failsafe19) and, when
// orders, an order contained in another resource (a RequestGroup,
// CarePlan or the like): it would not be evaluated.
func containedError(contained jsontext.Value, orders bool) error {
	var rs []struct {
		ResourceType string `json:"resourceType"`
	}
	if contained == nil || decodeHead(contained, &rs) != nil {
		return nil
	}
	for i, r := range rs {
		path := "contained[" + strconv.Itoa(i) + "]"
		if err := typeError(r.ResourceType); err != nil {
			return decodeError(path, err)
		}
		switch r.ResourceType {
		case "MedicationRequest", "ServiceRequest", "MedicationOrder":
			if orders {
				return &DecodeError{Path: path, Reason: "an order contained in another resource is not read: send it as an entry of draftOrders"}
			}
		}
	}
	return nil
}

func entryPath(i int) string { return "entry[" + strconv.Itoa(i) + "]" }

// checkSubject fails when ref references another Patient than patientID.
func checkSubject(ref *fm.Reference, patientID string) error {
	if ref != nil && patientID != "" {
		if id, ok := patientOf(str(ref.Reference)); ok && id != strings.TrimPrefix(patientID, "Patient/") {
			return &DecodeError{Path: "subject", Reason: "references another patient than context.patientId"}
		}
	}
	return nil
}
