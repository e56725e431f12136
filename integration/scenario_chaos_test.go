package integration_test

import (
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// TestScenarioRandomFaults is scenario 5 of issue 5: 1,000 uploads, 16 at a
// time, of seeded random sizes (1 B to 64 KiB), over four clouds (TOS
// cn-beijing, TOS cn-shanghai, OSS cn-hangzhou, COS) and the local backup,
// while every cloud gateway answers PUTs with random faults: 503 SlowDown,
// 500, connection resets, and on the primary an occasional
// SignatureDoesNotMatch; one key in 50 is refused by every cloud. Every object is exactly where its Result says,
// verified by MD5 (cloud objects read back from MinIO, backups from the
// spool), in one place only; none is lost; every PUT a gateway forwarded
// to MinIO belongs to a successful Result on that target.
func TestScenarioRandomFaults(t *testing.T) {
	srv := miniotest.Shared(t)
	specs := []cloudSpec{
		{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing", seed: 1},
		{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai", seed: 2},
		{dialect: gateway.OSS, name: "oss-hangzhou", region: "cn-hangzhou", seed: 3},
		{dialect: gateway.COS, name: "cos-guangzhou", seed: 4},
	}
	clouds := make([]*cloud, len(specs))
	byName := map[string]*cloud{}
	for i, spec := range specs {
		clouds[i] = newCloud(t, srv, spec)
		byName[spec.name] = clouds[i]
	}
	// Faults on PUTs, each drawn with its probability in order (a request
	// that escapes one may meet the next), bounded in count. Truncate lets
	// MinIO store the object and cuts the reply: the failover layer must
	// find it landed (Stat) rather than store it twice.
	type fault struct {
		action gateway.Action
		p      float64
	}
	faults := map[string][]fault{
		"tos-beijing": {
			{gateway.Respond(403, "SignatureDoesNotMatch"), 0.03},
			{slowDownNoWait, 0.08},
			{gateway.InternalError(), 0.05},
			{gateway.Reset(), 0.03},
		},
		"tos-shanghai":  {{gateway.InternalError(), 0.15}, {gateway.Reset(), 0.05}, {gateway.Truncate(), 0.04}},
		"oss-hangzhou":  {{slowDownNoWait, 0.15}, {gateway.Reset(), 0.05}, {gateway.Truncate(), 0.04}},
		"cos-guangzhou": {{gateway.InternalError(), 0.20}, {gateway.Reset(), 0.05}},
	}
	for _, c := range clouds {
		// Every cloud refuses the keys under chaos/down/: those objects
		// must end in the backup, whatever the random faults do.
		c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, KeyPrefix: "chaos/down/", Action: gateway.InternalError(), Times: 2000})
		for _, f := range faults[c.spec.name] {
			c.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: f.action, Probability: f.p, Times: 2000})
		}
	}
	backup := newBackup(t)
	log := newEventLog()
	// Two attempts per target and three per upload: a budget spent sends an
	// object to the backup. Breakers open on 10 failures within a second,
	// or at once on a signature mismatch, and let a trial through after
	// 100 ms.
	u := newFailover(t, clouds, backup, failover.Options{
		Breaker: failover.BreakerOptions{Failures: 10, Window: time.Second, OpenTimeout: 100 * time.Millisecond},
		Retry:   failover.RetryOptions{MaxAttempts: 2, Budget: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	}, log)

	const (
		total       = 1000
		concurrency = 16
	)
	rng := rand.New(rand.NewPCG(5, 5))
	sizes := make([]int, total)
	for i := range sizes {
		sizes[i] = 1 + rng.IntN(64<<10)
	}
	type outcome struct {
		key  string
		md5  string
		size int
		res  uploader.Result
		err  error
	}
	out := make([]outcome, total)
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range concurrency {
		wg.Go(func() {
			for i := range next {
				obj, data := object(chaosKey(i), sizes[i], uint64(10000+i))
				res, err := tryUpload(u, obj)
				out[i] = outcome{key: obj.Key, md5: md5hex(data), size: len(data), res: res, err: err}
			}
		})
	}
	for i := range total {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)

	// Where each key is: every cloud bucket and the spool.
	where := map[string][]string{}
	for _, c := range clouds {
		for _, k := range c.keys(t) {
			where[k] = append(where[k], c.spec.name)
		}
	}
	held := spooled(t, backup)
	for k := range held {
		where[k] = append(where[k], "local")
	}

	// Read back every cloud object its Result names, 8 at a time.
	stored := make([][]byte, total)
	readErrs := make([]error, total)
	var rwg sync.WaitGroup
	idx := make(chan int)
	for range 8 {
		rwg.Go(func() {
			for i := range idx {
				stored[i], _, readErrs[i] = getObject(srv, byName[out[i].res.Target].bucket, out[i].key)
			}
		})
	}
	for i, o := range out {
		if o.err == nil && byName[o.res.Target] != nil {
			idx <- i
		}
	}
	close(idx)
	rwg.Wait()

	perTarget := map[string]int{}
	kindCount := map[uploader.Kind]int{}
	failed := 0
	for i, o := range out {
		for _, a := range o.res.Attempts {
			kindCount[a.Kind]++
		}
		checkAttempts(t, i, o.res, o.err)
		if o.err != nil {
			// Only when every target refused, and then nothing is claimed.
			failed++
			if o.res.Target != "" || o.res.BackedUp {
				t.Errorf("%s failed (%v) but its Result claims %q (backed up %v)", o.key, o.err, o.res.Target, o.res.BackedUp)
			}
			if !refusedByAll(o.res.Attempts, append(names(clouds), "local")) {
				t.Errorf("%s failed (%v) though not every target refused it: %v", o.key, o.err, kinds(o.res.Attempts))
			}
			if len(where[o.key]) != 0 {
				t.Errorf("%s failed, yet it is in %v", o.key, where[o.key])
			}
			continue
		}
		perTarget[o.res.Target]++
		if strings.HasPrefix(o.key, "chaos/down/") && !o.res.BackedUp {
			t.Errorf("%s, refused by every cloud, is on %q, not backed up (attempts %v)", o.key, o.res.Target, kinds(o.res.Attempts))
		}
		if got := where[o.key]; len(got) != 1 || got[0] != o.res.Target {
			t.Errorf("%s: Result says %q (backed up %v); found in %v", o.key, o.res.Target, o.res.BackedUp, got)
			continue
		}
		if o.res.BackedUp != (o.res.Target == "local") {
			t.Errorf("%s: on %q with BackedUp %v", o.key, o.res.Target, o.res.BackedUp)
		}
		got := stored[i]
		if o.res.BackedUp {
			got = held[o.key]
		} else if readErrs[i] != nil {
			t.Errorf("reading %s back from %s: %v", o.key, o.res.Target, readErrs[i])
			continue
		}
		if len(got) != o.size || md5hex(got) != o.md5 {
			t.Errorf("%s on %s: %d bytes, MD5 %s; want %d bytes, MD5 %s", o.key, o.res.Target, len(got), md5hex(got), o.size, o.md5)
		}
		if o.res.MD5 != "" && o.res.MD5 != o.md5 {
			t.Errorf("%s: Result.MD5 %s, want %s", o.key, o.res.MD5, o.md5)
		}
	}
	if n := len(where); n != total-failed {
		t.Errorf("%d keys stored, want %d (%d uploads failed)", n, total-failed, failed)
	}

	// Every PUT a gateway let through to MinIO stored an object that a
	// successful Result names: no orphan, no duplicate.
	for _, c := range clouds {
		if fwd := c.gw.CountOutcome(gateway.OpPut, gateway.OutcomeForwarded); fwd != perTarget[c.spec.name] {
			t.Errorf("%s: %d PUTs forwarded to MinIO, %d results name it", c.spec.name, fwd, perTarget[c.spec.name])
		}
	}
	s := u.Stats()
	if s.Uploads != total || s.Stored+s.BackedUp != uint64(total-failed) || s.Failed != uint64(failed) ||
		s.BackedUp != uint64(perTarget["local"]) {
		t.Errorf("stats: uploads %d, stored %d, backed up %d, failed %d; results: %v, %d failed", s.Uploads, s.Stored, s.BackedUp, s.Failed, perTarget, failed)
	}

	// The run met what it was meant to: faults of every kind injected,
	// failovers, breakers opening, signature mismatches, backups. (Each
	// count is expected in the tens or more; zero would mean the faults
	// were not applied.)
	opens := len(log.find(failover.EventBreaker, "", func(ev failover.Event) bool { return ev.To == failover.Open }))
	sigOpens := len(log.find(failover.EventBreaker, "tos-beijing", func(ev failover.Event) bool {
		return ev.To == failover.Open && ev.Kind == uploader.SignatureMismatch
	}))
	for what, n := range map[string]int{
		"throttled attempts":          kindCount[uploader.Throttled],
		"unavailable attempts":        kindCount[uploader.Unavailable],
		"signature_mismatch attempts": kindCount[uploader.SignatureMismatch],
		"circuit_open refusals":       kindCount[uploader.CircuitOpen],
		"failovers":                   int(s.Failovers),
		"retries":                     int(s.Retries),
		"breaker openings":            opens,
		"cut replies found landed":    int(s.Landed),
		"openings on a bad signature": sigOpens,
		"objects backed up":           perTarget["local"],
		"objects on the primary":      perTarget["tos-beijing"],
		"objects on another cloud":    perTarget["tos-shanghai"] + perTarget["oss-hangzhou"] + perTarget["cos-guangzhou"],
	} {
		if n == 0 {
			t.Errorf("no %s in %d uploads", what, total)
		}
	}
	var ks []string
	for k, n := range kindCount {
		ks = append(ks, keyf("%s=%d", k, n))
	}
	sort.Strings(ks)
	t.Logf("%d uploads in %v: %v, %d failed; attempts %s; %d failovers, %d retries, %d breaker openings (%d on a bad signature), %d cut replies found landed",
		total, elapsed.Round(time.Millisecond), perTarget, failed, strings.Join(ks, " "), s.Failovers, s.Retries, opens, sigOpens, s.Landed)
}

