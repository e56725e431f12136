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
