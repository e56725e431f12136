package main

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// digestsFor runs n digests, one in four a repeat of an earlier one,
// through s and a map, and fails where they disagree.
func digestsFor(t *testing.T, s *digestSet, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[[16]byte]bool{}
	var seen [][16]byte
	for i := range n {
		var d [16]byte
		if i > 0 && rng.IntN(4) == 0 {
			d = seen[rng.IntN(len(seen))]
		} else {
			for j := range d {
				d[j] = byte(rng.Uint32())
			}
		}
		if got := s.has(d); got != want[d] {
			t.Fatalf("digest %d: has %v, want %v", i, got, want[d])
		}
		if !want[d] {
			s.add(d)
			want[d] = true
			seen = append(seen, d)
		}
		if len(s.mem) > s.memMax && !s.failed {
			t.Fatalf("%d digests in memory, more than %d", len(s.mem), s.memMax)
		}
	}
	if s.len() != len(want) {
		t.Fatalf("%d digests held, want %d", s.len(), len(want))
	}
}

// TestDigestSetSpills: past memMax digests the set merges them into a
// sorted file and keeps at most memMax in memory, and still answers every
// lookup like a map (in memory, on disk, at a block's edges).
func TestDigestSetSpills(t *testing.T) {
	s := newDigestSet(100)
	defer s.close()
	digestsFor(t, s, 20000)
	if s.f == nil || s.n < 14000 || s.failed {
		t.Fatalf("after 20,000 digests: %d on disk (failed %v), want them spilled", s.n, s.failed)
	}
	if len(s.index) != (s.n+indexEvery-1)/indexEvery {
		t.Fatalf("index of %d entries for %d digests", len(s.index), s.n)
	}
}

// TestDigestSetWithoutTempFile: when no temporary file can be made, the
// set keeps every digest in memory and stays correct.
func TestDigestSetWithoutTempFile(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	s := newDigestSet(100)
	defer s.close()
	digestsFor(t, s, 2000)
	if s.f != nil || !s.failed || len(s.mem) != s.len() {
		t.Fatalf("file %v, failed %v, %d of %d in memory; want all in memory", s.f, s.failed, len(s.mem), s.len())
	}
}
