package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"jakguard/fhir"
	"jakguard/rules"
)

// keyState is what the client sent for one prefetch key (CDS Hooks 2.0.1
// §Prefetch): the four cases are kept apart here, and only here.
type keyState int

const (
	keyAbsent  keyState = iota // not sent: fetch it from fhirServer
	keyNull                    // sent as null: the client ran it and found nothing; never re-fetched
	keyOutcome                 // an OperationOutcome: the client's query failed; re-fetch once
	keyValue                   // a resource or Bundle
)

// classify tells absent and null apart from a value; whether a value is an
// OperationOutcome (alone, or a Bundle of failures) is found by
// fhir.Builder.Add as it reads it.
func classify(raw json.RawMessage, present bool) keyState {
	switch {
	case !present:
		return keyAbsent
	case isNull(raw):
		return keyNull
	}
	return keyValue
}

// resolution is the outcome of resolving a service's prefetch for one call.
type resolution struct {
	record *rules.Record
	// unavailable maps each key that could not be had to a safe reason.
	unavailable map[string]string
	// skipped counts, per key, the entries left out as malformed: the rest
	// of the key was read, but what they held was not checked.
	skipped map[string]int
	// partial: the unavailable keys of which some pages were read (a
	// search that failed part-way, a prefetch first page whose next page
	// could not be had): what they held was checked, the rest not.
	partial  map[string]bool
	insecure bool // a fetch was refused because fhirServer is not https
	// sources says, for the audit trail, where each key's data came from:
	// "prefetch", "fhir", "prefetch+fhir" (next pages fetched) or
	// "unavailable".
	sources map[string]string
}

// prefetchReader reads the prefetch of one call into the patient record:
// streamed from the request body as decodeRequest reads it (value), or
// from the JSON decodeRequest kept (resolve), then completed from
// fhirServer (resolve).
type prefetchReader struct {
	s      *Server
	svc    *Service
	ctx    context.Context
	hc     *HookContext
	logger *slog.Logger
	b      *fhir.Builder
	now    time.Time // the call's clock
	// streamed holds what value read for each key.
	streamed map[string]keyResult
	// conditions holds, on a call that reads only the course keys
	// (courseOnly), the conditions value as sent, undecoded: read
	// (readConditions) only when a course was found; nil when not sent.
	conditions json.RawMessage
}

// keyResult is what the client sent for one key and what came of it.
type keyResult struct {
	st   keyState
	page fhir.Page
	err  error // the value is unusable: fetch it instead
}

// newFilters returns the relevance filters of patient-view, of the order
// hooks, and of an order hook's call that only needs the course
// (courseService): the medication list is passed over but for the JAK
// inhibitors on it.
func newFilters(e *rules.Engine) (view, order, course *fhir.Filters) {
	order = &fhir.Filters{Observation: e.ObservationLookback, Condition: e.ConditionRelevant, Immunization: e.ImmunizationRelevant}
	view = &fhir.Filters{Condition: e.ConditionRelevant, Immunization: e.ImmunizationRelevant,
		Observation: func(codes []rules.Coding) (time.Duration, bool) { return 0, e.ObservationRelevant(codes) }}
	course = &fhir.Filters{Observation: e.ObservationLookback, Condition: e.ConditionRelevant, Immunization: e.ImmunizationRelevant,
		Medication: func(m rules.Medication) bool { _, _, ok := e.Recognize(m); return ok }}
	return view, order, course
}

