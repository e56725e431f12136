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

// unavailableBurst is 503 ServiceUnavailable (no throttle code): a target
// that is down for a while, not one asking to slow down.
var unavailableBurst = gateway.Respond(503, "ServiceUnavailable")

// slowDownNoWait is 503 SlowDown without Retry-After, so that retries wait
// only the (short) backoff.
var slowDownNoWait = gateway.Respond(503, "SlowDown")

// TestScenarioThrottleBurst is scenario 3 of issue 5: the primary TOS region
// answers 503 for a bounded burst. A 503 ServiceUnavailable burst is an
// outage: uploads retry on it (EventRetry, attempts of Kind unavailable),
// then fail over to the secondary when the breaker trips; after the burst,
// the primary comes back: through the half-open trial once OpenTimeout has
// passed on the real clock, or at once after a successful health probe. A
// 503 SlowDown burst is the server asking for less: uploads wait and retry
// on the primary, which keeps them, and its breaker never opens.
func TestScenarioThrottleBurst(t *testing.T) {
	srv := miniotest.Shared(t)
	t.Run("breaker_trips_then_half_open", func(t *testing.T) { throttleHalfOpen(t, srv) })
	t.Run("probe_brings_primary_back", func(t *testing.T) { throttleProbe(t, srv) })
	t.Run("attempts_spent_no_trip", func(t *testing.T) { throttleAttemptsSpent(t, srv) })
}

// fastRetries retries up to 5 times on a target, 1-5 ms apart.
var fastRetries = failover.RetryOptions{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

// burst starts the two TOS regions and injects n 503 SlowDown replies to
// PUTs on the primary.
func burst(t *testing.T, srv *miniotest.Server, action gateway.Action, n int) (primary, secondary *cloud, fault gateway.FaultID) {
	primary = newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing"})
	secondary = newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
	fault = primary.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: action, Times: n})
	return primary, secondary, fault
}

// throttledThenTrip uploads the first object into a burst of 3 503s with a
// breaker that trips on 3 failures: three unavailable attempts (two
// retries), the breaker opens, the upload lands on the secondary.
func throttledThenTrip(t *testing.T, u *failover.Uploader, log *eventLog, primary, secondary *cloud, fault gateway.FaultID) {
	t.Helper()
	obj, data := object("burst/first", 8192, 10)
	res := mustUpload(t, u, obj)
	wantAttempts(t, "first upload", res.Attempts,
		"tos-beijing=unavailable", "tos-beijing=unavailable", "tos-beijing=unavailable", "tos-shanghai=ok")
	for i, a := range res.Attempts[:3] {
		if a.Status != 503 || a.Code != "ServiceUnavailable" {
			t.Errorf("attempt %d: %d %s, want 503 ServiceUnavailable", i, a.Status, a.Code)
		}
	}
	wantStored(t, secondary, obj.Key, data)
	if hits := primary.gw.FaultHits(fault); hits != 3 {
		t.Errorf("the burst hit %d requests, want 3", hits)
	}
	retries := log.find(failover.EventRetry, "tos-beijing", nil)
	if len(retries) != 2 || retries[0].Kind != uploader.Unavailable || retries[0].Attempt != 1 || retries[1].Attempt != 2 {
		t.Errorf("retry events %+v, want 2 for unavailable (attempts 1 and 2)", retries)
	}
	opens := log.find(failover.EventBreaker, "tos-beijing", func(ev failover.Event) bool { return ev.To == failover.Open })
	if len(opens) != 1 || opens[0].Kind != uploader.Unavailable {
		t.Errorf("breaker events %v, want it opened once, for unavailable", log.transitions("tos-beijing"))
	}
	if fo := log.find(failover.EventFailover, "tos-beijing", nil); len(fo) != 1 || fo[0].Kind != uploader.Unavailable {
		t.Errorf("failovers %+v, want one for unavailable", fo)
	}
	if st := targetStats(t, u, "tos-beijing"); st.Opens != 1 || st.Failures[uploader.Unavailable] != 3 {
		t.Errorf("primary: opens %d, unavailable failures %d; want 1, 3", st.Opens, st.Failures[uploader.Unavailable])
	}
}

