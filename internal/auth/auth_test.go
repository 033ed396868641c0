package auth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/auth"
)

func TestTokenRoundTrip(t *testing.T) {
	token, id, hash, err := auth.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 67 || !strings.HasPrefix(token, "estamp_"+id+"_") {
		t.Fatalf("token %q (id %s)", token, id)
	}
	got, err := auth.ParseToken(token)
	if err != nil || got != id {
		t.Fatalf("ParseToken = %q, %v", got, err)
	}
	if !auth.Matches(token, hash) {
		t.Error("a token does not match its own hash")
	}
	other, _, _, _ := auth.NewToken(rand.Reader)
	if auth.Matches(other, hash) {
		t.Error("another token matches")
	}
	if bytes.Contains(hash, []byte(token[24:])) {
		t.Error("the hash holds the secret")
	}
}

func TestParseTokenRejects(t *testing.T) {
	good, _, _, _ := auth.NewToken(rand.Reader)
	for name, s := range map[string]string{
		"empty":           "",
		"no prefix":       good[7:],
		"other prefix":    "github_" + good[7:],
		"upper-case id":   "estamp_" + strings.ToUpper(good[7:23]) + good[23:],
		"non-hex id":      "estamp_zz" + good[9:],
		"missing _":       good[:23] + "-" + good[24:],
		"short secret":    good[:len(good)-1],
		"long secret":     good + "A",
		"bad base64":      good[:30] + "*" + good[31:],
		"bearer included": "Bearer " + good,
	} {
		if _, err := auth.ParseToken(s); err == nil {
			t.Errorf("%s: %q accepted", name, s)
		}
	}
}

func TestPrincipalNamesNoSecret(t *testing.T) {
	p := auth.Principal{TokenID: "0123456789abcdef", Role: estampv1.Role_ROLE_PRODUCER, ProducerID: "HTX-A"}
	if p.String() != "producer HTX-A/0123456789abcdef" {
		t.Errorf("String = %q", p.String())
	}
	ctx := auth.WithPrincipal(context.Background(), p)
	if auth.Actor(ctx) != p.String() || auth.Actor(context.Background()) != auth.ServerActor {
		t.Error("Actor")
	}
}

// FuzzParseToken: the authorization header is outside input.
func FuzzParseToken(f *testing.F) {
	good, _, _, _ := auth.NewToken(rand.Reader)
	for _, s := range []string{good, "", "estamp_", good + "x", "estamp_0123456789abcdef_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := auth.ParseToken(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(s, "estamp_"+id+"_") || len(s) != 67 {
			t.Errorf("accepted %q as id %q", s, id)
		}
	})
}
