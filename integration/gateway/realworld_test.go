package gateway

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWriteOnlyPolicyRefusesReads: with the WriteOnly policy a HEAD and a
// GET of an object get 403 AccessDenied in the vendor's dialect (the HEAD
// bodiless, OSS's error in x-oss-err), before anything is forwarded (the
// upstream here is a closed port); SetPolicy lifts it.
func TestWriteOnlyPolicyRefusesReads(t *testing.T) {
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			g, err := New(Options{Dialect: d, Upstream: Upstream{URL: "http://127.0.0.1:1"}, Policy: WriteOnly()})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			srv := httptest.NewServer(g)
			defer srv.Close()
			for _, m := range []string{http.MethodHead, http.MethodGet} {
				req, _ := http.NewRequest(m, srv.URL+"/bkt/some/key", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Fatalf("%s: status %d", m, resp.StatusCode)
				}
				if m == http.MethodGet && !bytes.Contains(body, []byte("AccessDenied")) {
					t.Errorf("GET body %q", body)
				}
				if m == http.MethodHead && d == OSS {
					xerr, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Oss-Err"))
					if !bytes.Contains(xerr, []byte("<Code>AccessDenied</Code>")) {
						t.Errorf("x-oss-err %q", xerr)
					}
				}
			}
			if n := g.CountOutcome(OpHead, OutcomeRejected); n != 1 {
				t.Errorf("%d HEADs rejected, want 1", n)
			}
			g.SetPolicy(Policy{})
			resp, err := http.Head(srv.URL + "/bkt/some/key")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden {
				t.Error("still refused after SetPolicy(Policy{})")
			}
		})
	}
}

// TestMaskHexIsItsOwnInverse: the KMS disguise keeps 32 hex digits (and
// the "-N" of a multipart ETag), is never the original, and undoes itself.
func TestMaskHexIsItsOwnInverse(t *testing.T) {
	for _, etag := range []string{`"3da1c8e3e2a003e9a74ef7f728f402c5"`, "3DA1C8E3E2A003E9A74EF7F728F402C5-12"} {
		m := maskHex([]byte(etag))
		if len(m) != len(etag) || bytes.EqualFold(m, []byte(etag)) {
			t.Errorf("%s masked to %s", etag, m)
		}
		if back := maskHex(m); !bytes.EqualFold(back, []byte(etag)) {
			t.Errorf("%s came back as %s", etag, back)
		}
	}
	xml := []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"3da1c8e3e2a003e9a74ef7f728f402c5"</ETag></Part></CompleteMultipartUpload>`)
	if got := maskETagElements(maskETagElements(xml)); !bytes.Equal(got, xml) {
		t.Errorf("complete body changed: %s", got)
	}
}

// TestMaskTOSJSONETags: with KMS answers on, every ETag member of a TOS
// JSON result (a complete result, a listing page) is disguised, its value
// holding escaped quotes as TOS's JSON does; other members stay.
func TestMaskTOSJSONETags(t *testing.T) {
	g := &Gateway{opts: Options{Dialect: TOS}}
	g.kms.Store(true)
	const h1, h2 = "3da1c8e3e2a003e9a74ef7f728f402c5", "31e13dc41f2e7a00b43428fadce012fb"
	body := []byte(`{"Key":"` + h1 + `","ETag":"\"` + h1 + `-2\"","Contents":[{"Key":"k","ETag" : "\"` + h2 + `\""}]}`)
	got := g.maskCompleteResult(body)
	if bytes.Contains(got, []byte(`"ETag":"\"`+h1)) || bytes.Contains(got, []byte(`"\"`+h2+`\""`)) || !bytes.Contains(got, []byte(`"Key":"`+h1+`"`)) || len(got) != len(body) {
		t.Errorf("masked %s\n    to %s", body, got)
	}
}
