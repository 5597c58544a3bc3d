package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/labstack/echo/v4"

	"jakguard/cards"
	"jakguard/fhir"
	"jakguard/internal/auth"
	"jakguard/internal/store"
	"jakguard/rules"
)

// Response is a CDS Hooks service response. Cards is never nil, so an
// answer without guidance is {"cards":[]}; systemActions are never sent.
type Response struct {
	Cards []cards.Card `json:"cards"`
}

// handleService answers one hook call and hands its records (cards and
// the audit record, contract 6.7) to the recorder, whatever the outcome:
// 200, 4xx, 412, 5xx and a panic alike. Recording never waits (the
// recorder queues or drops and counts).
func (s *Server) handleService(c echo.Context) (err error) {
	start := time.Now()
	call := &callRecord{at: s.now(), service: c.Param("id")}
	defer func() {
		if p := recover(); p != nil {
			s.record(c, call, http.StatusInternalServerError, time.Since(start))
			panic(p) // to the recover middleware, which logs it
		}
		s.record(c, call, statusOf(c, err), time.Since(start))
	}()
	return s.serveHook(c, call)
}

func (s *Server) serveHook(c echo.Context, call *callRecord) error {
	svc, ok := s.services[c.Param("id")]
	if !ok {
		return &Error{Status: http.StatusNotFound, Code: "not-found", Message: "unknown CDS service " + fmt.Sprintf("%q", cut(c.Param("id")))}
	}
	buf, err := readPooledBody(c, s.cfg.BodyLimit)
	if err != nil {
		return err
	}
	defer putBody(buf)
	body := buf.Bytes()
	release, err := s.reserve(c, body)
	if err != nil {
		return err
	}
	defer release()
	// Yield once before the evaluation: the call rejoins the scheduler's
	// global run queue, first come first served, behind the calls already
	// waiting for a core. Without it, when the cores are saturated, the
	// goroutines a call wakes run ahead of calls that have waited longer,
	// and a few calls wait through many others: p99 of the first
	// prescription, SQLite, 16 connections, 20-25 -> 16-18 ms, with ES384
	// tokens 49-52 -> 29-30 ms, and more calls answered (docs/performance.md).
	// Without contention it returns at once.
	runtime.Gosched()
	ctx := c.Request().Context() // holds the deadline, started before authentication
	out, hookInstance, err := s.evaluate(ctx, svc, body, call)
	if hookInstance != "" {
		// Logged with every request: as long as the body allowed, it made
		// an 8 MiB log line (a UUID is 36 characters).
		c.Set(ctxHookInstance, store.ClipAuditText(hookInstance))
	}
	call.hookInstance = hookInstance
	if err != nil {
		return err
	}
	call.cards = out.Cards
	c.Set(ctxCards, len(out.Cards))
	// The answer is written into a pooled buffer (a first prescription's is
	// 30 KB) and sent with its length, not chunked.
	ans := bodyPool.Get().(*bytes.Buffer)
	defer putBody(ans)
	ans.Reset()
	if err := jsonv2.MarshalWrite(ans, out, encodeOptions); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(ans.Len()))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, ans.Bytes())
}

