package upload_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The import rules of the layout (README "Layout"), checked over `go list -deps -json
// ./...`. Packages that do not exist yet are simply absent from the listing;
// a rule fails only on a violation.

// sdks maps each provider package under backends/ to the module of its SDK.
// local has none; backendtest is the suite, not a provider.
var sdks = map[string]string{
	"tos":   "github.com/volcengine/ve-tos-golang-sdk",
	"oss":   "github.com/aliyun/aliyun-oss-go-sdk",
	"obs":   "github.com/huaweicloud/huaweicloud-sdk-go-obs",
	"cos":   "github.com/tencentyun/cos-go-sdk-v5",
	"s3":    "github.com/minio/minio-go",
	"local": "",
}

// gobreaker is the only third-party module failover may import.
const gobreaker = "github.com/sony/gobreaker"

// minioGo is the S3 client the harnesses under backends/backendtest read
// the test MinIO with.
const minioGo = "github.com/minio/minio-go"

// listedPackage is what the rules need of one entry of `go list -json`.
type listedPackage struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
	Standard     bool
	Module       *struct {
		Path string
		Main bool
	}
}

func TestImportRules(t *testing.T) {
	module, pkgs := goList(t)
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	if _, ok := pkgs[module+"/uploader"]; !ok {
		t.Fatalf("go list did not list %s/uploader; the test is not looking at this module", module)
	}
	for _, v := range checkImports(module, pkgs) {
		t.Error(v)
	}
	for _, v := range checkNoInit(t, module, pkgs) {
		t.Error(v)
	}
}

// goList runs `go list -e -deps -json ./...` in the module root and returns
// the main module's path and every package listed, by import path.
func goList(t *testing.T) (string, map[string]*listedPackage) {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-json", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string]*listedPackage{}
	module := ""
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs[p.ImportPath] = &p
		if p.Module != nil && p.Module.Main {
			module = p.Module.Path
		}
	}
	return module, pkgs
}

// within reports whether path is root or a package under it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+"/")
}