// newPrefetch returns the reader of a call's prefetch. Only the
// Observations some rule may read are decoded: records carry hundreds of
// vital signs and old labs. At order time that also means recent enough
// for the rule's window; patient-view reads results since the start of
// therapy, so there only the codes count. Likewise the Conditions and
// Immunizations whose codes no rule reads are passed over. Every value is
// held to the context patient and to the type its key's query asks for.
func (s *Server) newPrefetch(ctx context.Context, svc *Service, hc *HookContext, now time.Time, logger *slog.Logger) *prefetchReader {
	b := fhir.NewBuilder(logger)
	switch {
	case s.decodeAll:
	case svc.courseOnly:
		b.Filter(s.filters.course, now)
	case svc.Hook == HookPatientView:
		b.Filter(s.filters.view, now)
	default:
		b.Filter(s.filters.order, now)
	}
	b.ForPatient(hc.PatientID)
	for key, tmpl := range svc.Prefetch {
		b.Expect(key, queryType(tmpl))
	}
	return &prefetchReader{s: s, svc: svc, ctx: ctx, hc: hc, logger: logger, b: b, now: now, streamed: map[string]keyResult{}}
}

// value reads the prefetch value for key from the request body (a
// prefetchFunc). Keys the service does not declare are only validated.
func (pr *prefetchReader) value(key string, dec *jsontext.Decoder, body []byte) error {
	if _, ok := pr.svc.Prefetch[key]; !ok {
		v, err := dec.ReadValue() // faster than SkipValue, which goes token by token
		if err == nil && pr.svc.courseOnly && key == rules.DataConditions {
			end := dec.InputOffset()
			pr.conditions = json.RawMessage(body[end-int64(len(v)) : end : end])
		}
		return err
	}
	if dec.PeekKind() == 'n' {
		pr.streamed[key] = keyResult{st: keyNull}
		_, err := dec.ReadToken()
		return err
	}
	page, err := pr.b.AddFrom(pr.ctx, key, dec, body)
	r, err := pr.result(key, page, err)
	if err != nil {
		return err
	}
	pr.streamed[key] = r
	return nil
}

// result sorts what Builder.Add answered for a prefetch value: a usable
// value, an OperationOutcome, unusable JSON or a Bundle whose total
// promises entries it does not hold (all fetched instead), or an
// error that refuses the call: 400 for another patient's data or a
// resource of the wrong type (contract 6.6: the client contradicts its own
// context, and which of the two is right cannot be told), 413 past
// fhir.MaxEntries resources or fhir.MaxObjects objects, 503 once the
// deadline has passed.
func (pr *prefetchReader) result(key string, page fhir.Page, err error) (keyResult, error) {
	switch {
	case err == nil && page.Incomplete:
		// An error beside the results says some are missing ("incomplete",
		// "too-costly"): what came is not all there is: fetch it.
		return keyResult{st: keyValue, err: errors.New("an OperationOutcome beside the results says they are incomplete")}, nil
	case err == nil && page.Total > page.Entries && page.Next == "":
		// A search that says it matched more than it sends, with no next
		// page (a _summary=count or _elements query, a cut-down copy, a
		// page cut short) is no "no data", nor all of it: fetch it.
		return keyResult{st: keyValue, err: fmt.Errorf("%s but the Bundle holds %d entries and no next link", totalText(page.Total), page.Entries)}, nil
	case err == nil:
		if why := pr.otherQuery(key, page.Self); why != "" {
			// A Bundle that says it answers another search (of another
			// type, or for another patient) is no answer to this key's,
			// however empty: fetch it.
			return keyResult{st: keyValue, err: errors.New(why)}, nil
		}
		return keyResult{st: keyValue, page: page}, nil
	case errors.Is(err, fhir.ErrOperationOutcome):
		return keyResult{st: keyOutcome}, nil // the client's query failed: fetch it again, once
	case errors.Is(err, fhir.ErrWrongPatient), errors.Is(err, fhir.ErrWrongType):
		e := badRequest("prefetch." + key + ": " + strings.TrimPrefix(err.Error(), "fhir: "+key+": "))
		e.Expression = "prefetch." + key
		return keyResult{}, e
	case errors.Is(err, fhir.ErrNotResource):
		return keyResult{st: keyValue, err: err}, nil
	}
	if e := limitError(pr.ctx, err); e != nil {
		return keyResult{}, e
	}
	return keyResult{}, err // invalid JSON: the request is refused
}

