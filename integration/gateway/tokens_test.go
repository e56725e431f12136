package gateway

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
	cos "github.com/tencentyun/cos-go-sdk-v5"
)

type atomicClock struct{ ns atomic.Int64 }

func (c *atomicClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// TestTemporaryCredentials: keys from IssueTemporary are accepted with
// their token, refused without it or with another, and refused with the
// dialect's expired-token error once the gateway's clock passes their
// expiry (or after ExpireToken). The token never reaches the upstream or
// the log.
func TestTemporaryCredentials(t *testing.T) {
	st := newStub(t)
	for _, tc := range []struct {
		d         Dialect
		sign      func(r *http.Request, c TemporaryCredentials, token string, at time.Time) *http.Request
		badStatus int
		badCode   string
		expStatus int
		expCode   string
	}{
		{OBS, func(r *http.Request, c TemporaryCredentials, token string, at time.Time) *http.Request {
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			r.Header.Set("X-Amz-Date", at.UTC().Format(isoBasic))
			return signer.SignV4(*r, c.AccessKey, c.SecretKey, token, "us-east-1")
		}, 403, "InvalidToken", 403, "InvalidAccessKeyId"},
		{COS, func(r *http.Request, c TemporaryCredentials, token string, at time.Time) *http.Request {
			cos.AddAuthorizationHeader(c.AccessKey, c.SecretKey, token, r, &cos.AuthTime{
				SignStartTime: at, SignEndTime: at.Add(time.Hour), KeyStartTime: at, KeyEndTime: at.Add(time.Hour)})
			return r
		}, 403, "InvalidToken", 400, "ExpiredToken"},
	} {
		t.Run(string(tc.d), func(t *testing.T) {
			clock := &atomicClock{}
			clock.ns.Store(time.Now().UnixNano())
			var logs bytes.Buffer
			var mu sync.Mutex
			g := startGW(t, Options{Dialect: tc.d, Upstream: Upstream{URL: st.srv.URL}, Clock: clock,
				Logf: func(f string, a ...any) { mu.Lock(); defer mu.Unlock(); fmt.Fprintf(&logs, f+"\n", a...) }})
			c := g.IssueTemporary(10 * time.Minute)
			send := func(token string) (*http.Response, []byte) {
				req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/k", strings.NewReader("data"))
				return do(t, tc.sign(req, c, token, g.Now()))
			}
			code := func(body []byte) string {
				var v struct{ Code string }
				_ = xml.Unmarshal(body, &v)
				return v.Code
			}
			if resp, body := send(c.Token); resp.StatusCode != 200 {
				t.Fatalf("with the token: %d %s", resp.StatusCode, body)
			}
			if r, _ := st.last(); r.Header.Get("X-Amz-Security-Token") != "" || r.Header.Get("X-Cos-Security-Token") != "" {
				t.Error("the token was forwarded upstream")
			}
			for _, tok := range []string{"", "fake-other-token"} {
				if resp, body := send(tok); resp.StatusCode != tc.badStatus || code(body) != tc.badCode {
					t.Fatalf("token %q: %d %s; want %d %s", tok, resp.StatusCode, body, tc.badStatus, tc.badCode)
				}
			}
			clock.ns.Add(int64(9 * time.Minute))
			if resp, body := send(c.Token); resp.StatusCode != 200 {
				t.Fatalf("before expiry: %d %s", resp.StatusCode, body)
			}
			clock.ns.Add(int64(2 * time.Minute))
			if resp, body := send(c.Token); resp.StatusCode != tc.expStatus || code(body) != tc.expCode {
				t.Fatalf("after expiry: %d %s; want %d %s", resp.StatusCode, body, tc.expStatus, tc.expCode)
			}
			c2 := g.IssueTemporary(0)
			c = c2
			if resp, body := send(c.Token); resp.StatusCode != 200 {
				t.Fatalf("new keys: %d %s", resp.StatusCode, body)
			}
			g.ExpireToken(c.AccessKey)
			if resp, body := send(c.Token); resp.StatusCode != tc.expStatus || code(body) != tc.expCode {
				t.Fatalf("after ExpireToken: %d %s", resp.StatusCode, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(logs.String(), c.Token) || strings.Contains(logs.String(), c.SecretKey) {
				t.Error("the log holds a token or secret")
			}
		})
	}
}
