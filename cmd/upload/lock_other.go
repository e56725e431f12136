//go:build !unix

package main

import "os"

// lockFile does nothing where flock is missing: two runs must not share a
// state file there.
func lockFile(*os.File) error { return nil }