// otherQuery says why self, the self link of a prefetch Bundle for key, is
// the link of another search than key's template asks ("" when it is not
// known to be): a search of another resource type, or one whose patient
// (or subject) is another patient. Narrower searches of the right type
// and patient (a code list of an older template) are read as they are
// (docs/rules.md section 1). The reason names no patient.
func (pr *prefetchReader) otherQuery(key, self string) string {
	if self == "" {
		return ""
	}
	u, err := url.Parse(self)
	var query url.Values
	if err == nil {
		query, err = url.ParseQuery(u.RawQuery)
	}
	if err != nil {
		// Not read whole (a bad escape, a ';', a control character): the
		// part left out may be the patient.
		return "the Bundle's self link is no readable search"
	}
	path := strings.Split(strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/_search"), "/")
	typ, want := path[len(path)-1], queryType(pr.svc.Prefetch[key])
	if resourceType.MatchString(typ) && typ != want {
		return fmt.Sprintf("the Bundle's self link is a search of %s, not of %s", typ, want)
	}
	patient := strings.TrimPrefix(pr.hc.PatientID, "Patient/")
	if n := len(path); n >= 3 && path[n-3] == "Patient" && path[n-2] != patient {
		// A compartment search: Patient/p2/Condition.
		return "the Bundle's self link is a search for another patient than context.patientId"
	}
	for _, t := range strings.Split(strings.Join(query["_type"], ","), ",") {
		if t != "" && t != want { // a search across types: fhir?_type=Observation
			return "the Bundle's self link is a search of another type than " + want
		}
	}
	for name, vals := range query {
		// patient, subject:Patient, and chains (patient.identifier: a
		// patient named otherwise is not known to be this one).
		if base := name[:strings.IndexAny(name+":", ":.")]; base != "patient" && base != "subject" {
			continue
		}
		for _, v := range vals {
			for _, id := range strings.Split(v, ",") {
				if i := strings.LastIndex(id, "Patient/"); i >= 0 {
					id = id[i+len("Patient/"):]
				}
				if strings.TrimSpace(id) != patient {
					return "the Bundle's self link is a search for another patient than context.patientId"
				}
			}
		}
	}
	return ""
}

// resolve builds the patient record from prefetch, fetching from
// fhirServer every key that is absent or holds an OperationOutcome (or no
// FHIR resource), and the next pages of a paginated prefetch Bundle. A key
// that cannot be had is recorded in Record.Unavailable; the caller decides
// whether that is a 412. A FHIR server page about another patient, or with
// resources of the wrong type, leaves its key unavailable.
func (pr *prefetchReader) resolve(req *Request) (*resolution, error) {
	s, svc, ctx, logger, b := pr.s, pr.svc, pr.ctx, pr.logger, pr.b
	keys := make([]string, 0, len(svc.Prefetch))
	for k := range svc.Prefetch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	res := &resolution{unavailable: map[string]string{}, sources: map[string]string{}, skipped: map[string]int{}, partial: map[string]bool{}}
	queries := map[string]string{}
	tokens := templateValues(pr.hc)

	for _, key := range keys {
		r, ok := pr.streamed[key]
		if !ok {
			raw, present := req.Prefetch[key]
			r = keyResult{st: classify(raw, present)}
			if r.st == keyValue {
				page, err := b.Add(ctx, key, raw)
				var fatal error
				if r, fatal = pr.result(key, page, err); fatal != nil {
					var he *Error
					if !errors.As(fatal, &he) {
						fatal = badRequest("prefetch." + key + ": not valid JSON")
					}
					return nil, fatal
				}
			}
		}
		s.metrics.prefetchKey(svc.ID, key, r.st)
		if r.st == keyValue && r.err == nil {
			res.skipped[key] += r.page.Skipped
		}
		switch {
		case r.st == keyNull:
			continue
		case r.st == keyValue && r.err != nil:
			logger.Warn("prefetch value unusable; fetching it instead", "key", key, "err", r.err)
		case r.st == keyValue && r.page.Next != "":
			if reason := fallbackReason(req.FHIRAuthorization, svc.Prefetch[key]); reason != "" {
				logger.Warn("prefetch is paginated and fhirAuthorization cannot fetch the next page", "key", key, "reason", reason)
				res.unavailable[key], res.partial[key] = reason, true
				continue
			}
			skipped, err := s.followNext(ctx, b, key, r.page, req)
			res.skipped[key] += skipped
			if err != nil {
				res.unavailable[key], res.partial[key] = fallbackFailed(logger, key, err), true
			}
			res.sources[key] = "prefetch+fhir"
			continue
		case r.st == keyValue:
			continue
		}
		// Absent, an OperationOutcome, or unusable: fetch it.
		q, err := renderTemplate(svc.Prefetch[key], tokens)
		if err != nil {
			res.unavailable[key] = "template: " + err.Error()
			continue
		}
		queries[key] = q
	}

	if len(queries) > 0 {
		switch {
		case previewing(ctx):
			for key := range queries {
				res.unavailable[key] = notFetchedInPreview
			}
		case req.FHIRServer == "":
			for key := range queries {
				res.unavailable[key] = "not in prefetch and no fhirServer given"
			}
		case s.fhir == nil:
			for key := range queries {
				res.unavailable[key] = "not in prefetch and FHIR fallback is disabled"
			}
		case !s.fhirServerAllowed(ctx, req.FHIRServer):
			logger.Warn("fhirServer not allowed for this client; not contacted")
			for key := range queries {
				res.unavailable[key] = notAllowed
			}
		default:
			token := req.accessToken()
			// A token that cannot read a key's data is not used for it: the
			// server may answer what the token may see, and nothing would
			// read as "none".
			fetch := make(map[string]string, len(queries))
			for key, q := range queries {
				if reason := fallbackReason(req.FHIRAuthorization, svc.Prefetch[key]); reason != "" {
					logger.Warn("FHIR fallback not tried", "key", key, "reason", reason)
					res.unavailable[key] = reason
					continue
				}
				fetch[key] = q
			}
			start := time.Now()
			results := s.fhir.FetchAll(ctx, req.FHIRServer, token, fetch)
			s.metrics.fallbackDuration(time.Since(start))
			for key, r := range results {
				s.metrics.fallback(key, r.Err == nil)
				if r.Err != nil {
					res.insecure = res.insecure || errors.Is(r.Err, fhir.ErrInsecureServer)
					res.unavailable[key] = fallbackFailed(logger, key, r.Err)
					skipped, read := addPartial(ctx, b, key, r.Pages)
					res.skipped[key] += skipped
					res.partial[key] = read
					continue
				}
				skipped, err := addPages(ctx, b, key, r.Pages, fhir.Page{})
				res.skipped[key] += skipped
				if err != nil {
					res.unavailable[key] = fallbackFailed(logger, key, fmt.Errorf("fetched page unusable: %w", err))
				}
			}
		}
	}

	s.fetchMedications(ctx, b, req, logger)
	res.record = b.Record()
	// A renewal reads results since its course start, however old: those
	// passed over as older than their look-back are read since then, one
	// that cannot be read said as any entry left out as malformed.
	if b.HasOlder() {
		if since, ok := s.engine.ResultsSince(res.record.Medications, pr.now); ok && b.Since(since, res.skipped) > 0 {
			res.record = b.Record()
		}
	}
	// A record order or statement whose drug cannot be told (a
	// medicationReference to no Medication sent, with no display) may be
	// a JAK course or a drug that interacts with one: counted with the
	// entries left out as malformed, so a card says the list was not all
	// read, not passed over as no medication (failsafe7).
	for _, m := range res.record.Medications {
		if len(m.Codes) == 0 && strings.TrimSpace(m.Text) == "" && m.Status != "entered-in-error" {
			key := rules.DataMedications
			if m.ResourceType == "MedicationStatement" {
				key = rules.DataMedicationStatements
			}
			res.skipped[key]++
		}
	}
	if p := res.record.Patient; p != nil && p.BirthDate.After(pr.now) {
		// A birth date still to come is no birth date: read as one it
		// made every adult "under 12". The age rules treat it as unknown
		// (age-unknown, saying the date is after today).
		logger.Warn("prefetch: Patient.birthDate is after today; treated as unknown")
	}
	for _, key := range keys {
		_, fetched := queries[key]
		_, missing := res.unavailable[key]
		switch {
		case missing:
			res.sources[key] = "unavailable"
		case fetched:
			res.sources[key] = "fhir"
		case res.sources[key] == "":
			res.sources[key] = "prefetch"
		}
	}
	for key := range res.unavailable {
		res.record.Unavailable = append(res.record.Unavailable, key)
	}
	sort.Strings(res.record.Unavailable)
	return res, nil
}

// medicationsByID names the Medications read by id in the logs.
const medicationsByID = "medicationsById"

// maxMedicationRefs bounds the Medications one call reads by id (one
// query): a long medication list names a few dozen products.
const maxMedicationRefs = 100

// fetchMedications reads from fhirServer, by id in one query, the
// Medications that the orders and statements read so far reference
// ("Medication/id") and that neither prefetch nor the fetched pages held:
// a prefetch template may not _include them (CDS Hooks prefetch subset),
// so such orders, prefetched as the template asks or fetched, were orders
// whose drug could not be told ("some medications could not be read")
// where a prefetch holding the Medications gave their cards. Only when
// fhirServer may be asked and the token may read Medications; when they
// cannot be had the orders stay unresolved, and are said so.
func (s *Server) fetchMedications(ctx context.Context, b *fhir.Builder, req *Request, logger *slog.Logger) {
	if previewing(ctx) || s.fhir == nil || req.FHIRServer == "" {
		return
	}
	var ids []string
	for _, id := range b.MedicationRefs() {
		if queryID(id) && len(ids) < maxMedicationRefs {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || !s.fhirServerAllowed(ctx, req.FHIRServer) {
		return
	}
	q := "Medication?_id=" + url.QueryEscape(strings.Join(ids, ","))
	if reason := fallbackReason(req.FHIRAuthorization, q); reason != "" {
		logger.Warn("referenced Medications not fetched", "reason", reason)
		return
	}
	token := req.accessToken()
	b.ExpectMedications(medicationsByID, ids)
	found, err := s.fhir.Fetch(ctx, req.FHIRServer, token, q)
	if err != nil {
		addPartial(ctx, b, medicationsByID, found) // those on the pages read are so
	} else {
		_, err = addPages(ctx, b, medicationsByID, found, fhir.Page{})
	}
	if err != nil {
		logger.Warn("referenced Medications not fetched", "reason", safeReason(err))
	}
}

// addPages adds fetched pages to b and counts the entries skipped as
// malformed; the first page that is unusable (not FHIR, another patient's
// data, too many resources, or saying its results are incomplete) stops it.
// before is the page the fetched ones follow (a prefetch value; zero for a
// query fetched whole). The pages are one search: when the largest
// Bundle.total any of them states is beyond the entries they hold
// together, it was cut short (a server that stops paging early), and what
// was not sent is no "no data".
func addPages(ctx context.Context, b *fhir.Builder, key string, pages [][]byte, before fhir.Page) (skipped int, err error) {
	total, entries := before.Total, before.Entries
	for _, p := range pages {
		page, err := b.Add(ctx, key, p)
		if err != nil {
			return skipped, err
		}
		skipped += page.Skipped
		if page.Incomplete {
			return skipped, errors.New("the FHIR server says the results are incomplete")
		}
		total, entries = max(total, page.Total), entries+page.Entries
	}
	if total > entries {
		return skipped, fmt.Errorf("%s but the pages hold %d entries", totalText(total), entries)
	}
	return skipped, nil
}

// totalText says a Bundle.total for the logs.
func totalText(total int) string {
	if total == fhir.TotalUnreadable {
		return "Bundle.total is no whole number of 0 or more"
	}
	return fmt.Sprintf("Bundle.total is %d", total)
}

// addPartial adds to b the pages a search gave before it failed, up to
// the first that is unusable (another patient's, not FHIR), and counts the
// entries skipped as malformed. The key is unavailable, and said so: what
// the pages hold is read all the same, as what a prefetch first page holds
// is when its next page fails (an active drug on page 1 is still active).
func addPartial(ctx context.Context, b *fhir.Builder, key string, pages [][]byte) (skipped int, read bool) {
	for _, p := range pages {
		page, err := b.Add(ctx, key, p)
		if err != nil {
			break
		}
		skipped, read = skipped+page.Skipped, true
	}
	return skipped, read
}

// limitError is the answer for a read stopped by a bound of the call: 413
// past fhir.MaxEntries resources or fhir.MaxObjects objects, 503 once the
// call's deadline has passed;
// nil for any other error.
func limitError(ctx context.Context, err error) *Error {
	switch {
	case errors.Is(err, fhir.ErrTooManyEntries):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too-long",
			Message: fmt.Sprintf("the request holds more than %d resources", fhir.MaxEntries)}
	case errors.Is(err, fhir.ErrTooManyObjects):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too-long",
			Message: fmt.Sprintf("the resources of the request hold more than %d JSON objects", fhir.MaxObjects)}
	case ctx.Err() != nil:
		return &Error{Status: http.StatusServiceUnavailable, Code: "timeout",
			Message: "the call's deadline passed before its data was read", Err: ctx.Err()}
	}
	return nil
}

// queryType is the resource type a prefetch template asks for: the type of
// "Patient/{{context.patientId}}" or of "Condition?patient=...".
func queryType(tmpl string) string {
	if i := strings.IndexAny(tmpl, "/?"); i >= 0 {
		return tmpl[:i]
	}
	return tmpl
}

// followNext fetches the remaining pages of a paginated prefetch Bundle.
// The next link must lead under fhirServer's base path (fhir.FetchNext
// normalises and confines it), and fhirServer must be allowed for the
// caller.
func (s *Server) followNext(ctx context.Context, b *fhir.Builder, key string, first fhir.Page, req *Request) (skipped int, err error) {
	if previewing(ctx) {
		return 0, errors.New("prefetch is paginated and a console preview never calls fhirServer")
	}
	if s.fhir == nil || req.FHIRServer == "" {
		return 0, errors.New("prefetch is paginated and no fhirServer is given to fetch the next page")
	}
	if !s.fhirServerAllowed(ctx, req.FHIRServer) {
		return 0, errors.New("prefetch is paginated and fhirServer is not allowed for this client")
	}
	token := req.accessToken()
	pages, err := s.fhir.FetchNext(ctx, req.FHIRServer, token, first.Next)
	if err != nil {
		skipped, _ = addPartial(ctx, b, key, pages)
		return skipped, errors.New(safeReason(err))
	}
	if skipped, err = addPages(ctx, b, key, pages, first); err != nil {
		return skipped, fmt.Errorf("next page unusable: %w", err)
	}
	return skipped, nil
}

// safeReason is an error's text without anything from the request that
// could identify the patient (the client's errors never carry the token).
func safeReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "?"); i >= 0 {
		// Drop query strings, which carry the patient id.
		msg = msg[:i]
	}
	return msg
}

// templateValues are the prefetch token values of a call.
func templateValues(hc *HookContext) map[string]string {
	v := map[string]string{"patientId": hc.PatientID}
	if hc.UserID != "" {
		v["userId"] = hc.UserID
	}
	if hc.EncounterID != "" {
		v["encounterId"] = hc.EncounterID
	}
	return v
}