// checkImports returns one message per violation of the import rules.
func checkImports(module string, pkgs map[string]*listedPackage) []string {
	var v []string
	bad := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	mod := func(rel string) string { return module + "/" + rel }
	isModule := func(path string) bool { return within(path, module) }
	isStd := func(path string) bool {
		p, ok := pkgs[path]
		return ok && p.Standard || !ok && !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
	}
	sdkOf := func(path string) string { // the provider whose SDK path is in, or ""
		for p, m := range sdks {
			if m != "" && within(path, m) || m != "" && strings.HasPrefix(path, m+"/v") {
				return p
			}
		}
		return ""
	}
	// concrete returns the provider package path is (or is under), or "".
	concrete := func(path string) string {
		rest, ok := strings.CutPrefix(path, mod("backends/"))
		if !ok {
			return ""
		}
		name := strings.SplitN(rest, "/", 2)[0]
		if name == "backendtest" {
			return ""
		}
		return name
	}
	// closure returns the packages roots import, directly or not, and roots.
	closure := func(roots []string) map[string]bool {
		c := map[string]bool{}
		for _, r := range roots {
			c[r] = true
			if p, ok := pkgs[r]; ok {
				for _, d := range p.Deps {
					c[d] = true
				}
			}
		}
		return c
	}

	var paths []string
	for path, p := range pkgs {
		if isModule(path) && p.Module != nil && p.Module.Main {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)

	for _, path := range paths {
		p := pkgs[path]
		rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")

		// Test code stays in test packages.
		if slices.Contains(p.Imports, "testing") && !within(path, mod("backends/backendtest")) {
			bad("%s imports \"testing\" outside _test.go files; only backends/backendtest may", rel)
		}
		// The suite and its harnesses serve tests only.
		if !within(path, mod("backends/backendtest")) {
			for _, imp := range p.Imports {
				if within(imp, mod("backends/backendtest")) {
					bad("%s imports %s outside _test.go files", rel, strings.TrimPrefix(imp, module+"/"))
				}
			}
		}

		// Only cmd/upload, integration and bench (the benchmark harness,
		// which drives the library the way an application does) name
		// concrete backends (a backend's own tests may import it).
		if !within(path, mod("cmd/upload")) && !within(path, mod("integration")) && !within(path, mod("bench")) {
			lists := [][]string{p.Imports, p.TestImports, p.XTestImports}
			if path == module {
				// The module's front door shows the library in use: its
				// Example (package upload_test) wires real backends.
				lists = lists[:2]
			}
			for _, list := range lists {
				for _, imp := range list {
					if c := concrete(imp); c != "" && c != concrete(path) {
						bad("%s imports the concrete backend %s; only cmd/upload, integration and bench may", rel, strings.TrimPrefix(imp, module+"/"))
					}
				}
			}
		}

		switch {
		case path == mod("uploader"):
			for _, d := range p.Deps {
				if !isStd(d) {
					bad("uploader depends on %s; it may use the standard library only", d)
				}
			}

		case path == mod("credentials"):
			// Every backend and application imports it: the standard
			// library only, like uploader.
			for _, d := range p.Deps {
				if !isStd(d) {
					bad("credentials depends on %s; it may use the standard library only", d)
				}
			}

		case path == mod("provider"):
			// Every backend declares itself with it: uploader, credentials
			// and the standard library only.
			for _, d := range p.Deps {
				if !isStd(d) && d != mod("uploader") && d != mod("credentials") {
					bad("provider depends on %s; it may use uploader, credentials and the standard library only", d)
				}
			}

		case path == mod("config"):
			// The public configuration: the registry gives it the
			// backends; it names none and no SDK.
			for _, d := range p.Deps {
				if s := sdkOf(d); s != "" {
					bad("config depends on %s, the SDK of %s; providers reach it through a provider.Registry", d, s)
				}
			}

		case path == mod("backends/backendtest"):
			for _, imp := range p.Imports {
				if !isStd(imp) && imp != mod("uploader") {
					bad("backends/backendtest imports %s; it may import uploader and the standard library only", imp)
				}
			}

		case within(path, mod("backends/backendtest")):
			// A harness under the suite (gatewayharness) runs the test
			// MinIO and the vendor gateway and reads MinIO with minio-go.
			for _, imp := range p.Imports {
				switch {
				case isStd(imp), imp == mod("uploader"), within(imp, mod("backends/backendtest")),
					within(imp, mod("integration/gateway")), within(imp, mod("integration/miniotest")),
					within(imp, minioGo) || strings.HasPrefix(imp, minioGo+"/v"):
				default:
					bad("%s imports %s; a harness under backends/backendtest may import uploader, backends/backendtest, "+
						"integration/gateway, integration/miniotest, minio-go and the standard library only", rel, imp)
				}
			}

		case strings.HasPrefix(path, mod("backends/")):
			name := concrete(path)
			sdk, known := sdks[name]
			if !known {
				bad("%s is a backend with no SDK in the import-rule map of imports_test.go; add it", rel)
				continue
			}
			for _, imp := range p.Imports {
				switch {
				case isStd(imp), imp == mod("uploader"), imp == mod("credentials"), imp == mod("provider"), within(imp, mod("internal")), within(imp, path):
				case sdk != "" && sdkOf(imp) == name:
				default:
					bad("backends/%s imports %s; it may import uploader, credentials, provider, internal/ and its own SDK (%s) only", name, imp, orNone(sdk))
				}
			}
			seen := map[string]bool{}
			for _, d := range p.Deps {
				if isModule(d) && d != mod("uploader") && d != mod("credentials") && d != mod("provider") && !within(d, mod("internal")) && !within(d, path) {
					bad("backends/%s depends on %s", name, strings.TrimPrefix(d, module+"/"))
				}
				if other := sdkOf(d); other != "" && other != name && !seen[other] {
					seen[other] = true
					bad("backends/%s depends on %s, the SDK of %s", name, d, other)
				}
			}

		case within(path, mod("failover")):
			var third []string
			for _, imp := range p.Imports {
				switch {
				case isStd(imp), imp == mod("uploader"), within(imp, mod("failover")):
				case within(imp, gobreaker) || strings.HasPrefix(imp, gobreaker+"/"):
					third = append(third, imp)
				default:
					bad("%s imports %s; failover may import uploader and gobreaker only", rel, imp)
				}
			}
			allowed := closure(third)
			for _, d := range p.Deps {
				switch {
				case isStd(d), d == mod("uploader"), within(d, mod("failover")), allowed[d]:
				case isModule(d):
					bad("%s depends on %s; failover may import uploader and gobreaker only", rel, strings.TrimPrefix(d, module+"/"))
				default:
					// A third-party package that is neither gobreaker
					// nor reached through it, found through a module
					// package: that package is reported itself.
				}
			}

		case within(path, mod("internal")):
			for _, d := range p.Deps {
				for _, top := range []string{"backends", "failover", "cmd", "integration"} {
					if within(d, mod(top)) {
						bad("%s depends on %s; internal packages serve the backends and import none of them", rel, strings.TrimPrefix(d, module+"/"))
					}
				}
				if s := sdkOf(d); s != "" {
					bad("%s depends on %s, the SDK of %s; vendor code belongs in backends/%s", rel, d, s, s)
				}
			}
		}
	}
	return v
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// registryCalls are names that register something globally when an init
// calls them, in the standard library and in the usual registries.
var registryCalls = []string{"Register", "MustRegister", "Handle", "HandleFunc", "Publish", "AddExtensionType", "RegisterFormat", "RegisterName"}

// checkNoInit reports every func init in the module's non-test files that
// registers something: one that calls a function of a non-standard package
// (of this module or a third party), or a registry function of any package.
// Wiring is explicit (a switch in cmd/upload), never an init registry; an
// init that only fills a package's own lookup table is allowed.
func checkNoInit(t *testing.T, module string, pkgs map[string]*listedPackage) []string {
	var v []string
	fset := token.NewFileSet()
	for path, p := range pkgs {
		if !within(path, module) || p.Module == nil || !p.Module.Main {
			continue
		}
		for _, name := range append(slices.Clone(p.GoFiles), p.CgoFiles...) {
			file := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Logf("parsing %s: %v (its owner's compiler will say more)", file, err)
				continue
			}
			for _, call := range initRegistrations(f, func(imp string) bool {
				q, ok := pkgs[imp]
				return ok && q.Standard
			}) {
				v = append(v, fmt.Sprintf("%s: func init calls %s (%s); wire explicitly instead",
					strings.TrimPrefix(path, module+"/"), call.what, fset.Position(call.pos)))
			}
		}
	}
	sort.Strings(v)
	return v
}

type initCall struct {
	what string
	pos  token.Pos
}

// initRegistrations returns the calls in f's init functions that register
// something (see checkNoInit). isStd reports whether an import path is of
// the standard library.
func initRegistrations(f *ast.File, isStd func(string) bool) []initCall {
	imports := map[string]string{} // local name -> path
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = path
	}
	var out []initCall
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "init" || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fname, pkg string
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				fname = fun.Name
			case *ast.SelectorExpr:
				fname = fun.Sel.Name
				if id, ok := fun.X.(*ast.Ident); ok {
					pkg = imports[id.Name]
				}
			}
			switch {
			case slices.Contains(registryCalls, fname):
				out = append(out, initCall{fname, call.Pos()})
			case pkg != "" && !isStd(pkg):
				out = append(out, initCall{pkg + "." + fname, call.Pos()})
			}
			return true
		})
	}
	return out
}

