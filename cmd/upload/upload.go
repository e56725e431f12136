package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// uploadFlags are the flags of the upload command.
type uploadFlags struct {
	commonFlags
	prefix string
	// to are the --to destinations, in failover order; exactKey is the
	// key of the one file when a destination names it (keyPlan).
	to       []string
	exactKey string
	// jobs is --jobs as given: a number or "auto" (see parseJobs).
	jobs     string
	partSize string
	partJobs int
	state    string
	// skipExisting is --skip-existing: "", size or checksum.
	skipExisting string
	dryRun       bool
	shard        string
	// stallTimeout is --stall-timeout; zero leaves retry.stall_timeout.
	stallTimeout time.Duration
	filterFlags
	filter *filter
	attrFlags
	attrs *attrs
}

// The exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitBackedUp    = 3
	exitInterrupted = 130
)

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError ends a command with a status, its message already printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// runUpload is the upload command.
func (a *app) runUpload(ctx context.Context, f *uploadFlags, args []string) error {
	if len(args) == 0 {
		return &usageError{"no PATH given: name files or directories to upload, or - to read paths from standard input"}
	}
	jobs, o, sh, err := f.check()
	if err != nil {
		return err
	}
	cfg, destPath, err := a.destinationConfig(f.config, f.to)
	if err != nil {
		return err
	}
	f.prefix, f.exactKey = keyPlan(destPath, f.prefix, args)
	if cfg.File == "" && len(f.to) == 0 && !f.quiet {
		fmt.Fprintf(a.stderr, "upload: %s\n", safeText(cfg.Source))
	}
	if f.stallTimeout > 0 {
		cfg.StallTimeout = f.stallTimeout
	}
	set, err := buildTargets(cfg, o, jobs.options(failoverOptions(cfg), cfg, o))
	if err != nil {
		return err
	}
	defer set.close()
	if err := checkTargetAttributes(set, f.attrs); err != nil {
		return err
	}
	var j *journal
	var stateInfo os.FileInfo
	if f.state != "" && f.dryRun {
		var cleanup func()
		if j, stateInfo, cleanup, err = openJournalCopy(f.state, a.now()); err != nil {
			return &configError{[]string{err.Error()}}
		}
		defer cleanup()
	} else if f.state != "" {
		if j, err = openJournal(f.state, a.now()); err != nil {
			return &configError{[]string{err.Error()}}
		}
		if j != nil && j.ignored > 0 {
			fmt.Fprintf(a.stderr, "upload: --state %s: %d unreadable lines ignored\n", shown(f.state), j.ignored)
		}
	}
	remote, err := a.remoteIndex(f, set)
	if err != nil {
		return err
	}
	b := &batch{a: a, f: f, jobs: jobs.files(set), set: set, j: j, remote: remote, stateInfo: stateInfo, shard: sh, tally: newTally(set),
		meter: &meter{start: a.now()}, keys: newKeySet(args)}
	defer b.keys.close()
	code := b.run(ctx, args)
	return &exitError{code}
}

// check reads and checks the flags that need no configuration: --jobs,
// --part-size, --part-jobs, --shard, --progress, --stall-timeout, the
// filters and the attributes.
func (f *uploadFlags) check() (jobs jobsSetting, o overrides, sh shard, err error) {
	jobs, err = parseJobs(f.jobs)
	if err != nil {
		return jobs, o, sh, err
	}
	if f.partJobs < 0 {
		return jobs, o, sh, &usageError{fmt.Sprintf("--part-jobs %d: at least 1", f.partJobs)}
	}
	o.PartJobs = f.partJobs
	o.NoCreate = f.dryRun
	if f.partSize != "" {
		n, err := parseSize(f.partSize)
		if err != nil {
			return jobs, o, sh, &usageError{"--part-size " + err.Error()}
		}
		if n < 5<<20 || n > 5<<30 {
			return jobs, o, sh, &usageError{fmt.Sprintf("--part-size %s: a part is 5MiB to 5GiB (the providers' limits)", f.partSize)}
		}
		o.PartSize = n
	}
	if f.shard != "" {
		if sh, err = parseShard(f.shard); err != nil {
			return jobs, o, sh, &usageError{err.Error()}
		}
	}
	if err := f.checkProgress(); err != nil {
		return jobs, o, sh, err
	}
	if f.stallTimeout < 0 {
		return jobs, o, sh, &usageError{fmt.Sprintf("--stall-timeout %s: a positive duration, like 2m", f.stallTimeout)}
	}
	flt, err := newFilter(f.filterFlags)
	if err != nil {
		return jobs, o, sh, err
	}
	f.filter = flt
	if f.attrs, err = newAttrs(f.attrFlags); err != nil {
		return jobs, o, sh, err
	}
	return jobs, o, sh, nil
}

