package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

const drainHelp = `upload drain moves the files held in the local backup to the cloud targets of
the configuration: each copy goes to the first cloud target that takes it,
through the same breakers, retries and failover order as an upload (never
back to the backup). A copy is verified before it is sent, what the cloud
stored is verified after, and only then is the copy removed; a newer object
already in the cloud under the same key is not overwritten (the copy is
"superseded"). Drain is safe to interrupt and to run again: it finishes the
work. The configuration must have a local target (or backup: DIR) and a
cloud target.

A damaged copy (a record that is not JSON, does not match its name or is
not the user's own file, a data file missing or of the wrong size, bytes
that do not match the recorded SHA-256) is never sent and never removed:
it is named, with its file and what is wrong, and left for a person to look
at. upload drain --check reads every copy and names the damaged ones,
changing nothing (it needs no cloud target).

Output: progress on standard error as for upload; without --json a summary
that tells what happened on each target; with --json one object per copy
on standard output, {"path" (the copy in the backup), "key", "size",
"status": "drained"|"already_stored"|"superseded"|"failed"|"gone"|"skipped",
"target", "provider", "url", "etag", "md5", "attempts", "error"}, then
{"summary": {...}} (with "damaged" and "not_removed" counts). With --check
--json: {"path", "key", "size", "status": "intact"|"damaged", "error": null
or {"kind", "code", "status", "message", "request_id", "hints"}} per copy,
then {"summary": {"copies", "intact", "damaged", "exit_code"}}.

Exit status:
  0    every copy is on a cloud target now (the backup is empty of them);
       with --check: every copy is intact
  3    some copies stay in the backup (a cloud refused them, or the drain was
       stopped early): nothing is lost; run upload drain again later
  1    some copies cannot be drained: they are damaged or refused as invalid
       (each is named, and left in place), or a copy stored on a cloud could
       not be removed from the backup; with --check: some copy is damaged
  2    usage or configuration error
  130  interrupted: the copies not drained stay in the backup`

// drainFlags are the flags of upload drain.
type drainFlags struct {
	jobs        int
	maxFailures int
	check       bool
}

func (a *app) drainCommand(ctx context.Context, common *commonFlags) *cobra.Command {
	df := &drainFlags{}
	cmd := &cobra.Command{
		Use:   "drain [flags]",
		Short: "Move the files held in the local backup to the cloud targets",
		Long:  drainHelp + "\n\n" + configHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if df.check {
				return a.runDrainCheck(ctx, *common)
			}
			return a.runDrain(ctx, *common, df)
		},
	}
	cmd.Flags().BoolVar(&df.check, "check", false, "verify every copy in the backup (record, size, SHA-256) and name the damaged ones; change nothing, send nothing")
	cmd.Flags().IntVar(&df.jobs, "jobs", 2, "drain `N` copies at once")
	cmd.Flags().IntVar(&df.maxFailures, "max-failures", 0, "stop starting copies after `N` failures (0: no limit)")
	return cmd
}

// drainSummary is the last line of drain's --json report.
type drainSummary struct {
	Summary drainBody `json:"summary"`
}

type drainBody struct {
	Files         int `json:"files"`
	Drained       int `json:"drained"`
	AlreadyStored int `json:"already_stored"`
	Superseded    int `json:"superseded"`
	Failed        int `json:"failed"`
	Gone          int `json:"gone"`
	Skipped       int `json:"skipped"`
	// Damaged counts the failed copies that cannot be drained as they are
	// (damaged, or refused as invalid); NotRemoved the copies stored on a
	// cloud that could not then be removed from the backup.
	Damaged     int             `json:"damaged"`
	NotRemoved  int             `json:"not_removed"`
	Remaining   int             `json:"remaining"`
	Bytes       int64           `json:"bytes"`
	DurationMS  int64           `json:"duration_ms"`
	Interrupted bool            `json:"interrupted"`
	ExitCode    int             `json:"exit_code"`
	Targets     []targetSummary `json:"targets"`
}

