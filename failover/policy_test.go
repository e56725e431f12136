package failover_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestKindTable drives one upload per row of the Kind table: the primary
// fails every attempt with that Kind, the secondary works. It checks the
// retries (number of attempts on the primary and backoff waits), the
// failover, the breaker and what the breaker counted.
func TestKindTable(t *testing.T) {
	type row struct {
		kind         uploader.Kind
		primaryPuts  int  // attempts that reach the primary
		failsOver    bool // the secondary stores the object
		opens        bool // the primary's breaker opens after this one upload
		counted      int  // failures in the breaker's window after the upload
		backoffWaits int
	}
	// Defaults: MaxAttempts 3, Failures 5.
	rows := []row{
		{uploader.SignatureMismatch, 1, true, true, 0, 0},
		{uploader.ClockSkew, 1, true, true, 0, 0},
		{uploader.InvalidCredentials, 1, true, true, 0, 0},
		{uploader.AccessDenied, 1, true, true, 0, 0},
		{uploader.BucketNotFound, 1, true, true, 0, 0},
		{uploader.TargetRefused, 1, true, true, 0, 0},
		// Throttled: paced, not counted, while the target is usable (60s
		// of nothing but throttled replies on the clock: the backoff waits
		// of 0.4s, 0.7s, 1.15s, 1.825s, 2.8375s, 4.35625s, then 5s, reach
		// 60s at the 17th attempt); then counted: 3 attempts and failover.
		{uploader.Throttled, 19, true, false, 3, 18},
		{uploader.Unavailable, 3, true, false, 3, 2},
		{uploader.Timeout, 3, true, false, 3, 2},
		{uploader.Integrity, 2, true, false, 2, 1},
		{uploader.Unknown, 2, true, false, 2, 1},
		{uploader.Invalid, 1, false, false, 0, 0},
		{uploader.Canceled, 1, false, false, 0, 0},
		{uploader.CircuitOpen, 1, true, false, 0, 0},
	}
	covered := map[uploader.Kind]bool{}
	for _, r := range rows {
		covered[r.kind] = true
	}
	for _, k := range uploader.Kinds() {
		if !covered[k] {
			t.Fatalf("kind %v has no row", k)
		}
	}
	for _, r := range rows {
		t.Run(r.kind.String(), func(t *testing.T) {
			e := newEnv(t, envConfig{})
			primary, secondary := e.clouds[0], e.clouds[1]
			always(primary, memtest.Fault{Kind: r.kind, Status: 403, Code: "Scripted"})
			res, err := e.upload("k")

			if got := primary.Puts(); got != r.primaryPuts {
				t.Errorf("primary got %d puts, want %d", got, r.primaryPuts)
			}
			if got := primary.Opens(); got != r.primaryPuts {
				t.Errorf("primary opened the body %d times, want once per attempt (%d)", got, r.primaryPuts)
			}
			wantKinds := repeat(r.kind, r.primaryPuts)
			if r.failsOver {
				if err != nil {
					t.Fatalf("Upload: %v", err)
				}
				if res.Target != "secondary" || res.BackedUp {
					t.Errorf("stored on %q (backed up %v), want secondary", res.Target, res.BackedUp)
				}
				stored(t, secondary, "k", payload("k"))
				wantKinds = append(wantKinds, uploader.OK)
			} else {
				if uploader.KindOf(err) != r.kind {
					t.Fatalf("Upload error %v (kind %v), want kind %v", err, uploader.KindOf(err), r.kind)
				}
				if secondary.Puts() != 0 || e.spool.Len() != 0 {
					t.Errorf("a %v failure failed over: secondary %d puts, backup %d copies", r.kind, secondary.Puts(), e.spool.Len())
				}
				if res.Target != "" {
					t.Errorf("failed upload names target %q", res.Target)
				}
			}
			if got := kinds(res.Attempts); !slices.Equal(got, wantKinds) {
				t.Errorf("attempt kinds %v, want %v", got, wantKinds)
			}
			wantState := failover.Closed
			if r.opens {
				wantState = failover.Open
			}
			if got := e.state("primary"); got != wantState {
				t.Errorf("primary breaker %v, want %v", got, wantState)
			}
			ts := e.target("primary")
			if ts.WindowFailures != r.counted {
				t.Errorf("breaker window holds %d failures, want %d", ts.WindowFailures, r.counted)
			}
			if got := len(e.eventsOf(failover.EventRetry)); got != r.backoffWaits {
				t.Errorf("%d retries, want %d", got, r.backoffWaits)
			}
			if r.kind != uploader.CircuitOpen && ts.Failures[r.kind] != uint64(r.primaryPuts) {
				t.Errorf("stats count %d %v failures, want %d", ts.Failures[r.kind], r.kind, r.primaryPuts)
			}
		})
	}
}

