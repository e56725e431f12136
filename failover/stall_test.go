package failover_test

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// pacedBackend is a cloud target on a link the test paces: its Put moves
// one byte of the body (read from the body, or reported sent through the
// progress hook), then waits for the test to let the next one go, and after
// stallAfter bytes waits for its context to end.
type pacedBackend struct {
	name       string
	viaHook    bool // read the body at once, then report progress byte by byte
	stallAfter int  // 0: never stall
	moved      chan struct{}
	next       chan struct{}
	stalled    chan struct{}
	got        []byte
	ctx        atomic.Value // the context of the last Put
}

func newPaced(name string, viaHook bool, stallAfter int) *pacedBackend {
	return &pacedBackend{name: name, viaHook: viaHook, stallAfter: stallAfter,
		moved: make(chan struct{}), next: make(chan struct{}), stalled: make(chan struct{})}
}

func (p *pacedBackend) Name() string                      { return p.name }
func (p *pacedBackend) ErrorKind(err error) uploader.Kind { return uploader.KindOf(err) }
func (p *pacedBackend) Close() error                      { return nil }

func (p *pacedBackend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	p.ctx.Store(ctx)
	sr, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	defer body.Close()
	progress := uploader.ProgressFunc(ctx)
	var all []byte
	if p.viaHook {
		if all, err = io.ReadAll(sr); err != nil {
			return uploader.Result{}, err
		}
	}
	fail := func() (uploader.Result, error) {
		return uploader.Result{}, &uploader.Error{Kind: uploader.Unavailable, Op: "put", Key: obj.Key,
			Message: context.Cause(ctx).Error(), Err: ctx.Err()}
	}
	for i := 0; i < int(obj.Size); i++ {
		if p.stallAfter > 0 && i == p.stallAfter {
			close(p.stalled)
			<-ctx.Done()
			return fail()
		}
		b := make([]byte, 1)
		if p.viaHook {
			b[0] = all[i]
		} else if _, err := io.ReadFull(sr, b); err != nil {
			return uploader.Result{}, err
		}
		if progress != nil {
			progress(1)
		}
		p.got = append(p.got, b[0])
		select {
		case p.moved <- struct{}{}:
		case <-ctx.Done():
			return fail()
		}
		select {
		case <-p.next:
		case <-ctx.Done():
			return fail()
		}
	}
	return uploader.Result{Size: obj.Size}, nil
}

// TestSlowMovingUploadIsNotKilled: an upload whose bytes keep moving, one a
// minute on the fake clock, runs for far longer than any fixed attempt
// timeout (an hour here) and is stored by its first attempt, whether the
// bytes are seen read from the body or reported sent by the backend.
func TestSlowMovingUploadIsNotKilled(t *testing.T) {
	for _, viaHook := range []bool{false, true} {
		name := "body reads"
		if viaHook {
			name = "progress hook"
		}
		t.Run(name, func(t *testing.T) {
			slow := newPaced("slow", viaHook, 0)
			e := newEnv(t, envConfig{manual: true, opts: failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1}},
				backends: func(e *env) []failover.Target {
					return []failover.Target{{Backend: slow}, {Backend: e.clouds[1]}, {Backend: e.spool}}
				}})
			key := "big"
			data := []byte(strings.Repeat("x", 60))
			done := make(chan struct{})
			var res uploader.Result
			var err error
			go func() {
				defer close(done)
				res, err = e.u.Upload(context.Background(), uploader.BytesObject(key, data))
			}()
		pace:
			for range data {
				select {
				case <-slow.moved:
				case <-done: // the attempt ended early
					break pace
				}
				e.clk.Advance(time.Minute)
				select {
				case slow.next <- struct{}{}:
				case <-done:
					break pace
				}
			}
			<-done
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.Target != "slow" || len(res.Attempts) != 1 {
				t.Fatalf("stored on %q after attempts %v, want slow at the first attempt", res.Target, kinds(res.Attempts))
			}
			if el := res.Attempts[0].Elapsed; el < time.Hour {
				t.Errorf("the attempt took %v on the clock, want an hour", el)
			}
			if string(slow.got) != string(data) {
				t.Errorf("slow got %q", slow.got)
			}
		})
	}
}

// TestStalledUploadIsKilled: an attempt in which no byte moves for the
// stall timeout fails with Kind Timeout and a message that says so, and the
// object goes to the next target.
func TestStalledUploadIsKilled(t *testing.T) {
	for _, viaHook := range []bool{false, true} {
		name := "body reads"
		if viaHook {
			name = "progress hook"
		}
		t.Run(name, func(t *testing.T) {
			stuck := newPaced("stuck", viaHook, 3)
			e := newEnv(t, envConfig{manual: true, opts: failover.Options{
				StallTimeout: 2 * time.Minute, Retry: failover.RetryOptions{MaxAttempts: 1}},
				backends: func(e *env) []failover.Target {
					return []failover.Target{{Backend: stuck}, {Backend: e.clouds[1]}, {Backend: e.spool}}
				}})
			done := make(chan struct{})
			var res uploader.Result
			var err error
			go func() {
				defer close(done)
				res, err = e.upload("k")
			}()
			for i := 0; i < 3; i++ {
				<-stuck.moved
				e.clk.Advance(time.Minute)
				stuck.next <- struct{}{}
			}
			<-stuck.stalled
			// Nothing moves any more. The watchdog runs in Advance, so the
			// attempt's context is ended when Advance returns.
			lastMove := t0.Add(2 * time.Minute)
			actx := stuck.ctx.Load().(context.Context)
			var fired time.Time
			for i := 0; i < 20 && fired.IsZero(); i++ {
				e.clk.Advance(10 * time.Second)
				if actx.Err() != nil {
					fired = e.clk.Now()
				}
			}
			if d := fired.Sub(lastMove); fired.IsZero() || d < 2*time.Minute || d > 2*time.Minute+30*time.Second {
				t.Fatalf("the watchdog fired %v after the last byte moved (at %v), want 2m to 2m30s", d, fired)
			}
			<-done
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if got := targetsOf(res.Attempts); len(got) != 2 || got[0] != "stuck" || got[1] != "secondary" {
				t.Fatalf("attempts on %v, want stuck then secondary", got)
			}
			a := res.Attempts[0]
			if a.Kind != uploader.Timeout {
				t.Fatalf("stalled attempt: kind %v (%v), want timeout", a.Kind, a.Err)
			}
			msg := a.Err.Error()
			if !strings.Contains(msg, "stalled") || !strings.Contains(msg, "no byte moved for 2m0s") {
				t.Errorf("error %q does not say the upload stalled for 2m0s", msg)
			}
			if viaHook && !strings.Contains(msg, "3 of ") {
				t.Errorf("error %q does not say how many bytes had been sent", msg)
			}
			stored(t, e.clouds[1], "k", payload("k"))
		})
	}
}
