// Package keys manages the issuer's Ed25519 signing keys: PEM files in the
// data directory, one per key, readable only by the owner and optionally
// encrypted with a passphrase.
//
// Verification must keep working for stamps signed by older keys, so every
// key found is kept for verification. At most one key signs; the office
// retires keys (they keep verifying) or marks them compromised (their
// stamps stop being genuine). Those decisions live in the database, which
// hands them to the ring with SetState.
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
	"sync"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
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

// State is what the office decided about a key.
type State struct {
	Status estampv1.KeyStatus
	Reason string
	Since  time.Time
}

// Ring is the set of issuer keys and their states. It is safe for
// concurrent use: keys are added and states change while the server runs.
type Ring struct {
	mu     sync.RWMutex
	byID   map[stampcode.KeyID]*Key
	sorted []*Key // newest first
	states map[stampcode.KeyID]State
}

// LoadOrCreate reads every key in dir, creating one with entropy from rand
// when there is none, and returns the key it created (nil when it found
// keys): a new issuer key is news the operator must hear of, since it
// signs what counts as genuine. passphrase, when not empty, decrypts the
// keys and encrypts a new one.
func LoadOrCreate(dir string, now time.Time, rand io.Reader, passphrase []byte) (*Ring, *Key, error) {
	ring, err := Load(dir, passphrase)
	if err != nil {
		return nil, nil, err
	}
	if len(ring.sorted) > 0 {
		return ring, nil, nil
	}
	created, err := Generate(dir, now, rand, passphrase)
	if err != nil {
		return nil, nil, err
	}
	ring, err = Load(dir, passphrase)
	return ring, created, err
}

