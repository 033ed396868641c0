package keys_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/keys"
	"github.com/ocopvn/estamp/internal/stampcode"
)

func TestLoadOrCreateMakesOnePrivateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	ring, created, err := keys.LoadOrCreate(dir, now, rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	active := ring.Active()
	if active == nil || !active.Created.Equal(now) {
		t.Fatalf("active key = %+v", active)
	}
	if created == nil || created.ID != active.ID {
		t.Errorf("LoadOrCreate says it created %v, want the active key %s", created, active.ID)
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

	again, createdAgain, err := keys.LoadOrCreate(dir, now.Add(time.Hour), rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Active().ID != active.ID || len(again.All()) != 1 || createdAgain != nil {
		t.Errorf("restart made a new key: %v", again.All())
	}
}

func TestNewestKeySignsOldKeysVerify(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, err := keys.Generate(dir, t0, rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	newer, err := keys.Generate(dir, t0.AddDate(1, 0, 0), rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keys.Load(dir, nil)
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
			if _, err := keys.Load(dir, nil); err == nil {
				t.Error("Load accepted a bad key file")
			}
		})
	}
}

func TestEmptyRingHasNoIssuer(t *testing.T) {
	ring, err := keys.Load(filepath.Join(t.TempDir(), "missing"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.ActiveIssuer(); err == nil {
		t.Error("empty ring has an active issuer")
	}
}

func TestLoadRefusesKeysOthersCanRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k, err := keys.Generate(dir, t0, rand.Reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Load(dir, nil); err != nil {
		t.Fatalf("0600 key refused: %v", err)
	}
	path := keys.Path(dir, k.ID)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Load(dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("0644 key file: err = %v, want a refusal naming chmod 600", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Load(dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("0777 key dir: err = %v, want a refusal naming chmod 700", err)
	}
}

func TestEncryptedKeyAtRest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	pass := []byte("mật khẩu dài của văn phòng OCOP")
	k, err := keys.Generate(dir, t0, rand.Reader, pass)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(keys.Path(dir, k.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "ESTAMP ENCRYPTED PRIVATE KEY") || strings.Contains(string(data), "BEGIN PRIVATE KEY") {
		t.Fatalf("key file is not encrypted:\n%s", data)
	}
	ring, err := keys.Load(dir, pass)
	if err != nil {
		t.Fatal(err)
	}
	if ring.Active().ID != k.ID || !ring.Active().Created.Equal(t0) {
		t.Errorf("decrypted key %s created %v", ring.Active().ID, ring.Active().Created)
	}
	if _, err := keys.Load(dir, []byte("wrong")); !errors.Is(err, keys.ErrPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := keys.Load(dir, nil); err == nil || !strings.Contains(err.Error(), "--key-passphrase-file") {
		t.Errorf("no passphrase: %v", err)
	}
	// The creation time is bound to the ciphertext.
	tampered := strings.Replace(string(data), "Created: 2026", "Created: 2027", 1)
	if _, err := keys.Decode([]byte(tampered), "k", pass); !errors.Is(err, keys.ErrPassphrase) {
		t.Errorf("changed Created header: %v", err)
	}
}

func TestRingStates(t *testing.T) {
	older := keys.FromPrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)), t0)
	newer := keys.FromPrivateKey(ed25519.NewKeyFromSeed(append(make([]byte, 31), 1)), t0.Add(time.Hour))
	ring := keys.NewRing(older, newer)
	if ring.Active() != newer || ring.State(older.ID).Status != estampv1.KeyStatus_KEY_STATUS_RETIRED {
		t.Fatalf("without states the newest key signs and older ones are retired")
	}
	ring.SetState(newer.ID, keys.State{Status: estampv1.KeyStatus_KEY_STATUS_RETIRED})
	if ring.Active() != nil {
		t.Error("a retired key still signs")
	}
	if _, err := ring.ActiveIssuer(); !errors.Is(err, keys.ErrNoKey) {
		t.Errorf("ActiveIssuer = %v", err)
	}
	if _, ok := ring.Issuer(newer.ID.String()); !ok {
		t.Error("a retired key can no longer reproduce its codes")
	}
	ring.SetState(older.ID, keys.State{Status: estampv1.KeyStatus_KEY_STATUS_COMPROMISED, Reason: "leak"})
	if _, ok := ring.Issuer(older.ID.String()); ok {
		t.Error("a compromised key's codes can be printed again")
	}
	if _, ok := ring.PublicKey(older.ID); !ok {
		t.Error("a compromised key is unknown: its stamps would read UNKNOWN_KEY, not KEY_COMPROMISED")
	}
	third := keys.FromPrivateKey(ed25519.NewKeyFromSeed(append(make([]byte, 31), 2)), t0.Add(2*time.Hour))
	ring.Add(third)
	ring.SetState(third.ID, keys.State{Status: estampv1.KeyStatus_KEY_STATUS_ACTIVE})
	if ring.Active() != third || len(ring.All()) != 3 || ring.All()[0] != third {
		t.Error("an added key does not sign")
	}
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
