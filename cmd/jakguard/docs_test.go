package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/hooks"
	"jakguard/rules"
)

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	require.NoError(t, err)
	return string(b)
}

// The metric names the docs give exist: registered in hooks/metrics.go
// (histograms also as _bucket, _sum and _count).
func TestDocumentedMetricsExist(t *testing.T) {
	src := readDoc(t, "hooks/metrics.go")
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:Name:\s*|counter\()"(jakguard_[a-z_]+)"`).FindAllStringSubmatch(src, -1) {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			defined[m[1]+suffix] = true
		}
	}
	require.NotEmpty(t, defined)
	metric := regexp.MustCompile("jakguard_[a-z_]+_(?:total|seconds|bucket|sum|count)\\b")
	for _, doc := range []string{"docs/feedback.md", "docs/deployment.md", "docs/integration.md", "README.md", "deploy/kubernetes/prometheus-rules.yaml"} {
		for _, name := range metric.FindAllString(readDoc(t, doc), -1) {
			assert.True(t, defined[name], "%s names %s, which jakguard does not export", doc, name)
		}
	}
	assert.NotContains(t, readDoc(t, "docs/feedback.md"), "Recorded()` feed", "Recorder.Recorded is not a metric")
}

// deployment.yaml's resources comment and docs/deployment.md give the same
// CPU per call.
func TestDeploymentCPUPerCallAgrees(t *testing.T) {
	yaml := readDoc(t, "deploy/kubernetes/deployment.yaml")
	m := regexp.MustCompile(`About ([0-9.]+) ms of CPU per typical hook call`).FindStringSubmatch(yaml)
	require.NotNil(t, m, "deployment.yaml states no CPU per call")
	assert.Contains(t, readDoc(t, "docs/deployment.md"), "about "+m[1]+" ms of CPU per call for the whole process under load")
	perf := readDoc(t, "docs/performance.md")
	assert.Contains(t, perf, m[1]+" ms", "docs/performance.md measures %s ms", m[1])
}

// docs/valuesets.md lists exactly the value set ids an overlay may use, and
// its example output is what jakguard valuesets check prints for the
// example overlays in testdata/valuesets.
func TestValueSetsGuide(t *testing.T) {
	doc := readDoc(t, "docs/valuesets.md")
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(doc, -1) {
		listed = append(listed, m[1])
	}
	ids := rules.ValueSetIDs()
	slices.Sort(ids)
	slices.Sort(listed)
	assert.Equal(t, ids, listed, "docs/valuesets.md \"Value set ids\" must list rules.ValueSetIDs()")
	assert.Contains(t, readDoc(t, "README.md"), "(docs/valuesets.md)", "the README links the overlay guide")

	for _, dir := range []string{"testdata/valuesets/add", "testdata/valuesets/replace"} {
		r := jak(t, "../..", nil, "valuesets", "check", dir)
		require.Equal(t, 0, r.code, r.stderr)
		require.Contains(t, doc, "$ jakguard valuesets check "+dir)
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "  +") || strings.HasPrefix(line, "  -") || strings.HasPrefix(line, "  =") || strings.Contains(line, " set: ") {
				assert.Contains(t, doc, line, "docs/valuesets.md does not show this line of `valuesets check %s`", dir)
			}
		}
	}
}

