package hooks

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/internal/store"
)

// The outage review (December 2026): ways to make jakguard serve answer
// no advice, or hold memory and time without bound, that the fail-safe
// reviews had not covered.

// hangingFeedbackStore is a store whose feedback inserts hang until their
// context ends (a database behind a network partition), while everything
// else works.
type hangingFeedbackStore struct {
	store.Store
	mu      sync.Mutex
	waiting int
}

func (h *hangingFeedbackStore) AddFeedback(ctx context.Context, _ []store.Feedback) (int, error) {
	h.mu.Lock()
	h.waiting++
	h.mu.Unlock()
	defer func() { h.mu.Lock(); h.waiting--; h.mu.Unlock() }()
	<-ctx.Done()
	return 0, ctx.Err()
}

func (h *hangingFeedbackStore) hanging() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting
}

// Feedback never takes a hook call's slot: with the feedback store hanging
// (each post waits --db-timeout for its insert), an EHR's ordinary stream
// of feedback held every evaluation slot and hook calls were refused 503:
// a feedback-store outage became an advice outage. Feedback now has its
// own, smaller pool (a quarter of --max-concurrent, at least one).
func TestHangingFeedbackStoreLeavesHookCallsAlone(t *testing.T) {
	const upa = "testdata/requests/order-select-upadacitinib.json"
	for _, maxConc := range []int{1, 4, 8} {
		t.Run(fmt.Sprintf("max-concurrent %d", maxConc), func(t *testing.T) {
			s := newTestServer(t, serverOpts{deadline: 10 * time.Second})
			h := &hangingFeedbackStore{Store: s.store}
			s.Server.store = h
			s.cfg.StoreTimeout = 2 * time.Second
			s.cfg.MaxConcurrent, s.cfg.AdmissionQueue = maxConc, maxConc
			s.admission = newAdmission(maxConc, maxConc, DefaultAdmissionWait)
			s.feedbackAdmission = newAdmission(feedbackSlots(maxConc), feedbackSlots(maxConc), DefaultAdmissionWait)
			s.echo = s.routes()
			fb := []byte(`{"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2026-12-07T10:00:00Z"}]}`)

			// More feedback posts than there are slots of either kind.
			posts := 2*maxConc + 2
			codes := make(chan int, posts)
			for range posts {
				go func() { codes <- s.do(t, "POST", "/cds-services/order-select/feedback", fb).Code }()
			}
			require.Eventually(t, func() bool { return h.hanging() == feedbackSlots(maxConc) }, 5*time.Second, time.Millisecond)
			assert.Equal(t, feedbackSlots(maxConc), h.hanging(), "feedback holds its own slots only")

			// Every hook slot is still free: as many calls as slots answer cards.
			var wg sync.WaitGroup
			hook := make([]int, maxConc)
			for i := range hook {
				wg.Go(func() { hook[i] = s.do(t, "POST", "/cds-services/order-select", readFile(t, upa)).Code })
			}
			wg.Wait()
			for i, c := range hook {
				assert.Equal(t, http.StatusOK, c, "hook call %d while feedback hangs", i)
			}
			for range posts {
				assert.Equal(t, http.StatusServiceUnavailable, <-codes, "feedback: 503, retry later")
			}
		})
	}
}

func TestFeedbackSlots(t *testing.T) {
	for _, tc := range []struct{ max, want int }{{1, 1}, {2, 1}, {4, 1}, {7, 1}, {8, 2}, {9, 2}, {16, 4}, {64, 16}} {
		assert.Equal(t, tc.want, feedbackSlots(tc.max), "max-concurrent %d", tc.max)
	}
}
