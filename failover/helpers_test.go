package failover_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/fakeclock"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// t0 is when every test's clock starts.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// env is an Uploader over in-memory clouds (and a spool), on a fake clock,
// that records its events.
type env struct {
	t      *testing.T
	clk    *fakeclock.Clock
	clouds []*memtest.Backend
	spool  *memtest.Spool
	u      *failover.Uploader

	mu     sync.Mutex
	events []failover.Event
}

type envConfig struct {
	clouds   []string // names; default "primary", "secondary"
	noSpool  bool
	manual   bool // no auto mode: every timer waits for Advance
	opts     failover.Options
	backends func(e *env) []failover.Target // overrides the targets
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	e := &env{t: t, clk: fakeclock.New(t0)}
	if !cfg.manual {
		// Backoff waits and Retry-After pass at once; attempt and Stat
		// timeouts (timers, not sleeps) do not.
		e.clk.SetAuto(time.Hour)
	}
	if cfg.clouds == nil {
		cfg.clouds = []string{"primary", "secondary"}
	}
	for _, n := range cfg.clouds {
		e.clouds = append(e.clouds, memtest.New(n, "mem", e.clk.Now))
	}
	if !cfg.noSpool {
		e.spool = memtest.NewSpool("backup", e.clk.Now)
	}
	var targets []failover.Target
	if cfg.backends != nil {
		targets = cfg.backends(e)
	} else {
		for _, b := range e.clouds {
			targets = append(targets, failover.Target{Backend: b})
		}
		if e.spool != nil {
			targets = append(targets, failover.Target{Backend: e.spool})
		}
	}
	opts := cfg.opts
	opts.Clock = e.clk
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	user := opts.OnEvent
	opts.OnEvent = func(ev failover.Event) {
		e.mu.Lock()
		e.events = append(e.events, ev)
		e.mu.Unlock()
		if user != nil {
			user(ev)
		}
	}
	u, err := failover.New(targets, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { u.Close() })
	e.u = u
	return e
}

// eventsOf returns the recorded events of type typ.
func (e *env) eventsOf(typ failover.EventType) []failover.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []failover.Event
	for _, ev := range e.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) target(name string) failover.TargetStats {
	e.t.Helper()
	for _, ts := range e.u.Stats().Targets {
		if ts.Name == name {
			return ts
		}
	}
	e.t.Fatalf("no target %q in stats", name)
	return failover.TargetStats{}
}

func (e *env) state(name string) failover.State {
	e.t.Helper()
	s, ok := e.u.TargetState(name)
	if !ok {
		e.t.Fatalf("no cloud target %q", name)
	}
	return s
}

// payload is the body of the object stored under key.
func payload(key string) []byte {
	return []byte(fmt.Sprintf("the bytes of %s: %x", key, key))
}

func object(key string) uploader.Object { return uploader.BytesObject(key, payload(key)) }

func (e *env) upload(key string) (uploader.Result, error) {
	return e.u.Upload(context.Background(), object(key))
}

// kinds returns the Kinds of the attempts, in order.
func kinds(as []uploader.Attempt) []uploader.Kind {
	var ks []uploader.Kind
	for _, a := range as {
		ks = append(ks, a.Kind)
	}
	return ks
}

// targets returns the targets of the attempts, in order.
func targetsOf(as []uploader.Attempt) []string {
	var ts []string
	for _, a := range as {
		ts = append(ts, a.Target)
	}
	return ts
}

func repeat[T any](v T, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func concat[T any](ss ...[]T) []T { return slices.Concat(ss...) }

// always makes every Put of b meet f.
func always(b *memtest.Backend, f memtest.Fault) {
	b.FaultFunc(func(int, string) memtest.Fault { return f })
}

// stored checks that b holds key with exactly the bytes payload(key).
func stored(t *testing.T, b *memtest.Backend, key string, want []byte) {
	t.Helper()
	o, ok := b.Object(key)
	if !ok {
		t.Fatalf("%s does not hold %q", b.Name(), key)
	}
	if string(o.Data) != string(want) {
		t.Fatalf("%s holds %q = %q, want %q", b.Name(), key, o.Data, want)
	}
}
