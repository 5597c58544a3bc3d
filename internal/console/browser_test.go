package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"jakguard/hooks"
	"jakguard/internal/console"
	"jakguard/internal/store"
	"jakguard/internal/syncbuf"
	"jakguard/rules"
)

// The browser tests drive the console page in headless Chromium (Debian's
// chromium package; .ci/run installs it). Where it is missing they skip,
// except under CI=true, where they fail. A failing step saves a screenshot
// of the page under $JAKGUARD_ARTIFACTS (default: a new jakguard-console-*
// directory under the system temp dir) and names the file.

const browserToken = "browser-test-operator-token-0123456789"

// chromiumPath finds the browser, or skips (fails under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found on PATH: the console's browser tests need it in CI (.ci/run installs it: apt-get install -y chromium)")
	}
	t.Skip("chromium not found on PATH: skipping the console's browser tests (apt-get install -y chromium)")
	return ""
}

// consoleFixture is a jakguard server with a few weeks of cards, feedback
// and audited calls, behind an operator token.
type consoleFixture struct {
	base         string
	hookInstance string // of the upadacitinib order-select call
	patient      string // its context.patientId
	store        store.Store
	urls         *urlLog // every request URL the server received
}

// urlLog keeps the URLs requested, as an access log would.
type urlLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *urlLog) add(u string) { l.mu.Lock(); l.urls = append(l.urls, u); l.mu.Unlock() }

func (l *urlLog) all() []string { l.mu.Lock(); defer l.mu.Unlock(); return slices.Clone(l.urls) }

func newConsoleFixture(t *testing.T) consoleFixture {
	t.Helper()
	var logs syncbuf.Buffer // what the server and the recorder log, shown if a record is lost
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	k, err := rules.LoadKnowledge(nil)
	require.NoError(t, err)
	engine, err := rules.NewEngine(k, rules.DefaultConfig())
	require.NoError(t, err)
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "console.db"), logger)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	rec := store.NewRecorder(st, logger, store.RecorderConfig{Linger: -1, Timeout: time.Minute}) // a loaded CI machine may take seconds to write
	key, err := store.NewAuditKey([]byte("browser-test-audit-key-0123456789abcdef"))
	require.NoError(t, err)
	tokens, err := console.ParseTokens([]byte(browserToken))
	require.NoError(t, err)
	srv, err := hooks.NewServer(hooks.Config{OperatorMode: console.TokenAuth, OperatorTokens: tokens},
		hooks.Deps{Engine: engine, Store: st, Recorder: rec, AuditKey: key, Logger: logger})
	require.NoError(t, err)
	urls := &urlLog{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		urls.add(r.RequestURI)
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)

	// Earlier weeks: cards of two findings, half of them overridden, so
	// that the charts have several weeks of bars and rates.
	now := time.Now().UTC()
	for w := 1; w <= 5; w++ {
		at := now.AddDate(0, 0, -7*w)
		var cards []store.CardRecord
		var fb []store.Feedback
		for i := range 4 + w {
			id := fmt.Sprintf("hist-%d-%d", w, i)
			cards = append(cards, store.CardRecord{UUID: id, Service: "order-select", Findings: []string{"tb-screening-missing", "hbv-screening-missing"},
				Suggestions: []store.SuggestionRecord{{UUID: id + "-s", Findings: []string{"tb-screening-missing"}}}, Shown: at})
			f := store.Feedback{Service: "order-select", Card: id, OutcomeTimestamp: at, Received: at.Add(time.Hour)}
			if i%3 < w%3+1 {
				f.Outcome, f.ReasonSystem, f.ReasonCode, f.ReasonDisplay = store.OutcomeOverridden, "https://jakguard.org/CodeSystem/override-reason", "screening-done-elsewhere", "Screening done elsewhere"
			} else {
				f.Outcome, f.AcceptedSuggestions = store.OutcomeAccepted, []string{id + "-s"}
			}
			fb = append(fb, f)
		}
		require.NoError(t, st.Record(context.Background(), store.Batch{Cards: cards}))
		_, err := st.AddFeedback(context.Background(), fb)
		require.NoError(t, err)
	}

	// This week: real hook calls, recorded and audited.
	fx := consoleFixture{base: hs.URL, store: st, urls: urls}
	for _, name := range []string{"order-select-upadacitinib", "order-sign-abrocitinib", "patient-view-abrocitinib"} {
		body, err := os.ReadFile("../../testdata/requests/" + name + ".json")
		require.NoError(t, err)
		var head struct {
			Hook, HookInstance string
			Context            struct{ PatientID string }
		}
		require.NoError(t, json.Unmarshal(body, &head))
		resp, err := http.Post(hs.URL+"/cds-services/"+head.Hook, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, name)
		if name == "order-select-upadacitinib" {
			fx.hookInstance, fx.patient = head.HookInstance, head.Context.PatientID
		}
	}
	// A handler hands its records to the recorder after its answer is
	// sent: wait for all three before closing the recorder, which would
	// drop a late one (on a loaded machine, the first call's handler can
	// come after the third call's answer).
	require.Eventually(t, func() bool { st := rec.Stats(); return st.AuditWritten+st.AuditDropped == 3 }, time.Minute, 10*time.Millisecond,
		"the three calls' records never reached the recorder")
	require.NoError(t, rec.Close(context.Background()))
	// Every card of this week must be in the store, or the charts miss a
	// week for a reason that has nothing to do with the console: the
	// recorder's log says why one was dropped.
	if st := rec.Stats(); st.AuditWritten != 3 || st.CardsDropped+st.AuditDropped > 0 {
		t.Fatalf("this week's calls were not all recorded: %+v\n%s", st, logs.String())
	}
	return fx
}

