package failover

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// futureSlack is how far past the current time a copy may be dated before
// its date is not trusted (clocks are stepped back now and then).
const futureSlack = 5 * time.Minute

// SpooledAtMetadata is the metadata key under which Drain stores, on every
// object it re-uploads, when its backup copy was made ([uploader.Spooled]
// Stored, RFC 3339 with nanoseconds, UTC). The stale-overwrite check reads it
// to date the data a cloud object holds, which its LastModified (the time of
// the drain) does not.
const SpooledAtMetadata = "upload-spooled-at"

// DrainOptions sets a [Uploader.Drain]. The zero value works; each field
// documents its default.
type DrainOptions struct {
	// Concurrency is how many objects are drained at once. Zero means 2.
	Concurrency int
	// MaxFailures stops Drain from starting another object once this many
	// have failed; the rest are reported as DrainSkipped. Zero means no
	// limit.
	MaxFailures int
	// SkipStaleCheck turns off the stale-overwrite check (the Stat of each
	// target before writing to it), for buckets where the credentials may
	// put but not read. Then a newer object under the same key is
	// overwritten by the older backup copy.
	SkipStaleCheck bool
}

// DrainOutcome is what Drain did with one spooled object.
type DrainOutcome int

// The drain outcomes.
const (
	// DrainSkipped: not tried, because MaxFailures was reached or the
	// context ended. The copy stays in the backup.
	DrainSkipped DrainOutcome = iota
	// DrainStored: uploaded to Target, verified, and the copy removed
	// (unless a newer copy of the key had replaced it: Removed is false).
	DrainStored
	// DrainAlreadyStored: Target already held these very bytes (size and
	// MD5), e.g. after a drain that stopped before its Remove; the copy was
	// removed.
	DrainAlreadyStored
	// DrainSuperseded: Target already held a different object under the key,
	// newer than the copy; it was not overwritten and the copy was removed.
	DrainSuperseded
	// DrainFailed: not drained (Err says why); the copy stays in the backup.
	DrainFailed
	// DrainGone: the copy was no longer in the backup (another drain took
	// it, or a newer backup of the key replaced it).
	DrainGone
)

// String returns the outcome's snake_case name, e.g. "already_stored".
func (o DrainOutcome) String() string {
	switch o {
	case DrainSkipped:
		return "skipped"
	case DrainStored:
		return "drained"
	case DrainAlreadyStored:
		return "already_stored"
	case DrainSuperseded:
		return "superseded"
	case DrainFailed:
		return "failed"
	case DrainGone:
		return "gone"
	}
	return "outcome?"
}

// DrainItem is what Drain did with one spooled object.
type DrainItem struct {
	// ID, Key, Size and URL are those of the spooled copy (for a damaged
	// copy, URL locates the file at fault).
	ID   string
	Key  string
	Size int64
	URL  string
	// Outcome is what happened.
	Outcome DrainOutcome
	// Target and Provider name the cloud target that holds the key now
	// (DrainStored, DrainAlreadyStored, DrainSuperseded).
	Target   string
	Provider string
	// Removed reports that the spooled copy was removed.
	Removed bool
	// Attempts lists the tries of the upload, as in [uploader.Result].
	Attempts []uploader.Attempt
	// Err is why the object was not drained, or why its copy could not be
	// removed.
	Err error
}

// DrainReport lists what one Drain did, one item per spooled object, in the
// backup's order (oldest first), with a count per outcome.
type DrainReport struct {
	Items                                                     []DrainItem
	Drained, AlreadyStored, Superseded, Failed, Gone, Skipped int
	// Elapsed is how long the drain took, on the Uploader's Clock.
	Elapsed time.Duration
}

