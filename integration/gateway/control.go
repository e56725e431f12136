package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ControlOptions configures [NewControl].
type ControlOptions struct {
	// Gateways are the gateways the API drives, at most one per dialect.
	Gateways []*Gateway
	// Token, when set, must come with every request as
	// "Authorization: Bearer TOKEN"; other requests get 401. Required
	// whenever the control API listens beyond loopback.
	Token string
	// Info, when set, is what GET /v1/info answers (marshalled as JSON):
	// typically the endpoints, region, buckets and test credentials the
	// gateways were started with. Default: each dialect's URL.
	Info any
	// MakeBucket, when set, lets POST /v1/buckets create a bucket on the
	// upstream; it must succeed when the bucket exists already. Without it
	// that route answers 501.
	MakeBucket func(ctx context.Context, name string) error
}

// maxControlRequest bounds a control request's body.
const maxControlRequest = 1 << 20

// NewControl returns the HTTP control API over gateways: JSON in and out,
// a thin layer over the Go API ([Gateway.SetClockOffset], [Gateway.Inject],
// [Gateway.Count]...), so tests in any language drive the same code. The
// routes, with {dialect} one of tos, oss, obs, cos (or "all" where noted):
//
//	GET    /v1/info                          the Info of ControlOptions
//	POST   /v1/buckets                       {"name": "photos"}: create a bucket upstream
//	GET    /v1/{dialect}/clock               the clock offset
//	PUT    /v1/{dialect}/clock               {"offset": "31m", "drift": "2s"} (negative: behind;
//	                                         drift: gained per second, from offset); "all" too
//	DELETE /v1/{dialect}/clock               offset 0, no drift; "all" too
//	GET    /v1/{dialect}/link                the emulated link (delay and bandwidth each way)
//	PUT    /v1/{dialect}/link                set it (below); "all" too
//	DELETE /v1/{dialect}/link                loopback as it is; "all" too
//	POST   /v1/{dialect}/faults              inject a fault (below); answers its id
//	GET    /v1/{dialect}/faults              the faults still active, with their hits
//	GET    /v1/{dialect}/faults/{id}         how many requests it affected
//	DELETE /v1/{dialect}/faults/{id}         remove it
//	DELETE /v1/{dialect}/faults              remove every fault; "all" too
//	GET    /v1/{dialect}/counts              requests per operation and outcome
//	DELETE /v1/{dialect}/counts              reset counts and records; "all" too
//	GET    /v1/{dialect}/records             the last requests (up to 1000)
//	POST   /v1/{dialect}/tokens              {"lifetime": "15m"}: issue temporary credentials
//	POST   /v1/{dialect}/tokens/expire       {"access_key": "STS..."}: expire them; {}: all
//
// A fault is the JSON form of [Fault]:
//
//	{"action": "respond", "status": 403, "code": "SignatureDoesNotMatch", "message": "...",
//	 "retry_after": "2s",          // respond: the Retry-After header
//	 "delay": "500ms",             // latency: the delay; stall: the longest wait
//	 "bytes_per_second": 262144,   // bandwidth: the rate, each way
//	 "ops": ["put", "upload_part"], "methods": ["PUT"], "bucket": "b", "key_prefix": "logs/",
//	 "times": 3, "probability": 0.5,
//	 "from": "2026-01-02T15:04:05Z", "until": "...",   // RFC 3339, or relative:
//	 "after": "10s", "for": "1m"}  // the window starts after, and lasts for, that long
//
// Actions: respond (status and code required), slowdown (503 SlowDown,
// Retry-After 1 s unless retry_after says otherwise), too_many_requests
// (429), internal_error (500), reset, stall, latency (delay required),
// truncate, bandwidth (bytes_per_second required); the names of
// [NamedAction] are accepted too, among them every vendor error code of the
// table (see [RespondCode]), answered with its status. Durations are Go
// durations ("1s", "500ms", "-31m"). Operations are the [Op] values ("put",
// "upload_part", "initiate", "complete", "get", "head"...).
//
// Errors are JSON {"error": "message", "field": "name"}: 400 for bad input
// (the field named), 401 without the token, 404 for an unknown route or
// fault, 405 for a wrong method, 501 for what the gateways do not emulate.
//
// The link ([Gateway.SetLink]) is {"rtt": "40ms", "bandwidth": "20MB"}
// (half the round trip each way, the same cap each way) or per direction
// {"up_delay": "20ms", "down_delay": "20ms", "up_bandwidth": "100Mbit",
// "down_bandwidth": "1Gbit"} (up: client to gateway); a bandwidth is bytes
// per second with an optional unit (kB, MB, GB, KiB, MiB, GiB, kbit, Mbit,
// Gbit), "0" unlimited; fields left out are zero. The answer gives the
// delays and the rates in bytes per second (up_bytes_per_second...). A
// gateway whose connections do not cross the emulator answers 501.
// The clock's drift makes the offset grow by that much per second of real
// time (negative: shrink), starting from the offset given (or the current
// one); "0s" stops it. GET answers the offset now and the drift.
//
// Temporary credentials ([Gateway.IssueTemporary]): POST
// /v1/{dialect}/tokens answers 201 with {"access_key", "secret_key",
// "token", "expires"}; the gateway accepts those keys with that token in
// the dialect's security-token header until expires (RFC 3339 on the
// gateway's clock; null with lifetime "0": until expired by hand). POST
// /v1/{dialect}/tokens/expire with {"access_key": ...} makes them expire
// now (404 naming access_key if the gateway never issued it), with {} every
// temporary key pair still valid; it answers {"expired": n}. From then on
// requests signed with them get the vendor's expired-token refusal (see
// [Gateway.AddTemporary]).
func NewControl(opts ControlOptions) (http.Handler, error) {
	c := &control{opts: opts, gws: map[Dialect]*Gateway{}}
	for _, g := range opts.Gateways {
		if g == nil {
			return nil, errors.New("gateway: control: nil gateway")
		}
		if _, dup := c.gws[g.Dialect()]; dup {
			return nil, fmt.Errorf("gateway: control: two gateways of dialect %s", g.Dialect())
		}
		c.gws[g.Dialect()] = g
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/info", c.methods(map[string]http.HandlerFunc{http.MethodGet: c.info}))
	mux.HandleFunc("/v1/buckets", c.methods(map[string]http.HandlerFunc{http.MethodPost: c.makeBucket}))
	mux.HandleFunc("/v1/{dialect}/clock", c.methods(map[string]http.HandlerFunc{
		http.MethodGet: c.getClock, http.MethodPut: c.setClock, http.MethodDelete: c.clearClock}))
	mux.HandleFunc("/v1/{dialect}/link", c.methods(map[string]http.HandlerFunc{
		http.MethodGet: c.getLink, http.MethodPut: c.setLink, http.MethodDelete: c.clearLink}))
	mux.HandleFunc("/v1/{dialect}/faults", c.methods(map[string]http.HandlerFunc{
		http.MethodGet: c.listFaults, http.MethodPost: c.inject, http.MethodDelete: c.clearFaults}))
	mux.HandleFunc("/v1/{dialect}/faults/{id}", c.methods(map[string]http.HandlerFunc{
		http.MethodGet: c.getFault, http.MethodDelete: c.removeFault}))
	mux.HandleFunc("/v1/{dialect}/counts", c.methods(map[string]http.HandlerFunc{
		http.MethodGet: c.counts, http.MethodDelete: c.resetCounts}))
	mux.HandleFunc("/v1/{dialect}/records", c.methods(map[string]http.HandlerFunc{http.MethodGet: c.records}))
	mux.HandleFunc("/v1/{dialect}/tokens", c.methods(map[string]http.HandlerFunc{http.MethodPost: c.issueToken}))
	mux.HandleFunc("/v1/{dialect}/tokens/expire", c.methods(map[string]http.HandlerFunc{http.MethodPost: c.expireTokens}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "", fmt.Sprintf("no such route: %s %s (see GET /v1/info, /v1/{tos,oss,obs,cos}/{clock,link,faults,counts,records,tokens})", r.Method, r.URL.Path))
	})
	return c.authorize(mux), nil
}

