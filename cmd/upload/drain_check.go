package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/uploader"
)

// checkReport is one line of upload drain --check --json: a copy and what
// is wrong with it ("" when intact).
type checkReport struct {
	Path   string `json:"path"`
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	Status string `json:"status"` // "intact" or "damaged"
	// Error is what is wrong with a damaged copy, as a failed upload's
	// (kind integrity, or what reading the copy met); null when intact.
	Error *errorReport `json:"error"`
}

type checkSummary struct {
	Summary checkBody `json:"summary"`
}

type checkBody struct {
	Copies   int `json:"copies"`
	Intact   int `json:"intact"`
	Damaged  int `json:"damaged"`
	ExitCode int `json:"exit_code"`
}

// runDrainCheck is upload drain --check: every copy in the backup is read
// and checked against its record (size, SHA-256, MD5); nothing is sent,
// removed or changed. Exit 1 if any copy is damaged.
func (a *app) runDrainCheck(ctx context.Context, common commonFlags) error {
	cfg, err := a.loadConfig(common.config)
	if err != nil {
		return err
	}
	set, err := buildTargets(cfg, overrides{}, failoverOptions(cfg))
	if err != nil {
		return err
	}
	defer set.close()
	if set.backup == nil {
		return &configError{[]string{cfg.Source + ": nothing to check: the configuration has no local backup (a local target, or backup: DIR)"}}
	}
	list, err := set.backup.List(ctx)
	if err != nil {
		fmt.Fprintf(a.stderr, "upload drain: reading the backup %s: %s\n", shown(set.backup.Dir()), safeText(err.Error()))
		return &exitError{exitFailed}
	}
	var jw *jsonWriter
	if common.json {
		jw = &jsonWriter{w: a.stdout}
	}
	var body checkBody
	interrupted := false
	for _, s := range list {
		if ctx.Err() != nil {
			interrupted = true
			break
		}
		select {
		case <-a.signals:
			interrupted = true
		default:
		}
		if interrupted {
			break
		}
		body.Copies++
		r := &checkReport{Path: fileURLPath(s.URL), Key: s.Key, Size: s.Size, Status: "intact"}
		if err := verifyCopy(set.backup, s); err != nil {
			body.Damaged++
			r.Status = "damaged"
			r.Error = newErrorReport(err, nil)
			fmt.Fprintf(a.stderr, "upload drain: damaged: %s: %s\n", copyName(s.Key, r.Path), safeText(r.Error.Message))
		} else {
			body.Intact++
		}
		if jw != nil {
			jw.write(r)
		}
	}
	code := exitCode(interrupted, body.Damaged, 0)
	body.ExitCode = code
	if jw != nil {
		jw.write(checkSummary{Summary: body})
	}
	if !common.quiet {
		fmt.Fprintf(a.stderr, "upload drain --check: the backup %s holds %d copies: %d intact, %d damaged (nothing was changed)\n",
			shown(set.backup.Dir()), body.Copies, body.Intact, body.Damaged)
		if interrupted {
			fmt.Fprintln(a.stderr, "upload drain --check: interrupted before every copy was checked")
		}
	}
	if code != exitOK {
		return &exitError{code}
	}
	return nil
}

// verifyCopy reads the copy s through the backup, which checks its size
// and SHA-256, and checks its MD5 against the record.
func verifyCopy(sp uploader.Spool, s uploader.Spooled) error {
	if s.Damaged != nil {
		return s.Damaged
	}
	obj, err := sp.Object(s)
	if err != nil {
		return err
	}
	r, body, err := obj.Reader()
	if err != nil {
		return err
	}
	defer body.Close()
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); s.MD5 != "" && !strings.EqualFold(got, s.MD5) {
		return &uploader.Error{Kind: uploader.Integrity, Op: "check", Key: s.Key,
			Message: fmt.Sprintf("the copy %s has MD5 %s; its record says %s", fileURLPath(s.URL), got, s.MD5)}
	}
	return nil
}

// checkCopies is doctor's look at what a local target holds: the copies
// listed, and those damaged (from their records; drain --check reads the
// bytes too).
func checkCopies(ctx context.Context, target string, sp uploader.Spool) finding {
	list, err := sp.List(ctx)
	if err != nil {
		return finding{Target: target, Finding: diag.Finding{Check: "copies", Status: "fail", Message: "listing the copies: " + oneLineErr(err)}}
	}
	var damaged []string
	for _, s := range list {
		if s.Damaged != nil {
			damaged = append(damaged, copyName(s.Key, fileURLPath(s.URL)))
		}
	}
	if len(damaged) == 0 {
		return finding{Target: target, Finding: diag.Finding{Check: "copies", Status: "ok", Message: fmt.Sprintf("%d copies held, none damaged by its record", len(list))}}
	}
	return finding{Target: target, Finding: diag.Finding{Check: "copies", Status: "warn", Message: fmt.Sprintf("%d of %d copies are damaged: %s", len(damaged), len(list), listSome(damaged)), Remedy: "upload drain --check names each with what is wrong; look at them, then restore or delete them"}}
}
