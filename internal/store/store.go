package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// CardRecord is what jakguard keeps about one card it returned: enough to
// attribute later feedback, and nothing about the patient.
type CardRecord struct {
	UUID        string             // card.uuid sent to the EHR (UUIDv7: keys insert in order)
	Service     string             // CDS service id, e.g. "order-sign"
	Findings    []string           // finding codes the card reports
	Suggestions []SuggestionRecord // the card's suggestions
	Issuer      string             // JWT iss of the calling client ("" when unauthenticated)
	Tenant      string             // JWT tenant claim, if any
	Shown       time.Time          // when the card was returned
}

// SuggestionRecord is one suggestion of a card: its uuid and the finding
// codes (of the card's) it addresses. Feedback accepting it counts for these
// findings only.
type SuggestionRecord struct {
	UUID     string
	Findings []string
}

// AuditRecord is the audit trail of one hook call (contract 6.7): what was
// answered and why, with the patient only as a keyed hash. Its JSON form is
// what the console's audit API returns.
type AuditRecord struct {
	Time         time.Time `json:"time"` // when the call arrived
	Service      string    `json:"service"`
	HookInstance string    `json:"hookInstance,omitempty"`
	Client       Client    `json:"client"`
	// PatientHash is AuditKey.PatientHash of context.patientId ("" when the
	// body could not be read).
	PatientHash string   `json:"patientHash,omitempty"`
	Findings    []string `json:"findings"`  // finding codes of the cards answered
	Summaries   []string `json:"summaries"` // the cards' summaries, in order
	KBRevision  string   `json:"kbRevision"`
	ConfigHash  string   `json:"configHash"` // hash of the rules configuration
	// Sources says where each prefetch key's data came from: "prefetch",
	// "fhir" (FHIR fallback), "prefetch+fhir" (further pages fetched) or
	// "unavailable".
	Sources   map[string]string `json:"sources"`
	Status    int               `json:"status"`    // HTTP status answered
	LatencyMs float64           `json:"latencyMs"` // stored to the microsecond
}

// Client is the calling client of an audited call.
type Client struct {
	Issuer string `json:"iss,omitempty"`
	Tenant string `json:"tenant,omitempty"`
}

// Batch is what the recorder writes in one transaction.
type Batch struct {
	Cards  []CardRecord
	Audits []AuditRecord
}

// AuditQuery selects audit records, newest first. Zero fields select all.
type AuditQuery struct {
	Since        time.Time
	PatientHash  string
	HookInstance string
	// Limit bounds the answer: 0 means DefaultAuditLimit, more than
	// MaxAuditLimit means MaxAuditLimit.
	Limit int
}

// Bounds of an audit query.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
	// MaxAuditText bounds the caller-chosen strings an audit record keeps
	// (service id, hookInstance), in bytes: longer ones are cut on a
	// character boundary, and a search for one is cut the same way.
	MaxAuditText = 128
)

// AuditLimit is how many records an AuditQuery of Limit n answers at
// most (n 0: DefaultAuditLimit; over MaxAuditLimit: MaxAuditLimit).
func AuditLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultAuditLimit
	case n > MaxAuditLimit:
		return MaxAuditLimit
	}
	return n
}

// ClipAuditText is s as the audit trail keeps a caller-chosen string (a
// service id, a hookInstance): cut to MaxAuditText bytes on a character
// boundary. A search for one is cut the same way, or a longer one never
// matches. A NUL or bytes that are not UTF-8 become U+FFFD: PostgreSQL
// text holds neither, and refused the recorder's whole batch, the records
// of the other calls written with it too (failsafe18).
func ClipAuditText(s string) string {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	return clip(s, MaxAuditText)
}

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// PruneRequest asks for one small batch of retention pruning: at most
// Limit cards shown before CardsBefore (with their findings and feedback,
// and feedback received before it) and at most Limit audit records of calls
// before AuditBefore. A zero time prunes nothing of that kind.
type PruneRequest struct {
	CardsBefore time.Time
	AuditBefore time.Time
	Limit       int
}

// Pruned counts what one Prune deleted.
type Pruned struct {
	Cards, Feedback, Audit int
}

// Feedback is one CDS Hooks 2.0 feedback item. ParseFeedback fills the
// fields that come from the body; the caller sets Service, Issuer, Tenant and
// Received (AddFeedback uses the current time when Received is zero).
type Feedback struct {
	Service             string
	Card                string
	Outcome             string // OutcomeAccepted or OutcomeOverridden
	AcceptedSuggestions []string
	ReasonSystem        string
	ReasonCode          string
	ReasonDisplay       string
	UserComment         string
	OutcomeTimestamp    time.Time
	Issuer              string
	Tenant              string
	Received            time.Time
}

// Feedback outcomes defined by CDS Hooks 2.0.
const (
	OutcomeAccepted   = "accepted"
	OutcomeOverridden = "overridden"
)

