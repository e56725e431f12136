package gatewayharness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// EndpointCase is one endpoint form of a provider, for
// [CheckEndpointForms]: the backend made for Endpoint, Region and
// CustomDomain has the region WantRegion and gives the object "k" the URL
// URL; or, with Refused set, New refuses it with an error that says
// Refused.
type EndpointCase struct {
	Endpoint, Region string
	CustomDomain     bool
	WantRegion, URL  string
	Refused          string
}

// EndpointBackend makes the backend under test for an endpoint, a region
// and whether the endpoint is a custom domain bound to the bucket (bucket
// "bkt", fake keys), and returns with it the function that gives an
// object's URL.
type EndpointBackend func(endpoint, region string, customDomain bool) (b uploader.Backend, objectURL func(key string) string, err error)

// CheckEndpointForms checks every case of a provider's endpoint forms with
// backends newB makes.
func CheckEndpointForms(t *testing.T, newB EndpointBackend, cases []EndpointCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Endpoint+"/"+c.Region, func(t *testing.T) {
			b, objectURL, err := newB(c.Endpoint, c.Region, c.CustomDomain)
			if c.Refused != "" {
				if err == nil || !strings.Contains(err.Error(), c.Refused) {
					t.Fatalf("err = %v, want a refusal saying %q", err, c.Refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if r := must[uploader.Describer](t, b).Describe().Region; r != c.WantRegion {
				t.Errorf("region %q, want %q", r, c.WantRegion)
			}
			if u := objectURL("k"); u != c.URL {
				t.Errorf("URL %s, want %s", u, c.URL)
			}
		})
	}
}

// CheckCustomDomainAddressing checks that a backend newB makes for a custom
// domain (a local server, as localhost when byName is set: some SDKs
// address an IP literal path-style whatever they are told) sends requests
// to that host with the key at its root, no bucket in host or path, and
// gives objects URLs of that form.
func CheckCustomDomainAddressing(t *testing.T, newB EndpointBackend, region string, byName bool) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Host+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Length", "3")
	}))
	defer srv.Close()
	ep := srv.URL
	if byName {
		ep = strings.Replace(ep, "127.0.0.1", "localhost", 1)
	}
	b, objectURL, err := newB(ep, region, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := stater(t, b).Stat(context.Background(), "dir/k"); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(ep)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != u.Host+"/dir/k" {
		t.Errorf("requests %v, want [%s/dir/k]", got, u.Host)
	}
	if u := objectURL("dir/k"); u != ep+"/dir/k" {
		t.Errorf("URL %s, want %s/dir/k", u, ep)
	}
}