type control struct {
	opts ControlOptions
	gws  map[Dialect]*Gateway
}

// inputError is bad input: a 400 naming the field.
type inputError struct{ field, msg string }

func (e *inputError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func badInput(field, format string, args ...any) error {
	return &inputError{field: field, msg: fmt.Sprintf(format, args...)}
}

func (c *control) authorize(next http.Handler) http.Handler {
	if c.opts.Token == "" {
		return next
	}
	want := []byte("Bearer " + c.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="upload gateway control"`)
			writeJSONError(w, http.StatusUnauthorized, "Authorization", "missing or wrong control token: send the header \"Authorization: Bearer $UPLOAD_GATEWAY_TOKEN\"")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// methods dispatches on the method, answering 405 in JSON otherwise.
func (c *control) methods(m map[string]http.HandlerFunc) http.HandlerFunc {
	allowed := make([]string, 0, len(m))
	for k := range m {
		allowed = append(allowed, k)
	}
	sort.Strings(allowed)
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := m[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeJSONError(w, http.StatusMethodNotAllowed, "", fmt.Sprintf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]string{"error": "encoding the reply: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// controlError is the body of every error reply.
type controlError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSONError(w http.ResponseWriter, status int, field, msg string) {
	writeJSON(w, status, controlError{Error: msg, Field: field})
}

// fail answers err: 400 naming the field for bad input, else 500.
func fail(w http.ResponseWriter, err error) {
	var ie *inputError
	if errors.As(err, &ie) {
		writeJSONError(w, http.StatusBadRequest, ie.field, ie.Error())
		return
	}
	writeJSONError(w, http.StatusInternalServerError, "", err.Error())
}

// decode reads a JSON object into v, refusing unknown fields, trailing data
// and wrongly typed values with the field named.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxControlRequest+1))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return badInput("body", "empty: send a JSON object")
	case errors.As(err, &te):
		return badInput(te.Field, "wrong type: got a JSON %s, want %s", te.Value, jsonKind(te.Type.String()))
	case errors.As(err, &se):
		return badInput("body", "not valid JSON at byte %d: %v", se.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return badInput(name, "unknown field")
	default:
		return badInput("body", "%v", err)
	}
	if dec.More() {
		return badInput("body", "more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badInput("body", "trailing data after the JSON object")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return goType
}

// gateways resolves the {dialect} of the path; all admits "all".
func (c *control) gateways(r *http.Request, all bool) ([]*Gateway, error) {
	name := strings.ToLower(r.PathValue("dialect"))
	if all && name == "all" {
		var out []*Gateway
		for _, d := range Dialects {
			if g := c.gws[d]; g != nil {
				out = append(out, g)
			}
		}
		return out, nil
	}
	if g := c.gws[Dialect(name)]; g != nil {
		return []*Gateway{g}, nil
	}
	var served []string
	for _, d := range Dialects {
		if c.gws[d] != nil {
			served = append(served, string(d))
		}
	}
	if all {
		served = append(served, "all")
	}
	return nil, badInput("dialect", "%q is not served here; one of %s", r.PathValue("dialect"), strings.Join(served, ", "))
}

func (c *control) gateway(r *http.Request) (*Gateway, error) {
	gs, err := c.gateways(r, false)
	if err != nil {
		return nil, err
	}
	return gs[0], nil
}

func (c *control) info(w http.ResponseWriter, _ *http.Request) {
	if c.opts.Info != nil {
		writeJSON(w, http.StatusOK, c.opts.Info)
		return
	}
	out := map[string]map[string]string{}
	for d, g := range c.gws {
		out[string(d)] = map[string]string{"endpoint": g.URL()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialects": out})
}

// bucketName is the rule every vendor shares: 3 to 63 lower-case letters,
// digits and hyphens, starting and ending with a letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ValidBucketName reports whether name is a bucket name every dialect
// accepts: 3 to 63 lower-case letters, digits and hyphens, starting and
// ending with a letter or digit.
func ValidBucketName(name string) bool { return bucketName.MatchString(name) }

func (c *control) makeBucket(w http.ResponseWriter, r *http.Request) {
	if c.opts.MakeBucket == nil {
		writeJSONError(w, http.StatusNotImplemented, "", "this control API cannot create buckets")
		return
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if !ValidBucketName(in.Name) {
		fail(w, badInput("name", "%q is not a bucket name every vendor accepts: 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit", in.Name))
		return
	}
	if err := c.opts.MakeBucket(r.Context(), in.Name); err != nil {
		writeJSONError(w, http.StatusBadGateway, "name", fmt.Sprintf("creating bucket %q upstream: %v", in.Name, err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"name": in.Name})
}

// clockBody is the clock's JSON form.
type clockBody struct {
	Dialect  Dialect `json:"dialect"`
	Offset   string  `json:"offset"`
	OffsetMS int64   `json:"offset_ms"`
	// Drift is what the clock gains per second ("0s": none).
	Drift   string `json:"drift"`
	DriftMS int64  `json:"drift_ms"`
}

func clockOf(g *Gateway) clockBody {
	d, r := g.ClockOffset(), g.ClockDrift()
	return clockBody{Dialect: g.Dialect(), Offset: d.String(), OffsetMS: d.Milliseconds(), Drift: r.String(), DriftMS: r.Milliseconds()}
}

func (c *control) getClock(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, clockOf(g))
}

func (c *control) setClock(w http.ResponseWriter, r *http.Request) {
	gs, err := c.gateways(r, true)
	if err != nil {
		fail(w, err)
		return
	}
	var in struct {
		Offset *string `json:"offset"`
		Drift  *string `json:"drift"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, err)
		return
	}
	if in.Offset == nil && in.Drift == nil {
		fail(w, badInput("offset", "required: how far the gateway's clock runs ahead, like \"31m\" (negative: behind), or a drift per second, like \"2s\""))
		return
	}
	var d, drift time.Duration
	if in.Offset != nil {
		if d, err = parseDuration("offset", *in.Offset); err != nil {
			fail(w, err)
			return
		}
	}
	if in.Drift != nil {
		if drift, err = parseDuration("drift", *in.Drift); err != nil {
			fail(w, err)
			return
		}
	}
	var out []clockBody
	for _, g := range gs {
		if in.Offset != nil {
			g.SetClockOffset(d)
		}
		if in.Drift != nil {
			g.SetClockDrift(drift)
		}
		out = append(out, clockOf(g))
	}
	writeClocks(w, out)
}

