package prometheus_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	uploadprom "github.com/resilient-upload/upload/contrib/prometheus"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// memBackend is a minimal in-memory backend whose Puts fail with failKind
// when it is set.
type memBackend struct {
	name, provider string
	failKind       uploader.Kind

	mu   sync.Mutex
	objs map[string][]byte
}

func newMem(name, provider string, fail uploader.Kind) *memBackend {
	return &memBackend{name: name, provider: provider, failKind: fail, objs: map[string][]byte{}}
}

func (m *memBackend) Name() string { return m.name }
func (m *memBackend) Describe() uploader.Description {
	return uploader.Description{Name: m.name, Provider: m.provider}
}
func (m *memBackend) ErrorKind(err error) uploader.Kind { return uploader.KindOf(err) }
func (m *memBackend) Close() error                      { return nil }
func (m *memBackend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	if m.failKind != uploader.OK {
		return uploader.Result{}, &uploader.Error{Kind: m.failKind, Target: m.name, Provider: m.provider, Op: "put", Status: 403}
	}
	sr, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	defer body.Close()
	data := make([]byte, obj.Size)
	if _, err := sr.ReadAt(data, 0); err != nil && obj.Size > 0 {
		return uploader.Result{}, err
	}
	m.mu.Lock()
	m.objs[obj.Key] = data
	m.mu.Unlock()
	return uploader.Result{Provider: m.provider, Size: obj.Size}, nil
}

// TestCollectorExportsUploaderStats: after uploads whose primary refuses
// signatures, the exported series say what happened.
func TestCollectorExportsUploaderStats(t *testing.T) {
	primary := newMem("tos-beijing", "tos", uploader.SignatureMismatch)
	secondary := newMem("oss-hangzhou", "oss", uploader.OK)
	backup := newMem("local", "local", uploader.OK)
	u, err := failover.New([]failover.Target{{Backend: primary}, {Backend: secondary}, {Backend: backup, Backup: true}},
		failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if _, err := u.Upload(context.Background(), uploader.BytesObject(k, []byte("data"))); err != nil {
			t.Fatal(err)
		}
	}
	c := uploadprom.NewCollector(u, uploadprom.Options{})
	want := `
# HELP upload_uploads_total Uploads by outcome: stored on a cloud target, backed_up in the local backup, or failed.
# TYPE upload_uploads_total counter
upload_uploads_total{outcome="backed_up"} 0
upload_uploads_total{outcome="failed"} 0
upload_uploads_total{outcome="stored"} 3
# HELP upload_failovers_total Times an upload left a cloud target for the next target or the backup.
# TYPE upload_failovers_total counter
upload_failovers_total 3
# HELP upload_target_attempts_total Attempts that reached the target's backend.
# TYPE upload_target_attempts_total counter
upload_target_attempts_total{provider="local",target="local"} 0
upload_target_attempts_total{provider="oss",target="oss-hangzhou"} 3
upload_target_attempts_total{provider="tos",target="tos-beijing"} 1
# HELP upload_target_rejections_total Calls the target's circuit breaker refused.
# TYPE upload_target_rejections_total counter
upload_target_rejections_total{provider="oss",target="oss-hangzhou"} 0
upload_target_rejections_total{provider="tos",target="tos-beijing"} 2
# HELP upload_target_breaker_state State of the target's circuit breaker: 0 closed, 1 half-open, 2 open.
# TYPE upload_target_breaker_state gauge
upload_target_breaker_state{provider="oss",target="oss-hangzhou"} 0
upload_target_breaker_state{provider="tos",target="tos-beijing"} 2
# HELP upload_target_breaker_opens_total Times the target's circuit breaker opened.
# TYPE upload_target_breaker_opens_total counter
upload_target_breaker_opens_total{provider="oss",target="oss-hangzhou"} 0
upload_target_breaker_opens_total{provider="tos",target="tos-beijing"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"upload_uploads_total", "upload_failovers_total", "upload_target_attempts_total",
		"upload_target_rejections_total", "upload_target_breaker_state", "upload_target_breaker_opens_total"); err != nil {
		t.Error(err)
	}
	// One failure series per Kind but CircuitOpen, per target; the
	// signature failure is counted on the primary.
	failures := `
# HELP upload_target_failures_total Failed attempts on the target, by kind.
# TYPE upload_target_failures_total counter
`
	for _, target := range [][2]string{{"local", "local"}, {"oss-hangzhou", "oss"}, {"tos-beijing", "tos"}} {
		for _, k := range uploader.Kinds() {
			if k == uploader.CircuitOpen {
				continue
			}
			v := "0"
			if target[0] == "tos-beijing" && k == uploader.SignatureMismatch {
				v = "1"
			}
			failures += `upload_target_failures_total{kind="` + k.String() + `",provider="` + target[1] + `",target="` + target[0] + `"} ` + v + "\n"
		}
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(failures), "upload_target_failures_total"); err != nil {
		t.Error(err)
	}
}

// fixed is a StatsSource with set stats.
type fixed failover.Stats

func (f fixed) Stats() failover.Stats { return failover.Stats(f) }

// TestCollectorSkewAndProbes: the skew gauge appears once a skew is known,
// in seconds; probes split by result; a namespace and constant labels apply.
func TestCollectorSkewAndProbes(t *testing.T) {
	src := fixed{Targets: []failover.TargetStats{
		{Name: "cos", Provider: "cos", State: failover.HalfOpen, Probes: 5, ProbeFailures: 2, Skew: -90 * time.Second, SkewKnown: true},
		{Name: "obs", Provider: "obs"},
	}}
	c := uploadprom.NewCollector(src, uploadprom.Options{Namespace: "x", ConstLabels: prom.Labels{"job": "batch"}})
	want := `
# HELP x_target_clock_skew_seconds Last measured offset of the target's clock from the local one (server minus local).
# TYPE x_target_clock_skew_seconds gauge
x_target_clock_skew_seconds{job="batch",provider="cos",target="cos"} -90
# HELP x_target_probes_total Health probes of the open target, by result.
# TYPE x_target_probes_total counter
x_target_probes_total{job="batch",provider="cos",result="failed",target="cos"} 2
x_target_probes_total{job="batch",provider="cos",result="ok",target="cos"} 3
x_target_probes_total{job="batch",provider="obs",result="failed",target="obs"} 0
x_target_probes_total{job="batch",provider="obs",result="ok",target="obs"} 0
# HELP x_target_breaker_state State of the target's circuit breaker: 0 closed, 1 half-open, 2 open.
# TYPE x_target_breaker_state gauge
x_target_breaker_state{job="batch",provider="cos",target="cos"} 1
x_target_breaker_state{job="batch",provider="obs",target="obs"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"x_target_clock_skew_seconds", "x_target_probes_total", "x_target_breaker_state"); err != nil {
		t.Error(err)
	}
}