// remoteIndex is what --skip-existing compares with: nil without it.
func (a *app) remoteIndex(f *uploadFlags, set *targetSet) (*remoteIndex, error) {
	if f.skipExisting == "" {
		return nil, nil
	}
	warn := func(format string, args ...any) {
		fmt.Fprintf(a.stderr, "upload: %s\n", safeText(fmt.Sprintf(format, args...)))
	}
	return newRemoteIndex(f.skipExisting, listPrefix(f.prefix, f.exactKey), set, warn)
}

// batch is one run of the upload command.
type batch struct {
	a *app
	// remote is what --skip-existing compares with; nil without it.
	remote *remoteIndex
	f      *uploadFlags
	// jobs is the most files in flight (see jobsSetting.files).
	jobs int
	set  *targetSet
	j    *journal
	// stateInfo is the --state file when j reads a copy of it (--dry-run).
	stateInfo os.FileInfo
	shard     shard
	tally     *tally
	meter     *meter
	json      *jsonWriter

	mu      sync.Mutex // guards disp and the writes through it
	disp    display
	liveOut bool // stdout lines go through the display (same terminal)

	keys       *keySet
	outOfShard int
	filtered   int
	notStarted int
	inflight   atomic.Int64
}

// say writes a line for standard error, above a live display.
func (b *batch) say(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.disp.Writer(), "upload: "+format+"\n", args...)
}

// note is say, unless --quiet.
func (b *batch) note(format string, args ...any) {
	if !b.f.quiet {
		b.say(format, args...)
	}
}

