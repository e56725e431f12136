package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// attemptRec is one attempt of one upload, as the --json report states it.
type attemptRec struct {
	Target  string
	Start   time.Time
	Elapsed time.Duration
	Code    string
	Kind    string
	OK      bool
}

// End is when the attempt ended.
func (a attemptRec) End() time.Time { return a.Start.Add(a.Elapsed) }

// jsonReport is the part of `upload --json` output the harness reads: every
// line that has an attempts list.
type jsonReport struct {
	Uploads [][]attemptRec
}

// readReport parses an NDJSON report file.
func readReport(path string) (*jsonReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseReport(bufio.NewScanner(f))
}

// parseReport reads NDJSON lines; a line with an "attempts" array (at the
// top or under "result") is one upload. Keys are matched without regard to
// case or underscores; "elapsed" may be a Go duration string, a number of
// nanoseconds, or "elapsed_ms" a number of milliseconds.
func parseReport(sc *bufio.Scanner) (*jsonReport, error) {
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	rep := &jsonReport{}
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" || b[0] != '{' {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		raw, ok := field(m, "attempts").([]any)
		if !ok {
			if r, ok2 := field(m, "result").(map[string]any); ok2 {
				raw, ok = field(r, "attempts").([]any)
			}
		}
		if !ok {
			continue
		}
		var atts []attemptRec
		for _, x := range raw {
			am, ok := x.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("line %d: an attempt is not an object", line)
			}
			a, err := parseAttempt(am)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			atts = append(atts, a)
		}
		rep.Uploads = append(rep.Uploads, atts)
	}
	return rep, sc.Err()
}

// field returns m's value for key, matching case-insensitively and
// ignoring underscores and dashes.
func field(m map[string]any, key string) any {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	k := norm(key)
	for mk, v := range m {
		if norm(mk) == k {
			return v
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func parseAttempt(m map[string]any) (attemptRec, error) {
	a := attemptRec{Target: str(field(m, "target")), Code: str(field(m, "code")), Kind: str(field(m, "kind"))}
	start := str(field(m, "start"))
	if start == "" {
		return a, errors.New("attempt without a start time")
	}
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return a, fmt.Errorf("attempt start: %w", err)
	}
	a.Start = t
	switch v := field(m, "elapsed").(type) {
	case string:
		if a.Elapsed, err = time.ParseDuration(v); err != nil {
			return a, fmt.Errorf("attempt elapsed: %w", err)
		}
	case float64:
		a.Elapsed = time.Duration(v)
	case nil:
		if ms, ok := field(m, "elapsed_ms").(float64); ok {
			a.Elapsed = time.Duration(ms * float64(time.Millisecond))
		} else {
			return a, errors.New("attempt without elapsed or elapsed_ms")
		}
	}
	errv := field(m, "error")
	if errv == nil {
		errv = field(m, "err")
	}
	a.OK = (errv == nil || errv == "") && (a.Kind == "" || strings.EqualFold(a.Kind, "ok") || strings.EqualFold(a.Kind, "none"))
	return a, nil
}

// rejectedMicros returns, for every upload whose attempts include a
// circuit-open rejection on target, the time that rejection took (µs).
func (r *jsonReport) rejectedMicros(target string) []float64 {
	var out []float64
	for _, atts := range r.Uploads {
		for _, a := range atts {
			if a.Target == target && isCircuitOpen(a) {
				out = append(out, float64(a.Elapsed)/float64(time.Microsecond))
			}
		}
	}
	return out
}

func isCircuitOpen(a attemptRec) bool {
	k := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(a.Kind))
	return k == "circuitopen"
}

// timeToFailover is the time from the end of the first attempt on primary
// that failed with code to the end of the first successful attempt on
// secondary.
func (r *jsonReport) timeToFailover(primary, code, secondary string) (time.Duration, error) {
	var firstFail, firstOK time.Time
	for _, atts := range r.Uploads {
		for _, a := range atts {
			switch {
			case a.Target == primary && a.Code == code:
				if firstFail.IsZero() || a.End().Before(firstFail) {
					firstFail = a.End()
				}
			case a.Target == secondary && a.OK:
				if firstOK.IsZero() || a.End().Before(firstOK) {
					firstOK = a.End()
				}
			}
		}
	}
	switch {
	case len(r.Uploads) == 0:
		return 0, errors.New("the --json report has no uploads with attempts")
	case firstFail.IsZero():
		return 0, fmt.Errorf("no attempt on %q failed with %s", primary, code)
	case firstOK.IsZero():
		return 0, fmt.Errorf("no attempt on %q succeeded", secondary)
	}
	return firstOK.Sub(firstFail), nil
}

// delaysMillis returns, for every upload that succeeded, the time from its
// first attempt's start to its successful attempt's start (ms): what trying
// other targets first cost it.
func (r *jsonReport) delaysMillis() []float64 {
	var out []float64
	for _, atts := range r.Uploads {
		if len(atts) == 0 {
			continue
		}
		for _, a := range atts {
			if a.OK {
				out = append(out, float64(a.Start.Sub(atts[0].Start))/float64(time.Millisecond))
				break
			}
		}
	}
	return out
}

// attemptsOn counts the attempts on target: those that reached it (any
// kind but circuit_open) and those its open breaker rejected.
func (r *jsonReport) attemptsOn(target string) (reached, rejected int) {
	for _, atts := range r.Uploads {
		for _, a := range atts {
			if a.Target != target {
				continue
			}
			if isCircuitOpen(a) {
				rejected++
			} else {
				reached++
			}
		}
	}
	return reached, rejected
}
