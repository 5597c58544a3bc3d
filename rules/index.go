package rules

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The value sets the index sorts the record into, per kind of resource.
var (
	indexedObservationSets = []string{
		VSTBTest, VSHBsAg, VSHBcAb, VSHBVDNA, VSHCVAb, VSHCVRNA,
		VSCBCPanel, VSLymphocytes, VSNeutrophils, VSHemoglobin, VSPlatelets,
		VSALT, VSAST, VSLipids, VSLipidPanelOrLDL, VSPregnancyTest, VSEGFR, VSSmokingStatus,
		VSChildPugh, VSCYP2C19Genotype, VSBodyWeight, VSPregnancyStatus,
	}
	// textObservationSets are the Observation sets that may also recognise
	// an Observation by its name (code.text or a coding's display): no
	// verified code exists for some of them (knowledge base 3: no
	// Child-Pugh code), and genetic results are often named only.
	textObservationSets  = []string{VSChildPugh, VSCYP2C19Genotype, VSBodyWeight}
	indexedConditionSets = []string{
		VSActiveTB, VSLatentTB, VSChronicHBV, VSHCV, VSSevereHepatic, VSPregnancyCondition,
		VSBreastfeeding, VSVTE, VSThrombophilia, VSMalignancy, VSHypertension, VSDiabetes,
		VSHyperlipidemia, VSCoronaryDisease, VSMyocardialInfarction, VSStroke, VSSmokerCondition,
		VSSeriousInfection, VSSevereRenal, VSESRDDialysis, VSCirrhosis, VSModerateRenal,
	}
	indexedMedicationSets = []string{
		VSOtherJAK, VSBiologics, VSImmunosuppressants, VSAntiplatelets, VSAspirin,
		VSCYP3A4StrongInhibitors, VSCYP3A4StrongInducers, VSCYP2C19StrongInhibitors,
		VSCYP2C19CYP2C9Inhibitors, VSCYP2C19CYP2C9Inducers, VSTBTreatment, VSPriorSystemicADTherapy,
		VSPgpSubstratesNTI, VSLiveVaccines, VSZosterRecombinant,
	}
	indexedImmunizationSets = []string{VSZosterRecombinant, VSLiveVaccines}
)

// index is a record sorted once per call by value-set membership and date,
// so that no rule rescans the record.
type index struct {
	k     *Knowledge
	rec   *Record
	now   time.Time
	today civilDay                  // now's calendar date (window.go)
	obs   map[string][]*Observation // counted results only, newest first
	// futurePregnancyTests are final pregnancy tests dated after today,
	// left out of obs: a positive one still says pregnant (pregnant).
	futurePregnancyTests []*Observation
	// aheadObs are the other counted results dated after today (ahead.go),
	// left out of obs; ahead is the same record with them read as current
	// (nil when there are none).
	aheadObs    []*Observation
	ahead       *index
	aheadDates  map[string]aheadResult   // in ahead: each such result's own id and date, by its tag (readAhead)
	conds       map[string][]*Condition  // not refuted or entered in error
	meds        map[string][]*Medication // every status; filtered by the queries
	imms        map[string][]*Immunization
	trigger     map[Drug][]*Medication // record medications recognised as a trigger drug
	drugOf      map[*Medication]Drug   // the same, by medication
	unavailable map[string]bool
	cfg         Config
	// courses are the patient's upadacitinib and abrocitinib courses
	// (course.go), computed once per call; nil until coursesFor runs.
	courses map[Drug]*Course
}

// noValue reports whether o says it has no result: a dataAbsentReason and
// no value (a test not done, a haemolysed specimen). Such a result is no
// ALT, no lipid panel, no count; it satisfies no screening and no
// monitoring.
func noValue(o *Observation) bool {
	return o.Absent && o.Quantity == nil && len(o.ValueCodes) == 0 && o.ValueText == "" && o.ValueBoolean == nil
}

// countedObservationStatus lists the Observation statuses whose results count.
var countedObservationStatus = map[string]bool{"final": true, "amended": true, "corrected": true}

func newIndex(k *Knowledge, rec *Record, now time.Time) *index {
	ix := &index{
		k: k, rec: rec, now: now, today: dayOf(now),
		obs:         map[string][]*Observation{},
		conds:       map[string][]*Condition{},
		meds:        map[string][]*Medication{},
		imms:        map[string][]*Immunization{},
		trigger:     map[Drug][]*Medication{},
		drugOf:      map[*Medication]Drug{},
		unavailable: map[string]bool{},
		cfg:         DefaultConfig(),
	}
	for _, u := range rec.Unavailable {
		ix.unavailable[u] = true
	}
	// Records repeat the same few codes many times: look each code list
	// up once.
	addObs := func(o *Observation) {
		for _, set := range k.setsOf('o', indexedObservationSets, o.Codes) {
			ix.obs[set] = append(ix.obs[set], o)
		}
	}
	for i := range rec.Observations {
		o := &rec.Observations[i]
		// Only final results that are not in the future count.
		if !countedObservationStatus[o.Status] || o.Date.IsZero() {
			continue
		}
		if ix.future(o.Date) {
			if !noValue(o) && slices.Contains(k.setsOf('o', indexedObservationSets, o.Codes), VSPregnancyTest) {
				ix.futurePregnancyTests = append(ix.futurePregnancyTests, o)
			}
			ix.aheadObs = append(ix.aheadObs, o)
			continue
		}
		if !noValue(o) {
			addObs(o)
			ix.addByName(o)
		}
		for j := range o.Components {
			c := o.Components[j] // copy: a component carries its parent's identity
			if noValue(&c) {
				continue
			}
			c.ID, c.Status, c.Date, c.DateLast = o.ID, o.Status, o.Date, o.DateLast
			addObs(&c)
			ix.addByName(&c)
		}
	}
	for _, list := range ix.obs {
		slices.SortStableFunc(list, func(a, b *Observation) int { return b.Date.Compare(a.Date) })
	}
	for i := range rec.Conditions {
		c := &rec.Conditions[i]
		if c.VerificationStatus == "refuted" || c.VerificationStatus == "entered-in-error" {
			continue
		}
		sets := k.setsOf('c', indexedConditionSets, c.Codes)
		for _, set := range sets {
			ix.conds[set] = append(ix.conds[set], c)
		}
		if c.Text == "" && !hasDisplay(c.Codes) {
			// Sent with neither text nor display: a card named it by a bare
			// code ("91302008 (active)"); the value set that matched it has
			// a name (noise13 question 3).
			// The code named is the one the display is of: "Sepsis, code
			// SEP1" gave a site's local code the value set's name for
			// SNOMED 91302008 sent beside it (failsafe15).
			if d, code := k.displayIn(sets, c.Codes); d != "" {
				c.Text = d + ", code " + code
			}
		}
	}
	var key []byte
	for i := range rec.Medications {
		m := &rec.Medications[i]
		k.nameByCode(m)
		var sets []string
		sets, key = k.medicationSets(m, key)
		for _, set := range sets {
			ix.meds[set] = append(ix.meds[set], m)
		}
		if d, ok := recognizeMemo(k, *m, key); ok {
			ix.trigger[d] = append(ix.trigger[d], m)
			ix.drugOf[m] = d
		}
	}
	for i := range rec.Immunizations {
		im := &rec.Immunizations[i]
		if im.Status != "completed" && im.Status != "" {
			continue
		}
		future := ix.future(im.Date)
		for _, set := range k.immunizationSets(im) {
			// A given vaccine dated after today (9999, a typing error)
			// counts as a recent live vaccine (fail safe: the danger is
			// kept), and as no dose of a series.
			if !future || set == VSLiveVaccines {
				ix.imms[set] = append(ix.imms[set], im)
			}
		}
	}
	for _, list := range ix.imms {
		slices.SortStableFunc(list, func(a, b *Immunization) int { return b.Date.Compare(a.Date) })
	}
	return ix
}

