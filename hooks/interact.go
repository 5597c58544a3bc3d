package hooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"jakguard/fhir"
	"jakguard/rules"
)

// drafts are the draft orders an order hook evaluates: on order-select the
// selected ones (context.selections), on order-sign every one, whatever
// its status (contract sections 4 and 6.1).
type drafts struct {
	meds     []rules.Medication   // the MedicationRequests, JAK inhibitors or not
	services []rules.ServiceOrder // the ServiceRequests
	// jak counts the upadacitinib and abrocitinib orders among meds, and
	// firstJAK is the drug of the first of them; interacting is true when
	// one of meds or services is a drug that interacts with them
	// (rules.Engine.Interacts).
	jak         int
	firstJAK    rules.Drug
	interacting bool
	// beside are, on order-select, the upadacitinib and abrocitinib drafts
	// of the session that are not selected (and not cancelled, entered in
	// error, stopped, completed or on hold), when a selected order
	// interacts with them; cite are the "<resourceType>/<id>" of the
	// selected interacting orders. The pairing of a JAK draft selected
	// earlier with a drug selected now is said when the drug is selected
	// (besideFindings), not only at order-sign.
	beside []rules.Medication
	cite   map[string]bool
}

// pickDrafts picks and sorts the drafts to evaluate, from the orders alone.
func (s *Server) pickDrafts(hook string, hc *HookContext, o fhir.Orders) drafts {
	selected := map[string]bool{}
	for _, id := range hc.Selections {
		// As checkSelections reads them: " MedicationRequest/1" passed that
		// check but selected nothing here, and the JAK order it named was
		// answered {"cards": []}.
		selected[strings.TrimSpace(id)] = true
	}
	pick := func(id string) bool { return hook != HookOrderSelect || selected[id] }
	var d drafts
	interacting := func(id string) {
		d.interacting = true
		if hook == HookOrderSelect && id != "" {
			if d.cite == nil {
				d.cite = map[string]bool{}
			}
			d.cite[id] = true
		}
	}
	for _, m := range o.Medications {
		if !pick(m.ID) {
			continue
		}
		if drug, _, ok := s.engine.Recognize(m); ok {
			if d.jak == 0 {
				d.firstJAK = drug
			}
			d.jak++
			d.meds = append(d.meds, m)
			continue
		}
		if s.engine.Interacts(m) {
			interacting(m.ID)
			d.meds = append(d.meds, m)
		}
	}
	for _, so := range o.ServiceOrders {
		if pick(so.ID) && s.engine.InteractsService(so) {
			interacting(so.ID)
			d.services = append(d.services, so)
		}
	}
	if hook == HookOrderSelect && d.interacting {
		// A cancelled, entered-in-error, stopped, completed or on-hold
		// JAK draft is the one a new order replaces (rules.SessionTaken).
		for _, m := range o.Medications {
			if !selected[m.ID] && rules.SessionTaken(&m) {
				if _, _, ok := s.engine.Recognize(m); ok {
					d.beside = append(d.beside, m)
				}
			}
		}
	}
	return d
}

// pairingCodes are the findings of a JAK order that pair it with another
// order (section 2b's codes): the only ones besideFindings keeps.
var pairingCodes = map[string]bool{
	rules.CombinationJAK: true, rules.CombinationBiologic: true, rules.CombinationImmunosuppressant: true,
	rules.CYPInteraction: true, rules.PgpSubstrate: true, rules.LiveVaccineOrdered: true, rules.AntiplateletAbrocitinib: true,
}

// besideFindings evaluates the unselected JAK drafts (d.beside) and keeps
// the findings that pair one with an order selected now (d.cite):
// clarithromycin selected beside an upadacitinib draft selected earlier
// answered no cards at order-select (the patient on no course), and the
// interaction was said only at order-sign. The JAK draft's other findings
// (screening, boxed-warning risks) were said when it was selected, and
// are not said again on every later selection (noise).
func (s *Server) besideFindings(rec *rules.Record, sess rules.Session, d drafts, now time.Time, stop func() bool) ([]rules.Finding, error) {
	if len(d.beside) == 0 {
		return nil, nil
	}
	// The orders selected now first (noise10 review): a finding names the
	// first session order of its kind (a CYP card "strong CYP inhibitor
	// (clarithromycin)"), which, with ketoconazole selected after
	// clarithromycin, named the drug selected before and read as the
	// earlier card said again.
	sess.Medications = slices.Clone(sess.Medications)
	slices.SortStableFunc(sess.Medications, func(a, b rules.Medication) int {
		switch {
		case d.cite[a.ID] == d.cite[b.ID]:
			return 0
		case d.cite[a.ID]:
			return -1
		}
		return 1
	})
	fs, err := s.engine.EvaluateOrdersUntil(rec, sess, d.beside, now, stop)
	var out []rules.Finding
	for _, f := range fs {
		if !pairingCodes[f.Code] {
			continue
		}
		for _, ev := range f.Evidence {
			if d.cite[ev.ResourceID] {
				out = append(out, f)
				break
			}
		}
	}
	return out, err
}