func (a *app) runDrain(ctx context.Context, common commonFlags, df *drainFlags) error {
	if err := common.checkProgress(); err != nil {
		return err
	}
	if df.jobs < 1 {
		return &usageError{fmt.Sprintf("--jobs %d: at least 1", df.jobs)}
	}
	cfg, err := a.loadConfig(common.config)
	if err != nil {
		return err
	}
	m := &meter{start: a.now()}
	sizes := map[string]int64{}
	var sizesMu sync.Mutex
	opts := failoverOptions(cfg)
	opts.OnEvent = func(ev failover.Event) {
		if ev.Type != failover.EventDrain {
			return
		}
		m.filesDone.Add(1)
		if ev.Outcome == failover.DrainFailed {
			m.failed.Add(1)
		}
		sizesMu.Lock()
		m.bytesDone.Add(sizes[ev.Key])
		sizesMu.Unlock()
	}
	set, err := buildTargets(cfg, overrides{}, opts)
	if err != nil {
		return err
	}
	defer set.close()
	if set.backup == nil {
		return &configError{[]string{cfg.Source + ": nothing to drain: the configuration has no local backup (a local target, or backup: DIR)"}}
	}
	if set.clouds == 0 {
		return &configError{[]string{cfg.Source + ": no cloud target to drain the local backup to"}}
	}
	list, err := set.backup.List(ctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "upload drain: reading the backup %s: %s\n", shown(set.backup.Dir()), safeText(err.Error()))
		return &exitError{exitFailed}
	}
	byID := map[string]uploader.Spooled{}
	for _, s := range list {
		byID[s.ID] = s
		sizes[s.Key] = s.Size
		m.filesTotal.Add(1)
		m.bytesTotal.Add(s.Size)
	}
	names := make([]string, 0, len(set.descs))
	for _, d := range set.descs {
		names = append(names, d.Name)
	}
	t := newTally(set)
	states := func() []targetState {
		var out []targetState
		for _, d := range set.descs {
			st := "local backup"
			if !set.isBackup(d.Name) {
				s, _ := set.fo.TargetState(d.Name)
				st = breakerText(s)
			}
			out = append(out, targetState{Name: d.Name, State: st})
		}
		return out
	}
	disp := a.newDisplay(common, m, "drain", names, states)

	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watch := a.watchInterrupts(ctx, func() {
		fmt.Fprintln(disp.Writer(), "upload drain: interrupted: stopping; copies not drained stay in the backup")
		cancel()
	}, nil)
	rep, _ := set.fo.Drain(dctx, failover.DrainOptions{Concurrency: df.jobs, MaxFailures: df.maxFailures})
	interrupted := watch.stop()
	disp.Stop()

	var jw *jsonWriter
	if common.json {
		jw = &jsonWriter{w: a.stdout}
	}
	body := drainBody{Files: len(rep.Items), DurationMS: a.now().Sub(m.start).Milliseconds()}
	damaged := 0
	var damagedNames, notRemovedNames []string
	for _, it := range rep.Items {
		s := byID[it.ID]
		where := it.URL
		if where == "" {
			where = s.URL
		}
		r := &fileReport{Path: fileURLPath(where), Key: it.Key, Size: it.Size, Status: it.Outcome.String(),
			Target: it.Target, Provider: it.Provider, MD5: s.MD5, Attempts: attemptsReport(it.Attempts)}
		switch it.Outcome {
		case failover.DrainStored:
			body.Drained++
			body.Bytes += it.Size
		case failover.DrainAlreadyStored:
			body.AlreadyStored++
		case failover.DrainSuperseded:
			body.Superseded++
		case failover.DrainFailed:
			body.Failed++
			if k := uploader.KindOf(it.Err); k == uploader.Integrity || k == uploader.Invalid {
				damaged++
				damagedNames = append(damagedNames, copyName(it.Key, r.Path))
			}
		case failover.DrainGone:
			body.Gone++
		case failover.DrainSkipped:
			body.Skipped++
		}
		if it.Err != nil {
			r.Error = newErrorReport(it.Err, nil)
			r.MayHaveLanded = mayHaveLanded(it.Err)
			switch it.Outcome {
			case failover.DrainFailed:
				fmt.Fprintf(a.stderr, "upload drain: %s: %s\n", copyName(it.Key, r.Path), safeText(r.Error.Message))
			case failover.DrainStored, failover.DrainAlreadyStored, failover.DrainSuperseded:
				// On a cloud now, but still in the backup: the removal
				// failed.
				body.NotRemoved++
				notRemovedNames = append(notRemovedNames, copyName(it.Key, r.Path))
				fmt.Fprintf(a.stderr, "upload drain: %s: stored on %s, but not removed from the backup: %s\n", copyName(it.Key, r.Path), it.Target, safeText(r.Error.Message))
			}
		}
		t.add(r, uploader.Result{Target: it.Target, Attempts: it.Attempts}, it.Err, false)
		if jw != nil {
			jw.write(r)
		}
	}
	body.Remaining = body.Failed + body.Skipped
	body.Damaged = damaged
	sb := t.finish(set, a.now().Sub(m.start))
	body.Targets = sb.Targets
	body.Interrupted = interrupted
	code := exitCode(body.Interrupted, damaged+body.NotRemoved, body.Remaining)
	body.ExitCode = code
	if jw != nil {
		jw.write(drainSummary{Summary: body})
	}
	if !common.quiet {
		w := a.stderr
		fmt.Fprintf(w, "upload drain: %d copies in the backup: %d drained to the clouds, %d already there, %d superseded by newer objects, %d failed, %d gone, %d not tried (%s in %s)\n",
			body.Files, body.Drained, body.AlreadyStored, body.Superseded, body.Failed, body.Gone, body.Skipped,
			formatBytes(body.Bytes), formatDuration(a.now().Sub(m.start)))
		for _, ts := range body.Targets {
			if line := targetStory(ts, set); line != "" {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
		if n := body.Remaining - damaged; n > 0 {
			fmt.Fprintf(w, "upload drain: %d copies stay in the local backup %s (nothing is lost); run upload drain again later\n", n, shown(set.backup.Dir()))
		}
		if damaged > 0 {
			fmt.Fprintf(w, "upload drain: %d damaged copies were left in the backup %s, and cannot be drained as they are: %s; look at each (upload drain --check lists them), then restore or delete it\n",
				damaged, shown(set.backup.Dir()), listSome(damagedNames))
		}
		if body.NotRemoved > 0 {
			fmt.Fprintf(w, "upload drain: %d copies were stored on the clouds but could not be removed from the backup %s: %s; fix the backup's permissions and run upload drain again (it finds them stored and removes them)\n",
				body.NotRemoved, shown(set.backup.Dir()), listSome(notRemovedNames))
		}
		t.writeHints(w)
	}
	if code != exitOK {
		return &exitError{code}
	}
	return nil
}

// copyName names a copy of the backup for humans: its key (quoted if need
// be) and its file, or the file alone when the key could not be read.
func copyName(key, path string) string {
	if key == "" {
		return "a copy whose key cannot be read (" + shown(path) + ")"
	}
	return shown(key) + " (" + shown(path) + ")"
}

// listSome joins up to 3 names, saying how many more there are.
func listSome(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more (named above)", strings.Join(names[:3], ", "), len(names)-3)
}

// fileURLPath returns the path of a file:// URL, or the URL itself.
func fileURLPath(u string) string {
	if strings.HasPrefix(u, "file://") {
		if p, err := url.Parse(u); err == nil {
			return p.Path
		}
	}
	return u
}