// browser starts headless Chromium for one test.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// failed saves a screenshot of the page and fails the test naming it.
func failed(t *testing.T, ctx context.Context, name string, err error) {
	t.Helper()
	dir := os.Getenv("JAKGUARD_ARTIFACTS")
	if dir == "" {
		dir, _ = os.MkdirTemp("", "jakguard-console-")
	}
	file := filepath.Join(dir, strings.NewReplacer(" ", "-", "/", "-").Replace(t.Name()+"-"+name)+".png")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if serr == nil && os.MkdirAll(dir, 0o755) == nil && os.WriteFile(file, png, 0o644) == nil {
		t.Fatalf("%s: %v (screenshot of the page: %s)", name, err, file)
	}
	t.Fatalf("%s: %v (no screenshot could be taken: %v)", name, err, serr)
}

// step runs actions; on failure it saves a screenshot and fails.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		failed(t, ctx, name, err)
	}
}

// value runs one action returning a value, as step.
func value[T any](t *testing.T, ctx context.Context, name string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		failed(t, ctx, name, err)
	}
	return v
}

// check fails with a screenshot unless ok.
func check(t *testing.T, ctx context.Context, name string, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		failed(t, ctx, name, fmt.Errorf(format, args...))
	}
}

// count is the number of elements matching sel.
func count(sel string) chromedp.Action[int] {
	return chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// waitCount waits until at least min elements match sel.
func waitCount(sel string, min int) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll(%q).length >= %d`, sel, min), chromedp.WithPollingTimeout(15*time.Second))
}

// waitJS waits until the expression is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))
}

// text is the text of the first element matching sel.
func text(sel string) chromedp.Action[string] {
	return chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).innerText`, sel))
}

// run evaluates JavaScript for its effect.
func run(js string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[any](js)(ctx, t)
		return chromedp.Void{}, err
	}
}

// selectOption picks an option of a select and fires its change event.
func selectOption(sel, v string) chromedp.Action[chromedp.Void] {
	return run(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event("change")); })()`, sel, v))
}

// setInput sets an input's value.
func setInput(sel, v string) chromedp.Action[chromedp.Void] {
	return run(fmt.Sprintf(`document.querySelector(%q).value = %q`, sel, v))
}

// submit submits a form as its submit button would.
func submit(sel string) chromedp.Action[chromedp.Void] {
	return run(fmt.Sprintf(`document.querySelector(%q).requestSubmit()`, sel))
}

func clickTab(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tabs button[data-tab=%q]`, name)))
}