// Load reads every *.pem key in dir; a missing dir is an empty ring. A key
// file others can read, or a directory others can write, is refused: the
// key signs what counts as a genuine OCOP product.
func Load(dir string, passphrase []byte) (*Ring, error) {
	ring := NewRing()
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return ring, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return nil, fmt.Errorf("keys: directory %s has mode %04o: others could add or replace keys (chmod 700 %s)", dir, perm, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), fileSuffix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 && perm != 0o400 {
			return nil, fmt.Errorf("keys: key file %s has mode %04o; it must be 0600 (chmod 600 %s)", path, perm, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		k, err := Decode(data, path, passphrase)
		if err != nil {
			return nil, err
		}
		if _, dup := ring.byID[k.ID]; dup {
			return nil, fmt.Errorf("keys: two files hold key %s", k.ID)
		}
		ring.add(k)
	}
	return ring, nil
}

// ReadFile reads one plain PEM key file (PKCS #8, with a Created header),
// e.g. a test key.
func ReadFile(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return Parse(data, path)
}

// Parse reads a plain PEM key; name is used in errors only.
func Parse(data []byte, name string) (*Key, error) { return Decode(data, name, nil) }

// Decode reads a PEM key, plain or encrypted with passphrase; name is used
// in errors only.
func Decode(data []byte, name string, passphrase []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("keys: %s: no PEM block", name)
	}
	der := block.Bytes
	switch block.Type {
	case pemType:
	case encryptedPEMType:
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("keys: %s is encrypted: give the passphrase file (--key-passphrase-file)", name)
		}
		var err error
		if der, err = decrypt(block, passphrase); err != nil {
			return nil, fmt.Errorf("keys: %s: %w", name, err)
		}
	default:
		return nil, fmt.Errorf("keys: %s: no %q PEM block", name, pemType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
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

// Encode writes a private key as PEM with its creation time, encrypted
// when passphrase is not empty (rand then supplies salt and nonce).
func Encode(priv ed25519.PrivateKey, created time.Time, rand io.Reader, passphrase []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	block := &pem.Block{
		Type:    pemType,
		Headers: map[string]string{createdHeader: created.UTC().Format(time.RFC3339)},
		Bytes:   der,
	}
	if len(passphrase) > 0 {
		if err := encrypt(block, passphrase, rand); err != nil {
			return nil, err
		}
	}
	return pem.EncodeToMemory(block), nil
}

// Generate creates a new key file in dir (mode 0600, dir 0700) and
// returns the key.
func Generate(dir string, now time.Time, rand io.Reader, passphrase []byte) (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, fmt.Errorf("keys: generate: %w", err)
	}
	data, err := Encode(priv, now, rand, passphrase)
	if err != nil {
		return nil, fmt.Errorf("keys: encode: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	k := newKey(priv, now.UTC().Truncate(time.Second))
	path := Path(dir, k.ID)
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

// Path is the file of a key in dir.
func Path(dir string, id stampcode.KeyID) string { return filepath.Join(dir, id.String()+fileSuffix) }

// FromPrivateKey wraps an in-memory key, e.g. a test key.
func FromPrivateKey(priv ed25519.PrivateKey, created time.Time) *Key { return newKey(priv, created) }

// NewRing builds a ring from keys in memory, e.g. for tests.
func NewRing(ks ...*Key) *Ring {
	r := &Ring{byID: map[stampcode.KeyID]*Key{}, states: map[stampcode.KeyID]State{}}
	for _, k := range ks {
		r.add(k)
	}
	return r
}

// add keeps keys newest first; of keys created in the same second, the
// one added last counts as newer, so a rotation always wins.
func (r *Ring) add(k *Key) {
	r.byID[k.ID] = k
	r.sorted = append([]*Key{k}, r.sorted...)
	sort.SliceStable(r.sorted, func(i, j int) bool { return r.sorted[i].Created.After(r.sorted[j].Created) })
}

// Add puts a new key in the ring, e.g. after a rotation.
func (r *Ring) Add(k *Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(k)
}

// SetState records the office's decision about a key.
func (r *Ring) SetState(id stampcode.KeyID, st State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states[id] = st
}

// State returns what a key may do. A key with no recorded state is active
// when it is the newest and retired otherwise, as before states existed.
func (r *Ring) State(id stampcode.KeyID) State {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.state(id)
}

func (r *Ring) state(id stampcode.KeyID) State {
	if st, ok := r.states[id]; ok {
		return st
	}
	if len(r.sorted) > 0 && r.sorted[0].ID == id {
		return State{Status: estampv1.KeyStatus_KEY_STATUS_ACTIVE}
	}
	return State{Status: estampv1.KeyStatus_KEY_STATUS_RETIRED}
}

// Active is the key that signs new stamps; nil when no key may sign.
func (r *Ring) Active() *Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range r.sorted {
		if r.state(k.ID).Status == estampv1.KeyStatus_KEY_STATUS_ACTIVE {
			return k
		}
	}
	return nil
}

// Key returns the key with the given id.
func (r *Ring) Key(id stampcode.KeyID) (*Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byID[id]
	return k, ok
}

// PublicKey returns the public key with the given id, whatever its state.
func (r *Ring) PublicKey(id stampcode.KeyID) (ed25519.PublicKey, bool) {
	k, ok := r.Key(id)
	if !ok {
		return nil, false
	}
	return k.Public, true
}

// All returns the keys, newest first.
func (r *Ring) All() []*Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Key(nil), r.sorted...)
}

// ErrNoKey means the ring has no key to sign with.
var ErrNoKey = errors.New("keys: no active issuer key")

// ActiveIssuer signs new stamps.
func (r *Ring) ActiveIssuer() (*stampcode.Issuer, error) {
	if k := r.Active(); k != nil {
		return k.Issuer, nil
	}
	return nil, ErrNoKey
}

// Issuer returns the issuer of the key with the given id (hex form), to
// reproduce the codes it signed; false for an unknown or compromised key,
// whose codes must not be printed again.
func (r *Ring) Issuer(keyID string) (*stampcode.Issuer, bool) {
	id, err := stampcode.ParseKeyID(keyID)
	if err != nil {
		return nil, false
	}
	k, ok := r.Key(id)
	if !ok || k.Issuer == nil || r.State(id).Status == estampv1.KeyStatus_KEY_STATUS_COMPROMISED {
		return nil, false
	}
	return k.Issuer, true
}
