package failover_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestEventsTellTheStory: one upload that retries on the primary, trips it,
// fails over to a secondary that refuses signatures, and lands in the
// backup produces the events in order, and the stats and log agree.
func TestEventsTellTheStory(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, envConfig{opts: failover.Options{
		Breaker: failover.BreakerOptions{Failures: 2},
		Logger:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503, Code: "ServiceUnavailable"})
	always(e.clouds[1], memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"})
	res, err := e.upload("k")
	if err != nil || !res.BackedUp {
		t.Fatalf("%v, %+v", err, res)
	}
	var story []string
	e.mu.Lock()
	for _, ev := range e.events {
		s := ev.Type.String() + ":" + ev.Target
		switch ev.Type {
		case failover.EventBreaker:
			s += ":" + ev.To.String() + ":" + ev.Kind.String()
		case failover.EventFailover:
			s += ">" + ev.Next + ":" + ev.Kind.String()
		case failover.EventRetry:
			s += ":" + ev.Kind.String()
		}
		story = append(story, s)
	}
	e.mu.Unlock()
	want := []string{
		"retry:primary:unavailable",
		"breaker:primary:open:unavailable", // the 2nd failure trips it
		"failover:primary>secondary:unavailable",
		"breaker:secondary:open:signature_mismatch",
		"failover:secondary>backup:signature_mismatch",
		"backup:backup",
	}
	if !slices.Equal(story, want) {
		t.Errorf("events\n got %q\nwant %q", story, want)
	}
	s := e.u.Stats()
	if s.Uploads != 1 || s.BackedUp != 1 || s.Stored != 0 || s.Failovers != 2 || s.Retries != 1 {
		t.Errorf("stats %+v", s)
	}
	if len(s.Targets) != 3 || s.Targets[2].Name != "backup" || !s.Targets[2].Backup || s.Targets[2].Successes != 1 {
		t.Errorf("targets %+v", s.Targets)
	}
	p := s.Targets[0]
	if p.Attempts != 2 || p.Failures[uploader.Unavailable] != 2 || p.Opens != 1 || p.State != failover.Open || p.Provider != "mem" {
		t.Errorf("primary stats %+v", p)
	}
	for _, line := range []string{
		`level=DEBUG msg=retrying target=primary key=k attempt=1`,
		`level=WARN msg="breaker open" target=primary from=closed kind=unavailable`,
		`msg="failing over" target=primary key=k next=secondary kind=unavailable`,
		`level=WARN msg="stored in the backup" target=backup key=k`,
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs.String())
		}
	}
}

// TestSkewEvents: an upload the backend signed with a corrected clock
// reports the skew and the correction, in the attempts, an event and the
// stats; a small skew is measured but not reported.
func TestSkewEvents(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.clouds[0].Script(memtest.Fault{SkewCorrected: true, Skew: 31 * time.Minute})
	res, err := e.upload("k")
	if err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.ClockSkew, uploader.OK}) {
		t.Fatalf("attempts %v: want the backend's refused try and its corrected retry", got)
	}
	if !res.Attempts[1].SkewCorrected || res.Attempts[1].Skew != 31*time.Minute {
		t.Errorf("corrected attempt %+v", res.Attempts[1])
	}
	ev := e.eventsOf(failover.EventSkew)
	if len(ev) == 0 || !ev[len(ev)-1].SkewCorrected || ev[len(ev)-1].Skew != 31*time.Minute {
		t.Fatalf("skew events %+v", ev)
	}
	if e.state("primary") != failover.Closed || len(e.eventsOf(failover.EventFailover)) != 0 {
		t.Errorf("a corrected skew must not trip or fail over")
	}
	ts := e.target("primary")
	if !ts.SkewKnown || ts.Skew != 31*time.Minute {
		t.Errorf("stats skew %v %v", ts.Skew, ts.SkewKnown)
	}
	n := len(e.eventsOf(failover.EventSkew))
	e.clouds[1].SetSkew(2 * time.Second)
	always(e.clouds[0], memtest.Fault{Kind: uploader.AccessDenied})
	e.upload("k2")
	if len(e.eventsOf(failover.EventSkew)) != n {
		t.Errorf("a 2s skew was reported")
	}
	if ts := e.target("secondary"); !ts.SkewKnown || ts.Skew != 2*time.Second {
		t.Errorf("secondary skew %v %v", ts.Skew, ts.SkewKnown)
	}
}