// TestFatalTripsOnceAndStaysOpen: a SignatureDoesNotMatch on the primary
// sends the first upload to the secondary after exactly one request; the
// breaker opens once, and the next 100 uploads never reach the primary, each
// recording the refusal.
func TestFatalTripsOnceAndStaysOpen(t *testing.T) {
	e := newEnv(t, envConfig{})
	primary, secondary := e.clouds[0], e.clouds[1]
	always(primary, memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"})
	res, err := e.upload("first")
	if err != nil || res.Target != "secondary" {
		t.Fatalf("first upload: %v on %q", err, res.Target)
	}
	if primary.Puts() != 1 {
		t.Fatalf("primary got %d requests, want 1", primary.Puts())
	}
	for i := range 100 {
		res, err := e.upload("k" + string(rune('a'+i%26)))
		if err != nil || res.Target != "secondary" {
			t.Fatalf("upload %d: %v on %q", i, err, res.Target)
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.CircuitOpen, uploader.OK}) {
			t.Fatalf("upload %d attempts %v, want [circuit_open ok]", i, got)
		}
		if res.Attempts[0].Target != "primary" {
			t.Fatalf("refusal recorded on %q", res.Attempts[0].Target)
		}
	}
	if primary.Puts() != 1 {
		t.Errorf("primary got %d requests after it opened, want none", primary.Puts()-1)
	}
	if secondary.Puts() != 101 {
		t.Errorf("secondary got %d puts, want 101", secondary.Puts())
	}
	ts := e.target("primary")
	if ts.Opens != 1 || ts.Rejections != 100 || ts.Attempts != 1 {
		t.Errorf("primary stats opens=%d rejections=%d attempts=%d, want 1, 100, 1", ts.Opens, ts.Rejections, ts.Attempts)
	}
	opened := e.eventsOf(failover.EventBreaker)
	if len(opened) != 1 || opened[0].To != failover.Open || opened[0].Kind != uploader.SignatureMismatch {
		t.Errorf("breaker events %+v, want one open caused by signature_mismatch", opened)
	}
}

// TestTransientTripsAtThresholdWithinWindow: with the Failures rule,
// counted failures open the breaker when Failures of them fall within
// Window, and not when they are spread wider.
func TestTransientTripsAtThresholdWithinWindow(t *testing.T) {
	opts := failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1}, Breaker: failover.BreakerOptions{Failures: 5}}
	t.Run("within", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		for i := range 4 {
			e.upload("k")
			if s := e.state("primary"); s != failover.Closed {
				t.Fatalf("after %d failures breaker is %v", i+1, s)
			}
			e.clk.Advance(5 * time.Second)
		}
		e.upload("k")
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("after 5 failures within a minute breaker is %v, want open", s)
		}
		if e.clouds[0].Puts() != 5 {
			t.Fatalf("primary got %d puts", e.clouds[0].Puts())
		}
		e.upload("k")
		if e.clouds[0].Puts() != 5 {
			t.Fatalf("open breaker let a call through")
		}
	})
	t.Run("spread", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		for i := range 12 {
			e.upload("k")
			if s := e.state("primary"); s != failover.Closed {
				t.Fatalf("after %d failures 20s apart breaker is %v", i+1, s)
			}
			e.clk.Advance(20 * time.Second) // at most 3 in any 60s window
		}
	})
	t.Run("successes-do-not-reset", func(t *testing.T) {
		// The rule counts failures in the window, not consecutive ones.
		e := newEnv(t, envConfig{opts: opts})
		e.clouds[0].FaultFunc(func(n int, _ string) memtest.Fault {
			if n%2 == 0 {
				return memtest.Fault{}
			}
			return memtest.Fault{Kind: uploader.Unavailable, Status: 500}
		})
		for range 9 {
			e.upload("k")
		}
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("5 failures among 9 calls: breaker %v, want open", s)
		}
	})
}

