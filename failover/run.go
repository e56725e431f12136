package failover

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/resilient-upload/upload/uploader"
)

// plan adapts the failover path: Drain uses it without the backup and with
// a check of each target before the first attempt there.
type plan struct {
	noBackup bool
	// check runs before the first attempt on a cloud target whose breaker
	// is not open. A non-nil result ends the upload with its result, or,
	// if its skip is set, skips the target with that failure.
	check func(ctx context.Context, t *target) *checkStop
}

type checkStop struct {
	skip   error // skip this target with this failure
	result uploader.Result
}

// verdict is what one target's loop decided.
type verdict int

const (
	vStored   verdict = iota // the target stored the object
	vFailover                // go to the next target
	vStop                    // neutral failure: end the upload now
	vChecked                 // plan.check ended the upload
)

// run is the state of one upload.
type run struct {
	u        *Uploader
	ctx      context.Context
	obj      uploader.Object
	plan     plan
	deadline time.Time
	budget   int
	attempts []uploader.Attempt
	failures []failed // each target's last failure, in order
	lastErr  error
	stop     *checkStop
	why      string // why cloud targets were skipped (budget, deadline)
	// unsure is the target an attempt may have stored the object on,
	// unconfirmed (see settleCanceled); nil if none.
	unsure *target
}

func (u *Uploader) upload(ctx context.Context, obj uploader.Object, p plan) (uploader.Result, error) {
	r := &run{u: u, ctx: ctx, obj: obj, plan: p, budget: u.opts.Retry.Budget}
	if u.opts.Retry.Deadline > 0 {
		r.deadline = u.clock.Now().Add(u.opts.Retry.Deadline)
	}
	if err := obj.Validate(); err != nil {
		return uploader.Result{Key: obj.Key}, err
	}
	var waited time.Duration
	for {
		n := len(r.attempts)
		res, err, done := r.pass()
		if done {
			return res, r.honest(err)
		}
		if waited > 0 && onlyRefusals(r.attempts[n:]) {
			r.attempts = r.attempts[:n] // refused again while queued: nothing new to tell
		}
		d, ok := r.openWait(waited)
		if !ok {
			break
		}
		r.queue(+1)
		slept := u.clock.Sleep(ctx, d)
		r.queue(-1)
		if slept != nil {
			break
		}
		waited += d
		r.failures = r.failures[:0]
	}
	if ctx.Err() != nil {
		err := &uploader.Error{Kind: uploader.Canceled, Op: "upload", Key: obj.Key, Message: ctx.Err().Error(), Err: ctx.Err()}
		return uploader.Result{Key: obj.Key, Attempts: r.attempts}, r.honest(err)
	}
	if u.backup != nil && !p.noBackup {
		return r.toBackup()
	}
	return uploader.Result{Key: obj.Key, Attempts: r.attempts}, r.failure()
}

// openWait reports whether the run, having found no cloud target that
// stored the object, should wait and try them again, and for how long:
// when every target refused the object with an open breaker (or failed
// with the failure that opened it), and at least one of them is worth
// waiting for (see queues: no backup, or a backup for outages only and a
// throttling target; never a breaker opened on a fatal Kind), within
// OpenWait (waited so far, when set) and the Deadline. The wait ends when
// the first such breaker lets a trial through, or after a jittered poll
// when it is half-open with its trials taken; a failed trial opens it
// again and the upload keeps waiting.
func (r *run) openWait(waited time.Duration) (time.Duration, bool) {
	u := r.u
	if r.ctx.Err() != nil || u.opts.Retry.OpenWait < 0 || len(r.failures) != len(u.clouds) {
		return 0, false
	}
	wait := time.Duration(-1)
	for i, f := range r.failures {
		t := u.clouds[i]
		d, open := t.br.untilTrial()
		if uploader.KindOf(f.err) != uploader.CircuitOpen && !open {
			return 0, false
		}
		if !open || !r.queues(t) {
			continue
		}
		if d <= 0 {
			d = u.queuePoll()
		}
		if wait < 0 || d < wait {
			wait = d
		}
	}
	if wait < 0 {
		return 0, false
	}
	bounded, left := false, time.Duration(0)
	if u.opts.Retry.OpenWait > 0 {
		bounded, left = true, u.opts.Retry.OpenWait-waited
	}
	if !r.deadline.IsZero() {
		if dl := r.deadline.Sub(u.clock.Now()); !bounded || dl < left {
			bounded, left = true, dl
		}
	}
	if bounded {
		if left <= 0 {
			return 0, false
		}
		wait = min(wait, left)
	}
	r.why = fmt.Sprintf("every breaker stayed open for %s", (waited + wait).Round(time.Millisecond))
	return wait, true
}