func TestInitCheckCatchesRegistration(t *testing.T) {
	isStd := func(p string) bool { return !strings.Contains(p, ".") }
	for src, want := range map[string]int{
		`package p; import "strings"; var m = map[string]bool{}; func init() { for _, k := range strings.Fields("a b") { m[k] = true } }`: 0,
		`package p; import "example.com/registry"; func init() { registry.Add("x", nil) }`:                                                1,
		`package p; import "net/http"; func init() { http.HandleFunc("/", nil) }`:                                                         1,
		`package p; func init() { Register("x") }; func Register(string) {}`:                                                              1,
		`package p; import r "example.com/registry"; func helper() { r.Add("x", nil) }`:                                                   0,
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(initRegistrations(f, isStd)); got != want {
			t.Errorf("%s: %d registrations found, want %d", src, got, want)
		}
	}
}

// TestImportRulesCatchViolations feeds checkImports a made-up module with
// one violation of each rule, and a clean one, to show the rules bite.
func TestImportRulesCatchViolations(t *testing.T) {
	const m = "example.com/up"
	std := func(paths ...string) []*listedPackage {
		var out []*listedPackage
		for _, p := range paths {
			out = append(out, &listedPackage{ImportPath: p, Standard: true})
		}
		return out
	}
	own := func(path string, imports, deps []string) *listedPackage {
		p := &listedPackage{ImportPath: path, Imports: imports, Deps: deps}
		p.Module = &struct {
			Path string
			Main bool
		}{m, true}
		return p
	}
	third := func(path string, deps ...string) *listedPackage {
		return &listedPackage{ImportPath: path, Deps: deps}
	}
	clean := func() map[string]*listedPackage {
		ps := map[string]*listedPackage{}
		for _, p := range std("context", "io", "testing", "net/http") {
			ps[p.ImportPath] = p
		}
		for _, p := range []*listedPackage{
			own(m+"/uploader", []string{"context", "io"}, []string{"context", "io"}),
			own(m+"/internal/xfer", []string{"io", m + "/uploader"}, []string{"io", m + "/uploader"}),
			own(m+"/backends/local", []string{"io", m + "/uploader", m + "/provider"}, []string{"io", m + "/uploader", m + "/provider"}),
			own(m+"/provider", []string{m + "/uploader", m + "/credentials"}, []string{m + "/uploader", m + "/credentials"}),
			own(m+"/credentials", []string{"io"}, []string{"io"}),
			own(m+"/backends/tos", []string{m + "/uploader", m + "/internal/xfer", "github.com/volcengine/ve-tos-golang-sdk/v2/tos"},
				[]string{m + "/uploader", m + "/internal/xfer", "github.com/volcengine/ve-tos-golang-sdk/v2/tos", "golang.org/x/net/http2"}),
			own(m+"/backends/backendtest", []string{"testing", m + "/uploader"}, []string{"testing", m + "/uploader"}),
			own(m+"/backends/backendtest/gatewayharness",
				[]string{"testing", m + "/uploader", m + "/backends/backendtest", m + "/integration/gateway", m + "/integration/miniotest", "github.com/minio/minio-go/v7"}, nil),
			own(m+"/failover", []string{m + "/uploader", gobreaker + "/v2"}, []string{m + "/uploader", gobreaker + "/v2", "github.com/x/dep"}),
			own(m+"/cmd/upload", []string{m + "/backends/local", m + "/backends/tos"}, nil),
			third("github.com/volcengine/ve-tos-golang-sdk/v2/tos", "golang.org/x/net/http2"),
			third(gobreaker+"/v2", "github.com/x/dep"),
		} {
			ps[p.ImportPath] = p
		}
		ps[m+"/backends/local"].XTestImports = []string{m + "/backends/local", m + "/backends/backendtest"}
		ps[m+"/backends/tos"].TestImports = []string{m + "/backends/backendtest/gatewayharness"}
		return ps
	}
	if v := checkImports(m, clean()); len(v) != 0 {
		t.Fatalf("a clean module has violations: %q", v)
	}
	for _, tc := range []struct {
		name    string
		breakIt func(ps map[string]*listedPackage)
		want    string
	}{
		{"uploader imports the module", func(ps map[string]*listedPackage) {
			ps[m+"/uploader"].Deps = append(ps[m+"/uploader"].Deps, m+"/internal/xfer")
		}, "uploader depends on " + m + "/internal/xfer"},
		{"uploader imports third party", func(ps map[string]*listedPackage) {
			ps[m+"/uploader"].Deps = append(ps[m+"/uploader"].Deps, "github.com/x/dep")
		}, "uploader depends on github.com/x/dep"},
		{"local imports an SDK", func(ps map[string]*listedPackage) {
			ps[m+"/backends/local"].Imports = append(ps[m+"/backends/local"].Imports, "github.com/minio/minio-go/v7")
		}, "backends/local imports github.com/minio/minio-go/v7"},
		{"tos imports another SDK", func(ps map[string]*listedPackage) {
			ps[m+"/backends/tos"].Imports = append(ps[m+"/backends/tos"].Imports, "github.com/aliyun/aliyun-oss-go-sdk/oss")
		}, "backends/tos imports github.com/aliyun/aliyun-oss-go-sdk/oss"},
		{"tos depends on another SDK", func(ps map[string]*listedPackage) {
			ps[m+"/backends/tos"].Deps = append(ps[m+"/backends/tos"].Deps, "github.com/tencentyun/cos-go-sdk-v5")
		}, "the SDK of cos"},
		{"backend imports a backend", func(ps map[string]*listedPackage) {
			ps[m+"/backends/tos"].Imports = append(ps[m+"/backends/tos"].Imports, m+"/backends/local")
		}, "backends/tos imports the concrete backend backends/local"},
		{"unknown backend", func(ps map[string]*listedPackage) {
			ps[m+"/backends/gcs"] = own(m+"/backends/gcs", nil, nil)
		}, "backends/gcs is a backend with no SDK"},
		{"failover imports a backend", func(ps map[string]*listedPackage) {
			ps[m+"/failover"].Imports = append(ps[m+"/failover"].Imports, m+"/backends/local")
		}, "failover imports the concrete backend"},
		{"failover imports other third party", func(ps map[string]*listedPackage) {
			ps[m+"/failover"].Imports = append(ps[m+"/failover"].Imports, "github.com/other/lib")
		}, "failover imports github.com/other/lib"},
		{"failover depends on internal", func(ps map[string]*listedPackage) {
			ps[m+"/failover"].Deps = append(ps[m+"/failover"].Deps, m+"/internal/xfer")
		}, "failover depends on internal/xfer"},
		{"testing outside tests", func(ps map[string]*listedPackage) {
			ps[m+"/internal/xfer"].Imports = append(ps[m+"/internal/xfer"].Imports, "testing")
		}, `internal/xfer imports "testing"`},
		{"backendtest in non-test code", func(ps map[string]*listedPackage) {
			ps[m+"/cmd/upload"].Imports = append(ps[m+"/cmd/upload"].Imports, m+"/backends/backendtest")
		}, "cmd/upload imports backends/backendtest outside _test.go"},
		{"backendtest imports an SDK", func(ps map[string]*listedPackage) {
			ps[m+"/backends/backendtest"].Imports = append(ps[m+"/backends/backendtest"].Imports, "github.com/minio/minio-go/v7")
		}, "backends/backendtest imports github.com/minio/minio-go/v7"},
		{"backendtest imports the gateway", func(ps map[string]*listedPackage) {
			ps[m+"/backends/backendtest"].Imports = append(ps[m+"/backends/backendtest"].Imports, m+"/integration/gateway")
		}, "backends/backendtest imports " + m + "/integration/gateway"},
		{"a harness in non-test code", func(ps map[string]*listedPackage) {
			ps[m+"/backends/tos"].Imports = append(ps[m+"/backends/tos"].Imports, m+"/backends/backendtest/gatewayharness")
		}, "backends/tos imports backends/backendtest/gatewayharness outside _test.go"},
		{"a harness imports a vendor SDK", func(ps map[string]*listedPackage) {
			h := ps[m+"/backends/backendtest/gatewayharness"]
			h.Imports = append(h.Imports, "github.com/aliyun/aliyun-oss-go-sdk/oss")
		}, "backends/backendtest/gatewayharness imports github.com/aliyun/aliyun-oss-go-sdk/oss"},
		{"a harness imports a backend", func(ps map[string]*listedPackage) {
			h := ps[m+"/backends/backendtest/gatewayharness"]
			h.Imports = append(h.Imports, m+"/backends/local")
		}, "backends/backendtest/gatewayharness imports the concrete backend backends/local"},
		{"a harness imports failover", func(ps map[string]*listedPackage) {
			h := ps[m+"/backends/backendtest/gatewayharness"]
			h.Imports = append(h.Imports, m+"/failover")
		}, "backends/backendtest/gatewayharness imports " + m + "/failover"},
		{"a test names a backend", func(ps map[string]*listedPackage) {
			ps[m+"/failover"].XTestImports = []string{m + "/backends/local"}
		}, "failover imports the concrete backend backends/local"},
		{"internal imports a backend", func(ps map[string]*listedPackage) {
			ps[m+"/internal/xfer"].Deps = append(ps[m+"/internal/xfer"].Deps, m+"/backends/s3")
		}, "internal/xfer depends on backends/s3"},
		{"provider imports failover", func(ps map[string]*listedPackage) {
			ps[m+"/provider"] = own(m+"/provider", []string{m + "/failover"}, []string{m + "/failover", m + "/uploader"})
		}, "provider depends on " + m + "/failover"},
		{"config reaches an SDK", func(ps map[string]*listedPackage) {
			ps[m+"/config"] = own(m+"/config", []string{m + "/backends/tos"}, []string{m + "/backends/tos", "github.com/volcengine/ve-tos-golang-sdk/v2/tos"})
		}, "config depends on github.com/volcengine/ve-tos-golang-sdk/v2/tos"},
		{"backend imports config", func(ps map[string]*listedPackage) {
			ps[m+"/backends/tos"].Imports = append(ps[m+"/backends/tos"].Imports, m+"/config")
		}, "backends/tos imports " + m + "/config"},
		{"internal imports an SDK", func(ps map[string]*listedPackage) {
			ps[m+"/internal/xfer"].Deps = append(ps[m+"/internal/xfer"].Deps, "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs")
		}, "the SDK of obs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := clean()
			tc.breakIt(ps)
			v := checkImports(m, ps)
			if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Errorf("violations %q do not include %q", v, tc.want)
			}
		})
	}
}