// chaosKey is the key of upload i: one in 50 is under chaos/down/, which
// every cloud refuses.
func chaosKey(i int) string {
	if i%50 == 7 {
		return keyf("chaos/down/%04d", i)
	}
	return keyf("chaos/%04d", i)
}

// checkAttempts checks the shape of one upload's attempts: a success ends
// with the one successful attempt, on the Result's target; a failure has
// none.
func checkAttempts(t *testing.T, i int, res uploader.Result, err error) {
	t.Helper()
	as := res.Attempts
	if len(as) == 0 {
		t.Errorf("upload %d: no attempts", i)
		return
	}
	oks := 0
	for _, a := range as {
		if a.Kind == uploader.OK {
			oks++
		}
		switch a.Kind {
		case uploader.OK, uploader.Throttled, uploader.Unavailable, uploader.SignatureMismatch, uploader.CircuitOpen:
		default:
			t.Errorf("upload %d: unexpected attempt %s=%s (%v)", i, a.Target, a.Kind, a.Err)
		}
	}
	last := as[len(as)-1]
	switch {
	case err == nil && (oks != 1 || last.Kind != uploader.OK || last.Target != res.Target):
		t.Errorf("upload %d on %q: attempts %v, want one success, last, on that target", i, res.Target, kinds(as))
	case err != nil && oks != 0:
		t.Errorf("upload %d failed (%v) with a successful attempt: %v", i, err, kinds(as))
	}
}

// refusedByAll reports whether attempts hold a failure on each target.
func refusedByAll(as []uploader.Attempt, targets []string) bool {
	failed := map[string]bool{}
	for _, a := range as {
		if a.Kind != uploader.OK {
			failed[a.Target] = true
		}
	}
	for _, name := range targets {
		if !failed[name] {
			return false
		}
	}
	return true
}

func names(clouds []*cloud) []string {
	var out []string
	for _, c := range clouds {
		out = append(out, c.spec.name)
	}
	return out
}
