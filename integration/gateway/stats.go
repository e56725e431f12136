package gateway

import (
	"sync"
	"time"
)

// Outcome is how the gateway dealt with a request.
type Outcome string

// The outcomes.
const (
	// OutcomeForwarded: the request reached the upstream (whatever it
	// answered).
	OutcomeForwarded Outcome = "forwarded"
	// OutcomeRejected: the gateway answered itself, as the vendor would
	// (bad signature, unknown key, skewed time, unsupported API).
	OutcomeRejected Outcome = "rejected"
	// OutcomeFaulted: an injected fault decided the reply (a crafted
	// error, reset, stall or truncated reply; a truncated request did reach
	// the upstream).
	OutcomeFaulted Outcome = "faulted"
)

// Record describes one request the gateway saw.
type Record struct {
	ID     string // the request ID sent in the vendor's header
	Time   time.Time
	Method string
	Path   string
	Op     Op
	Bucket string
	Key    string
	// Outcome and Status (0 when the connection was reset or stalled) and
	// Code ("" on success; "reset", "stall" for those faults).
	Outcome Outcome
	Status  int
	Code    string
	// Fault names the fault's action, "" when none matched.
	Fault string
}

// maxRecords bounds the request log.
const maxRecords = 1000

type countKey struct {
	op      Op
	outcome Outcome
}

type stats struct {
	mu      sync.Mutex
	seen    map[Op]int
	counts  map[countKey]int
	records []Record
}

func (s *stats) init() {
	s.seen = map[Op]int{}
	s.counts = map[countKey]int{}
}

// arrive counts a request as soon as its headers are read.
func (s *stats) arrive(op Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[op]++
}

func (s *stats) add(r *Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[countKey{r.Op, r.Outcome}]++
	s.records = append(s.records, *r)
	if len(s.records) > maxRecords {
		s.records = s.records[len(s.records)-maxRecords:]
	}
}

// Count returns how many requests of op ([OpAny]: of every operation) have
// reached the gateway since the last [Gateway.ResetCounts]. A request is
// counted as soon as its headers are read, so the count is final once the
// client has its answer.
func (g *Gateway) Count(op Op) int {
	g.stats.mu.Lock()
	defer g.stats.mu.Unlock()
	n := 0
	for k, c := range g.stats.seen {
		if op == OpAny || k == op {
			n += c
		}
	}
	return n
}

// CountOutcome returns how many requests of op ([OpAny]: all) had the
// outcome ("": any). The outcome is recorded before the first byte of the
// reply (or the reset) goes out, so it too is final once the client has its
// answer.
func (g *Gateway) CountOutcome(op Op, o Outcome) int {
	g.stats.mu.Lock()
	defer g.stats.mu.Unlock()
	n := 0
	for k, c := range g.stats.counts {
		if (op == OpAny || k.op == op) && (o == "" || k.outcome == o) {
			n += c
		}
	}
	return n
}

// Records returns the last (up to 1000) requests, oldest first.
func (g *Gateway) Records() []Record {
	g.stats.mu.Lock()
	defer g.stats.mu.Unlock()
	return append([]Record(nil), g.stats.records...)
}

// ResetCounts forgets the counts and records.
func (g *Gateway) ResetCounts() {
	g.stats.mu.Lock()
	defer g.stats.mu.Unlock()
	g.stats.seen = map[Op]int{}
	g.stats.counts = map[countKey]int{}
	g.stats.records = nil
}
