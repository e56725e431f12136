package integration_test

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
)

// TestNamedActionCoversConformanceFaults keeps the gateway's fault names in
// step with the conformance suite: every backendtest.FaultType maps to an
// action, so a harness's Inject is gateway.NamedAction(f.Type.String()).
func TestNamedActionCoversConformanceFaults(t *testing.T) {
	want := map[backendtest.FaultType]gateway.ActionKind{
		backendtest.Fault500:         gateway.ActionRespond,
		backendtest.Fault503SlowDown: gateway.ActionRespond,
		backendtest.Fault429:         gateway.ActionRespond,
		backendtest.FaultReset:       gateway.ActionReset,
		backendtest.FaultStall:       gateway.ActionStall,
	}
	for f, kind := range want {
		a, err := gateway.NamedAction(f.String())
		if err != nil || a.Kind != kind {
			t.Errorf("NamedAction(%q) = %+v, %v; want kind %d", f.String(), a, err, kind)
		}
	}
}
