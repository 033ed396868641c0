package store_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/store"
)

// auditFixture makes five audited changes and returns the closed file.
func auditFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estamp.db")
	s := open(t, path)
	defer s.Close()
	if err := s.CreateProducer(producer("P"), at(t0)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"A", "B"} {
		if err := s.CreateProduct(product(id, "P"), at(t0)); err != nil {
			t.Fatal(err)
		}
	}
	b, _, err := s.IssueBatch("r1", "A", at(t0.Add(time.Hour)), planOf(10))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.RevokeStamps(store.Revocation{BatchID: b.Id, Reason: "in lỗi", Change: at(t0.Add(2 * time.Hour))}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuditLogRecordsEveryChange(t *testing.T) {
	s := open(t, auditFixture(t))
	defer s.Close()
	list, more, err := s.AuditEntries(0, 100)
	if err != nil || more {
		t.Fatal(err, more)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Record.Action+" "+e.Record.Target+" by "+e.Record.Actor)
	}
	want := []string{"producer.create P by test", "product.create A by test", "product.create B by test", "stamps.issue 1 by test", "batch.revoke 1 by test"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(list[3].Record.Detail, "10 stamps") {
		t.Errorf("issue detail %q", list[3].Record.Detail)
	}
	page, more, err := s.AuditEntries(3, 1)
	if err != nil || !more || len(page) != 1 || page[0].Sequence != 4 {
		t.Errorf("page after 3: %v %v %v", page, more, err)
	}
	// A failed change leaves no entry.
	if err := s.CreateProducer(producer("P"), at(t0)); err == nil {
		t.Fatal("duplicate producer accepted")
	}
	if check, err := s.VerifyAudit(); err != nil || check.Checked != 5 || check.FirstBroken != 0 {
		t.Errorf("VerifyAudit = %+v, %v", check, err)
	}
}

// Changing any byte of any stored entry, or dropping one, is reported at
// that entry.
func TestAuditVerifyFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		seq    uint64
		tamper func(b *bolt.Bucket, key []byte) error
		want   uint64
	}{
		{"byte of hash", 2, flipByte(0), 2},
		{"byte of actor", 3, flipAt("test"), 3},
		{"byte of detail", 4, flipAt("10 stamps"), 4},
		{"last entry", 5, flipAt("in lỗi"), 5},
		{"entry deleted", 2, func(b *bolt.Bucket, k []byte) error { return b.Delete(k) }, 2},
		{"last entry deleted", 5, func(b *bolt.Bucket, k []byte) error { return b.Delete(k) }, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := auditFixture(t)
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				key := make([]byte, 8)
				key[7] = byte(tt.seq)
				return tt.tamper(tx.Bucket([]byte("audit")), key)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			s := open(t, path)
			defer s.Close()
			check, err := s.VerifyAudit()
			if err != nil {
				t.Fatal(err)
			}
			if check.FirstBroken != tt.want || check.Problem == "" {
				t.Errorf("VerifyAudit = %+v, want first broken %d", check, tt.want)
			}
		})
	}
}

func flipByte(i int) func(*bolt.Bucket, []byte) error {
	return func(b *bolt.Bucket, k []byte) error {
		v := append([]byte(nil), b.Get(k)...)
		v[i] ^= 1
		return b.Put(k, v)
	}
}

// flipAt changes the first byte of s within the entry.
func flipAt(s string) func(*bolt.Bucket, []byte) error {
	return func(b *bolt.Bucket, k []byte) error {
		v := append([]byte(nil), b.Get(k)...)
		i := strings.Index(string(v), s)
		if i < 0 {
			return errNotIn(s)
		}
		v[i] ^= 1
		return b.Put(k, v)
	}
}

type errNotIn string

func (e errNotIn) Error() string { return "no " + string(e) + " in entry" }

func TestTokensAndKeyStates(t *testing.T) {
	s, _ := newStore(t)
	if any, err := s.HasTokens(); err != nil || any {
		t.Fatal("fresh store has tokens", err)
	}
	if err := s.CreateProducer(producer("P"), at(t0)); err != nil {
		t.Fatal(err)
	}
	tok := func(id, producerID string) *storagev1.TokenRecord {
		return &storagev1.TokenRecord{Id: id, Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: producerID, SecretSha256: []byte{1, 2, 3}}
	}
	if err := s.CreateToken(tok("t1", "nobody"), at(t0)); !isNotFound(err) {
		t.Errorf("token for unknown producer: %v", err)
	}
	if err := s.CreateToken(tok("t1", "P"), at(t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(tok("t1", "P"), at(t0)); err == nil {
		t.Error("duplicate token id accepted")
	}
	got, err := s.Token("t1")
	if err != nil || got.CreatedBy != "test" || got.RevokeUnixNano != 0 {
		t.Fatalf("Token = %v, %v", got, err)
	}
	if r, err := s.RevokeToken("t1", at(t0.Add(time.Hour))); err != nil || r.RevokeUnixNano != t0.Add(time.Hour).UnixNano() {
		t.Fatalf("RevokeToken = %v, %v", r, err)
	}
	if r, err := s.RevokeToken("t1", at(t0.Add(2*time.Hour))); err != nil || r.RevokeUnixNano != t0.Add(time.Hour).UnixNano() {
		t.Errorf("second revoke changed the time: %v, %v", r, err)
	}
	if _, err := s.RevokeToken("nope", at(t0)); !isNotFound(err) {
		t.Errorf("revoke unknown: %v", err)
	}
	if all, err := s.Tokens(); err != nil || len(all) != 1 {
		t.Errorf("Tokens = %v, %v", all, err)
	}
	err = s.SetKeyStates([]store.KeyChange{{KeyID: "0a0b0c0d", State: &storagev1.KeyState{Status: int32(estampv1.KeyStatus_KEY_STATUS_COMPROMISED), Reason: "leak"}}}, at(t0), "key.compromise", "0a0b0c0d", "leak")
	if err != nil {
		t.Fatal(err)
	}
	states, err := s.KeyStates()
	if err != nil || states["0a0b0c0d"].GetReason() != "leak" {
		t.Errorf("KeyStates = %v, %v", states, err)
	}
	list, _, _ := s.AuditEntries(0, 100)
	var actions []string
	for _, e := range list {
		actions = append(actions, e.Record.Action)
	}
	if strings.Join(actions, ",") != "producer.create,token.create,token.revoke,key.compromise" {
		t.Errorf("audit actions %v", actions)
	}
}

func isNotFound(err error) bool { return errors.As(err, new(*ocop.NotFoundError)) }
