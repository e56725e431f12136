package main

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
)

// reportWriter is standard output when it may be a pipe whose reader goes
// away (upload ... | head -1). The process ignores SIGPIPE (see realMain),
// so such a write fails with EPIPE; from then on the report is dropped
// (its reader is gone) while the uploads, drains and the --state journal go
// on, and one note says so on standard error. The exit status stays that
// of the files. Other write errors are returned as they are.
type reportWriter struct {
	w    io.Writer
	note io.Writer

	mu     sync.Mutex
	closed bool
}

func (r *reportWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return len(p), nil
	}
	n, err := r.w.Write(p)
	if err != nil && errors.Is(err, syscall.EPIPE) {
		r.closed = true
		fmt.Fprintln(r.note, "upload: standard output was closed (its reader went away): the report stops here; the files are still uploaded, recorded in --state, and counted in the exit status")
		return len(p), nil
	}
	return n, err
}