// TestCollectorThrottle: a throttled target's time limited, concurrency
// limit, attempts in flight and queued uploads.
func TestCollectorThrottle(t *testing.T) {
	src := fixed{Targets: []failover.TargetStats{
		{Name: "tos", Provider: "tos", Throttle: failover.ThrottleStats{Limit: 3, InFlight: 2, Queued: 7, ThrottledTime: 90 * time.Second}},
	}}
	c := uploadprom.NewCollector(src, uploadprom.Options{})
	want := `
# HELP upload_target_throttled_seconds_total Time the target's concurrency was limited after throttled replies.
# TYPE upload_target_throttled_seconds_total counter
upload_target_throttled_seconds_total{provider="tos",target="tos"} 90
# HELP upload_target_concurrency_limit The target's concurrency limit now; 0 when it has none.
# TYPE upload_target_concurrency_limit gauge
upload_target_concurrency_limit{provider="tos",target="tos"} 3
# HELP upload_target_in_flight Attempts in flight on the target now.
# TYPE upload_target_in_flight gauge
upload_target_in_flight{provider="tos",target="tos"} 2
# HELP upload_target_queued Uploads waiting for the target's open breaker to let a trial through.
# TYPE upload_target_queued gauge
upload_target_queued{provider="tos",target="tos"} 7
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "upload_target_throttled_seconds_total",
		"upload_target_concurrency_limit", "upload_target_in_flight", "upload_target_queued"); err != nil {
		t.Error(err)
	}
}

// TestCollectorIsConsistent: a pedantic registry accepts the collector
// (every metric collected is described, no duplicate series), and the
// metric names pass the Prometheus lint.
func TestCollectorIsConsistent(t *testing.T) {
	primary := newMem("a", "tos", uploader.OK)
	u, err := failover.New([]failover.Target{{Backend: primary}, {Backend: newMem("b", "local", uploader.OK), Backup: true}}, failover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := uploadprom.NewCollector(u, uploadprom.Options{})
	reg := prom.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) == 0 {
		t.Fatal("no metrics gathered")
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
