package failover_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestConcurrentUploadsWithRandomFaults runs many uploads at once against
// three clouds that fail at random (every counted and fatal kind, lost
// replies that landed anyway), then drains the backup. Every object is
// exactly where its Result says, byte for byte; none is lost; the counters
// add up. Run it with -race.
func TestConcurrentUploadsWithRandomFaults(t *testing.T) {
	e := newEnv(t, envConfig{clouds: []string{"a", "b", "c"}, opts: failover.Options{
		Rand: func() float64 { return rand.Float64() },
	}})
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	transient := []memtest.Fault{
		{Kind: uploader.Unavailable, Status: 503},
		{Kind: uploader.Throttled, Status: 429, RetryAfter: time.Second},
		{Kind: uploader.Timeout, Land: true},
		{Kind: uploader.Timeout},
		{Kind: uploader.Integrity},
		{Kind: uploader.Unknown},
	}
	fatal := []memtest.Fault{
		{Kind: uploader.SignatureMismatch, Status: 403},
		{Kind: uploader.ClockSkew, Status: 403, Skew: 20 * time.Minute},
	}
	for _, b := range e.clouds {
		b.FaultFunc(func(int, string) memtest.Fault {
			mu.Lock()
			defer mu.Unlock()
			switch n := rng.IntN(100); {
			case n < 25: // a quarter of all Puts fail transiently
				return transient[rng.IntN(len(transient))]
			case n < 27: // and 2% fatally
				return fatal[rng.IntN(len(fatal))]
			}
			return memtest.Fault{}
		})
	}
	const workers, each = 16, 50
	results := make([]uploader.Result, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := w*each + i
				res, err := e.upload(fmt.Sprintf("obj/%04d", n))
				if err != nil {
					t.Errorf("upload %d: %v", n, err)
				}
				results[n] = res
				e.clk.Advance(500 * time.Millisecond) // so open breakers come back
				if i%10 == 0 {
					e.u.Stats() // concurrent readers of the counters
				}
			}
		}()
	}
	wg.Wait()
	byName := map[string]*memtest.Backend{}
	for _, b := range e.clouds {
		byName[b.Name()] = b
	}
	backedUp := 0
	for _, res := range results {
		want := payload(res.Key)
		if res.BackedUp {
			backedUp++
			if _, data, ok := e.spool.Held(res.Key); !ok || string(data) != string(want) {
				t.Errorf("%s: result says backed up, spool holds %q (%v)", res.Key, data, ok)
			}
			continue
		}
		b := byName[res.Target]
		if b == nil {
			t.Fatalf("%s: result names %q", res.Key, res.Target)
		}
		stored(t, b, res.Key, want)
		if last := res.Attempts[len(res.Attempts)-1]; last.Target != res.Target || last.Kind != uploader.OK {
			t.Errorf("%s: last attempt %+v", res.Key, last)
		}
	}
	s := e.u.Stats()
	var successes uint64
	for _, ts := range s.Targets[:3] {
		successes += ts.Successes
	}
	if s.Uploads != workers*each || s.Stored+s.BackedUp != workers*each || s.BackedUp != uint64(backedUp) || successes != s.Stored {
		t.Errorf("stats uploads=%d stored=%d backedUp=%d (results %d) cloud successes=%d", s.Uploads, s.Stored, s.BackedUp, backedUp, successes)
	}
	t.Logf("%d stored on clouds, %d backed up, %d failovers, %d retries, %d landed; opens a=%d b=%d c=%d",
		s.Stored, s.BackedUp, s.Failovers, s.Retries, s.Landed, s.Targets[0].Opens, s.Targets[1].Opens, s.Targets[2].Opens)

	// Recovery: the backup drains to the clouds.
	for _, b := range e.clouds {
		b.Heal()
	}
	e.clk.Advance(time.Hour)
	rep, err := e.u.Drain(context.Background(), failover.DrainOptions{Concurrency: 4})
	if err != nil {
		t.Fatalf("Drain: %v (%+v)", err, rep)
	}
	// A copy may also be on a cloud already: when concurrent uploads move
	// the shared fake clock past a Stat's timeout, a landed object is not
	// recognised, and the upload goes on to the backup. Drain then finds
	// the same bytes there.
	if e.spool.Len() != 0 || rep.Drained+rep.AlreadyStored != backedUp {
		t.Fatalf("after drain: spool %d, drained %d + already stored %d of %d", e.spool.Len(), rep.Drained, rep.AlreadyStored, backedUp)
	}
	for _, it := range rep.Items {
		stored(t, byName[it.Target], it.Key, payload(it.Key))
	}
}
