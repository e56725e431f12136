package skew

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

var base = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestObserveMidpoint(t *testing.T) {
	c := New(Options{})
	// Sent at base, received 2 s later; the server said base+31m+1s
	// (truncated): the server's clock at the midpoint is base+31m+1.5s.
	sent, recv := base, base.Add(2*time.Second)
	if !c.Observe(base.Add(31*time.Minute+time.Second), sent, recv) {
		t.Fatal("observation refused")
	}
	off, ok := c.Offset()
	if !ok {
		t.Fatal("no estimate")
	}
	if want := 31*time.Minute + 500*time.Millisecond; off != want {
		t.Fatalf("offset = %v, want %v", off, want)
	}
}

func TestObserveRejectsAbsurdTimes(t *testing.T) {
	c := New(Options{})
	if c.Observe(time.Unix(0, 0), base, base) {
		t.Fatal("a 1970 server time was accepted")
	}
	if c.Observe(base, base.Add(time.Second), base) {
		t.Fatal("received before sent was accepted")
	}
	if _, ok := c.Offset(); ok {
		t.Fatal("estimate set by refused observations")
	}
}

func TestCorrectionThresholdAndHealing(t *testing.T) {
	fc := &fakeClock{t: base}
	c := New(Options{Now: fc.Now})
	c.Observe(base.Add(time.Second), base, base) // 1.5 s: noise
	if got := c.Correction(); got != 0 {
		t.Fatalf("correction for 1.5 s = %v, want 0", got)
	}
	if !c.Now().Equal(base) {
		t.Fatalf("Now = %v, want local time", c.Now())
	}
	c.Observe(base.Add(-31*time.Minute), base, base)
	if got, want := c.Correction(), -31*time.Minute+500*time.Millisecond; got != want {
		t.Fatalf("correction = %v, want %v", got, want)
	}
	if !c.Skewed() {
		t.Fatal("31 minutes not Skewed")
	}
	if got, want := c.Now(), base.Add(-31*time.Minute+500*time.Millisecond); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
	// The clocks realign: the next reply heals the estimate.
	c.Observe(base, base, base)
	if got := c.Correction(); got != 0 {
		t.Fatalf("correction after realignment = %v, want 0", got)
	}
	if c.Skewed() {
		t.Fatal("still Skewed after realignment")
	}
}

func TestDisabledMeasuresButDoesNotCorrect(t *testing.T) {
	fc := &fakeClock{t: base}
	c := New(Options{Disabled: true, Now: fc.Now})
	c.Observe(base.Add(time.Hour), base, base)
	if off, ok := c.Offset(); !ok || off < time.Hour {
		t.Fatalf("offset = %v, %v; want about an hour", off, ok)
	}
	if !c.Now().Equal(base) {
		t.Fatal("disabled clock corrected Now")
	}
}

func TestTransportObservesDateAndIgnoresCachedReplies(t *testing.T) {
	serverTime := time.Now().Add(31 * time.Minute).UTC()
	age := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", serverTime.Format(http.TimeFormat))
		if age != "" {
			w.Header().Set("Age", age)
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()

	c := New(Options{})
	cl := &http.Client{Transport: &Transport{Clock: c}}
	age = "10"
	resp, err := cl.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := c.Offset(); ok {
		t.Fatal("a cached reply (Age) was observed")
	}
	age = ""
	resp, err = cl.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	off, ok := c.Offset()
	if !ok || off < 30*time.Minute || off > 32*time.Minute {
		t.Fatalf("offset = %v, %v; want about 31 minutes", off, ok)
	}
}

func skewErr() error {
	return &uploader.Error{Kind: uploader.ClockSkew, Status: 403, Code: "RequestTimeTooSkewed"}
}

func TestDoRetriesOnceWithCorrectedTime(t *testing.T) {
	fc := &fakeClock{t: base}
	c := New(Options{Now: fc.Now})
	var signed []time.Time
	atts, err := c.Do(context.Background(), "t", "tos", func(at time.Time) error {
		signed = append(signed, at)
		if len(signed) == 1 {
			// The refusal's Date header is the new measurement.
			c.Observe(base.Add(31*time.Minute), base, base)
			return skewErr()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if len(signed) != 2 || len(atts) != 2 {
		t.Fatalf("ran %d times with %d attempts, want 2 and 2", len(signed), len(atts))
	}
	if !signed[0].Equal(base) {
		t.Errorf("first signed at %v, want local time", signed[0])
	}
	if d := signed[1].Sub(base); d < 31*time.Minute || d > 31*time.Minute+time.Second {
		t.Errorf("second signed %v after local time, want 31 min", d)
	}
	if atts[0].Kind != uploader.ClockSkew || atts[0].SkewCorrected || atts[0].Skew < 31*time.Minute {
		t.Errorf("first attempt = %+v", atts[0])
	}
	if atts[1].Kind != uploader.OK || !atts[1].SkewCorrected || atts[1].Skew < 31*time.Minute {
		t.Errorf("second attempt = %+v", atts[1])
	}
	// The next operation is signed with the corrected time at once.
	signed = nil
	atts, err = c.Do(context.Background(), "t", "tos", func(at time.Time) error { signed = append(signed, at); return nil })
	if err != nil || len(atts) != 1 || !atts[0].SkewCorrected {
		t.Fatalf("next Do: err %v, attempts %+v", err, atts)
	}
}

func TestDoDoesNotRetry(t *testing.T) {
	tests := []struct {
		name     string
		disabled bool
		observe  bool
		err      error
		cancel   bool
	}{
		{name: "other kind", observe: true, err: &uploader.Error{Kind: uploader.SignatureMismatch}},
		{name: "correction off", disabled: true, observe: true, err: skewErr()},
		{name: "no new measurement", observe: false, err: skewErr()},
		{name: "caller canceled", observe: true, err: skewErr(), cancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeClock{t: base}
			c := New(Options{Disabled: tt.disabled, Now: fc.Now})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			runs := 0
			atts, err := c.Do(ctx, "t", "oss", func(time.Time) error {
				runs++
				if tt.observe {
					c.Observe(base.Add(31*time.Minute), base, base)
				}
				if tt.cancel {
					cancel()
				}
				return tt.err
			})
			if runs != 1 || len(atts) != 1 {
				t.Fatalf("ran %d times, %d attempts; want 1", runs, len(atts))
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestConcurrentObserveAndNow(t *testing.T) {
	c := New(Options{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				now := time.Now()
				c.Observe(now.Add(time.Duration(i)*time.Minute), now, now)
				_ = c.Now()
				_, _ = c.Offset()
			}
		}(i)
	}
	wg.Wait()
	if _, ok := c.Offset(); !ok {
		t.Fatal("no estimate after concurrent observations")
	}
}
