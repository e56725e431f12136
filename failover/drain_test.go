package failover_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// downAll makes every cloud of e fail every Put with Unavailable.
func (e *env) downAll() {
	for _, b := range e.clouds {
		always(b, memtest.Fault{Kind: uploader.Unavailable, Status: 503})
	}
}

// backUp uploads keys while every cloud is down; each must end in the
// backup.
func (e *env) backUp(keys ...string) {
	e.t.Helper()
	e.downAll()
	for _, k := range keys {
		res, err := e.upload(k)
		if err != nil || !res.BackedUp || res.Target != "backup" {
			e.t.Fatalf("backing up %q: %v, result %+v", k, err, res)
		}
	}
	for _, b := range e.clouds {
		b.Heal()
	}
}

func (e *env) drain(opts failover.DrainOptions) (failover.DrainReport, error) {
	return e.u.Drain(context.Background(), opts)
}

func outcomes(rep failover.DrainReport) map[string]failover.DrainOutcome {
	m := map[string]failover.DrainOutcome{}
	for _, it := range rep.Items {
		m[it.Key] = it.Outcome
	}
	return m
}

// TestAllDownBackupThenDrain: with every cloud down, uploads land in the
// backup and say so; once the primary recovers, Drain moves every copy to
// it, byte-identical, and removes only the verified copies.
func TestAllDownBackupThenDrain(t *testing.T) {
	e := newEnv(t, envConfig{})
	primary, secondary := e.clouds[0], e.clouds[1]
	var keys []string
	for i := range 20 {
		keys = append(keys, fmt.Sprintf("dir/file-%02d", i))
	}
	e.backUp(keys...)
	if e.spool.Len() != 20 || e.u.Stats().BackedUp != 20 {
		t.Fatalf("spool holds %d, stats say %d backed up", e.spool.Len(), e.u.Stats().BackedUp)
	}
	if len(e.eventsOf(failover.EventBackup)) != 20 {
		t.Errorf("%d backup events", len(e.eventsOf(failover.EventBackup)))
	}
	// The secondary stays down; the primary has recovered.
	always(secondary, memtest.Fault{Kind: uploader.Unavailable})
	e.clk.Advance(time.Minute) // past the open period
	rep, err := e.drain(failover.DrainOptions{Concurrency: 1})
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if rep.Drained != 20 || rep.Failed+rep.Skipped+rep.Gone+rep.Superseded+rep.AlreadyStored != 0 {
		t.Fatalf("report %+v", rep)
	}
	if e.spool.Len() != 0 {
		t.Fatalf("spool still holds %d copies", e.spool.Len())
	}
	for i, it := range rep.Items {
		if it.Key != keys[i] || it.Target != "primary" || !it.Removed || it.Err != nil {
			t.Errorf("item %d: %+v", i, it)
		}
		stored(t, primary, it.Key, payload(it.Key))
		o, _ := primary.Object(it.Key)
		if o.Metadata[failover.SpooledAtMetadata] == "" {
			t.Errorf("%s has no %s metadata", it.Key, failover.SpooledAtMetadata)
		}
	}
	if got := len(e.eventsOf(failover.EventDrain)); got != 20 {
		t.Errorf("%d drain events", got)
	}
	if s := e.u.Stats(); s.Drain.Drained != 20 || s.Drain.Runs != 1 || s.Uploads != 20 || s.Stored != 0 || s.BackedUp != 20 {
		t.Errorf("stats %+v: drain 20 in 1 run, uploads unchanged by the drain", s)
	}
	// A second drain finds nothing.
	rep, err = e.drain(failover.DrainOptions{})
	if err != nil || len(rep.Items) != 0 {
		t.Errorf("second drain: %v, %d items", err, len(rep.Items))
	}
}

