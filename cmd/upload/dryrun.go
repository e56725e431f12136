package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// planned records a file that --dry-run would upload: status
// would_upload, on the first target in failover order (where it goes
// unless that target fails).
func (b *batch) planned(r *fileReport, obj uploader.Object, fp *fileProgress) {
	r.Status = statusWouldUpload
	if len(b.set.descs) > 0 {
		r.Target, r.Provider = b.set.descs[0].Name, b.set.descs[0].Provider
	}
	if obj.MD5 != nil {
		r.MD5 = hex.EncodeToString(obj.MD5)
	}
	b.finish(r, uploader.Result{}, nil, false, fp)
}

// plannedLine is the standard-output line of a would-be upload:
// "PATH -> TARGET KEY SIZE", the size in bytes.
func plannedLine(r *fileReport) string {
	return fmt.Sprintf("%s -> %s %s %d\n", shown(r.Path), r.Target, shown(r.Key), r.Size)
}

// openJournalCopy opens a private copy of the --state journal at path, so
// that a dry run reads what is stored without creating, locking, repairing
// or appending to the file. A missing file gives a nil journal. info is
// the journal file itself (the walk skips it), cleanup removes the copy.
func openJournalCopy(path string, now time.Time) (j *journal, info os.FileInfo, cleanup func(), err error) {
	nothing := func() {}
	src, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nothing, nil
	}
	if err != nil {
		return nil, nil, nothing, fmt.Errorf("--state %s: %v", path, plainErr(err))
	}
	defer src.Close()
	if info, err = src.Stat(); err != nil {
		return nil, nil, nothing, fmt.Errorf("--state %s: %v", path, plainErr(err))
	}
	tmp, err := os.CreateTemp("", "upload-dry-run-state-*")
	if err != nil {
		return nil, nil, nothing, fmt.Errorf("--state %s: copying it for the dry run: %v", path, plainErr(err))
	}
	remove := func() { os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return nil, nil, nothing, fmt.Errorf("--state %s: copying it for the dry run: %v", path, plainErr(err))
	}
	if j, err = openJournal(tmp.Name(), now); err != nil {
		remove()
		return nil, nil, nothing, fmt.Errorf("--state %s: %v", path, err)
	}
	j.path = path
	return j, info, remove, nil
}
