package integration_test

import (
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// skewOffset is how far the primary gateway's clock runs ahead: beyond
// every vendor's 15-minute window.
const skewOffset = 31 * time.Minute

// skewTolerance is how far a measured skew may be from skewOffset. The
// Date header has one-second resolution and the estimate takes the
// midpoint of the round trip, which on a busy machine can last seconds; a
// minute still tells a 31-minute skew from none, and the estimate's
// precision is tested with fake times in package skew.
const skewTolerance = time.Minute

// TestScenarioClockSkew is scenario 2 of issue 5: the primary's gateway
// clock runs 31 minutes ahead. With the backend's skew correction off,
// the ClockSkew refusal trips the breaker at once and the upload fails over
// to the secondary (TOS cn-shanghai). With correction on, the backend
// retries once with the server's time: no failover, the object stays on the
// primary, the attempts show the refusal (skew ≈ 31 min) and the corrected
// success, and the skew is reported (EventSkew, TargetStats.Skew). For a
// TOS, OSS, COS and OBS primary.
func TestScenarioClockSkew(t *testing.T) {
	srv := miniotest.Shared(t)
	primaries := []cloudSpec{
		{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"},
		{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"},
		{dialect: gateway.COS, name: "cos-guangzhou"},
		{dialect: gateway.OBS, name: "obs-beijing"},
	}
	for _, spec := range primaries {
		t.Run(string(spec.dialect), func(t *testing.T) {
			t.Run("correction_off", func(t *testing.T) {
				spec := spec
				spec.noSkewCorrection = true
				skewCorrectionOff(t, srv, spec)
			})
			t.Run("correction_on", func(t *testing.T) {
				skewCorrectionOn(t, srv, spec)
			})
		})
	}
}

// wantSkew fails t unless d is skewOffset within skewTolerance.
func wantSkew(t testing.TB, what string, d time.Duration) {
	t.Helper()
	if (d - skewOffset).Abs() > skewTolerance {
		t.Errorf("%s: skew %v, want ≈ %v", what, d, skewOffset)
	}
}

func skewCorrectionOff(t *testing.T, srv *miniotest.Server, spec cloudSpec) {
	primary := newCloud(t, srv, spec)
	secondary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
	primary.gw.SetClockOffset(skewOffset)
	log := newEventLog()
	u := newFailover(t, []*cloud{primary, secondary}, nil,
		failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, log)
	p := spec.name

	obj, data := object("skew/off/first", 2048, 2)
	res := mustUpload(t, u, obj)
	if res.Target != "tos-shanghai" {
		t.Fatalf("stored on %q, want the secondary tos-shanghai (attempts %v)", res.Target, kinds(res.Attempts))
	}
	wantAttempts(t, "first upload", res.Attempts, p+"=clock_skew", "tos-shanghai=ok")
	a0 := res.Attempts[0]
	if a0.Status != 403 || a0.SkewCorrected {
		t.Errorf("first attempt: status %d, corrected %v; want a 403 signed with the local clock", a0.Status, a0.SkewCorrected)
	}
	wantSkew(t, "first attempt", a0.Skew)
	if e := uploader.AsError(a0.Err); e == nil || len(e.Hints) == 0 {
		t.Errorf("the clock-skew refusal carries no hints: %v", a0.Err)
	}
	// Correction off: the backend does not retry; one PUT reached the
	// primary.
	if n := primary.puts(); n != 1 {
		t.Errorf("primary's gateway counted %d PUTs, want 1", n)
	}
	wantStored(t, secondary, obj.Key, data)

	st := targetStats(t, u, p)
	if st.Opens != 1 || st.State != failover.Open || st.Failures[uploader.ClockSkew] != 1 {
		t.Errorf("primary: opens %d, state %s, clock_skew failures %d; want 1, open, 1", st.Opens, st.State, st.Failures[uploader.ClockSkew])
	}
	if !st.SkewKnown {
		t.Error("TargetStats.SkewKnown is false")
	}
	wantSkew(t, "TargetStats.Skew", st.Skew)
	if evs := log.find(failover.EventBreaker, p, nil); len(evs) != 1 || evs[0].To != failover.Open || evs[0].Kind != uploader.ClockSkew {
		t.Errorf("primary's breaker events %v, want one closed>open for clock_skew", log.transitions(p))
	}
	if fo := log.find(failover.EventFailover, p, nil); len(fo) != 1 || fo[0].Kind != uploader.ClockSkew || fo[0].Next != "tos-shanghai" {
		t.Errorf("failovers from the primary: %+v, want one for clock_skew to tos-shanghai", fo)
	}

	// The open breaker keeps the next upload off the primary.
	res = mustUpload(t, u, uploader.BytesObject("skew/off/second", []byte("second")))
	wantAttempts(t, "second upload", res.Attempts, p+"=circuit_open", "tos-shanghai=ok")
	if n := primary.gw.Count(gateway.OpAny); n != 1 {
		t.Errorf("primary's gateway saw %d requests, want still 1", n)
	}
}

func skewCorrectionOn(t *testing.T, srv *miniotest.Server, spec cloudSpec) {
	primary := newCloud(t, srv, spec)
	secondary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
	primary.gw.SetClockOffset(skewOffset)
	log := newEventLog()
	u := newFailover(t, []*cloud{primary, secondary}, nil,
		failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, log)
	p := spec.name

	obj, data := object("skew/on/first", 2048, 3)
	res := mustUpload(t, u, obj)
	if res.Target != p {
		t.Fatalf("stored on %q, want the primary %s (attempts %v)", res.Target, p, kinds(res.Attempts))
	}
	wantAttempts(t, "first upload", res.Attempts, p+"=clock_skew", p+"=ok(corrected)")
	a0, a1 := res.Attempts[0], res.Attempts[1]
	if a0.Status != 403 || a0.SkewCorrected {
		t.Errorf("first attempt: status %d, corrected %v; want a 403 signed with the local clock", a0.Status, a0.SkewCorrected)
	}
	wantSkew(t, "first attempt", a0.Skew)
	wantSkew(t, "second attempt", a1.Skew)
	// Two PUTs reached the primary: the refused one and the corrected one,
	// which MinIO stored. Nothing reached the secondary.
	if n, rej, fwd := primary.puts(), primary.gw.CountOutcome(gateway.OpPut, gateway.OutcomeRejected),
		primary.gw.CountOutcome(gateway.OpPut, gateway.OutcomeForwarded); n != 2 || rej != 1 || fwd != 1 {
		t.Errorf("primary's gateway: %d PUTs, %d rejected, %d forwarded; want 2, 1, 1", n, rej, fwd)
	}
	if n := secondary.gw.Count(gateway.OpAny); n != 0 {
		t.Errorf("secondary's gateway saw %d requests, want none", n)
	}
	wantStored(t, primary, obj.Key, data)

	// No failover, a closed breaker, and the skew reported.
	if fo := log.find(failover.EventFailover, "", nil); len(fo) != 0 {
		t.Errorf("%d failovers, want none", len(fo))
	}
	st := targetStats(t, u, p)
	if st.Opens != 0 || st.State != failover.Closed {
		t.Errorf("primary: opens %d, state %s; want 0, closed", st.Opens, st.State)
	}
	if !st.SkewKnown {
		t.Error("TargetStats.SkewKnown is false")
	}
	wantSkew(t, "TargetStats.Skew", st.Skew)
	if s := u.Stats(); s.Failovers != 0 || s.Stored != 1 {
		t.Errorf("stats: failovers %d, stored %d; want 0, 1", s.Failovers, s.Stored)
	}
	skews := log.find(failover.EventSkew, p, nil)
	corrected := log.find(failover.EventSkew, p, func(ev failover.Event) bool { return ev.SkewCorrected })
	if len(skews) == 0 || len(corrected) == 0 {
		t.Fatalf("skew events on the primary: %+v; want the measured skew and the corrected attempt reported", skews)
	}
	wantSkew(t, "EventSkew", skews[0].Skew)
	wantSkew(t, "corrected EventSkew", corrected[0].Skew)

	// The next upload is signed with the corrected time from the start.
	obj, data = object("skew/on/second", 1000, 4)
	res = mustUpload(t, u, obj)
	wantAttempts(t, "second upload", res.Attempts, p+"=ok(corrected)")
	if n := primary.puts(); n != 3 {
		t.Errorf("primary's gateway counted %d PUTs, want 3", n)
	}
	wantStored(t, primary, obj.Key, data)
}
