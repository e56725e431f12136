package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
	cos "github.com/tencentyun/cos-go-sdk-v5"
	"github.com/volcengine/ve-tos-golang-sdk/v2/tos"
)

// controlled is a TOS and an OSS gateway (in front of an upstream nobody
// listens on: faults answer before it) with the control API over them.
type controlled struct {
	t        *testing.T
	tos, oss *Gateway
	tosURL   string
	ctl      string
	token    string
	buckets  []string
}

func newControlled(t *testing.T, token string) *controlled {
	t.Helper()
	c := &controlled{t: t, token: token}
	var gws []*Gateway
	for _, d := range []Dialect{TOS, OSS} {
		g, err := New(Options{Dialect: d, Upstream: Upstream{URL: "http://127.0.0.1:1"}})
		if err != nil {
			t.Fatal(err)
		}
		gws = append(gws, g)
	}
	c.tos, c.oss = gws[0], gws[1]
	gs := httptest.NewServer(c.tos)
	c.tosURL = gs.URL
	h, err := NewControl(ControlOptions{Gateways: gws, Token: token, MakeBucket: func(_ context.Context, name string) error {
		if name == "refused-bucket" {
			return errors.New("upstream says no")
		}
		c.buckets = append(c.buckets, name)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	cs := httptest.NewServer(h)
	c.ctl = cs.URL
	t.Cleanup(func() {
		cs.Close()
		for _, g := range gws {
			g.Close()
		}
		gs.Close()
	})
	return c
}

// do sends a control request and decodes the JSON reply into a map.
func (c *controlled) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.ctl+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		c.t.Errorf("%s %s: Content-Type %q, body %s", method, path, ct, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// put sends an unsigned PUT to the TOS gateway.
func (c *controlled) put(key string) *http.Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, c.tosURL+"/bkt/"+key, strings.NewReader("data"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestControlFaultsAndCounts(t *testing.T) {
	c := newControlled(t, "")
	st, out := c.do("POST", "/v1/tos/faults", `{"action":"slowdown","retry_after":"3s","ops":["put"],"key_prefix":"logs/","times":2}`)
	if st != 201 || out["id"] != 1.0 || out["action"] != "respond-503-SlowDown" || out["active"] != true {
		t.Fatalf("inject: %d %v", st, out)
	}
	for i, key := range []string{"logs/a", "other", "logs/b", "logs/c"} {
		resp := c.put(key)
		want := 503
		if key == "other" || i == 3 { // not matched, or the fault is spent
			want = 502 // forwarded to the dead upstream
		}
		if resp.StatusCode != want {
			t.Errorf("PUT %s: %d, want %d", key, resp.StatusCode, want)
		}
		if want == 503 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("PUT %s: Retry-After %q", key, resp.Header.Get("Retry-After"))
		}
	}
	st, out = c.do("GET", "/v1/tos/faults/1", "")
	if st != 200 || out["hits"] != 2.0 || out["active"] != false {
		t.Errorf("fault 1 after use: %d %v", st, out)
	}
	st, out = c.do("GET", "/v1/tos/counts", "")
	put, _ := out["ops"].(map[string]any)["put"].(map[string]any)
	total, _ := out["total"].(map[string]any)
	if st != 200 || put["requests"] != 4.0 || put["faulted"] != 2.0 || put["forwarded"].(float64)+put["rejected"].(float64) != 2.0 || total["requests"] != 4.0 {
		t.Errorf("counts: %d %v", st, out)
	}
	if n := c.tos.Count(OpPut); n != 4 {
		t.Errorf("Go API count %d, want what HTTP said", n)
	}
	if st, out = c.do("GET", "/v1/oss/counts", ""); st != 200 || out["total"].(map[string]any)["requests"] != 0.0 {
		t.Errorf("oss counts: %d %v", st, out)
	}
	st, out = c.do("GET", "/v1/tos/records", "")
	recs, _ := out["records"].([]any)
	if st != 200 || len(recs) != 4 || recs[0].(map[string]any)["fault"] != "respond-503-SlowDown" || recs[0].(map[string]any)["key"] != "logs/a" {
		t.Errorf("records: %d %v", st, out)
	}
	if st, _ = c.do("DELETE", "/v1/all/counts", ""); st != 200 || c.tos.Count(OpAny) != 0 {
		t.Errorf("reset: %d, count %d", st, c.tos.Count(OpAny))
	}

	// An unbounded fault stays until removed.
	st, out = c.do("POST", "/v1/tos/faults", `{"action":"respond","status":403,"code":"AccessDenied","methods":["put"]}`)
	if st != 201 || out["id"] != 2.0 {
		t.Fatalf("inject 2: %d %v", st, out)
	}
	for range 3 {
		if resp := c.put("k"); resp.StatusCode != 403 {
			t.Errorf("PUT under fault 2: %d", resp.StatusCode)
		}
	}
	if st, out = c.do("DELETE", "/v1/tos/faults/2", ""); st != 200 || out["removed"] != true || out["hits"] != 3.0 {
		t.Errorf("remove 2: %d %v", st, out)
	}
	if resp := c.put("k"); resp.StatusCode != 502 {
		t.Errorf("PUT after removal: %d", resp.StatusCode)
	}
	c.do("POST", "/v1/tos/faults", `{"action":"reset"}`)
	c.do("POST", "/v1/tos/faults", `{"action":"truncate","times":5}`)
	st, out = c.do("GET", "/v1/tos/faults", "")
	if fl, _ := out["faults"].([]any); st != 200 || len(fl) != 2 || fl[0].(map[string]any)["action"] != "reset" || fl[1].(map[string]any)["id"] != 4.0 {
		t.Errorf("list: %d %v", st, out)
	}
	if st, _ = c.do("DELETE", "/v1/tos/faults", ""); st != 200 {
		t.Errorf("clear: %d", st)
	}
	if resp := c.put("k"); resp.StatusCode != 502 {
		t.Errorf("PUT after clear: %d", resp.StatusCode)
	}
	if st, out = c.do("GET", "/v1/tos/faults/9", ""); st != 404 || out["field"] != "id" {
		t.Errorf("unknown fault: %d %v", st, out)
	}
}

func TestControlFaultWindow(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		spec        FaultSpec
		from, until time.Time
	}{
		{FaultSpec{Action: "reset", For: "1m"}, time.Time{}, now.Add(time.Minute)},
		{FaultSpec{Action: "reset", After: "10s", For: "1m"}, now.Add(10 * time.Second), now.Add(70 * time.Second)},
		{FaultSpec{Action: "reset", From: "2026-01-02T16:00:00Z", Until: "2026-01-02T17:00:00Z"}, now.Add(time.Hour), now.Add(2 * time.Hour)},
	}
	for _, tc := range cases {
		f, err := tc.spec.Fault(now)
		if err != nil || !f.From.Equal(tc.from) || !f.Until.Equal(tc.until) {
			t.Errorf("%+v: from %v until %v, %v", tc.spec, f.From, f.Until, err)
		}
	}
	f, err := FaultSpec{Action: "503-slowdown", Probability: 0.25, Ops: []string{"PUT", "upload_part"}, Methods: []string{"put"}}.Fault(now)
	if err != nil || f.Action != SlowDown() || f.Probability != 0.25 || len(f.Ops) != 2 || f.Ops[0] != OpPut || f.Methods[0] != "PUT" {
		t.Errorf("named action: %+v, %v", f, err)
	}
	f, err = FaultSpec{Action: "latency", Delay: "250ms"}.Fault(now)
	if err != nil || f.Action != Latency(250*time.Millisecond) {
		t.Errorf("latency: %+v, %v", f, err)
	}
}

func TestControlBadInput(t *testing.T) {
	c := newControlled(t, "")
	cases := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/v1/tos/faults", ``, 400, "body"},
		{"POST", "/v1/tos/faults", `{"action":`, 400, "body"},
		{"POST", "/v1/tos/faults", `{"action":"reset"} {}`, 400, "body"},
		{"POST", "/v1/tos/faults", `{"action":"reset","colour":"red"}`, 400, "colour"},
		{"POST", "/v1/tos/faults", `{"action":"reset","times":"3"}`, 400, "times"},
		{"POST", "/v1/tos/faults", `{"action":"reset","ops":"put"}`, 400, "ops"},
		{"POST", "/v1/tos/faults", `{}`, 400, "action"},
		{"POST", "/v1/tos/faults", `{"action":"explode"}`, 400, "action"},
		{"POST", "/v1/tos/faults", `{"action":"respond","code":"SlowDown"}`, 400, "status"},
		{"POST", "/v1/tos/faults", `{"action":"respond","status":503}`, 400, "code"},
		{"POST", "/v1/tos/faults", `{"action":"respond","status":503,"code":"SlowDown","retry_after":"soon"}`, 400, "retry_after"},
		{"POST", "/v1/tos/faults", `{"action":"reset","delay":"1s"}`, 400, "delay"},
		{"POST", "/v1/tos/faults", `{"action":"latency"}`, 400, "delay"},
		{"POST", "/v1/tos/faults", `{"action":"reset","ops":["put","putt"]}`, 400, "ops[1]"},
		{"POST", "/v1/tos/faults", `{"action":"reset","methods":["YEET"]}`, 400, "methods[0]"},
		{"POST", "/v1/tos/faults", `{"action":"reset","times":-1}`, 400, "times"},
		{"POST", "/v1/tos/faults", `{"action":"reset","probability":1.5}`, 400, "probability"},
		{"POST", "/v1/tos/faults", `{"action":"reset","from":"yesterday"}`, 400, "from"},
		{"POST", "/v1/tos/faults", `{"action":"reset","for":"-1m"}`, 400, "for"},
		{"POST", "/v1/tos/faults", `{"action":"reset","from":"2026-01-02T16:00:00Z","until":"2026-01-02T15:00:00Z"}`, 400, "until"},
		{"POST", "/v1/cos/faults", `{"action":"reset"}`, 400, "dialect"},
		{"POST", "/v1/all/faults", `{"action":"reset"}`, 400, "dialect"},
		{"GET", "/v1/tos/faults/abc", ``, 400, "id"},
		{"PUT", "/v1/tos/clock", `{}`, 400, "offset"},
		{"PUT", "/v1/tos/clock", `{"offset":"half an hour"}`, 400, "offset"},
		{"PUT", "/v1/tos/clock", `{"offset":1800}`, 400, "offset"},
		{"POST", "/v1/buckets", `{"name":"Bad_Name"}`, 400, "name"},
		{"POST", "/v1/buckets", `{"name":"refused-bucket"}`, 502, "name"},
		{"GET", "/v1/tos/nothing", ``, 404, ""},
		{"PATCH", "/v1/tos/clock", ``, 405, ""},
		{"POST", "/v1/tos/tokens", ``, 400, "body"},
		{"POST", "/v1/tos/tokens", `{}`, 400, "lifetime"},
		{"POST", "/v1/tos/tokens", `{"lifetime":"a while"}`, 400, "lifetime"},
		{"POST", "/v1/tos/tokens", `{"lifetime":900}`, 400, "lifetime"},
		{"POST", "/v1/tos/tokens", `{"lifetime":"-15m"}`, 400, "lifetime"},
		{"POST", "/v1/tos/tokens", `{"lifetime":"15m","region":"x"}`, 400, "region"},
		{"POST", "/v1/cos/tokens", `{"lifetime":"15m"}`, 400, "dialect"},
		{"GET", "/v1/tos/tokens", ``, 405, ""},
		{"POST", "/v1/tos/tokens/expire", ``, 400, "body"},
		{"POST", "/v1/tos/tokens/expire", `{"access_key":""}`, 400, "access_key"},
		{"POST", "/v1/tos/tokens/expire", `{"access_key":7}`, 400, "access_key"},
		{"POST", "/v1/tos/tokens/expire", `{"accesskey":"STSX"}`, 400, "accesskey"},
		{"POST", "/v1/tos/tokens/expire", `{"access_key":"STSNEVERISSUED"}`, 404, "access_key"},
	}
	for _, tc := range cases {
		st, out := c.do(tc.method, tc.path, tc.body)
		msg, _ := out["error"].(string)
		field, _ := out["field"].(string)
		if st != tc.status || field != tc.field || msg == "" {
			t.Errorf("%s %s %s: %d field=%q error=%q; want %d field=%q", tc.method, tc.path, tc.body, st, field, msg, tc.status, tc.field)
		}
		if tc.status == 400 && tc.field != "body" && !strings.Contains(msg, tc.field) {
			t.Errorf("%s %s: the message %q does not name %s", tc.method, tc.path, msg, tc.field)
		}
	}
	if n := c.tos.Count(OpAny); n != 0 {
		t.Errorf("bad control input reached the gateway: %d requests", n)
	}
}

func TestControlClock(t *testing.T) {
	c := newControlled(t, "")
	st, out := c.do("PUT", "/v1/tos/clock", `{"offset":"31m"}`)
	if st != 200 || out["offset"] != "31m0s" || out["offset_ms"] != 1860000.0 || c.tos.ClockOffset() != 31*time.Minute || c.oss.ClockOffset() != 0 {
		t.Errorf("set: %d %v", st, out)
	}
	if st, out = c.do("GET", "/v1/tos/clock", ""); st != 200 || out["offset"] != "31m0s" {
		t.Errorf("get: %d %v", st, out)
	}
	if st, out = c.do("PUT", "/v1/all/clock", `{"offset":"-20m"}`); st != 200 || len(out["clocks"].([]any)) != 2 ||
		c.tos.ClockOffset() != -20*time.Minute || c.oss.ClockOffset() != -20*time.Minute {
		t.Errorf("set all: %d %v", st, out)
	}
	if st, _ = c.do("DELETE", "/v1/oss/clock", ""); st != 200 || c.oss.ClockOffset() != 0 || c.tos.ClockOffset() != -20*time.Minute {
		t.Errorf("clear oss: %d", st)
	}
}

func TestControlToken(t *testing.T) {
	c := newControlled(t, "s3cret-token")
	if st, out := c.do("GET", "/v1/tos/clock", ""); st != 200 {
		t.Errorf("with the token: %d %v", st, out)
	}
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Bearer s3cret-token2"} {
		req, _ := http.NewRequest("PUT", c.ctl+"/v1/tos/clock", strings.NewReader(`{"offset":"1h"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), "control token") || strings.Contains(string(b), "s3cret") {
			t.Errorf("Authorization %q: %d %s", auth, resp.StatusCode, b)
		}
	}
	if c.tos.ClockOffset() != 0 {
		t.Errorf("an unauthorised request moved the clock")
	}
}

func TestControlBuckets(t *testing.T) {
	c := newControlled(t, "")
	if st, out := c.do("POST", "/v1/buckets", `{"name":"photos-2"}`); st != 201 || out["name"] != "photos-2" || len(c.buckets) != 1 {
		t.Errorf("create: %d %v %v", st, out, c.buckets)
	}
	h, err := NewControl(ControlOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/buckets", strings.NewReader(`{"name":"photos"}`)))
	if rec.Code != 501 {
		t.Errorf("without MakeBucket: %d %s", rec.Code, rec.Body)
	}
	if _, err := NewControl(ControlOptions{Gateways: []*Gateway{c.tos, c.tos}}); err == nil {
		t.Error("two TOS gateways accepted")
	}
}

// fakeLink is a clock that the pacer's sleeps advance.
type fakeLink struct {
	now    time.Time
	slept  time.Duration
	sleeps int
}

func (f *fakeLink) pacer(rate int64) *pacer {
	return &pacer{rate: rate, now: func() time.Time { return f.now },
		sleep: func(d time.Duration) bool { f.now = f.now.Add(d); f.slept += d; f.sleeps++; return true }}
}

func TestBandwidthPacesEachDirection(t *testing.T) {
	const rate = 1000 // bytes per second: chunks of 100 bytes
	link := &fakeLink{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	body := &pacedBody{ReadCloser: io.NopCloser(strings.NewReader(strings.Repeat("x", 2500))), p: link.pacer(rate)}
	got, err := io.ReadAll(body)
	if err != nil || len(got) != 2500 {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if link.slept != 2500*time.Millisecond || link.sleeps < 25 {
		t.Errorf("2500 bytes at %d B/s: slept %v in %d waits, want 2.5s in 25 or more (at most 100 bytes each)", rate, link.slept, link.sleeps)
	}

	link2 := &fakeLink{now: link.now}
	rec := httptest.NewRecorder()
	w := &pacedWriter{ResponseWriter: rec, p: link2.pacer(rate)}
	if n, err := w.Write([]byte(strings.Repeat("y", 750))); n != 750 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	if rec.Body.Len() != 750 || link2.slept != 750*time.Millisecond || link2.sleeps != 8 {
		t.Errorf("750 bytes written at %d B/s: %d bytes, slept %v in %d waits", rate, rec.Body.Len(), link2.slept, link2.sleeps)
	}
	// Time the client spent elsewhere is not slept again.
	link2.now = link2.now.Add(time.Second)
	w.Write([]byte(strings.Repeat("y", 100)))
	if link2.slept != 750*time.Millisecond {
		t.Errorf("slept %v after an idle second, want no more", link2.slept)
	}
	// A wait cut short (client gone, gateway closing) ends the transfer.
	stopped := &pacedWriter{ResponseWriter: httptest.NewRecorder(), p: &pacer{rate: 10, now: time.Now, sleep: func(time.Duration) bool { return false }}}
	if _, err := stopped.Write([]byte("abc")); !errors.Is(err, errLinkClosed) {
		t.Errorf("a cut wait: %v", err)
	}
}

func TestControlBandwidthFault(t *testing.T) {
	var stored []byte
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stored, _ = io.ReadAll(r.Body)
		w.Write([]byte(strings.Repeat("r", 3000)))
	}))
	defer up.Close()
	g, err := New(Options{Dialect: OBS, Upstream: Upstream{URL: up.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	gs := httptest.NewServer(g)
	defer gs.Close()
	h, _ := NewControl(ControlOptions{Gateways: []*Gateway{g}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/obs/faults", strings.NewReader(`{"action":"bandwidth","bytes_per_second":10485760,"ops":["put"],"times":1}`)))
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"bandwidth-10485760B/s"`) {
		t.Fatalf("inject: %d %s", rec.Code, rec.Body)
	}
	req, _ := http.NewRequest("PUT", gs.URL+"/b/k", strings.NewReader(strings.Repeat("q", 5000)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(b) != 3000 || len(stored) != 5000 {
		t.Errorf("through a bandwidth fault: %d, %d bytes back, %d stored", resp.StatusCode, len(b), len(stored))
	}
	if recs := g.Records(); len(recs) != 1 || recs[0].Fault != "bandwidth-10485760B/s" || recs[0].Outcome != OutcomeForwarded {
		t.Errorf("records %+v", recs)
	}
	for _, body := range []string{`{"action":"bandwidth"}`, `{"action":"bandwidth","bytes_per_second":-5}`, `{"action":"reset","bytes_per_second":5}`} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/obs/faults", strings.NewReader(body)))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"bytes_per_second"`) {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
}

// TestControlTemporaryCredentials: keys issued over HTTP sign requests the
// gateway accepts (with their token) and, once expired over HTTP, get the
// vendor's expired-token refusal; {} expires every key pair still valid.
func TestControlTemporaryCredentials(t *testing.T) {
	st := newStub(t)
	for _, tc := range []struct {
		d         Dialect
		sign      func(r *http.Request, ak, sk, token string, at time.Time) *http.Request
		expStatus int
		expCode   string
	}{
		{TOS, func(r *http.Request, ak, sk, token string, at time.Time) *http.Request {
			cred := tos.NewStaticCredentials(ak, sk)
			cred.WithSecurityToken(token)
			signed := tos.NewSignV4(cred, "cn-beijing").SignHeader(&tos.Request{Scheme: "http", Method: r.Method,
				Host: r.URL.Host, Path: r.URL.Path, Query: url.Values{}, Header: r.Header, RequestDate: at.UTC()})
			for k, v := range signed {
				r.Header[k] = v
			}
			return r
		}, 403, "ExpiredToken"},
		{COS, func(r *http.Request, ak, sk, token string, at time.Time) *http.Request {
			cos.AddAuthorizationHeader(ak, sk, token, r, &cos.AuthTime{
				SignStartTime: at, SignEndTime: at.Add(time.Hour), KeyStartTime: at, KeyEndTime: at.Add(time.Hour)})
			return r
		}, 400, "ExpiredToken"},
		{OBS, func(r *http.Request, ak, sk, token string, at time.Time) *http.Request {
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			r.Header.Set("X-Amz-Date", at.UTC().Format(isoBasic))
			return signer.SignV4(*r, ak, sk, token, "us-east-1")
		}, 403, "InvalidAccessKeyId"},
	} {
		t.Run(string(tc.d), func(t *testing.T) {
			clock := &atomicClock{}
			clock.ns.Store(time.Now().UnixNano()) // fixed from here on; the signers read the real clock
			g := startGW(t, Options{Dialect: tc.d, Upstream: Upstream{URL: st.srv.URL}, Clock: clock})
			h, err := NewControl(ControlOptions{Gateways: []*Gateway{g}})
			if err != nil {
				t.Fatal(err)
			}
			cs := httptest.NewServer(h)
			t.Cleanup(cs.Close)
			c := &controlled{t: t, ctl: cs.URL}
			path := "/v1/" + string(tc.d)

			issue := func(lifetime string) (ak, sk, token string, out map[string]any) {
				t.Helper()
				st, out := c.do("POST", path+"/tokens", `{"lifetime":"`+lifetime+`"}`)
				ak, _ = out["access_key"].(string)
				sk, _ = out["secret_key"].(string)
				token, _ = out["token"].(string)
				if st != 201 || ak == "" || sk == "" || token == "" || out["dialect"] != string(tc.d) {
					t.Fatalf("issue %s: %d %v", lifetime, st, out)
				}
				return ak, sk, token, out
			}
			send := func(ak, sk, token string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/k", strings.NewReader("data"))
				resp, body := do(t, tc.sign(req, ak, sk, token, g.Now()))
				if resp.StatusCode == 200 {
					return 200, ""
				}
				return resp.StatusCode, bodyCode(t, tc.d, body)
			}

			ak, sk, token, out := issue("15m")
			if want := g.Now().Add(15 * time.Minute).Format(time.RFC3339Nano); out["expires"] != want {
				t.Errorf("expires %v, want %s", out["expires"], want)
			}
			if st, code := send(ak, sk, token); st != 200 {
				t.Fatalf("signed with the issued keys: %d %s", st, code)
			}
			if st, code := send(ak, sk, "fake-other-token"); st != 403 || code == "" {
				t.Fatalf("signed with another token: %d %s, want 403", st, code)
			}
			st, out := c.do("POST", path+"/tokens/expire", `{"access_key":"`+ak+`"}`)
			if st != 200 || out["expired"] != 1.0 {
				t.Fatalf("expire %s: %d %v", ak, st, out)
			}
			if st, code := send(ak, sk, token); st != tc.expStatus || code != tc.expCode {
				t.Fatalf("after expiry: %d %s, want %d %s", st, code, tc.expStatus, tc.expCode)
			}
			if st, out = c.do("POST", path+"/tokens/expire", `{"access_key":"`+ak+`"}`); st != 200 || out["expired"] != 0.0 {
				t.Errorf("expire again: %d %v, want 0 expired", st, out)
			}

			// Two more (one never expires by itself): {} expires both.
			ak1, sk1, tok1, _ := issue("1h")
			ak2, sk2, tok2, out := issue("0")
			if out["expires"] != nil {
				t.Errorf("lifetime 0: expires %v, want null", out["expires"])
			}
			if st, code := send(ak2, sk2, tok2); st != 200 {
				t.Fatalf("signed with the keys of lifetime 0: %d %s", st, code)
			}
			if st, out = c.do("POST", path+"/tokens/expire", `{}`); st != 200 || out["expired"] != 2.0 {
				t.Fatalf("expire all: %d %v, want 2 expired", st, out)
			}
			for _, k := range [][3]string{{ak1, sk1, tok1}, {ak2, sk2, tok2}} {
				if st, code := send(k[0], k[1], k[2]); st != tc.expStatus || code != tc.expCode {
					t.Errorf("%s after expiring all: %d %s, want %d %s", k[0], st, code, tc.expStatus, tc.expCode)
				}
			}
			if st, out = c.do("POST", path+"/tokens/expire", `{}`); st != 200 || out["expired"] != 0.0 {
				t.Errorf("expire all again: %d %v, want 0", st, out)
			}
		})
	}
}
