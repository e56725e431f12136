package upload_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The checks of `make lint` that staticcheck and go vet do not make,
// over the non-test Go files of the module (contrib/ is a module of its
// own). CONTRIBUTING.md says why each exists.

// maxFuncLines is the longest a function may be, from its func line to its
// closing brace, unless its doc comment has a paragraph that starts with
// "Long:" and says why it is one function.
const maxFuncLines = 80

// longMarker starts the paragraph of a doc comment that says why a
// function is longer than maxFuncLines.
const longMarker = "Long:"

// longFuncs are the functions that were over maxFuncLines when the limit
// came, each with what it holds: debt to pay by splitting them, never to
// grow. A function here that is no longer long must leave the list; a new
// long function needs a "Long:" paragraph in its doc comment instead.
var longFuncs = map[string]string{
	"bench/main.go benchmark":                         "the whole comparison run: setup of every tool, the rounds and the report",
	"bench/load.go loadMain":                          "the library load benchmark: flags, MinIO and proxy, the goroutines, the read-back, the report",
	"bench/report.go renderReport":                    "the report's sections in order",
	"bench/failover.go measureFailover":               "one failover measurement: the broken primary, the rounds, the figures",
	"bench/faults.go measureFaults":                   "one faults measurement: the gateway, both variants, alternating rounds",
	"cmd/upload/drain.go app.runDrain":                "the drain command: flags, targets, the interrupt, the summary and the exit status",
	"cmd/upload/upload.go batch.run":                  "the batch loop: workers, the interrupt, results in order",
	"cmd/upload/gateway.go app.runGateway":            "the gateway command: flags, the listener, the control API, shutdown",
	"cmd/upload/report.go tally.add":                  "one result into every counter of the summary",
	"config/config.go Parse":                          "the top-level keys of the configuration",
	"cmd/upload/doctor.go app.runDoctor":              "the doctor command: its checks in order and the exit status",
	"cmd/upload/doctor.go app.diagnose":               "one target's checks in order",
	"cmd/upload/report.go humanSummary":               "the human summary's lines in order",
	"failover/drain.go Uploader.drainOne":             "one spooled copy: open, upload, verify, remove, each failure reported",
	"failover/drain.go Uploader.Drain":                "the drain loop: listing, workers, the stop conditions",
	"failover/run.go run.onTarget":                    "one target's attempts: breaker, limiter, retries, skew and the landed check",
	"failover/options.go Options.withDefaults":        "one default per option",
	"backends/tos/tos.go New":                         "every check of the configuration, then the client",
	"backends/oss/oss.go New":                         "every check of the configuration, then the client",
	"backends/obs/obs.go newBackend":                  "every check of the configuration, then the client",
	"backends/s3/s3.go newBackend":                    "every check of the configuration, then the client",
	"backends/tos/multipart.go Backend.putMultipart":  "initiate, parts, complete and the verification of one multipart upload",
	"backends/local/store.go Backend.store":           "the write protocol of the local backup: temporary files, fsync, rename, record last",
	"internal/diag/diag.go CheckEndpoint":             "every endpoint mistake of every provider",
	"integration/gateway/forward.go Gateway.forward":  "one request through the gateway: auth, faults, the upstream call, the reply",
	"integration/gateway/request.go classify":         "the operation of a request, by method and query",
	"integration/gateway/control.go FaultSpec.action": "one fault specification of the control API into its action",
	"integration/miniotest/server.go Start":           "starting MinIO: the binary, the ports, the readiness wait",
	"credentials/instance.go parseMetadata":           "every field of the instance metadata replies",
}

// goFiles returns the module's non-test Go files, parsed with comments.
func goFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil && p != "." {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(p)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d Go files; is the test running in the module root?", len(files))
	}
	return fset, files
}

// funcName returns "path Recv.Name" or "path Name" for fn in file path.
func funcName(path string, fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return path + " " + fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if g, ok := typ.(*ast.IndexExpr); ok {
		typ = g.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return path + " " + id.Name + "." + fn.Name.Name
	}
	return path + " " + fn.Name.Name
}

// longFunctions returns the functions of files over maxFuncLines, with
// their length, and whether their doc says why.
func longFunctions(fset *token.FileSet, files map[string]*ast.File) map[string]longFunc {
	out := map[string]longFunc{}
	for path, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if n <= maxFuncLines {
				continue
			}
			out[funcName(path, fn)] = longFunc{lines: n, pos: fset.Position(fn.Pos()), reasoned: hasLongReason(fn.Doc)}
		}
	}
	return out
}

type longFunc struct {
	lines    int
	pos      token.Position
	reasoned bool
}

// hasLongReason reports whether doc has a paragraph that starts with
// longMarker and says something after it.
func hasLongReason(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, line := range strings.Split(doc.Text(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), longMarker); ok && strings.TrimSpace(rest) != "" {
			return true
		}
	}
	return false
}