// TestConsoleInBrowser loads each tab of the console in Chromium: the token
// prompt, the alerts table and a chart with data points, an audit search by
// hookInstance and by patient id, a preview rendered as an EHR shows cards,
// and the rule catalogue.
func TestConsoleInBrowser(t *testing.T) {
	fx := newConsoleFixture(t)
	ctx := browser(t, 45*time.Second)

	step(t, ctx, "token prompt",
		chromedp.Navigate(fx.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#token-form")),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken),
		submit("#token-form"),
	)
	tb := `#alerts-table tbody tr[data-code="tb-screening-missing"]`
	step(t, ctx, "alerts", waitCount(tb, 1))
	row := value(t, ctx, "alerts row", text(tb))
	check(t, ctx, "alerts row", strings.Contains(row, "Screening done elsewhere"), "no top override reason in %q", row)
	// The table says what the API says, finding by finding.
	diff := value(t, ctx, "alerts numbers", chromedp.Evaluate[[]string](`(async () => {
		const a = await (await fetch("/console/api/findings?since=720h", {headers: {Authorization: "Bearer " + sessionStorage.getItem("jakguard.operatorToken")}})).json();
		const out = [];
		for (const f of a.findings) {
			const row = document.querySelector('#alerts-table tbody tr[data-code="' + f.code + '"]');
			if (!row) { out.push(f.code + ": no row"); continue; }
			const c = [...row.cells].map((td) => td.textContent);
			const rate = f.accepted + f.overridden ? (f.overrideRate * 100).toFixed(1) + " %" : "–";
			const want = [f.code, String(f.shown), String(f.accepted), String(f.overridden), rate];
			if (want.join("|") !== c.slice(0, 5).join("|")) out.push(want.join("|") + " shown as " + c.slice(0, 5).join("|"));
		}
		if (document.querySelectorAll("#alerts-table tbody tr[data-code]").length !== a.findings.length) out.push("row count");
		return out; })()`, chromedp.EvalAwaitPromise))
	check(t, ctx, "alerts numbers", len(diff) == 0, "the table differs from the API: %v", diff)
	chart := `#alerts-charts .chart[data-code="tb-screening-missing"] svg`
	// 30 days: this week and the four before it.
	step(t, ctx, "chart", waitCount(chart+" rect.bar", 5))
	dots := value(t, ctx, "chart points", count(chart+" circle.dot"))
	check(t, ctx, "chart points", dots >= 4, "the override-rate line has %d points, want one per week with feedback (>= 4)", dots)
	check(t, ctx, "chart line", value(t, ctx, "chart line", count(chart+" polyline.rate")) == 1, "no override-rate line")
	// One axis of weeks for every chart: a finding with cards this week
	// only (cardiovascular-risk) draws its bar where this week is on the
	// others, not alone across the whole width.
	x := func(code string) string {
		return fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('#alerts-charts .chart[data-code="%s"] rect.bar')].filter((r) => +r.getAttribute("height") > 0); return b.length ? b[b.length - 1].getAttribute("x") : "none"; })()`, code)
	}
	tbX := value(t, ctx, "chart axis", chromedp.Evaluate[string](x("tb-screening-missing")))
	cvX := value(t, ctx, "chart axis", chromedp.Evaluate[string](x("cardiovascular-risk")))
	check(t, ctx, "chart axis", tbX == cvX, "this week's bar at x=%s in one chart and x=%s in another", tbX, cvX)
	slots := value(t, ctx, "chart axis", chromedp.Evaluate[[]int](`[...document.querySelectorAll("#alerts-charts svg")].map((s) => s.querySelectorAll("rect.bar").length)`))
	check(t, ctx, "chart axis", len(slots) > 2 && slices.Min(slots) == slices.Max(slots), "weeks per chart %v: want the same axis for all", slots)

	step(t, ctx, "filter by service",
		selectOption("#alerts-service", "patient-view"),
		submit("#alerts-filter"),
		waitJS(`!document.querySelector('`+tb+`')`),
		waitJS(`document.querySelector("#alerts-summary").textContent !== ""`),
	)
	summary := value(t, ctx, "filter summary", text("#alerts-summary"))
	check(t, ctx, "filter summary", strings.Contains(summary, "patient-view"), "summary %q", summary)

	call := fmt.Sprintf(`.call[data-hook-instance=%q]`, fx.hookInstance)
	step(t, ctx, "audit by hookInstance",
		clickTab("audit"),
		setInput("#audit-hook", fx.hookInstance),
		submit("#audit-search"),
		waitCount(call, 1),
	)
	check(t, ctx, "audit by hookInstance", value(t, ctx, "audit count", count(".call")) == 1, "more than the one call")
	callText := value(t, ctx, "audit call", text(call))
	for _, want := range []string{"tb-screening-missing", "patient: prefetch", "order-select", "200"} {
		check(t, ctx, "audit call", strings.Contains(callText, want), "%q not in %q", want, callText)
	}
	step(t, ctx, "audit by patient id",
		setInput("#audit-hook", ""),
		setInput("#audit-patient", fx.patient),
		run(`document.querySelector("#audit-results").replaceChildren()`),
		submit("#audit-search"),
		waitCount(call, 1),
	)
	check(t, ctx, "audit by patient id", value(t, ctx, "audit count", count(".call")) == 1, "only that patient's call")
	// The patient id searched for is in no URL (proxies and ingresses
	// log URLs): the page posts it.
	for _, u := range fx.urls.all() {
		check(t, ctx, "patient id in no URL", !strings.Contains(u, fx.patient), "the patient id is in the URL %s", u)
	}

	card := "#preview-cards .card.critical"
	step(t, ctx, "preview",
		clickTab("preview"),
		waitCount(`#preview-request option[value="order-sign-abrocitinib"]`, 1),
		selectOption("#preview-request", "order-sign-abrocitinib"),
		waitJS(`document.querySelector("#preview-body").value.includes("order-sign")`),
		submit("#preview-form"),
		waitCount(card, 1),
	)
	cardText := value(t, ctx, "preview card", text(card))
	for _, want := range []string{"CRITICAL", "Do not start abrocitinib", "Cancel this abrocitinib order", "Benefit outweighs risk", "CIBINQO"} {
		check(t, ctx, "preview card", strings.Contains(cardText, want), "%q not in the card: %q", want, cardText)
	}
	check(t, ctx, "preview markdown", value(t, ctx, "markdown", count(card+" .detail strong")) > 0, "the Markdown detail is not rendered")
	check(t, ctx, "preview suggestion", value(t, ctx, "suggestion", count(card+" button.suggestion")) == 1, "no suggestion button")
	check(t, ctx, "preview source link", value(t, ctx, "source", count(card+` .source a[href^="https://"]`)) == 1, "no source link")
	colour := value(t, ctx, "indicator colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("`+card+`")).borderLeftColor`))
	check(t, ctx, "indicator colour", colour == "rgb(198, 40, 40)", "critical card border %s, want red", colour)

	// Untrusted text never becomes markup: a card whose texts hold HTML
	// shows it as text, and a javascript: link is no link.
	n := value(t, ctx, "no HTML from card text", chromedp.Evaluate[int](`(() => {
		const c = renderCard({indicator: "warning", summary: "<img id=x1 src=x>",
			detail: "<b id=x2>bold</b> **ok** [link](javascript:alert(1))", source: {label: "<i id=x3>", url: "javascript:alert(1)"},
			suggestions: [{label: "<u id=x4>"}]});
		document.querySelector("#preview-cards").append(c);
		return ["x1", "x2", "x3", "x4"].filter((id) => document.getElementById(id)).length
			+ document.querySelectorAll('#preview-cards a[href^="javascript"]').length; })()`))
	check(t, ctx, "no HTML from card text", n == 0, "%d elements or links made from card text", n)

	step(t, ctx, "rules",
		clickTab("rules"),
		waitCount("#rules-table tbody tr[data-code]", 20),
	)
	rows := value(t, ctx, "rules count", count("#rules-table tbody tr[data-code]"))
	check(t, ctx, "rules count", rows == len(mustEngine(t).Catalogue()), "%d rows, want every rule of the catalogue", rows)
	thr := value(t, ctx, "rules row", text(`#rules-table tbody tr[data-code="thrombocytopenia"]`))
	check(t, ctx, "rules row", strings.Contains(thr, "critical") && strings.Contains(thr, "CIBINQO"), "thrombocytopenia row %q", thr)
}

