package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"time"

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
// fhir.Builder.Add as it splits it, which saves a scan of every value.
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
	insecure    bool // a fetch was refused because fhirServer is not https
	// sources says, for the audit trail, where each key's data came from:
	// "prefetch", "fhir", "prefetch+fhir" (next pages fetched) or
	// "unavailable".
	sources map[string]string
}

// resolvePrefetch builds the patient record from prefetch, fetching from
// fhirServer every key that is absent or holds an OperationOutcome, and the
// next pages of a paginated prefetch Bundle. A key that cannot be had is
// recorded in Record.Unavailable; the caller decides whether that is a 412.
func (s *Server) resolvePrefetch(ctx context.Context, svc *Service, req *Request, hc *HookContext, now time.Time, logger *slog.Logger) *resolution {
	b := fhir.NewBuilder(logger)
	// Only the Observations some rule may read are decoded: records carry
	// hundreds of vital signs and old labs. At order time that also means
	// recent enough for the rule's window; patient-view reads results since
	// the start of therapy, so there only the codes count.
	switch {
	case s.decodeAll:
	case svc.Hook == HookPatientView:
		b.KeepObservations(func(codes []rules.Coding, _ time.Time) bool { return s.engine.ObservationRelevant(codes) })
	default:
		b.KeepObservations(func(codes []rules.Coding, date time.Time) bool {
			return s.engine.OrderObservationRelevant(codes, date, now)
		})
	}
	if !s.decodeAll {
		// Likewise the Conditions and Immunizations whose codes no rule reads.
		b.KeepCoded("Condition", s.engine.ConditionRelevant)
		b.KeepCoded("Immunization", s.engine.ImmunizationRelevant)
	}
	res := &resolution{unavailable: map[string]string{}, sources: map[string]string{}}
	queries := map[string]string{}
	tokens := templateValues(hc)

	keys := make([]string, 0, len(svc.Prefetch))
	for k := range svc.Prefetch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		raw, present := req.Prefetch[key]
		st := classify(raw, present)
		var page fhir.Page
		var err error
		if st == keyValue {
			page, err = addPrefetch(b, req, key, raw)
			if errors.Is(err, fhir.ErrOperationOutcome) {
				st = keyOutcome // the client's query failed: fetch it again, once
			}
		}
		s.metrics.prefetchKey(svc.ID, key, st)
		switch {
		case st == keyNull:
			continue
		case st == keyValue && err != nil:
			logger.Warn("prefetch value unusable; fetching it instead", "key", key, "err", err)
		case st == keyValue && page.Next != "":
			if err := s.followNext(ctx, b, key, page.Next, req); err != nil {
				res.unavailable[key] = err.Error()
			}
			res.sources[key] = "prefetch+fhir"
			continue
		case st == keyValue:
			continue
		}
		// Absent, an OperationOutcome, or unusable: fetch it.
		q, err := fhir.RenderTemplate(svc.Prefetch[key], tokens)
		if err != nil {
			res.unavailable[key] = "template: " + err.Error()
			continue
		}
		queries[key] = q
	}

	if len(queries) > 0 {
		switch {
		case req.FHIRServer == "":
			for key := range queries {
				res.unavailable[key] = "not in prefetch and no fhirServer given"
			}
		case s.fhir == nil:
			for key := range queries {
				res.unavailable[key] = "not in prefetch and FHIR fallback is disabled"
			}
		default:
			token := ""
			if req.FHIRAuthorization != nil {
				token = req.FHIRAuthorization.AccessToken
			}
			start := time.Now()
			results := s.fhir.FetchAll(ctx, req.FHIRServer, token, queries)
			s.metrics.fallbackDuration(time.Since(start))
			for key, r := range results {
				s.metrics.fallback(key, r.Err == nil)
				if r.Err != nil {
					res.insecure = res.insecure || errors.Is(r.Err, fhir.ErrInsecureServer)
					res.unavailable[key] = safeReason(r.Err)
					continue
				}
				for _, p := range r.Pages {
					if _, err := b.Add(key, p); err != nil {
						res.unavailable[key] = "FHIR server answer unusable"
						logger.Warn("fetched page unusable", "key", key, "err", err)
						break
					}
				}
			}
		}
	}

	res.record = b.Record()
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
	return res
}

// followNext fetches the remaining pages of a paginated prefetch Bundle.
func (s *Server) followNext(ctx context.Context, b *fhir.Builder, key, next string, req *Request) error {
	if s.fhir == nil || req.FHIRServer == "" {
		return errors.New("prefetch is paginated and no fhirServer is given to fetch the next page")
	}
	token := ""
	if req.FHIRAuthorization != nil {
		token = req.FHIRAuthorization.AccessToken
	}
	// The next link must point into fhirServer; it is fetched as a query
	// relative to it, so the client's origin checks apply.
	query, ok := strings.CutPrefix(next, strings.TrimRight(req.FHIRServer, "/")+"/")
	if !ok {
		return errors.New("prefetch next link is not on fhirServer")
	}
	pages, err := s.fhir.Fetch(ctx, req.FHIRServer, token, query)
	if err != nil {
		return errors.New(safeReason(err))
	}
	for _, p := range pages {
		if _, err := b.Add(key, p); err != nil {
			return errors.New("next page unusable")
		}
	}
	return nil
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

// addPrefetch adds one prefetch value to b, from the split decodeRequest
// made of it when there is one for these very bytes (a Request built
// otherwise, or changed since, is split again).
func addPrefetch(b *fhir.Builder, req *Request, key string, raw json.RawMessage) (fhir.Page, error) {
	if sp := req.splits[key]; sp != nil && len(sp.Raw) == len(raw) && (len(raw) == 0 || &sp.Raw[0] == &raw[0]) {
		return b.AddSplit(key, sp)
	}
	return b.Add(key, raw)
}