// TestBackupFailureFailsTheUpload: when every cloud failed and the backup
// fails too, the upload fails, claims no target and says why.
func TestBackupFailureFailsTheUpload(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.downAll()
	e.spool.SetFail(&uploader.Error{Kind: uploader.Unavailable, Op: "write", Message: "disk full"})
	res, err := e.upload("k")
	if err == nil {
		t.Fatal("nil error with nothing stored")
	}
	if res.BackedUp || res.Target != "" {
		t.Errorf("result claims %q (backed up %v)", res.Target, res.BackedUp)
	}
	if last := res.Attempts[len(res.Attempts)-1]; last.Target != "backup" || last.Kind != uploader.Unavailable {
		t.Errorf("last attempt %+v", last)
	}
	if s := e.u.Stats(); s.Failed != 1 || s.BackedUp != 0 {
		t.Errorf("stats failed %d backed up %d", s.Failed, s.BackedUp)
	}
	ev := e.eventsOf(failover.EventBackup)
	if len(ev) != 1 || ev[0].Err == nil {
		t.Errorf("backup events %+v", ev)
	}
}

// TestNoBackupAllDown: without a backup, an upload that no cloud stores
// fails. The last cloud target, with nothing behind it, is retried beyond
// MaxAttempts: until its breaker opens (5 failures in a row), within the
// budget: 3 attempts on the primary, 5 on the secondary.
func TestNoBackupAllDown(t *testing.T) {
	e := newEnv(t, envConfig{noSpool: true})
	e.downAll()
	res, err := e.upload("k")
	if uploader.KindOf(err) != uploader.Unavailable || res.Target != "" || len(res.Attempts) != 8 {
		t.Fatalf("err %v, target %q, %d attempts", err, res.Target, len(res.Attempts))
	}
	if _, err := e.drain(failover.DrainOptions{}); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Drain without a spool: %v", err)
	}
}

// TestDrainDoesNotOverwriteNewer: a cloud object newer than the copy is
// kept; the copy is reported superseded and removed.
func TestDrainDoesNotOverwriteNewer(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	newer := []byte("a newer version, uploaded after the backup")
	if res, err := e.u.Upload(context.Background(), uploader.BytesObject("k", newer)); err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	puts := e.clouds[0].Puts()
	rep, err := e.drain(failover.DrainOptions{})
	if err != nil || rep.Superseded != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	it := rep.Items[0]
	if it.Outcome != failover.DrainSuperseded || it.Target != "primary" || !it.Removed {
		t.Errorf("item %+v", it)
	}
	if e.clouds[0].Puts() != puts {
		t.Errorf("drain wrote over the newer object")
	}
	stored(t, e.clouds[0], "k", newer)
	if e.spool.Len() != 0 {
		t.Errorf("superseded copy kept")
	}
}

// TestDrainOverwritesOlder: a cloud object older than the copy is
// overwritten by it.
func TestDrainOverwritesOlder(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.clouds[0].Store("k", []byte("an old version"), t0.Add(-time.Hour), nil)
	e.backUp("k")
	e.clk.Advance(time.Minute)
	rep, err := e.drain(failover.DrainOptions{})
	if err != nil || rep.Drained != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	stored(t, e.clouds[0], "k", payload("k"))
}

// TestDrainAfterCrash: a drain that uploaded a copy but died before Remove
// is simply run again: the cloud holds the same bytes, so nothing is sent
// and the copy is removed.
func TestDrainAfterCrash(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	e.clouds[0].Store("k", payload("k"), e.clk.Now(), nil) // what the dead drain left
	puts := e.clouds[0].Puts()
	rep, err := e.drain(failover.DrainOptions{})
	if err != nil || rep.AlreadyStored != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	if e.clouds[0].Puts() != puts || e.spool.Len() != 0 {
		t.Errorf("puts %d, spool %d", e.clouds[0].Puts()-puts, e.spool.Len())
	}
}

// TestDrainKeepsNewerCopyBackedUpMeanwhile: a newer copy of the key backed
// up while the drain uploads the older one stays in the spool (Remove by
// ID), and the next drain moves it over the older one.
func TestDrainKeepsNewerCopyBackedUpMeanwhile(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	v2 := []byte("version 2, backed up by another process during the drain")
	e.clouds[0].Script(memtest.Fault{Before: func() {
		e.clk.Advance(time.Second)
		if _, err := e.spool.Backup(context.Background(), uploader.BytesObject("k", v2), nil); err != nil {
			t.Errorf("Backup: %v", err)
		}
	}})
	rep, err := e.drain(failover.DrainOptions{})
	if err != nil || rep.Drained != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	if rep.Items[0].Removed {
		t.Fatalf("the drain removed the newer copy")
	}
	if _, data, ok := e.spool.Held("k"); !ok || string(data) != string(v2) {
		t.Fatalf("spool holds %q (%v), want version 2", data, ok)
	}
	stored(t, e.clouds[0], "k", payload("k"))
	rep, err = e.drain(failover.DrainOptions{})
	if err != nil || rep.Drained != 1 || !rep.Items[0].Removed {
		t.Fatalf("second Drain: %v, %+v", err, rep)
	}
	stored(t, e.clouds[0], "k", v2)
	if e.spool.Len() != 0 {
		t.Errorf("spool holds %d", e.spool.Len())
	}
}

