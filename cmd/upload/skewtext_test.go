package main

import (
	"regexp"
	"testing"
	"time"
)

// minutesSeconds matches a duration as the messages print a rounded skew.
var minutesSeconds = regexp.MustCompile(`\b\d+m\d+s\b`)

// about31m returns s with every duration within a minute of 31m (the
// skew the tests' gateways run at) replaced by "≈31m". A message states
// the measured skew rounded to the second, and the measurement is off by
// half the round trip, so a slow reply on a busy machine turns 31m0s into
// 31m1s; checks of the text compare about31m(s) instead.
func about31m(s string) string {
	return minutesSeconds.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(m)
		if err != nil || (d-31*time.Minute).Abs() > time.Minute {
			return m
		}
		return "≈31m"
	})
}

func TestAbout31m(t *testing.T) {
	for in, want := range map[string]string{
		"clock is 31m0s behind the server's, beyond the vendor's ±15m0s window": "clock is ≈31m behind the server's, beyond the vendor's ±15m0s window",
		"its clock is 31m1s ahead of ours":                                      "its clock is ≈31m ahead of ours",
		"its clock is 30m59s ahead of ours":                                     "its clock is ≈31m ahead of ours",
		"its clock is 5m0s ahead of ours":                                       "its clock is 5m0s ahead of ours",
	} {
		if got := about31m(in); got != want {
			t.Errorf("about31m(%q) = %q, want %q", in, got, want)
		}
	}
}