// Evaluate answers one hook call body for the service id, in process: the
// `jakguard eval` command and the benchmarks use it. It returns the
// response JSON or an *Error.
func (s *Server) Evaluate(ctx context.Context, serviceID string, body []byte) ([]byte, error) {
	svc, ok := s.services[serviceID]
	if !ok {
		return nil, &Error{Status: http.StatusNotFound, Code: "not-found", Message: "unknown CDS service"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Deadline)
	defer cancel()
	out, _, err := s.evaluate(ctx, svc, body, nil)
	if err != nil {
		return nil, err
	}
	return encodeResponse(out)
}

// evaluate is the whole hook path: decode and validate, pick the orders,
// resolve prefetch (with fallback), run the rules, build and check the cards.
//
// The body is read once: when decodeRequest has read the context, the
// draft orders are decoded, and when one of them is for a JAK inhibitor
// (or the hook is patient-view) the prefetch values that follow are read
// straight into the patient record as they are reached. When the drafts
// are only drugs that interact with a JAK inhibitor (issue 15), only the
// medication keys are read: they tell whether the patient is on a course;
// the conditions only once a course, ongoing or recently ended, is found
// that the drafts interact with (readConditions).
//
// It fills call (when not nil) with what the audit trail keeps: the
// patient id and the sources of the data. It records nothing.
func (s *Server) evaluate(ctx context.Context, svc *Service, body []byte, call *callRecord) (*Response, string, error) {
	if call == nil {
		call = &callRecord{}
	}
	now := s.now()
	if s.fhir != nil {
		// One memory budget for every FHIR page of this call (--fhir-memory).
		ctx = s.fhir.WithBudget(ctx)
	}
	orderHook := svc.Hook == HookOrderSelect || svc.Hook == HookOrderSign
	var (
		pr         *prefetchReader
		ordersRead bool
		orders     fhir.Orders
		ordersErr  error
		d          drafts
		readSvc    = svc // the service whose prefetch keys are read
	)
	readOrders := func(req *Request, hc *HookContext) {
		if ordersRead {
			return
		}
		ordersRead = true
		logger := s.logger.With("service", svc.ID, "hookInstance", store.ClipAuditText(req.HookInstance))
		if orders, ordersErr = fhir.DecodeOrders(ctx, hc.DraftOrders, hc.PatientID, logger); ordersErr == nil {
			d = s.pickDrafts(svc.Hook, hc, orders)
			if d.jak == 0 && d.interacting && len(d.beside) == 0 {
				readSvc = courseService(svc)
			}
		}
	}
	stream := func(req *Request, hc *HookContext) prefetchFunc {
		if orderHook {
			if len(hc.DraftOrders) == 0 || isNull(hc.DraftOrders) {
				return nil
			}
			if readOrders(req, hc); ordersErr != nil || d.jak == 0 && !d.interacting || d.evaluated() > maxEvaluatedOrders {
				return nil // prefetch will not be read: only validated
			}
		}
		pr = s.newPrefetch(ctx, readSvc, hc, now, s.logger.With("service", svc.ID, "hookInstance", store.ClipAuditText(req.HookInstance)))
		return pr.value
	}
	req, hc, err := decodeRequest(body, svc.Hook, stream)
	if err != nil {
		return nil, "", err
	}
	call.patientID = hc.PatientID
	logger := s.logger.With("service", svc.ID, "hookInstance", store.ClipAuditText(req.HookInstance))
	if orderHook {
		readOrders(req, hc)
	}
	if pr == nil {
		pr = s.newPrefetch(ctx, readSvc, hc, now, logger)
	}
	var findings []rules.Finding
	opts := cards.Options{PatientID: hc.PatientID, NewUUID: s.newUUID}
	// unsaid are the unavailable keys no finding card names, skipped the
	// entries left out as malformed by key; jakDrug the drug of the first
	// JAK order (on patient-view, of the ongoing course), for the card that
	// names them (cards.Unchecked).
	var (
		unsaid  []string
		skipped map[string]int
		jakDrug rules.Drug
	)

	switch svc.Hook {
	case HookOrderSelect, HookOrderSign:
		if readOrders(req, hc); ordersErr != nil {
			return nil, req.HookInstance, ordersError(ctx, ordersErr)
		}
		if svc.Hook == HookOrderSelect {
			if err := checkSelections(hc.Selections, orders); err != nil {
				return nil, req.HookInstance, err
			}
		}
		// Decided from the orders alone, before any prefetch is read: an
		// order that is neither a JAK inhibitor nor a drug that interacts
		// with one answers no cards at once (issue 15: every order the EHR
		// sends comes this way).
		if d.jak == 0 && !d.interacting {
			return &Response{Cards: []cards.Card{}}, req.HookInstance, nil
		}
		if d.evaluated() > maxEvaluatedOrders {
			return nil, req.HookInstance, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too-long",
				Message: fmt.Sprintf("the call has more than %d upadacitinib, abrocitinib or interacting orders to evaluate", maxEvaluatedOrders)}
		}
		res, err := pr.resolve(req)
		if err != nil {
			return nil, req.HookInstance, err
		}
		call.sources = res.sources
		opts.Unreadable, opts.UnreadableDrug = s.unreadableCourse(res.record)
		opts.Partial = res.partial
		sess := rules.Session{Medications: orders.Medications, Services: orders.Services, ServiceOrders: orders.ServiceOrders}
		stop := func() bool { return ctx.Err() != nil }
		if d.jak == 0 {
			// Only drugs that interact with a JAK inhibitor: the medication
			// list alone tells whether the patient has a course to check.
			findings, err = s.engine.EvaluateInteractions(res.record, sess, append(d.meds, d.beside...), d.services, now, stop)
			conditions := err == nil && readSvc.courseOnly && needsConditions(findings)
			if conditions {
				// A pairing with a course: the conditions tell whether the
				// label stops the drug (ixcond, revstop, endedstop reviews).
				if err := s.readConditions(ctx, svc, req, hc, pr, res, now, logger); err != nil {
					return nil, req.HookInstance, err
				}
				findings, err = s.engine.EvaluateInteractions(res.record, sess, append(d.meds, d.beside...), d.services, now, stop)
			}
			if err == nil {
				var more []rules.Finding
				more, err = s.besideFindings(res.record, sess, d, now, stop)
				findings = append(findings, more...)
			}
			if err == nil && !courseKnown(res, findings, logger) {
				return &Response{Cards: []cards.Card{}}, req.HookInstance, nil
			}
			if _, ok := res.unavailable[rules.DataMedications]; ok {
				// The course was found in what could be read (a search cut
				// short, the outside list): judged, and the gap said.
				unsaid, jakDrug = []string{rules.DataMedications}, findings[0].Drug
			}
			// A medication entry left out as malformed may be the course
			// itself: say so rather than answer as if there were none.
			skipped = map[string]int{}
			for _, key := range courseKeys {
				skipped[key] = res.skipped[key]
			}
			if conditions {
				skipped[rules.DataConditions] = res.skipped[rules.DataConditions]
			}
		} else {
			if err := s.requireData(svc, req, res); err != nil {
				return nil, req.HookInstance, err
			}
			// The deadline stops CPU-bound work too (issue 16): the rules ask
			// between orders.
			findings, err = s.engine.EvaluateOrdersUntil(res.record, sess, d.meds, now, stop)
			if err == nil {
				var more []rules.Finding
				more, err = s.besideFindings(res.record, sess, d, now, stop)
				findings = append(findings, more...)
			}
			if err == nil && d.interacting {
				var more []rules.Finding
				more, err = s.engine.EvaluateInteractions(res.record, sess, append(d.meds, d.beside...), d.services, now, stop)
				findings = append(findings, more...)
			}
			unsaid, skipped = unsaidUnavailable(res, findings), res.skipped
			jakDrug = d.firstJAK
		}
		if err != nil {
			logger.Warn("order evaluation stopped at the deadline", "orders", len(d.meds)+len(d.services))
			return nil, req.HookInstance, &Error{Status: http.StatusServiceUnavailable, Code: "transient",
				Message: "the evaluation did not finish within the deadline"}
		}
		opts.Orders, opts.Ambiguous = orders.Raw, duplicateIDs(orders)
	case HookPatientView:
		res, err := pr.resolve(req)
		if err != nil {
			return nil, req.HookInstance, err
		}
		call.sources = res.sources
		// The courses, computed at most once for the checks below (the
		// evaluation computes its own in its index).
		courses := sync.OnceValue(func() []rules.Course { return s.engine.Courses(res.record, now) })
		if reason, ok := res.unavailable[rules.DataMedications]; ok && !onCourse(courses) {
			// Without the medication list it cannot tell whether the patient
			// takes a JAK inhibitor; a card on every chart open would be noise.
			// A course in what could be read (a search cut short) is checked,
			// and the gap said (unsaidOnCourse).
			logger.Warn("patient-view: medications unavailable; no cards", "reason", reason)
			return &Response{Cards: []cards.Card{}}, req.HookInstance, nil
		}
		if findings, err = s.engine.EvaluatePatientViewUntil(res.record, now, func() bool { return ctx.Err() != nil }); err != nil {
			logger.Warn("patient-view evaluation stopped at the deadline")
			return nil, req.HookInstance, &Error{Status: http.StatusServiceUnavailable, Code: "transient",
				Message: "the evaluation did not finish within the deadline"}
		}
		opts.PatientView, opts.Partial = true, res.partial
		opts.Unreadable, opts.UnreadableDrug = s.unreadableCourse(res.record)
		unsaid, skipped, jakDrug, opts.NoCourse = unsaidOnCourse(res, findings, courses, opts.UnreadableDrug)
		if opts.Undated = undatedCourses(res.record, now, courses); jakDrug == "" && len(opts.Undated) == 1 {
			jakDrug = opts.Undated[0].Drug // both drugs: "JAK-inhibitor courses"
		}
		var dated []rules.Drug
		if opts.UnreadEvents, dated = unreadEvents(s.engine, res.record, now, courses); jakDrug == "" && len(opts.Undated) == 0 && len(dated) == 1 {
			jakDrug = dated[0]
		}
	}

	out := &Response{Cards: cards.FromFindings(findings, opts)}
	if len(unsaid) > 0 || anySkipped(skipped) || len(opts.Undated) > 0 || len(opts.UnreadEvents) > 0 {
		out.Cards = append(out.Cards, cards.Unchecked(jakDrug, unsaid, skipped, opts))
	}
	if out.Cards == nil {
		out.Cards = []cards.Card{}
	}
	for i := range out.Cards {
		if err := cards.Validate(out.Cards[i]); err != nil {
			// A bug, not bad input: still send the card (a dropped warning is
			// worse than an imperfect one), and make it loud.
			logger.Error("card fails the card invariants", "err", err, "findings", out.Cards[i].Findings())
		}
	}
	if !previewing(ctx) {
		s.metrics.cards(svc.ID, out.Cards)
	}
	return out, req.HookInstance, nil
}

