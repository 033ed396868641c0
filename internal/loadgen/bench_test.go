package loadgen

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/stampcode"
)

// inputCodes are n codes of one batch, as a label run or a delivery holds.
func inputCodes(tb testing.TB, n int) ([]string, ed25519.PrivateKey) {
	tb.Helper()
	// A key made here for the benchmark only, never for production.
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	iss, err := stampcode.NewIssuer(priv)
	if err != nil {
		tb.Fatal(err)
	}
	codes := make([]string, n)
	for i := range codes {
		if codes[i], err = iss.Sign("HTTP://127.0.0.1:8081/V/", stampcode.Claims{Serial: uint64(i + 1), ProductNumber: 1, BatchID: 1, StarGrade: 4, ValidUntil: time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			tb.Fatal(err)
		}
	}
	return codes, priv
}

// BenchmarkQREncodeInput is why QREncode takes the workload's codes: one
// code encoded over and over ("same") runs 5–9% faster than the codes of
// a batch in turn ("batch"), which is what labels encode.
// BenchmarkReSignInput shows re-signing does not care (Ed25519 runs in
// constant time), so ReSign may check one code over and over.
func BenchmarkQREncodeInput(b *testing.B) {
	codes, _ := inputCodes(b, 2000)
	benchInputs(b, codes, encodeQR)
}

func BenchmarkReSignInput(b *testing.B) {
	codes, priv := inputCodes(b, 2000)
	benchInputs(b, codes, func(code string) error {
		tok, err := stampcode.Parse(code)
		if err == nil && !tok.VerifyBySigning(priv) {
			err = errors.New("re-signing does not give the code's signature")
		}
		return err
	})
}

// benchInputs runs work on one code over and over ("same"), and on the
// codes in turn ("batch").
func benchInputs(b *testing.B, codes []string, work func(code string) error) {
	for _, tc := range []struct {
		name string
		pick func(i int) string
	}{
		{"same", func(int) string { return codes[0] }},
		{"batch", func(i int) string { return codes[i%len(codes)] }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := work(tc.pick(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
