package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The clock drifts by the set amount per second of its Clock, from the
// offset it had; stopping the drift keeps the offset reached; a new offset
// keeps the drift.
func TestClockDrift(t *testing.T) {
	clk := &atomicClock{}
	clk.ns.Store(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC).UnixNano())
	advance := func(d time.Duration) { clk.ns.Add(int64(d)) }
	g, err := New(Options{Dialect: TOS, Upstream: Upstream{URL: "http://127.0.0.1:1"}, Clock: clk, ClockDrift: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	advance(30 * time.Second)
	if got := g.ClockOffset(); got != 30*time.Second {
		t.Fatalf("after 30 s at 1 s/s the offset is %v, want 30s", got)
	}
	g.SetClockOffset(time.Minute)
	g.SetClockDrift(2 * time.Second)
	advance(10 * time.Second)
	if got := g.ClockOffset(); got != time.Minute+20*time.Second {
		t.Errorf("offset %v, want 1m20s (1m plus 10 s at 2 s/s)", got)
	}
	if got, want := g.Now(), clk.Now().Add(80*time.Second); !got.Equal(want) {
		t.Errorf("Now %v, want Clock+1m20s = %v", got, want)
	}
	g.SetClockDrift(0)
	advance(time.Hour)
	if got := g.ClockOffset(); got != 80*time.Second || g.ClockDrift() != 0 {
		t.Errorf("stopped drift: offset %v, drift %v; want 1m20s kept, 0", got, g.ClockDrift())
	}
	g.SetClockDrift(-time.Second)
	g.SetClockOffset(0)
	advance(5 * time.Second)
	if got := g.ClockOffset(); got != -5*time.Second || g.ClockDrift() != -time.Second {
		t.Errorf("offset %v, drift %v; want -5s, -1s", got, g.ClockDrift())
	}
}

// linkControlled is a TOS gateway served through the link emulator and an
// OSS gateway served without it, with the control API over both.
func linkControlled(t *testing.T) (*controlled, *Gateway) {
	t.Helper()
	tosGW, err := Start(Options{Dialect: TOS, Upstream: Upstream{URL: "http://127.0.0.1:1"}, EmulateLink: true})
	if err != nil {
		t.Fatal(err)
	}
	ossGW, err := New(Options{Dialect: OSS, Upstream: Upstream{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewControl(ControlOptions{Gateways: []*Gateway{tosGW, ossGW}})
	if err != nil {
		t.Fatal(err)
	}
	cs := httptest.NewServer(h)
	t.Cleanup(func() {
		cs.Close()
		tosGW.Close()
		ossGW.Close()
	})
	return &controlled{t: t, tos: tosGW, oss: ossGW, tosURL: tosGW.URL(), ctl: cs.URL}, tosGW
}

func TestControlLink(t *testing.T) {
	c, g := linkControlled(t)
	st, out := c.do("PUT", "/v1/tos/link", `{"rtt":"40ms","bandwidth":"20MB"}`)
	if want := SymmetricLink(40*time.Millisecond, 20_000_000); st != 200 || g.Link() != want ||
		out["rtt"] != "40ms" || out["up_delay"] != "20ms" || out["down_bytes_per_second"] != 2e7 {
		t.Fatalf("PUT link: %d %v; gateway link %+v, want %+v", st, out, g.Link(), want)
	}
	st, _ = c.do("PUT", "/v1/tos/link", `{"up_delay":"5ms","down_delay":"70ms","up_bandwidth":"100Mbit","down_bandwidth":"1Gbit"}`)
	if want := (Link{UpDelay: 5 * time.Millisecond, DownDelay: 70 * time.Millisecond, UpBytesPerSecond: 12_500_000, DownBytesPerSecond: 125_000_000}); st != 200 || g.Link() != want {
		t.Fatalf("PUT link per direction: %d; link %+v, want %+v", st, g.Link(), want)
	}
	if st, out = c.do("GET", "/v1/tos/link", ""); st != 200 || out["down_delay"] != "70ms" {
		t.Errorf("GET link: %d %v", st, out)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"rtt":"40ms","up_delay":"1ms"}`, "rtt"},
		{`{"bandwidth":"1MB","down_bandwidth":"2MB"}`, "bandwidth"},
		{`{"bandwidth":"fast"}`, "bandwidth"},
		{`{"up_delay":"-1s"}`, "up_delay"},
		{`{"down_delay":"soon"}`, "down_delay"},
		{`{"up_bandwidth":"10Mb"}`, "up_bandwidth"},
		{`{"latency":"1s"}`, "latency"},
	} {
		if st, out := c.do("PUT", "/v1/tos/link", tc.body); st != 400 || out["field"] != tc.field {
			t.Errorf("PUT link %s: %d %v, want 400 naming %s", tc.body, st, out, tc.field)
		}
	}
	// A bad request changed nothing.
	if g.Link().DownDelay != 70*time.Millisecond {
		t.Errorf("a refused PUT changed the link to %+v", g.Link())
	}
	// The OSS gateway is served without the emulator: 501, nothing set.
	if st, out := c.do("PUT", "/v1/oss/link", `{"rtt":"40ms"}`); st != 501 || !strings.Contains(out["error"].(string), "EmulateLink") {
		t.Errorf("PUT link on a gateway without the emulator: %d %v, want 501", st, out)
	}
	if st, _ := c.do("DELETE", "/v1/tos/link", ""); st != 200 || g.Link() != (Link{}) {
		t.Errorf("DELETE link: %d, link %+v", st, g.Link())
	}
}

func TestControlClockDrift(t *testing.T) {
	c, g := linkControlled(t)
	st, out := c.do("PUT", "/v1/tos/clock", `{"offset":"10m","drift":"2s"}`)
	if st != 200 || out["drift"] != "2s" || out["drift_ms"] != 2000.0 || g.ClockDrift() != 2*time.Second || g.ClockOffset() < 10*time.Minute {
		t.Fatalf("PUT clock with drift: %d %v; drift %v offset %v", st, out, g.ClockDrift(), g.ClockOffset())
	}
	if st, out := c.do("PUT", "/v1/tos/clock", `{"drift":"soon"}`); st != 400 || out["field"] != "drift" {
		t.Errorf("bad drift: %d %v, want 400 naming drift", st, out)
	}
	if st, _ := c.do("DELETE", "/v1/tos/clock", ""); st != 200 || g.ClockDrift() != 0 || g.ClockOffset() != 0 {
		t.Errorf("DELETE clock: %d; drift %v, offset %v; want none", st, g.ClockDrift(), g.ClockOffset())
	}
}

// Every connection to a gateway with a link crosses it: the bytes of
// concurrent requests on separate connections add up on the link's
// counters, in both directions.
func TestLinkCarriesEveryConnection(t *testing.T) {
	g, err := Start(Options{Dialect: TOS, Upstream: Upstream{URL: "http://127.0.0.1:1"},
		Link: SymmetricLink(2*time.Millisecond, 50<<20)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	g.Inject(Fault{Action: SlowDown()}) // answers without the upstream, after reading the body
	const conns, size = 4, 200_000
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{} // a connection of its own
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest(http.MethodPut, g.URL()+"/bkt/key", bytes.NewReader(make([]byte, size)))
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 503 {
				t.Errorf("status %d, want the fault's 503", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute)
	for {
		up, down := g.LinkBytes()
		if up >= conns*size && down > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the link carried %d bytes up, %d down; want at least %d up", up, down, conns*size)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if g.link.Stats().Conns < conns {
		t.Errorf("%d connections on the link, want %d", g.link.Stats().Conns, conns)
	}
	if err := g.SetLink(Link{UpDelay: -time.Second}); err == nil {
		t.Error("SetLink accepted a negative delay")
	}
}