func mustEngine(t *testing.T) *rules.Engine {
	k, err := rules.LoadKnowledge(nil)
	require.NoError(t, err)
	e, err := rules.NewEngine(k, rules.DefaultConfig())
	require.NoError(t, err)
	return e
}

// TestConsoleScreenshots writes the screenshots of docs/console.md:
//
//	JAKGUARD_SCREENSHOTS=$PWD/docs/img go test ./internal/console/ -run TestConsoleScreenshots
func TestConsoleScreenshots(t *testing.T) {
	dir := os.Getenv("JAKGUARD_SCREENSHOTS")
	if dir == "" {
		t.Skip("set JAKGUARD_SCREENSHOTS=DIR to write the console's screenshots there")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	fx := newConsoleFixture(t)
	ctx := browser(t, 60*time.Second)
	// The whole page, or (long pages) the window.
	shot := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		step(t, ctx, name, append(actions, chromedp.Sleep(300*time.Millisecond))...)
		capture := chromedp.FullScreenshot(100)
		if name == "rules" {
			capture = chromedp.CaptureScreenshot()
		}
		png := value(t, ctx, name, capture)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644))
	}
	step(t, ctx, "token",
		chromedp.Navigate(fx.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#token-form")),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken),
		submit("#token-form"))
	shot("alerts", waitCount("#alerts-charts svg circle.dot", 4))
	shot("audit",
		clickTab("audit"),
		selectOption("#audit-since", "24h"),
		submit("#audit-search"),
		waitCount(".call", 3))
	shot("preview",
		clickTab("preview"),
		waitCount(`#preview-request option[value="order-select-upadacitinib"]`, 1),
		selectOption("#preview-request", "order-select-upadacitinib"),
		waitJS(`document.querySelector("#preview-body").value.includes("order-select")`),
		submit("#preview-form"),
		waitCount("#preview-cards .card", 2))
	shot("rules",
		clickTab("rules"),
		waitCount("#rules-table tbody tr[data-code]", 20))
}

