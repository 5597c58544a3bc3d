package jsonerr

import (
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
)

func TestCut(t *testing.T) {
	assert.Equal(t, "abc", Cut("abc", 3))
	assert.Equal(t, "ab…", Cut("abc", 2))
	assert.Equal(t, "a…", Cut("aé", 2), "never splits a character")
}

func TestPath(t *testing.T) {
	assert.Equal(t, "entry[0].resource.status", Path(jsontext.Pointer("/entry/0/resource/status")))
	assert.Equal(t, "entry[0].resource", Join("entry[0]", "resource"))
	assert.Equal(t, "entry[0]", Join("entry", "[0]"))
	assert.Equal(t, "x", Join("", "x"))
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "unknown code `…` in \"…\"", Redact("unknown code `Ada` in \"a\\\"b\""))
	assert.Equal(t, `bad "…`, Redact(`bad "Ada`))
}