// TestDefaultTripRules: by default a target that is down (5 counted
// failures in a row) opens at once, and so does one failing half the time,
// while a steady few percent of failures in a long batch never opens it.
func TestDefaultTripRules(t *testing.T) {
	opts := failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1}}
	t.Run("down", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		for i := range 4 {
			e.upload(fmt.Sprintf("k%d", i))
			if s := e.state("primary"); s != failover.Closed {
				t.Fatalf("after %d failures breaker is %v", i+1, s)
			}
		}
		e.upload("k4")
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("after 5 failures in a row breaker is %v, want open", s)
		}
	})
	t.Run("half-failing", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts})
		e.clouds[0].FaultFunc(func(n int, _ string) memtest.Fault {
			if n%2 == 0 {
				return memtest.Fault{}
			}
			return memtest.Fault{Kind: uploader.Unavailable, Status: 500}
		})
		for i := range 11 {
			e.upload(fmt.Sprintf("k%d", i))
		}
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("6 failures among 11 calls: breaker %v, want open", s)
		}
	})
	t.Run("few-percent", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts})
		e.clouds[0].FaultFunc(func(n int, _ string) memtest.Fault {
			if n%20 == 7 { // 5%
				return memtest.Fault{Kind: uploader.Unavailable, Status: 503}
			}
			return memtest.Fault{}
		})
		for i := range 1000 {
			e.upload(fmt.Sprintf("k%d", i))
			if s := e.state("primary"); s != failover.Closed {
				t.Fatalf("after %d uploads with 5%% failures breaker is %v", i+1, s)
			}
		}
		if o := e.target("primary").Opens; o != 0 {
			t.Fatalf("%d opens", o)
		}
	})
}

// TestWaitWhenEveryBreakerIsOpen: with no backup, an upload that every
// target refuses with a breaker opened by transient failures (or whose
// failure opened it) is queued: it waits for the first to let a trial
// through instead of failing, and keeps waiting when a trial fails; a
// breaker opened by a fatal Kind is not waited for, and OpenWait and the
// Deadline bound the wait.
func TestWaitWhenEveryBreakerIsOpen(t *testing.T) {
	oneCloud := func(e *env) []failover.Target { return []failover.Target{{Backend: e.clouds[0]}} }
	opts := failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1},
		Breaker: failover.BreakerOptions{Consecutive: 1, OpenTimeout: 10 * time.Second}}
	t.Run("waits-then-stores", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts, backends: oneCloud})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		start := e.clk.Now()
		res, err := e.upload("a")
		if err != nil || res.Target != "primary" {
			t.Fatalf("upload: %v on %q", err, res.Target)
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Unavailable, uploader.OK}) {
			t.Errorf("attempts %v, want [unavailable ok]", got)
		}
		if waited := e.clk.Now().Sub(start); waited < 10*time.Second {
			t.Errorf("waited %v on the clock, want the open period", waited)
		}
		if s := e.state("primary"); s != failover.Closed {
			t.Errorf("breaker %v after the trial, want closed", s)
		}
	})
	t.Run("fatal-is-not-waited-for", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: opts, backends: oneCloud})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403})
		e.upload("a")
		start := e.clk.Now()
		_, err := e.upload("b")
		if uploader.KindOf(err) != uploader.CircuitOpen || !e.clk.Now().Equal(start) {
			t.Fatalf("err %v after %v", err, e.clk.Now().Sub(start))
		}
	})
	t.Run("failed-trials-keep-it-waiting", func(t *testing.T) {
		// The first three trials fail: each opens the breaker again, and
		// the queued upload waits for the next, then stores.
		e := newEnv(t, envConfig{opts: opts, backends: oneCloud})
		for range 4 {
			e.clouds[0].Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		}
		start := e.clk.Now()
		res, err := e.upload("a")
		if err != nil || res.Target != "primary" {
			t.Fatalf("upload: %v on %q", err, res.Target)
		}
		if e.clouds[0].Puts() != 5 || e.target("primary").Opens != 4 {
			t.Errorf("%d puts, %d opens; want 5, 4", e.clouds[0].Puts(), e.target("primary").Opens)
		}
		if waited := e.clk.Now().Sub(start); waited < 40*time.Second {
			t.Errorf("waited %v on the clock, want four open periods", waited)
		}
		want := concat(repeat(uploader.Unavailable, 4), []uploader.Kind{uploader.OK})
		if got := kinds(res.Attempts); !slices.Equal(got, want) {
			t.Errorf("attempts %v, want %v (refusals while queued are not repeated)", got, want)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		o := opts
		o.Retry.Deadline = 35 * time.Second
		e := newEnv(t, envConfig{opts: o, backends: oneCloud})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		start := e.clk.Now()
		_, err := e.upload("a")
		if err == nil {
			t.Fatal("stored on a target that is down")
		}
		if waited := e.clk.Now().Sub(start); waited != 35*time.Second {
			t.Errorf("waited %v, want the 35s deadline", waited)
		}
		if e.clouds[0].Puts() != 4 {
			t.Errorf("%d puts, want 4 (at 0, 10, 20, 30s)", e.clouds[0].Puts())
		}
	})
	t.Run("bounded", func(t *testing.T) {
		o := opts
		o.Retry.OpenWait = 3 * time.Second
		e := newEnv(t, envConfig{opts: o, backends: oneCloud})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		e.upload("a")
		start := e.clk.Now()
		_, err := e.upload("b")
		if uploader.KindOf(err) != uploader.CircuitOpen {
			t.Fatalf("err %v", err)
		}
		if waited := e.clk.Now().Sub(start); waited != 3*time.Second {
			t.Fatalf("waited %v, want OpenWait", waited)
		}
		if e.clouds[0].Puts() != 1 {
			t.Fatalf("%d puts", e.clouds[0].Puts())
		}
	})
	t.Run("off", func(t *testing.T) {
		o := opts
		o.Retry.OpenWait = -1
		e := newEnv(t, envConfig{opts: o, backends: oneCloud})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		e.upload("a")
		start := e.clk.Now()
		if _, err := e.upload("b"); uploader.KindOf(err) != uploader.CircuitOpen || !e.clk.Now().Equal(start) {
			t.Fatalf("err %v", err)
		}
	})
}