// TestUncorrectedSkewTrips: a ClockSkew failure reaching the failover layer
// (correction off or failed) trips the breaker at once and fails over, and
// the measured skew is reported.
func TestUncorrectedSkewTrips(t *testing.T) {
	e := newEnv(t, envConfig{})
	always(e.clouds[0], memtest.Fault{Kind: uploader.ClockSkew, Status: 403, Code: "RequestTimeTooSkewed", Skew: 31 * time.Minute})
	res, err := e.upload("k")
	if err != nil || res.Target != "secondary" || e.clouds[0].Puts() != 1 {
		t.Fatalf("%v on %q after %d puts", err, res.Target, e.clouds[0].Puts())
	}
	if res.Attempts[0].Skew != 31*time.Minute {
		t.Errorf("attempt skew %v", res.Attempts[0].Skew)
	}
	ev := e.eventsOf(failover.EventSkew)
	if len(ev) != 1 || ev[0].SkewCorrected || ev[0].Target != "primary" {
		t.Errorf("skew events %+v", ev)
	}
	if e.state("primary") != failover.Open {
		t.Errorf("breaker %v", e.state("primary"))
	}
}

// TestNewRejectsBadTargets: New refuses a list it cannot use, with Kind
// Invalid.
func TestNewRejectsBadTargets(t *testing.T) {
	now := time.Now
	a, a2 := memtest.New("a", "mem", now), memtest.New("a", "mem", now)
	s1, s2 := memtest.NewSpool("s1", now), memtest.NewSpool("s2", now)
	for name, targets := range map[string][]failover.Target{
		"empty":       nil,
		"nil backend": {{}},
		"duplicate":   {{Backend: a}, {Backend: a2}},
		"two backups": {{Backend: a}, {Backend: s1}, {Backend: s2}},
		"only backup": {{Backend: s1}},
		"flagged two": {{Backend: a, Backup: true}, {Backend: s1}},
	} {
		if _, err := failover.New(targets, failover.Options{}); uploader.KindOf(err) != uploader.Invalid {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// A flagged non-Spool backup works for uploads; it cannot be drained.
	b := memtest.New("b", "mem", now)
	u, err := failover.New([]failover.Target{{Backend: a}, {Backend: b, Backup: true}}, failover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	always(a, memtest.Fault{Kind: uploader.AccessDenied})
	res, err := u.Upload(context.Background(), object("k"))
	if err != nil || !res.BackedUp || res.Target != "b" {
		t.Fatalf("%v, %+v", err, res)
	}
	if _, err := u.Drain(context.Background(), failover.DrainOptions{}); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Drain of a non-Spool backup: %v", err)
	}
}

// TestInvalidObject: an object that fails validation is refused before any
// attempt.
func TestInvalidObject(t *testing.T) {
	e := newEnv(t, envConfig{})
	res, err := e.u.Upload(context.Background(), uploader.BytesObject("../escape", []byte("x")))
	var ue *uploader.Error
	if !errors.As(err, &ue) || ue.Kind != uploader.Invalid || len(res.Attempts) != 0 {
		t.Fatalf("err %v, attempts %d", err, len(res.Attempts))
	}
	if e.clouds[0].Puts() != 0 {
		t.Errorf("an invalid object reached a backend")
	}
}

// TestZeroOptionsWork: an Uploader built with zero Options and the real
// clock stores an object and fails over on a fatal failure.
func TestZeroOptionsWork(t *testing.T) {
	a, b := memtest.New("a", "mem", time.Now), memtest.New("b", "mem", time.Now)
	always(a, memtest.Fault{Kind: uploader.InvalidCredentials})
	u, err := failover.New([]failover.Target{{Backend: a}, {Backend: b}}, failover.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	res, err := u.Upload(context.Background(), object("k"))
	if err != nil || res.Target != "b" || res.Provider != "mem" || res.URL == "" || res.MD5 == "" {
		t.Fatalf("%v, %+v", err, res)
	}
}
