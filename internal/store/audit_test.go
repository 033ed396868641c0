package store_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// auditFixture makes five audited changes and returns the closed file.
func auditFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estamp.db")
	s := open(t, path)
	defer s.Close()
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said(audit.ProducerCreate, "P")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"A", "B"} {
		if err := s.CreateProduct(ctx, product(id, "P"), at(t0), said(audit.ProductCreate, id)); err != nil {
			t.Fatal(err)
		}
	}
	b, _, err := s.IssueBatch(ctx, "r1", "A", at(t0.Add(time.Hour)), planOf(10), issued)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Reason: "in lỗi", Change: at(t0.Add(2 * time.Hour))}, revoked); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuditLogRecordsEveryChange(t *testing.T) {
	s := open(t, auditFixture(t))
	defer s.Close()
	list, more, err := s.AuditEntries(ctx, 0, 100)
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
	page, more, err := s.AuditEntries(ctx, 3, 1)
	if err != nil || !more || len(page) != 1 || page[0].Sequence != 4 {
		t.Errorf("page after 3: %v %v %v", page, more, err)
	}
	// A failed change leaves no entry.
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said(audit.ProducerCreate, "P")); err == nil {
		t.Fatal("duplicate producer accepted")
	}
	if check, err := s.VerifyAudit(ctx); err != nil || check.Checked != 5 || check.FirstBroken != 0 {
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
			check, err := s.VerifyAudit(ctx)
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
	if any, err := s.HasTokens(ctx); err != nil || any {
		t.Fatal("fresh store has tokens", err)
	}
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), said(audit.ProducerCreate, "P")); err != nil {
		t.Fatal(err)
	}
	tok := func(id, producerID string) *storagev1.TokenRecord {
		return &storagev1.TokenRecord{Id: id, Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: producerID, SecretSha256: []byte{1, 2, 3}}
	}
	if err := s.CreateToken(ctx, tok("t1", "nobody"), at(t0), said(audit.TokenCreate, "t1")); !isNotFound(err) {
		t.Errorf("token for unknown producer: %v", err)
	}
	if err := s.CreateToken(ctx, tok("t1", "P"), at(t0), said(audit.TokenCreate, "t1")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, tok("t1", "P"), at(t0), said(audit.TokenCreate, "t1")); err == nil {
		t.Error("duplicate token id accepted")
	}
	got, err := s.Token(ctx, "t1")
	if err != nil || got.CreatedBy != "test" || got.RevokeUnixNano != 0 {
		t.Fatalf("Token = %v, %v", got, err)
	}
	if r, err := s.RevokeToken(ctx, "t1", at(t0.Add(time.Hour)), said(audit.TokenRevoke, "t1")); err != nil || r.RevokeUnixNano != t0.Add(time.Hour).UnixNano() {
		t.Fatalf("RevokeToken = %v, %v", r, err)
	}
	if r, err := s.RevokeToken(ctx, "t1", at(t0.Add(2*time.Hour)), said(audit.TokenRevoke, "t1")); err != nil || r.RevokeUnixNano != t0.Add(time.Hour).UnixNano() {
		t.Errorf("second revoke changed the time: %v, %v", r, err)
	}
	if _, err := s.RevokeToken(ctx, "nope", at(t0), said(audit.TokenRevoke, "nope")); !isNotFound(err) {
		t.Errorf("revoke unknown: %v", err)
	}
	if all, more, err := s.Tokens(ctx, "", 10); err != nil || len(all) != 1 || more {
		t.Errorf("Tokens = %v, %v", all, err)
	}
	err = s.SetKeyStates(ctx, []store.KeyChange{{KeyID: "0a0b0c0d", State: &storagev1.KeyState{Status: int32(estampv1.KeyStatus_KEY_STATUS_COMPROMISED), Reason: "leak"}}}, at(t0), audit.Entry{Action: audit.KeyCompromise, Target: "0a0b0c0d", Detail: "leak"})
	if err != nil {
		t.Fatal(err)
	}
	states, err := s.KeyStates(ctx)
	if err != nil || states["0a0b0c0d"].GetReason() != "leak" {
		t.Errorf("KeyStates = %v, %v", states, err)
	}
	list, _, _ := s.AuditEntries(ctx, 0, 100)
	var actions []string
	for _, e := range list {
		actions = append(actions, e.Record.Action)
	}
	if strings.Join(actions, ",") != "producer.create,token.create,token.revoke,key.compromise" {
		t.Errorf("audit actions %v", actions)
	}
}

func isNotFound(err error) bool { return errors.As(err, new(*ocop.NotFoundError)) }

