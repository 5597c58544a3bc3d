package console

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"jakguard/rules"
)

func ruleByCode(t *testing.T, cat Catalogue, code string) Rule {
	t.Helper()
	for _, r := range cat.Rules {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no rule %s", code)
	return Rule{}
}

// The catalogue marks what the site changed: a value set from the
// --valuesets overlay, limits from --rules-config; the defaults mark
// nothing.
func TestCatalogueMarksSiteChanges(t *testing.T) {
	k, err := rules.LoadKnowledge(nil)
	require.NoError(t, err)
	e, err := rules.NewEngine(k, rules.DefaultConfig())
	require.NoError(t, err)
	def, err := BuildCatalogue(e)
	require.NoError(t, err)
	for _, r := range def.Rules {
		assert.False(t, r.SiteOverlay || r.LimitsChanged, "%s: marked as changed by the site with the defaults", r.Code)
	}
	tb := ruleByCode(t, def, "tb-screening-missing")
	assert.Equal(t, "TB test within 12 months", tb.Limits)
	assert.Contains(t, tb.ValueSets, "tb-test")
	assert.NotEmpty(t, def.ValueSets["tb-test"].Codes)
	assert.NotEmpty(t, tb.Sources)

	cfg := rules.DefaultConfig()
	cfg.TBWindow = 180 * 24 * time.Hour
	ko, err := rules.LoadKnowledge(os.DirFS("../../testdata/valuesets/add"))
	require.NoError(t, err)
	site, err := rules.NewEngine(ko, cfg)
	require.NoError(t, err)
	cat, err := BuildCatalogue(site)
	require.NoError(t, err)
	tb = ruleByCode(t, cat, "tb-screening-missing")
	assert.True(t, tb.LimitsChanged, "TB window changed by the rules config")
	assert.NotEqual(t, "TB test within 12 months", tb.Limits)
	hbv := ruleByCode(t, cat, "hbv-screening-missing")
	assert.True(t, hbv.SiteOverlay, "hbsag set from the overlay")
	assert.True(t, cat.ValueSets["hbsag"].Overlay)
	assert.False(t, hbv.LimitsChanged)
}