// TestRatioThreshold: with Ratio set (and Failures off), the breaker opens
// once MinRequests outcomes are in the window and the failure fraction
// reaches Ratio.
func TestRatioThreshold(t *testing.T) {
	e := newEnv(t, envConfig{opts: failover.Options{
		Retry:   failover.RetryOptions{MaxAttempts: 1},
		Breaker: failover.BreakerOptions{Failures: -1, Ratio: 0.5, MinRequests: 8},
	}})
	e.clouds[0].FaultFunc(func(n int, _ string) memtest.Fault {
		if n <= 4 {
			return memtest.Fault{} // 4 successes first
		}
		return memtest.Fault{Kind: uploader.Unavailable}
	})
	// Distinct keys: a failure with no reply is followed by a Stat, which
	// must not find an earlier upload's object.
	for i := range 7 {
		e.upload(fmt.Sprintf("k%d", i))
		if s := e.state("primary"); s != failover.Closed {
			t.Fatalf("after %d outcomes breaker is %v", i+1, s)
		}
	}
	e.upload("k7") // 8 outcomes, 4 failures: 50%
	if s := e.state("primary"); s != failover.Open {
		t.Fatalf("4 failures of 8: breaker %v, want open", s)
	}
}

// TestHalfOpenReadmitsAndReopens: after OpenTimeout on the clock, the
// breaker lets HalfOpenRequests trials through; that many successes close
// it, one failure opens it again.
func TestHalfOpenReadmitsAndReopens(t *testing.T) {
	t.Run("recovers", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: failover.Options{Breaker: failover.BreakerOptions{HalfOpenRequests: 2}}})
		primary := e.clouds[0]
		primary.Script(memtest.Fault{Kind: uploader.AccessDenied, Status: 403})
		e.upload("a")
		e.clk.Advance(29 * time.Second)
		if res, _ := e.upload("b"); res.Target != "secondary" || e.state("primary") != failover.Open {
			t.Fatalf("29s after opening: stored on %q, breaker %v", res.Target, e.state("primary"))
		}
		e.clk.Advance(time.Second)
		if s := e.state("primary"); s != failover.HalfOpen {
			t.Fatalf("30s after opening breaker is %v, want half-open", s)
		}
		if res, _ := e.upload("c"); res.Target != "primary" {
			t.Fatalf("first trial went to %q", res.Target)
		}
		if s := e.state("primary"); s != failover.HalfOpen {
			t.Fatalf("after 1 of 2 trials breaker is %v", s)
		}
		if res, _ := e.upload("d"); res.Target != "primary" {
			t.Fatalf("second trial went to %q", res.Target)
		}
		if s := e.state("primary"); s != failover.Closed {
			t.Fatalf("after 2 good trials breaker is %v, want closed", s)
		}
		var trans []string
		for _, ev := range e.eventsOf(failover.EventBreaker) {
			trans = append(trans, ev.From.String()+">"+ev.To.String())
		}
		if want := []string{"closed>open", "open>half-open", "half-open>closed"}; !slices.Equal(trans, want) {
			t.Errorf("transitions %v, want %v", trans, want)
		}
	})
	t.Run("still-broken", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		always(primary, memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		for range 2 {
			e.upload("a") // 3 attempts each: the 5th failure opens
		}
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("breaker %v", s)
		}
		puts := primary.Puts()
		e.clk.Advance(30 * time.Second)
		res, err := e.upload("b")
		if err != nil || res.Target != "secondary" {
			t.Fatalf("upload: %v on %q", err, res.Target)
		}
		if primary.Puts() != puts+1 {
			t.Fatalf("half-open let %d calls through, want 1", primary.Puts()-puts)
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Unavailable, uploader.OK}) {
			t.Errorf("attempts %v: a failed trial must reopen without retrying there", got)
		}
		if s := e.state("primary"); s != failover.Open {
			t.Fatalf("after a failed trial breaker is %v, want open", s)
		}
		if e.target("primary").Opens != 2 {
			t.Errorf("opens %d, want 2", e.target("primary").Opens)
		}
	})
}

