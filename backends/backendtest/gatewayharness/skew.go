package gatewayharness

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// SkewTolerance is how far a measured skew may be from the gateway's
// offset for [Near]. The Date header has one-second resolution and the
// estimate takes the midpoint of the round trip, so it is off by up to
// half a second plus half the round trip, which on a busy machine can be
// seconds. The tests offset clocks by 31 minutes; a minute tells that
// skew from none (or from the opposite one) however slow the machine is,
// and the estimate's precision is tested with fake times in package skew.
const SkewTolerance = time.Minute

// Near reports whether a measured skew got is within [SkewTolerance] of
// the gateway's offset want.
func Near(got, want time.Duration) bool { return (got - want).Abs() <= SkewTolerance }

// hintedSkew matches the measured skew a clock-skew hint states, e.g.
// "31m0s behind the server's"; its second is rounded, so it is checked
// with [Near], not compared as text.
var hintedSkew = regexp.MustCompile(`(\d+m\d+s) behind the server's`)

// hintSays reports whether hints state a skew behind the server's that is
// [Near] want.
func hintSays(hints string, want time.Duration) bool {
	m := hintedSkew.FindStringSubmatch(hints)
	if m == nil {
		return false
	}
	d, err := time.ParseDuration(m[1])
	return err == nil && Near(d, want)
}

// CheckSkewUncorrected puts e's gateway 31 minutes ahead and uploads twice
// with b, a backend of e's bucket whose skew correction is off: each upload
// fails after one request (one attempt, one PUT at the gateway) with 403
// clock_skew (the code code, unless code is ""), the server's time, the
// skew ≈ 31 min and hints that say so ([Near]) and hint (that correction
// is off, or impossible); nothing is stored.
func CheckSkewUncorrected(t *testing.T, e *Env, b uploader.Backend, code, hint string) {
	t.Helper()
	const offset = 31 * time.Minute
	e.Gateway.SetClockOffset(offset)
	for i := range 2 {
		e.Gateway.ResetCounts()
		res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("skew/off", []byte("x")))
		ue := uploader.AsError(err)
		if ue == nil || ue.Kind != uploader.ClockSkew || ue.Status != 403 || code != "" && ue.Code != code {
			t.Fatalf("upload %d: err = %v, want 403 %s clock_skew", i, err, code)
		}
		if !Near(ue.Skew, offset) || ue.ServerTime.IsZero() {
			t.Errorf("upload %d: skew %v, server time %v", i, ue.Skew, ue.ServerTime)
		}
		hints := strings.Join(ue.Hints, "\n")
		if !hintSays(hints, offset) || !strings.Contains(hints, hint) {
			t.Errorf("upload %d: hints:\n%s", i, hints)
		}
		if len(res.Attempts) != 1 || e.Gateway.Count(gateway.OpPut) != 1 {
			t.Errorf("upload %d: %d attempts, %d PUTs; want 1 and 1", i, len(res.Attempts), e.Gateway.Count(gateway.OpPut))
		}
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys stored: %q", ks)
	}
}

// CheckSkewCorrected puts e's gateway clock offset away and uploads a
// single PUT and then a multipart object, each with a fresh backend from
// e's NewBackend. The first upload is refused once for skew (attempt 0:
// 403 clock_skew with the code code, unless code is "", uncorrected, the
// skew ≈ offset) and stored signed with the corrected time (attempt 1);
// the bytes are in MinIO; the backend reports the skew
// ([uploader.SkewReporter]); the next upload succeeds at once (one
// corrected attempt), and the gateway refused one request in all.
func CheckSkewCorrected(t *testing.T, e *Env, offset time.Duration, code string) {
	t.Helper()
	e.Gateway.SetClockOffset(offset)
	ctx := context.Background()
	for _, size := range []int64{1000, e.MultipartThreshold() + 1} {
		e.Gateway.ResetCounts()
		b := e.Backend(t)
		u := uploader.New(b)
		key := fmt.Sprintf("skew/%d", size)
		data := backendtest.Data(size, uint64(size))
		res, err := u.Upload(ctx, uploader.BytesObject(key, data))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if len(res.Attempts) != 2 {
			t.Fatalf("%s: %d attempts %+v, want 2", key, len(res.Attempts), res.Attempts)
		}
		a0, a1 := res.Attempts[0], res.Attempts[1]
		if a0.Kind != uploader.ClockSkew || a0.Status != 403 || code != "" && a0.Code != code || a0.SkewCorrected || !Near(a0.Skew, offset) {
			t.Errorf("%s: first attempt %+v, want 403 %s clock_skew with skew ≈ %v", key, a0, code, offset)
		}
		if a1.Err != nil || !a1.SkewCorrected || !Near(a1.Skew, offset) {
			t.Errorf("%s: second attempt %+v, want a corrected success", key, a1)
		}
		if got := e.MustRead(t, key); !bytes.Equal(got, data) {
			t.Fatalf("%s: stored %d bytes that differ from the %d sent", key, len(got), len(data))
		}
		checkSkewReported(t, b, offset)
		res, err = u.Upload(ctx, uploader.BytesObject(key+"-again", data))
		if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
			t.Fatalf("%s again: %v, attempts %+v; want one corrected attempt", key, err, res.Attempts)
		}
		if n := e.Gateway.CountOutcome(gateway.OpAny, gateway.OutcomeRejected); n != 1 {
			t.Errorf("%s: the gateway refused %d requests, want 1", key, n)
		}
	}
}

