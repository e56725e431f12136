package errclass

import (
	"net/http"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestVendorCodes checks every entry of the vendors' published error codes
// (Codes), vendor by vendor, against the page it comes from (Sources): each
// is well formed, listed once, classified as its entry says, and a code that
// several vendors list has one Kind.
func TestVendorCodes(t *testing.T) {
	vendors := []string{"tos", "oss", "obs", "cos", "s3"}
	for _, v := range vendors {
		t.Run(v, func(t *testing.T) {
			src := Sources[v]
			if !strings.HasPrefix(src, "https://") {
				t.Fatalf("no source page for %s: %q", v, src)
			}
			n := 0
			seen := map[string]bool{}
			for _, c := range Codes {
				if c.Vendor != v {
					continue
				}
				n++
				where := c.Code + " (" + v + ", from " + src + ")"
				if seen[c.Code] {
					t.Errorf("%s is listed twice", where)
				}
				seen[c.Code] = true
				if c.Code == "" || strings.ContainsAny(c.Code, " \t") {
					t.Errorf("bad code %q", c.Code)
				}
				if http.StatusText(c.Status) == "" || c.Status < 300 {
					t.Errorf("%s: status %d is not an error status", where, c.Status)
				}
				if c.Kind == uploader.OK || c.Kind == uploader.Canceled || c.Kind == uploader.CircuitOpen {
					t.Errorf("%s: kind %v cannot come from a server", where, c.Kind)
				}
				if c.Meaning == "" {
					t.Errorf("%s: no meaning", where)
				}
				if got := VendorKind(v, c.Status, c.Code, ""); got != c.Kind {
					t.Errorf("%s: classified %v, the table says %v", where, got, c.Kind)
				}
				if got, ok := Lookup(v, c.Code); !ok || got != c {
					t.Errorf("%s: Lookup = %+v, %v", where, got, ok)
				}
			}
			if n < 20 {
				t.Errorf("%s lists only %d codes", v, n)
			}
		})
	}
	kinds := map[string]Code{}
	for _, c := range Codes {
		if !contains(vendors, c.Vendor) {
			t.Errorf("%s: unknown vendor %q", c.Code, c.Vendor)
		}
		if o, ok := kinds[c.Code]; ok && o.Kind != c.Kind {
			t.Errorf("%s is %v on %s but %v on %s", c.Code, o.Kind, o.Vendor, c.Kind, c.Vendor)
		}
		kinds[c.Code] = c
		if _, dup := extraCodes[c.Code]; dup {
			t.Errorf("%s is in Codes and in extraCodes", c.Code)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBuildAddsTheCodesHint: a code with a hint in the table (OSS
// PublicEndpointForbidden) gets it, and is a target-level refusal.
func TestBuildAddsTheCodesHint(t *testing.T) {
	tgt := Target{Name: "oss-hz", Provider: "oss", Hints: func(uploader.Kind, *uploader.Error) []string {
		return []string{"own hint"}
	}}
	e := Build(tgt, "put", "k", Reply{Status: 400, Code: "PublicEndpointForbidden"}, nil)
	if e.Kind != uploader.TargetRefused {
		t.Fatalf("kind = %v, want target_refused", e.Kind)
	}
	if len(e.Hints) != 2 || e.Hints[0] != "own hint" || !strings.Contains(e.Hints[1], "0048-00000401") ||
		!strings.Contains(e.Hints[1], "internal") || !strings.Contains(e.Hints[1], "custom domain") {
		t.Fatalf("hints = %q", e.Hints)
	}
}