// TestNeutralOutcomesAreNotCounted: Invalid and Canceled outcomes, however
// many, neither open the breaker nor take a half-open trial slot.
func TestNeutralOutcomesAreNotCounted(t *testing.T) {
	e := newEnv(t, envConfig{})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Invalid})
	for range 20 {
		if _, err := e.upload("k"); uploader.KindOf(err) != uploader.Invalid {
			t.Fatalf("err %v", err)
		}
	}
	if s := e.state("primary"); s != failover.Closed {
		t.Fatalf("20 Invalid outcomes left the breaker %v", s)
	}
	if f, n := e.target("primary").WindowFailures, e.target("primary").WindowOutcomes; f != 0 || n != 0 {
		t.Fatalf("window counts %d/%d, want 0/0", f, n)
	}
}

// TestCircuitOpenRecordedOnSuccessAndFailure: breaker refusals appear in
// Result.Attempts in order, both when a later target stores the object and
// when nothing does.
func TestCircuitOpenRecordedOnSuccessAndFailure(t *testing.T) {
	e := newEnv(t, envConfig{clouds: []string{"a", "b", "c"}, noSpool: true})
	always(e.clouds[0], memtest.Fault{Kind: uploader.InvalidCredentials, Status: 403, Code: "InvalidAccessKeyId"})
	always(e.clouds[1], memtest.Fault{Kind: uploader.BucketNotFound, Status: 404, Code: "NoSuchBucket"})
	e.upload("k1")
	res, err := e.upload("k2")
	if err != nil || res.Target != "c" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if got, want := targetsOf(res.Attempts), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("attempt targets %v, want %v", got, want)
	}
	if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.CircuitOpen, uploader.CircuitOpen, uploader.OK}) {
		t.Fatalf("attempt kinds %v", got)
	}
	always(e.clouds[2], memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403})
	res, err = e.upload("k3")
	if err == nil {
		t.Fatal("upload with every target failing returned nil error")
	}
	if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.CircuitOpen, uploader.CircuitOpen, uploader.SignatureMismatch}) {
		t.Fatalf("attempt kinds %v", got)
	}
	if uploader.KindOf(err) != uploader.SignatureMismatch || res.Target != "" {
		t.Errorf("error kind %v target %q", uploader.KindOf(err), res.Target)
	}
	var ue *uploader.Error
	if !errors.As(err, &ue) || ue.Op != "upload" || ue.Key != "k3" {
		t.Errorf("error %#v", ue)
	}
	res, err = e.upload("k4")
	if uploader.KindOf(err) != uploader.CircuitOpen || len(res.Attempts) != 3 {
		t.Errorf("all open: err %v, attempts %v", err, kinds(res.Attempts))
	}
}

// TestBodyReopenedEveryAttempt: every attempt opens the body afresh and
// reads it whole, on every target, so no retry sends a consumed reader.
func TestBodyReopenedEveryAttempt(t *testing.T) {
	e := newEnv(t, envConfig{})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable})
	e.clouds[1].Script(memtest.Fault{Kind: uploader.Throttled})
	data := payload("k")
	opens := 0
	obj := uploader.Object{Key: "k", Size: int64(len(data)), Open: func() (uploader.Body, error) {
		opens++
		return uploader.BytesObject("k", data).Open()
	}}
	res, err := e.u.Upload(context.Background(), obj)
	if err != nil || res.Target != "secondary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if opens != 5 {
		t.Errorf("body opened %d times for 5 attempts", opens)
	}
	stored(t, e.clouds[1], "k", data)
}
