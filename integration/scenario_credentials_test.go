package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// sts stands for a vendor's STS or metadata service: every Retrieve issues
// new temporary credentials at the gateway. They last until the test
// expires them (their Expires is an hour away, so that the cache never
// renews them on its own: each refresh is the answer to a refusal).
type sts struct {
	gw      *gateway.Gateway
	fetches atomic.Int64
	fail    atomic.Bool // the STS answers an error
	bogus   atomic.Bool // the STS hands out keys the gateway does not know
	mu      sync.Mutex
	issued  []gateway.TemporaryCredentials
}

func (s *sts) Retrieve(ctx context.Context) (credentials.Value, error) {
	s.fetches.Add(1)
	if s.fail.Load() {
		return credentials.Value{}, &credentials.Error{Link: "test STS", Err: fmt.Errorf("the STS answered HTTP 503")}
	}
	c := s.gw.IssueTemporary(0)
	if s.bogus.Load() {
		c = gateway.TemporaryCredentials{AccessKey: "STSUNKNOWN" + fmt.Sprint(s.fetches.Load()), SecretKey: "fake-unknown-secret", Token: "fake-unknown-token"}
	}
	s.mu.Lock()
	s.issued = append(s.issued, c)
	s.mu.Unlock()
	return credentials.Value{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey, SessionToken: c.Token,
		Expires: time.Now().Add(time.Hour), Source: "test STS"}, nil
}

func (s *sts) current() gateway.TemporaryCredentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued[len(s.issued)-1]
}

// secrets returns every secret and token issued.
func (s *sts) secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.issued {
		out = append(out, c.SecretKey, c.Token)
	}
	return out
}

// tokenCloud is a target signing with temporary credentials from an sts.
type tokenCloud struct {
	name   string
	gw     *gateway.Gateway
	sts    *sts
	b      uploader.Backend
	logs   *bytes.Buffer
	logsMu *sync.Mutex
}