// Editing, adding or deleting a record in the file, as someone with write
// access to it could, leaves the hash chain whole but shows in `audit
// verify`: every record must hash to what its latest entry recorded.
func TestAuditVerifyFindsEditedRecords(t *testing.T) {
	type edit struct {
		bucket string
		key    []byte
		change func(b *bolt.Bucket, k []byte) error
	}
	editProduct := func(b *bolt.Bucket, k []byte) error {
		p := new(storagev1.ProductRecord)
		if err := proto.Unmarshal(b.Get(k), p); err != nil {
			return err
		}
		p.StarGrade, p.Certificate.RevokeUnixNano, p.Certificate.RevocationReason = 5, 0, ""
		v, _ := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		return b.Put(k, v)
	}
	tests := []struct {
		name string
		edit edit
		want string
	}{
		{"revoked 3★ product made active 5★", edit{"products", []byte("A"), editProduct}, "product A: differs from what audit entry 6 recorded"},
		{"batch un-revoked", edit{"batches", binary.BigEndian.AppendUint64(nil, 1), func(b *bolt.Bucket, k []byte) error {
			batch := new(storagev1.BatchRecord)
			proto.Unmarshal(b.Get(k), batch)
			batch.Revoked = false
			v, _ := proto.Marshal(batch)
			return b.Put(k, v)
		}}, "batch 1: differs from what audit entry 5 recorded"},
		{"producer deleted", edit{"producers", []byte("P"), func(b *bolt.Bucket, k []byte) error { return b.Delete(k) }}, "producer P: missing, though audit entry 1 wrote it"},
		{"product added", edit{"products", []byte("Z"), func(b *bolt.Bucket, k []byte) error {
			v, _ := proto.Marshal(&storagev1.ProductRecord{ProducerId: "P", Name: "Chiếu cói Z", StarGrade: 4})
			return b.Put(k, v)
		}}, "product Z: no audit entry wrote it"},
		{"token made admin", edit{"tokens", []byte("t1"), func(b *bolt.Bucket, k []byte) error {
			tok := new(storagev1.TokenRecord)
			proto.Unmarshal(b.Get(k), tok)
			tok.Role, tok.ProducerId = int32(estampv1.Role_ROLE_ADMIN), ""
			v, _ := proto.Marshal(tok)
			return b.Put(k, v)
		}}, "token t1: differs from what audit entry 7 recorded"},
		{"compromised key cleared", edit{"key_states", []byte("0a0b0c0d"), func(b *bolt.Bucket, k []byte) error { return b.Delete(k) }}, "key state 0a0b0c0d: missing, though audit entry 8 wrote it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := auditFixture(t)
			s := open(t, path)
			if _, err := s.UpdateProduct(ctx, "A", at(t0.Add(3*time.Hour)), func(p *estampv1.Product) (audit.Entry, error) {
				p.StarGrade = 3
				return audit.Entry{Action: audit.CertificateRevoke, Target: "A", Detail: "gian lận"}, ocop.Revoke(p.Certificate, "gian lận", t0)
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateToken(ctx, &storagev1.TokenRecord{Id: "t1", Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: "P", SecretSha256: []byte{1}}, at(t0), said(audit.TokenCreate, "t1")); err != nil {
				t.Fatal(err)
			}
			if err := s.SetKeyStates(ctx, []store.KeyChange{{KeyID: "0a0b0c0d", State: &storagev1.KeyState{Status: int32(estampv1.KeyStatus_KEY_STATUS_COMPROMISED)}}}, at(t0), audit.Entry{Action: audit.KeyCompromise, Target: "0a0b0c0d", Detail: "leak"}); err != nil {
				t.Fatal(err)
			}
			if check, err := s.VerifyAudit(ctx); err != nil || check.FirstBroken != 0 || len(check.Mismatches) != 0 {
				t.Fatalf("before the edit: %+v, %v", check, err)
			}
			s.Close()

			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error { return tt.edit.change(tx.Bucket([]byte(tt.edit.bucket)), tt.edit.key) })
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			s = open(t, path)
			defer s.Close()
			check, err := s.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if check.FirstBroken != 0 {
				t.Errorf("the chain itself was not touched, yet: %+v", check)
			}
			var got []string
			for _, m := range check.Mismatches {
				got = append(got, m.Kind+" "+m.ID+": "+m.Problem)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("mismatches = %q, want %q", got, tt.want)
			}
		})
	}
}

