package failover

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover/internal/fakeclock"
)

// rounds drives g directly on a fake clock: each call feeds one round of
// fresh successes, each started with n in flight and taking rtt, and
// returns the limit after it.
type rounds struct {
	g     *gradient
	clk   *fakeclock.Clock
	limit float64
}

func newRounds(limit float64) *rounds {
	c := ConcurrencyOptions{Max: 1024}.withDefaults(1)
	t := ThrottleOptions{}.withDefaults()
	return &rounds{g: newGradient(c, t), clk: fakeclock.New(lt0), limit: limit}
}

// round feeds one round at concurrency n (0: the limit) and latency rtt.
func (r *rounds) round(n int, rtt time.Duration) float64 {
	if n == 0 {
		n = int(r.limit)
	}
	r.clk.Advance(rtt + time.Millisecond) // every attempt starts after the round began
	for range r.g.roundSize(r.limit) {
		r.limit, _ = r.g.update(r.limit, sample{OK: true, Fresh: true, StartInFlight: n, InFlight: n, RTT: rtt, At: r.clk.Now()})
	}
	return r.limit
}

// TestAdaptiveSlowStartThenHalfSteps: while concurrency turns into
// throughput (latency flat), the limit doubles per round; a doubling that
// does not pay holds the limit for a second round, and when the two
// rounds averaged still show no gain, slow start ends half way back;
// after that, growth is by half the limit per round.
func TestAdaptiveSlowStartThenHalfSteps(t *testing.T) {
	r := newRounds(16)
	var got []float64
	for range 3 {
		got = append(got, r.round(0, 80*time.Millisecond))
	}
	if !slices.Equal(got, []float64{32, 64, 128}) {
		t.Fatalf("limits over flat latency: %v, want doubling 32 64 128", got)
	}
	// At 128 latency doubles with concurrency: pure queueing.
	if l := r.round(0, 160*time.Millisecond); l != 128 {
		t.Fatalf("limit %v after one round without gain, want 128 held for a second round", l)
	}
	if l := r.round(0, 160*time.Millisecond); l != 96 || r.g.slowStart {
		t.Fatalf("limit %v (slow start %v) after two rounds without gain, want half way back to 96, slow start over", l, r.g.slowStart)
	}
	// Back at lower concurrency, then growth by half the limit.
	if l := r.round(0, 120*time.Millisecond); l != 144 {
		t.Fatalf("limit %v, want 96 + 48", l)
	}
}

// TestAdaptiveOneNoisyRoundHolds: a doubling whose first round is slow
// (one noisy round) but whose second makes up for it keeps slow start
// going: decisions down are taken on two rounds averaged.
func TestAdaptiveOneNoisyRoundHolds(t *testing.T) {
	r := newRounds(32)
	r.round(0, 80*time.Millisecond) // 64
	if l := r.round(0, 200*time.Millisecond); l != 64 {
		t.Fatalf("limit %v after a slow round, want 64 held", l)
	}
	// Averaged with this one (80 ms), the step gained: double again.
	if l := r.round(0, 40*time.Millisecond); l != 128 || !r.g.slowStart {
		t.Fatalf("limit %v (slow start %v) after a fast second round, want 128, still in slow start", l, r.g.slowStart)
	}
}

// TestAdaptiveLatencyCutNeedsTwoRounds: latency that rises by Tolerance at
// the same concurrency cuts the limit by Decrease only when a second
// round confirms it; one slow round (noise) leaves the limit alone.
func TestAdaptiveLatencyCutNeedsTwoRounds(t *testing.T) {
	r := newRounds(64)
	r.g.slowStart = false
	r.round(0, 10*time.Millisecond) // 96: the first step grows
	r.round(64, 10*time.Millisecond)
	base := r.limit
	if l := r.round(64, 25*time.Millisecond); l != base {
		t.Fatalf("limit %v after one round 2.5x slower, want %v held", l, base)
	}
	// The two rounds average 1.75x: below Tolerance (2), no cut.
	if l := r.round(64, 10*time.Millisecond); l < base {
		t.Fatalf("limit %v after a slow round then a normal one, want no cut below %v", l, base)
	}
	base = r.limit
	r.round(64, 40*time.Millisecond)
	if l := r.round(64, 40*time.Millisecond); l != float64(int(base*0.7)) {
		t.Fatalf("limit %v after two rounds 4x slower, want %v cut by 0.7", l, base)
	}
}

// TestAdaptiveRoundsInSlowStart: in slow start a round is half the limit
// of fresh successes (the attempts a doubling added end first), after it
// the limit; never fewer than minRound.
func TestAdaptiveRoundsInSlowStart(t *testing.T) {
	g := newRounds(1).g
	if got := []int{g.roundSize(128), g.roundSize(4)}; !slices.Equal(got, []int{64, minRound}) {
		t.Fatalf("slow start rounds: %v, want [64 %d]", got, minRound)
	}
	g.slowStart = false
	if got := []int{g.roundSize(128), g.roundSize(4)}; !slices.Equal(got, []int{128, minRound}) {
		t.Fatalf("rounds after slow start: %v, want [128 %d]", got, minRound)
	}
}

