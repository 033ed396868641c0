package account

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
)

var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func TestHashMatchesOnlyItsPassword(t *testing.T) {
	h, err := Hash("chè lam Phủ Quảng", cheap, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := Hash("chè lam Phủ Quảng", cheap, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(h.Salt, h2.Salt) || bytes.Equal(h.Hash, h2.Hash) {
		t.Fatal("two hashes of one password share a salt or a hash")
	}
	for _, c := range []struct {
		password string
		want     bool
	}{
		{"chè lam Phủ Quảng", true},
		{"chè lam Phủ Quảng ", false},
		{"che lam Phu Quang", false},
		{"", false},
	} {
		if got := Matches(c.password, h); got != c.want {
			t.Errorf("Matches(%q) = %v, want %v", c.password, got, c.want)
		}
	}
	// Parameters travel with the hash: a hash made with others verifies.
	strong, err := Hash("x", Params{Time: 2, MemoryKiB: 128, Threads: 2}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !Matches("x", strong) {
		t.Error("a hash with other parameters does not verify")
	}
	// A damaged record matches nothing rather than panicking.
	for _, bad := range []func(){
		func() { h.Threads = 0 },
		func() { h.Threads = 300 },
		func() { h.Hash = h.Hash[:5] },
	} {
		bad()
		if Matches("chè lam Phủ Quảng", h) {
			t.Error("a damaged hash matched")
		}
	}
	if Matches("x", nil) {
		t.Error("no hash matched")
	}
}

func TestDefaultParamsAreOWASPs(t *testing.T) {
	// RFC 9106 §4 and OWASP's Password Storage Cheat Sheet: Argon2id with
	// at least 19 MiB, 2 passes, 1 lane.
	if DefaultParams.MemoryKiB < 19*1024 || DefaultParams.Time < 2 || DefaultParams.Threads < 1 {
		t.Fatalf("%+v is below OWASP's minimum", DefaultParams)
	}
}

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		password string
		ok       bool
	}{
		{"mười ký tự", true},
		{"chín ký t", false},
		{string(make([]byte, 129)), false},
		{"\xff\xfe mười ký tự", false},
		{"Lan.Nguyen", false},
		{"lan.nguyen", false},
	} {
		err := CheckPassword("new_password", c.password, "lan.nguyen")
		var invalid *ocop.InvalidError
		if (err == nil) != c.ok || (err != nil && (!errors.As(err, &invalid) || invalid.Field != "new_password")) {
			t.Errorf("%q: %v, ok %v", c.password, err, c.ok)
		}
	}
}

func TestCheckUsername(t *testing.T) {
	for name, ok := range map[string]bool{
		"lan.nguyen": true, "ch-ocop_2": true, "abc": true,
		"ab": false, "Lan": false, "lan nguyen": false, ".lan": false, "": false, "lân": false,
		strings.Repeat("a", 64): true,
		strings.Repeat("a", 65): false,
	} {
		if err := CheckUsername("username", name); (err == nil) != ok {
			t.Errorf("%q: %v, want ok %v", name, err, ok)
		}
	}
}

func TestOneTimePasswords(t *testing.T) {
	shape := regexp.MustCompile(`^[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}$`)
	seen := map[string]bool{}
	for range 100 {
		p, err := NewOneTimePassword(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(p) || seen[p] {
			t.Fatalf("%q: wrong shape or repeated", p)
		}
		seen[p] = true
		if err := CheckPassword("password", p, "x"); err != nil {
			t.Fatalf("a one-time password fails the password rule: %v", err)
		}
	}
}