// Drain moves every object held by the backup ([uploader.Spool]) to the
// first cloud target that takes it, through the same path as Upload (the
// breakers, retries and failover order) but never to the backup. For each
// spooled copy it:
//
//  0. leaves a copy the Spool lists as damaged ([uploader.Spooled] Damaged)
//     where it is, reported DrainFailed with Kind Integrity;
//  1. reads the copy once and checks its size and MD5 against the record
//     (the Spool checks its SHA-256); the upload then sends that MD5, so
//     the server checks the bytes too;
//  2. before writing to a target that is a Stater, Stats the key there:
//     the same bytes (size and MD5 ETag) count as stored already; a
//     different object newer than the copy (by its SpooledAtMetadata, else
//     its LastModified corrected by the target's measured skew) is not
//     overwritten: the copy is superseded; a copy dated later than now (a
//     record with a false date) never overwrites a different object: that
//     target is skipped with Kind Integrity; a Stat failure other than "not
//     found" skips that target;
//  3. uploads it, with SpooledAtMetadata added to its metadata;
//  4. verifies what the target stored: the Result's MD5, else a Stat's size
//     and MD5 ETag, else the Result's size;
//  5. and only then removes the copy, by its ID, so that a newer copy of
//     the key backed up meanwhile stays for the next drain.
//
// Drain is safe while uploads continue and after a crash: a copy is removed
// only once its bytes are verified in the cloud, and a drain that stopped
// half way is simply run again. Uploads of a key through this Uploader wait
// while Drain handles that key (steps 2 to 5), so none slips between the
// check and the write. The window left open is another process's upload of
// the same key landing between the Stat of step 2 and the write of step 3:
// the older copy overwrites it. (A cloud object dated within the same second
// as the copy, by a LastModified of one-second resolution, counts as older.)
//
// Drain returns a nil error if every listed copy was drained, found stored
// already, superseded or gone; otherwise an *uploader.Error that counts the
// rest, with the report complete either way. Up to Concurrency copies are
// handled at once, but the first alone until HalfOpenRequests of them are
// stored: after an outage the breakers are half-open and would refuse more
// trials. Only one Drain runs at a time per Uploader; others wait. Without a
// backup that is a Spool, it fails with Kind Invalid.
func (u *Uploader) Drain(ctx context.Context, opts DrainOptions) (DrainReport, error) {
	var rep DrainReport
	if u.spool == nil {
		return rep, &uploader.Error{Kind: uploader.Invalid, Op: "drain", Message: errNoBackup.Error(), Err: errNoBackup}
	}
	u.drainMu.Lock()
	defer u.drainMu.Unlock()
	u.c.drainRuns.Add(1)
	start := u.clock.Now()
	list, err := u.spool.List(ctx)
	if err != nil {
		err = uploader.Classify(ctx, u.backup.b, err)
		return rep, err
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = 2
	}
	rep.Items = make([]DrainItem, len(list))
	var next, failed, good atomic.Int64
	// Workers beyond the first start once HalfOpenRequests objects are
	// stored: after an outage the breakers are half-open, and concurrent
	// trials beyond that count would be refused.
	warm := make(chan struct{})
	var warmOnce sync.Once
	finished := make(chan struct{})
	var wg sync.WaitGroup
	for w := range min(conc, len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w == 0 {
				// Once the first worker has taken every item, the
				// others need not start.
				defer close(finished)
			} else {
				select {
				case <-warm:
				case <-finished:
					return
				}
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(list) {
					return
				}
				s := list[i]
				if ctx.Err() != nil || (opts.MaxFailures > 0 && failed.Load() >= int64(opts.MaxFailures)) {
					rep.Items[i] = DrainItem{ID: s.ID, Key: s.Key, Size: s.Size, URL: s.URL, Outcome: DrainSkipped}
					continue
				}
				it := u.drainOne(ctx, s, opts)
				switch it.Outcome {
				case DrainFailed:
					failed.Add(1)
				case DrainStored, DrainAlreadyStored, DrainSuperseded:
					if good.Add(1) >= int64(u.opts.Breaker.HalfOpenRequests) {
						warmOnce.Do(func() { close(warm) })
					}
				}
				rep.Items[i] = it
			}
		}()
	}
	wg.Wait()
	var lastErr error
	for _, it := range rep.Items {
		switch it.Outcome {
		case DrainStored:
			rep.Drained++
		case DrainAlreadyStored:
			rep.AlreadyStored++
		case DrainSuperseded:
			rep.Superseded++
		case DrainFailed:
			rep.Failed++
		case DrainGone:
			rep.Gone++
		case DrainSkipped:
			rep.Skipped++
		}
		if it.Err != nil {
			lastErr = it.Err
		}
	}
	rep.Elapsed = u.clock.Now().Sub(start)
	notRemoved := 0
	for _, it := range rep.Items {
		if it.Err != nil && it.Outcome != DrainFailed {
			notRemoved++
		}
	}
	if rep.Failed+rep.Skipped+notRemoved == 0 && ctx.Err() == nil {
		return rep, nil
	}
	k := uploader.KindOf(lastErr)
	if lastErr == nil {
		k = uploader.Canceled
	}
	if ctx.Err() != nil {
		k = uploader.Canceled
	}
	return rep, &uploader.Error{Kind: k, Op: "drain", Err: lastErr,
		Message: fmt.Sprintf("%d of %d backed-up objects not drained (%d failed, %d skipped, %d not removed)",
			rep.Failed+rep.Skipped+notRemoved, len(list), rep.Failed, rep.Skipped, notRemoved)}
}

