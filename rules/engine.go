package rules

import (
	"errors"
	"time"
)

// Config holds every window and threshold of the rules with its citation.
// STUB: the rules work replaces this with the full configuration struct.
type Config struct{}

// DefaultConfig returns the contract's defaults.
func DefaultConfig() Config { return Config{} }

// Engine evaluates the rules with one loaded Knowledge and Config. It is
// prepared once at start-up and safe for concurrent use.
type Engine struct {
	k   *Knowledge
	cfg Config
}

// NewEngine checks the configuration and returns a ready engine.
func NewEngine(k *Knowledge, cfg Config) (*Engine, error) {
	if k == nil {
		return nil, errors.New("rules: nil knowledge")
	}
	return &Engine{k: k, cfg: cfg}, nil
}

// Knowledge returns the engine's value sets.
func (e *Engine) Knowledge() *Knowledge { return e.k }

// Recognize tells whether m is an upadacitinib or abrocitinib order, by
// RxNorm code or, failing that, by its text; byText reports the latter.
// STUB.
func (e *Engine) Recognize(m Medication) (drug Drug, byText bool, ok bool) { return "", false, false }

// EvaluateOrders runs every order-time rule for each order (the recognised
// JAK-inhibitor orders to evaluate) against the record and the session.
// STUB.
func (e *Engine) EvaluateOrders(rec *Record, sess Session, orders []Medication, now time.Time) []Finding {
	return nil
}

// EvaluatePatientView runs the on-treatment rules for a patient-view call.
// It returns nil when the patient has no active upadacitinib or abrocitinib.
// STUB.
func (e *Engine) EvaluatePatientView(rec *Record, now time.Time) []Finding { return nil }
