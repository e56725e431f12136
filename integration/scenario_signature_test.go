package integration_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// TestScenarioSignatureMismatch is scenario 1 of issue 5: the primary TOS
// region (cn-beijing) answers 403 SignatureDoesNotMatch, because the
// backend has a wrong secret or because the gateway says so. The first
// upload lands on the secondary region (cn-shanghai) after exactly one
// request to the primary, the primary's breaker opens once, and the next
// 100 uploads never reach the primary: its gateway still counts one PUT.
func TestScenarioSignatureMismatch(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, tc := range []struct {
		name        string
		wrongSecret bool
	}{
		{"wrong_secret", true},
		{"gateway_fault", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			primary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing", wrongSecret: tc.wrongSecret})
			secondary := newCloud(t, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
			if !tc.wrongSecret {
				primary.gw.Inject(gateway.Fault{Action: gateway.Respond(403, "SignatureDoesNotMatch"), Times: 1000})
			}
			log := newEventLog()
			// The breaker must stay open for the whole test, however slow the
			// machine: an hour.
			u := newFailover(t, []*cloud{primary, secondary}, nil,
				failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, log)

			obj, data := object("sig/first", 4096, 1)
			res := mustUpload(t, u, obj)
			if res.Target != "tos-shanghai" || res.BackedUp || res.Provider != "tos" {
				t.Fatalf("first upload stored on %q (provider %q, backed up %v), want tos-shanghai", res.Target, res.Provider, res.BackedUp)
			}
			wantAttempts(t, "first upload", res.Attempts, "tos-beijing=signature_mismatch", "tos-shanghai=ok")
			a0 := res.Attempts[0]
			if a0.Status != 403 || a0.Code != "SignatureDoesNotMatch" || a0.RequestID == "" {
				t.Errorf("first attempt: status %d, code %q, request ID %q; want 403 SignatureDoesNotMatch with an ID", a0.Status, a0.Code, a0.RequestID)
			}
			e := uploader.AsError(a0.Err)
			if e == nil || len(e.Hints) == 0 {
				t.Fatalf("first attempt's error %v carries no hints", a0.Err)
			}
			if hints := strings.Join(e.Hints, "\n"); !strings.Contains(hints, "region (cn-beijing)") {
				t.Errorf("hints do not mention the signing region:\n%s", hints)
			}
			if strings.Contains(e.Explain(), wrongSecret) {
				t.Error("the configured secret leaked into the error")
			}
			if n := primary.gw.Count(gateway.OpAny); n != 1 {
				t.Fatalf("the primary's gateway saw %d requests, want exactly 1", n)
			}
			wantStored(t, secondary, obj.Key, data)

			st := targetStats(t, u, "tos-beijing")
			if st.Opens != 1 || st.State != failover.Open || st.Failures[uploader.SignatureMismatch] != 1 {
				t.Fatalf("primary after the first upload: opens %d, state %s, signature failures %d; want 1, open, 1",
					st.Opens, st.State, st.Failures[uploader.SignatureMismatch])
			}
			opens := log.find(failover.EventBreaker, "tos-beijing", nil)
			if len(opens) != 1 || opens[0].From != failover.Closed || opens[0].To != failover.Open || opens[0].Kind != uploader.SignatureMismatch {
				t.Fatalf("primary's breaker events %v, want one closed>open for signature_mismatch", log.transitions("tos-beijing"))
			}

			// 100 more, 8 at a time: every one is refused by the open
			// breaker and lands on the secondary.
			const more = 100
			datas := make([][]byte, more)
			var wg sync.WaitGroup
			next := make(chan int)
			for range 8 {
				wg.Go(func() {
					for i := range next {
						obj, data := object(keyf("sig/more/%03d", i), 1024+i*37, uint64(100+i))
						datas[i] = data
						res, err := tryUpload(u, obj)
						if err != nil {
							t.Errorf("upload %d: %v (attempts %v)", i, err, kinds(res.Attempts))
							continue
						}
						if res.Target != "tos-shanghai" {
							t.Errorf("upload %d stored on %q, want tos-shanghai", i, res.Target)
						}
						if got := strings.Join(kinds(res.Attempts), " "); got != "tos-beijing=circuit_open tos-shanghai=ok" {
							t.Errorf("upload %d: attempts %s, want circuit_open then ok", i, got)
						}
					}
				})
			}
			for i := range more {
				next <- i
			}
			close(next)
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}

			if n := primary.gw.Count(gateway.OpAny); n != 1 {
				t.Errorf("after %d more uploads the primary's gateway saw %d requests, want still 1", more, n)
			}
			if n := primary.puts(); n != 1 {
				t.Errorf("primary's gateway counted %d PUTs, want 1", n)
			}
			if n := secondary.puts(); n != 1+more {
				t.Errorf("secondary's gateway counted %d PUTs, want %d", n, 1+more)
			}
			st = targetStats(t, u, "tos-beijing")
			if st.Opens != 1 || st.Attempts != 1 || st.Rejections != more || st.State != failover.Open {
				t.Errorf("primary: opens %d, attempts %d, rejections %d, state %s; want 1, 1, %d, open",
					st.Opens, st.Attempts, st.Rejections, st.State, more)
			}
			if n := len(log.find(failover.EventBreaker, "tos-beijing", nil)); n != 1 {
				t.Errorf("primary's breaker changed state %d times (%v), want once", n, log.transitions("tos-beijing"))
			}
			if fo := log.find(failover.EventFailover, "tos-beijing", func(ev failover.Event) bool { return ev.Next == "tos-shanghai" }); len(fo) != 1+more ||
				fo[0].Kind != uploader.SignatureMismatch {
				t.Errorf("%d failovers from the primary, want %d, the first for signature_mismatch", len(fo), 1+more)
			}
			s := u.Stats()
			if s.Uploads != 1+more || s.Stored != 1+more || s.Failovers != 1+more || s.Retries != 0 {
				t.Errorf("stats: uploads %d, stored %d, failovers %d, retries %d; want %d, %d, %d, 0",
					s.Uploads, s.Stored, s.Failovers, s.Retries, 1+more, 1+more, 1+more)
			}
			if keys := primary.keys(t); len(keys) != 0 {
				t.Errorf("the primary's bucket holds %v, want nothing", keys)
			}
			if keys := secondary.keys(t); len(keys) != 1+more {
				t.Errorf("the secondary's bucket holds %d objects, want %d", len(keys), 1+more)
			}
			for i, data := range datas {
				wantStored(t, secondary, keyf("sig/more/%03d", i), data)
			}
		})
	}
}
