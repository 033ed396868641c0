package store_test

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
)

func TestAccountsAndSessions(t *testing.T) {
	s, path := newStore(t)
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said(audit.ProducerCreate, "P")); err != nil {
		t.Fatal(err)
	}
	acct := func(name, producerID string) *storagev1.AccountRecord {
		return &storagev1.AccountRecord{Username: name, DisplayName: "Lan", Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: producerID,
			Password: &storagev1.PasswordHash{Salt: []byte("salt"), Hash: []byte("hash")}, MustChangePassword: true}
	}
	if err := s.CreateAccount(ctx, acct("lan", "nobody"), at(t0), said(audit.AccountCreate, "lan")); !isNotFound(err) {
		t.Errorf("account of an unknown producer: %v", err)
	}
	if err := s.CreateAccount(ctx, acct("lan", "P"), at(t0), said(audit.AccountCreate, "lan")); err != nil {
		t.Fatal(err)
	}
	var conflict *ocop.ConflictError
	if err := s.CreateAccount(ctx, acct("LAN", "P"), at(t0), said(audit.AccountCreate, "LAN")); !errors.As(err, &conflict) {
		t.Errorf("a username taken in another letter case: %v", err)
	}
	got, err := s.Account(ctx, "lan")
	if err != nil || got.CreatedBy != "test" || got.CreateUnixNano != t0.UnixNano() || !got.MustChangePassword {
		t.Fatalf("Account = %v, %v", got, err)
	}

	// Sessions: stored by hash; a new one purges the expired.
	session := func(user string, created time.Time) *storagev1.SessionRecord {
		return &storagev1.SessionRecord{Username: user, CreateUnixNano: created.UnixNano(), SeenUnixNano: created.UnixNano()}
	}
	never := func(*storagev1.SessionRecord) bool { return false }
	for _, id := range []string{"a", "b"} {
		if err := s.CreateSession(ctx, []byte(id), session("lan", t0), never); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, []byte("other"), session("someone", t0), never); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, []byte("a"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Session(ctx, []byte("a")); err != nil || r.SeenUnixNano != t0.Add(time.Minute).UnixNano() {
		t.Fatalf("Session = %v, %v", r, err)
	}
	// Changing the account ends its sessions, and only its.
	_, err = s.UpdateAccount(ctx, "lan", at(t0.Add(time.Hour)), func(a *storagev1.AccountRecord) (audit.Entry, bool, error) {
		a.MustChangePassword = false
		return said(audit.AccountPasswordChange, "lan"), true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, live := range map[string]bool{"a": false, "b": false, "other": true} {
		if _, err := s.Session(ctx, []byte(id)); (err == nil) != live {
			t.Errorf("session %s after the change: %v, want live %v", id, err, live)
		}
	}
	// A change that changes nothing writes nothing and ends nothing.
	if err := s.CreateSession(ctx, []byte("c"), session("lan", t0), never); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAccount(ctx, "lan", at(t0), func(*storagev1.AccountRecord) (audit.Entry, bool, error) { return audit.Entry{}, false, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, []byte("c")); err != nil {
		t.Errorf("a no-op change ended a session: %v", err)
	}
	expired := func(r *storagev1.SessionRecord) bool { return r.Username == "someone" }
	if err := s.CreateSession(ctx, []byte("d"), session("lan", t0), expired); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, []byte("other")); !isNotFound(err) {
		t.Errorf("an expired session outlived a new sign-in: %v", err)
	}
	if err := s.DeleteSession(ctx, []byte("d")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, []byte("d")); !isNotFound(err) {
		t.Errorf("deleted session: %v", err)
	}

	// The audit log hashes account records: an edit in the file shows.
	check, err := s.VerifyAudit(ctx)
	if err != nil || len(check.Mismatches) != 0 {
		t.Fatalf("VerifyAudit = %+v, %v", check, err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("accounts"))
		v := append([]byte(nil), b.Get([]byte("lan"))...)
		v[len(v)-1] ^= 1
		return b.Put([]byte("lan"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	check, err = s.VerifyAudit(ctx)
	if err != nil || len(check.Mismatches) != 1 {
		t.Fatalf("after editing the account: %+v, %v", check, err)
	}
}
