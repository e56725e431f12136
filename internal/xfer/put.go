package xfer

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Tally reports a Put's progress to a function and keeps the sum, so that a
// failed Put can take back everything it reported. It is safe for
// concurrent use (the parts of a multipart upload).
type Tally struct {
	report func(int64)
	n      atomic.Int64
}

// NewTally returns a Tally reporting to report, which may be nil.
func NewTally(report func(int64)) *Tally { return &Tally{report: report} }

// Func returns the function to give [Counting]: it reports each change and
// adds it to the sum. It is nil when there is no report function.
func (t *Tally) Func() func(int64) {
	if t.report == nil {
		return nil
	}
	return func(d int64) {
		t.n.Add(d)
		t.report(d)
	}
}

// Rewind reports the sum so far as negative progress and starts it again
// from zero.
func (t *Tally) Rewind() {
	if t.report == nil {
		return
	}
	if n := t.n.Swap(0); n != 0 {
		t.report(-n)
	}
}

// Source is a request body handed to an SDK. It hides the Seek method of
// the reader it wraps, so that the SDK never takes the body for one it may
// resend, and it remembers a failed read: that is the caller's source
// failing, not the network, whatever error the SDK makes of it.
type Source struct {
	r   io.Reader
	mu  sync.Mutex
	err error
}

// NewSource returns a Source reading r.
func NewSource(r io.Reader) *Source { return &Source{r: r} }

// Read reads from the wrapped reader and remembers an error other than
// io.EOF.
func (s *Source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
	return n, err
}

// ReadErr returns the error of the last failed read, nil if none failed or
// s is nil.
func (s *Source) ReadErr() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// IsMD5Hex reports whether etag looks like the hex MD5 that is the ETag of
// a single PUT without server-side encryption by KMS: 32 hex digits, quoted
// or not (see [uploader.PlainMD5]).
func IsMD5Hex(etag string) bool { return uploader.PlainMD5(etag) != "" }

// WithAbortNote adds to e, the classified failure of a multipart upload,
// what else err, the error [Upload] returned for it, says: that aborting
// the upload failed too (joined to the failure), so parts may remain.
func WithAbortNote(e *uploader.Error, err error) *uploader.Error {
	// lint:errcompare the same error value: nothing was joined to e
	if err == error(e) {
		return e
	}
	if _, rest, ok := strings.Cut(err.Error(), "\n"); ok && rest != "" && !strings.Contains(e.Message, rest) {
		e.Message += "; " + rest
	}
	return e
}

// FinishAttempts makes the last of attempts describe the whole Put, which
// ran from start to end: its end and, on failure, err (a Put that failed
// after its signed requests succeeded, in verification, still reports the
// last request's attempt, its skew correction and skew kept). With no
// attempts it records one of target (of provider) over the whole Put.
func FinishAttempts(target, provider string, attempts []uploader.Attempt, start, end time.Time, err *uploader.Error) []uploader.Attempt {
	var e error
	if err != nil {
		e = err
	}
	if len(attempts) == 0 {
		return []uploader.Attempt{uploader.NewAttempt(target, provider, start, end, e)}
	}
	last := &attempts[len(attempts)-1]
	corrected, skew, refreshed := last.SkewCorrected, last.Skew, last.CredentialsRefreshed
	status, requestID := last.Status, last.RequestID
	*last = uploader.NewAttempt(target, provider, last.Start, end, e)
	last.SkewCorrected, last.CredentialsRefreshed = corrected, refreshed
	if e == nil {
		// A success keeps the reply's status and request ID, where the
		// backend recorded them.
		last.Status, last.RequestID = status, requestID
	}
	if last.Skew == 0 {
		last.Skew = skew
	}
	return attempts
}

// FailLast records err, a failure found after the last of attempts
// succeeded at the HTTP level (in verification), on that attempt, keeping
// its span, skew and corrections (see [FinishAttempts]). With no attempts
// it returns attempts as they are.
func FailLast(target, provider string, attempts []uploader.Attempt, err *uploader.Error) []uploader.Attempt {
	if len(attempts) == 0 {
		return attempts
	}
	last := attempts[len(attempts)-1]
	return FinishAttempts(target, provider, attempts, last.Start, last.Start.Add(last.Elapsed), err)
}
