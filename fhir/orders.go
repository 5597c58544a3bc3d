package fhir

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"jakguard/internal/jsonerr"
	"jakguard/rules"
)

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
	// code), in Bundle order: a vaccine may be ordered as a service.
	ServiceOrders []rules.ServiceOrder
}

// DecodeOrders decodes context.draftOrders, a Bundle (its type may be
// missing) of MedicationRequest, ServiceRequest, Medication and other
// entries. medicationReference is resolved against the Bundle's Medication
// entries and contained Medications.
//
// Unlike a prefetch value, draftOrders is read strictly: the orders are
// what is being judged, and an order that cannot be read must never look
// like a safe one. It fails with a *DecodeError naming the member (such as
// "entry[0].resource.status") for an entry that is not an object, a
// resource that is missing or not an object, and a MedicationRequest,
// ServiceRequest or Medication a member of which that jakguard reads has
// the wrong JSON type; when patientID is not "", also for a MedicationRequest
// or ServiceRequest whose subject references another Patient. Entries of
// other types are ignored. It fails with ErrTooManyEntries past MaxEntries
// entries and with ctx's error once ctx is done.
func DecodeOrders(ctx context.Context, raw []byte, patientID string, logger *slog.Logger) (Orders, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	out := Orders{Raw: make(map[string]json.RawMessage)}
	var pending []pendingMed
	meds := medIndex{}
	var n counter
	rd := newReader(raw)
	rd.needResource = true
	rd.count = func() error { return n.next(ctx) }
	rd.bad = func(i int, member, why string) error {
		return &DecodeError{Path: jsonerr.Join(entryPath(i), member), Reason: why}
	}
	rd.visit = func(r *resource) error {
		var err, subjectErr error
		switch r.resourceType {
		case "":
			err = &DecodeError{Path: "resourceType", Reason: "missing or not a string"}
		case "MedicationRequest":
			err = decodeAs(r.raw, func(v *medicationRequest) {
				if subjectErr = checkSubject(v.Subject, patientID); subjectErr == nil {
					m := convertMedicationRequest(v, containedMedication(r.get("contained"), func(err error) {
						logger.Warn("fhir: skipped malformed entry", "key", "draftOrders", "resourceType", "Medication",
							"entry", r.index, "error", jsonerr.Cut(safeError(err), 160))
					}))
					pending = append(pending, m)
					if m.med.ID != "" {
						out.Raw[m.med.ID] = json.RawMessage(r.raw)
					}
				}
			})
		case "ServiceRequest":
			err = decodeAs(r.raw, func(v *serviceRequest) {
				if subjectErr = checkSubject(v.Subject, patientID); subjectErr == nil {
					out.Services = append(out.Services, codings(v.Code)...)
					out.ServiceOrders = append(out.ServiceOrders, rules.ServiceOrder{ID: resourceID("ServiceRequest", v.ID),
						Status: strings.TrimSpace(str(v.Status)), Codes: codings(v.Code), Text: ccText(v.Code)})
				}
			})
		case "Medication":
			err = decodeAs(r.raw, func(v *medication) { meds.add(v, text(r.fullURL)) })
		}
		if err = cmp.Or(err, subjectErr); err != nil {
			return decodeError(entryPath(r.index)+".resource", err)
		}
		return nil
	}
	top, err := rd.read()
	var de *DecodeError
	switch {
	case errors.Is(err, errNotObject):
		return Orders{}, &DecodeError{Reason: "not a Bundle"}
	case errors.As(err, &de), errors.Is(err, ErrTooManyEntries), err != nil && errors.Is(err, ctx.Err()):
		return Orders{}, err
	case err != nil:
		return Orders{}, decodeError("", err)
	case top.resourceType != "Bundle":
		return Orders{}, &DecodeError{Reason: "not a Bundle"}
	case rd.shape != "":
		return Orders{}, &DecodeError{Path: "entry", Reason: "is not an array"}
	}
	for i := range pending {
		m, ok := pending[i].resolve(meds)
		if !ok {
			logger.Warn("fhir: medicationReference not resolved", "key", "draftOrders", "resourceType", m.ResourceType)
		}
		out.Medications = append(out.Medications, m)
	}
	return out, nil
}

func entryPath(i int) string { return "entry[" + strconv.Itoa(i) + "]" }

// checkSubject fails when ref is a reference to another Patient than
// patientID (nothing is checked when patientID is "").
func checkSubject(ref *fm.Reference, patientID string) error {
	if ref == nil || patientID == "" {
		return nil
	}
	if id, ok := patientOf(str(ref.Reference)); ok && id != strings.TrimPrefix(patientID, "Patient/") {
		return &DecodeError{Path: "subject", Reason: "references another patient than context.patientId"}
	}
	return nil
}