// TestDrainVerifiesBeforeRemoving: a target that stores other bytes than
// it was sent fails verification, and the copy stays.
func TestDrainVerifiesBeforeRemoving(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	e.clouds[0].Script(memtest.Fault{Corrupt: true})
	rep, err := e.drain(failover.DrainOptions{})
	if err == nil || rep.Failed != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	it := rep.Items[0]
	if it.Outcome != failover.DrainFailed || it.Removed || uploader.KindOf(it.Err) != uploader.Integrity {
		t.Errorf("item %+v", it)
	}
	if e.spool.Len() != 1 {
		t.Errorf("the unverified copy was removed")
	}
}

// TestDrainRefusesCorruptCopy: a copy whose bytes no longer match its record
// is not uploaded anywhere, and no breaker hears of it.
func TestDrainRefusesCorruptCopy(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	e.spool.Corrupt("k")
	puts := e.clouds[0].Puts() + e.clouds[1].Puts()
	rep, err := e.drain(failover.DrainOptions{})
	if err == nil || rep.Failed != 1 || uploader.KindOf(rep.Items[0].Err) != uploader.Integrity {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	if e.clouds[0].Puts()+e.clouds[1].Puts() != puts {
		t.Errorf("a corrupt copy was sent")
	}
	if e.spool.Len() != 1 {
		t.Errorf("copy removed")
	}
}

// TestDrainStatFailureSkipsTarget: a target whose Stat fails (other than
// not found) is skipped, so nothing newer is overwritten blindly; with
// SkipStaleCheck it is written.
func TestDrainStatFailureSkipsTarget(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("a", "b")
	e.clk.Advance(time.Minute)
	e.clouds[0].SetStatErr(&uploader.Error{Kind: uploader.AccessDenied, Status: 403, Code: "AccessDenied", Op: "stat"})
	puts, opens := e.clouds[0].Puts(), e.target("primary").Opens
	rep, err := e.drain(failover.DrainOptions{MaxFailures: 1})
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	for _, it := range rep.Items {
		if it.Target != "secondary" {
			t.Errorf("%s drained to %q, want secondary", it.Key, it.Target)
		}
		if it.Attempts[0].Target != "primary" || it.Attempts[0].Kind != uploader.AccessDenied {
			t.Errorf("attempts %+v", it.Attempts)
		}
	}
	if e.clouds[0].Puts() != puts {
		t.Errorf("primary written without its check")
	}
	if ts := e.target("primary"); ts.Opens != opens || ts.WindowFailures != 0 {
		t.Errorf("a failed Stat moved the breaker: %+v", ts)
	}

	e2 := newEnv(t, envConfig{})
	e2.backUp("a")
	e2.clk.Advance(time.Minute)
	e2.clouds[0].SetStatErr(&uploader.Error{Kind: uploader.AccessDenied, Status: 403})
	rep, err = e2.drain(failover.DrainOptions{SkipStaleCheck: true})
	if err != nil || rep.Items[0].Target != "primary" {
		t.Fatalf("SkipStaleCheck: %v, %+v", err, rep.Items)
	}
}

// TestDrainWhileCloudsStillDown: the copies stay, MaxFailures stops the
// drain early, and the error says how many were not drained.
func TestDrainWhileCloudsStillDown(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("a", "b", "c", "d")
	e.downAll()
	e.clk.Advance(time.Minute)
	rep, err := e.drain(failover.DrainOptions{Concurrency: 1, MaxFailures: 2})
	if err == nil {
		t.Fatal("nil error")
	}
	if rep.Failed != 2 || rep.Skipped != 2 {
		t.Errorf("failed %d skipped %d, want 2 and 2", rep.Failed, rep.Skipped)
	}
	if e.spool.Len() != 4 {
		t.Errorf("spool holds %d, want 4", e.spool.Len())
	}
	for _, it := range rep.Items {
		for _, a := range it.Attempts {
			if a.Target == "backup" {
				t.Errorf("drain went to the backup: %+v", a)
			}
		}
	}
}

// TestDrainWhileUploading: Drain runs while uploads of the same keys (new
// versions) and of other keys go on. Every key ends with its newest version
// on a cloud, the spool empties, and nothing is lost.
func TestDrainWhileUploading(t *testing.T) {
	e := newEnv(t, envConfig{})
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	e.backUp(keys...)
	e.clk.Advance(time.Minute)
	v2 := func(k string) []byte { return []byte("v2 of " + k) }
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for _, k := range keys[:15] {
			if _, err := e.u.Upload(context.Background(), uploader.BytesObject(k, v2(k))); err != nil {
				t.Errorf("upload %s: %v", k, err)
			}
		}
	}()
	var rep failover.DrainReport
	var derr error
	go func() {
		defer wg.Done()
		rep, derr = e.drain(failover.DrainOptions{Concurrency: 4})
	}()
	wg.Wait()
	if derr != nil {
		t.Fatalf("Drain: %v", derr)
	}
	if e.spool.Len() != 0 {
		t.Fatalf("spool holds %d", e.spool.Len())
	}
	for i, k := range keys {
		want := payload(k)
		if i < 15 {
			want = v2(k)
		}
		var found bool
		for _, b := range e.clouds {
			if o, ok := b.Object(k); ok && string(o.Data) == string(want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: newest version on no cloud (outcome %v)", k, outcomes(rep)[k])
		}
	}
	got := rep.Drained + rep.Superseded
	if got != 30 {
		t.Errorf("drained %d + superseded %d, want 30", rep.Drained, rep.Superseded)
	}
	if !slices.ContainsFunc(rep.Items, func(it failover.DrainItem) bool { return it.Outcome == failover.DrainStored }) {
		t.Errorf("nothing drained")
	}
}

// TestDrainLeavesDamagedCopies: a copy the backup lists as damaged is
// reported failed with its damage and its URL, never sent and never
// removed; the intact ones are drained.
func TestDrainLeavesDamagedCopies(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.backUp("bad", "good")
	e.clk.Advance(time.Minute)
	why := &uploader.Error{Kind: uploader.Integrity, Op: "list", Key: "bad", Message: "the record is not valid JSON"}
	e.spool.Damage("bad", why)
	rep, err := e.drain(failover.DrainOptions{})
	if err == nil || rep.Failed != 1 || rep.Drained != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	for _, it := range rep.Items {
		if it.Key != "bad" {
			continue
		}
		if it.Outcome != failover.DrainFailed || uploader.KindOf(it.Err) != uploader.Integrity || it.URL != "file:///spool/bad" || it.Removed {
			t.Errorf("damaged item %+v", it)
		}
	}
	if _, ok := e.clouds[0].Object("bad"); ok {
		t.Errorf("a damaged copy was sent")
	}
	if _, _, ok := e.spool.Held("bad"); !ok {
		t.Errorf("a damaged copy was removed")
	}
}

// TestDrainDistrustsFutureDates: a copy dated later than now (a record
// with a false date) does not overwrite a different object in the cloud,
// however old that object is; it stays in the backup.
func TestDrainDistrustsFutureDates(t *testing.T) {
	e := newEnv(t, envConfig{clouds: []string{"primary"}})
	e.backUp("k")
	e.clk.Advance(time.Minute)
	theirs := []byte("the object in the cloud, stored after the backup")
	e.clouds[0].Store("k", theirs, e.clk.Now(), nil)
	e.spool.Redate("k", e.clk.Now().AddDate(1, 0, 0))
	rep, err := e.drain(failover.DrainOptions{})
	if err == nil || rep.Failed != 1 {
		t.Fatalf("Drain: %v, %+v", err, rep)
	}
	if k := uploader.KindOf(rep.Items[0].Err); k != uploader.Integrity {
		t.Errorf("kind %v: %v", k, rep.Items[0].Err)
	}
	stored(t, e.clouds[0], "k", theirs)
	if e.spool.Len() != 1 {
		t.Errorf("the copy left the backup")
	}
}
