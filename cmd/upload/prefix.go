package main

import "strings"

// joinKey joins --prefix and a key relative to its argument like a
// directory and a file: exactly one "/" between them, whether or not the
// prefix ends with "/" (or with several). An empty prefix, or one of
// slashes only, leaves the key as is.
func joinKey(prefix, rel string) string {
	p := strings.TrimRight(prefix, "/")
	if p == "" {
		return rel
	}
	return p + "/" + strings.TrimLeft(rel, "/")
}