// immunizationSets lists the immunization sets a vaccine is in: by code
// (remembered, as setsOf does), else by its name (vaccineCode text or a
// coding's display) against the sets' text patterns.
func (k *Knowledge) immunizationSets(im *Immunization) []string {
	sets := k.setsOf('i', indexedImmunizationSets, im.Codes)
	if len(sets) > 0 {
		return sets
	}
	return k.setsByName(indexedImmunizationSets, im.Text, im.Codes)
}

// setsByName lists the sets among sets whose text patterns name text or a
// display of codes.
func (k *Knowledge) setsByName(sets []string, text string, codes []Coding) []string {
	names := make([]string, 0, 1+len(codes))
	if text != "" {
		names = append(names, strings.ToLower(text))
	}
	for _, c := range codes {
		if c.Display != "" {
			names = append(names, strings.ToLower(c.Display))
		}
	}
	var out []string
	for _, set := range sets {
		vs := k.sets[set]
		if vs == nil || len(vs.Text) == 0 {
			continue
		}
		for _, n := range names {
			if _, ok := vs.matchLowerText(n); ok {
				out = append(out, set)
				break
			}
		}
	}
	return out
}

// recognizeMemo is recognize's drug, remembered in the memo under m's
// membership key (kind 'm', as memoKey built it) with kind 'r': a record
// repeats the same orders many times, and recognising one by its text is
// most of the cost of indexing the medication list.
func recognizeMemo(k *Knowledge, m Medication, key []byte) (Drug, bool) {
	rkey := make([]byte, 0, len(key))
	rkey = append(append(rkey, 'r'), key[1:]...)
	if got, ok := k.memo.get(rkey); ok {
		if len(got) == 0 {
			return "", false
		}
		return Drug(got[0]), true
	}
	d, _, ok := recognize(k, m)
	var v []string
	if ok {
		v = []string{string(d)}
	}
	k.memo.put(rkey, v)
	return d, ok
}

// addByName adds o to the text-matched Observation sets it is not already
// in by code but names by its code text or a coding's display.
func (ix *index) addByName(o *Observation) {
	if o.Text == "" && !hasDisplay(o.Codes) {
		return
	}
	for _, set := range textObservationSets {
		if ix.k.Has(set, o.Codes) || !ix.k.namesObservation(set, o) {
			continue
		}
		ix.obs[set] = append(ix.obs[set], o)
	}
}

func hasDisplay(cs []Coding) bool {
	for _, c := range cs {
		if c.Display != "" {
			return true
		}
	}
	return false
}

// namesObservation reports whether the set's text patterns name o in its
// code text or a coding's display.
func (k *Knowledge) namesObservation(set string, o *Observation) bool {
	vs := k.sets[set]
	if vs == nil || len(vs.Text) == 0 {
		return false
	}
	if o.Text != "" {
		if _, ok := vs.matchLowerText(strings.ToLower(o.Text)); ok {
			return true
		}
	}
	for _, c := range o.Codes {
		if c.Display != "" {
			if _, ok := vs.matchLowerText(strings.ToLower(c.Display)); ok {
				return true
			}
		}
	}
	return false
}

// setsOf lists the sets among sets that hold any of the codes. The answer
// depends only on the knowledge, so it is remembered in k across calls
// (records of different patients carry the same lab and condition codes);
// kind tells the lists of sets apart. The answer is shared: do not modify it.
func (k *Knowledge) setsOf(kind byte, sets []string, codes []Coding) []string {
	var buf [128]byte
	key := memoKey(buf[:0], kind, codes, nil)
	if in, ok := k.memo.get(key); ok {
		return in
	}
	var in []string
	for _, set := range sets {
		if k.Has(set, codes) {
			in = append(in, set)
		}
	}
	k.memo.put(key, in)
	return in
}

// medicationSets returns the indexed medication sets m is in. Membership
// depends on the codes, the texts and whether the sig says local use (localUse), so it is remembered as setsOf does;
// key is scratch space for the memo key, returned for the next call.
func (k *Knowledge) medicationSets(m *Medication, key []byte) ([]string, []byte) {
	texts := lowerTexts(*m)
	local := localUse(m.Dose) && !systemicForm(texts) // once per medication, not once per set
	kind := byte('m')
	if local { // the sig says local use: membership differs (medicationInLower)
		kind = 'l'
	}
	key = memoKey(key[:0], kind, m.Codes, texts)
	sets, ok := k.memo.get(key)
	if !ok {
		for _, set := range indexedMedicationSets {
			if medicationInLower(k, set, *m, texts, local) {
				sets = append(sets, set)
			}
		}
		k.memo.put(key, sets)
	}
	return sets, key
}

