package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHoldForwardsThenHolds: Hold lets the upstream do the operation,
// signals, and sends no reply until the client gives up; HoldBody reads
// only the first bytes, signals, and forwards nothing.
func TestHoldForwardsThenHolds(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: OSS, Upstream: Upstream{URL: st.srv.URL}, MaxStall: time.Hour})
	put := func(ctx context.Context, body string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, g.URL()+"/b/k", strings.NewReader(body))
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for _, tc := range []struct {
		name     string
		action   func(held chan<- struct{}) Action
		upstream int
	}{
		{"hold", func(held chan<- struct{}) Action { return Hold(held) }, 1},
		{"hold-body", func(held chan<- struct{}) Action { return HoldBody(3, held) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := st.count()
			held := make(chan struct{})
			id := g.Inject(Fault{Ops: []Op{OpPut}, Action: tc.action(held), Times: 1})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- put(ctx, "the body") }()
			<-held
			if n := st.count() - before; n != tc.upstream {
				t.Fatalf("%d requests reached the upstream when the hold began, want %d", n, tc.upstream)
			}
			cancel()
			if err := <-errc; err == nil {
				t.Fatal("the held request got a reply")
			}
			if g.FaultHits(id) != 1 {
				t.Fatalf("fault hits %d", g.FaultHits(id))
			}
			if n := st.count() - before; n != tc.upstream {
				t.Fatalf("%d requests reached the upstream, want %d", n, tc.upstream)
			}
		})
	}
}
