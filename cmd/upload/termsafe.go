package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Terminal safety: a file name or key may hold control characters (ESC
// sequences, C1 controls such as U+009B, which many terminals obey as a
// CSI) or bytes that are not UTF-8. Everything printed for humans goes
// through shown (a path or key: quoted, Go-style, when it holds any) or
// safeText (a message: each such character escaped in place). The JSON
// report keeps the exact values; JSON escapes them itself.

// unsafeRune reports whether r must not reach a terminal raw: C0 controls,
// DEL, the C1 range U+0080 to U+009F, and utf8.RuneError (a byte that is
// not UTF-8, which a terminal in a legacy encoding may take for a C1).
func unsafeRune(r rune) bool {
	return r < 0x20 || 0x7f <= r && r <= 0x9f || r == utf8.RuneError
}

// needsQuote reports whether s holds a character unsafeRune refuses.
func needsQuote(s string) bool {
	for _, r := range s {
		if unsafeRune(r) {
			return true
		}
	}
	return false
}

// shown returns a path or key as printed for humans: as is, or quoted with
// Go escapes ("a\x1b[2Jb") when it holds a control character or invalid
// UTF-8.
func shown(s string) string {
	if !needsQuote(s) {
		return s
	}
	return strconv.Quote(s)
}

// safeText returns a message with each control character or invalid byte
// escaped (\x1b, \u009b) and newlines and tabs kept; text already safe is
// returned unchanged.
func safeText(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) && r != '\n' && r != '\t' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r) && r != '\n' && r != '\t' {
			q := strconv.Quote(s[i : i+n])
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
