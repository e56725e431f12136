package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// The statuses of a file in the report.
const (
	statusUploaded = "uploaded"  // stored on a cloud target (or the only, local, target)
	statusBackedUp = "backed_up" // only in the local backup: nothing lost, run upload drain
	statusFailed   = "failed"    // stored nowhere (but see fileReport.MayHaveLanded)
	statusSkipped  = "skipped"   // already stored (--state)
	// statusWouldUpload is --dry-run's: the file would be uploaded.
	statusWouldUpload = "would_upload"
)

// fileReport is one line of the --json report: exactly these keys, for
// every file.
type fileReport struct {
	Path     string `json:"path"`
	Key      string `json:"key"`
	Size     int64  `json:"size"`
	Status   string `json:"status"`
	Target   string `json:"target"`
	Provider string `json:"provider"`
	URL      string `json:"url"`
	ETag     string `json:"etag"`
	MD5      string `json:"md5"`
	// CRC32C is the CRC-32C of the bytes read for the upload (8 hex
	// digits), computed for every file uploaded; MD5 is left empty for a
	// file sent in parts to a cloud target, where it would cost a CPU
	// second per GiB and has no stored ETag to match.
	CRC32C   string          `json:"crc32c"`
	Attempts []attemptReport `json:"attempts"`
	Error    *errorReport    `json:"error"`
	// Unverified is uploader.Result.Unverified: present only when the
	// stored object could not be read back ("not verified by reading").
	Unverified string `json:"unverified,omitempty"`
	// MayHaveLanded names the target where a failed (interrupted) upload
	// may nevertheless have been stored whole: uploader.Error.MayHaveLanded.
	// Present only then; Error says so too.
	MayHaveLanded string `json:"may_have_landed,omitempty"`
	// Parts lists the parts of a multipart upload that stored the file,
	// with how long each took (resumed: stored by an earlier run or
	// attempt, checked and not sent again). Present only then.
	Parts []partRecord `json:"parts,omitempty"`
}

// attemptReport is one try of one upload. Kind is "ok" for the success.
// Start (RFC 3339, for timelines) and SkewCorrected are beyond the keys
// the issue lists.
type attemptReport struct {
	Target        string  `json:"target"`
	Kind          string  `json:"kind"`
	Code          string  `json:"code"`
	Status        int     `json:"status"`
	RequestID     string  `json:"request_id"`
	SkewMS        int64   `json:"skew_ms"`
	SkewCorrected bool    `json:"skew_corrected"`
	Start         string  `json:"start"`
	ElapsedMS     float64 `json:"elapsed_ms"`
	// CredentialsRefreshed: signed with keys fetched anew after the
	// server refused expired temporary keys ("credentials refreshed").
	CredentialsRefreshed bool `json:"credentials_refreshed,omitempty"`
}

func attemptsReport(as []uploader.Attempt) []attemptReport {
	out := make([]attemptReport, 0, len(as))
	for _, a := range as {
		kind := "ok"
		if a.Err != nil || a.Kind != uploader.OK {
			kind = a.Kind.String()
		}
		out = append(out, attemptReport{Target: a.Target, Kind: kind, Code: a.Code, Status: a.Status,
			RequestID: a.RequestID, SkewMS: a.Skew.Milliseconds(), SkewCorrected: a.SkewCorrected,
			Start:     a.Start.UTC().Format(time.RFC3339Nano),
			ElapsedMS: float64(a.Elapsed.Microseconds()) / 1000, CredentialsRefreshed: a.CredentialsRefreshed})
	}
	return out
}

// summaryReport is the last line of the --json report.
type summaryReport struct {
	Summary summaryBody `json:"summary"`
}

