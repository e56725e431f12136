package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScaleTreeExtendsAndLists(t *testing.T) {
	dir := t.TempDir()
	tree, list := filepath.Join(dir, "tree"), filepath.Join(dir, "list")
	if err := scaleTree(tree, 0, 1500, list); err != nil {
		t.Fatal(err)
	}
	if err := scaleTree(tree, 1500, 2500, list); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil || n != 2500 {
		t.Fatalf("%d files (%v), want 2500", n, err)
	}
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2500 {
		t.Fatalf("list has %d paths, want 2500", len(lines))
	}
	for _, l := range []string{lines[0], lines[2499]} {
		if _, err := os.Stat(l); err != nil {
			t.Fatalf("listed path: %v", err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(tree, "d0001")); len(entries) != 1000 {
		t.Fatalf("d0001 has %d files, want 1000", len(entries))
	}
}

func TestScaleOptionsAndReport(t *testing.T) {
	if _, _, err := (scaleOptions{Counts: "10,x", Sources: "dir"}).parse(); err == nil {
		t.Fatal("a bad count was accepted")
	}
	if _, _, err := (scaleOptions{Counts: "10", Sources: "dir,ftp"}).parse(); err == nil || !strings.Contains(err.Error(), "ftp") {
		t.Fatalf("a bad source: %v", err)
	}
	res := &scaleResults{Runs: []scaleRun{
		{Files: 10000, Source: "dir", M: measurement{Wall: 2 * time.Second, MaxRSSKiB: 20 << 10}},
		{Files: 100000, Source: "dir", M: measurement{Wall: 20 * time.Second, MaxRSSKiB: 22 << 10}},
		{Files: 10000, Source: "state", M: measurement{Wall: 2 * time.Second, MaxRSSKiB: 20 << 10}, Journal: 3_500_000},
		{Files: 100000, Source: "state", Err: errString("the sink received 5 PUTs for 100000 files")},
	}}
	md := renderScale(res)
	for _, want := range []string{"| 100,000 | dir | 20.0 | 5,000 |", "peak RSS 20 MiB at 10,000 files, 22 MiB at 100,000 (+10%", "(350 B/file)", "the sink received 5 PUTs"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if ch := scaleCharts(res); len(ch) != 2 {
		t.Fatalf("%d charts, want 2", len(ch))
	}
}