func (c *control) clearClock(w http.ResponseWriter, r *http.Request) {
	gs, err := c.gateways(r, true)
	if err != nil {
		fail(w, err)
		return
	}
	c.setOffsets(w, gs, 0)
}

func (c *control) setOffsets(w http.ResponseWriter, gs []*Gateway, d time.Duration) {
	var out []clockBody
	for _, g := range gs {
		g.SetClockDrift(0)
		g.SetClockOffset(d)
		out = append(out, clockOf(g))
	}
	writeClocks(w, out)
}

func writeClocks(w http.ResponseWriter, out []clockBody) {
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"clocks": out})
}

func parseDuration(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, badInput(field, "%q is not a duration (like \"31m\", \"1s\", \"500ms\")", s)
	}
	return d, nil
}

// FaultSpec is the JSON form of a [Fault] in the control API; see
// [NewControl] for its fields.
type FaultSpec struct {
	Action     string `json:"action"`
	Status     int    `json:"status,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	RetryAfter string `json:"retry_after,omitempty"`
	Delay      string `json:"delay,omitempty"`
	// BytesPerSecond is the rate of the bandwidth action.
	BytesPerSecond int64    `json:"bytes_per_second,omitempty"`
	Ops            []string `json:"ops,omitempty"`
	Methods        []string `json:"methods,omitempty"`
	Bucket         string   `json:"bucket,omitempty"`
	KeyPrefix      string   `json:"key_prefix,omitempty"`
	Times          int      `json:"times,omitempty"`
	Probability    float64  `json:"probability,omitempty"`
	From           string   `json:"from,omitempty"`
	Until          string   `json:"until,omitempty"`
	After          string   `json:"after,omitempty"`
	For            string   `json:"for,omitempty"`
}

// allOps lists the operations a fault or a counter may name.
var allOps = []Op{OpPut, OpCopy, OpUploadPart, OpInitiate, OpComplete, OpAbort, OpListParts,
	OpGet, OpHead, OpDelete, OpList, OpListUploads, OpDeleteMulti, OpCreateBucket, OpHeadBucket,
	OpDeleteBucket, OpBucket, OpService, OpOther}

func opNames() string {
	names := make([]string, len(allOps))
	for i, op := range allOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

// actionNames are the control API's action names, besides those of
// [NamedAction].
const actionNames = "respond, slowdown, too_many_requests, internal_error, reset, stall, latency, truncate, bandwidth"

// Fault converts the spec into a [Fault]; now is the gateway's Clock
// (without offset), which "after" and "for" count from. Errors name the
// field.
func (s FaultSpec) Fault(now time.Time) (Fault, error) {
	var f Fault
	a, err := s.action()
	if err != nil {
		return f, err
	}
	f.Action = a
	for i, name := range s.Ops {
		op := Op(strings.ToLower(strings.TrimSpace(name)))
		ok := false
		for _, known := range allOps {
			if op == known {
				ok = true
			}
		}
		if !ok {
			return f, badInput(fmt.Sprintf("ops[%d]", i), "unknown operation %q; one of %s", name, opNames())
		}
		f.Ops = append(f.Ops, op)
	}
	for i, m := range s.Methods {
		if !validMethod(m) {
			return f, badInput(fmt.Sprintf("methods[%d]", i), "%q is not an HTTP method (GET, PUT, POST, HEAD, DELETE)", m)
		}
		f.Methods = append(f.Methods, strings.ToUpper(m))
	}
	f.Bucket, f.KeyPrefix = s.Bucket, s.KeyPrefix
	if s.Times < 0 {
		return f, badInput("times", "%d: want 0 (unbounded) or more", s.Times)
	}
	f.Times = s.Times
	if s.Probability < 0 || s.Probability > 1 || math.IsNaN(s.Probability) {
		return f, badInput("probability", "%v: want a fraction from 0 to 1", s.Probability)
	}
	f.Probability = s.Probability
	if s.From != "" && s.After != "" {
		return f, badInput("after", "give from or after, not both")
	}
	if s.Until != "" && s.For != "" {
		return f, badInput("for", "give until or for, not both")
	}
	if s.From != "" {
		if f.From, err = parseTime("from", s.From); err != nil {
			return f, err
		}
	}
	if s.After != "" {
		d, err := parseDuration("after", s.After)
		if err != nil {
			return f, err
		}
		if d < 0 {
			return f, badInput("after", "%q is negative", s.After)
		}
		f.From = now.Add(d)
	}
	if s.Until != "" {
		if f.Until, err = parseTime("until", s.Until); err != nil {
			return f, err
		}
	}
	if s.For != "" {
		d, err := parseDuration("for", s.For)
		if err != nil {
			return f, err
		}
		if d <= 0 {
			return f, badInput("for", "%q: want a positive duration", s.For)
		}
		start := now
		if !f.From.IsZero() {
			start = f.From
		}
		f.Until = start.Add(d)
	}
	if !f.From.IsZero() && !f.Until.IsZero() && !f.Until.After(f.From) {
		return f, badInput("until", "the window ends (%s) before it starts (%s)", f.Until.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	return f, nil
}

func validMethod(m string) bool {
	switch strings.ToUpper(m) {
	case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodHead, http.MethodDelete, http.MethodOptions, http.MethodPatch:
		return true
	}
	return false
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, badInput(field, "%q is not an RFC 3339 time (like \"2026-01-02T15:04:05Z\")", s)
	}
	return t, nil
}

// action builds the spec's Action, checking that only the fields the
// action uses are set.
func (s FaultSpec) action() (Action, error) {
	name := strings.TrimSpace(s.Action)
	var a Action
	uses := map[string]bool{}
	switch strings.ToLower(name) {
	case "":
		return a, badInput("action", "required: one of %s", actionNames)
	case "respond":
		if s.Status < 100 || s.Status > 599 {
			return a, badInput("status", "%d: respond needs an HTTP status from 100 to 599", s.Status)
		}
		if strings.TrimSpace(s.Code) == "" {
			return a, badInput("code", "required: respond needs the vendor error code, like \"SignatureDoesNotMatch\"")
		}
		a = Respond(s.Status, s.Code)
		uses["status"], uses["code"], uses["message"], uses["retry_after"] = true, true, true, true
	case "slowdown":
		a = SlowDown()
		uses["message"], uses["retry_after"] = true, true
	case "too_many_requests":
		a = TooManyRequests()
		uses["message"], uses["retry_after"] = true, true
	case "internal_error":
		a = InternalError()
		uses["message"], uses["retry_after"] = true, true
	case "reset":
		a = Reset()
	case "stall":
		a = Stall()
		uses["delay"] = true
	case "latency":
		if s.Delay == "" {
			return a, badInput("delay", "required: latency needs a delay, like \"500ms\"")
		}
		a = Latency(0)
		uses["delay"] = true
	case "truncate":
		a = Truncate()
	case "bandwidth":
		if s.BytesPerSecond <= 0 {
			return a, badInput("bytes_per_second", "%d: bandwidth needs a positive rate in bytes per second, like 262144", s.BytesPerSecond)
		}
		a = Bandwidth(s.BytesPerSecond)
		uses["bytes_per_second"] = true
	default:
		na, err := NamedAction(name)
		if err != nil {
			return a, badInput("action", "unknown action %q; one of %s (or a fault name: 500, 503-slowdown, 429, or any vendor error code, like PublicEndpointForbidden)", name, actionNames)
		}
		a = na
		if a.Kind == ActionRespond {
			uses["message"], uses["retry_after"] = true, true
		} else if a.Kind == ActionLatency || a.Kind == ActionStall {
			uses["delay"] = true
		}
	}
	for field, set := range map[string]bool{
		"status": s.Status != 0, "code": s.Code != "", "message": s.Message != "",
		"retry_after": s.RetryAfter != "", "delay": s.Delay != "", "bytes_per_second": s.BytesPerSecond != 0,
	} {
		if set && !uses[field] {
			return a, badInput(field, "not used by action %q", name)
		}
	}
	if s.Message != "" {
		a.Message = s.Message
	}
	if s.RetryAfter != "" {
		d, err := parseDuration("retry_after", s.RetryAfter)
		if err != nil {
			return a, err
		}
		if d < 0 {
			return a, badInput("retry_after", "%q is negative", s.RetryAfter)
		}
		a.RetryAfter = d
	}
	if s.Delay != "" {
		d, err := parseDuration("delay", s.Delay)
		if err != nil {
			return a, err
		}
		if d <= 0 {
			return a, badInput("delay", "%q: want a positive duration", s.Delay)
		}
		a.Delay = d
	}
	return a, nil
}

// faultBody answers an injected fault.
type faultBody struct {
	Dialect Dialect `json:"dialect"`
	ID      FaultID `json:"id"`
	// Action names what the fault does while Active (still injected,
	// budget left); a spent or removed fault has only its Hits.
	Action  string `json:"action,omitempty"`
	Active  bool   `json:"active"`
	Hits    int    `json:"hits"`
	Removed bool   `json:"removed,omitempty"`
}

func (c *control) inject(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	var spec FaultSpec
	if err := decode(r, &spec); err != nil {
		fail(w, err)
		return
	}
	f, err := spec.Fault(g.opts.Clock.Now())
	if err != nil {
		fail(w, err)
		return
	}
	id := g.Inject(f)
	writeJSON(w, http.StatusCreated, faultBody{Dialect: g.Dialect(), ID: id, Action: f.Action.String(), Active: true})
}

func (c *control) faultID(r *http.Request) (*Gateway, FaultID, error) {
	g, err := c.gateway(r)
	if err != nil {
		return nil, 0, err
	}
	n, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || n <= 0 {
		return nil, 0, badInput("id", "%q is not a fault id (the id POST /v1/%s/faults answered)", r.PathValue("id"), g.Dialect())
	}
	return g, FaultID(n), nil
}

func (c *control) getFault(w http.ResponseWriter, r *http.Request) {
	g, id, err := c.faultID(r)
	if err != nil {
		fail(w, err)
		return
	}
	f, ok := g.lookupFault(id)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "id", fmt.Sprintf("no fault %d on %s", id, g.Dialect()))
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (c *control) removeFault(w http.ResponseWriter, r *http.Request) {
	g, id, err := c.faultID(r)
	if err != nil {
		fail(w, err)
		return
	}
	f, ok := g.lookupFault(id)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "id", fmt.Sprintf("no fault %d on %s", id, g.Dialect()))
		return
	}
	f.Removed = g.RemoveFault(id)
	f.Active, f.Hits = false, g.FaultHits(id)
	writeJSON(w, http.StatusOK, f)
}

// lookupFault describes a fault injected earlier, still active or not.
func (g *Gateway) lookupFault(id FaultID) (faultBody, bool) {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	if id <= 0 || id > g.faults.nextID {
		return faultBody{}, false
	}
	fb := faultBody{Dialect: g.opts.Dialect, ID: id, Hits: g.faults.hits[id]}
	for _, e := range g.faults.list {
		if e.id == id {
			fb.Action, fb.Active = e.f.Action.String(), true
		}
	}
	return fb, true
}

func (c *control) listFaults(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialect": g.Dialect(), "faults": g.activeFaults()})
}

// activeFaults describes the faults still injected, in matching order.
func (g *Gateway) activeFaults() []faultBody {
	g.faults.mu.Lock()
	defer g.faults.mu.Unlock()
	out := []faultBody{}
	for _, e := range g.faults.list {
		out = append(out, faultBody{Dialect: g.opts.Dialect, ID: e.id, Action: e.f.Action.String(), Active: true, Hits: g.faults.hits[e.id]})
	}
	return out
}

func (c *control) clearFaults(w http.ResponseWriter, r *http.Request) {
	gs, err := c.gateways(r, true)
	if err != nil {
		fail(w, err)
		return
	}
	var names []Dialect
	for _, g := range gs {
		g.ClearFaults()
		names = append(names, g.Dialect())
	}
	writeJSON(w, http.StatusOK, map[string]any{"cleared": names})
}

// OpCounts are one operation's requests by outcome.
type OpCounts struct {
	Requests  int `json:"requests"`
	Forwarded int `json:"forwarded"`
	Rejected  int `json:"rejected"`
	Faulted   int `json:"faulted"`
}

// Counts is the JSON form of a gateway's counters: [Gateway.Count] and
// [Gateway.CountOutcome] for every operation that has a request.
type Counts struct {
	Dialect Dialect         `json:"dialect"`
	Total   OpCounts        `json:"total"`
	Ops     map[Op]OpCounts `json:"ops"`
}

// CountAll returns the counters of every operation.
func (g *Gateway) CountAll() Counts {
	out := Counts{Dialect: g.Dialect(), Ops: map[Op]OpCounts{}}
	for _, op := range allOps {
		oc := OpCounts{
			Requests:  g.Count(op),
			Forwarded: g.CountOutcome(op, OutcomeForwarded),
			Rejected:  g.CountOutcome(op, OutcomeRejected),
			Faulted:   g.CountOutcome(op, OutcomeFaulted),
		}
		if oc != (OpCounts{}) {
			out.Ops[op] = oc
			out.Total.Requests += oc.Requests
			out.Total.Forwarded += oc.Forwarded
			out.Total.Rejected += oc.Rejected
			out.Total.Faulted += oc.Faulted
		}
	}
	return out
}

func (c *control) counts(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, g.CountAll())
}

func (c *control) resetCounts(w http.ResponseWriter, r *http.Request) {
	gs, err := c.gateways(r, true)
	if err != nil {
		fail(w, err)
		return
	}
	var names []Dialect
	for _, g := range gs {
		g.ResetCounts()
		names = append(names, g.Dialect())
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": names})
}

// recordBody is a [Record] in JSON.
type recordBody struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Method  string    `json:"method"`
	Path    string    `json:"path"`
	Op      Op        `json:"op"`
	Bucket  string    `json:"bucket,omitempty"`
	Key     string    `json:"key,omitempty"`
	Outcome Outcome   `json:"outcome"`
	Status  int       `json:"status"`
	Code    string    `json:"code,omitempty"`
	Fault   string    `json:"fault,omitempty"`
}

func (c *control) records(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	recs := g.Records()
	out := make([]recordBody, len(recs))
	for i, x := range recs {
		out[i] = recordBody{ID: x.ID, Time: x.Time.UTC(), Method: x.Method, Path: x.Path, Op: x.Op, Bucket: x.Bucket,
			Key: x.Key, Outcome: x.Outcome, Status: x.Status, Code: x.Code, Fault: x.Fault}
	}
	writeJSON(w, http.StatusOK, map[string]any{"dialect": g.Dialect(), "records": out})
}