type summaryBody struct {
	// Files counts the files reported (one line each), by status below.
	Files    int `json:"files"`
	Uploaded int `json:"uploaded"`
	BackedUp int `json:"backed_up"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	// WouldUpload counts --dry-run's would-be uploads.
	WouldUpload int `json:"would_upload"`
	// SkippedInBackup counts the skipped files that are still only in the
	// local backup.
	SkippedInBackup int `json:"skipped_in_backup"`
	// Bytes were stored by this run; BytesSkipped were already stored.
	Bytes        int64 `json:"bytes"`
	BytesSkipped int64 `json:"bytes_skipped"`
	// BytesWouldUpload is what --dry-run would upload.
	BytesWouldUpload int64 `json:"bytes_would_upload"`
	DurationMS       int64 `json:"duration_ms"`
	// NotStarted counts files found but not started because of an
	// interruption; OutOfShard the files left to other shards.
	Interrupted bool   `json:"interrupted"`
	NotStarted  int    `json:"not_started"`
	Shard       string `json:"shard,omitempty"`
	OutOfShard  int    `json:"out_of_shard"`
	// Filtered counts the files the filters left out (--include,
	// --exclude, --exclude-from, --min-size, --max-size).
	Filtered int  `json:"filtered"`
	DryRun   bool `json:"dry_run"`
	ExitCode int  `json:"exit_code"`
	// Retries counts the attempts beyond each file's first (breaker
	// refusals are not attempts).
	Retries retriesSummary  `json:"retries"`
	Targets []targetSummary `json:"targets"`
}

// retriesSummary: Total retries over all files, FilesRetried the files
// that needed at least one, MaxPerFile the most one file needed.
type retriesSummary struct {
	Total        int `json:"total"`
	FilesRetried int `json:"files_retried"`
	MaxPerFile   int `json:"max_per_file"`
}

// throttleSummary is a throttled target's story: how long its concurrency
// was limited, its throttled replies, and its concurrency limit (lowest,
// highest, at the end: 0 when no longer limited); PeakInFlight is the most
// attempts it had in flight at once.
type throttleSummary struct {
	ThrottledMS      int64  `json:"throttled_ms"`
	ThrottledReplies uint64 `json:"throttled_replies"`
	MinConcurrency   int    `json:"min_concurrency"`
	MaxConcurrency   int    `json:"max_concurrency"`
	LastConcurrency  int    `json:"last_concurrency"`
	PeakInFlight     int    `json:"peak_in_flight"`
}

// concurrencySummary is a target's adaptive concurrency limit (--jobs
// auto): its lowest, highest and last value, and the most attempts in
// flight at once.
type concurrencySummary struct {
	MinLimit     int `json:"min_limit"`
	MaxLimit     int `json:"max_limit"`
	LastLimit    int `json:"last_limit"`
	PeakInFlight int `json:"peak_in_flight"`
}

// targetSummary is one target's story.
type targetSummary struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Backup   bool   `json:"backup"`
	// State is the breaker's state at the end: closed, open, half-open.
	State string `json:"state"`
	// FilesStored and BytesStored count the files that ended here.
	FilesStored int   `json:"files_stored"`
	BytesStored int64 `json:"bytes_stored"`
	// Attempts counts this run's attempts here by kind ("ok" for
	// successes, "circuit_open" for breaker refusals); Codes the failed
	// ones by the server's error code.
	Attempts map[string]int `json:"attempts"`
	Codes    map[string]int `json:"codes"`
	// BreakerOpens counts the times the breaker opened.
	BreakerOpens uint64 `json:"breaker_opens"`
	// Throttle is set when the target throttled this run.
	Throttle *throttleSummary `json:"throttle"`
	// Concurrency is set with --jobs auto: the target's adaptive limit.
	Concurrency *concurrencySummary `json:"concurrency,omitempty"`
	// FailedOver counts the files that left this target after a failure or
	// a refusal; FailedOverTo says where they ended ("" = nowhere).
	FailedOver   int            `json:"failed_over"`
	FailedOverTo map[string]int `json:"failed_over_to"`
	// SkewMS is the last clock offset measured (server minus local), null
	// if none was; SkewCorrected counts attempts signed with a corrected
	// time.
	SkewMS        *int64 `json:"skew_ms"`
	SkewCorrected int    `json:"skew_corrected"`
	// CredentialsRefreshed counts the attempts signed with credentials
	// fetched anew after an expired-token refusal.
	CredentialsRefreshed int `json:"credentials_refreshed"`
	// trouble counts the failures by vendor code, or kind without one,
	// for the human summary; refusedThenCorrected the clock-skew refusals
	// that a corrected attempt got past.
	trouble              map[string]int
	refusedThenCorrected int
}

// tally accumulates the story of a run as files finish. Safe for
// concurrent use.
type tally struct {
	mu      sync.Mutex
	body    summaryBody
	targets map[string]*targetSummary
	order   []string
	// firstErr keeps the first failure of each target and kind, for the
	// hints of the human summary.
	firstErr map[string]*uploader.Error
	errOrder []string
	failures []string
	// landed are the failed files that may have been stored nonetheless
	// (fileReport.MayHaveLanded), by target.
	landed map[string]int
	// journaled counts the files --state found stored already (and their
	// bytes), to tell them apart from --dry-run's would-be uploads.
	journaled      int
	journaledBytes int64
}

func newTally(set *targetSet) *tally {
	t := &tally{targets: map[string]*targetSummary{}, firstErr: map[string]*uploader.Error{}}
	for _, d := range set.descs {
		t.targets[d.Name] = &targetSummary{Name: d.Name, Provider: d.Provider, Backup: set.isBackup(d.Name),
			State: "closed", Attempts: map[string]int{}, Codes: map[string]int{}, FailedOverTo: map[string]int{},
			trouble: map[string]int{}}
		t.order = append(t.order, d.Name)
	}
	return t
}

// add counts one finished file.
func (t *tally) add(r *fileReport, res uploader.Result, err error, inBackup bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := &t.body
	b.Files++
	switch r.Status {
	case statusUploaded:
		b.Uploaded++
		b.Bytes += r.Size
	case statusBackedUp:
		b.BackedUp++
		b.Bytes += r.Size
	case statusFailed:
		b.Failed++
		if r.MayHaveLanded != "" {
			if t.landed == nil {
				t.landed = map[string]int{}
			}
			t.landed[r.MayHaveLanded]++
			break
		}
		if len(t.failures) < 10 {
			t.failures = append(t.failures, shown(r.Path))
		}
	case statusWouldUpload:
		b.WouldUpload++
		b.BytesWouldUpload += r.Size
	case statusSkipped:
		b.Skipped++
		b.BytesSkipped += r.Size
		if r.Target != "" {
			t.journaled++
			t.journaledBytes += r.Size
		}
		if inBackup {
			b.SkippedInBackup++
		}
	}
	switch r.Status {
	case statusUploaded, statusBackedUp, "drained", "already_stored": // the last two: drain's
		if ts := t.targets[r.Target]; ts != nil {
			ts.FilesStored++
			ts.BytesStored += r.Size
		}
	}
	made := 0
	for _, a := range res.Attempts {
		if a.Kind != uploader.CircuitOpen {
			made++
		}
	}
	if made > 1 {
		b.Retries.Total += made - 1
		b.Retries.FilesRetried++
		b.Retries.MaxPerFile = max(b.Retries.MaxPerFile, made-1)
	}
	left := map[string]bool{}
	for i, a := range res.Attempts {
		ts := t.targets[a.Target]
		if ts == nil {
			continue
		}
		kind := "ok"
		if a.Err != nil || a.Kind != uploader.OK {
			kind = a.Kind.String()
			// A clock-skew refusal that the backend's next attempt, signed
			// with the server's time, got past is not trouble: the story
			// tells it with the skew.
			corrected := a.Kind == uploader.ClockSkew && i+1 < len(res.Attempts) &&
				res.Attempts[i+1].Target == a.Target && res.Attempts[i+1].SkewCorrected && res.Attempts[i+1].Err == nil
			// Nor is an expired token that fresh credentials got past.
			corrected = corrected || refreshedPast(res.Attempts, i)
			if a.Kind != uploader.Canceled && a.Kind != uploader.Invalid && !corrected {
				left[a.Target] = true
			}
			if a.Code != "" {
				ts.Codes[a.Code]++
			}
			switch {
			case corrected:
				ts.refusedThenCorrected++
			case a.Kind == uploader.Invalid || a.Kind == uploader.Canceled:
				// The file's fault, or the user's: not the target's story.
			case a.Kind != uploader.CircuitOpen:
				label := a.Code
				if label == "" {
					label = a.Kind.String()
				}
				ts.trouble[label]++
			}
			if a.Kind != uploader.CircuitOpen && a.Kind != uploader.Canceled && !corrected {
				k := a.Target + "\x00" + a.Kind.String()
				if _, seen := t.firstErr[k]; !seen {
					if ue := uploader.AsError(a.Err); ue != nil {
						t.firstErr[k] = ue
						t.errOrder = append(t.errOrder, k)
					}
				}
			}
		}
		ts.Attempts[kind]++
		if a.SkewCorrected {
			ts.SkewCorrected++
		}
		if a.CredentialsRefreshed {
			ts.CredentialsRefreshed++
		}
	}
	for name := range left {
		if name == r.Target {
			continue // it failed here first, then succeeded here
		}
		ts := t.targets[name]
		ts.FailedOver++
		ts.FailedOverTo[r.Target]++
	}
	if err != nil && len(res.Attempts) == 0 {
		// A failure before any attempt (unreadable file, refused key):
		// keep its kind for the hints too.
		if ue := uploader.AsError(err); ue != nil && ue.Kind != uploader.Canceled {
			k := "\x00" + ue.Kind.String()
			if _, seen := t.firstErr[k]; !seen {
				t.firstErr[k] = ue
				t.errOrder = append(t.errOrder, k)
			}
		}
	}
}

// finish completes the summary with the failover counters.
func (t *tally) finish(set *targetSet, elapsed time.Duration) summaryBody {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.body
	b.DurationMS = elapsed.Milliseconds()
	var stats failover.Stats
	if set.fo != nil {
		stats = set.fo.Stats()
	}
	for _, st := range stats.Targets {
		ts := t.targets[st.Name]
		if ts == nil {
			continue
		}
		ts.State = st.State.String()
		ts.BreakerOpens = st.Opens
		if th := st.Throttle; th.Throttled > 0 {
			ts.Throttle = &throttleSummary{ThrottledMS: th.ThrottledTime.Milliseconds(), ThrottledReplies: th.Throttled,
				MinConcurrency: th.MinLimit, MaxConcurrency: th.MaxLimit, LastConcurrency: th.Limit, PeakInFlight: th.PeakInFlight}
		}
		if th := st.Throttle; th.Adaptive {
			ts.Concurrency = &concurrencySummary{MinLimit: th.MinLimit, MaxLimit: th.MaxLimit, LastLimit: th.Limit,
				PeakInFlight: th.PeakInFlight}
		}
		if st.SkewKnown {
			ms := st.Skew.Milliseconds()
			ts.SkewMS = &ms
		}
	}
	for i, name := range t.order {
		ts := *t.targets[name]
		if ts.SkewMS == nil {
			if sr, ok := set.backends[i].(uploader.SkewReporter); ok {
				if d, known := sr.Skew(); known {
					ms := d.Milliseconds()
					ts.SkewMS = &ms
				}
			}
		}
		b.Targets = append(b.Targets, ts)
	}
	return b
}

// jsonWriter writes NDJSON lines, one value each, safe for concurrent use;
// it keeps the first write error.
type jsonWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (j *jsonWriter) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	_, j.err = j.w.Write(append(b, '\n'))
}

// humanSummary tells the run's story in words, for standard error.
func humanSummary(w io.Writer, b summaryBody, t *tally, set *targetSet) {
	var parts []string
	add := func(n int, s string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if b.DryRun {
		fmt.Fprintf(w, "upload: dry run, nothing was uploaded: %s (%s) would be uploaded", files(b.WouldUpload), formatBytes(b.BytesWouldUpload))
		if t.journaled > 0 {
			fmt.Fprintf(w, ", %d are already stored (--state, --skip-existing)", t.journaled)
		}
		if b.Failed > 0 {
			fmt.Fprintf(w, ", %d cannot be uploaded (named above)", b.Failed)
		}
		if b.Filtered > 0 {
			fmt.Fprintf(w, ", %s left out by the filters", files(b.Filtered))
		}
		fmt.Fprintln(w)
		if b.Shard != "" {
			fmt.Fprintf(w, "upload: shard %s: %s belong to other shards\n", b.Shard, files(b.OutOfShard))
		}
		return
	}
	add(b.Uploaded, "uploaded")
	add(b.BackedUp, "only in the local backup")
	add(b.Skipped, "skipped (already stored)")
	add(b.Failed, "failed")
	if len(parts) == 0 {
		parts = append(parts, "no files")
	}
	fmt.Fprintf(w, "upload: %s (%s in %s", strings.Join(parts, ", "), formatBytes(b.Bytes), formatDuration(time.Duration(b.DurationMS)*time.Millisecond))
	if b.DurationMS > 0 && b.Bytes > 0 {
		fmt.Fprintf(w, ", %s/s", formatBytes(int64(float64(b.Bytes)/(float64(b.DurationMS)/1000))))
	}
	fmt.Fprintln(w, ")")
	if b.Filtered > 0 {
		fmt.Fprintf(w, "upload: %s left out by the filters\n", files(b.Filtered))
	}
	if b.Interrupted {
		fmt.Fprintf(w, "upload: interrupted: %s found were not started; run the same command again (with --state, what is stored is skipped)\n", files(b.NotStarted))
	}
	if b.Shard != "" {
		fmt.Fprintf(w, "upload: shard %s: %s belong to other shards\n", b.Shard, files(b.OutOfShard))
	}
	if r := b.Retries; r.Total > 0 {
		fmt.Fprintf(w, "upload: retries: %d (%s retried, at most %d for one file)\n", r.Total, files(r.FilesRetried), r.MaxPerFile)
	}
	// The failover story: one line per target that had trouble or stored
	// something.
	for _, ts := range b.Targets {
		if line := targetStory(ts, set); line != "" {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	if n := b.BackedUp + b.SkippedInBackup; n > 0 {
		dir := ""
		if set.backup != nil {
			dir = " " + shown(set.backup.Dir())
		}
		fmt.Fprintf(w, "upload: %s only in the local backup%s (nothing is lost): run `upload drain` (with the same --config) when the clouds are back\n", are(n), dir)
	}
	t.mu.Lock()
	landed, nLanded := map[string]int{}, 0
	for name, n := range t.landed {
		landed[name] = n
		nLanded += n
	}
	t.mu.Unlock()
	for _, name := range sortedKeys(landed) {
		if n := landed[name]; n == 1 {
			fmt.Fprintf(w, "upload: 1 file may have been stored on %s although its upload was interrupted (named above): read it back to know, or run again to upload it\n", name)
		} else {
			fmt.Fprintf(w, "upload: %d files may have been stored on %s although their uploads were interrupted (named above): read them back to know, or run again to upload them\n", n, name)
		}
	}
	if n := b.Failed - nLanded; n > 0 {
		fmt.Fprintf(w, "upload: %s stored nowhere (each is named above with its error)", were(n))
		if len(t.failures) > 0 {
			fmt.Fprintf(w, ", e.g. %s", strings.Join(t.failures[:min(3, len(t.failures))], ", "))
		}
		fmt.Fprintln(w)
	}
	t.writeHints(w)
}

// targetStory is one target's line: what went wrong there, what the
// breaker did, where the files went instead, what it stored. "" if
// nothing happened there.
func targetStory(ts targetSummary, set *targetSet) string {
	var trouble []string
	for _, label := range sortedKeys(ts.trouble) {
		trouble = append(trouble, fmt.Sprintf("%s ×%d", label, ts.trouble[label]))
	}
	if th := ts.Throttle; th != nil {
		s := fmt.Sprintf("throttled for %s", formatDuration(time.Duration(th.ThrottledMS)*time.Millisecond))
		if th.MinConcurrency > 0 {
			s += fmt.Sprintf(" (concurrency %d to %d", th.MinConcurrency, th.MaxConcurrency)
			if th.LastConcurrency > 0 {
				s += fmt.Sprintf(", %d at the end)", th.LastConcurrency)
			} else {
				s += ", unlimited again at the end)"
			}
		}
		trouble = append(trouble, s)
	}
	switch {
	case ts.BreakerOpens == 1:
		trouble = append(trouble, "breaker opened")
	case ts.BreakerOpens > 1:
		trouble = append(trouble, fmt.Sprintf("breaker opened ×%d", ts.BreakerOpens))
	}
	if n := ts.Attempts["circuit_open"]; n > 0 {
		trouble = append(trouble, fmt.Sprintf("%d uploads turned away while it was open", n))
	}
	if n := ts.CredentialsRefreshed; n > 0 {
		trouble = append(trouble, fmt.Sprintf("credentials refreshed ×%d after expired-token refusals", n))
	}
	if ts.SkewMS != nil && abs(*ts.SkewMS) >= 30_000 {
		d := time.Duration(*ts.SkewMS) * time.Millisecond
		s := fmt.Sprintf("its clock is %s %s ours", absDur(d).Round(time.Second), aheadBehind(d))
		if ts.SkewCorrected > 0 {
			s += fmt.Sprintf(" (signing time corrected on %d attempts", ts.SkewCorrected)
			if n := ts.refusedThenCorrected; n > 0 {
				s += fmt.Sprintf(", after %d refusals for clock skew", n)
			}
			s += ")"
		}
		trouble = append(trouble, s)
	}
	var went []string
	for _, dest := range sortedKeys(ts.FailedOverTo) {
		n := ts.FailedOverTo[dest]
		switch {
		case dest == "":
			went = append(went, fmt.Sprintf("%s stored nowhere", were(n)))
		case set.isBackup(dest):
			went = append(went, fmt.Sprintf("%s went to the local backup (%s)", files(n), dest))
		default:
			went = append(went, fmt.Sprintf("%s went to %s", files(n), dest))
		}
	}
	conc := ""
	if c := ts.Concurrency; c != nil && ts.Attempts["ok"]+len(ts.trouble) > 0 {
		conc = fmt.Sprintf(" (concurrency limit %d to %d, %d at the end; at most %d in flight)",
			c.MinLimit, c.MaxLimit, c.LastLimit, c.PeakInFlight)
	}
	if len(trouble) == 0 && len(went) == 0 {
		if ts.FilesStored == 0 {
			return ""
		}
		return fmt.Sprintf("%s: %s stored%s", ts.Name, files(ts.FilesStored), conc)
	}
	line := ts.Name + ": " + strings.Join(trouble, ", ")
	if len(trouble) == 0 {
		line = ts.Name + ": failed over"
	}
	if len(went) > 0 {
		line += "; " + strings.Join(went, ", ")
	}
	if ts.FilesStored > 0 {
		line += fmt.Sprintf("; %s stored here", files(ts.FilesStored))
	}
	return line + conc
}

// writeHints prints, for the first failure of each kind on each target,
// the error and its hints (uploader.Error.Explain): what to check.
func (t *tally) writeHints(w io.Writer) {
	t.mu.Lock()
	keys := append([]string(nil), t.errOrder...)
	t.mu.Unlock()
	for i, k := range keys {
		if i == 6 {
			fmt.Fprintf(w, "  (%d more kinds of failure: see the errors above or the --json report)\n", len(keys)-i)
			break
		}
		if i == 0 {
			fmt.Fprintln(w, "What to check (the first failure of each kind):")
		}
		for j, l := range strings.Split(strings.TrimRight(safeText(t.firstErr[k].Explain()), "\n"), "\n") {
			if j == 0 {
				fmt.Fprintf(w, "  - %s\n", l)
			} else {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
	}
}

// files is "1 file" or "N files"; are and were add the verb.
func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

func are(n int) string {
	if n == 1 {
		return "1 file is"
	}
	return fmt.Sprintf("%d files are", n)
}

func were(n int) string {
	if n == 1 {
		return "1 file was"
	}
	return fmt.Sprintf("%d files were", n)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func aheadBehind(d time.Duration) string {
	if d < 0 {
		return "behind"
	}
	return "ahead of"
}

// errText is the one-line error of a file for the report.
func errText(err error) string {
	if t := mayHaveLanded(err); t != "" {
		return fmt.Sprintf("interrupted after its bytes were sent: it may have been stored on %s nonetheless (read it back to know, or run again to upload it)", t)
	}
	if errors.Is(err, errInterrupted) {
		return "interrupted before it was stored (run again to upload it)"
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}

var errInterrupted = errors.New("interrupted")

// mayHaveLanded names the target where the upload that failed with err may
// nevertheless have been stored ([uploader.Error].MayHaveLanded), "" if none.
func mayHaveLanded(err error) string {
	if ue := uploader.AsError(err); ue != nil && ue.MayHaveLanded {
		if ue.Target == "" {
			return "its target"
		}
		return ue.Target
	}
	return ""
}

// storedCounts returns the files stored so far on each target.
func (t *tally) storedCounts() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[string]int, len(t.targets))
	for name, ts := range t.targets {
		m[name] = ts.FilesStored
	}
	return m
}