// drainOne drains one spooled copy; see Drain.
func (u *Uploader) drainOne(ctx context.Context, s uploader.Spooled, opts DrainOptions) (it DrainItem) {
	it = DrainItem{ID: s.ID, Key: s.Key, Size: s.Size, URL: s.URL}
	defer func() {
		switch it.Outcome {
		case DrainStored:
			u.c.drained.Add(1)
		case DrainAlreadyStored:
			u.c.already.Add(1)
		case DrainSuperseded:
			u.c.supers.Add(1)
		case DrainFailed:
			u.c.drainFailed.Add(1)
		case DrainGone:
			u.c.gone.Add(1)
		}
		u.emit(Event{Type: EventDrain, Time: u.clock.Now(), Target: it.Target, Key: s.Key, Outcome: it.Outcome,
			Err: it.Err, Kind: uploader.KindOf(it.Err)})
	}()
	fail := func(err error) DrainItem {
		it.Outcome, it.Err = DrainFailed, err
		return it
	}
	if s.Damaged != nil {
		// Listed as damaged: neither sent nor removed.
		if e := uploader.AsError(s.Damaged); e != nil && e.Kind == uploader.Integrity {
			return fail(s.Damaged)
		}
		return fail(&uploader.Error{Kind: uploader.Integrity, Target: u.backup.name, Provider: u.backup.provider,
			Op: "drain", Key: s.Key, Message: s.Damaged.Error(), Err: s.Damaged})
	}
	obj, err := u.spool.Object(s)
	if err != nil {
		if uploader.IsNotFound(err) {
			it.Outcome = DrainGone
			return it
		}
		return fail(uploader.Classify(ctx, u.backup.b, err))
	}
	// 1. The copy matches its record.
	sum, n, err := readMD5(ctx, obj)
	if err != nil {
		return fail(uploader.Classify(ctx, u.backup.b, err))
	}
	if n != s.Size || (s.MD5 != "" && !strings.EqualFold(sum, s.MD5)) {
		return fail(&uploader.Error{Kind: uploader.Integrity, Target: u.backup.name, Provider: u.backup.provider,
			Op: "drain", Key: s.Key, Message: fmt.Sprintf(
				"the backup copy %s does not match its record: %d bytes, md5 %s; recorded %d bytes, md5 %s",
				s.ID, n, sum, s.Size, s.MD5)})
	}
	obj.MD5, _ = hex.DecodeString(sum)
	meta := make(map[string]string, len(obj.Metadata)+1)
	src := obj.Metadata
	if src == nil {
		src = s.Metadata
	}
	for k, v := range src {
		meta[k] = v
	}
	meta[SpooledAtMetadata] = s.Stored.UTC().Format(time.RFC3339Nano)
	obj.Metadata = meta
	if obj.ContentType == "" {
		obj.ContentType = s.ContentType
	}

	// Uploads of this key in this process wait until the copy is handled.
	defer u.keys.lock(s.Key, true)()

	// 2. The stale-overwrite check, before the first attempt on a target.
	checked := DrainStored
	check := func(ctx context.Context, t *target) *checkStop {
		if opts.SkipStaleCheck || t.stater == nil {
			return nil
		}
		info, err := u.stat(ctx, t, s.Key)
		if err != nil {
			if uploader.IsNotFound(err) {
				return nil
			}
			return &checkStop{skip: err}
		}
		res := uploader.Result{Target: t.name, Provider: t.provider, ETag: info.ETag, Size: info.Size}
		if info.Size == s.Size && uploader.PlainMD5(info.ETag) == strings.ToLower(sum) {
			checked, res.MD5 = DrainAlreadyStored, sum
			return &checkStop{result: res}
		}
		if u.newer(t, info, s.Stored) {
			checked = DrainSuperseded
			return &checkStop{result: res}
		}
		if now := u.clock.Now(); s.Stored.After(now.Add(futureSlack)) {
			// A copy dated in the future: its record's date alone must
			// not overwrite what the cloud holds.
			return &checkStop{skip: &uploader.Error{Kind: uploader.Integrity, Target: t.name, Provider: t.provider,
				Op: "drain", Key: s.Key, Message: fmt.Sprintf(
					"the backup copy is dated %s, later than now (%s), so its date cannot be trusted, and the target holds a different object under the key (%d bytes, last modified %s): not overwritten; compare the two, then delete the one to drop",
					s.Stored.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), info.Size, info.LastModified.UTC().Format(time.RFC3339))}}
		}
		return nil
	}

	// 3. Upload.
	res, err := u.upload(ctx, obj, plan{noBackup: true, check: check})
	it.Attempts = res.Attempts
	if err != nil {
		return fail(err)
	}
	it.Target, it.Provider = res.Target, res.Provider
	it.Outcome = checked

	// 4. Verify.
	if checked == DrainStored {
		if err := u.verify(ctx, res, s, sum); err != nil {
			return fail(err)
		}
	}

	// 5. Remove the copy, by ID.
	removed, err := u.spool.Remove(ctx, s)
	it.Removed = removed
	if err != nil {
		it.Err = uploader.Classify(ctx, u.backup.b, err)
	}
	return it
}

