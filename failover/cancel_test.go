package failover_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// cancelingBackend is a memtest Backend whose Put reads read bytes of the
// body (all of it if negative), stores the object if store, then cancels
// the caller's context and fails with its error, as an SDK does when the
// caller gives up while the reply is awaited.
type cancelingBackend struct {
	*memtest.Backend
	cancel func()
	read   int64
	store  bool
}

func (b *cancelingBackend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	if b.store {
		if _, err := b.Backend.Put(context.Background(), obj); err != nil {
			return uploader.Result{}, err
		}
	} else {
		sr, body, err := obj.Reader()
		if err != nil {
			return uploader.Result{}, err
		}
		n := b.read
		if n < 0 {
			n = obj.Size
		}
		_, _ = io.CopyN(io.Discard, sr, n)
		body.Close()
	}
	b.cancel()
	return uploader.Result{}, ctx.Err()
}

// backendOnly hides every optional interface of a Backend.
type backendOnly struct{ uploader.Backend }

// TestCancelIsCleanOrHonest (issue 18, item 1): when the caller cancels an
// attempt that may have sent the body, the upload checks, with a context of
// its own, what is under the key: nothing of it (Canceled, MayHaveLanded
// false, the previous object unchanged), the object proved by its content
// (stored: a nil error and EventLanded), or it cannot tell (Canceled with
// MayHaveLanded and the target). It never deletes.
func TestCancelIsCleanOrHonest(t *testing.T) {
	older := []byte("an older object of 18")
	cases := []struct {
		name     string
		sums     memtest.Checksums
		read     int64 // bytes of the body the attempt read; -1: all
		store    bool
		previous []byte // under the key before the upload
		statErr  error
		noStater bool
		// want
		stored, mayHaveLanded bool
		stats                 int
	}{
		{name: "mid-body", read: 5, stats: 0},
		// A single PUT whose bytes were all sent may still be committed by
		// the server after the Stat saw nothing (its connection closes on
		// the cancel, but the server has the body): only a multipart
		// upload, which the backend aborts, is provably absent.
		{name: "sent-absent", read: -1, mayHaveLanded: true, stats: 1},
		{name: "sent-older-single-unchanged", read: -1, previous: older, mayHaveLanded: true, stats: 1},
		{name: "sent-absent-multipart", read: -1, sums: memtest.Checksums{PartSize: 8}, stats: 1},
		{name: "sent-older-object-unchanged", read: -1, previous: older, sums: memtest.Checksums{PartSize: 8}, stats: 1},
		{name: "sent-landed-md5", read: -1, store: true, stored: true, stats: 1},
		{name: "sent-landed-multipart", read: -1, store: true, sums: memtest.Checksums{PartSize: 8}, stored: true, stats: 1},
		{name: "sent-landed-crc64", read: -1, store: true, sums: memtest.Checksums{Opaque: true, CRC64: true}, stored: true, stats: 1},
		{name: "sent-landed-unprovable", read: -1, store: true, sums: memtest.Checksums{Opaque: true}, mayHaveLanded: true, stats: 1},
		{name: "sent-stat-fails", read: -1, store: true, statErr: &uploader.Error{Kind: uploader.Unavailable, Message: "stat refused"}, mayHaveLanded: true, stats: 1},
		{name: "sent-no-stater", read: -1, store: true, noStater: true, mayHaveLanded: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var cb *cancelingBackend
			e := newEnv(t, envConfig{backends: func(e *env) []failover.Target {
				cb = &cancelingBackend{Backend: e.clouds[0], cancel: cancel, read: tc.read, store: tc.store}
				var b uploader.Backend = cb
				if tc.noStater {
					b = backendOnly{cb}
				}
				return []failover.Target{{Backend: b}, {Backend: e.clouds[1]}, {Backend: e.spool}}
			}})
			primary := e.clouds[0]
			primary.SetChecksums(tc.sums)
			if tc.previous != nil {
				primary.Store("k", tc.previous, e.clk.Now(), nil)
			}
			primary.SetStatErr(tc.statErr)
			res, err := e.u.Upload(ctx, object("k"))
			if primary.Deletes() != 0 {
				t.Errorf("%d deletes: a canceled upload must not delete", primary.Deletes())
			}
			if primary.Stats() != tc.stats {
				t.Errorf("%d Stats, want %d", primary.Stats(), tc.stats)
			}
			if e.clouds[1].Puts() != 0 || e.spool.Len() != 0 {
				t.Errorf("a canceled upload went on to the secondary or the backup")
			}
			if tc.stored {
				if err != nil || res.Target != "primary" {
					t.Fatalf("%v on %q: want stored on primary", err, res.Target)
				}
				if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Canceled, uploader.OK}) {
					t.Errorf("attempts %v", got)
				}
				if len(e.eventsOf(failover.EventLanded)) != 1 {
					t.Errorf("no landed event")
				}
				stored(t, primary, "k", payload("k"))
				return
			}
			var ue *uploader.Error
			if !errors.As(err, &ue) || ue.Kind != uploader.Canceled {
				t.Fatalf("err %v, want Kind canceled", err)
			}
			if ue.MayHaveLanded != tc.mayHaveLanded {
				t.Errorf("MayHaveLanded %v, want %v (%v)", ue.MayHaveLanded, tc.mayHaveLanded, err)
			}
			if tc.mayHaveLanded && (ue.Target != "primary" || ue.Key != "k") {
				t.Errorf("target %q key %q: the error must name where the object may be", ue.Target, ue.Key)
			}
			switch o, ok := primary.Object("k"); {
			case tc.previous != nil && (!ok || string(o.Data) != string(tc.previous)):
				t.Errorf("the previous object changed")
			case tc.previous == nil && !tc.store && ok:
				t.Errorf("an object is under the key")
			}
		})
	}
}

// TestCancelAfterUnsureAttempt: an attempt that failed ambiguously and
// whose object nothing could prove or rule out, then a cancel during the
// backoff: the error says the object may have landed there.
func TestCancelAfterUnsureAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := newEnv(t, envConfig{opts: failover.Options{OnEvent: func(ev failover.Event) {
		if ev.Type == failover.EventRetry {
			cancel()
		}
	}}})
	primary := e.clouds[0]
	primary.SetChecksums(memtest.Checksums{Opaque: true})
	primary.Script(memtest.Fault{Kind: uploader.Timeout, Land: true})
	_, err := e.u.Upload(ctx, object("k"))
	var ue *uploader.Error
	if !errors.As(err, &ue) || ue.Kind != uploader.Canceled || !ue.MayHaveLanded || ue.Target != "primary" {
		t.Fatalf("err %v (may have landed: %v), want canceled, may have landed on primary", err, ue != nil && ue.MayHaveLanded)
	}
}
