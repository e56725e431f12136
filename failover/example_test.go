package failover_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// Example builds an Uploader over two cloud targets and a backup, uploads
// while the first cloud refuses signatures, and drains the backup later.
// Real programs pass the backends of backends/tos, backends/oss, ... and
// backends/local instead of the in-memory ones.
func Example() {
	beijing := memtest.New("tos-beijing", "tos", time.Now)
	hangzhou := memtest.New("oss-hangzhou", "oss", time.Now)
	backup := memtest.NewSpool("local", time.Now)
	beijing.FaultFunc(func(int, string) memtest.Fault {
		return memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"}
	})

	u, err := failover.New([]failover.Target{
		{Backend: beijing},
		{Backend: hangzhou},
		{Backend: backup}, // a Spool: the backup
	}, failover.Options{
		OnEvent: func(ev failover.Event) {
			if ev.Type == failover.EventBreaker {
				fmt.Printf("breaker %s: %s -> %s (%s)\n", ev.Target, ev.From, ev.To, ev.Kind)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer u.Close()

	ctx := context.Background()
	for _, key := range []string{"a.txt", "b.txt"} {
		res, err := u.Upload(ctx, uploader.BytesObject(key, []byte("hello")))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s on %s, backed up %v, attempts:", res.Key, res.Target, res.BackedUp)
		for _, a := range res.Attempts {
			fmt.Printf(" %s=%s", a.Target, a.Kind)
		}
		fmt.Println()
	}

	rep, err := u.Drain(ctx, failover.DrainOptions{})
	fmt.Println("drained:", rep.Drained, err)
	fmt.Println("primary state:", u.Stats().Targets[0].State)
	// Output:
	// breaker tos-beijing: closed -> open (signature_mismatch)
	// a.txt on oss-hangzhou, backed up false, attempts: tos-beijing=signature_mismatch oss-hangzhou=ok
	// b.txt on oss-hangzhou, backed up false, attempts: tos-beijing=circuit_open oss-hangzhou=ok
	// drained: 0 <nil>
	// primary state: open
}