// CheckSkewShared puts e's gateway clock offset away and starts n uploads
// at once on a fresh backend: each succeeds after at most one correction,
// the gateway refuses at most n requests, and afterwards the backend
// reports the skew and the next upload succeeds at once (run with -race).
func CheckSkewShared(t *testing.T, e *Env, offset time.Duration, n int) {
	t.Helper()
	e.Gateway.SetClockOffset(offset)
	e.Gateway.ResetCounts()
	b := e.Backend(t)
	u := uploader.New(b)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("skew/concurrent/%d", i), backendtest.Data(4096, uint64(i))))
			if err != nil || len(res.Attempts) < 1 || len(res.Attempts) > 2 {
				t.Errorf("concurrent %d: %v after %d attempts", i, err, len(res.Attempts))
			}
		})
	}
	wg.Wait()
	if r := e.Gateway.CountOutcome(gateway.OpAny, gateway.OutcomeRejected); r > n {
		t.Errorf("%d refusals for %d uploads", r, n)
	}
	checkSkewReported(t, b, offset)
	res, err := u.Upload(context.Background(), uploader.BytesObject("skew/after-concurrent", []byte("y")))
	if err != nil || len(res.Attempts) != 1 {
		t.Errorf("after the concurrent uploads: %v, %d attempts", err, len(res.Attempts))
	}
}

func checkSkewReported(t *testing.T, b uploader.Backend, offset time.Duration) {
	t.Helper()
	sr, ok := b.(uploader.SkewReporter)
	if !ok {
		t.Fatalf("%T is not an uploader.SkewReporter", b)
	}
	if off, known := sr.Skew(); !known || !Near(off, offset) {
		t.Errorf("Skew() = %v, %v; want ≈ %v", off, known, offset)
	}
}

// CheckWrongSecretWhileSkewed puts e's gateway 31 minutes ahead and
// uploads with a backend that has wrongSecret, a single PUT and then a
// multipart object, each on a fresh backend, twice. The first upload meets
// the skew (clock_skew), and its corrected retry is refused for its
// signature: the upload fails with signature_mismatch, not clock_skew. The
// second one is signed with the corrected time from the start and fails
// with signature_mismatch at once. Nothing stays stored or pending. It
// returns the errors, for the caller's own checks.
func CheckWrongSecretWhileSkewed(t *testing.T, e *Env, wrongSecret string) []*uploader.Error {
	t.Helper()
	const offset = 31 * time.Minute
	e.Gateway.SetClockOffset(offset)
	endpoint, bucket, ak, _ := e.Access()
	var errs []*uploader.Error
	for _, size := range []int64{100, e.MultipartThreshold() + 1} {
		b, err := e.opts.NewBackend(endpoint, bucket, ak, wrongSecret)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		u := uploader.New(b)
		for i, want := range [][]uploader.Kind{
			{uploader.ClockSkew, uploader.SignatureMismatch},
			{uploader.SignatureMismatch},
		} {
			res, err := u.Upload(context.Background(), Zeroes(fmt.Sprintf("k%d", size), size))
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Code != "SignatureDoesNotMatch" || !Near(ue.Skew, offset) {
				t.Fatalf("size %d, upload %d: err = %v, want signature_mismatch with skew ≈ %v", size, i, err, offset)
			}
			CheckAttempts(t, res.Attempts, want...)
			errs = append(errs, ue)
		}
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys stored after refused uploads: %q", ks)
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
	return errs
}

// CheckAttempts checks that attempts has one attempt of each kind in want,
// in order, each signed with the corrected time but the first of two (the
// one refused for skew).
func CheckAttempts(t testing.TB, attempts []uploader.Attempt, want ...uploader.Kind) {
	t.Helper()
	if len(attempts) != len(want) {
		t.Fatalf("%d attempts %+v, want %v", len(attempts), attempts, want)
	}
	for i, a := range attempts {
		corrected := len(want) == 1 || i > 0
		if a.Kind != want[i] || a.SkewCorrected != corrected {
			t.Errorf("attempt %d: kind %v corrected %v, want %v corrected %v", i, a.Kind, a.SkewCorrected, want[i], corrected)
		}
	}
}