// maxEvaluatedOrders bounds the orders one call evaluates (upadacitinib,
// abrocitinib and the orders that interact with them): each makes a card
// of some 17 KB, and 8,000 upadacitinib orders in a body of 1.4 MiB took
// 6.3 s, 560 MiB and answered 138 MiB (contract 6.6). No ordering session
// has a tenth of it; the other draft orders are not counted.
const maxEvaluatedOrders = 100

// requireData answers 412 when a key the service cannot judge without is
// unavailable, naming it in the OperationOutcome.
func (s *Server) requireData(svc *Service, req *Request, res *resolution) error {
	var missing []string
	for _, key := range svc.required {
		if reason, ok := res.unavailable[key]; ok {
			missing = append(missing, key+" ("+reason+")")
		} else if key == rules.DataPatient && res.record.Patient == nil {
			// Sent as null, or answered without a Patient resource: age and
			// sex drive several rules and are not guessed.
			missing = append(missing, key+" (no Patient resource)")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	msg := "data the rules need is neither in prefetch nor obtainable from fhirServer: " + strings.Join(missing, "; ")
	if res.insecure {
		msg += "; fhirServer is not https (start jakguard with --allow-http-fhir to allow http in development)"
	}
	return &Error{Status: http.StatusPreconditionFailed, Code: "processing", Message: msg}
}

// callRecord is what handleService learns about a call for its records.
type callRecord struct {
	at           time.Time // when the call arrived (the server's clock)
	service      string    // the service id called (as sent: may be unknown)
	hookInstance string
	patientID    string            // context.patientId; only its keyed hash is kept
	sources      map[string]string // prefetch key → where its data came from
	cards        []cards.Card      // the cards answered (200 only)
}

// record hands the call's records to the recorder: for each card, what
// attributes later feedback (card and suggestion uuids, the findings of
// each, service, caller); for the call, its audit record. The patient id
// is kept only as its keyed hash.
func (s *Server) record(c echo.Context, call *callRecord, status int, latency time.Duration) {
	if s.recorder == nil {
		return
	}
	caller, _ := auth.CallerFrom(c.Request().Context())
	service := store.ClipAuditText(call.service)
	recs := make([]store.CardRecord, 0, len(call.cards))
	audit := &store.AuditRecord{
		Time: call.at, Service: service, HookInstance: store.ClipAuditText(call.hookInstance),
		Client:      store.Client{Issuer: caller.Issuer, Tenant: caller.Tenant},
		PatientHash: s.auditKey.PatientHash(call.patientID),
		Findings:    []string{}, Summaries: make([]string, 0, len(call.cards)),
		KBRevision: s.kbRevision, ConfigHash: s.configHash, Sources: call.sources,
		Status: status, LatencyMs: float64(latency.Microseconds()) / 1000,
	}
	for _, cd := range call.cards {
		sugg := make([]store.SuggestionRecord, len(cd.Suggestions))
		for i, sg := range cd.Suggestions {
			sugg[i] = store.SuggestionRecord{UUID: sg.UUID, Findings: sg.Findings}
		}
		recs = append(recs, store.CardRecord{
			UUID: cd.UUID, Service: service, Findings: cd.Findings(), Suggestions: sugg,
			Issuer: caller.Issuer, Tenant: caller.Tenant, Shown: call.at,
		})
		for _, code := range cd.Findings() {
			if !slices.Contains(audit.Findings, code) {
				audit.Findings = append(audit.Findings, code)
			}
		}
		audit.Summaries = append(audit.Summaries, cd.Summary)
	}
	s.recorder.Record(recs, audit)
}

// readBody reads the request body within the body limit (see readInto).
func readBody(c echo.Context, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if err := readInto(&buf, c, limit); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readInto reads the request body within the body limit into buf. The
// buffer grows with the bytes that arrive, never ahead of them from
// Content-Length: 300 connections declaring 8 MiB and sending nothing must
// not hold 2.4 GB (contract 6.6).
func readInto(buf *bytes.Buffer, c echo.Context, limit int64) error {
	r := c.Request()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return badRequest("could not read the request body")
	}
	return nil
}

// bodyPool recycles the buffers hook call bodies are read into: a body is
// commonly a few hundred kilobytes, and reading one into a new buffer,
// which grows by doubling as the bytes arrive, makes about 2.5 times its
// size in garbage (530 KB of the 650 KB a typical call allocates through
// the HTTP path). Only handleService uses it, for the body and for the
// answer it writes (serveHook). What a call keeps of its
// body lives no longer than the call: the context and draft orders are
// decoded into copies, prefetch values and the record's strings too, so
// the buffer goes back once the answer is written.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer kept for reuse; larger bodies are
// left to the garbage collector, so the pool does not pin memory.
const maxPooledBody = 4 << 20

// readPooledBody is readBody into a buffer from bodyPool; give it back
// with putBody once nothing refers to the body.
func readPooledBody(c echo.Context, limit int64) (*bytes.Buffer, error) {
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if err := readInto(buf, c, limit); err != nil {
		putBody(buf)
		return nil, err
	}
	return buf, nil
}

func putBody(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBody {
		return
	}
	buf.Reset()
	bodyPool.Put(buf)
}

// unsaidUnavailable lists, sorted, the keys of res that could not be had
// and that no finding names among what it could not check: without a card
// saying so, an answer without them would read as "checked, all clear"
// (contract 6.6). Required keys never get here (412), and neither does the
// optional outside medication list (contract 6.1: said on the cards there
// are, requests made before the key existed answer as they did).
func unsaidUnavailable(res *resolution, findings []rules.Finding) []string {
	said := map[string]bool{}
	for _, f := range findings {
		for _, k := range f.Unchecked {
			said[k] = true
		}
	}
	var out []string
	for k := range res.unavailable {
		if !said[k] && k != rules.DataMedicationStatements {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// patientViewKeys are the prefetch keys the patient-view course checks read.
var patientViewKeys = rules.PatientViewData()

// unsaidOnCourse is unsaidUnavailable for patient-view: the keys the
// course checks read (rules.PatientViewData) that could not be had, or had
// entries left out as malformed, and that no card says, with the drug of
// the patient's ongoing course ("" when on both). Only for a patient on a
// course: for every other patient nothing would have been checked anyway,
// and a card on every chart opening would be noise (nothing is said),
// unless unreadable, the drug of a JAK-inhibitor medication whose status
// could not be read ("" when none), may be a course: then noCourse says
// that no course could be read, so none of its checks ran.
func unsaidOnCourse(res *resolution, findings []rules.Finding, courses func() []rules.Course, unreadable rules.Drug) (unsaid []string, skipped map[string]int, drug rules.Drug, noCourse bool) {
	if len(res.unavailable) > 0 {
		for _, k := range unsaidUnavailable(res, findings) {
			if slices.Contains(patientViewKeys, k) {
				unsaid = append(unsaid, k)
			}
		}
	}
	for _, k := range patientViewKeys {
		if res.skipped[k] > 0 {
			if skipped == nil {
				skipped = map[string]int{}
			}
			skipped[k] = res.skipped[k]
		}
	}
	if len(unsaid) == 0 && skipped == nil {
		return nil, nil, "", false // the common case: the courses are not needed
	}
	on := 0
	for _, c := range courses() {
		if c.Ongoing {
			on++
			drug = c.Drug
		}
	}
	switch on {
	case 0:
		if unreadable != "" {
			// A course whose status could not be read (left out, so in
			// skipped): not seen as ongoing, but its checks did not run.
			return unsaid, skipped, unreadable, true
		}
		return nil, nil, "", false
	case 1:
		return unsaid, skipped, drug, false
	}
	return unsaid, skipped, "", false
}

// unreadableCourse is rules.Engine.UnreadableCourse for cards.Options:
// the medication (nil when none) and its drug.
func (s *Server) unreadableCourse(rec *rules.Record) (*rules.Medication, rules.Drug) {
	if m, d, ok := s.engine.UnreadableCourse(rec); ok {
		return &m, d
	}
	return nil, ""
}

// undatedCourses are the ongoing courses, being taken, whose start date
// could not be read (From ""): their monitoring and the events since their
// start cannot be judged, and an answer of no cards would read as
// "checked" (failsafe6 review); and those with dated members and a current
// one with no start date (From the dated start, failsafe7): the course may
// have begun before it, and an MI between the two was history, said by no
// card. Each drug's course is said (only the first was).
func undatedCourses(rec *rules.Record, now time.Time, courses func() []rules.Course) []cards.Undated {
	// Cheap first: a course with no start has a medication with no start
	// date, or one dated after now (a current one is read as undated: tz
	// review); only then are the courses needed.
	startOf := func(m *rules.Medication) time.Time { t, _ := rules.MemberStart(m); return t }
	if !slices.ContainsFunc(rec.Medications, func(m rules.Medication) bool {
		t := startOf(&m)
		return t.IsZero() || t.After(now)
	}) {
		return nil
	}
	var out []cards.Undated
	for _, c := range courses() {
		switch {
		case !c.Ongoing || !c.Started:
		case c.Start.IsZero():
			u := cards.Undated{Drug: c.Drug}
			for _, m := range c.Members {
				// A start written after today (failsafe10): said as it is
				// written, not as no start date.
				if t := startOf(m); t.After(now) && u.Ahead == "" {
					u.Ahead = t.Format("2006-01-02")
				}
			}
			out = append(out, u)
		case slices.ContainsFunc(c.Members, func(m *rules.Medication) bool {
			return startOf(m).IsZero() && m.Status != "intended" && m.Intent != "plan" // a plan was not taken
		}):
			out = append(out, cards.Undated{Drug: c.Drug, From: c.Start.Format("2006-01-02")})
		}
	}
	return out
}

// unreadEvents are the boxed-warning events whose onset could not be read
// (rules.Engine.UnreadEventDates) when the patient is on a course with a
// start (its drugs): the since-the-start rules passed over them (precision
// review; failsafe7 item 5). None otherwise: with no start the
// undated-course line already says these checks did not run.
func unreadEvents(e *rules.Engine, rec *rules.Record, now time.Time, courses func() []rules.Course) ([]string, []rules.Drug) {
	if !slices.ContainsFunc(rec.Conditions, func(x rules.Condition) bool { return x.OnsetUnread }) {
		return nil, nil
	}
	var drugs []rules.Drug
	for _, c := range courses() {
		if c.Ongoing && c.Started && !c.Start.IsZero() {
			drugs = append(drugs, c.Drug)
		}
	}
	if len(drugs) == 0 {
		return nil, nil
	}
	ids := e.UnreadEventDates(rec, now)
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, drugs
}

// onCourse reports whether one of the courses is ongoing.
func onCourse(courses func() []rules.Course) bool {
	return slices.ContainsFunc(courses(), func(c rules.Course) bool { return c.Ongoing })
}

func anySkipped(skipped map[string]int) bool {
	for _, n := range skipped {
		if n > 0 {
			return true
		}
	}
	return false
}

// checkSelections fails with a 400 naming the first of selections that is
// no order of draftOrders ("MedicationRequest/<id>", as CDS Hooks has it):
// the order selected would not be evaluated, and an answer of no cards
// would read as "safe" (issue 16 review).
func checkSelections(selections []string, o fhir.Orders) error {
	for i, sel := range selections {
		if !o.IDs[strings.TrimSpace(sel)] {
			where := fmt.Sprintf("context.selections[%d]", i)
			e := badRequest(where + ": names no order of context.draftOrders (expected \"<resourceType>/<id>\" of one of its entries)")
			e.Expression = where
			return e
		}
	}
	return nil
}

// ordersError is the answer for context.draftOrders that cannot be read:
// a 400 naming the member (contract 6.6), or the bound that stopped it.
func ordersError(ctx context.Context, err error) error {
	if e := limitError(ctx, err); e != nil {
		return e
	}
	where, reason := "context.draftOrders", err.Error()
	var de *fhir.DecodeError
	if errors.As(err, &de) {
		reason = de.Reason
		if de.Path != "" {
			where += "." + de.Path
		}
	}
	e := badRequest(where + ": " + reason)
	e.Expression = where
	return e
}

// encodeResponse writes a hook answer as JSON.
func encodeResponse(r *Response) ([]byte, error) {
	return encodeJSON(r)
}

// encodeJSON writes every JSON answer of the service (hook answers,
// discovery, feedback analytics, OperationOutcomes) with
// github.com/go-json-experiment/json: no HTML escaping (card Markdown
// carries "<" and "&"), map keys sorted, and text that is not valid UTF-8
// (there should be none) written as U+FFFD rather than failing the answer.
func encodeJSON(v any) ([]byte, error) {
	return jsonv2.Marshal(v, encodeOptions)
}

var encodeOptions = jsonv2.JoinOptions(jsonv2.Deterministic(true), jsontext.AllowInvalidUTF8(true))

// duplicateIDs lists the "<resourceType>/<id>" of draft orders that share
// their id with another draft of the call. An update or delete names a
// draft by its id alone, so none is offered for them (cards.Options), and
// their JSON (the last one read under that id) is not used for an update.
func duplicateIDs(orders fhir.Orders) map[string]bool {
	seen := map[string]bool{}
	var dup map[string]bool
	note := func(id string) {
		if id == "" {
			return
		}
		if seen[id] {
			if dup == nil {
				dup = map[string]bool{}
			}
			dup[id] = true
		}
		seen[id] = true
	}
	for _, m := range orders.Medications {
		note(m.ID)
	}
	for _, o := range orders.ServiceOrders {
		note(o.ID)
	}
	return dup
}
