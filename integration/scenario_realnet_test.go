package integration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// slowLinkRate is the link of the slow-link scenarios: 2 MB/s.
const slowLinkRate = 2_000_000

// TestScenarioTargetRefused: OSS answers every request of a new mainland
// account on its default public endpoint with 400 PublicEndpointForbidden
// (EC 0048-00000401). That is the target's refusal, not the caller's fault:
// the upload fails over to the secondary (and, with no cloud left, to the
// backup), the primary's breaker opens at once, and the error carries the
// hint to use an internal or accelerate endpoint or a custom domain.
func TestScenarioTargetRefused(t *testing.T) {
	srv := miniotest.Shared(t)
	t.Run("fails_over", func(t *testing.T) {
		primary := newCloud(t, srv, cloudSpec{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"})
		secondary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
		primary.gw.Inject(gateway.Fault{Action: gateway.RespondCode("PublicEndpointForbidden")})
		log := newEventLog()
		u := newFailover(t, []*cloud{primary, secondary}, nil,
			failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, log)

		obj, data := object("refused/first", 4096, 11)
		res := mustUpload(t, u, obj)
		wantAttempts(t, "upload", res.Attempts, "oss-hangzhou=target_refused", "tos-shanghai=ok")
		wantStored(t, secondary, obj.Key, data)
		if _, ok := primary.read(t, obj.Key); ok {
			t.Errorf("the primary holds %s", obj.Key)
		}
		a0 := res.Attempts[0]
		if a0.Status != 400 || a0.Code != "PublicEndpointForbidden" {
			t.Errorf("first attempt: %d %s, want 400 PublicEndpointForbidden", a0.Status, a0.Code)
		}
		if e := uploader.AsError(a0.Err); e == nil || !strings.Contains(strings.Join(e.Hints, "\n"), "0048-00000401") {
			t.Errorf("the refusal carries no endpoint hint: %v", a0.Err)
		}
		if n := primary.puts(); n != 1 {
			t.Errorf("primary's gateway counted %d PUTs, want 1 (no retry of a target refusal)", n)
		}
		if st := targetStats(t, u, "oss-hangzhou"); st.State != failover.Open || st.Failures[uploader.TargetRefused] != 1 {
			t.Errorf("primary: state %s, target_refused failures %d; want open, 1", st.State, st.Failures[uploader.TargetRefused])
		}
		// The open breaker keeps the next upload off the primary.
		res = mustUpload(t, u, uploader.BytesObject("refused/second", []byte("second")))
		wantAttempts(t, "second upload", res.Attempts, "oss-hangzhou=circuit_open", "tos-shanghai=ok")
	})
	t.Run("backs_up", func(t *testing.T) {
		primary := newCloud(t, srv, cloudSpec{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"})
		primary.gw.Inject(gateway.Fault{Action: gateway.RespondCode("PublicEndpointForbidden")})
		backup := newBackup(t)
		u := newFailover(t, []*cloud{primary}, backup, failover.Options{}, newEventLog())
		obj, data := object("refused/backup", 4096, 12)
		res := mustUpload(t, u, obj)
		if !res.BackedUp {
			t.Fatalf("stored on %q, want the backup (attempts %v)", res.Target, kinds(res.Attempts))
		}
		if got := spooled(t, backup)[obj.Key]; string(got) != string(data) {
			t.Errorf("the backup holds %d bytes of %s, want %d", len(got), obj.Key, len(data))
		}
	})
}

// TestScenarioSlowLink: a 20 MiB object on a 2 MB/s link (the gateway's
// Bandwidth fault reads the PUT's body no faster), in one PUT that takes about ten seconds,
// with a stall timeout of five seconds (half the upload; the pacer moves
// bytes every tenth of a second, so only a stall could reach it). The upload is stored by its first
// attempt (bytes keep moving, so the watchdog never ends it), and the skew
// measured against the gateway's correct clock stays under a second: the
// round trip is measured from the end of the body, not its start (which
// read as a clock ahead by half the transfer, about five seconds). The
// gateway's Date is taken after it read the whole body, and the local times
// at the end of the body and at the reply: their distance is the short
// round trip whatever the machine's load.
func TestScenarioSlowLink(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, spec := range []cloudSpec{
		{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"},
		{dialect: gateway.OBS, name: "obs-beijing"},
	} {
		t.Run(string(spec.dialect), func(t *testing.T) {
			c := newCloud(t, srv, spec)
			c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Bandwidth(slowLinkRate)})
			u := newFailover(t, []*cloud{c}, nil, failover.Options{StallTimeout: 5 * time.Second}, newEventLog())
			obj, data := object("slow/20MiB", 20<<20, 21)
			res := mustUpload(t, u, obj)
			wantAttempts(t, "slow upload", res.Attempts, spec.name+"=ok")
			wantStored(t, c, obj.Key, data)
			if n := c.puts(); n != 1 {
				t.Errorf("%d PUTs reached the gateway, want 1", n)
			}
			sr, ok := c.b.(uploader.SkewReporter)
			if !ok {
				t.Fatalf("%s reports no skew", spec.name)
			}
			skew, known := sr.Skew()
			if !known {
				t.Fatal("no skew measured")
			}
			t.Logf("%s: skew measured after a 20 MiB PUT at 2 MB/s: %v (took %v)", spec.name, skew, res.Attempts[0].Elapsed)
			if skew.Abs() >= time.Second {
				t.Errorf("measured skew %v against a correct server clock, want |skew| < 1s", skew)
			}
		})
	}
}

// TestScenarioStall: the primary reads the body and never answers. The
// stall watchdog (2 s here; the backend's own response timeout is 30 s)
// ends the attempt with Kind Timeout and a message that says it stalled,
// and the object goes to the secondary.
func TestScenarioStall(t *testing.T) {
	srv := miniotest.Shared(t)
	primary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"})
	secondary := newCloud(t, srv, cloudSpec{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou"})
	primary.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Stall(), Times: 1})
	u := newFailover(t, []*cloud{primary, secondary}, nil,
		failover.Options{StallTimeout: 2 * time.Second, Retry: failover.RetryOptions{MaxAttempts: 1}}, newEventLog())
	obj, data := object("stall/obj", 64<<10, 31)
	res := mustUpload(t, u, obj)
	wantAttempts(t, "upload", res.Attempts, "tos-beijing=timeout", "oss-hangzhou=ok")
	if msg := res.Attempts[0].Err.Error(); !strings.Contains(msg, "stalled") {
		t.Errorf("the timed-out attempt's error %q does not say it stalled", msg)
	}
	wantStored(t, secondary, obj.Key, data)
}
