package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/resilient-upload/upload/integration/gateway"
)

// faultRate is the share of requests the vendor gateway answers 503 in the
// fault runs.
const faultRate = 0.05

// faultCase is one tool uploading through the vendor gateway, without and
// with injected 503s.
type faultCase struct {
	ID, Label   string
	Unavailable string
	Clean       []sample
	Faulty      []sample
	// Injected is, per faulty run, how many requests met the fault.
	Injected []float64
}

// measureFaults runs every available tool through an OBS-dialect vendor
// gateway in front of MinIO, on workload w, once as it is and once with
// faultRate of the requests (every operation) answered 503
// ServiceUnavailable without Retry-After, for rounds rounds. The OBS dialect
// verifies AWS V2 and V4 signatures, so the peers speak to it as to S3;
// `upload` uses its obs target there (its second target stays on MinIO).
func measureFaults(ctx context.Context, client minioClient, e env, conts []contender, obsExtra [][2]string, w workload, warm []workload, rounds int, o options, jsonDir string) ([]faultCase, string) {
	gw, err := gateway.Start(gateway.Options{
		Dialect:  gateway.OBS,
		Upstream: gateway.Upstream{URL: e.MinioURL, AccessKey: e.MinioAccessKey, SecretKey: e.MinioSecretKey, Region: "us-east-1"},
	})
	if err != nil {
		return nil, "vendor gateway: " + err.Error()
	}
	defer gw.Close()
	ge := e
	ge.Endpoint, ge.URL = gw.Endpoint(), gw.URL()
	ge.AccessKey, ge.SecretKey = gw.Credentials()

	var cases []faultCase
	var runners []contender
	var all []contender
	for _, c := range conts {
		if c.ID == "upload-obs" && c.Unavailable == "" {
			// Also the obs target alone: without a second target, the
			// retries have to absorb the 503s.
			if solo, err := newUploadWith("upload-obs-gw-solo", "upload (obs, no second target)", c.Bin, c.Version, ge,
				[]target{obsTarget("gateway-obs", ge, e.Bucket, obsExtra)}); err == nil {
				all = append(all, solo)
			}
		}
		all = append(all, c)
	}
	for _, c := range all {
		var r contender
		switch {
		case c.Unavailable != "":
			continue
		case c.ID == "upload-obs-gw-solo":
			r = c
		case c.ID == "upload-obs":
			var err error
			if r, err = newUpload("upload-obs-gw", "upload (obs)", c.Bin, c.Version, ge, obsTarget("gateway-obs", ge, e.Bucket, obsExtra)); err != nil {
				continue
			}
		case c.ID == "sdk-s3":
			r = newSDK(ge)
		case c.ID == "s5cmd":
			r = newS5cmd(c.Bin, c.Version, ge)
		case c.ID == "mc":
			r = newMc(c.Bin, c.Version, ge)
		case c.ID == "rclone":
			r = newRclone(c.Bin, c.Version, ge)
		default:
			continue // upload-s3: the gateway speaks no plain S3 dialect of its own; obs stands for upload
		}
		fc := faultCase{ID: r.ID, Label: r.Label}
		for _, ww := range warm {
			s := runOne(ctx, client, ge, &r, ww, 0, o.RunTimeout, jsonDir)
			if s.Err != nil {
				fc.Unavailable = fmt.Sprintf("fails through the vendor gateway (OBS dialect) without faults: %v", s.Err)
				logf("faults: %s: %s", r.ID, fc.Unavailable)
				break
			}
		}
		cases = append(cases, fc)
		runners = append(runners, r)
	}
	var live []int
	for i, fc := range cases {
		if fc.Unavailable == "" {
			live = append(live, i)
		}
	}
	fault := gateway.Fault{
		Action:      gateway.Action{Kind: gateway.ActionRespond, Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable"},
		Probability: faultRate,
	}
	for r := 1; r <= rounds; r++ {
		for k := range live {
			i := live[(k+r-1)%len(live)]
			fc, c := &cases[i], &runners[i]
			for step := 0; step < 2; step++ {
				faulty := (step+r)%2 == 0 // alternate which goes first
				var id gateway.FaultID
				if faulty {
					id = gw.Inject(fault)
				}
				s := runOne(ctx, client, ge, c, w, r, o.RunTimeout, jsonDir)
				if faulty {
					fc.Injected = append(fc.Injected, float64(gw.FaultHits(id)))
					gw.RemoveFault(id)
					fc.Faulty = append(fc.Faulty, s)
					logRun("faults 5%", r, w, c.ID, s)
				} else {
					fc.Clean = append(fc.Clean, s)
					logRun("faults 0%", r, w, c.ID, s)
				}
				if ctx.Err() != nil {
					return cases, ""
				}
			}
		}
	}
	return cases, ""
}
