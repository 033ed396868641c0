package keys_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/stampcode"
)

func TestLoadOrCreateMakesOnePrivateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	ring, err := keys.LoadOrCreate(dir, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	active := ring.Active()
	if active == nil || !active.Created.Equal(now) {
		t.Fatalf("active key = %+v", active)
	}
	if active.ID != stampcode.KeyIDOf(active.Public) {
		t.Error("key id does not derive from the public key")
	}
	path := filepath.Join(dir, active.ID.String()+".pem")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %o, want 600", mode)
	}

	again, err := keys.LoadOrCreate(dir, now.Add(time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if again.Active().ID != active.ID || len(again.All()) != 1 {
		t.Errorf("restart made a new key: %v", again.All())
	}
}

func TestNewestKeySignsOldKeysVerify(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := keys.Generate(dir, t0, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := keys.Generate(dir, t0.AddDate(1, 0, 0), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keys.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ring.Active().ID != newer.ID {
		t.Errorf("active = %s, want newest %s", ring.Active().ID, newer.ID)
	}
	if _, ok := ring.PublicKey(old.ID); !ok {
		t.Error("old key no longer available for verification")
	}
	if _, ok := ring.Issuer(old.ID.String()); !ok {
		t.Error("old key cannot reproduce its codes")
	}
	if _, ok := ring.Issuer("00000000"); ok {
		t.Error("unknown key id found")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	tests := map[string]string{
		"not PEM":        "hello",
		"wrong PEM type": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n",
		"bad created":    "-----BEGIN PRIVATE KEY-----\nCreated: yesterday\n\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "k.pem"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := keys.Load(dir); err == nil {
				t.Error("Load accepted a bad key file")
			}
		})
	}
}

func TestEmptyRingHasNoIssuer(t *testing.T) {
	ring, err := keys.Load(filepath.Join(t.TempDir(), "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.ActiveIssuer(); err == nil {
		t.Error("empty ring has an active issuer")
	}
}
