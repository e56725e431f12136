package main

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	uconfig "github.com/resilient-upload/upload/config"
)

// parseSize reads a human size (config.ParseSize: the configuration file
// and the flags take the same sizes).
func parseSize(s string) (int64, error) { return uconfig.ParseSize(s) }

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
