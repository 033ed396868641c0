package stampcode_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/ocopvn/estamp/internal/stampcode"
)

func BenchmarkSign(b *testing.B) {
	iss := issuer(b, "issuer-test-key.pem")
	p := prefix(b, "http://localhost:8080")
	c := goldenClaims
	for b.Loop() {
		c.Serial++
		if _, err := iss.Sign(p, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseVerify(b *testing.B) {
	iss := issuer(b, "issuer-test-key.pem")
	pub := loadKey(b, "issuer-test-key.pem").Public().(ed25519.PublicKey)
	code, err := iss.Sign(prefix(b, "http://localhost:8080"), goldenClaims)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tok, err := stampcode.Parse(code)
		if err != nil || !tok.Verify(pub) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkParseVerifyBySigning is the issuer's online check: re-sign and
// compare (deterministic Ed25519) instead of verifying.
func BenchmarkParseVerifyBySigning(b *testing.B) {
	iss := issuer(b, "issuer-test-key.pem")
	priv := loadKey(b, "issuer-test-key.pem")
	code, err := iss.Sign(prefix(b, "http://localhost:8080"), goldenClaims)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tok, err := stampcode.Parse(code)
		if err != nil || !tok.VerifyBySigning(priv) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkSignEd25519Alone is what BenchmarkSign costs beyond: the bare
// Ed25519 signature of a stamp's message, the bench's issuance ceiling.
func BenchmarkSignEd25519Alone(b *testing.B) {
	priv := loadKey(b, "issuer-test-key.pem")
	msg := stampcode.SignedMessage(make([]byte, stampcode.PayloadSize))
	for b.Loop() {
		ed25519.Sign(priv, msg)
	}
}
