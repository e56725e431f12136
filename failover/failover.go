package failover

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Target is one entry of the ordered list given to [New].
type Target struct {
	// Backend is the target's storage. Its Name names the target in
	// results, events and stats; names must be unique.
	Backend uploader.Backend
	// Backup marks the backend that takes an object only when every cloud
	// target failed. A backend that implements [uploader.Spool] is the
	// backup whether or not Backup is set; only a Spool can be drained.
	Backup bool
	// Defaults are the attributes this target gives an object that leaves
	// them empty (the object's own win; tags are merged): a storage class
	// or an encryption that differ between providers. The backup ignores
	// them, so that a drain sends each cloud target its own.
	Defaults uploader.Attributes
}

// Uploader is an [uploader.Uploader] over an ordered list of targets, with a
// breaker per cloud target, retries, a backup and a drain. Its methods are
// safe for concurrent use. See the package documentation for the contract.
type Uploader struct {
	opts   Options
	clock  Clock
	clouds []*target
	backup *target // nil if none
	spool  uploader.Spool
	all    []*target // in the order given to New
	c      counters
	keys   keyLocks

	drainMu   sync.Mutex
	closeOnce sync.Once
	closing   chan struct{}
	probeStop context.CancelFunc
	probeWG   sync.WaitGroup
}

var _ uploader.Uploader = (*Uploader)(nil)

// target is one backend with what the Uploader keeps about it.
type target struct {
	name     string
	provider string
	b        uploader.Backend
	stater   uploader.Stater
	deleter  uploader.Deleter
	skewer   uploader.SkewReporter
	defaults uploader.Attributes
	br       *breaker // nil for the backup
	c        targetCounters

	// For cloud targets: the limiter and retry budget shared by every
	// upload to the target, and the uploads queued for its breaker.
	lim           *limiter
	budget        *retryBudget
	unusableAfter time.Duration
	queued        atomic.Int64
}

// New returns an Uploader over targets, tried in order; the backup (see
// [Target]) is set aside and used last. It fails, with an *uploader.Error of
// Kind Invalid, if there is no cloud target, a Backend is nil, two targets
// share a name, or more than one target is a backup. New starts the health
// probes if opts.Probe.Interval is set; [Uploader.Close] stops them. The
// Uploader does not close the backends.
func New(targets []Target, opts Options) (*Uploader, error) {
	opts = opts.withDefaults()
	u := &Uploader{opts: opts, clock: opts.Clock, closing: make(chan struct{})}
	seen := map[string]bool{}
	for i, tg := range targets {
		if tg.Backend == nil {
			return nil, invalidf("target %d has no backend", i)
		}
		t := &target{name: tg.Backend.Name(), b: tg.Backend, defaults: tg.Defaults}
		if t.name == "" {
			return nil, invalidf("target %d has no name", i)
		}
		if seen[t.name] {
			return nil, invalidf("two targets are named %q", t.name)
		}
		seen[t.name] = true
		if d, ok := tg.Backend.(uploader.Describer); ok {
			t.provider = d.Describe().Provider
		}
		t.stater, _ = tg.Backend.(uploader.Stater)
		t.deleter, _ = tg.Backend.(uploader.Deleter)
		t.skewer, _ = tg.Backend.(uploader.SkewReporter)
		t.c.failures = make([]atomic.Uint64, numKinds)
		sp, isSpool := tg.Backend.(uploader.Spool)
		if tg.Backup || isSpool {
			if u.backup != nil {
				return nil, invalidf("two backups: %q and %q", u.backup.name, t.name)
			}
			u.backup, u.spool = t, sp
		} else {
			t.br = newBreaker(t.name, u.clock, opts.Breaker, u.emit)
			t.lim, t.budget = newTargetLimiter(u.clock, opts), newRetryBudget(u.clock, opts.Retry)
			t.unusableAfter, t.br.paced = opts.Throttle.UnusableAfter, t.paced
			u.clouds = append(u.clouds, t)
		}
		u.all = append(u.all, t)
	}
	if len(u.clouds) == 0 {
		return nil, invalidf("no cloud target (only a backup)")
	}
	if opts.Probe.Interval > 0 {
		u.startProbes()
	}
	return u, nil
}

func invalidf(format string, args ...any) *uploader.Error {
	return &uploader.Error{Kind: uploader.Invalid, Op: "new", Message: "failover: " + fmt.Sprintf(format, args...)}
}

// Close stops the health probes and waits for a running probe to end.
// Uploads and drains still work after Close. It does not close the
// backends, which the caller owns. Close is idempotent and returns nil.
func (u *Uploader) Close() error {
	u.closeOnce.Do(func() {
		close(u.closing)
		if u.probeStop != nil {
			u.probeStop()
		}
	})
	u.probeWG.Wait()
	return nil
}

// TargetState returns the state of the named cloud target's breaker, and
// false if no cloud target has that name.
func (u *Uploader) TargetState(name string) (State, bool) {
	for _, t := range u.clouds {
		if t.name == name {
			return t.br.state(), true
		}
	}
	return Closed, false
}

// Upload stores obj on the first cloud target that takes it, retrying each
// as the policy says, and else in the backup (Result.BackedUp). It returns
// a nil error if and only if the object is durably stored on the target
// Result.Target names. Result.Attempts lists every try in order, breaker
// refusals (Kind CircuitOpen) included, even on success.
//
// An Invalid or Canceled failure ends the upload at once: no retry, no
// failover, no backup. A cancel that may have come after the body was sent
// is settled first (see the package documentation, "Cancellation"): the
// upload succeeds if the object is found stored, proved by its content;
// its Canceled error has MayHaveLanded set, naming the target, if that
// cannot be ruled out. Otherwise, when no target stored the object, the
// error is an *uploader.Error of Op "upload" whose Kind is that of the last
// failure and whose message lists each target's.
func (u *Uploader) Upload(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	ctx = uploader.ProgressContext(ctx, obj)
	defer u.keys.lock(obj.Key, false)()
	res, err := u.upload(ctx, obj, plan{})
	u.c.uploads.Add(1)
	switch {
	case err != nil:
		u.c.failed.Add(1)
	case res.BackedUp:
		u.c.backedUp.Add(1)
	default:
		u.c.stored.Add(1)
	}
	return res, err
}

// readMD5 reads obj's body once, to its end, and returns its hex MD5 and
// the number of bytes read (the body's Size at most).
func readMD5(ctx context.Context, obj uploader.Object) (string, int64, error) {
	sr, body, err := obj.Reader()
	if err != nil {
		return "", 0, err
	}
	defer body.Close()
	h := md5.New()
	n, err := io.Copy(h, ctxReader{ctx, sr})
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// errNoBackup is returned by Drain when there is nothing to drain from.
var errNoBackup = errors.New("failover: no backup that is an uploader.Spool")
