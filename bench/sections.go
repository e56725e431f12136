package main

import (
	"errors"
	"os"
	"strings"
)

// sectionOf returns the section of the Markdown document md that starts
// with the level-2 heading line heading, up to the next level-2 heading or
// the end; "" if md has none.
func sectionOf(md, heading string) string {
	i := strings.Index(md, heading+"\n")
	if i < 0 {
		return ""
	}
	rest := md[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j+1]
	}
	return md[i:i+len(heading)] + rest
}

// withSection returns md with its section under heading replaced by sec
// (which starts with that heading), or with sec appended when md has none.
func withSection(md, heading, sec string) string {
	sec = strings.TrimRight(sec, "\n") + "\n"
	if old := sectionOf(md, heading); old != "" {
		i := strings.Index(md, old)
		next := md[i+len(old):]
		if next != "" {
			sec += "\n"
		}
		return md[:i] + sec + next
	}
	if md == "" {
		return sec
	}
	return strings.TrimRight(md, "\n") + "\n\n" + sec
}

// keptSections are the sections a full run carries over from the report
// it replaces when it did not measure them itself: each comes from a mode
// of its own (-load, -throttle, -scale, -rtt) that writes only its section.
var keptSections = []string{throttleHeading, scaleHeading, loadHeading, wanHeading}

// keepSections returns report with every kept section of old that report
// lacks.
func keepSections(report, old string) string {
	for _, h := range keptSections {
		if sectionOf(report, h) != "" {
			continue
		}
		if sec := sectionOf(old, h); sec != "" {
			report = withSection(report, h, sec)
		}
	}
	return report
}

// writeSection replaces (or appends) the section under heading in the
// report file out with sec.
func writeSection(out, heading, sec string) error {
	old, err := readIfExists(out)
	if err != nil {
		return err
	}
	return writeFileAtomic(out, []byte(withSection(old, heading, sec)))
}

// readIfExists returns the file's contents, or "" if it does not exist.
func readIfExists(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory, so an interrupted run never leaves half a report.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