// queue counts the run as waiting (+1) or no longer (-1) for every cloud
// target whose breaker refused it.
func (r *run) queue(n int64) {
	for i := range r.failures {
		r.u.clouds[i].queued.Add(n)
	}
}

// pass tries the cloud targets once, in order. done reports that the
// upload ended (stored, checked, or a neutral failure) with res and err.
func (r *run) pass() (res uploader.Result, err error, done bool) {
	u, obj, p := r.u, r.obj, r.plan
	for i, t := range u.clouds {
		res, v, err := r.onTarget(t)
		switch v {
		case vStored:
			res.Key, res.Target, res.BackedUp = obj.Key, t.name, false
			if res.Provider == "" {
				res.Provider = t.provider
			}
			res.Attempts = r.attempts
			return res, nil, true
		case vChecked:
			res := r.stop.result
			res.Key, res.Attempts = obj.Key, r.attempts
			return res, nil, true
		case vStop:
			return uploader.Result{Key: obj.Key, Attempts: r.attempts}, err, true
		}
		next := ""
		if i+1 < len(u.clouds) {
			next = u.clouds[i+1].name
		} else if u.backup != nil && !p.noBackup {
			next = u.backup.name
		}
		if err != nil {
			r.lastErr = err
			r.failures = append(r.failures, failed{t.name, err})
			if next != "" {
				u.c.failovers.Add(1)
				u.emit(Event{Type: EventFailover, Time: u.clock.Now(), Target: t.name, Key: obj.Key,
					Next: next, Kind: uploader.KindOf(err), Err: err})
			}
		}
	}
	return uploader.Result{}, nil, false
}

// failed is one target's last failure in an upload.
type failed struct {
	target string
	err    error
}

// summary is one target's part of the final error's message.
func summary(name string, err error) string {
	if e := uploader.AsError(err); e != nil {
		s := name + ": " + e.Kind.String()
		switch {
		case e.Status != 0 && e.Code != "":
			s += fmt.Sprintf(" (%d %s)", e.Status, e.Code)
		case e.Status != 0:
			s += fmt.Sprintf(" (%d)", e.Status)
		case e.Code != "":
			s += " (" + e.Code + ")"
		}
		return s
	}
	return name + ": " + err.Error()
}

// failure returns the error of an upload that no target stored.
func (r *run) failure() error {
	msg := "no target stored the object"
	for i, f := range r.failures {
		if i == 0 {
			msg += ": "
		} else {
			msg += "; "
		}
		msg += summary(f.target, f.err)
	}
	if r.why != "" {
		msg += "; " + r.why
	}
	k := uploader.KindOf(r.lastErr)
	if r.lastErr == nil {
		k = uploader.Unavailable
	}
	return &uploader.Error{Kind: k, Op: "upload", Key: r.obj.Key, Message: msg, Err: r.lastErr}
}

func (r *run) toBackup() (uploader.Result, error) {
	u, t := r.u, r.u.backup
	start := u.clock.Now()
	var res uploader.Result
	var err error
	if u.spool != nil {
		failed := append([]uploader.Attempt(nil), r.attempts...)
		res, err = u.spool.Backup(r.ctx, r.obj, failed)
	} else {
		res, err = t.b.Put(r.ctx, r.obj)
	}
	err = uploader.Classify(r.ctx, t.b, err)
	a := uploader.NewAttempt(t.name, t.provider, start, u.clock.Now(), err)
	r.attempts = append(r.attempts, a)
	t.countAttempt(a.Kind)
	ev := Event{Type: EventBackup, Time: u.clock.Now(), Target: t.name, Key: r.obj.Key, Err: err, Kind: a.Kind}
	if err != nil {
		u.emit(ev)
		r.lastErr = err
		r.failures = append(r.failures, failed{t.name, err})
		return uploader.Result{Key: r.obj.Key, Attempts: r.attempts}, r.failure()
	}
	u.emit(ev)
	res.Key, res.Target, res.BackedUp, res.Attempts = r.obj.Key, t.name, true, r.attempts
	if res.Provider == "" {
		res.Provider = t.provider
	}
	return res, nil
}

// spent reports whether the run may make no further attempt on a cloud
// target, and records why.
func (r *run) spent() bool {
	if r.budget <= 0 {
		r.why = fmt.Sprintf("retry budget of %d attempts spent", r.u.opts.Retry.Budget)
		return true
	}
	if !r.deadline.IsZero() && !r.u.clock.Now().Before(r.deadline) {
		r.why = fmt.Sprintf("upload deadline of %s passed", r.u.opts.Retry.Deadline)
		return true
	}
	return false
}