func (b *batch) run(ctx context.Context, args []string) int {
	a := b.a
	if b.f.json {
		b.json = &jsonWriter{w: a.stdout}
	}
	b.meter.walking.Store(true)
	names := make([]string, len(b.set.descs))
	for i, d := range b.set.descs {
		names[i] = d.Name
	}
	b.disp = a.newDisplay(b.f.commonFlags, b.meter, "upload", names, b.states)
	_, isBars := b.disp.(*barDisplay)
	b.liveOut = isBars && a.stdoutTerminal

	hard, hardCancel := context.WithCancel(ctx)
	defer hardCancel()
	soft, softCancel := context.WithCancel(hard)
	defer softCancel()
	watch := a.watchInterrupts(ctx, func() {
		softCancel()
		b.say("interrupted: starting no new files; finishing the %d in flight (interrupt again to abort them)", b.inflight.Load())
	}, func() {
		b.say("interrupted again: aborting the uploads in flight")
		hardCancel()
	})
	defer watch.stop()

	var skip []os.FileInfo
	if b.set.backup != nil {
		if fi, err := os.Stat(b.set.backup.Dir()); err == nil {
			skip = append(skip, fi)
		}
	}
	if b.set.tree != nil {
		if fi, err := os.Stat(b.set.tree.Dir()); err == nil {
			skip = append(skip, fi)
		}
	}
	if b.j != nil {
		if fi, err := b.j.f.Stat(); err == nil {
			skip = append(skip, fi)
		}
	}
	if b.stateInfo != nil {
		skip = append(skip, b.stateInfo)
	}
	jobs := make(chan fileJob, 64)
	w := &walker{prefix: b.f.prefix, exactKey: b.f.exactKey, stdin: a.stdin, skip: skip, note: b.note, out: jobs, skipDir: b.f.filter.skipsDir}
	go w.run(soft, args)

	sem := make(chan struct{}, b.jobs)
	var wg sync.WaitGroup
	for job := range jobs {
		if soft.Err() != nil {
			if job.err == nil && job.key != "" && b.shard.includes(job.key) {
				b.notStarted++
			}
			continue
		}
		if job.key != "" && !b.f.filter.selects(relKey(b.f.prefix, job.key), jobSize(job)) {
			b.filtered++
			continue
		}
		if job.key != "" && !b.shard.includes(job.key) {
			b.outOfShard++
			continue
		}
		if job.err == nil {
			if first, dup := b.keys.add(job.key, job.path); dup {
				if first == "" {
					first = "an earlier path read from standard input"
				}
				job.err = fmt.Errorf("its key %q is also the key of %s, uploaded in this run; only the first is uploaded (use --prefix, or upload the directories instead of the files)", job.key, first)
			}
		}
		b.meter.filesTotal.Add(1)
		if job.err != nil {
			r := &fileReport{Path: job.path, Key: job.key, Attempts: []attemptReport{}}
			b.finish(r, uploader.Result{}, job.err, false, nil)
			continue
		}
		b.meter.bytesTotal.Add(job.info.Size())
		select {
		case sem <- struct{}{}:
		case <-soft.Done():
			b.notStarted++
			b.meter.filesTotal.Add(-1)
			b.meter.bytesTotal.Add(-job.info.Size())
			continue
		}
		wg.Add(1)
		b.inflight.Add(1)
		go func(job fileJob) {
			defer wg.Done()
			defer func() { <-sem; b.inflight.Add(-1) }()
			b.one(hard, job)
		}(job)
	}
	b.meter.walking.Store(false)
	wg.Wait()

	interrupted := watch.stop()
	b.mu.Lock()
	b.disp.Stop()
	b.disp = nopDisplay{a.stderr}
	b.mu.Unlock()
	if b.j != nil {
		if err := b.j.close(); err != nil {
			fmt.Fprintf(a.stderr, "upload: %s (a rerun will upload again what it did not record)\n", safeText(err.Error()))
		}
	}
	body := b.tally.finish(b.set, a.now().Sub(b.meter.start))
	body.Interrupted = interrupted
	body.NotStarted = b.notStarted
	body.OutOfShard = b.outOfShard
	body.Filtered = b.filtered
	body.Shard = b.shard.String()
	body.DryRun = b.f.dryRun
	code := exitCode(body.Interrupted, body.Failed, body.BackedUp+body.SkippedInBackup)
	body.ExitCode = code
	if b.json != nil {
		b.json.write(summaryReport{Summary: body})
		if b.json.err != nil {
			fmt.Fprintf(a.stderr, "upload: writing the report: %v\n", b.json.err)
			if code == exitOK {
				code = exitFailed
			}
		}
	}
	if !b.f.quiet {
		humanSummary(a.stderr, body, b.tally, b.set)
	}
	return code
}