// A schema-3 database opens as schema 4: its request ids move under their
// producer, its batches' base URL is listed, its certificates join the
// revocation list, and one audit entry hashes every record, so that
// `audit verify` passes at once and checks records from then on (through
// the upgrades that follow, which keep it so).
func TestMigrateSchema3(t *testing.T) {
	p := product("A", "P")
	p.Number = 1
	p.Certificate.RevokeTime, p.Certificate.RevocationReason = timestamppb.New(t0), "gian lận"
	batch := &estampv1.Batch{Id: 1, ProductId: "A", Lot: "L", Quantity: 10, FirstSerial: 1, KeyId: "56475aa7", BaseUrl: "HTTP://OLD.EXAMPLE/V/", RequestId: "order-1", ProductionDate: "2026-11-01", StarGrade: 4}
	buckets := []string{"meta", "producers", "products", "product_numbers", "batches", "product_batches", "requests", "stamps", "retailers", "batch_ranges", "revocations", "tokens", "key_states", "audit"}
	path := oldDB(t, buckets, func(tx *bolt.Tx, put func(string, []byte, proto.Message)) error {
		put("producers", []byte("P"), producer("P"))
		put("products", []byte("A"), p)
		put("batches", binary.BigEndian.AppendUint64(nil, 1), batch)
		tx.Bucket([]byte("requests")).Put([]byte("order-1"), binary.BigEndian.AppendUint64(nil, 1))
		tx.Bucket([]byte("batch_ranges")).Put(binary.BigEndian.AppendUint64(nil, 1), binary.BigEndian.AppendUint64(nil, 1))
		meta := tx.Bucket([]byte("meta"))
		meta.Put([]byte("next_batch"), binary.BigEndian.AppendUint64(nil, 2))
		meta.Put([]byte("next_serial"), binary.BigEndian.AppendUint64(nil, 11))
		return meta.Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 3))
	})
	upgraded := t0.Add(48 * time.Hour)
	s, err := store.Open(path, store.Options{Now: func() time.Time { return upgraded }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, _, err := s.AuditEntries(ctx, 0, 10)
	if err != nil || len(list) != 5 {
		t.Fatalf("the upgrades' audit entries (3 -> 4, 4 -> 5, 5 -> 6, 6 -> 7, 7 -> 8): %v, %v", list, err)
	}
	for _, e := range list {
		if e.Record.Actor != "estampd" || !record.Time(e.Record.TimeUnixNano).Equal(upgraded) {
			t.Errorf("audit entry %d: %s at %v, want the server as actor, at the store's clock", e.Sequence, e.Record.Actor, record.Time(e.Record.TimeUnixNano))
		}
	}
	again, created, err := s.IssueBatch(ctx, "order-1", "A", at(t0), planOf(10), issued)
	if err != nil || created || again.Id != 1 {
		t.Errorf("retry of a schema-3 request: batch %v, created %v, %v", again.GetId(), created, err)
	}
	if bases, err := s.BatchBaseURLs(ctx); err != nil || len(bases) != 1 || bases[0].BaseUrl != "HTTP://OLD.EXAMPLE" || bases[0].FirstBatchId != 1 {
		t.Errorf("base URLs = %v, %v", bases, err)
	}
	if _, list, _, err := s.Revocations(ctx, store.RevocationPage{Limit: 10}); err != nil || len(list) != 1 || list[0].Certificate.GetProductNumber() != 1 || !list[0].Certificate.GetRevoked() || list[0].Reason != "gian lận" {
		t.Errorf("revocation list = %v, %v", list, err)
	}
	// One entry for each upgrade: 3 to 4, 4 to 5, 5 to 6, 6 to 7 and 7
	// to 8.
	check, err := s.VerifyAudit(ctx)
	if err != nil || check.FirstBroken != 0 || len(check.Mismatches) != 0 || check.Checked != 5 {
		t.Errorf("audit after the upgrade = %+v, %v", check, err)
	}
}

// The store keeps the words its caller hands it, in the transaction of the
// change, and writes no entry for a change that changed nothing.
func TestAuditEntryIsTheCallersWords(t *testing.T) {
	s, _ := newStore(t)
	words := audit.Entry{Action: audit.ProducerCreate, Target: "P", Detail: "Hợp tác xã P, as the registry says it"}
	if err := s.CreateProducer(ctx, producer("P"), false, at(t0), words); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProduct(ctx, product("A", "P"), at(t0), said(audit.ProductCreate, "A")); err != nil {
		t.Fatal(err)
	}
	b, _, err := s.IssueBatch(ctx, "r1", "A", at(t0), planOf(3), issued)
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	count := func(r record.Revocation, done record.Revoked) audit.Entry {
		asked++
		return revoked(r, done)
	}
	for range 2 {
		if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Reason: "in lỗi", Change: at(t0)}, count); err != nil {
			t.Fatal(err)
		}
	}
	if asked != 1 {
		t.Errorf("the entry of a revocation was asked for %d times, want once: the second revoked nothing", asked)
	}
	list, _, err := s.AuditEntries(ctx, 0, 10)
	if err != nil || len(list) != 4 {
		t.Fatalf("audit log = %v, %v; want 4 entries", list, err)
	}
	if r := list[0].Record; audit.Action(r.Action) != words.Action || r.Target != words.Target || r.Detail != words.Detail || r.Actor != "test" {
		t.Errorf("first entry = %v, want %+v by test", r, words)
	}
	if r := list[3].Record; r.Action != string(audit.BatchRevoke) || r.Target != fmt.Sprint(b.Id) || r.Detail != "in lỗi" {
		t.Errorf("revocation entry = %v", r)
	}
}