// wantBack checks that an upload lands on the primary in one attempt and
// that its breaker went closed, open, half-open, closed.
func wantBack(t *testing.T, u *failover.Uploader, log *eventLog, primary *cloud) {
	t.Helper()
	obj, data := object("burst/after", 3000, 11)
	res := mustUpload(t, u, obj)
	wantAttempts(t, "upload after recovery", res.Attempts, "tos-beijing=ok")
	wantStored(t, primary, obj.Key, data)
	if st, _ := u.TargetState("tos-beijing"); st != failover.Closed {
		t.Errorf("primary's breaker is %s, want closed", st)
	}
	if got := strings.Join(log.transitions("tos-beijing"), " "); got != "closed>open open>half-open half-open>closed" {
		t.Errorf("primary's breaker went %s, want closed>open open>half-open half-open>closed", got)
	}
}

func throttleHalfOpen(t *testing.T, srv *miniotest.Server) {
	primary, secondary, fault := burst(t, srv, unavailableBurst, 3)
	log := newEventLog()
	u := newFailover(t, []*cloud{primary, secondary}, nil, failover.Options{
		Breaker: failover.BreakerOptions{Failures: 3, Window: time.Minute, OpenTimeout: 200 * time.Millisecond},
		Retry:   fastRetries,
	}, log)
	throttledThenTrip(t, u, log, primary, secondary, fault)
	putsAfterBurst := primary.puts()

	// Drive uploads until one lands on the primary: while the breaker is
	// open each is refused there and lands on the secondary; once the open
	// period has passed, the next is the half-open trial, which succeeds.
	deadline := time.Now().Add(waitDeadline)
	refused := 0
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no upload reached the primary within %v (%d refused)", waitDeadline, refused)
		}
		obj, data := object(keyf("burst/drive/%04d", i), 512, uint64(1000+i))
		res := mustUpload(t, u, obj)
		got := strings.Join(kinds(res.Attempts), " ")
		if got == "tos-beijing=ok" {
			wantStored(t, primary, obj.Key, data)
			break
		}
		if got != "tos-beijing=circuit_open tos-shanghai=ok" {
			t.Fatalf("upload %d while the breaker is open: attempts %s", i, got)
		}
		wantStored(t, secondary, obj.Key, data)
		refused++
	}
	// The refused uploads never reached the primary: one PUT more, the
	// trial.
	if n := primary.puts(); n != putsAfterBurst+1 {
		t.Errorf("primary's gateway counted %d PUTs after the trial, want %d", n, putsAfterBurst+1)
	}
	if st := targetStats(t, u, "tos-beijing"); st.Rejections != uint64(refused) {
		t.Errorf("primary rejected %d calls, want %d", st.Rejections, refused)
	}
	t.Logf("%d uploads refused by the open breaker before the half-open trial", refused)
	wantBack(t, u, log, primary)
}