// TestFunctionLength: no function is longer than maxFuncLines without a
// reason: a "Long:" paragraph in its doc comment, or (for the ones that
// were long when the limit came) an entry of longFuncs.
func TestFunctionLength(t *testing.T) {
	fset, files := goFiles(t)
	long := longFunctions(fset, files)
	var bad []string
	for name, lf := range long {
		if !lf.reasoned && longFuncs[name] == "" {
			bad = append(bad, fmt.Sprintf("%s: %s is %d lines, over %d; split it, or say why it is one function in a %q paragraph of its doc comment",
				lf.pos, name, lf.lines, maxFuncLines, longMarker))
		}
	}
	for name := range longFuncs {
		if lf, ok := long[name]; !ok {
			bad = append(bad, fmt.Sprintf("%s is no longer over %d lines (or is gone): remove it from longFuncs in lint_test.go", name, maxFuncLines))
		} else if lf.reasoned {
			bad = append(bad, fmt.Sprintf("%s has a %q paragraph: remove it from longFuncs in lint_test.go", name, longMarker))
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// errCompareMarker, in a comment on the line before, allows one comparison
// of an error with == or a type assertion on it, saying why.
const errCompareMarker = "lint:errcompare"

// errorComparisons returns, for f, every comparison of an error variable
// (a name that is err or ends in Err) with == or != against anything but
// nil and io.EOF (which an io.Reader returns unwrapped, by its contract),
// and every type assertion or type switch on one: errors.Is and errors.As
// see through wrapping, these do not.
func errorComparisons(fset *token.FileSet, f *ast.File) []string {
	allowed := map[int]bool{}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.Contains(c.Text, errCompareMarker) {
				allowed[fset.Position(c.End()).Line+1] = true
			}
		}
	}
	isErrName := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && (id.Name == "err" || strings.HasSuffix(id.Name, "Err"))
	}
	isExempt := func(e ast.Expr) bool {
		if id, ok := e.(*ast.Ident); ok && id.Name == "nil" {
			return true
		}
		if s, ok := e.(*ast.SelectorExpr); ok {
			if x, ok := s.X.(*ast.Ident); ok && x.Name == "io" && s.Sel.Name == "EOF" {
				return true
			}
		}
		return false
	}
	var out []string
	report := func(n ast.Node, what string) {
		p := fset.Position(n.Pos())
		if !allowed[p.Line] {
			out = append(out, fmt.Sprintf("%s: %s; use errors.Is or errors.As (or say why not in a %q comment above)", p, what, errCompareMarker))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				return true
			}
			if isErrName(n.X) && !isExempt(n.Y) || isErrName(n.Y) && !isExempt(n.X) {
				report(n, "an error compared with "+n.Op.String())
			}
		case *ast.TypeAssertExpr:
			if isErrName(n.X) {
				report(n, "a type assertion on an error")
			}
		}
		return true
	})
	return out
}

// TestErrorsComparedThroughWrapping: errors are compared with errors.Is and
// errors.As, which see through wrapping (errorlint's rule).
func TestErrorsComparedThroughWrapping(t *testing.T) {
	fset, files := goFiles(t)
	var bad []string
	for _, f := range files {
		bad = append(bad, errorComparisons(fset, f)...)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestLintChecksBite feeds the checks code that breaks each rule, and code
// that keeps it.
func TestLintChecksBite(t *testing.T) {
	for src, want := range map[string]int{
		`package p; import "io"; func f(err error) bool { return err == io.EOF || err != nil }`:                                  0,
		`package p; import "os"; func f(err error) bool { return err == os.ErrNotExist }`:                                        1,
		`package p; import "os"; func f(err error) bool { _, ok := err.(*os.PathError); return ok }`:                             1,
		`package p; func f(a, readErr error) bool { return readErr != a }`:                                                       1,
		"package p\nfunc f(a, err error) bool {\n\t// lint:errcompare the same value, not a kind of error\n\treturn err == a\n}": 0,
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if got := errorComparisons(fset, f); len(got) != want {
			t.Errorf("%s: %d findings %q, want %d", src, len(got), got, want)
		}
	}
	body := strings.Repeat("\tx++\n", maxFuncLines)
	for src, want := range map[string]bool{
		"package p\nfunc short() { x := 0; x++ }":                                                   false,
		"package p\nfunc long() {\n\tx := 0\n" + body + "}":                                         true,
		"package p\n// long does.\n//\n// Long: one table.\nfunc long() {\n\tx := 0\n" + body + "}": false,
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p/p.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var unreasoned bool
		for _, lf := range longFunctions(fset, map[string]*ast.File{"p/p.go": f}) {
			unreasoned = unreasoned || !lf.reasoned
		}
		if unreasoned != want {
			t.Errorf("%q: unreasoned long function %v, want %v", src[:min(len(src), 60)], unreasoned, want)
		}
	}
}