// Report is the feedback analytics since a point in time.
type Report struct {
	Since    time.Time      `json:"since,omitzero"`
	Findings []FindingStats `json:"findings"`
	// Unattributed counts the distinct card uuids that received feedback but
	// were never recorded as shown (unknown cards), or shown to another
	// client (issuer and tenant) than the feedback's.
	Unattributed int `json:"unattributed"`
}

// FindingStats is the analytics of one finding code. A card reporting
// several findings counts once for each of them. Accepted and Overridden
// count distinct cards; OverrideRate is Overridden / (Accepted + Overridden),
// 0 when no card got feedback.
type FindingStats struct {
	Code                string        `json:"code"`
	Shown               int           `json:"shown"`
	Accepted            int           `json:"accepted"`
	Overridden          int           `json:"overridden"`
	OverrideRate        float64       `json:"overrideRate"`
	TopReasons          []ReasonCount `json:"topReasons"`
	AcceptedSuggestions int           `json:"acceptedSuggestions"`
}

// ReasonCount is one coded override reason and the number of distinct cards
// overridden with it.
type ReasonCount struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
	Count   int    `json:"count"`
}

// Store is the feedback store and audit trail. Both backends pass the same
// test suite.
type Store interface {
	// Record stores the card and audit records of a batch in one
	// transaction. Recording a card uuid again is a no-op.
	Record(ctx context.Context, b Batch) error
	// AddFeedback stores feedback items durably in one transaction and
	// returns how many were new. An item already stored (same idempotency
	// key) is skipped. Feedback for a card never recorded, or recorded for
	// another client (issuer and tenant), is stored with the unknown_card
	// flag, never rejected.
	AddFeedback(ctx context.Context, items []Feedback) (stored int, err error)
	// Report returns the analytics for cards shown and feedback received at
	// or after since (the zero time means everything).
	Report(ctx context.Context, since time.Time) (Report, error)
	// Analytics returns the report of q (Report's numbers when q.Service
	// is empty) and its weekly series per finding, for the console.
	Analytics(ctx context.Context, q AnalyticsQuery) (Analytics, error)
	// Audit returns the audit records q selects, newest first.
	Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// Prune deletes one small batch of records past retention.
	Prune(ctx context.Context, r PruneRequest) (Pruned, error)
	// Ping reports whether the store is reachable and migrated.
	Ping(ctx context.Context) error
	// Close releases the store. It is safe to call more than once.
	Close() error
}

// topReasons is the number of override reasons a FindingStats lists.
const topReasons = 5

// ErrBadDSN is returned by Open for a DSN it does not understand.
var ErrBadDSN = errors.New("bad store DSN")

// Open opens the store named by dsn and applies pending migrations:
// "sqlite:PATH" (PATH may be ":memory:"; the file is created if needed) or a
// "postgres://" / "postgresql://" URL. Errors never contain the DSN's
// password.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (Store, error) {
	return open(ctx, dsn, logger, true)
}

// ErrNoStore is returned by OpenExisting when dsn names no jakguard store:
// a SQLite file that does not exist, or a database without jakguard's schema.
var ErrNoStore = errors.New("no jakguard store")

// OpenExisting opens a store that jakguard serve created, for reading (the
// report): it neither creates a SQLite file nor applies migrations.
func OpenExisting(ctx context.Context, dsn string, logger *slog.Logger) (Store, error) {
	return open(ctx, dsn, logger, false)
}

func open(ctx context.Context, dsn string, logger *slog.Logger, create bool) (Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), logger, create)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, logger, create)
	default:
		return nil, fmt.Errorf("%w %q: want sqlite:PATH or postgres://...", ErrBadDSN, RedactDSN(dsn))
	}
}

// RedactDSN returns dsn with any password replaced by "xxxxx", for logs and
// errors.
func RedactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite:") {
		return dsn // a file path holds no secret
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		// Not a URL we can take apart: keep only a plain scheme.
		if scheme, _, ok := strings.Cut(dsn, "://"); ok && scheme != "" && !strings.ContainsAny(scheme, "@:/ =") {
			return scheme + "://REDACTED"
		}
		return "REDACTED"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// redactError returns err with every occurrence of the DSN's password removed
// from its text. Drivers usually redact, but we do not rely on it.
func redactError(err error, dsn string) error {
	if err == nil {
		return nil
	}
	secrets := dsnSecrets(dsn)
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}

// dsnSecrets returns the password forms that may appear in driver errors.
func dsnSecrets(dsn string) []string {
	var out []string
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		}
		if p := u.Query().Get("password"); p != "" {
			out = append(out, p, url.QueryEscape(p))
		}
	}
	// Unparseable URL: fall back to the text between "user:" and "@".
	if i, j := strings.Index(dsn, "://"), strings.LastIndex(dsn, "@"); i >= 0 && j > i {
		if k := strings.Index(dsn[i+3:j], ":"); k >= 0 {
			out = append(out, dsn[i+3+k+1:j])
		}
	}
	return out
}
