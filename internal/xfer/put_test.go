package xfer

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

func TestTallyRewindsWhatWasReported(t *testing.T) {
	var mu sync.Mutex
	var reported []int64
	tally := NewTally(func(d int64) { mu.Lock(); reported = append(reported, d); mu.Unlock() })
	fn := tally.Func()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { fn(10); fn(-3) })
	}
	wg.Wait()
	tally.Rewind()
	var sum int64
	for _, d := range reported {
		sum += d
	}
	if sum != 0 || reported[len(reported)-1] != -28 {
		t.Errorf("reported %v: sum %d, want 0 after a rewind of -28", reported, sum)
	}
	tally.Rewind() // nothing left to take back
	if len(reported) != 9 {
		t.Errorf("a second rewind reported again: %v", reported)
	}
	if NewTally(nil).Func() != nil {
		t.Error("Func without a report function is not nil")
	}
	NewTally(nil).Rewind() // must not panic
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestSourceHidesSeekAndRemembersReadErrors(t *testing.T) {
	src := NewSource(strings.NewReader("abc"))
	if _, ok := io.Reader(src).(io.Seeker); ok {
		t.Error("Source has a Seek method")
	}
	if b, err := io.ReadAll(src); string(b) != "abc" || err != nil || src.ReadErr() != nil {
		t.Errorf("read %q, %v; ReadErr %v", b, err, src.ReadErr())
	}
	disk := errors.New("disk on fire")
	bad := NewSource(io.MultiReader(strings.NewReader("ab"), failingReader{disk}))
	if _, err := io.ReadAll(bad); !errors.Is(err, disk) || !errors.Is(bad.ReadErr(), disk) {
		t.Errorf("read error %v, ReadErr %v", err, bad.ReadErr())
	}
	var none *Source
	if none.ReadErr() != nil {
		t.Error("a nil Source has a read error")
	}
}

func TestIsMD5Hex(t *testing.T) {
	for etag, want := range map[string]bool{
		"5eb63bbbe01eeed093cb22bb8f5acdc3":   true,
		"5EB63BBBE01EEED093CB22BB8F5ACDC3":   true,
		"5eb63bbbe01eeed093cb22bb8f5acdc":    false,
		"5eb63bbbe01eeed093cb22bb8f5acdc3-2": false,
		"5eb63bbbe01eeed093cb22bb8f5acdcg":   false,
		`"5eb63bbbe01eeed093cb22bb8f5acd"`:   false,
		"":                                   false,
	} {
		if IsMD5Hex(etag) != want {
			t.Errorf("IsMD5Hex(%q) = %v", etag, !want)
		}
	}
}

// abortFails fails its part and its abort.
type abortFails struct{ fakeSession }

func (s *abortFails) Abort(context.Context) error { return errors.New("403 AccessDenied") }

func TestWithAbortNote(t *testing.T) {
	part := &uploader.Error{Kind: uploader.Unavailable, Op: "upload_part", Message: "part 1 failed"}
	s := &abortFails{fakeSession: *newSession()}
	s.failPart, s.failErr = 1, part
	_, err := Upload(context.Background(), strings.NewReader("hello"), 5, s, Options{PartSize: MinPartSize})
	e := WithAbortNote(uploader.AsError(err), err)
	if e != part || !strings.HasPrefix(e.Message, "part 1 failed; aborting the multipart upload also failed") || !strings.Contains(e.Message, "403 AccessDenied") {
		t.Fatalf("message %q", e.Message)
	}
	if again := WithAbortNote(e, err).Message; again != e.Message {
		t.Errorf("noted twice: %q", again)
	}
	alone := &uploader.Error{Kind: uploader.Unavailable, Message: "alone"}
	if WithAbortNote(alone, alone).Message != "alone" {
		t.Error("an error without an abort failure changed")
	}
}

func TestFinishAttempts(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(3 * time.Second)
	fail := &uploader.Error{Kind: uploader.Integrity, Message: "ETag differs"}

	as := FinishAttempts("t", "s3", nil, start, end, fail)
	if len(as) != 1 || as[0].Kind != uploader.Integrity || as[0].Elapsed != 3*time.Second || as[0].Target != "t" || as[0].Provider != "s3" {
		t.Fatalf("no attempts: %+v", as)
	}

	refused := uploader.NewAttempt("t", "s3", start, start.Add(time.Second), &uploader.Error{Kind: uploader.ClockSkew, Skew: time.Hour})
	ok := uploader.Attempt{Target: "t", Provider: "s3", Start: start.Add(time.Second), Elapsed: time.Second, Skew: time.Hour, SkewCorrected: true}
	as = FinishAttempts("t", "s3", []uploader.Attempt{refused, ok}, start, end, fail)
	last := as[1]
	if len(as) != 2 || as[0].Kind != uploader.ClockSkew || last.Kind != uploader.Integrity || last.Err != error(fail) ||
		!last.SkewCorrected || last.Skew != time.Hour || last.Elapsed != 2*time.Second {
		t.Errorf("attempts %+v", as)
	}
	as = FinishAttempts("t", "s3", []uploader.Attempt{{Target: "t", Start: start, SkewCorrected: true}}, start, end, nil)
	if as[0].Err != nil || as[0].Kind != uploader.OK || as[0].Elapsed != 3*time.Second || !as[0].SkewCorrected {
		t.Errorf("success: %+v", as[0])
	}
}
