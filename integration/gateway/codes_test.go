package gateway

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/internal/errclass"
)

// TestRespondCodeAnswersEveryTableCode: each code of the vendors' table
// comes back from a gateway of the vendor's dialect with the table's status
// and the code in the dialect's error body.
func TestRespondCodeAnswersEveryTableCode(t *testing.T) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			g, err := New(Options{Dialect: d, Upstream: Upstream{URL: "http://127.0.0.1:1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			n := 0
			for _, c := range errclass.Codes {
				if c.Vendor != string(d) {
					continue
				}
				n++
				id := g.Inject(Fault{Action: RespondCode(c.Code), Times: 1})
				w := httptest.NewRecorder()
				g.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/b/k", strings.NewReader("body")))
				if g.FaultHits(id) != 1 {
					t.Fatalf("%s: the fault did not apply", c.Code)
				}
				if w.Code != c.Status {
					t.Errorf("%s: status %d, want %d", c.Code, w.Code, c.Status)
				}
				if got := bodyCode(t, d, w.Body.Bytes()); got != c.Code {
					t.Errorf("%s: body code %q", c.Code, got)
				}
			}
			if n == 0 {
				t.Fatal("no codes for this dialect")
			}
		})
	}
}

func bodyCode(t *testing.T, d Dialect, b []byte) string {
	t.Helper()
	var v struct{ Code string }
	var err error
	if d == TOS {
		err = json.Unmarshal(b, &v)
	} else {
		err = xml.Unmarshal(b, &v)
	}
	if err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return v.Code
}

func TestPublicEndpointForbiddenHasItsEC(t *testing.T) {
	g, err := New(Options{Dialect: OSS, Upstream: Upstream{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	a, err := NamedAction("PublicEndpointForbidden")
	if err != nil {
		t.Fatal(err)
	}
	g.Inject(Fault{Action: a})
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/b/k", nil))
	if w.Code != 400 || w.Header().Get("X-Oss-Ec") != "0048-00000401" {
		t.Fatalf("status %d, EC %q; want 400 and 0048-00000401", w.Code, w.Header().Get("X-Oss-Ec"))
	}
	if _, err := NamedAction("NoSuchCodeAnywhere"); err == nil {
		t.Fatal("NamedAction accepted an unknown code")
	}
}

// TestControlInjectsAnyTableCode: the control API takes any code of the
// vendors' table as an action, answered with the table's status.
func TestControlInjectsAnyTableCode(t *testing.T) {
	c := newControlled(t, "")
	st, out := c.do("POST", "/v1/tos/faults", `{"action":"CrossRegionAccessError","ops":["put"]}`)
	if st != 201 || out["action"] != "respond-CrossRegionAccessError" {
		t.Fatalf("POST fault: %d %v", st, out)
	}
	if resp := c.put("k"); resp.StatusCode != 403 {
		t.Fatalf("PUT: %d, want the table's 403 for CrossRegionAccessError", resp.StatusCode)
	}
	if st, out := c.do("POST", "/v1/tos/faults", `{"action":"NoSuchCodeAnywhere"}`); st != 400 || out["field"] != "action" {
		t.Fatalf("an unknown code: %d %v", st, out)
	}
}
