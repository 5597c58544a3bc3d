package rules

// sessionIndex is the ordering session sorted once per call (issue 16: the
// rules used to match every order's text against every other order, once
// per order and rule, which grew with the square of the draft orders).
// Each session order's trigger drug and value-set memberships are worked
// out once; a rule asks for the other orders of a set, without the order
// being evaluated, in time that does not grow with the session.
type sessionIndex struct {
	meds []sessionMed
	// groups lists, per value set (and per trigger drug, under its value
	// set id), the live orders in it grouped by identity, in session order.
	groups  map[string][]sessionGroup
	count   map[string]int            // orders per set
	groupOf map[string]map[string]int // set -> key -> index in groups[set]
	svc     []Coding
	svcOrds []ServiceOrder
	ids     []string // ids of every session order (not members of a record course)
	drugOf  map[*Medication]Drug
	// aboveLabel: a drug whose dose-above-label was reported on an order
	// of this call; the session total of several orders is said once.
	aboveLabel map[Drug]bool
	// doses: per trigger drug, the daily doses of its live session orders
	// that are known, summed once per call (sessionDailyMg).
	doses map[Drug]*sessionDoses
}

// sessionDoses sums the known daily doses of one drug's session orders,
// in all and per order identity.
type sessionDoses struct {
	total float64
	n     int
	byKey map[string]float64
	nKey  map[string]int
	// dated are the counted orders with a validity period (hasPeriod), at
	// most maxDatedSession: those that may be taken before or after
	// another (sessionApart).
	dated []datedDose
	// onRecord: ids of the drug's current orders on record; the same
	// order sent with the session is not added (docs/rules.md section 1).
	onRecord map[string]bool
}

// datedDose is one counted session order with a validity period.
type datedDose struct {
	m   *Medication
	key string
	mg  float64
}

// maxDatedSession bounds the dated orders one drug's session total looks
// at for orders taken one after the other (past it, they add up: fail
// safe).
const maxDatedSession = 64

// SessionTaken reports whether a session order of a JAK inhibitor is
// one to be taken, whose dose adds to the session's other orders of the
// drug: not when cancelled or entered in error, nor when it is stopped,
// completed or on hold (noise8 review: the order a new one replaces,
// which an EHR sends with the session, contract 4: "whatever its
// status"). A draft, an active order and any other status count.
func SessionTaken(m *Medication) bool {
	switch m.Status {
	case "cancelled", "entered-in-error", "stopped", "completed", "on-hold":
		return false
	}
	return true
}

// hasPeriod reports whether an order states when it begins or ends
// (dispenseRequest.validityPeriod).
func hasPeriod(m *Medication) bool { return !m.ValidityStart.IsZero() || !m.End.IsZero() }

// sessionApart reports whether two session orders are taken one after the
// other rather than together (noise8 review: a taper, 30 mg for 4 weeks
// then 15 mg, is two orders whose doses do not add up): one's validity
// period ends on or before the day the other's begins. Orders without
// such dates are taken together (fail safe).
func sessionApart(a, b *Medication) bool {
	before := func(x, y *Medication) bool {
		return !x.End.IsZero() && !y.ValidityStart.IsZero() && dayOf(y.ValidityStart) >= dayOf(x.End)
	}
	return before(a, b) || before(b, a)
}

type sessionMed struct {
	m    *Medication
	key  string // identity (orderKey)
	drug Drug   // trigger drug, "" when none
}

// sessionGroup is the orders of one identity in one set.
type sessionGroup struct {
	key  string
	meds []*Medication
}

// orderKey identifies an order: by its id, text and codes (two orders with
// the same text and codes, and the same id or none, are one order). Two
// drafts that share an id but name different drugs (an EHR's temporary
// ids colliding) are two orders: keyed by the id alone, an abrocitinib
// draft beside an upadacitinib draft of the same id was the upadacitinib
// order itself, and combination-jak was not said (workflow review).
//
// Each part is written after its length (appendField, as in the value-set
// memo's key: isolation review): joined with a separator, a text holding
// it made two orders one (text "x\x00<system>|<code>" uncoded, and text
// "x" coded <system>|<code>).
func orderKey(m *Medication) string {
	b := appendField(appendField(nil, m.ID), m.Text)
	for _, c := range m.Codes {
		b = appendField(appendField(b, c.System), c.Code)
	}
	return string(b)
}

// newSessionIndex sorts the session. Cancelled and entered-in-error orders
// are left out of the sets; every order's id is kept in ids.
func newSessionIndex(k *Knowledge, sess Session) *sessionIndex {
	si := &sessionIndex{groups: map[string][]sessionGroup{}, count: map[string]int{},
		groupOf: map[string]map[string]int{}, svc: sess.Services, svcOrds: sess.ServiceOrders, drugOf: map[*Medication]Drug{}}
	add := func(set string, sm *sessionMed) {
		si.count[set]++
		gi := si.groupOf[set]
		if gi == nil {
			gi = map[string]int{}
			si.groupOf[set] = gi
		}
		i, ok := gi[sm.key]
		if !ok {
			i = len(si.groups[set])
			gi[sm.key] = i
			si.groups[set] = append(si.groups[set], sessionGroup{key: sm.key})
		}
		si.groups[set][i].meds = append(si.groups[set][i].meds, sm.m)
	}
	var key []byte
	for i := range sess.Medications {
		m := &sess.Medications[i]
		k.nameByCode(m)
		if m.ID != "" {
			si.ids = append(si.ids, m.ID)
		}
		sm := sessionMed{m: m, key: orderKey(m)}
		if d, _, ok := recognize(k, *m); ok {
			sm.drug = d
			si.drugOf[m] = d
		}
		si.meds = append(si.meds, sm)
		if m.Status == "cancelled" || m.Status == "entered-in-error" {
			continue
		}
		var sets []string
		sets, key = k.medicationSets(m, key)
		for _, set := range sets {
			add(set, &sm)
		}
		if sm.drug != "" {
			p, _ := Profile(sm.drug)
			add(p.ValueSet, &sm)
		}
	}
	return si
}

// markAboveLabel records that dose-above-label was reported for drug in
// this call (si may be nil: patient-view).
func (si *sessionIndex) markAboveLabel(d Drug) {
	if si == nil {
		return
	}
	if si.aboveLabel == nil {
		si.aboveLabel = map[Drug]bool{}
	}
	si.aboveLabel[d] = true
}

// others returns up to limit live session orders of the set other than the
// order with key self, and how many there are in all.
func (si *sessionIndex) others(set, self string, limit int) (ms []*Medication, total int) {
	if si == nil {
		return nil, 0
	}
	total = si.count[set]
	if i, ok := si.groupOf[set][self]; ok {
		total -= len(si.groups[set][i].meds)
	}
	for _, g := range si.groups[set] {
		if len(ms) == limit {
			break
		}
		if g.key == self {
			continue
		}
		for _, m := range g.meds {
			if len(ms) == limit {
				break
			}
			ms = append(ms, m)
		}
	}
	return ms, total
}