func newTokenCloud(t *testing.T, srv *miniotest.Server, prov string) *tokenCloud {
	t.Helper()
	dialect := gateway.Dialect(prov)
	if prov == "s3" {
		dialect = gateway.OBS // the OBS dialect verifies AWS V4 and x-amz-security-token
	}
	bucket := srv.NewBucket(t, "tok-"+prov)
	if prov == "cos" {
		bucket = miniotest.UniqueBucketName("tok-cos") + "-1250000000"
		if err := srv.MakeBucket(context.Background(), bucket); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.RemoveBucket(context.Background(), bucket) })
	}
	c := &tokenCloud{name: prov + "-sts", logs: &bytes.Buffer{}, logsMu: &sync.Mutex{}}
	gw, err := gateway.Start(gateway.Options{Dialect: dialect, Upstream: gateway.MinIO(srv),
		Logf: func(format string, args ...any) {
			c.logsMu.Lock()
			fmt.Fprintf(c.logs, format+"\n", args...)
			c.logsMu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	c.gw, c.sts = gw, &sts{gw: gw}
	ep := gw.URL()
	switch prov {
	case "tos":
		c.b, err = tos.New(tos.Options{Common: provider.Common{Name: c.name, Endpoint: ep, Region: "cn-beijing", Bucket: bucket, Credentials: c.sts, ResponseTimeout: scenarioResponseTimeout}})
	case "oss":
		c.b, err = oss.New(oss.Options{Common: provider.Common{Name: c.name, Endpoint: ep, Region: "cn-hangzhou", Bucket: bucket, Credentials: c.sts, ResponseTimeout: scenarioResponseTimeout}})
	case "obs":
		c.b, err = obs.New(obs.Options{Common: provider.Common{Name: c.name, Endpoint: ep, Bucket: bucket, Credentials: c.sts, ResponseTimeout: scenarioResponseTimeout}})
	case "cos":
		c.b, err = cos.New(cos.Options{Common: provider.Common{Name: c.name, Endpoint: ep, Bucket: bucket, Credentials: c.sts, ResponseTimeout: scenarioResponseTimeout}})
	case "s3":
		c.b, err = s3.New(s3.Options{Common: provider.Common{Name: c.name, Endpoint: ep, Region: "us-east-1", Bucket: bucket, Credentials: c.sts, ResponseTimeout: scenarioResponseTimeout}, PathStyle: true})
	}
	if err != nil {
		t.Fatalf("backend %s: %v", c.name, err)
	}
	t.Cleanup(func() { _ = c.b.Close() })
	return c
}

// TestScenarioCredentialsExpire: per provider, a batch of 30 uploads whose
// security token expires three times (before uploads 8, 16 and 24)
// finishes on the cloud: no failover, no backup, no breaker opening, one
// refresh per expiry, and the upload after each expiry reports a refused
// attempt followed by one with CredentialsRefreshed. No secret or token
// appears in any result, error, event, log line or gateway log.
func TestScenarioCredentialsExpire(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, provider := range []string{"tos", "oss", "obs", "cos", "s3"} {
		t.Run(provider, func(t *testing.T) {
			c := newTokenCloud(t, srv, provider)
			backup := newBackup(t)
			var out bytes.Buffer
			var outMu sync.Mutex
			lw := &lockedWriter{w: &out, mu: &outMu}
			logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug}))
			u, err := failover.New([]failover.Target{{Backend: c.b}, {Backend: backup}}, failover.Options{Logger: logger,
				Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = u.Close() })

			refreshed := 0
			for i := range 30 {
				if i == 8 || i == 16 || i == 24 {
					c.gw.ExpireToken(c.sts.current().AccessKey)
				}
				obj, data := object(keyf("tok/%s/%02d", provider, i), 1024+i, uint64(i))
				res := mustUpload(t, u, obj)
				if res.Target != c.name || res.BackedUp {
					t.Fatalf("upload %d stored on %s (backed up %v); want %s", i, res.Target, res.BackedUp, c.name)
				}
				got, ok := readBucket(t, srv, bucketOf(t, c), obj.Key)
				if !ok || !bytes.Equal(got, data) {
					t.Fatalf("upload %d: %s not stored intact", i, obj.Key)
				}
				for _, a := range res.Attempts {
					if a.CredentialsRefreshed {
						refreshed++
					}
				}
				if i == 8 || i == 16 || i == 24 {
					as := res.Attempts
					if len(as) != 2 || as[0].Kind != uploader.InvalidCredentials || as[0].CredentialsRefreshed ||
						as[1].Kind != uploader.OK || !as[1].CredentialsRefreshed {
						t.Fatalf("upload %d after the token expired: attempts %v (refreshed %v); want a refused one then a refreshed ok",
							i, kinds(as), refreshedFlags(as))
					}
				} else if len(res.Attempts) != 1 {
					t.Fatalf("upload %d: attempts %v; want one", i, kinds(res.Attempts))
				}
				fmt.Fprintf(lw, "%+v %v\n", res, res.Attempts)
				for _, a := range res.Attempts {
					if a.Err != nil {
						fmt.Fprintln(lw, a.Err.Error(), uploader.AsError(a.Err).Explain())
					}
				}
			}
			if n := c.sts.fetches.Load(); n != 4 {
				t.Errorf("the STS was asked %d times; want 4 (the first keys and one refresh per expiry)", n)
			}
			if refreshed != 3 {
				t.Errorf("%d attempts were signed with refreshed keys; want 3", refreshed)
			}
			// A fourth expiry met by 8 uploads at once: one refresh for all.
			c.gw.ExpireToken(c.sts.current().AccessKey)
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					obj, _ := object(keyf("tok/%s/par%d", provider, i), 2048, uint64(100+i))
					res, err := tryUpload(u, obj)
					if err != nil || res.Target != c.name || res.BackedUp {
						t.Errorf("concurrent upload %d: stored on %q (backed up %v), err %v", i, res.Target, res.BackedUp, err)
					}
				}()
			}
			wg.Wait()
			if n := c.sts.fetches.Load(); n != 5 {
				t.Errorf("after an expiry met by 8 concurrent uploads the STS was asked %d times in all; want 5", n)
			}
			st := targetStats(t, u, c.name)
			if st.Opens != 0 || st.State != failover.Closed {
				t.Errorf("breaker: %d opens, state %s; want none, closed", st.Opens, st.State)
			}
			if n := len(spooled(t, backup)); n != 0 {
				t.Errorf("the backup holds %d files; want none", n)
			}
			c.logsMu.Lock()
			fmt.Fprint(lw, c.logs.String())
			c.logsMu.Unlock()
			outMu.Lock()
			all := out.String()
			outMu.Unlock()
			for _, s := range c.sts.secrets() {
				if strings.Contains(all, s) {
					t.Fatalf("a secret or token of the run appears in its output")
				}
			}
		})
	}
}

