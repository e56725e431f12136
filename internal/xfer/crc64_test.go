package xfer

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

func TestCRC64Combine(t *testing.T) {
	table := crc64.MakeTable(crc64.ECMA)
	r := rand.New(rand.NewPCG(1, 2))
	for _, sizes := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {7, 9}, {1000, 1}, {4096, 65537}, {5 << 20, 3}} {
		a, b := make([]byte, sizes[0]), make([]byte, sizes[1])
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc64.Checksum(append(append([]byte{}, a...), b...), table)
		got := CRC64Combine(crc64.Checksum(a, table), crc64.Checksum(b, table), int64(len(b)))
		if got != want {
			t.Errorf("combine(%d, %d bytes) = %x, want %x", len(a), len(b), got, want)
		}
	}
}

func TestCombinedCRC64(t *testing.T) {
	table := crc64.MakeTable(crc64.ECMA)
	data := []byte("the quick brown fox jumps over the lazy dog, twice over")
	parts := []Part{{Number: 1, Size: 20}, {Number: 2, Size: 0}, {Number: 3, Size: int64(len(data)) - 20}}
	sums := map[int]uint64{1: crc64.Checksum(data[:20], table), 2: 0, 3: crc64.Checksum(data[20:], table)}
	got, ok := CombinedCRC64(parts, func(p Part) (uint64, bool) { c, ok := sums[p.Number]; return c, ok })
	if want := crc64.Checksum(data, table); !ok || got != want {
		t.Errorf("CombinedCRC64 = %d, %v; want %d, true", got, ok, want)
	}
	delete(sums, 3)
	if _, ok := CombinedCRC64(parts, func(p Part) (uint64, bool) { c, ok := sums[p.Number]; return c, ok }); ok {
		t.Error("a part without its CRC gave a combined one")
	}
}