// stat Stats key on t with a bounded timeout.
func (u *Uploader) stat(ctx context.Context, t *target, key string) (uploader.ObjectInfo, error) {
	timeout := min(u.opts.AttemptTimeout, statTimeoutCap)
	if timeout <= 0 {
		timeout = statTimeoutCap
	}
	sctx, cancel := withTimeout(ctx, u.clock, timeout)
	defer cancel()
	info, err := t.stater.Stat(sctx, key)
	if err != nil {
		return info, uploader.Classify(ctx, t.b, err)
	}
	return info, nil
}

// newer reports whether the object info on t holds data newer than a copy
// made at stored: by its SpooledAtMetadata if it has one, else by its
// LastModified, moved to the local clock by t's measured skew.
func (u *Uploader) newer(t *target, info uploader.ObjectInfo, stored time.Time) bool {
	for k, v := range info.Metadata {
		lk := strings.ToLower(k)
		if lk == SpooledAtMetadata || strings.HasSuffix(lk, "-meta-"+SpooledAtMetadata) {
			if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return at.After(stored)
			}
		}
	}
	if info.LastModified.IsZero() {
		return false
	}
	lm := info.LastModified
	if t.skewer != nil {
		if skew, ok := t.skewer.Skew(); ok {
			lm = lm.Add(-skew)
		}
	}
	return lm.After(stored)
}

// verify checks that the target of res holds the copy s whose MD5 is sum.
func (u *Uploader) verify(ctx context.Context, res uploader.Result, s uploader.Spooled, sum string) error {
	bad := func(format string, args ...any) error {
		return &uploader.Error{Kind: uploader.Integrity, Target: res.Target, Provider: res.Provider, Op: "verify",
			Key: s.Key, Message: fmt.Sprintf(format, args...)}
	}
	if res.MD5 != "" {
		if !strings.EqualFold(res.MD5, sum) {
			return bad("stored md5 %s, backup copy md5 %s", res.MD5, sum)
		}
		if res.Size != 0 && res.Size != s.Size {
			return bad("stored %d bytes, backup copy %d", res.Size, s.Size)
		}
		return nil
	}
	var t *target
	for _, c := range u.clouds {
		if c.name == res.Target {
			t = c
		}
	}
	if t != nil && t.stater != nil {
		info, err := u.stat(ctx, t, s.Key)
		if err != nil {
			return err
		}
		if info.Size != s.Size {
			return bad("stored %d bytes, backup copy %d", info.Size, s.Size)
		}
		if etag := uploader.PlainMD5(info.ETag); etag != "" && etag != strings.ToLower(sum) {
			return bad("stored etag %s, backup copy md5 %s", etag, sum)
		}
		return nil
	}
	if res.Size != s.Size {
		return bad("stored %d bytes, backup copy %d", res.Size, s.Size)
	}
	return nil
}