// lastResort reports whether t is the last place the object can go: the
// last cloud target, with no backup behind it. There the retries are not
// capped at MaxAttempts but only by the upload's Budget and Deadline:
// failing over is not possible, and failing would leave the object nowhere.
func (r *run) lastResort(t *target) bool {
	u := r.u
	return t == u.clouds[len(u.clouds)-1] && (u.backup == nil || r.plan.noBackup)
}

// onTarget runs the retry loop of one upload on one cloud target.
func (r *run) onTarget(t *target) (uploader.Result, verdict, error) {
	u := r.u
	if r.spent() {
		return uploader.Result{}, vFailover, nil
	}
	if r.plan.check != nil && !t.br.gated() {
		start := u.clock.Now()
		if st := r.plan.check(r.ctx, t); st != nil {
			if st.skip != nil {
				r.attempts = append(r.attempts, uploader.NewAttempt(t.name, t.provider, start, u.clock.Now(), st.skip))
				return uploader.Result{}, vFailover, st.skip
			}
			r.stop = st
			return uploader.Result{}, vChecked, nil
		}
		if r.ctx.Err() != nil {
			return uploader.Result{}, vStop, canceled(r.ctx, t, r.obj.Key)
		}
	}
	tries, integrity, unknown := 0, 0, 0
	made := 0              // attempts made here, paced ones included
	var prev time.Duration // the last backoff wait here
	for {
		done, berr := t.br.allow()
		if berr != nil {
			now := u.clock.Now()
			msg := "circuit breaker is open"
			if errors.Is(berr, gobreaker.ErrTooManyRequests) {
				msg = "circuit breaker is half-open and its trial calls are taken"
			}
			e := &uploader.Error{Kind: uploader.CircuitOpen, Target: t.name, Provider: t.provider, Op: "put",
				Key: r.obj.Key, Message: msg, Err: berr}
			r.attempts = append(r.attempts, uploader.NewAttempt(t.name, t.provider, now, now, e))
			t.countAttempt(uploader.CircuitOpen)
			return uploader.Result{}, vFailover, e
		}
		r.budget--
		tries++
		made++
		res, err := r.limitedAttempt(t, made == 1)
		done(err)
		if err == nil {
			return res, vStored, nil
		}
		k := uploader.KindOf(err)
		if k.Neutral() || r.ctx.Err() != nil {
			return uploader.Result{}, vStop, err
		}
		switch {
		case !k.Transient():
			return uploader.Result{}, vFailover, err // fatal, or a nested CircuitOpen
		case k == uploader.Integrity:
			integrity++
			if integrity > 1 {
				return uploader.Result{}, vFailover, err
			}
		case k == uploader.Unknown:
			unknown++
			if unknown > 1 {
				return uploader.Result{}, vFailover, err
			}
		}
		if t.paced(err) {
			// Throttled by a usable target: slow down, but this is not a
			// failure of the target, nor one of the upload's attempts.
			tries--
			r.budget++
		}
		if (tries >= u.opts.Retry.MaxAttempts && !r.nowhereElse(t, k)) || t.br.gated() || r.spent() {
			// A breaker this failure opened refuses the retry anyway.
			return uploader.Result{}, vFailover, err
		}
		wait, backoff, ok := r.retryWait(t, err, prev)
		if !ok {
			return uploader.Result{}, vFailover, err
		}
		prev = backoff
		if !r.deadline.IsZero() && !u.clock.Now().Add(wait).Before(r.deadline) {
			r.why = fmt.Sprintf("upload deadline of %s would pass during the backoff", u.opts.Retry.Deadline)
			return uploader.Result{}, vFailover, err
		}
		u.c.retries.Add(1)
		t.c.retries.Add(1)
		u.emit(Event{Type: EventRetry, Time: u.clock.Now(), Target: t.name, Key: r.obj.Key,
			Attempt: made, Wait: wait, Kind: k, Err: err})
		if u.clock.Sleep(r.ctx, wait) != nil {
			return uploader.Result{}, vStop, canceled(r.ctx, t, r.obj.Key)
		}
	}
}

func canceled(ctx context.Context, t *target, key string) error {
	return &uploader.Error{Kind: uploader.Canceled, Target: t.name, Provider: t.provider, Op: "upload", Key: key,
		Message: ctx.Err().Error(), Err: ctx.Err()}
}

