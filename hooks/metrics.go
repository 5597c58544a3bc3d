package hooks

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"jakguard/cards"
	"jakguard/internal/store"
)

// Metrics are the Prometheus metrics of one server. Labels never carry
// patient data: services, statuses, finding codes, prefetch keys, reasons.
// A Metrics built with a nil registry records nothing and serves nothing.
type Metrics struct {
	handler http.Handler

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	cardsTotal    *prometheus.CounterVec
	findingsTotal *prometheus.CounterVec
	prefetch      *prometheus.CounterVec
	fallbackTotal *prometheus.CounterVec
	fallbackTime  prometheus.Histogram
	authFailures  *prometheus.CounterVec
	feedback      *prometheus.CounterVec
	admissionRej  *prometheus.CounterVec
	reg           *prometheus.Registry
}

// NewMetrics registers jakguard's metrics (and the Go and process
// collectors) on reg; nil gives a no-op Metrics.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		return &Metrics{}
	}
	m := &Metrics{
		handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_requests_total", Help: "HTTP requests by route, service and status.",
		}, []string{"route", "service", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "jakguard_request_duration_seconds", Help: "HTTP request latency by route, service and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "service", "status"}),
		cardsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_cards_total", Help: "Cards returned by service and indicator.",
		}, []string{"service", "indicator"}),
		findingsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_findings_total", Help: "Findings returned by service and finding code.",
		}, []string{"service", "code"}),
		prefetch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_prefetch_keys_total", Help: "Prefetch keys by service, key and state (value, null, absent, outcome).",
		}, []string{"service", "key", "state"}),
		fallbackTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_fhir_fallback_queries_total", Help: "FHIR fallback queries by prefetch key and result.",
		}, []string{"key", "result"}),
		fallbackTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "jakguard_fhir_fallback_duration_seconds", Help: "Time spent fetching missing prefetch from the FHIR server, per hook call.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_auth_failures_total", Help: "Rejected JWTs by reason.",
		}, []string{"reason"}),
		feedback: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_feedback_total", Help: "Feedback items received by outcome.",
		}, []string{"outcome"}),
		admissionRej: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jakguard_admission_rejected_total", Help: "Hook calls answered 503 by admission control, by reason (queue_full, wait_timeout, memory).",
		}, []string{"reason"}),
		reg: reg,
	}
	reg.MustRegister(m.requests, m.duration, m.cardsTotal, m.findingsTotal, m.prefetch,
		m.fallbackTotal, m.fallbackTime, m.authFailures, m.feedback, m.admissionRej,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RegisterRecorder exposes the card and audit recorder's counters: records
// written and dropped (queue full, store failing or timing out) and the
// hook calls waiting in its queue.
func (m *Metrics) RegisterRecorder(reg *prometheus.Registry, stats func() store.RecorderStats) {
	if m.handler == nil || reg == nil {
		return
	}
	counter := func(name, help string, v func(store.RecorderStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(stats())) })
	}
	reg.MustRegister(
		counter("jakguard_card_records_dropped_total", "Card records dropped: the recorder's queue was full or the store failed or timed out.",
			func(s store.RecorderStats) uint64 { return s.CardsDropped }),
		counter("jakguard_audit_records_dropped_total", "Audit records dropped: the recorder's queue was full or the store failed or timed out.",
			func(s store.RecorderStats) uint64 { return s.AuditDropped }),
		counter("jakguard_card_records_written_total", "Card records written to the store.",
			func(s store.RecorderStats) uint64 { return s.CardsWritten }),
		counter("jakguard_audit_records_written_total", "Audit records written to the store.",
			func(s store.RecorderStats) uint64 { return s.AuditWritten }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "jakguard_recorder_queue_length", Help: "Hook calls whose records wait for the recorder's writer.",
		}, func() float64 { return float64(stats().Queued) }),
	)
}

// RegisterPruner exposes the records deleted by retention, by kind.
func (m *Metrics) RegisterPruner(reg *prometheus.Registry, stats func() store.Pruned) {
	if m.handler == nil || reg == nil {
		return
	}
	for _, kind := range []struct {
		name string
		v    func(store.Pruned) int
	}{
		{"card", func(p store.Pruned) int { return p.Cards }},
		{"feedback", func(p store.Pruned) int { return p.Feedback }},
		{"audit", func(p store.Pruned) int { return p.Audit }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "jakguard_store_pruned_total", Help: "Records deleted by retention (--retention, --audit-retention), by kind.",
			ConstLabels: prometheus.Labels{"kind": kind.name},
		}, func() float64 { return float64(kind.v(stats())) }))
	}
}

// registerAdmission exposes the evaluations in flight and the limit; once
// per Metrics (a second server on the same Metrics keeps the first's).
func (m *Metrics) registerAdmission(a *admission) {
	if m.handler == nil || m.reg == nil {
		return
	}
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "jakguard_evaluations_in_flight", Help: "Hook calls being evaluated now.",
	}, func() float64 { return float64(a.inFlight()) }))
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "jakguard_evaluations_max", Help: "Most hook calls evaluated at once (--max-concurrent).",
	}, func() float64 { return float64(cap(a.slots)) }))
}

func (m *Metrics) admissionRejected(reason string) {
	if m.handler != nil {
		m.admissionRej.WithLabelValues(reason).Inc()
	}
}

// AuthFailure counts a rejected JWT.
func (m *Metrics) AuthFailure(reason string) {
	if m.handler != nil {
		m.authFailures.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) observe(route, service string, status int, d time.Duration) {
	if m.handler == nil {
		return
	}
	st := strconv.Itoa(status)
	m.requests.WithLabelValues(route, service, st).Inc()
	m.duration.WithLabelValues(route, service, st).Observe(d.Seconds())
}

func (m *Metrics) cards(service string, cs []cards.Card) {
	if m.handler == nil {
		return
	}
	for _, c := range cs {
		m.cardsTotal.WithLabelValues(service, string(c.Indicator)).Inc()
		for _, code := range c.Findings() {
			m.findingsTotal.WithLabelValues(service, code).Inc()
		}
	}
}

func (m *Metrics) prefetchKey(service, key string, st keyState) {
	if m.handler == nil {
		return
	}
	m.prefetch.WithLabelValues(service, key, [...]string{"absent", "null", "outcome", "value"}[st]).Inc()
}

func (m *Metrics) fallback(key string, ok bool) {
	if m.handler == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "unavailable"
	}
	m.fallbackTotal.WithLabelValues(key, result).Inc()
}

func (m *Metrics) fallbackDuration(d time.Duration) {
	if m.handler != nil {
		m.fallbackTime.Observe(d.Seconds())
	}
}

func (m *Metrics) feedbackItem(outcome string) {
	if m.handler != nil {
		m.feedback.WithLabelValues(outcome).Inc()
	}
}

// metricsMiddleware observes every request but the metrics scrape itself.
func (s *Server) metricsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "/metrics" {
			return err
		}
		status := statusOf(c, err)
		service := ""
		if _, ok := s.services[c.Param("id")]; ok {
			service = c.Param("id")
		}
		s.metrics.observe(route, service, status, time.Since(start))
		return err
	}
}
