package issuance

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// failingSigner signs with key until it has signed ok codes, then fails:
// a key store that goes away mid-batch.
type failingSigner struct {
	key    ed25519.PrivateKey
	ok     int64
	signed atomic.Int64
}

var errKeyGone = errors.New("key store unreachable")

func (f *failingSigner) Public() crypto.PublicKey { return f.key.Public() }

func (f *failingSigner) Sign(r io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if f.ok >= 0 && f.signed.Add(1) > f.ok {
		return nil, errKeyGone
	}
	return f.key.Sign(r, msg, opts)
}

func testSigner(t *testing.T, ok int64) *signer {
	t.Helper()
	// A key made here for the test only, never for production.
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	iss, err := stampcode.NewIssuer(&failingSigner{key: key, ok: ok})
	if err != nil {
		t.Fatal(err)
	}
	return &signer{issuer: iss, batch: &estampv1.Batch{Id: 3, BaseUrl: "https://tem.example.vn"}, claims: stampcode.Claims{
		ProductNumber: 9, BatchID: 3, StarGrade: 4, ValidUntil: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC),
	}}
}

// sign hands stamps out to workers a chunk at a time: whatever the number
// of cores and however the chunks fall, every stamp is signed once, in its
// place, with the code signing it alone gives.
func TestSignEveryStampInItsPlace(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		for _, n := range []int{1, signChunk - 1, signChunk, signChunk + 1, 5 * signChunk, 1000} {
			t.Run(fmt.Sprintf("procs=%d/n=%d", procs, n), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				g := testSigner(t, -1)
				const first = 1_000_001
				stamps, err := g.sign(context.Background(), first, n)
				if err != nil {
					t.Fatal(err)
				}
				if len(stamps) != n {
					t.Fatalf("%d stamps, want %d", len(stamps), n)
				}
				for i, s := range stamps {
					claims := g.claims
					claims.Serial = first + uint64(i)
					want, err := g.issuer.Sign(g.batch.BaseUrl, claims)
					if err != nil {
						t.Fatal(err)
					}
					if s == nil || s.Serial != claims.Serial || s.Code != want {
						t.Fatalf("stamp %d = %v, want serial %d code %s", i, s, claims.Serial, want)
					}
				}
			})
		}
	}
}

// A signature that fails fails the batch, and a client gone away stops
// the work: no half-signed batch is returned.
func TestSignStopsOnErrorAndCancel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	stamps, err := testSigner(t, 300).sign(context.Background(), 1, 1000)
	if !errors.Is(err, errKeyGone) || stamps != nil {
		t.Errorf("signer failing after 300 codes: %d stamps, %v; want none and %v", len(stamps), err, errKeyGone)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stamps, err = testSigner(t, -1).sign(ctx, 1, 1000)
	if !errors.Is(err, context.Canceled) || stamps != nil {
		t.Errorf("cancelled: %d stamps, %v; want none and %v", len(stamps), err, context.Canceled)
	}
}