// one uploads one file and records the outcome.
//
// Long: one file's way in order (skip checks, the journal's resume hook,
// the upload with its re-reads, the record), each step short.
func (b *batch) one(ctx context.Context, job fileJob) {
	r := &fileReport{Path: job.path, Key: job.key, Size: job.info.Size(), Attempts: []attemptReport{}}
	fp := &fileProgress{m: b.meter, size: job.info.Size()}
	fail := func(err error) { b.finish(r, uploader.Result{}, err, false, fp) }
	if err := uploader.ValidateKey(job.key); err != nil {
		fail(fmt.Errorf("the key is refused: %w", err))
		return
	}
	if _, err := os.Stat(job.path); err != nil {
		fail(statError(job.path, err))
		return
	}
	file, err := b.newFile(job.key, job.path, job.info.Size())
	if err != nil {
		fail(err)
		return
	}
	obj := file.Object()
	b.f.attrs.apply(&obj)
	if obj.Size != r.Size {
		b.meter.bytesTotal.Add(obj.Size - r.Size)
		r.Size, fp.size = obj.Size, obj.Size
	}
	mtime := file.ModTime().UnixNano()
	if b.j != nil {
		if rec, ok := b.j.lookup(job.key); ok && rec.Size == obj.Size && rec.MtimeNS == mtime && b.set.knows(rec) {
			same, sum, err := rec.sameBytes(ctx, job.path)
			if err != nil {
				fail(fileErr(job.path, err))
				return
			}
			if same {
				if c, ok := b.checkClaim(ctx, job.key, rec); ok {
					r.Status, r.Target, r.Provider, r.URL, r.MD5, r.CRC32C = statusSkipped, c.target, c.provider, c.url, rec.MD5, rec.CRC32C
					b.finish(r, uploader.Result{}, nil, c.inBackup, fp)
					return
				}
			}
			obj.MD5 = sum
		}
	}
	if skip, err := b.skipExisting(ctx, r, job, mtime); err != nil {
		fail(fileErr(job.path, err))
		return
	} else if skip {
		b.finish(r, uploader.Result{}, nil, false, fp)
		return
	}
	if b.f.dryRun {
		b.planned(r, obj, fp)
		return
	}
	res, file, err := b.uploadFile(ctx, file, obj.MD5, r, fp)
	r.Attempts = attemptsReport(res.Attempts)
	if err != nil {
		if ctx.Err() != nil && uploader.KindOf(err) == uploader.Canceled {
			err = interrupted(err)
		}
		b.finish(r, res, err, false, fp)
		return
	}
	r.Status = statusUploaded
	if b.set.isBackup(res.Target) {
		r.Status = statusBackedUp
	}
	// The digest of the bytes stored: the server's (single PUT, verified
	// against the bytes read), else the MD5 of the bytes read for the upload
	// that stored the object. Never a hash of the file made afterwards.
	r.Target, r.Provider, r.URL, r.ETag, r.MD5 = res.Target, res.Provider, res.URL, res.ETag, res.MD5
	r.Unverified = res.Unverified
	r.Parts = partsReport(res.Parts)
	if r.MD5 == "" && file.MD5() != nil {
		r.MD5 = hex.EncodeToString(file.MD5())
	}
	if crc, ok := file.CRC32C(); ok {
		r.CRC32C = crc32cHex(crc)
	}
	if b.j != nil && (r.MD5 != "" || r.CRC32C != "") {
		d, _ := b.set.describe(res.Target)
		b.j.add(stateRecord{Key: job.key, Path: job.path, Size: file.Size(), MtimeNS: file.ModTime().UnixNano(), MD5: r.MD5, CRC32C: r.CRC32C,
			Target: res.Target, Provider: res.Provider, Endpoint: d.Endpoint, Bucket: d.Bucket, URL: res.URL,
			BackedUp: r.Status == statusBackedUp, Time: b.a.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")})
		b.abortOrphans(ctx, job.key, res.Target)
	}
	b.finish(r, res, nil, false, fp)
}

// newFile is uploader.NewFile computing the MD5 only where a target can
// compare it with what it stored (targetSet.needsMD5).
func (b *batch) newFile(key, path string, size int64) (*uploader.File, error) {
	return uploader.NewFileOptions(key, path, &uploader.FileOptions{SkipMD5: !b.set.needsMD5(size)})
}

// crc32cHex is how the report and the journal write a CRC-32C: 8 hex
// digits, most significant first.
func crc32cHex(crc uint32) string { return fmt.Sprintf("%08x", crc) }

func fileErr(path string, err error) error {
	if errors.Is(err, context.Canceled) {
		return interrupted(err)
	}
	return statError(path, err)
}

// interrupted marks err, the failure of an upload the user interrupted;
// err stays in the chain ([uploader.Error].MayHaveLanded is read from it).
func interrupted(err error) error { return fmt.Errorf("%w: %w", errInterrupted, err) }

// finish records a file's outcome: the counters, the error line, the
// report line and the human line.
func (b *batch) finish(r *fileReport, res uploader.Result, err error, inBackup bool, fp *fileProgress) {
	if fp != nil {
		fp.done()
	}
	b.meter.filesDone.Add(1)
	if err != nil {
		r.Status = statusFailed
		r.Error = newErrorReport(err, res.Attempts)
		r.MayHaveLanded = mayHaveLanded(err)
		b.meter.failed.Add(1)
		b.say("%s: %s", shown(r.Path), safeText(r.Error.Message))
	}
	b.tally.add(r, res, err, inBackup)
	if b.json != nil {
		b.json.write(r)
		return
	}
	if b.f.quiet || (r.Status != statusUploaded && r.Status != statusBackedUp && r.Status != statusWouldUpload) {
		return
	}
	line := fmt.Sprintf("%s -> %s -> %s\n", shown(r.Path), shown(r.Key), shown(r.URL))
	if r.Status == statusWouldUpload {
		line = plannedLine(r)
	}
	if b.liveOut {
		b.mu.Lock()
		io.WriteString(b.disp.Writer(), line)
		b.mu.Unlock()
		return
	}
	b.mu.Lock()
	io.WriteString(b.a.stdout, line)
	b.mu.Unlock()
}

// states is what the display shows of each target.
func (b *batch) states() []targetState {
	stored := b.tally.storedCounts()
	throttles := map[string]failover.ThrottleStats{}
	if b.set.fo != nil {
		for _, ts := range b.set.fo.Stats().Targets {
			if th := ts.Throttle; th.Limited || th.Queued > 0 || th.Adaptive {
				throttles[ts.Name] = th
			}
		}
	}
	out := make([]targetState, 0, len(b.set.descs))
	for _, d := range b.set.descs {
		n := stored[d.Name]
		var st string
		switch {
		case b.set.isBackup(d.Name):
			st = "standby (local backup)"
			if n > 0 {
				st = "backing up: " + files(n)
			}
		case b.set.fo != nil:
			s, _ := b.set.fo.TargetState(d.Name)
			st = breakerText(s)
			if th, ok := throttles[d.Name]; ok && (th.Limited || th.Queued > 0) {
				st = throttleState(th, s)
			} else if ok && s == failover.Closed {
				st = fmt.Sprintf("ok, limit %d", th.Limit)
			}
			st += fmt.Sprintf(", %d stored", n)
		default:
			st = fmt.Sprintf("ok, %d stored", n)
		}
		out = append(out, targetState{Name: d.Name, State: st})
	}
	return out
}

// knows reports whether the journal record's target is still configured,
// at the same place.
func (s *targetSet) knows(rec stateRecord) bool {
	d, ok := s.describe(rec.Target)
	return ok && d.Provider == rec.Provider && d.Endpoint == rec.Endpoint && d.Bucket == rec.Bucket
}

// throttleState is a throttled target's state for the progress display:
// "throttled: 3 in flight, waiting 4s (12 files queued)" for the trial of
// breakerText is a cloud target's breaker state as the progress display
// of upload and drain shows it.
func breakerText(s failover.State) string {
	switch s {
	case failover.Open:
		return "breaker open"
	case failover.HalfOpen:
		return "half-open (trying)"
	}
	return "ok"
}

// exitCode is the exit status of a run over files, one rule for upload,
// drain and drain --check: an interrupt first, then any file failed (or
// copy damaged or not removed), then any file kept only in the local
// backup; else exitOK.
func exitCode(interrupted bool, failed, onlyInBackup int) int {
	switch {
	case interrupted:
		return exitInterrupted
	case failed > 0:
		return exitFailed
	case onlyInBackup > 0:
		return exitBackedUp
	}
	return exitOK
}

// its open breaker, or "throttled: 3 in flight (limit 3, 5 waiting)".
func throttleState(th failover.ThrottleStats, s failover.State) string {
	st := fmt.Sprintf("throttled: %d in flight", th.InFlight)
	switch {
	case th.Queued > 0 && s != failover.Closed:
		st += fmt.Sprintf(", waiting %s (%s queued)", formatDuration(th.NextTrial.Round(time.Second)), files(th.Queued))
	case th.Limit > 0:
		st += fmt.Sprintf(" (limit %d", th.Limit)
		if th.Waiting > 0 {
			st += fmt.Sprintf(", %d waiting", th.Waiting)
		}
		st += ")"
	}
	return st
}