// TestScenarioCredentialsRefreshFails: when the token expires and the
// source of new keys fails, or gives keys the server refuses too, the
// upload fails over to the backup with invalid_credentials, the breaker
// opens, and the error names the link.
func TestScenarioCredentialsRefreshFails(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, provider := range []string{"tos", "oss", "obs", "cos", "s3"} {
		for _, mode := range []string{"source_fails", "new_keys_refused"} {
			t.Run(provider+"/"+mode, func(t *testing.T) {
				c := newTokenCloud(t, srv, provider)
				backup := newBackup(t)
				u, err := failover.New([]failover.Target{{Backend: c.b}, {Backend: backup}},
					failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}, Retry: failover.RetryOptions{MaxAttempts: 1}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = u.Close() })
				obj, _ := object(keyf("tokfail/%s/%s/0", provider, mode), 100, 1)
				if res := mustUpload(t, u, obj); res.Target != c.name {
					t.Fatalf("first upload went to %s", res.Target)
				}
				want := "fetching new ones failed"
				if mode == "source_fails" {
					c.sts.fail.Store(true)
				} else {
					c.sts.bogus.Store(true)
					want = "refreshed from test STS and refused again"
				}
				c.gw.ExpireToken(c.sts.current().AccessKey)
				obj, _ = object(keyf("tokfail/%s/%s/1", provider, mode), 100, 2)
				res := mustUpload(t, u, obj)
				if !res.BackedUp {
					t.Fatalf("upload after a failed refresh stored on %s; want the backup", res.Target)
				}
				var last uploader.Attempt
				for _, a := range res.Attempts {
					if a.Target == c.name {
						last = a
					}
				}
				e := uploader.AsError(last.Err)
				if last.Kind != uploader.InvalidCredentials || e == nil {
					t.Fatalf("attempts %v", kinds(res.Attempts))
				}
				if text := e.Error() + "\n" + strings.Join(e.Hints, "\n"); !strings.Contains(text, "test STS") || !strings.Contains(text, want) {
					t.Errorf("the error does not name the failing link (want %q):\n%s", want, text)
				}
				if st := targetStats(t, u, c.name); st.Opens != 1 {
					t.Errorf("breaker opens %d; want 1", st.Opens)
				}
				if n := c.sts.fetches.Load(); n != 2 {
					t.Errorf("the STS was asked %d times; want 2 (one refresh for the refusal)", n)
				}
				for _, s := range c.sts.secrets() {
					if strings.Contains(e.Explain(), s) {
						t.Fatal("a secret appears in the error")
					}
				}
			})
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func refreshedFlags(as []uploader.Attempt) []bool {
	out := make([]bool, len(as))
	for i, a := range as {
		out[i] = a.CredentialsRefreshed
	}
	return out
}

func bucketOf(t *testing.T, c *tokenCloud) string {
	t.Helper()
	d, ok := c.b.(uploader.Describer)
	if !ok {
		t.Fatal("backend does not describe itself")
	}
	return d.Describe().Bucket
}
