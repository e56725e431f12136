package integration_test

// The failover scenarios of issue 5: the failover.Uploader over the real
// backends (TOS, OSS, OBS, COS and the local backup), each cloud behind a
// vendor gateway of its dialect in front of the real MinIO. This file holds
// the rig they share; each scenario has its own file.
//
// The scenarios assert counts (gateway counters, Stats, events, attempts),
// never timings. Where the real clock must pass (an open breaker's
// OpenTimeout), they drive uploads or wait for an event, with a generous
// deadline (waitDeadline).

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// waitDeadline bounds every wait on the real clock: generous, so that a
// loaded 2-core machine under -race never flakes; a healthy run takes a
// fraction of it.
const waitDeadline = 10 * time.Second

// scenarioResponseTimeout is the backends' response timeout. No scenario
// stalls a request; it only bounds a hung test.
const scenarioResponseTimeout = 30 * time.Second

// wrongSecret is a fake secret the gateways do not accept.
const wrongSecret = "wrong-fake-secret-for-tests"

// cloudSpec describes one cloud target of a scenario.
type cloudSpec struct {
	dialect gateway.Dialect
	name    string // the target's name, e.g. "tos-beijing"
	region  string // TOS and OSS sign with it; empty for OBS and COS
	// wrongSecret configures the backend with a secret the gateway refuses.
	wrongSecret bool
	// noSkewCorrection sets the backend's DisableSkewCorrection.
	noSkewCorrection bool
	// seed seeds the gateway's probabilistic faults.
	seed int64
	// link is the emulated network between the backend and its gateway.
	link gateway.Link
}

// cloud is a cloud target: a real backend talking to a gateway of its
// dialect, in front of a bucket of the shared MinIO.
type cloud struct {
	spec   cloudSpec
	srv    *miniotest.Server
	gw     *gateway.Gateway
	bucket string
	b      uploader.Backend
}

