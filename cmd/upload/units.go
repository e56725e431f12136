package main

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseSize reads a human size: a number of bytes with an optional unit.
// KiB, MiB, GiB, TiB and the one-letter K, M, G, T are powers of 1024 (as in
// dd and rclone); KB, MB, GB, TB are powers of 1000. Case does not matter,
// a trailing "B" is optional after the one-letter units, and fractions are
// allowed ("1.5GiB").
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("%q is not a size (e.g. 16MiB, 8M, 1048576)", s)
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20,
		"g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q has an unknown unit %q (use KiB, MiB, GiB, K, M, G, KB, MB or GB)", s, t[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (e.g. 16MiB, 8M, 1048576)", s)
	}
	v := f * mult
	if v > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(math.Round(v)), nil
}

// formatBytes writes n with a binary unit: "512 B", "1.5 KiB", "19.1 MiB".
func formatBytes(n int64) string {
	if n < 1024 && n > -1024 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= 1024
		if math.Abs(f) < 1024 || u == "TiB" {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// formatDuration rounds d for people: "850ms", "3.2s", "4m10s".
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// shard is a --shard I/N selection: the files whose key hashes to I
// modulo N. The zero value (N == 0) selects every file.
type shard struct {
	I, N uint64
}

// parseShard reads "I/N" with 0 <= I < N.
func parseShard(s string) (shard, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 0/4 (I from 0 to N-1)", s)
	}
	i, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	n, err2 := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	if err1 != nil || err2 != nil || n == 0 {
		return shard{}, fmt.Errorf("--shard %q: want I/N with whole numbers, N at least 1, e.g. 0/4", s)
	}
	if i >= n {
		return shard{}, fmt.Errorf("--shard %q: I must be below N (shards are numbered 0 to %d, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)", s, n-1)
	}
	return shard{I: i, N: n}, nil
}

// includes reports whether key belongs to this shard: the 64-bit FNV-1a
// hash of the key's bytes, modulo N, equals I. It depends on the key alone,
// so every machine and every run splits a batch the same way.
func (s shard) includes(key string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()%s.N == s.I
}

func (s shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}
