package hooks

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOneJSONLibraryOnTheWire: what reads or writes the wire (the request,
// prefetch and FHIR pages, cards, feedback) calls github.com/go-json-experiment/json
// alone (issue 17). encoding/json's types (RawMessage, Number) may name
// bytes; its functions may not decode or encode them. Feedback bodies were
// still read with encoding/json's Unmarshal and Decoder.
func TestOneJSONLibraryOnTheWire(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.go", "../fhir/*.go", "../cards/*.go", "../internal/jsonshape/*.go",
		"../internal/jsonerr/*.go", "../internal/store/feedback.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		std := ""
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/json" {
				std = "json"
				if imp.Name != nil {
					std = imp.Name.Name
				}
			}
		}
		if std == "" {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, isIdent := sel.X.(*ast.Ident); isIdent && x.Name == std {
				switch sel.Sel.Name {
				case "RawMessage", "Number":
				default:
					t.Errorf("%s: calls encoding/json's %s", f, sel.Sel.Name)
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d files checked", checked)
	}
}