func throttleProbe(t *testing.T, srv *miniotest.Server) {
	primary, secondary, fault := burst(t, srv, unavailableBurst, 3)
	log := newEventLog()
	// The open period is an hour: only a probe can bring the primary back
	// within the test.
	u := newFailover(t, []*cloud{primary, secondary}, nil, failover.Options{
		Breaker: failover.BreakerOptions{Failures: 3, Window: time.Minute, OpenTimeout: time.Hour},
		Retry:   fastRetries,
		Probe:   failover.ProbeOptions{Interval: 20 * time.Millisecond},
	}, log)
	throttledThenTrip(t, u, log, primary, secondary, fault)

	if !log.waitFor(failover.EventProbe, "tos-beijing", func(ev failover.Event) bool { return ev.OK }) {
		t.Fatalf("no successful probe of the primary within %v; probes: %+v", waitDeadline, log.find(failover.EventProbe, "", nil))
	}
	// The probe put and deleted its object; it left nothing behind.
	st := targetStats(t, u, "tos-beijing")
	if st.Probes == 0 || primary.gw.Count(gateway.OpDelete) == 0 {
		t.Errorf("probes %d, DELETEs at the primary %d; want a put and a delete", st.Probes, primary.gw.Count(gateway.OpDelete))
	}
	if st.ProbeFailures != 0 {
		t.Errorf("%d probes failed after the burst", st.ProbeFailures)
	}
	if ok := log.find(failover.EventProbe, "tos-beijing", func(ev failover.Event) bool { return ev.OK && ev.Err == nil }); len(ok) == 0 {
		t.Errorf("the successful probe left its object behind: %+v", log.find(failover.EventProbe, "", nil))
	}
	// The probe ended the open period: the next upload is the trial.
	if st, _ := u.TargetState("tos-beijing"); st != failover.HalfOpen {
		t.Errorf("after a successful probe the primary's breaker is %s, want half-open", st)
	}
	wantBack(t, u, log, primary)
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed, no probe runs: the primary's bucket holds the two uploads'
	// objects and no probe object.
	if keys := strings.Join(primary.keys(t), " "); keys != "burst/after" {
		t.Errorf("the primary's bucket holds %q, want only burst/after", keys)
	}
}

func throttleAttemptsSpent(t *testing.T, srv *miniotest.Server) {
	// Three SlowDowns with Retry-After: 1, more than the 2 attempts per
	// target: a throttled target is not down, so the upload waits the
	// second the server asked for each time and stays on the primary; the
	// breaker never opens and nothing fails over.
	primary, secondary, fault := burst(t, srv, gateway.SlowDown(), 3)
	log := newEventLog()
	u := newFailover(t, []*cloud{primary, secondary}, nil, failover.Options{
		Retry: failover.RetryOptions{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}, log)

	obj, data := object("spent/first", 5000, 12)
	res := mustUpload(t, u, obj)
	wantAttempts(t, "first upload", res.Attempts, "tos-beijing=throttled", "tos-beijing=throttled", "tos-beijing=throttled", "tos-beijing=ok")
	wantStored(t, primary, obj.Key, data)
	if hits := primary.gw.FaultHits(fault); hits != 3 {
		t.Errorf("the burst hit %d requests, want 3", hits)
	}
	if e := uploader.AsError(res.Attempts[0].Err); e == nil || e.RetryAfter != time.Second {
		t.Errorf("first attempt's error %v: want RetryAfter 1s", res.Attempts[0].Err)
	}
	retries := log.find(failover.EventRetry, "tos-beijing", nil)
	if len(retries) != 3 || retries[0].Kind != uploader.Throttled || retries[0].Wait < time.Second {
		t.Errorf("retry events %+v, want 3 for throttled, each waiting at least the Retry-After of 1s", retries)
	}
	if fo := log.find(failover.EventFailover, "", nil); len(fo) != 0 {
		t.Errorf("failovers %+v, want none", fo)
	}
	if evs := log.find(failover.EventBreaker, "", nil); len(evs) != 0 {
		t.Errorf("breaker events %v, want none", log.transitions(""))
	}
	st := targetStats(t, u, "tos-beijing")
	if st.Opens != 0 || st.State != failover.Closed || st.Failures[uploader.Throttled] != 3 || st.WindowFailures != 0 {
		t.Errorf("primary: opens %d, state %s, throttled %d, counted %d; want 0, closed, 3, 0",
			st.Opens, st.State, st.Failures[uploader.Throttled], st.WindowFailures)
	}
	if st.Throttle.Throttled != 3 || st.Throttle.MinLimit != 1 {
		t.Errorf("primary's limiter: %+v, want 3 throttled replies and a limit of 1", st.Throttle)
	}
	if s := u.Stats(); s.Retries != 3 || s.Failovers != 0 {
		t.Errorf("stats: retries %d, failovers %d; want 3, 0", s.Retries, s.Failovers)
	}
}