// attempt makes one attempt on t, with the attempt timeout, and records it.
// After an ambiguous failure on a Stater it checks whether the object
// landed.
func (r *run) attempt(t *target) (uploader.Result, error) {
	u := r.u
	timeout := u.opts.AttemptTimeout
	if !r.deadline.IsZero() {
		left := r.deadline.Sub(u.clock.Now())
		if timeout <= 0 || left < timeout {
			timeout = left
		}
	}
	start := u.clock.Now()
	actx, cancel := withTimeout(r.ctx, u.clock, timeout)
	counted, read := watchSent(r.obj)
	wctx, wobj, unwatch := watchStall(actx, u.clock, u.opts.StallTimeout, counted)
	res, err := t.b.Put(wctx, withDefaults(wobj, t.defaults))
	stalled, sent := unwatch()
	late := timedOut(r.ctx, actx)
	cancel()
	end := u.clock.Now()
	if err != nil {
		err = uploader.Classify(r.ctx, t.b, err)
		if stalled && !late && r.ctx.Err() == nil {
			switch uploader.KindOf(err) {
			case uploader.Canceled, uploader.Unknown, uploader.Unavailable, uploader.Timeout:
				err = stallError(t, r.obj.Key, u.opts.StallTimeout, sent, r.obj.Size, err)
			}
		}
		if late {
			switch uploader.KindOf(err) {
			case uploader.Canceled, uploader.Unknown, uploader.Unavailable:
				err = &uploader.Error{Kind: uploader.Timeout, Target: t.name, Provider: t.provider, Op: "put",
					Key: r.obj.Key, Message: fmt.Sprintf("attempt timed out after %s", timeout), Err: err}
			}
		}
	}
	r.record(t, res.Attempts, start, end, err)
	if err != nil && r.ctx.Err() != nil {
		return r.settleCanceled(t, read, end, err)
	}
	if err == nil || !ambiguous(err) {
		return res, err
	}
	if t.stater == nil {
		r.unsure = t // the object may have landed; nothing can tell
		return res, err
	}
	if lres, ok := r.landed(t); ok {
		now := u.clock.Now()
		r.record(t, nil, end, now, nil)
		u.c.landed.Add(1)
		u.emit(Event{Type: EventLanded, Time: now, Target: t.name, Key: r.obj.Key})
		return lres, nil
	}
	return res, err
}

// record appends the attempts of one Put to the run: the backend's own
// (Result.Attempts, e.g. a refused try and its clock-corrected retry) if it
// gave them, the last one carrying the classified outcome; else one made
// here. It counts the outcome and reports skew.
func (r *run) record(t *target, own []uploader.Attempt, start, end time.Time, err error) {
	var as []uploader.Attempt
	if len(own) > 0 {
		as = append(as, own...)
		last := &as[len(as)-1]
		last.Err, last.Kind = err, uploader.KindOf(err)
		for i := range as {
			if as[i].Target == "" {
				as[i].Target, as[i].Provider = t.name, t.provider
			}
		}
	} else {
		a := uploader.NewAttempt(t.name, t.provider, start, end, err)
		if a.Skew == 0 && t.skewer != nil {
			a.Skew, _ = t.skewer.Skew()
		}
		as = []uploader.Attempt{a}
	}
	r.attempts = append(r.attempts, as...)
	t.countAttempt(uploader.KindOf(err))
	for _, a := range as {
		r.u.noteSkew(t, a, r.obj.Key)
	}
	if t.skewer != nil {
		if s, ok := t.skewer.Skew(); ok {
			t.c.skew.Store(int64(s))
			t.c.skewKnown.Store(true)
		}
	}
}

// noteSkew stores an attempt's skew and emits EventSkew when it is worth
// reporting (see Options.SkewReport).
func (u *Uploader) noteSkew(t *target, a uploader.Attempt, key string) {
	if a.Skew == 0 && !a.SkewCorrected {
		return
	}
	t.c.skew.Store(int64(a.Skew))
	t.c.skewKnown.Store(true)
	th := u.opts.SkewReport
	if !a.SkewCorrected {
		if abs(a.Skew) < th {
			t.c.skewReported.Store(0)
			return
		}
		if abs(a.Skew-time.Duration(t.c.skewReported.Load())) < th {
			return
		}
	}
	t.c.skewReported.Store(int64(a.Skew))
	u.emit(Event{Type: EventSkew, Time: u.clock.Now(), Target: t.name, Key: key, Skew: a.Skew,
		SkewCorrected: a.SkewCorrected, Kind: a.Kind, Err: a.Err})
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// ambiguous reports whether err leaves open whether the object was stored:
// a Timeout, or an Unavailable or Unknown failure with no reply from the
// server (the connection broke or the reply was cut after the body was
// sent). A server's own refusal (a status) is never ambiguous.
func ambiguous(err error) bool {
	switch uploader.KindOf(err) {
	case uploader.Timeout:
		return true
	case uploader.Unavailable, uploader.Unknown:
		e := uploader.AsError(err)
		return e != nil && e.Status == 0
	}
	return false
}
