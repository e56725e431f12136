package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/resilient-upload/upload/internal/netem"
)

// linkBody is the link's JSON form in answers.
type linkBody struct {
	Dialect            Dialect `json:"dialect"`
	UpDelay            string  `json:"up_delay"`
	DownDelay          string  `json:"down_delay"`
	RTT                string  `json:"rtt"`
	UpBytesPerSecond   int64   `json:"up_bytes_per_second"`
	DownBytesPerSecond int64   `json:"down_bytes_per_second"`
	// UpBytes and DownBytes crossed the link so far.
	UpBytes   int64 `json:"up_bytes"`
	DownBytes int64 `json:"down_bytes"`
}

func linkOf(g *Gateway) linkBody {
	l := g.Link()
	up, down := g.LinkBytes()
	return linkBody{Dialect: g.Dialect(), UpDelay: l.UpDelay.String(), DownDelay: l.DownDelay.String(), RTT: l.RTT().String(),
		UpBytesPerSecond: l.UpBytesPerSecond, DownBytesPerSecond: l.DownBytesPerSecond, UpBytes: up, DownBytes: down}
}

// LinkSpec is the JSON form of a [Link] in the control API; see
// [NewControl]. RTT and Bandwidth are shorthands for both directions.
type LinkSpec struct {
	RTT           string `json:"rtt,omitempty"`
	Bandwidth     string `json:"bandwidth,omitempty"`
	UpDelay       string `json:"up_delay,omitempty"`
	DownDelay     string `json:"down_delay,omitempty"`
	UpBandwidth   string `json:"up_bandwidth,omitempty"`
	DownBandwidth string `json:"down_bandwidth,omitempty"`
}

// Link converts the spec; errors name the field.
func (s LinkSpec) Link() (Link, error) {
	var l Link
	if s.RTT != "" && (s.UpDelay != "" || s.DownDelay != "") {
		return l, badInput("rtt", "give rtt or up_delay and down_delay, not both")
	}
	if s.Bandwidth != "" && (s.UpBandwidth != "" || s.DownBandwidth != "") {
		return l, badInput("bandwidth", "give bandwidth or up_bandwidth and down_bandwidth, not both")
	}
	delay := func(field, v string) (time.Duration, error) {
		if v == "" {
			return 0, nil
		}
		d, err := parseDuration(field, v)
		if err == nil && d < 0 {
			err = badInput(field, "%q is negative", v)
		}
		return d, err
	}
	bw := func(field, v string) (int64, error) {
		r, err := netem.ParseRate(v)
		if err != nil {
			return 0, badInput(field, "%v", err)
		}
		return r, nil
	}
	var err error
	if s.RTT != "" {
		rtt, err := delay("rtt", s.RTT)
		if err != nil {
			return l, err
		}
		l.UpDelay, l.DownDelay = rtt/2, rtt-rtt/2
	}
	if l.UpDelay == 0 {
		if l.UpDelay, err = delay("up_delay", s.UpDelay); err != nil {
			return l, err
		}
	}
	if l.DownDelay == 0 {
		if l.DownDelay, err = delay("down_delay", s.DownDelay); err != nil {
			return l, err
		}
	}
	if s.Bandwidth != "" {
		r, err := bw("bandwidth", s.Bandwidth)
		if err != nil {
			return l, err
		}
		l.UpBytesPerSecond, l.DownBytesPerSecond = r, r
		return l, nil
	}
	if l.UpBytesPerSecond, err = bw("up_bandwidth", s.UpBandwidth); err != nil {
		return l, err
	}
	if l.DownBytesPerSecond, err = bw("down_bandwidth", s.DownBandwidth); err != nil {
		return l, err
	}
	return l, nil
}

func (c *control) getLink(w http.ResponseWriter, r *http.Request) {
	g, err := c.gateway(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, linkOf(g))
}

func (c *control) setLink(w http.ResponseWriter, r *http.Request) {
	var spec LinkSpec
	if err := decode(r, &spec); err != nil {
		fail(w, err)
		return
	}
	l, err := spec.Link()
	if err != nil {
		fail(w, err)
		return
	}
	c.applyLink(w, r, l)
}

func (c *control) clearLink(w http.ResponseWriter, r *http.Request) { c.applyLink(w, r, Link{}) }

func (c *control) applyLink(w http.ResponseWriter, r *http.Request, l Link) {
	gs, err := c.gateways(r, true)
	if err != nil {
		fail(w, err)
		return
	}
	var out []linkBody
	for _, g := range gs {
		if err := g.SetLink(l); err != nil {
			if errors.Is(err, errNoLink) {
				writeJSONError(w, http.StatusNotImplemented, "", err.Error())
				return
			}
			fail(w, err)
			return
		}
		out = append(out, linkOf(g))
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": out})
}
