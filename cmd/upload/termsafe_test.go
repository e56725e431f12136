package main

import "testing"

func TestShownAndSafeText(t *testing.T) {
	for _, tc := range []struct{ in, shown, safe string }{
		{"plain/path.txt", "plain/path.txt", "plain/path.txt"},
		{"données/日本語", "données/日本語", "données/日本語"},
		{"e\x1b[2J", `"e\x1b[2J"`, `e\x1b[2J`},
		{"c\u009b31m", `"c\u009b31m"`, `c\u009b31m`},
		{"del\x7f", `"del\x7f"`, `del\x7f`},
		{"bad\xffutf8", `"bad\xffutf8"`, `bad\xffutf8`},
		{"two\nlines\tok", `"two\nlines\tok"`, "two\nlines\tok"},
	} {
		if got := shown(tc.in); got != tc.shown {
			t.Errorf("shown(%q) = %s, want %s", tc.in, got, tc.shown)
		}
		if got := safeText(tc.in); got != tc.safe {
			t.Errorf("safeText(%q) = %s, want %s", tc.in, got, tc.safe)
		}
	}
}