// evaluated is the number of orders d evaluates (the JAK drafts beside a
// selected interacting order are evaluated too).
func (d drafts) evaluated() int { return len(d.meds) + len(d.services) + len(d.beside) }

// courseKeys are the prefetch keys the reverse direction reads: the
// medication orders and, where the service asks for it, the outside
// medication list; they are all it needs to find a course and to judge
// the interacting order against it, but for a card judged for a stop
// (an ongoing or recently ended course), for which the conditions are read
// then (readConditions).
var courseKeys = []string{rules.DataMedications, rules.DataMedicationStatements}

// courseService is svc with only the course keys in its prefetch: the
// keys the prefetch reader reads (and fetches) for a call whose drafts only
// interact with a JAK inhibitor. The other keys of the body are validated
// and passed over, and of the medications only those that are upadacitinib
// or abrocitinib are decoded (newPrefetch).
func courseService(svc *Service) *Service {
	sub := *svc
	sub.courseOnly = true
	sub.Prefetch = map[string]string{}
	for _, k := range courseKeys {
		if q, ok := svc.Prefetch[k]; ok {
			sub.Prefetch[k] = q
		}
	}
	return &sub
}

// needsConditions reports whether a reverse finding is judged for a stop
// (rules.JudgedForStop: about an ongoing course, or one that ended but for
// a live vaccine): whether its advice stands depends on the conditions (an
// MI since the start, a serious infection), which a call that read only
// the course keys has not read.
func needsConditions(findings []rules.Finding) bool {
	return slices.ContainsFunc(findings, rules.JudgedForStop)
}

// lazyReserve is the most of the call's deadline kept from the lazy
// Condition read for the rules and the cards (a quarter of what is left
// when less).
const lazyReserve = 500 * time.Millisecond

// readConditions reads the conditions of a call that read only the course
// keys (courseService), from its prefetch value (kept undecoded by the
// prefetch reader pr, or in req) or else from fhirServer, as any key is,
// into res: asked only once a reverse finding judged for a stop was found
// (needsConditions), so an interacting order for a patient on no recent
// course reads no more than before. svc is the
// service called. What could not be had is in res.unavailable (and the
// record's Unavailable), for the finding to say.
func (s *Server) readConditions(ctx context.Context, svc *Service, req *Request, hc *HookContext, pr *prefetchReader, res *resolution, now time.Time, logger *slog.Logger) error {
	key := rules.DataConditions
	if end, ok := ctx.Deadline(); ok {
		// The card was had from the medications: a Condition search that
		// hangs must leave the rules time to give it, the gap said (it
		// took the whole deadline, and the call answered 503; failsafe17).
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, end.Add(-min(time.Until(end)/4, lazyReserve)))
		defer cancel()
	}
	sub := *svc
	sub.Prefetch = map[string]string{}
	if tmpl, ok := svc.Prefetch[key]; ok {
		sub.Prefetch[key] = tmpl
	}
	one := *req
	one.Prefetch = map[string]json.RawMessage{}
	if pr.conditions != nil {
		one.Prefetch[key] = pr.conditions
	} else if raw, ok := req.Prefetch[key]; ok {
		one.Prefetch[key] = raw
	}
	got, err := s.newPrefetch(ctx, &sub, hc, now, logger).resolve(&one)
	if err != nil {
		return err
	}
	res.record.Conditions = got.record.Conditions
	if len(sub.Prefetch) == 0 {
		got.unavailable[key] = "not a prefetch key of this service"
	}
	for k, reason := range got.unavailable {
		res.unavailable[k] = reason
		res.record.Unavailable = append(res.record.Unavailable, k)
	}
	slices.Sort(res.record.Unavailable)
	maps.Copy(res.sources, got.sources)
	maps.Copy(res.skipped, got.skipped)
	maps.Copy(res.partial, got.partial)
	return nil
}

// courseKnown reports whether the medication orders could be had (from
// prefetch or fhirServer), or else whether what could be read (part of a
// search cut short, the outside medication list) still shows a course:
// findings are the interactions found in it. Without either, whether the
// patient has a course is unknown, and a card on every interacting order
// would be noise, so the call answers no cards (as patient-view does) and
// says so in the log. A course found is never answered with no cards.
func courseKnown(res *resolution, findings []rules.Finding, logger *slog.Logger) bool {
	if reason, ok := res.unavailable[rules.DataMedications]; ok && len(findings) == 0 {
		logger.Warn("interacting order: medications unavailable, course unknown; no cards", "reason", reason)
		return false
	}
	return true
}