// TestConsoleInBrowserDefences: what the store holds from callers (card
// summaries, finding codes, hookInstance, client, sources, override
// reasons) is shown as text, never as markup; a search that fails or
// stops at its limit says so instead of showing stale or partial results
// as the answer.
func TestConsoleInBrowserDefences(t *testing.T) {
	fx := newConsoleFixture(t)
	const hostile = `<img id=xss src=x onerror="document.title='owned'">`
	now := time.Now().UTC()
	var audits []store.AuditRecord
	for i := range store.DefaultAuditLimit + 1 {
		audits = append(audits, store.AuditRecord{Time: now.Add(-time.Duration(i+1) * time.Minute), Service: "order-select",
			HookInstance: fmt.Sprintf("bulk-%d", i), Findings: []string{}, Summaries: []string{}, Sources: map[string]string{}, Status: 200})
	}
	audits = append(audits, store.AuditRecord{Time: now, Service: hostile, HookInstance: hostile,
		Client: store.Client{Issuer: hostile, Tenant: hostile}, Findings: []string{hostile}, Summaries: []string{hostile},
		KBRevision: hostile, ConfigHash: hostile, Sources: map[string]string{hostile: hostile}, Status: 200})
	require.NoError(t, fx.store.Record(context.Background(), store.Batch{
		Audits: audits,
		Cards:  []store.CardRecord{{UUID: "hostile-card", Service: "order-select", Findings: []string{"tb-screening-missing"}, Shown: now}},
	}))
	_, err := fx.store.AddFeedback(context.Background(), []store.Feedback{{Service: "order-select", Card: "hostile-card",
		Outcome: store.OutcomeOverridden, ReasonCode: hostile, ReasonDisplay: hostile, OutcomeTimestamp: now, Received: now}})
	require.NoError(t, err)

	ctx := browser(t, 45*time.Second)
	injected := `document.querySelectorAll("#xss, img").length + (document.title === "owned" ? 100 : 0)`
	tb := `#alerts-table tbody tr[data-code="tb-screening-missing"]`
	step(t, ctx, "token",
		chromedp.Navigate(fx.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#token-form")),
		chromedp.SendKeys(chromedp.CSS("#token"), browserToken),
		submit("#token-form"),
		waitCount(tb, 1))
	check(t, ctx, "override reason as text", strings.Contains(value(t, ctx, "alerts row", text(tb)), hostile), "the override reason is not shown as text")
	check(t, ctx, "override reason as text", value(t, ctx, "injected", chromedp.Evaluate[int](injected)) == 0, "markup made from an override reason")
	// The CSP's Trusted Types: no string reaches an HTML sink on this page.
	sink := value(t, ctx, "trusted types", chromedp.Evaluate[string](`(() => { try { document.createElement("div").innerHTML = "<b>x</b>"; return "allowed"; } catch (e) { return "blocked"; } })()`))
	check(t, ctx, "trusted types", sink == "blocked", "innerHTML with a string is %s", sink)

	step(t, ctx, "audit",
		clickTab("audit"),
		selectOption("#audit-since", "24h"),
		submit("#audit-search"),
		waitCount(".call", 2))
	calls := value(t, ctx, "audit", count(".call"))
	check(t, ctx, "audit limit", calls == store.DefaultAuditLimit, "%d calls shown", calls)
	head := value(t, ctx, "audit limit", text("#audit-count"))
	check(t, ctx, "audit limit", strings.Contains(head, "there may be more"), "a search stopped at its limit does not say so: %q", head)
	first := value(t, ctx, "audit hostile", text(".call"))
	check(t, ctx, "audit hostile", strings.Count(first, hostile) >= 6, "the hostile record's texts are not all shown as text: %q", first)
	check(t, ctx, "audit hostile", value(t, ctx, "injected", chromedp.Evaluate[int](injected)) == 0, "markup made from an audit record")

	// The API fails (an outage, a token revoked): the page shows the
	// error and none of the earlier answer.
	step(t, ctx, "audit failing",
		run(`window.fetch = () => Promise.resolve(new Response('{"error":"audit trail unavailable; retry"}', {status: 503, headers: {"Content-Type": "application/json"}}))`),
		submit("#audit-search"),
		waitJS(`document.querySelector("#message").textContent.includes("unavailable")`))
	check(t, ctx, "audit failing", value(t, ctx, "audit failing", count(".call")) == 0, "the calls of the earlier search are still shown")
	step(t, ctx, "alerts failing",
		clickTab("alerts"),
		run(`window.fetch = () => Promise.resolve(new Response('{"error":"analytics unavailable; retry"}', {status: 503, headers: {"Content-Type": "application/json"}}))`),
		selectOption("#alerts-since", "2160h"),
		submit("#alerts-filter"),
		waitJS(`document.querySelector("#message").textContent.includes("unavailable")`))
	check(t, ctx, "alerts failing", value(t, ctx, "alerts failing", count("#alerts-table tbody tr[data-code]")) == 0, "the 30 days' numbers are still shown under the 90 days' heading")
	check(t, ctx, "alerts failing", value(t, ctx, "alerts failing", count("#alerts-charts .chart")) == 0, "the 30 days' charts are still shown")
}
