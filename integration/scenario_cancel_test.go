package integration_test

import (
	"context"
	"errors"
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// statOnly is a backend seen as a Backend and a Stater only: it cannot say
// its part size, so nothing proves a multipart ETag.
type statOnly struct {
	uploader.Backend
	uploader.Stater
}

// TestScenarioCancelCleanOrHonest (issue 18, item 1): the caller cancels
// an upload at every stage, through each vendor's gateway and MinIO, the
// gateway holding the request where the test cancels (no sleeps). Each
// key holds an older object of the same size first. The upload ends clean
// (Canceled, MayHaveLanded false, the older object unchanged; a single PUT
// whose body the client read whole may say MayHaveLanded instead, since
// only a multipart upload's abort proves it absent), stored (the
// object landed, proved by its content: a nil error and EventLanded), or
// honest (Canceled with MayHaveLanded, naming the target, when the object
// landed and nothing proves it) — never Canceled with the object silently
// stored.
func TestScenarioCancelCleanOrHonest(t *testing.T) {
	srv := miniotest.Shared(t)
	const single = 512 << 10 // below landedThreshold: one PUT
	type outcome int
	const (
		clean outcome = iota
		stored
		honest
		// unlanded: canceled, the older object unchanged; MayHaveLanded
		// either way. A single PUT held mid-body may have had its whole
		// body read by the client into socket buffers, and then nothing
		// the client can see proves the server will not commit it.
		unlanded
	)
	stages := []struct {
		name       string
		size       int
		fault      func(held chan<- struct{}) gateway.Fault // nil: cancel before the upload
		unprovable bool                                     // hide the backend's part size
		want       outcome
	}{
		{name: "before-send", size: single, want: clean},
		{name: "mid-body", size: single, want: unlanded, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.HoldBody(64<<10, held), Times: 1}
		}},
		{name: "mid-part", size: landedSize, want: clean, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.HoldBody(64<<10, held), Times: 1}
		}},
		{name: "after-last-byte-reply-held", size: single, want: stored, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.Hold(held), Times: 1}
		}},
		{name: "complete-held-before-upstream", size: landedSize, want: clean, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpComplete}, Action: gateway.HoldBody(0, held), Times: 1}
		}},
		{name: "complete-reply-held", size: landedSize, want: stored, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpComplete}, Action: gateway.Hold(held), Times: 1}
		}},
		{name: "complete-reply-held-unprovable", size: landedSize, unprovable: true, want: honest, fault: func(held chan<- struct{}) gateway.Fault {
			return gateway.Fault{Ops: []gateway.Op{gateway.OpComplete}, Action: gateway.Hold(held), Times: 1}
		}},
	}
	for _, spec := range landedSpecs {
		t.Run(string(spec.dialect), func(t *testing.T) {
			c := newCloud(t, srv, spec)
			b := multipartBackend(t, c)
			for i, st := range stages {
				t.Run(st.name, func(t *testing.T) {
					key := "cancel/" + st.name
					old, oldData := object(key, st.size, uint64(100+i))
					if _, err := uploader.New(b).Upload(t.Context(), old); err != nil {
						t.Fatalf("storing the older object: %v", err)
					}
					obj, data := object(key, st.size, uint64(200+i))
					target := b
					if st.unprovable {
						target = statOnly{b, b.(uploader.Stater)}
					}
					log := newEventLog()
					u, err := failover.New([]failover.Target{{Backend: target}}, failover.Options{OnEvent: log.add})
					if err != nil {
						t.Fatal(err)
					}
					defer u.Close()

					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					puts, aborts := c.gw.Count(gateway.OpPut), c.gw.Count(gateway.OpAbort)
					held := make(chan struct{})
					var fault gateway.FaultID
					if st.fault == nil {
						cancel()
					} else {
						fault = c.gw.Inject(st.fault(held))
						go func() {
							select {
							case <-held:
								cancel()
							case <-ctx.Done():
							}
						}()
					}
					res, err := u.Upload(ctx, obj)
					if st.fault != nil && c.gw.FaultHits(fault) != 1 {
						t.Fatalf("the hold met %d requests, want 1 (err %v)", c.gw.FaultHits(fault), err)
					}
					var ue *uploader.Error
					switch st.want {
					case stored:
						if err != nil || res.Target != spec.name {
							t.Fatalf("%v on %q: want the landed object reported stored on %s", err, res.Target, spec.name)
						}
						if len(log.find(failover.EventLanded, spec.name, nil)) != 1 {
							t.Errorf("no landed event")
						}
						wantStored(t, c, key, data)
					case clean:
						if !errors.As(err, &ue) || ue.Kind != uploader.Canceled || ue.MayHaveLanded {
							t.Fatalf("err %v (may have landed: %v), want canceled and clean", err, ue != nil && ue.MayHaveLanded)
						}
						wantStored(t, c, key, oldData) // unchanged
					case unlanded:
						if !errors.As(err, &ue) || ue.Kind != uploader.Canceled {
							t.Fatalf("err %v, want canceled", err)
						}
						wantStored(t, c, key, oldData) // unchanged
					case honest:
						if !errors.As(err, &ue) || ue.Kind != uploader.Canceled || !ue.MayHaveLanded ||
							ue.Target != spec.name || ue.Key != key {
							t.Fatalf("err %v, want canceled, may have landed on %s", err, spec.name)
						}
						wantStored(t, c, key, data) // it did land: the error said so
					}
					if st.name == "before-send" && c.gw.Count(gateway.OpPut) != puts {
						t.Errorf("a PUT was sent after the cancel")
					}
					if st.name == "mid-part" || st.name == "complete-held-before-upstream" {
						if c.gw.Count(gateway.OpAbort) == aborts {
							t.Errorf("the multipart upload was not aborted")
						}
					}
				})
			}
		})
	}
}