// memoKey appends to dst the key the memo keeps an answer under: kind (the
// list of sets asked about), the number of codings, each coding's system
// and code, then each text, every string preceded by its length. The memo
// is shared by every call of every client, so two different code lists
// must never make one key: with separators instead of lengths, a code
// holding "\n\t" and a text ("12345\n\tclarithromycin 500 mg oral
// tablet", sent by anyone) made the key of a local code 12345 named
// "Clarithromycin 500 MG Oral Tablet", and its answer (no set) then hid
// the CYP3A4 inhibitor on every later patient's record.
func memoKey(dst []byte, kind byte, codes []Coding, texts []string) []byte {
	dst = binary.AppendUvarint(append(dst, kind), uint64(len(codes)))
	for _, c := range codes {
		dst = appendField(appendField(dst, c.System), c.Code)
	}
	for _, t := range texts {
		dst = appendField(dst, t)
	}
	return dst
}

// appendField appends s to a key after its length, so that no two lists
// of strings make one key whatever the strings hold (memoKey, orderKey).
func appendField(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// setMemo remembers value-set membership by code list (see setsOf). It
// stops growing at setMemoMax entries or setMemoMaxBytes of keys, and
// keeps no key longer than setMemoMaxKey, so records full of unusual codes
// or long names cannot make it hold much memory: bounded by entries alone,
// calls of medications named in 40 KB each left their names in the process
// for good (112 MiB after 12 calls of 100 of them; up to 65,536 such keys)
// (failsafe9).
type setMemo struct {
	mu    sync.RWMutex
	m     map[string][]string
	bytes int // of the keys kept
}

const (
	setMemoMax      = 1 << 16
	setMemoMaxKey   = 2 << 10  // a code list and its names, as records write them, take a few hundred bytes
	setMemoMaxBytes = 16 << 20 // 65,536 keys of 256 bytes
)

func (c *setMemo) get(key []byte) ([]string, bool) {
	c.mu.RLock()
	in, ok := c.m[string(key)]
	c.mu.RUnlock()
	return in, ok
}

func (c *setMemo) put(key []byte, in []string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string][]string{}
	}
	if len(c.m) < setMemoMax && len(key) <= setMemoMaxKey && c.bytes+len(key) <= setMemoMaxBytes {
		if _, ok := c.m[string(key)]; !ok {
			c.bytes += len(key)
		}
		c.m[string(key)] = slices.Clip(in)
	}
	c.mu.Unlock()
}

// medicationIn reports whether m is in the value set, by code or by text.
func medicationIn(k *Knowledge, set string, m Medication) bool {
	texts := lowerTexts(m)
	return medicationInLower(k, set, m, texts, systemicOnlySets[set] && localUse(m.Dose) && !systemicForm(texts))
}

// systemicFormWords, in a medication's name, say a form taken by mouth or
// injected ("clarithromycin 500 MG Oral Tablet").
var systemicFormWords = slices.Concat(systemicRouteWords, []string{"tablet", "tablets", "capsule", "capsules", "injection", "injectable"})

// systemicForm reports whether a medication's name (lower case) says a
// form taken by mouth or injected: then a sig saying local use ("Apply to
// the skin", now often patientInstruction, read as the sig when there is
// no text) conflicts with the product and the drug still counts. Fail
// safe: a clarithromycin oral tablet with that patientInstruction lost
// its CYP3A4 card.
func systemicForm(texts []string) bool {
	for _, t := range texts {
		for _, w := range systemicFormWords {
			if hasWord(t, w) {
				return true
			}
		}
	}
	return false
}

// systemicOnlySets are the medication sets that mean systemic therapy:
// "tacrolimus (systemic)" (knowledge base 1.4) and "systemic atopic
// dermatitis therapy" (contract section 5). A topical or eye form of the
// same ingredient (tacrolimus ointment, cyclosporine eye drops) is not in
// them, whether it matches by ingredient code or by name. The CYP sets
// too: a CYP interaction is about the blood level of the JAK inhibitor,
// and ketoconazole cream or shampoo (common beside atopic dermatitis)
// does not reach it.
var systemicOnlySets = map[string]bool{VSImmunosuppressants: true, VSPriorSystemicADTherapy: true,
	VSCYP3A4StrongInhibitors: true, VSCYP3A4StrongInducers: true, VSCYP2C19StrongInhibitors: true,
	VSCYP2C19CYP2C9Inhibitors: true, VSCYP2C19CYP2C9Inducers: true}

// localFormWords name dosage forms that act locally (lower case, whole words).
// "eye" and "scalp" name the site ("cyclosporine 0.05 % eye emulsion",
// "ketoconazole 2 % solution to scalp"): no drug of the systemic-only sets
// is given by mouth or injection with those words in its name.
var localFormWords = []string{"topical", "ointment", "cream", "lotion", "ophthalmic", "eye drops", "otic", "shampoo", "foam", "gel",
	"eye", "eyes", "scalp"}

// localUseWords, in a dosage text (the sig), say the drug is used on the
// skin, scalp or eye ("Apply to affected area twice daily", "1 drop in
// each eye"): EHRs often name a topical order by ingredient and strength
// only ("ketoconazole 2 %"), with the form in the route and the sig.
var localUseWords = []string{"apply", "applied", "topically", "affected area", "affected areas", "affected skin",
	"to skin", "to the skin", "instill", "lather", "wash hair", "cutaneous"}

