package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/uploader"
)

const doctorIncompleteHelp = `  incomplete  (a warning) multipart uploads under --prefix (joined after a
              --to destination's path, as an upload joins it) that were started
              and never completed nor aborted (a run killed mid-upload
              leaves them): their parts are stored, and billed, until they
              are aborted. --abort-incomplete aborts those started more
              than --older-than ago (24h by default), so that the uploads
              of a run going on now are left alone; one that cannot be
              aborted is a FAIL. This check runs only when no check
              above failed.`

// incompleteFlags are doctor's flags for incomplete multipart uploads.
type incompleteFlags struct {
	prefix    string
	abort     bool
	olderThan time.Duration
	// config and to are the --config and --to given, repeated in the
	// suggested command.
	config string
	to     []string
	// path is the object path the --to destinations name ("" for none).
	path string
}

// under returns the key prefix to look under: --prefix, joined as a
// directory after the destinations' path when they name one (as an
// upload joins it), or that path as given.
func (f *incompleteFlags) under() string {
	switch {
	case f.path == "":
		return f.prefix
	case f.prefix == "":
		return f.path
	}
	return joinKey(f.path, f.prefix)
}

func (f *incompleteFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.prefix, "prefix", "", "look for incomplete multipart uploads of keys starting with `P`, joined after a --to destination's path (default: that path, or the whole bucket)")
	cmd.Flags().BoolVar(&f.abort, "abort-incomplete", false, "abort the incomplete multipart uploads under --prefix started more than --older-than ago")
	cmd.Flags().DurationVar(&f.olderThan, "older-than", 24*time.Hour, "with --abort-incomplete, abort only uploads started more than `D` ago")
}

func (f *incompleteFlags) check() error {
	if f.olderThan < 0 {
		return &usageError{fmt.Sprintf("--older-than %s: must not be negative", f.olderThan)}
	}
	return nil
}

// diagnoseIncomplete adds the incomplete check to the findings fs of
// target t: none if a check already failed (the listing would fail the
// same way) or the backend cannot list multipart uploads.
func (a *app) diagnoseIncomplete(ctx context.Context, cfg *config, t *targetConfig, df *doctorFlags, fs []finding) []finding {
	if t.Provider == "local" {
		return fs
	}
	for _, f := range fs {
		if f.Status == "fail" {
			return fs
		}
	}
	b, err := newBackend(t, cfg, overrides{})
	if err != nil {
		return fs
	}
	defer b.Close()
	lister, ok := b.(uploader.MultipartLister)
	if !ok {
		return fs
	}
	f := a.checkIncomplete(ctx, b, lister, t, df)
	f.Target = t.Name
	return append(fs, f)
}

func (a *app) checkIncomplete(ctx context.Context, b uploader.Backend, lister uploader.MultipartLister, t *targetConfig, df *doctorFlags) finding {
	where, prefix := "the bucket", df.inc.under()
	if prefix != "" {
		where = fmt.Sprintf("prefix %q", prefix)
	}
	lctx, cancel := context.WithTimeout(ctx, df.timeout)
	ups, err := lister.ListIncomplete(lctx, prefix)
	cancel()
	if err != nil {
		f := errFinding("incomplete", err)
		f.Status = "warn"
		f.Message = "could not list the incomplete multipart uploads: " + f.Message
		return f
	}
	if len(ups) == 0 {
		return finding{Finding: diag.Finding{Check: "incomplete", Status: "ok", Message: "no incomplete multipart uploads under " + where}}
	}
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].Initiated.Before(ups[j].Initiated) })
	now := a.now()
	oldest := ups[0]
	desc := fmt.Sprintf("%d incomplete multipart uploads under %s, the oldest (%s) started %s",
		len(ups), where, shown(oldest.Key), started(oldest.Initiated, now))
	if len(ups) == 1 {
		desc = fmt.Sprintf("1 incomplete multipart upload under %s (%s), started %s", where, shown(oldest.Key), started(oldest.Initiated, now))
	}
	if !df.inc.abort {
		cmd := "upload doctor"
		if df.inc.config != "" {
			cmd += " --config " + shellQuote(df.inc.config)
		}
		for _, d := range df.inc.to {
			cmd += " --to " + shellQuote(d)
		}
		cmd += " --target " + shellQuote(t.Name)
		if df.inc.prefix != "" {
			cmd += " --prefix " + shellQuote(df.inc.prefix)
		}
		cmd += " --abort-incomplete"
		return finding{Finding: diag.Finding{Check: "incomplete", Status: "warn", Message: desc + "; their parts are stored and billed until aborted", Remedy: cmd + " aborts those started more than 24h ago (--older-than D to change it)"}}
	}
	aborter, ok := b.(uploader.MultipartAborter)
	if !ok {
		return finding{Finding: diag.Finding{Check: "incomplete", Status: "fail", Message: desc + "; this backend cannot abort them"}}
	}
	aborted, kept := 0, 0
	var failed []string
	var firstErr error
	for _, u := range ups {
		if u.Initiated.IsZero() || now.Sub(u.Initiated) <= df.inc.olderThan {
			kept++
			continue
		}
		actx, cancel := context.WithTimeout(ctx, df.timeout)
		err := aborter.AbortIncomplete(actx, u.Key, u.UploadID)
		cancel()
		if err != nil {
			failed = append(failed, shown(u.Key))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		aborted++
	}
	msg := fmt.Sprintf("%s; aborted %d started more than %s ago", desc, aborted, formatDuration(df.inc.olderThan))
	if kept > 0 {
		msg += fmt.Sprintf(", kept %d younger (a run may be using them)", kept)
	}
	switch {
	case firstErr != nil:
		f := errFinding("incomplete", firstErr)
		f.Message = fmt.Sprintf("%s; %d could not be aborted (%s): %s", msg, len(failed), strings.Join(failed, ", "), f.Message)
		return f
	case kept > 0:
		return finding{Finding: diag.Finding{Check: "incomplete", Status: "warn", Message: msg, Remedy: "run it again later, or with a shorter --older-than once no run is going on"}}
	}
	return finding{Finding: diag.Finding{Check: "incomplete", Status: "ok", Message: msg}}
}

// started says when an upload was started: "at T (D ago)".
func started(at, now time.Time) string {
	if at.IsZero() {
		return "at a time the server does not say"
	}
	ago := now.Sub(at)
	if ago < 0 {
		// The server's clock is ahead of ours (see the clock check).
		return fmt.Sprintf("at %s (just now by our clock)", at.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("at %s (%s ago)", at.UTC().Format(time.RFC3339), formatDuration(ago))
}
