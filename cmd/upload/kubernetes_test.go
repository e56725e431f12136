package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestKubernetesExample parses examples/kubernetes/job.yaml and runs each
// pod's command line, as the kubelet would expand it, with --dry-run: it
// must be accepted (exit 0), use --shard I/N with N the Job's completions
// and --skip-existing=checksum, and the N shards must split the files
// between them, each file in exactly one. The network of the manifest's
// configuration is replaced by closed loopback ports (a dry run with
// --skip-existing lists; the failed listing is a warning).
func TestKubernetesExample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "kubernetes", "job.yaml"))
	must(t, err)
	var job, cm map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("job.yaml: %v", err)
		}
		switch doc["kind"] {
		case "Job":
			job = doc
		case "ConfigMap":
			cm = doc
		}
	}
	if job == nil || cm == nil {
		t.Fatalf("job.yaml has no Job or no ConfigMap")
	}
	spec := job["spec"].(map[string]any)
	if spec["completionMode"] != "Indexed" {
		t.Errorf("completionMode %v, want Indexed", spec["completionMode"])
	}
	n := spec["completions"].(int)
	pod := spec["template"].(map[string]any)["spec"].(map[string]any)
	ctr := pod["containers"].([]any)[0].(map[string]any)
	var args []string
	for _, a := range append(ctr["command"].([]any), ctr["args"].([]any)...) {
		args = append(args, a.(string))
	}
	if args[0] != "upload" {
		t.Fatalf("the container runs %q, want upload", args[0])
	}
	args = args[1:]
	if !slices.Contains(args, fmt.Sprintf("--shard=$(JOB_COMPLETION_INDEX)/%d", n)) || !slices.Contains(args, "--skip-existing=checksum") {
		t.Errorf("args %q lack --shard=$(JOB_COMPLETION_INDEX)/%d or --skip-existing=checksum", args, n)
	}
	declared := false
	for _, e := range ctr["env"].([]any) {
		declared = declared || e.(map[string]any)["name"] == "JOB_COMPLETION_INDEX"
	}
	if !declared {
		t.Errorf("JOB_COMPLETION_INDEX is not declared in env, so $(JOB_COMPLETION_INDEX) is not expanded")
	}

	// The configuration, with loopback endpoints.
	var cfg map[string]any
	must(t, yaml.Unmarshal([]byte(cm["data"].(map[string]any)["upload.yaml"].(string)), &cfg))
	for _, tg := range cfg["targets"].([]any) {
		m := tg.(map[string]any)
		m["endpoint"] = "http://127.0.0.1:1"
		if c, ok := m["credentials"].(map[string]any); ok {
			c["metadata_endpoint"] = "http://127.0.0.1:1"
		}
	}
	c := newCLI(t)
	mounts := map[string]string{"/etc/upload": filepath.Join(c.dir, "etc"), "/data": filepath.Join(c.dir, "data"), "/backup": filepath.Join(c.dir, "backup")}
	for _, d := range mounts {
		must(t, os.MkdirAll(d, 0o755))
	}
	cfg["backup"] = strings.Replace(cfg["backup"].(string), "/backup", mounts["/backup"], 1)
	out, err := yaml.Marshal(cfg)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(mounts["/etc/upload"], "upload.yaml"), out, 0o600))
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("data/f%02d.bin", i)] = strconv.Itoa(i)
	}
	c.write(files)

	seen := map[string]int{}
	for i := range n {
		podArgs := make([]string, len(args))
		for j, a := range args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
			for from, to := range mounts {
				if a == from || strings.HasPrefix(a, from+"/") {
					a = to + a[len(from):]
				} else if k := strings.Index(a, "="+from); k >= 0 && (len(a) == k+1+len(from) || a[k+1+len(from)] == '/') {
					a = a[:k+1] + to + a[k+1+len(from):]
				}
			}
			podArgs[j] = a
		}
		r := c.run(append(podArgs, "--dry-run")...)
		if r.code != exitOK {
			t.Fatalf("pod %d: upload %q --dry-run: exit %d\n%s", i, podArgs, r.code, r.stderr)
		}
		for _, f := range parseReport(t, r.stdout).files {
			if f.Status != statusWouldUpload {
				t.Errorf("pod %d: %s is %s, want would_upload", i, f.Key, f.Status)
			}
			seen[f.Key]++
		}
	}
	if len(seen) != len(files) {
		t.Errorf("the %d pods would upload %d distinct files, want all %d", n, len(seen), len(files))
	}
	for k, times := range seen {
		if times != 1 || !strings.HasPrefix(k, "archive/2026/") {
			t.Errorf("%s is in %d shards (want 1) or lacks the prefix", k, times)
		}
	}
	if _, err := os.Stat(filepath.Join(mounts["/backup"], "spool")); err == nil {
		t.Errorf("the dry run created the backup directory")
	}
}
