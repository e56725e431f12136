package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// TestJournalMultipart: the ID of a multipart upload is on disk when
// Started returns (before any part is sent), a reopened journal hands it
// back for that key and target, and an "ended" line or the file's record
// once stored closes it. The lines carry no "key", so that an older
// reader never takes them for stored files.
func TestJournalMultipart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "st")
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	j, err := openJournal(path, now())
	must(t, err)
	r := j.resumer("big", 30<<20, 1234, now)
	r.Started("tos", "up-1", 5<<20)
	onDisk, err := os.ReadFile(path)
	must(t, err)
	if !strings.Contains(string(onDisk), `"upload_id":"up-1"`) {
		t.Fatalf("Started returned before its line was written:\n%s", onDisk)
	}
	r.PartDone("tos", "up-1", uploader.Part{Number: 1, Size: 5 << 20, ETag: "e1", Elapsed: 1500 * time.Millisecond})
	j.resumer("other", 30<<20, 1, now).Started("tos", "up-2", 5<<20)
	j.resumer("done", 30<<20, 1, now).Started("tos", "up-3", 5<<20)
	j.resumer("done", 30<<20, 1, now).Ended("tos", "up-3")
	must(t, j.close())

	j, err = openJournal(path, now())
	must(t, err)
	if got := j.resumer("big", 30<<20, 1234, now).UploadID("tos"); got != "up-1" {
		t.Errorf("reopened: UploadID(big, tos) = %q, want up-1", got)
	}
	if got := j.resumer("big", 30<<20, 1234, now).UploadID("oss"); got != "" {
		t.Errorf("UploadID(big, oss) = %q, want none", got)
	}
	if got := j.resumer("done", 30<<20, 1, now).UploadID("tos"); got != "" {
		t.Errorf("an ended upload is handed back: %q", got)
	}
	if j.ignored != 0 {
		t.Errorf("%d lines ignored", j.ignored)
	}
	j.add(stateRecord{Key: "other", Size: 30 << 20, MD5: "x", Target: "tos"})
	must(t, j.close())

	j, err = openJournal(path, now())
	must(t, err)
	defer j.close()
	if got := j.resumer("other", 30<<20, 1, now).UploadID("tos"); got != "" {
		t.Errorf("the file's record did not replace its multipart lines: %q", got)
	}
	if got := j.resumer("big", 30<<20, 1234, now).UploadID("tos"); got != "up-1" {
		t.Errorf("UploadID(big, tos) = %q after another file's record, want up-1", got)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		var m map[string]any
		must(t, json.Unmarshal([]byte(line), &m))
		if _, ok := m["multipart"]; ok {
			if _, hasKey := m["key"]; hasKey {
				t.Errorf("a multipart line has a key: %s", line)
			}
		}
		if p, ok := m["part"].(map[string]any); ok && p["elapsed_ms"] != 1500.0 {
			t.Errorf("part line %s: elapsed_ms %v, want 1500", line, p["elapsed_ms"])
		}
	}
}
