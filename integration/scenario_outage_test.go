package integration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// TestScenarioAllCloudsDown is scenario 4 of issue 5: every cloud (TOS
// cn-beijing, TOS cn-shanghai, OSS cn-hangzhou) fails for a window, each
// its own way (500, connection reset, 503 ServiceUnavailable). Uploads go to the
// local backup (Result.BackedUp, a file:// URL, the local target). After
// recovery, health probes bring the primary back, Drain empties the spool,
// and every object is in the primary's MinIO bucket, byte-identical.
func TestScenarioAllCloudsDown(t *testing.T) {
	srv := miniotest.Shared(t)
	clouds := []*cloud{
		newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"}),
		newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"}),
		newCloud(t, srv, cloudSpec{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"}),
	}
	primary := clouds[0]
	// Bounded faults on every request (probes included); cleared below.
	const outageTimes = 10000
	clouds[0].gw.Inject(gateway.Fault{Action: gateway.InternalError(), Times: outageTimes})
	clouds[1].gw.Inject(gateway.Fault{Action: gateway.Reset(), Times: outageTimes})
	clouds[2].gw.Inject(gateway.Fault{Action: unavailableBurst, Times: outageTimes})
	backup := newBackup(t)
	log := newEventLog()
	// Breakers open after 2 failures and stay open for an hour: only a
	// successful health probe (every 20 ms) brings a cloud back, so the
	// attempts below do not depend on timing.
	u := newFailover(t, clouds, backup, failover.Options{
		Breaker: failover.BreakerOptions{Failures: 2, Window: time.Minute, OpenTimeout: time.Hour},
		Retry:   failover.RetryOptions{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		Probe:   failover.ProbeOptions{Interval: 20 * time.Millisecond},
	}, log)

	// The outage: every upload lands in the backup.
	const n = 20
	datas := map[string][]byte{}
	for i := range n {
		size := 1 + (i*7919)%(64<<10)
		if i == n-1 {
			size = 0 // an empty object too
		}
		obj, data := object(keyf("outage/%02d.bin", i), size, uint64(200+i))
		datas[obj.Key] = data
		res := mustUpload(t, u, obj)
		if !res.BackedUp || res.Target != "local" || res.Provider != "local" || !strings.HasPrefix(res.URL, "file://") {
			t.Fatalf("upload %d: backed up %v on %q (%s), URL %q; want the local backup, file://", i, res.BackedUp, res.Target, res.Provider, res.URL)
		}
		if res.Size != int64(size) || res.MD5 != md5hex(data) {
			t.Errorf("upload %d: result size %d, MD5 %s; want %d, %s", i, res.Size, res.MD5, size, md5hex(data))
		}
		if i == 0 {
			// Each breaker opens on its second failure.
			wantAttempts(t, "first upload", res.Attempts,
				"tos-beijing=unavailable", "tos-beijing=unavailable",
				"tos-shanghai=unavailable", "tos-shanghai=unavailable",
				"oss-hangzhou=unavailable", "oss-hangzhou=unavailable", "local=ok")
		} else {
			wantAttempts(t, keyf("upload %d", i), res.Attempts,
				"tos-beijing=circuit_open", "tos-shanghai=circuit_open", "oss-hangzhou=circuit_open", "local=ok")
		}
	}
	for _, c := range clouds {
		if st := targetStats(t, u, c.spec.name); st.Opens != 1 || st.State != failover.Open || st.Attempts != 2 {
			t.Errorf("%s: opens %d, state %s, attempts %d; want 1, open, 2", c.spec.name, st.Opens, st.State, st.Attempts)
		}
		// The faults answered before anything reached MinIO.
		if keys := c.keys(t); len(keys) != 0 {
			t.Errorf("%s's bucket holds %v during the outage", c.spec.name, keys)
		}
	}
	if s := u.Stats(); s.BackedUp != n || s.Stored != 0 || s.Failed != 0 {
		t.Errorf("stats: backed up %d, stored %d, failed %d; want %d, 0, 0", s.BackedUp, s.Stored, s.Failed, n)
	}
	if evs := log.find(failover.EventBackup, "local", func(ev failover.Event) bool { return ev.Err == nil }); len(evs) != n {
		t.Errorf("%d backup events, want %d", len(evs), n)
	}
	held := spooled(t, backup)
	if len(held) != n {
		t.Fatalf("the backup holds %d copies, want %d", len(held), n)
	}
	for key, data := range datas {
		if got, ok := held[key]; !ok || md5hex(got) != md5hex(data) || len(got) != len(data) {
			t.Errorf("backup copy of %s: %d bytes (held %v), want %d identical", key, len(got), ok, len(data))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list, err := backup.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if len(s.Failed) == 0 {
			t.Errorf("the backup's record of %s lists no failed attempt", s.Key)
		}
	}

	// Recovery: the faults end, a probe of the primary succeeds, Drain
	// moves every copy to it.
	// First, a probe of the primary fails while the outage lasts.
	if !log.waitFor(failover.EventProbe, "tos-beijing", func(ev failover.Event) bool { return !ev.OK && ev.Kind == uploader.Unavailable }) {
		t.Fatalf("no failed probe of the primary within %v during the outage", waitDeadline)
	}
	for _, c := range clouds {
		c.gw.ClearFaults()
	}
	if !log.waitFor(failover.EventProbe, "tos-beijing", func(ev failover.Event) bool { return ev.OK }) {
		t.Fatalf("no successful probe of the primary within %v after the outage", waitDeadline)
	}
	rep, err := u.Drain(ctx, failover.DrainOptions{Concurrency: 4})
	if err != nil {
		t.Fatalf("drain: %v (%d drained, %d failed of %d)", err, rep.Drained, rep.Failed, len(rep.Items))
	}
	if rep.Drained != n || rep.Failed != 0 || rep.Skipped != 0 || len(rep.Items) != n {
		t.Fatalf("drain: %d drained, %d failed, %d skipped of %d items; want %d drained", rep.Drained, rep.Failed, rep.Skipped, len(rep.Items), n)
	}
	for _, it := range rep.Items {
		if it.Outcome != failover.DrainStored || it.Target != "tos-beijing" || !it.Removed {
			t.Errorf("drain of %s: %s on %q, removed %v; want stored on tos-beijing and removed", it.Key, it.Outcome, it.Target, it.Removed)
		}
	}
	if left, err := backup.List(ctx); err != nil || len(left) != 0 {
		t.Fatalf("after the drain the backup lists %d copies (%v), want none", len(left), err)
	}
	if s := u.Stats(); s.Drain.Drained != n || s.Drain.Failed != 0 {
		t.Errorf("drain stats: %+v", s.Drain)
	}
	if evs := log.find(failover.EventDrain, "", func(ev failover.Event) bool { return ev.Outcome == failover.DrainStored }); len(evs) != n {
		t.Errorf("%d drain events, want %d", len(evs), n)
	}
	// Every object is in MinIO, byte-identical, dated by its backup.
	for key, data := range datas {
		wantStored(t, primary, key, data)
	}
	info, err := srv.Client().StatObject(ctx, primary.bucket, "outage/00.bin", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasMeta(info.UserMetadata, failover.SpooledAtMetadata) {
		t.Errorf("drained object's metadata %v lacks %s", info.UserMetadata, failover.SpooledAtMetadata)
	}
	if st, _ := u.TargetState("tos-beijing"); st != failover.Closed {
		t.Errorf("primary's breaker is %s after the drain, want closed", st)
	}

	// Uploads go to the primary again.
	obj, data := object("outage/after.bin", 4096, 300)
	res := mustUpload(t, u, obj)
	wantAttempts(t, "upload after recovery", res.Attempts, "tos-beijing=ok")
	wantStored(t, primary, obj.Key, data)
	if keys := primary.keys(t); len(keys) != n+1 {
		t.Errorf("the primary's bucket holds %d objects, want %d (no probe object left)", len(keys), n+1)
	}
}

// hasMeta reports whether meta has key, case-insensitively.
func hasMeta(meta map[string]string, key string) bool {
	for k := range meta {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}
