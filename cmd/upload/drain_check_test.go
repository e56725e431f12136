package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestDrainCheckJSONError: each damaged copy in drain --check --json has
// the report's error object ({kind, code, status, message, request_id,
// hints}), the same shape as a failed upload's, and an intact one null.
func TestDrainCheckJSONError(t *testing.T) {
	c := newCLI(t)
	conf := func(endpoint string) {
		c.config(fmt.Sprintf("targets:\n  - {name: cloud, provider: s3, endpoint: '%s', bucket: bkt, anonymous: true}\nbackup: ./bk\nretry: {attempts: 1}\n", endpoint))
	}
	backupThenDamage(t, c, conf)
	r := c.run("drain", "--check", "--json")
	if r.code != exitFailed {
		t.Fatalf("drain --check: exit %d, want 1\n%s", r.code, r.stderr)
	}
	damaged, intact := 0, 0
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var line struct {
			Summary *json.RawMessage `json:"summary"`
			Key     string           `json:"key"`
			Status  string           `json:"status"`
			Error   *json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.Summary != nil {
			continue
		}
		if line.Status == "intact" {
			intact++
			if line.Error != nil {
				t.Errorf("%s is intact with error %s", line.Key, *line.Error)
			}
			continue
		}
		damaged++
		var e errorReport
		if line.Error == nil || json.Unmarshal(*line.Error, &e) != nil {
			t.Errorf("%s: error %v is not an object", line.Key, line.Error)
			continue
		}
		if e.Kind != "integrity" || e.Message == "" || e.Hints == nil {
			t.Errorf("%s: error %+v, want kind integrity, a message and a hints list", line.Key, e)
		}
		for _, k := range []string{`"kind"`, `"code"`, `"status"`, `"message"`, `"request_id"`, `"hints"`} {
			if !strings.Contains(string(*line.Error), k) {
				t.Errorf("%s: error %s lacks %s", line.Key, *line.Error, k)
			}
		}
	}
	if damaged != 3 || intact != 2 {
		t.Errorf("%d damaged and %d intact lines, want 3 and 2", damaged, intact)
	}
}
