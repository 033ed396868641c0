// Package keys manages the issuer's Ed25519 signing keys: PEM files in the
// data directory, one per key, readable only by the owner.
//
// Verification must keep working for stamps signed by older keys, so every
// key found is kept for verification; the newest signs new stamps.
package keys

import (
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ocopvn/estamp/internal/stampcode"
)

const (
	pemType       = "PRIVATE KEY"
	createdHeader = "Created"
	fileSuffix    = ".pem"
)

// Key is one issuer key.
type Key struct {
	ID      stampcode.KeyID
	Public  ed25519.PublicKey
	Signer  crypto.Signer
	Created time.Time
	Issuer  *stampcode.Issuer
}

func newKey(priv ed25519.PrivateKey, created time.Time) *Key {
	pub := priv.Public().(ed25519.PublicKey)
	// An Ed25519 private key is always an Ed25519 signer.
	issuer, _ := stampcode.NewIssuer(priv)
	return &Key{ID: stampcode.KeyIDOf(pub), Public: pub, Signer: priv, Created: created, Issuer: issuer}
}

// Ring is the set of issuer keys; the newest is active.
type Ring struct {
	byID   map[stampcode.KeyID]*Key
	sorted []*Key // newest first
}

// LoadOrCreate reads every key in dir, creating one with entropy from rand
// when there is none.
func LoadOrCreate(dir string, now time.Time, rand io.Reader) (*Ring, error) {
	ring, err := Load(dir)
	if err != nil {
		return nil, err
	}
	if len(ring.sorted) > 0 {
		return ring, nil
	}
	if _, err := Generate(dir, now, rand); err != nil {
		return nil, err
	}
	return Load(dir)
}

// Load reads every *.pem key in dir; a missing dir is an empty ring.
func Load(dir string) (*Ring, error) {
	ring := &Ring{byID: map[stampcode.KeyID]*Key{}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return ring, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), fileSuffix) {
			continue
		}
		k, err := ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if _, dup := ring.byID[k.ID]; dup {
			return nil, fmt.Errorf("keys: two files hold key %s", k.ID)
		}
		ring.byID[k.ID] = k
		ring.sorted = append(ring.sorted, k)
	}
	sort.Slice(ring.sorted, func(i, j int) bool {
		a, b := ring.sorted[i], ring.sorted[j]
		if !a.Created.Equal(b.Created) {
			return a.Created.After(b.Created)
		}
		return a.ID.String() < b.ID.String()
	})
	return ring, nil
}

// ReadFile reads one PEM key file (PKCS #8, with a Created header).
func ReadFile(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return Parse(data, path)
}

// Parse reads a PEM key; name is used in errors only.
func Parse(data []byte, name string) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("keys: %s: no %q PEM block", name, pemType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %w", name, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("keys: %s: %T is not an Ed25519 key", name, parsed)
	}
	var created time.Time
	if h := block.Headers[createdHeader]; h != "" {
		if created, err = time.Parse(time.RFC3339, h); err != nil {
			return nil, fmt.Errorf("keys: %s: %s header: %w", name, createdHeader, err)
		}
	}
	return newKey(priv, created), nil
}

// Encode writes a private key as PEM with its creation time.
func Encode(priv ed25519.PrivateKey, created time.Time) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{
		Type:    pemType,
		Headers: map[string]string{createdHeader: created.UTC().Format(time.RFC3339)},
		Bytes:   der,
	}), nil
}

// Generate creates a new key file in dir (mode 0600) and returns the key.
func Generate(dir string, now time.Time, rand io.Reader) (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("keys: generate: %w", err)
	}
	data, err := Encode(priv, now)
	if err != nil {
		return nil, fmt.Errorf("keys: encode: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	k := newKey(priv, now.UTC().Truncate(time.Second))
	path := filepath.Join(dir, k.ID.String()+fileSuffix)
	// O_EXCL: never overwrite a key that may have signed stamps.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("keys: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("keys: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return k, nil
}

// FromPrivateKey wraps an in-memory key, e.g. a test key.
func FromPrivateKey(priv ed25519.PrivateKey, created time.Time) *Key { return newKey(priv, created) }

// NewRing builds a ring from keys in memory, e.g. for tests.
func NewRing(ks ...*Key) *Ring {
	r := &Ring{byID: map[stampcode.KeyID]*Key{}}
	for _, k := range ks {
		r.byID[k.ID] = k
		r.sorted = append(r.sorted, k)
	}
	return r
}

// Active is the key that signs new stamps; nil for an empty ring.
func (r *Ring) Active() *Key {
	if len(r.sorted) == 0 {
		return nil
	}
	return r.sorted[0]
}

// PublicKey returns the public key with the given id.
func (r *Ring) PublicKey(id stampcode.KeyID) (ed25519.PublicKey, bool) {
	k, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	return k.Public, true
}

// All returns the keys, active first.
func (r *Ring) All() []*Key { return append([]*Key(nil), r.sorted...) }

// ErrNoKey means the ring has no key to sign with.
var ErrNoKey = errors.New("keys: no issuer key")

// ActiveIssuer signs new stamps.
func (r *Ring) ActiveIssuer() (*stampcode.Issuer, error) {
	if k := r.Active(); k != nil {
		return k.Issuer, nil
	}
	return nil, ErrNoKey
}

// Issuer returns the issuer of the key with the given id (hex form).
func (r *Ring) Issuer(keyID string) (*stampcode.Issuer, bool) {
	id, err := stampcode.ParseKeyID(keyID)
	if err != nil {
		return nil, false
	}
	k, ok := r.byID[id]
	if !ok || k.Issuer == nil {
		return nil, false
	}
	return k.Issuer, true
}