// wanModel is a link and a server on the fake clock: every attempt takes
// the base round trip plus 1/capacity per attempt in flight when it
// started (the server's CPU, shared; fitted to 16 KiB PUTs to MinIO on 2
// cores through 80 ms: 64 at once give ~650 files/s, 256 ~1,300), times a
// load factor redrawn every period from [lo, hi) (a busy machine), from a
// seeded source.
type wanModel struct {
	base     time.Duration
	capacity float64 // attempts per second
	period   time.Duration
	lo, hi   float64
	seed     uint64
	factors  []float64
}

func (m *wanModel) rttAt(at time.Duration, n int) time.Duration {
	f := 1.0
	if m.period > 0 {
		if m.factors == nil {
			rng := rand.New(rand.NewPCG(m.seed, 7))
			for range 4096 {
				m.factors = append(m.factors, m.lo+(m.hi-m.lo)*rng.Float64())
			}
		}
		f = m.factors[int(at/m.period)%len(m.factors)]
	}
	return time.Duration((float64(m.base) + float64(n)/m.capacity*float64(time.Second)) * f)
}

// runModel runs count attempts through m, keeping as many in flight as
// the adaptive limiter l lets through, or fixed if l is nil, and returns
// how long they took on the fake clock.
func runModel(t *testing.T, m wanModel, l *limiter, fixed, count int) time.Duration {
	clk := fakeclock.New(lt0)
	if l != nil {
		l.clock = clk
	}
	var flying []flight
	for started, done := 0, 0; done < count; done++ {
		for ; started < count; started++ {
			var sl *slot
			switch {
			case l == nil && len(flying) < fixed:
				sl = &slot{start: clk.Now(), inflight: len(flying) + 1}
			case l != nil:
				sl = tryAcquire(l, 0)
			}
			if sl == nil {
				break
			}
			flying = append(flying, flight{sl, clk.Now().Add(m.rttAt(clk.Now().Sub(lt0), sl.inflight))})
		}
		i := 0
		for j, f := range flying {
			if f.end.Before(flying[i].end) {
				i = j
			}
		}
		f := flying[i]
		flying = slices.Delete(flying, i, i+1)
		clk.Advance(max(0, f.end.Sub(clk.Now())))
		if l != nil {
			l.release(f.s, nil)
		}
	}
	return clk.Now().Sub(lt0)
}

// TestAdaptiveNearBestFixed: on models of 80, 20 and 1 ms round trips,
// steady and on a busy machine (load factor 0.7-1.5 redrawn every 100
// ms), 5,000 attempts with the default adaptive limit take at most 10%
// longer than with the best of 16, 64, 128 and 256 at once; 1,000 at 80
// ms (where ramping up is a larger share) at most 12% longer.
func TestAdaptiveNearBestFixed(t *testing.T) {
	busy := func(base time.Duration, seed uint64) wanModel {
		return wanModel{base: base, capacity: 2500, period: 100 * time.Millisecond, lo: 0.7, hi: 1.5, seed: seed}
	}
	for _, c := range []struct {
		name  string
		m     wanModel
		count int
		slack float64
	}{
		{"80ms", wanModel{base: 80 * time.Millisecond, capacity: 2500}, 1000, 1.12},
		{"80ms", wanModel{base: 80 * time.Millisecond, capacity: 2500}, 5000, 1.1},
		{"80ms busy", busy(80*time.Millisecond, 1), 5000, 1.1},
		{"80ms busy", busy(80*time.Millisecond, 2), 5000, 1.1},
		{"20ms busy", busy(20*time.Millisecond, 3), 5000, 1.1},
		{"1ms busy", busy(time.Millisecond, 4), 5000, 1.1},
	} {
		best := time.Duration(1 << 62)
		for _, fixed := range []int{16, 64, 128, 256} {
			best = min(best, runModel(t, c.m, nil, fixed, c.count))
		}
		auto := runModel(t, c.m, newAdaptive(fakeclock.New(lt0), 1, ConcurrencyOptions{}), 0, c.count)
		t.Logf("%s, %d attempts: adaptive %v, best fixed %v (%.2fx)", c.name, c.count, auto, best, float64(best)/float64(auto))
		if float64(auto) > float64(best)*c.slack {
			t.Errorf("%s, %d attempts: adaptive took %v, more than %.0f%% over the best fixed limit's %v", c.name, c.count, auto, (c.slack-1)*100, best)
		}
	}
}