// docs/integration.md names every prefetch key of discovery, and every
// service id.
func TestIntegrationGuideCoversDiscovery(t *testing.T) {
	doc := readDoc(t, "docs/integration.md")
	engine, _, err := newEngine("", "")
	require.NoError(t, err)
	srv, err := hooks.NewServer(hooks.Config{}, hooks.Deps{Engine: engine, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	for _, svc := range srv.Services() {
		assert.Contains(t, doc, "`"+svc.ID+"`", "service %s", svc.ID)
		for key := range svc.Prefetch {
			assert.Contains(t, doc, "| `"+key+"` |", "docs/integration.md section 4 lacks the prefetch key %s of %s", key, svc.ID)
		}
	}
}

// The prefetch templates docs/fhir.md and docs/integration.md section 4
// give are those discovery declares: every template but observations word
// for word; for observations its start, its paging and every code system
// it names besides LOINC (the CYP2C19 gene code is HGNC: an EHR team that
// reads "LOINC codes" only would build a query that leaves it out).
func TestDocumentedPrefetchTemplates(t *testing.T) {
	engine, _, err := newEngine("", "")
	require.NoError(t, err)
	srv, err := hooks.NewServer(hooks.Config{}, hooks.Deps{Engine: engine, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	for _, path := range []string{"docs/fhir.md", "docs/integration.md"} {
		doc := readDoc(t, path)
		for _, svc := range srv.Services() {
			for key, tmpl := range svc.Prefetch {
				if key != "observations" {
					assert.True(t, strings.Contains(doc, "`"+tmpl+"`"), "%s: the %s template of %s", path, key, svc.ID)
					continue
				}
				start, codes, ok := strings.Cut(tmpl, "code=")
				require.True(t, ok, tmpl)
				assert.True(t, strings.Contains(doc, "`"+start+"code="), "%s: the observations template of %s", path, svc.ID)
				list, paging, _ := strings.Cut(codes, "&")
				count := paging[strings.LastIndex(paging, "_count="):]
				assert.True(t, strings.Contains(doc, count), "%s: the observations paging of %s (%s)", path, svc.ID, paging)
				for _, c := range strings.Split(list, ",") {
					system, code, _ := strings.Cut(c, "|")
					if system != "http://loinc.org" {
						assert.True(t, strings.Contains(doc, code), "%s: the observations template of %s names %s", path, svc.ID, c)
					}
				}
			}
		}
	}
}

// The answer README "Try it" and docs/integration.md show for
// testdata/requests/order-select-upadacitinib.json is the answer the
// service gives: every documented card summary is one of the real ones,
// and every real one is documented (an integration engineer compares the
// two on the first day).
func TestDocumentedTryItAnswer(t *testing.T) {
	var out, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"eval", "--request", "../../testdata/requests/order-select-upadacitinib.json"}, env(nil), &out, &stderr), stderr.String())
	var resp struct {
		Cards []struct {
			Summary string `json:"summary"`
		} `json:"cards"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &resp))
	var real []string
	for _, c := range resp.Cards {
		real = append(real, c.Summary)
	}
	re := regexp.MustCompile(`"summary":\s*"([A-Z][^"]*)"`) // not the grep pattern
	for _, doc := range []string{"README.md", "docs/integration.md"} {
		text := readDoc(t, doc)
		i := strings.Index(text, "order-select-upadacitinib.json")
		require.GreaterOrEqual(t, i, 0, doc)
		var documented []string
		for _, m := range re.FindAllStringSubmatch(text[i:], 3) {
			documented = append(documented, m[1])
		}
		assert.ElementsMatch(t, real, documented, "%s: the summaries shown after its order-select-upadacitinib.json request", doc)
	}
}

// docker stop (and docker compose down) send SIGKILL 10 s after SIGTERM
// unless told otherwise, which is shorter than the default
// --shutdown-timeout (20 s): the production docker run commands the docs
// give set --stop-timeout above it, or a drain that needs its time is
// killed with the buffered card and audit records.
func TestDocumentedDockerRunStopTimeout(t *testing.T) {
	re := regexp.MustCompile(`--stop-timeout (\d+)`)
	for _, doc := range []string{"README.md", "docs/deployment.md"} {
		text := strings.ReplaceAll(readDoc(t, doc), "\\\n", " ")
		n := 0
		for _, line := range strings.Split(text, "\n") {
			if !strings.HasPrefix(line, "docker run -d") {
				continue // the --rm try-out is stopped with Ctrl-C
			}
			n++
			m := re.FindStringSubmatch(line)
			if assert.NotNil(t, m, "%s: %s", doc, line) {
				s, _ := strconv.Atoi(m[1])
				assert.Greater(t, s, 20+2, "%s: --stop-timeout above --shutdown-timeout (20 s) with a margin", doc)
			}
		}
		assert.NotZero(t, n, doc)
	}
}
