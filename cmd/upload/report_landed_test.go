package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// finishOne runs batch.finish for one failed file, as batch.one does,
// and returns the --json line and what was written for standard error.
func finishOne(t *testing.T, jsonMode bool, err error, res uploader.Result) (line map[string]any, stderr string) {
	t.Helper()
	var errOut, out bytes.Buffer
	set := &targetSet{descs: []uploader.Description{{Name: "tos-main", Provider: "tos"}, {Name: "oss-spare", Provider: "oss"}},
		backends: make([]uploader.Backend, 2), clouds: 2}
	b := &batch{a: &app{stderr: &errOut, stdout: &out}, f: &uploadFlags{}, set: set, tally: newTally(set),
		meter: &meter{}, disp: nopDisplay{w: &errOut}}
	if jsonMode {
		b.json = &jsonWriter{w: &out}
	}
	r := &fileReport{Path: "photos/a.jpg", Key: "photos/a.jpg", Size: 4, Attempts: attemptsReport(res.Attempts)}
	b.finish(r, res, err, false, nil)
	humanSummary(&errOut, b.tally.finish(set, 0), b.tally, set)
	if jsonMode {
		if err := json.Unmarshal(out.Bytes(), &line); err != nil {
			t.Fatalf("the --json line %q: %v", out.String(), err)
		}
	}
	return line, errOut.String()
}

// TestInterruptedUploadThatMayHaveLanded: a canceled upload whose error
// has MayHaveLanded says, in the --json line and on standard error, that
// the file may have been stored on its target, and is not counted among
// the files stored nowhere; one without it keeps saying it was not stored.
func TestInterruptedUploadThatMayHaveLanded(t *testing.T) {
	ue := &uploader.Error{Target: "tos-main", Provider: "tos", Op: "put", Key: "photos/a.jpg", Kind: uploader.Canceled,
		Message: "context canceled", MayHaveLanded: true, Err: context.Canceled}
	res := uploader.Result{Attempts: []uploader.Attempt{{Target: "tos-main", Provider: "tos", Kind: uploader.Canceled, Err: ue}}}
	const want = "may have been stored on tos-main"

	line, _ := finishOne(t, true, interrupted(ue), res)
	msg := errorMessage(line)
	if line["status"] != statusFailed || !strings.Contains(msg, want) || line["may_have_landed"] != "tos-main" {
		t.Errorf("--json line: status %v, error %q, may_have_landed %v; want failed, %q, tos-main", line["status"], msg, line["may_have_landed"], want)
	}
	if strings.Contains(msg, "before it was stored") {
		t.Errorf("--json error %q says it was not stored", msg)
	}
	_, stderr := finishOne(t, false, interrupted(ue), res)
	if !strings.Contains(stderr, "photos/a.jpg: interrupted") || !strings.Contains(stderr, want) {
		t.Errorf("standard error does not say %q:\n%s", want, stderr)
	}
	if strings.Contains(stderr, "stored nowhere") || strings.Contains(stderr, "before it was stored") {
		t.Errorf("standard error says the file was not stored:\n%s", stderr)
	}

	// Without MayHaveLanded, nothing of the upload is under the key.
	ue2 := *ue
	ue2.MayHaveLanded = false
	res.Attempts[0].Err = &ue2
	line, _ = finishOne(t, true, interrupted(&ue2), res)
	msg = errorMessage(line)
	if !strings.Contains(msg, "before it was stored") || strings.Contains(msg, "may have been stored") {
		t.Errorf("--json error without MayHaveLanded: %q", msg)
	}
	if _, ok := line["may_have_landed"]; ok {
		t.Errorf("--json line without MayHaveLanded has may_have_landed: %v", line)
	}
	if _, stderr = finishOne(t, false, interrupted(&ue2), res); !strings.Contains(stderr, "1 file was stored nowhere") {
		t.Errorf("standard error without MayHaveLanded:\n%s", stderr)
	}
}

// errorMessage is the message of a --json line's error object, "" if none.
func errorMessage(line map[string]any) string {
	e, _ := line["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}