// oralUseWords, in a dosage text, say the drug is taken by mouth, whatever
// else the sig names: "Take 2 capsules twice daily for scalp psoriasis"
// (oral cyclosporine), "1 tab p.o. bid", "call if eye pain". Fail safe: a
// local sig that says "take" or "tablet" counts as oral, so the drug
// still counts.
var oralUseWords = []string{"by mouth", "orally", "oral", "swallow", "po", "p.o", "p.o.", "take", "takes", "taken",
	"tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "chew", "chewable", "dissolve", "sublingual"}

// localUse reports whether the dosage texts of d (and of its other
// instructions) say the drug is used locally: a local form or site
// (localFormWords) or a local use (localUseWords), and none says it is
// taken by mouth ("by mouth", "orally", "PO", "swallow"), in the same
// instruction or another one.
//
// The route of each instruction is read as its sig is ("Topical route",
// "topical", "Ophthalmic route" say local; "Oral route" and the other
// systemic routes of systemicRouteWords say taken): words only, no route
// code is known to jakguard (clinical-knowledge.md lists none).
func localUse(d DoseFacts) bool {
	var local, oral bool
	for i := range d.instructions() {
		f := d.instruction(i)
		l, o := localSig(f.DosageText)
		lr, or := localSig(f.Route)
		local, oral = local || l || lr, oral || o || or
	}
	return local && !oral
}

// systemicRouteWords, in a sig or a route, say the drug reaches the blood
// whatever its name says ("Transdermal route": a patch is not local use).
var systemicRouteWords = []string{"oral", "orally", "by mouth", "po", "swallow", "sublingual", "buccal", "enteral",
	"intravenous", "intramuscular", "subcutaneous", "transdermal", "rectal"}

// systemicWords say, in a sig or a route, that the drug counts (localSig):
// the two lists once each ("oral", "po" and four more are in both).
var systemicWords = func() []string {
	w := slices.Concat(systemicRouteWords, oralUseWords)
	slices.Sort(w)
	return slices.Compact(w)
}()

// localSig reads one dosage text for localUse. A text holding a letter of
// another script than Latin is read as saying the drug counts: its words
// cannot be told from look-alikes ("bу mouth" with a Cyrillic "у"
// beside "apply"), and a systemic drug read as local would lose its card.
func localSig(text string) (local, oral bool) {
	if text == "" || sigTooLong(text) {
		return false, false
	}
	if !latinOnly(text) {
		return false, true
	}
	t := strings.ToLower(text)
	for _, w := range systemicWords {
		if hasWord(t, w) {
			return false, true
		}
	}
	if localForm([]string{t}) {
		return true, false
	}
	for _, w := range localUseWords {
		if hasWord(t, w) {
			return true, false
		}
	}
	return false, false
}

// latinOnly reports whether every letter of text is of the Latin script
// ("é" is; Cyrillic "у" and Greek "ο" are not).
func latinOnly(text string) bool {
	for _, r := range text {
		if r >= utf8.RuneSelf && unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

// localForm reports whether one of the (lower-cased) texts names a local
// form. "gel" ("ketoconazole 2 % gel") does not when the text names a
// capsule ("liquid gel capsule", "liqui-gel"): that is swallowed.
func localForm(texts []string) bool {
	for _, t := range texts {
		for _, w := range localFormWords {
			if hasWord(t, w) && (w != "gel" || !swallowedGel(t)) {
				return true
			}
		}
	}
	return false
}

// swallowedGel reports whether a text naming a gel names a capsule.
func swallowedGel(t string) bool {
	return hasWord(t, "capsule") || hasWord(t, "capsules") || hasWord(t, "cap") || strings.Contains(t, "liqui")
}

// notInSetWords name, per value set, words that make a text that matches
// the set by name mean something else (lower case, whole words):
//
//   - live vaccines: a laboratory test or an immune globulin ("Measles IgG
//     antibody", "Rotavirus antigen, stool", "MMR titer", "Varicella zoster
//     immune globulin", "Influenza nasal swab"). The serology checked before live vaccines is
//     ordered beside JAK inhibitors; named as a live vaccine, it would be a
//     warning that asks to cancel the test.
//   - aspirin: "ASA" is aspirin, but "5-ASA" and "4-ASA" ("5ASA", a digit
//     ending a word in a drug name: matchLowerName) are mesalamine and
//     aminosalicylic acid, which are not antiplatelets.
//   - strong CYP3A4 inhibitors: "Nizoral A-D" is the ketoconazole 1 %
//     shampoo sold over the counter (no oral Nizoral is marketed), often
//     on the outside list of a patient with atopic dermatitis, and named
//     without the word "shampoo".
//   - narrow-therapeutic-index P-gp substrates: "Digoxin Immune Fab"
//     (DigiFab) is the antidote to digoxin, not digoxin.
//
// A code of the set still matches whatever the text says.
var notInSetWords = map[string][]string{
	VSLiveVaccines: {"antibody", "antibodies", "ab", "ag", "igg", "igm", "iga", "titer", "titers", "titre", "titres",
		"antigen", "serology", "serologic", "immune status", "immunity", "pcr", "naa", "naat", "rna", "dna", "culture",
		"immune globulin", "immunoglobulin", "test", "assay", "panel", "screen", "swab", "specimen", "rapid", "detection"},
	VSCYP3A4StrongInhibitors: {"a-d"},
	VSPgpSubstratesNTI:       {"immune fab", "fab"},
	VSAspirin: {"5-asa", "4-asa", "5 asa", "5asa", "4asa", "mesalamine", "mesalazine", "aminosalicylic", "aminosalicylate",
		"sulfasalazine", "balsalazide", "olsalazine"},
}

// meansOther reports whether a (lower-cased) text that names a member of
// set by a word means something else (notInSetWords), words read as in a
// drug's name (hasName: "4asa500mg").
func meansOther(set, t string) bool {
	for _, w := range notInSetWords[set] {
		if hasName(t, w) {
			return true
		}
	}
	return false
}

// medicationInLower is medicationIn with m's texts already lower-cased and
// local, whether its sig says local use (localUse), already read.
func medicationInLower(k *Knowledge, set string, m Medication, texts []string, local bool) bool {
	if systemicOnlySets[set] && (localForm(texts) || local) {
		return false
	}
	if k.Has(set, m.Codes) {
		return true
	}
	vs := k.sets[set]
	if vs == nil || len(vs.Text) == 0 {
		return false
	}
	for _, t := range texts {
		if meansOther(set, t) {
			continue
		}
		if _, ok := vs.matchLowerName(t); ok {
			return true
		}
	}
	return false
}

// lowerTexts is medicationTexts lower-cased, for text matching.
func lowerTexts(m Medication) []string {
	ts := medicationTexts(m)
	for i, t := range ts {
		ts[i] = strings.ToLower(t)
	}
	return ts
}

// results returns the counted results of the sets dated on or after the
// day from (anyDay: any date), newest first.
func (ix *index) results(from civilDay, sets ...string) []*Observation {
	var out []*Observation
	seen := map[*Observation]bool{}
	// Sorted newest first by instant; a day is judged in the result's own
	// zone, which moves it at most 14 hours: stop two days past from.
	stop := time.Time{}
	if from != anyDay {
		stop = (from - 2).time()
	}
	for _, set := range sets {
		for _, o := range ix.obs[set] {
			if from != anyDay && dayOf(o.Date) < from {
				if o.Date.Before(stop) {
					break
				}
				continue
			}
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	if len(sets) > 1 {
		slices.SortStableFunc(out, func(a, b *Observation) int { return b.Date.Compare(a.Date) })
	}
	return out
}

// latestValue returns the newest result of the set dated on or after the
// day from whose value converts with conv (a usable unit), and its
// converted value. Usable results that are not known to be newer than the
// newest one are neither newer than the other: those at the same instant
// (a duplicate feed, two results written date-only on one day), and a
// result written date-only on the same day as a timed one (it may have
// been taken later that day: "2026-11-24" beside "2026-11-24T10:00:00Z").
// The lowest of them is taken, the fail-safe reading for every value read
// this way (counts, hemoglobin, eGFR, weight), so that neither the
// bundle's order nor the way a feed writes dates decides; except that at
// the same instant an amended or corrected result replaces a final one
// (the lab revised that specimen's value).
func (ix *index) latestValue(set string, from civilDay, conv func(*Quantity) (float64, bool)) (*Observation, float64, bool) {
	var best *Observation
	var bestV float64
	for _, o := range ix.results(from, set) {
		if best != nil && !sameTime(o.Date, best.Date) {
			// Newest first by instant; a day is judged in its own zone,
			// which moves it at most 14 hours.
			if o.Date.Before(best.Date.Add(-48 * time.Hour)) {
				break
			}
			continue
		}
		v, ok := conv(o.Quantity)
		if !ok {
			continue
		}
		if best != nil && o.Date.Equal(best.Date) && revised(o) != revised(best) {
			// The same specimen sent again as amended or corrected, the
			// first result left as it was: the revision replaces it.
			if revised(o) {
				best, bestV = o, v
			}
			continue
		}
		if best == nil || v < bestV {
			best, bestV = o, v
		}
	}
	return best, bestV, best != nil
}

// revised reports whether a result is a revision (amended, corrected) of
// one reported before.
func revised(o *Observation) bool { return o.Status == "amended" || o.Status == "corrected" }

// sameTime reports whether neither of two result dates is known to be
// later than the other: the same instant, or the same day when one of
// them is written date-only (read as midnight UTC).
func sameTime(a, b time.Time) bool {
	return a.Equal(b) || (dateOnly(a) || dateOnly(b)) && dayOf(a) == dayOf(b)
}

// dateOnly reports whether t was written as a date without a time (FHIR
// reads it as midnight UTC).
func dateOnly(t time.Time) bool {
	_, off := t.Zone()
	return off == 0 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// future reports whether t is after today: its own calendar day is after
// today's and its instant is after now. A result written in a zone east of
// the server's ("2026-11-30T01:00:00+14:00", 11:00 UTC on 29 November) may
// be on tomorrow's date and yet have happened: it counts. A date-only value
// of tomorrow (midnight UTC) is in the future. A value with a time of day
// is in the future only when it is more than clockAhead after now: a
// platelet count written at 00:03 by an EHR whose clock runs 5 minutes
// ahead of a server at 23:58 was dropped as tomorrow's, and the older
// normal count decided (tz review).
func (ix *index) future(t time.Time) bool { return afterToday(t, ix.now) }

// afterToday is future for a clock at now (conditionEvidence has no index).
func afterToday(t, now time.Time) bool {
	if dayOf(t) <= dayOf(now) {
		return false
	}
	if dateOnly(t) {
		return t.After(now)
	}
	return t.After(now.Add(clockAhead))
}

// clockAhead is how far after the server's clock a value with a time of
// day may be dated and still be read as past: an EHR or lab clock running
// minutes ahead, or a local time written with the offset of the other side
// of a daylight-saving change (an hour). Further ahead it is a date to
// question (conditionEvidence, the pregnancy test after today).
const clockAhead = time.Hour

// activeConditions returns the conditions of the set whose clinical status
// is active, recurrence or relapse (or not given).
func (ix *index) activeConditions(set string) []*Condition {
	var out []*Condition
	for _, c := range ix.conds[set] {
		switch c.ClinicalStatus {
		case "active", "recurrence", "relapse":
			out = append(out, c)
		default:
			if noClinicalStatus(c) && !c.Abated { // no status: active unless it has ended
				out = append(out, c)
			}
		}
	}
	return out
}

// noClinicalStatus reports whether a condition states no clinical status:
// none given, or "unknown" (FHIR R5's code, sent by some R4 servers), which
// says no more than a missing one.
func noClinicalStatus(c *Condition) bool {
	return c.ClinicalStatus == "" || c.ClinicalStatus == "unknown"
}

// historyConditions returns the conditions of the set, whatever their
// clinical status (active, past or resolved).
func (ix *index) historyConditions(set string) []*Condition { return ix.conds[set] }

// medUse is what a record medication says about the patient taking it.
type medUse uint8

const (
	useNever   medUse = iota // not taken: draft, cancelled, entered in error, not taken, unknown, or only proposed
	useHistory               // taken in the past: completed or stopped
	useCurrent               // taken now
)

// medicationStatusCodes are the FHIR R4 status codes of MedicationRequest
// and MedicationStatement, as the fhir package spells what feeds send
// ("On Hold" is "on-hold"). An entry with any other status (none, "A",
// "discontinued") is counted unreadable, which the answer says, and kept
// apart in Record.Unreadable: read as "not taken", a current co-medication
// or course was passed over.
var medicationStatusCodes = map[string][]string{
	"MedicationRequest":   {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"},
	"MedicationStatement": {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"},
}

// MedicationStatusCode reports whether status is a status code of the
// resource type (MedicationRequest or MedicationStatement).
func MedicationStatusCode(resourceType, status string) bool {
	return slices.Contains(medicationStatusCodes[resourceType], status)
}

// useOf reads a record medication's status (contract 6.1, issue 13):
//   - MedicationRequest (an order or a plan, not a proposal or option):
//     active and on-hold (held, not stopped) are current; completed and
//     stopped are history; draft (not yet signed: nobody takes it),
//     cancelled, entered-in-error and unknown never count.
//   - MedicationStatement: active, intended (about to be taken) and
//     on-hold are current; completed and stopped are history;
//     entered-in-error, not-taken and unknown never count.
func useOf(m *Medication) medUse {
	if m.ResourceType == "MedicationStatement" {
		switch m.Status {
		case "active", "intended", "on-hold":
			return useCurrent
		case "completed", "stopped":
			return useHistory
		}
		return useNever
	}
	// A plan is read as an intention to take the drug, like an intended
	// statement: Oracle Health (Cerner) sends the documented home
	// medications, reported by the patient or another provider, as
	// MedicationRequests with intent "plan" (plannedOnly).
	if m.Intent == "proposal" || m.Intent == "option" {
		return useNever
	}
	switch m.Status {
	case "active", "on-hold":
		return useCurrent
	case "completed", "stopped":
		return useHistory
	}
	return useNever
}

// activeMeds returns the record's medications of the set taken now.
func (ix *index) activeMeds(set string) []*Medication {
	return filterMeds(ix.meds[set], func(m *Medication) bool { return useOf(m) == useCurrent })
}

// takenMeds returns the record's medications of the set taken now: the
// current ones (activeMeds), and a completed one whose stated end
// (Medication.End) or, with none, whose first dispensed supply (from its
// start; refills are allowed, not known to be filled) reaches today. A
// "completed" order is often one whose supply was dispensed, not one whose
// drug was finished: clarithromycin ordered 3 days ago for 14 days is
// still taken. A stopped one is not (someone stopped it).
func (ix *index) takenMeds(set string) []*Medication {
	return filterMeds(ix.meds[set], func(m *Medication) bool {
		if u := useOf(m); u != useHistory {
			return u == useCurrent
		}
		return ix.stillTaken(m)
	})
}

// stillTaken reports whether m, a past order or statement, is "completed"
// with a stated end or first supply (suppliedUntil) that reaches today: a
// completed co-medication still taken (takenMeds), and a JAK course whose
// latest member it is (stillSupplied). A stopped one never is.
func (ix *index) stillTaken(m *Medication) bool {
	until, ok := suppliedUntil(m)
	return m.Status == "completed" && ok && until >= ix.today
}

// suppliedUntil is the last day a past order or statement may be taken:
// its stated end, else its start plus the days its first supply covers,
// less one (a 14-day supply from day 0 is taken through day 13). Refills
// do not count: a completed order's refills are allowed, not known to
// have been filled, and counting them would keep a dupilumab stopped for
// a JAK inhibitor "taken" for months.
func suppliedUntil(m *Medication) (civilDay, bool) {
	if !m.End.IsZero() {
		return dayOf(medEndLast(m)), true // "until 2026-11" is taken through 30 November
	}
	// The timing and the supply may disagree ("for 2 days" beside a
	// 14-day supply, a count of 1): the later of the two ends counts, as
	// taking a stated bound over the supply let a shorter one, a typing
	// error or an end before the start, drop a live interaction card.
	until, ok := timingLastDay(m)
	start, _ := MemberStart(m)
	if n := supplyDays(Supply{Days: m.Supply.Days}); n > 0 && !start.IsZero() {
		if s := dayOf(start) + n - 1; !ok || s > until {
			until, ok = s, true
		}
	}
	return until, ok
}

// timingLastDay is the last day an order's instructions say it is taken,
// from their timing (FHIR Timing.repeat.bounds[x] and count, how Epic and
// Oracle Health send "for 14 days" when no supply is stated):
// boundsPeriod.end, else the start plus boundsDuration, else the start
// plus the days count administrations take at the instruction's
// frequency, less one. Every instruction must say; the latest end counts.
// ok is false when one does not, or the start is needed and unknown.
func timingLastDay(m *Medication) (civilDay, bool) {
	start, _ := MemberStart(m)
	last := anyDay // not 0: a day before 1970 is negative
	for i := range m.Dose.instructions() {
		d := m.Dose.instruction(i)
		var days float64
		switch {
		case !d.BoundsEnd.IsZero():
			// An end before the start is no stated end (a typing error).
			if !start.IsZero() && dayOf(d.BoundsEnd) < dayOf(start) {
				return 0, false
			}
			last = max(last, dayOf(d.BoundsEnd))
			continue
		case start.IsZero():
			return 0, false
		case d.BoundsDays > 0:
			days = d.BoundsDays
		case d.Count > 0:
			perDay, _, ok := dosesPerDay(*d)
			if !ok || !(perDay > 0) {
				return 0, false
			}
			days = float64(d.Count) / perDay
		default:
			return 0, false
		}
		if !(days > 0 && days <= 3650) { // over ten years is no stated end
			return 0, false
		}
		last = max(last, dayOf(start)+civilDay(math.Ceil(days))-1)
	}
	return last, true
}

// historyMeds returns the record's medications of the set taken now or in the past.
func (ix *index) historyMeds(set string) []*Medication {
	return filterMeds(ix.meds[set], func(m *Medication) bool { return useOf(m) != useNever })
}

// filterMeds keeps the medications for which keep answers true.
func filterMeds(ms []*Medication, keep func(*Medication) bool) []*Medication {
	var out []*Medication
	for _, m := range ms {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

// immunizations returns the given vaccines of the set dated on or after
// the day from (anyDay: any date), newest first. A date written as a month
// or a year counts by its last day (vaccineLast): the one dated caller
// asks for live vaccines given recently, whose fail-safe side that is.
func (ix *index) immunizations(set string, from civilDay) []*Immunization {
	var out []*Immunization
	for _, im := range ix.imms[set] {
		if from != anyDay && dayOf(vaccineLast(im)) < from {
			if im.Date.Before((from - 2 - partialSpan).time()) {
				break
			}
			continue
		}
		out = append(out, im)
	}
	return out
}

// maxPlausibleAge: a birth date giving an older age is not a birth date
// but a placeholder or a typing error (year 1800); the age rules treat it
// as unknown (age-unknown) rather than as a 226-year-old.
const maxPlausibleAge = 130

// age returns the patient's age in whole years at now: the oldest the
// birth date allows (a partial date read as its first day). ok is false
// when the birth date is missing, after today or not plausible.
func (ix *index) age() (int, bool) {
	_, old, ok := ix.ageRange()
	return old, ok
}

// ageRange returns the youngest and oldest age the birth date allows at
// now: equal for a full date; for a year-only or year-month date, the
// ages at its last and first day. Rules with a lower age limit ("from
// 50") read the oldest, rules with an upper one ("under 12", "under 18",
// "to 50") the youngest, so that a missing day neither hides a warning
// nor makes a child look like an adult.
func (ix *index) ageRange() (young, old int, ok bool) {
	p := ix.rec.Patient
	if p == nil || p.BirthDate.IsZero() || dayOf(p.BirthDate) > ix.today {
		return 0, 0, false
	}
	old = ageAt(p.BirthDate, ix.now)
	if old > maxPlausibleAge {
		return 0, 0, false
	}
	last := p.birthLast()
	if dayOf(last) > ix.today {
		last = ix.today.time() // born by today at the latest
	}
	return ageAt(last, ix.now), old, true
}

// ageText is the patient's age for the evidence: "aged 12", or "aged 11
// or 12 (birth date 2014: year only)" when a partial birth date allows
// both.
func (ix *index) ageText() string {
	young, old, _ := ix.ageRange()
	if young == old {
		return "aged " + strconv.Itoa(old)
	}
	what := "year only"
	if !ix.rec.Patient.BirthDateLast.IsZero() {
		return "aged " + strconv.Itoa(young) + " or " + strconv.Itoa(old) + twoBirthDates
	}
	if ix.rec.Patient.BirthDatePrecision == 'm' {
		what = "year and month only"
	}
	return "aged " + strconv.Itoa(young) + " or " + strconv.Itoa(old) + " (birth date with " + what + ": record the full date)"
}

// twoBirthDates ends ageText when two Patient resources of the patient
// give different birth dates.
const twoBirthDates = " (two Patient resources with different birth dates: check the record)"

func ageAt(birth, now time.Time) int {
	years := now.Year() - birth.Year()
	if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
		years--
	}
	return years
}

// mayBePregnant reports whether the patient may be a woman: administrative
// gender female, or anything but male (missing, unknown, other), since a
// record that does not say the patient is male does not rule out
// pregnancy (fail safe, as for an unknown age). stated is true for female.
func (ix *index) mayBePregnant() (may, stated bool) {
	if ix.rec.Patient == nil {
		return false, false
	}
	if ix.rec.Patient.OtherGender != "" { // two Patient resources disagree
		return true, false
	}
	switch ix.rec.Patient.Gender {
	case "female":
		return true, true
	case "male":
		return false, false
	}
	return true, false
}

// result is a qualitative reading of a result.
type result int

const (
	resultUnknown result = iota
	resultNegative
	resultPositive
	resultIndeterminate
)

func (r result) String() string {
	switch r {
	case resultNegative:
		return "negative"
	case resultPositive:
		return "positive"
	case resultIndeterminate:
		return "indeterminate"
	}
	return "unreadable"
}

// systemInterpretation is the HL7 v3 ObservationInterpretation code system.
const systemInterpretation = SystemInterpretation

// interpretations maps v3 ObservationInterpretation codes to a reading.
var interpretations = map[string]result{
	"POS": resultPositive, "DET": resultPositive, "H": resultPositive, "HH": resultPositive, "A": resultPositive, "AA": resultPositive,
	"NEG": resultNegative, "ND": resultNegative, "N": resultNegative, "L": resultNegative,
	"IND": resultIndeterminate, "E": resultIndeterminate,
}

// read reads a qualitative result: the coded value (SNOMED answers), then
// the interpretation, then the value text.
func (ix *index) read(o *Observation) result { return ix.readWith(o, interpretations) }

// answerInterpretations are the interpretation codes that state an answer
// (positive, negative, indeterminate), not a position against a reference
// range (H, L, N, A).
var answerInterpretations = map[string]result{
	"POS": resultPositive, "DET": resultPositive,
	"NEG": resultNegative, "ND": resultNegative,
	"IND": resultIndeterminate, "E": resultIndeterminate,
}

// readAnswer is read without the reference-range flags: for results that
// also carry a value judged by its own thresholds (quantitative hCG).
func (ix *index) readAnswer(o *Observation) result { return ix.readWith(o, answerInterpretations) }

// The value is read before the interpretation: "Reactive" flagged N (or
// "Nonreactive" flagged A) is the value the lab reported, and a flag is
// only its position against a reference range. An interpretation is read
// in the v3 system or the HL7 v2 table 0078 (the same codes), else by its
// text or display ("Positive").
//
// valueBoolean true is the finding present, false absent. An Observation
// has one value[x]; one sent with a valueBoolean beside a coded or text
// value is never read by the boolean alone: a positive beside a negative
// counts (as same-day results do), an indeterminate beside false is
// indeterminate.
func (ix *index) readWith(o *Observation, interp map[string]result) result {
	v := ix.readValue(o)
	if o.ValueBoolean != nil {
		b := resultNegative
		if *o.ValueBoolean {
			b = resultPositive
		}
		switch {
		case v == resultPositive || b == resultPositive:
			return resultPositive
		case v == resultIndeterminate:
			return resultIndeterminate
		}
		return b
	}
	if v != resultUnknown {
		return v
	}
	for _, c := range o.Interpretation {
		if c.System != systemInterpretation && c.System != SystemInterpretationV2 && c.System != "" {
			continue
		}
		if r, ok := interp[c.Code]; ok {
			return r
		}
	}
	for _, c := range o.Interpretation {
		if c.Code == "" {
			if r := readText(c.Display); r != resultUnknown {
				return r
			}
		}
	}
	return resultUnknown
}

// readValue reads the coded or text value of o (not its valueBoolean nor
// its interpretation).
func (ix *index) readValue(o *Observation) result {
	switch {
	case ix.k.Has(VSResultPositive, o.ValueCodes):
		return resultPositive
	case ix.k.Has(VSResultNegative, o.ValueCodes):
		return resultNegative
	case ix.k.Has(VSResultIndeterminate, o.ValueCodes):
		return resultIndeterminate
	}
	texts := []string{o.ValueText}
	for _, c := range o.ValueCodes {
		texts = append(texts, c.Display)
	}
	for _, t := range texts {
		if r := readText(t); r != resultUnknown {
			return r
		}
	}
	return resultUnknown
}

// readText reads "positive", "not detected", "non-reactive", "POS", "NEG" and
// the like.
func readText(s string) result {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return resultUnknown
	}
	// Negative phrases first: "not detected" contains "detected".
	for _, w := range []string{"not detected", "none detected", "non-reactive", "nonreactive", "non reactive",
		"not reactive", "not positive", "undetected", "undetectable", "not detectable", "non-detectable", "nondetectable", "negative"} {
		if strings.Contains(t, w) {
			return resultNegative
		}
	}
	// "Below detection limit", "below the limit of detection": not
	// detected (a nucleic-acid test's wording). "Below the limit of
	// quantification" may be detected and is not read here.
	if strings.Contains(t, "detection") && hasWord(t, "below") {
		return resultNegative
	}
	// "No HBV DNA detected": a "no" before "detected" negates it.
	if d := strings.Index(t, "detected"); d >= 0 && hasWord(t[:d], "no") {
		return resultNegative
	}
	// The lab abbreviations of HL7 v2 results ("NEG", "Pos."), as whole
	// words only ("posted" is not "pos"), and "TND", target not detected,
	// as nucleic-acid tests (HCV RNA, HBV DNA) print it.
	if hasWord(t, "neg") || hasWord(t, "tnd") {
		return resultNegative
	}
	for _, w := range []string{"indeterminate", "inconclusive", "equivocal"} {
		if strings.Contains(t, w) {
			return resultIndeterminate
		}
	}
	for _, w := range []string{"positive", "detected", "detectable", "reactive"} {
		if strings.Contains(t, w) {
			return resultPositive
		}
	}
	if hasWord(t, "pos") {
		return resultPositive
	}
	return resultUnknown
}

// readViral reads a viral nucleic-acid result (HBV DNA, HCV RNA): the
// qualitative reading, else a viral load above zero with a unit means
// detected and zero means not detected. A load censored from above ("<15
// [IU]/mL", below the limit of quantification) is not detected: it is not
// "detectable HBV DNA" nor "HCV RNA detected" (contract section 5), and
// it is an RNA/DNA result. An unknown comparator makes the value unusable.
func (ix *index) readViral(o *Observation) result {
	if r := ix.read(o); r != resultUnknown {
		return r
	}
	q := o.Quantity
	if q == nil || q.Unit == "" {
		return resultUnknown
	}
	switch q.Comparator {
	case "<", "<=":
		return resultNegative
	case "", ">", ">=":
	default:
		return resultUnknown
	}
	if q.Value > 0 {
		return resultPositive
	}
	return resultNegative
}

// latestRead returns the newest result of the set dated on or after the
// day from that reads positive or negative, and the newer results that
// could not be read (indeterminate or unreadable) for the evidence.
//
// Results not known to be newer than one another (the same instant, or
// the same day when one is written date-only: sameTime) are read together,
// the worse one counting, as for values (latestValue) and never by the
// bundle's order (fail safe): a positive beside a negative is positive; an
// indeterminate answer beside a negative (a QuantiFERON whose final
// interpretation is indeterminate and whose tube values are flagged
// normal) leaves that day unread, so an older readable result, or none,
// decides.
func (ix *index) latestRead(set string, from civilDay, reader func(*Observation) result) (o *Observation, r result, unread []*Observation) {
	return ix.latestReadOf(ix.results(from, set), reader)
}

// latestReadOf is latestRead over the results rs, newest first.
func (ix *index) latestReadOf(rs []*Observation, reader func(*Observation) result) (o *Observation, r result, unread []*Observation) {
	var near *sameTimeReads
	for _, x := range rs {
		switch reader(x) {
		case resultPositive:
			return x, resultPositive, unread
		case resultNegative:
			if near == nil {
				near = readSameTime(rs, reader)
			}
			pos, ind := near.around(x)
			if pos != nil {
				return pos, resultPositive, unread
			}
			if !ind {
				return x, resultNegative, unread
			}
		}
		unread = append(unread, x)
	}
	return nil, resultUnknown, unread
}

// sameTimeReads indexes the positive and indeterminate readings of a list
// of results by instant and by day, so that the results not known to be
// newer than a given one (sameTime) are found in one pass whatever the
// length of the list.
type sameTimeReads struct {
	byInstant, byDay, byDateOnlyDay map[int64]*sameTimeRead
}

// sameTimeRead is the newest positive result and whether an indeterminate
// one is among a group of results.
type sameTimeRead struct {
	pos *Observation
	ind bool
}

func readSameTime(rs []*Observation, reader func(*Observation) result) *sameTimeReads {
	t := &sameTimeReads{map[int64]*sameTimeRead{}, map[int64]*sameTimeRead{}, map[int64]*sameTimeRead{}}
	add := func(m map[int64]*sameTimeRead, k int64, o *Observation, r result) {
		g := m[k]
		if g == nil {
			g = &sameTimeRead{}
			m[k] = g
		}
		if r == resultPositive && g.pos == nil {
			g.pos = o
		}
		g.ind = g.ind || r == resultIndeterminate
	}
	for _, o := range rs {
		r := reader(o)
		if r != resultPositive && r != resultIndeterminate {
			continue
		}
		add(t.byInstant, o.Date.UnixNano(), o, r)
		add(t.byDay, int64(dayOf(o.Date)), o, r)
		if dateOnly(o.Date) {
			add(t.byDateOnlyDay, int64(dayOf(o.Date)), o, r)
		}
	}
	return t
}

// around reads the results at the same time as x (sameTime): the newest
// positive among them, and whether one is indeterminate.
func (t *sameTimeReads) around(x *Observation) (pos *Observation, ind bool) {
	groups := []*sameTimeRead{t.byInstant[x.Date.UnixNano()], t.byDateOnlyDay[int64(dayOf(x.Date))]}
	if dateOnly(x.Date) {
		groups = append(groups, t.byDay[int64(dayOf(x.Date))])
	}
	for _, g := range groups {
		if g == nil {
			continue
		}
		if g.pos != nil && (pos == nil || g.pos.Date.After(pos.Date)) {
			pos = g.pos
		}
		ind = ind || g.ind
	}
	return pos, ind
}

// unchecked lists the unavailable kinds of data among needs.
func (ix *index) unchecked(needs []string) []string {
	var out []string
	for _, n := range needs {
		if ix.unavailable[n] || n == DataPatient && ix.rec.Patient == nil {
			out = append(out, n)
		}
	}
	return out
}

// strengthSets are the medication sets whose product codes may carry a
// strength (the strength-mg extension).
var strengthSets = append([]string{VSUpadacitinib, VSAbrocitinib}, indexedMedicationSets...)

// dailyDose is DailyDose, also knowing the strength of m's product code
// when the knowledge base gives one.
func (ix *index) dailyDose(m Medication) (float64, string, bool) {
	return dailyDoseWith(m, ix.codeStrength(m))
}

// codeStrength is the strength per tablet of m's product code (0: none).
func (ix *index) codeStrength(m Medication) float64 {
	if len(m.Codes) == 0 {
		return 0
	}
	for _, set := range strengthSets {
		if mg, _, ok := ix.k.Strength(set, m.Codes); ok {
			return mg
		}
	}
	return 0
}

// displayIn is the knowledge base's name of the first of codes listed (by
// system and code) in one of sets, without its curation note, and that
// code; "" when none is listed by name (a code matched by an ICD-10-CM
// range has none).
func (k *Knowledge) displayIn(sets []string, codes []Coding) (string, string) {
	for _, x := range codes {
		for _, set := range sets {
			if vs := k.sets[set]; vs != nil {
				if e := vs.lookup(x); e != nil && e.Display != "" {
					return withoutCurationNote(e.Display), x.Code
				}
			}
		}
	}
	return "", ""
}
