package integration_test

// The real-cloud scenarios of issue 11 that do not depend on the network's
// speed: a key that may write but not read (least privilege), and a bucket
// encrypted by default with a KMS key, on every vendor through the failover
// Uploader.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/cos"
	"github.com/resilient-upload/upload/backends/obs"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// smallPart is the part size and multipart threshold of the real-world
// scenarios' backends, so that their multipart uploads stay small.
const smallPart = 5 << 20

// withSmallParts replaces c's backend by one over the same gateway and
// bucket whose multipart threshold and part size are smallPart.
func withSmallParts(t testing.TB, c *cloud) {
	t.Helper()
	ak, sk := c.gw.Credentials()
	var b uploader.Backend
	var err error
	s := c.spec
	switch s.dialect {
	case gateway.TOS:
		b, err = tos.New(tos.Options{Common: provider.Common{Name: s.name, Endpoint: c.gw.URL(), Region: s.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, MultipartThreshold: smallPart, PartSize: smallPart}})
	case gateway.OSS:
		b, err = oss.New(oss.Options{Common: provider.Common{Name: s.name, Endpoint: c.gw.URL(), Region: s.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, MultipartThreshold: smallPart, PartSize: smallPart}})
	case gateway.OBS:
		b, err = obs.New(obs.Options{Common: provider.Common{Name: s.name, Endpoint: c.gw.URL(), Region: s.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, MultipartThreshold: smallPart, PartSize: smallPart}})
	case gateway.COS:
		b, err = cos.New(cos.Options{Common: provider.Common{Name: s.name, Endpoint: c.gw.URL(), Region: s.region, Bucket: c.bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: scenarioResponseTimeout, MultipartThreshold: smallPart, PartSize: smallPart}})
	}
	if err != nil {
		t.Fatalf("backend %s: %v", s.name, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	c.b = b
}

// realWorldPair returns a primary and a secondary cloud of dialect d with
// small parts, and the failover Uploader over them (breakers that would
// stay open for the whole test).
func realWorldPair(t *testing.T, srv *miniotest.Server, d gateway.Dialect) (primary, secondary *cloud, u *failover.Uploader) {
	t.Helper()
	region := map[gateway.Dialect]string{gateway.TOS: "cn-beijing", gateway.OSS: "cn-hangzhou"}[d]
	primary = newCloud(t, srv, cloudSpec{dialect: d, name: string(d) + "-primary", region: region})
	secondary = newCloud(t, srv, cloudSpec{dialect: d, name: string(d) + "-secondary", region: region})
	withSmallParts(t, primary)
	withSmallParts(t, secondary)
	u = newFailover(t, []*cloud{primary, secondary}, nil,
		failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}, nil)
	return primary, secondary, u
}

// TestScenarioLeastPrivilege: the primary's key may write but not read
// (the gateway's WriteOnly policy: HEAD and GET answered 403
// AccessDenied), on TOS, OSS, OBS and COS. A single PUT and a three-part
// multipart upload both stay on the primary with one attempt; its breaker
// never opens, nothing is deleted, nothing reaches the secondary, and a
// multipart upload whose HEAD was refused says "not verified by reading".
// Before, the refused HEAD was access_denied: the breaker opened, the file
// went to the secondary, and COS deleted what it had stored.
func TestScenarioLeastPrivilege(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range gateway.Dialects {
		t.Run(string(d), func(t *testing.T) {
			primary, secondary, u := realWorldPair(t, srv, d)
			primary.gw.SetPolicy(gateway.WriteOnly())
			for i, size := range []int{64 << 10, 2*smallPart + smallPart/2} {
				obj, data := object("lp/"+[]string{"single", "multipart"}[i], size, uint64(i+1))
				heads := primary.gw.CountOutcome(gateway.OpHead, gateway.OutcomeRejected)
				res := mustUpload(t, u, obj)
				wantAttempts(t, obj.Key, res.Attempts, primary.spec.name+"=ok")
				wantStored(t, primary, obj.Key, data)
				refused := primary.gw.CountOutcome(gateway.OpHead, gateway.OutcomeRejected) - heads
				if refused > 0 && !strings.Contains(res.Unverified, "not verified by reading") {
					t.Errorf("%s: %d HEADs refused but Result.Unverified is %q", obj.Key, refused, res.Unverified)
				}
				if refused == 0 && res.Unverified != "" {
					t.Errorf("%s: no HEAD refused but Result.Unverified is %q", obj.Key, res.Unverified)
				}
				t.Logf("%s %s: %d HEAD refused; unverified %q", d, obj.Key, refused, res.Unverified)
			}
			st := targetStats(t, u, primary.spec.name)
			if st.Opens != 0 || st.Failures[uploader.AccessDenied] != 0 {
				t.Errorf("primary: opens %d, access_denied failures %d; want 0, 0", st.Opens, st.Failures[uploader.AccessDenied])
			}
			if n := primary.gw.Count(gateway.OpDelete); n != 0 {
				t.Errorf("the primary saw %d DELETEs", n)
			}
			if n := secondary.gw.Count(gateway.OpAny); n != 0 {
				t.Errorf("the secondary saw %d requests", n)
			}
		})
	}
}

// TestScenarioKMSBucket: the primary's bucket is encrypted by default with
// a KMS key (the gateway answers the vendor's server-side-encryption header
// and ETags that are not MD5s), on every vendor, OBS first among them: a
// single PUT and a multipart upload stay on the primary with one attempt,
// and the bytes are stored. Before, OBS, OSS and COS took the ETag for a
// corrupt MD5: every single PUT failed with integrity, was deleted and went
// to the secondary.
func TestScenarioKMSBucket(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range []gateway.Dialect{gateway.OBS, gateway.TOS, gateway.OSS, gateway.COS} {
		t.Run(string(d), func(t *testing.T) {
			primary, secondary, u := realWorldPair(t, srv, d)
			primary.gw.SetKMSEncryption(true)
			for i, size := range []int{64 << 10, 2*smallPart + smallPart/2} {
				obj, data := object("kms/"+[]string{"single", "multipart"}[i], size, uint64(i+7))
				res := mustUpload(t, u, obj)
				wantAttempts(t, obj.Key, res.Attempts, primary.spec.name+"=ok")
				wantStored(t, primary, obj.Key, data)
				if strings.EqualFold(strings.Trim(res.ETag, `"`), md5hex(data)) {
					t.Errorf("%s: ETag %s is the MD5: the gateway did not answer as a KMS bucket", obj.Key, res.ETag)
				}
			}
			if st := targetStats(t, u, primary.spec.name); st.Opens != 0 || st.Failures[uploader.Integrity] != 0 {
				t.Errorf("primary: opens %d, integrity failures %d; want 0, 0", st.Opens, st.Failures[uploader.Integrity])
			}
			if n := primary.gw.Count(gateway.OpDelete); n != 0 {
				t.Errorf("the primary saw %d DELETEs", n)
			}
			if n := secondary.gw.Count(gateway.OpAny); n != 0 {
				t.Errorf("the secondary saw %d requests", n)
			}
		})
	}
}

// TestScenarioLeastPrivilegeDrain: with every cloud refusing (503), a
// multipart upload goes to the local backup; then the cloud comes back
// with a key that may write but not read, and Drain (with SkipStaleCheck:
// the stale-overwrite check needs read permission) moves the copy there
// and removes it: the upload's MD5, checked before the parts were sent,
// verifies it without a read back. Before, COS and OSS returned no MD5
// for a multipart upload, so Drain's HEAD was refused and the copy stayed.
func TestScenarioLeastPrivilegeDrain(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range gateway.Dialects {
		t.Run(string(d), func(t *testing.T) {
			region := map[gateway.Dialect]string{gateway.TOS: "cn-beijing", gateway.OSS: "cn-hangzhou"}[d]
			c := newCloud(t, srv, cloudSpec{dialect: d, name: string(d) + "-only", region: region})
			withSmallParts(t, c)
			backup := newBackup(t)
			u := newFailover(t, []*cloud{c}, backup, failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1}}, nil)
			c.gw.Inject(gateway.Fault{Action: gateway.Respond(503, "ServiceUnavailable"), Times: 1000})
			obj, data := object("lp/drained", 2*smallPart+1, 3)
			if res := mustUpload(t, u, obj); !res.BackedUp {
				t.Fatalf("not backed up: %+v", res)
			}
			c.gw.ClearFaults()
			c.gw.SetPolicy(gateway.WriteOnly())
			rep, err := u.Drain(context.Background(), failover.DrainOptions{SkipStaleCheck: true})
			if err != nil || len(rep.Items) != 1 {
				t.Fatalf("Drain: %v, %+v", err, rep)
			}
			if it := rep.Items[0]; it.Outcome != failover.DrainStored || !it.Removed || it.Target != c.spec.name {
				t.Fatalf("drained item %+v", it)
			}
			wantStored(t, c, obj.Key, data)
			if n := len(spooled(t, backup)); n != 0 {
				t.Errorf("%d copies left in the backup", n)
			}
		})
	}
}