// newCloud starts a gateway and a bucket for spec and returns the backend
// over them; all go away in t.Cleanup (backend, then gateway, then bucket).
func newCloud(t testing.TB, srv *miniotest.Server, spec cloudSpec) *cloud {
	t.Helper()
	c := &cloud{spec: spec, srv: srv}
	if spec.dialect == gateway.COS {
		// COS bucket names end in -APPID.
		c.bucket = miniotest.UniqueBucketName("scn-cos") + "-1250000000"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.MakeBucket(ctx, c.bucket); err != nil {
			t.Fatalf("creating bucket %s: %v", c.bucket, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = srv.RemoveBucket(ctx, c.bucket)
		})
	} else {
		c.bucket = srv.NewBucket(t, "scn-"+spec.name)
	}
	gw, err := gateway.Start(gateway.Options{Dialect: spec.dialect, Upstream: gateway.MinIO(srv), Seed: spec.seed, Link: spec.link})
	if err != nil {
		t.Fatalf("gateway for %s: %v", spec.name, err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	c.gw = gw
	ak, sk := gw.Credentials()
	if spec.wrongSecret {
		sk = wrongSecret
	}
	switch spec.dialect {
	case gateway.TOS:
		c.b, err = tos.New(tos.Options{Common: provider.Common{Name: spec.name, Endpoint: gw.URL(), Region: spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, DisableSkewCorrection: spec.noSkewCorrection}})
	case gateway.OSS:
		c.b, err = oss.New(oss.Options{Common: provider.Common{Name: spec.name, Endpoint: gw.URL(), Region: spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, DisableSkewCorrection: spec.noSkewCorrection}})
	case gateway.OBS:
		c.b, err = obs.New(obs.Options{Common: provider.Common{Name: spec.name, Endpoint: gw.URL(), Region: spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, DisableSkewCorrection: spec.noSkewCorrection}})
	case gateway.COS:
		c.b, err = cos.New(cos.Options{Common: provider.Common{Name: spec.name, Endpoint: gw.URL(), Region: spec.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, DisableSkewCorrection: spec.noSkewCorrection}})
	default:
		t.Fatalf("no backend for dialect %q", spec.dialect)
	}
	if err != nil {
		t.Fatalf("backend %s: %v", spec.name, err)
	}
	t.Cleanup(func() { _ = c.b.Close() })
	return c
}

// puts is how many object PUTs reached the cloud's gateway.
func (c *cloud) puts() int { return c.gw.Count(gateway.OpPut) }

// read returns the object key as MinIO holds it in the cloud's bucket.
func (c *cloud) read(t testing.TB, key string) ([]byte, bool) {
	t.Helper()
	return readBucket(t, c.srv, c.bucket, key)
}

// keys lists the bucket's keys, sorted.
func (c *cloud) keys(t testing.TB) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var keys []string
	for o := range c.srv.Client().ListObjects(ctx, c.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("listing %s: %v", c.bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys
}

// readBucket reads key from bucket with minio-go; false if it does not
// exist.
func readBucket(t testing.TB, srv *miniotest.Server, bucket, key string) ([]byte, bool) {
	t.Helper()
	data, ok, err := getObject(srv, bucket, key)
	if err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return data, ok
}

// getObject reads key from bucket with minio-go; false if it does not
// exist. It may be called from any goroutine.
func getObject(srv *miniotest.Server, bucket, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obj, err := srv.Client().GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, false, err
	}
	data, err := readAll(obj)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

// newBackup returns a local backup in a temporary directory.
func newBackup(t testing.TB) *local.Backend {
	t.Helper()
	b, err := local.New(local.Options{Dir: t.TempDir(), Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// spooled returns the bytes of every copy the backup holds, by key.
func spooled(t testing.TB, b *local.Backend) map[string][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := b.List(ctx)
	if err != nil {
		t.Fatalf("listing the backup: %v", err)
	}
	out := map[string][]byte{}
	for _, s := range list {
		obj, err := b.Object(s)
		if err != nil {
			t.Fatalf("backup copy of %s: %v", s.Key, err)
		}
		sr, body, err := obj.Reader()
		if err != nil {
			t.Fatalf("opening the backup copy of %s: %v", s.Key, err)
		}
		data, err := io.ReadAll(sr)
		_ = body.Close()
		if err != nil {
			t.Fatalf("reading the backup copy of %s: %v", s.Key, err)
		}
		if _, dup := out[s.Key]; dup {
			t.Fatalf("the backup lists %s twice", s.Key)
		}
		out[s.Key] = data
	}
	return out
}

// newFailover builds the Uploader over clouds, in order, then backup if not
// nil, recording every event in log; it is closed in t.Cleanup.
func newFailover(t testing.TB, clouds []*cloud, backup uploader.Backend, opts failover.Options, log *eventLog) *failover.Uploader {
	t.Helper()
	var targets []failover.Target
	for _, c := range clouds {
		targets = append(targets, failover.Target{Backend: c.b})
	}
	if backup != nil {
		targets = append(targets, failover.Target{Backend: backup})
	}
	if log != nil {
		opts.OnEvent = log.add
	}
	u, err := failover.New(targets, opts)
	if err != nil {
		t.Fatalf("failover.New: %v", err)
	}
	t.Cleanup(func() { _ = u.Close() })
	return u
}

// eventLog records the Uploader's events; safe for concurrent use.
type eventLog struct {
	mu     sync.Mutex
	evs    []failover.Event
	signal chan struct{} // a token after each event
}

func newEventLog() *eventLog { return &eventLog{signal: make(chan struct{}, 1)} }

func (l *eventLog) add(ev failover.Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

// find returns the events of type typ on target ("" for any) that match
// (nil for all), in order.
func (l *eventLog) find(typ failover.EventType, target string, match func(failover.Event) bool) []failover.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []failover.Event
	for _, ev := range l.evs {
		if ev.Type == typ && (target == "" || ev.Target == target) && (match == nil || match(ev)) {
			out = append(out, ev)
		}
	}
	return out
}

// transitions returns target's breaker changes as "from>to" strings.
func (l *eventLog) transitions(target string) []string {
	var out []string
	for _, ev := range l.find(failover.EventBreaker, target, nil) {
		out = append(out, ev.From.String()+">"+ev.To.String())
	}
	return out
}

// waitFor waits, up to waitDeadline, for an event of type typ on target
// that matches, and reports whether one came.
func (l *eventLog) waitFor(typ failover.EventType, target string, match func(failover.Event) bool) bool {
	timer := time.NewTimer(waitDeadline)
	defer timer.Stop()
	for {
		if len(l.find(typ, target, match)) > 0 {
			return true
		}
		select {
		case <-l.signal:
		case <-timer.C:
			return len(l.find(typ, target, match)) > 0
		}
	}
}

// kinds renders attempts as "target=kind" strings, for comparisons and
// messages.
func kinds(as []uploader.Attempt) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Target + "=" + a.Kind.String()
		if a.SkewCorrected {
			out[i] += "(corrected)"
		}
	}
	return out
}

// wantAttempts fails t unless the attempts are exactly want ("target=kind").
func wantAttempts(t testing.TB, what string, as []uploader.Attempt, want ...string) {
	t.Helper()
	if got := kinds(as); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s: attempts %v, want %v", what, got, want)
	}
}

// object returns a deterministic object of size bytes under key.
func object(key string, size int, seed uint64) (uploader.Object, []byte) {
	data := backendtest.Data(int64(size), seed)
	return uploader.BytesObject(key, data), data
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// tryUpload uploads obj, with a minute at most; it may be called from any
// goroutine.
func tryUpload(u *failover.Uploader, obj uploader.Object) (uploader.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return u.Upload(ctx, obj)
}

// mustUpload uploads obj and fails t on error.
func mustUpload(t testing.TB, u *failover.Uploader, obj uploader.Object) uploader.Result {
	t.Helper()
	res, err := tryUpload(u, obj)
	if err != nil {
		t.Fatalf("upload %s: %v (attempts %v)", obj.Key, err, kinds(res.Attempts))
	}
	return res
}

// wantStored fails t unless MinIO holds exactly data under key in c's
// bucket.
func wantStored(t testing.TB, c *cloud, key string, data []byte) {
	t.Helper()
	got, ok := c.read(t, key)
	if !ok {
		t.Fatalf("%s is not in %s's bucket", key, c.spec.name)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("%s in %s's bucket: %d bytes, MD5 %s; want %d bytes, MD5 %s", key, c.spec.name,
			len(got), md5hex(got), len(data), md5hex(data))
	}
}

// targetStats returns the stats of the named target.
func targetStats(t testing.TB, u *failover.Uploader, name string) failover.TargetStats {
	t.Helper()
	for _, ts := range u.Stats().Targets {
		if ts.Name == name {
			return ts
		}
	}
	t.Fatalf("no target %q in Stats", name)
	return failover.TargetStats{}
}

func keyf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
