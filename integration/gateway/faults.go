package gateway

import (
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ActionKind is what a fault does to a request.
type ActionKind int

// The fault actions.
const (
	// ActionRespond answers with a crafted error (Status, Code, Message,
	// RetryAfter) in the gateway's dialect, after draining the request body.
	// Nothing reaches the upstream.
	ActionRespond ActionKind = iota + 1
	// ActionReset reads the request body, then resets the TCP connection
	// (SO_LINGER 0): the client sees "connection reset by peer".
	ActionReset
	// ActionStall reads the request body, then answers nothing until the
	// client gives up (closes the connection or its context ends), the
	// gateway closes, or Delay (default Options.MaxStall) passes; then it
	// resets the connection.
	ActionStall
	// ActionLatency waits Delay (at most Options.MaxStall) before handling
	// the request normally.
	ActionLatency
	// ActionTruncate forwards the request (so the upstream does the
	// operation), then sends a reply cut short: half the body with the full
	// Content-Length, or for a bodiless reply half a status line, and closes
	// the connection.
	ActionTruncate
	// ActionBandwidth handles the request normally, but reads its body and
	// writes its reply no faster than BytesPerSecond each (see [Bandwidth]).
	ActionBandwidth
	// ActionHold forwards the request (so the upstream does the operation),
	// signals Held once the upstream has answered, then holds the reply: it
	// answers nothing until the client gives up, the gateway closes, or
	// Delay (default Options.MaxStall) passes; then it resets the
	// connection.
	ActionHold
	// ActionHoldBody reads Bytes bytes of the request body (all of it if
	// shorter), signals Held, then reads no more and answers nothing until
	// the client gives up, the gateway closes, or Delay (default
	// Options.MaxStall) passes; then it resets the connection. Nothing
	// reaches the upstream.
	ActionHoldBody
)

// Action is what happens to a request a [Fault] matches. Build one with
// [Respond], [SlowDown], [TooManyRequests], [InternalError], [Reset],
// [Stall], [Latency], [Truncate], [Bandwidth] or [NamedAction].
type Action struct {
	Kind ActionKind
	// Status, Code and Message of ActionRespond; an empty Message takes the
	// vendor's usual wording.
	Status        int
	Code, Message string
	// RetryAfter, when positive, sets the Retry-After header (whole
	// seconds, rounded up) of ActionRespond.
	RetryAfter time.Duration
	// Delay of ActionLatency, and the longest wait of ActionStall,
	// ActionHold and ActionHoldBody (0: the gateway's MaxStall).
	Delay time.Duration
	// BytesPerSecond is the rate of ActionBandwidth, in each direction.
	BytesPerSecond int64
	// Bytes is how much of the body ActionHoldBody reads.
	Bytes int64
	// Held, if not nil, receives a value from ActionHold and ActionHoldBody
	// when the request starts to be held (the send waits for a receiver,
	// or until the client gives up or the gateway closes): a test drives
	// the client from there (cancels it, say) instead of sleeping.
	Held chan<- struct{}
}

// RespondCode answers code with the status that the vendors' published
// error-code table (errclass.Codes) gives it in the gateway's dialect, e.g.
// RespondCode("PublicEndpointForbidden") is a 400 from an OSS gateway. Any
// code of the table can be injected this way; a code the table lacks is
// answered 500, with a message that says so.
func RespondCode(code string) Action {
	return Action{Kind: ActionRespond, Code: code}
}

// Respond answers status with the vendor code (e.g. 403
// "SignatureDoesNotMatch", 404 "NoSuchBucket").
func Respond(status int, code string) Action {
	return Action{Kind: ActionRespond, Status: status, Code: code}
}

// SlowDown answers 503 SlowDown with Retry-After: 1.
func SlowDown() Action {
	return Action{Kind: ActionRespond, Status: http.StatusServiceUnavailable, Code: "SlowDown", RetryAfter: time.Second}
}

// TooManyRequests answers 429 TooManyRequests with Retry-After: 1.
func TooManyRequests() Action {
	return Action{Kind: ActionRespond, Status: http.StatusTooManyRequests, Code: "TooManyRequests", RetryAfter: time.Second}
}

// InternalError answers 500 InternalError.
func InternalError() Action {
	return Action{Kind: ActionRespond, Status: http.StatusInternalServerError, Code: "InternalError"}
}

// Reset resets the connection after reading the request.
func Reset() Action { return Action{Kind: ActionReset} }

// Stall reads the request and answers nothing until the client gives up.
func Stall() Action { return Action{Kind: ActionStall} }

// Latency delays the request by d, then handles it normally.
func Latency(d time.Duration) Action { return Action{Kind: ActionLatency, Delay: d} }

// Truncate forwards the request and cuts the reply short.
func Truncate() Action { return Action{Kind: ActionTruncate} }

// Hold forwards the request, signals held (if not nil) once the upstream
// has answered, and holds the reply until the client gives up.
func Hold(held chan<- struct{}) Action { return Action{Kind: ActionHold, Held: held} }

// HoldBody reads n bytes of the request body, signals held (if not nil),
// and holds the request there until the client gives up; nothing is
// forwarded.
func HoldBody(n int64, held chan<- struct{}) Action {
	return Action{Kind: ActionHoldBody, Bytes: n, Held: held}
}

// NamedAction returns the action for a fault name. The names are those of
// backendtest.FaultType.String ("500", "503-slowdown", "429", "reset",
// "stall"), so a conformance harness maps a fault with
//
//	a, err := gateway.NamedAction(f.Type.String())
//	gw.Inject(gateway.Fault{Action: a})
//
// plus "truncate", "latency" (1 s) and the vendor codes
// "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed",
// "AccessDenied" (403) and "NoSuchBucket" (404), and any other code of the
// vendors' error-code table (see [RespondCode]).
func NamedAction(name string) (Action, error) {
	switch name {
	case "500":
		return InternalError(), nil
	case "503-slowdown", "503", "SlowDown":
		return SlowDown(), nil
	case "429":
		return TooManyRequests(), nil
	case "reset":
		return Reset(), nil
	case "stall":
		return Stall(), nil
	case "truncate":
		return Truncate(), nil
	case "latency":
		return Latency(time.Second), nil
	case "SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed", "AccessDenied":
		return Respond(http.StatusForbidden, name), nil
	case "NoSuchBucket":
		return Respond(http.StatusNotFound, name), nil
	}
	if knownCode(name) {
		return RespondCode(name), nil
	}
	return Action{}, fmt.Errorf("gateway: unknown fault name %q", name)
}

// String names the action for records and logs.
func (a Action) String() string {
	switch a.Kind {
	case ActionRespond:
		if a.Status == 0 {
			return "respond-" + a.Code
		}
		return fmt.Sprintf("respond-%d-%s", a.Status, a.Code)
	case ActionReset:
		return "reset"
	case ActionStall:
		return "stall"
	case ActionLatency:
		return "latency-" + a.Delay.String()
	case ActionTruncate:
		return "truncate"
	case ActionBandwidth:
		return fmt.Sprintf("bandwidth-%dB/s", a.BytesPerSecond)
	case ActionHold:
		return "hold"
	case ActionHoldBody:
		return fmt.Sprintf("hold-body-%d", a.Bytes)
	}
	return "none"
}

// Fault arranges for some requests to meet an Action. A request meets the
// first injected fault that matches it and has budget left; every criterion
// left empty matches everything, and a fault with no bound lasts until
// removed.
type Fault struct {
	// Ops and Methods restrict the fault to these operations or HTTP
	// methods (both lists must match when both are set).
	Ops     []Op
	Methods []string
	// Bucket and KeyPrefix restrict it to one bucket or to keys with the
	// prefix.
	Bucket, KeyPrefix string
	// Action is what matching requests meet.
	Action Action
	// Times bounds how many requests the fault affects (0: unbounded).
	Times int
	// Probability, when in (0, 1), lets each matching request meet the
	// fault with that probability, drawn from the gateway's seeded random
	// source (Options.Seed); 0 or 1 means always.
	Probability float64
	// From and Until bound the fault to a window of the gateway's Clock
	// (without the offset); zero values leave that side open.
	From, Until time.Time
}

// FaultID identifies an injected fault.
type FaultID int

type faultEntry struct {
	id   FaultID
	f    Fault
	used int
}

type faultSet struct {
	mu     sync.Mutex
	list   []*faultEntry
	hits   map[FaultID]int
	rng    *rand.Rand
	nextID FaultID
}

func (fs *faultSet) init(seed int64) {
	fs.rng = rand.New(rand.NewSource(seed))
	fs.hits = map[FaultID]int{}
}

// Inject adds a fault after those already injected and returns its id.
func (g *Gateway) Inject(f Fault) FaultID {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	g.faults.nextID++
	g.faults.list = append(g.faults.list, &faultEntry{id: g.faults.nextID, f: f})
	return g.faults.nextID
}

// RemoveFault removes one fault; it reports whether it was still there.
func (g *Gateway) RemoveFault(id FaultID) bool {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	for i, e := range g.faults.list {
		if e.id == id {
			g.faults.list = append(g.faults.list[:i], g.faults.list[i+1:]...)
			return true
		}
	}
	return false
}

// ClearFaults removes every fault.
func (g *Gateway) ClearFaults() {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	g.faults.list = nil
}

// FaultHits returns how many requests the fault has affected, including
// after it was exhausted or removed.
func (g *Gateway) FaultHits(id FaultID) int {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	return g.faults.hits[id]
}

func (fs *faultSet) match(ri reqInfo, method string, now time.Time) (Action, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i := 0; i < len(fs.list); i++ {
		e := fs.list[i]
		f := &e.f
		if !f.Until.IsZero() && !now.Before(f.Until) {
			// The window has passed: the fault can never match again.
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
			i--
			continue
		}
		if !f.From.IsZero() && now.Before(f.From) {
			continue
		}
		if !matches(f, ri, method) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && fs.rng.Float64() >= f.Probability {
			continue
		}
		e.used++
		fs.hits[e.id]++
		if f.Times > 0 && e.used >= f.Times {
			fs.list = append(fs.list[:i], fs.list[i+1:]...)
		}
		return f.Action, true
	}
	return Action{}, false
}

func matches(f *Fault, ri reqInfo, method string) bool {
	if len(f.Ops) > 0 {
		ok := false
		for _, op := range f.Ops {
			if op == ri.op {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Methods) > 0 {
		ok := false
		for _, m := range f.Methods {
			if strings.EqualFold(m, method) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if f.Bucket != "" && f.Bucket != ri.bucket {
		return false
	}
	return f.KeyPrefix == "" || strings.HasPrefix(ri.key, f.KeyPrefix)
}

// applyFault carries out a terminal action (respond, reset, stall).
func (g *Gateway) applyFault(w http.ResponseWriter, x *exchange, a Action) {
	switch a.Kind {
	case ActionRespond:
		drain(x.r)
		if a.Status == 0 {
			a.Status, a.Message = g.codeStatus(a.Code, a.Message)
		}
		e := newAPIError(a.Status, a.Code, a.Message)
		e.RetryAfter = a.RetryAfter
		if a.Code == "RequestTimeTooSkewed" && g.opts.Dialect != TOS {
			e.ServerTime = x.now.UTC().Format(time.RFC3339)
			e.MaxSkew = g.opts.SkewWindow
		}
		x.commit(OutcomeFaulted, a.Status, a.Code)
		g.writeError(w, x, e)
	case ActionReset:
		drain(x.r)
		x.commit(OutcomeFaulted, 0, "reset")
		resetConn(w)
	case ActionStall:
		drain(x.r)
		d := a.Delay
		if d <= 0 || d > g.opts.MaxStall {
			d = g.opts.MaxStall
		}
		t := time.NewTimer(d)
		defer t.Stop()
		x.commit(OutcomeFaulted, 0, "stall")
		select {
		case <-x.r.Context().Done():
		case <-g.closing:
		case <-t.C:
		}
		resetConn(w)
	case ActionHoldBody:
		_, _ = io.CopyN(io.Discard, x.r.Body, a.Bytes)
		x.commit(OutcomeFaulted, 0, "hold-body")
		g.holdOn(w, x, a)
	}
}

// drain reads and discards the request body, so the client sees the reply
// rather than a broken pipe (sdks-against-minio.md, pitfall 13).
func drain(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
}

// resetConn closes the client connection with an RST.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2 or a test recorder: abort the stream
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
