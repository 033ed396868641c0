package store_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// wire builds a message field by field. The schema-5 records below are
// written so, by the estamp.v1 field numbers of schema 5, and not with
// the estamp.v1 messages of the day: the migration must read what schema 5
// wrote whatever becomes of the API, and this test must fail if it
// cannot.
type wire []byte

func (w wire) str(n protowire.Number, s string) wire {
	return protowire.AppendString(protowire.AppendTag(w, n, protowire.BytesType), s)
}

func (w wire) num(n protowire.Number, v uint64) wire {
	return protowire.AppendVarint(protowire.AppendTag(w, n, protowire.VarintType), v)
}

func (w wire) msg(n protowire.Number, m wire) wire {
	return protowire.AppendBytes(protowire.AppendTag(w, n, protowire.BytesType), m)
}

// time is a google.protobuf.Timestamp field.
func (w wire) time(n protowire.Number, t time.Time) wire {
	return w.msg(n, wire(nil).num(1, uint64(t.Unix())).num(2, uint64(t.Nanosecond())))
}

var (
	created5, issued5, revoked5 = t0.Add(-30 * 24 * time.Hour), t0.Add(-24 * time.Hour), t0.Add(-time.Hour)

	// The registry of the schema-5 database, every field set, as schema 5
	// stored it (estamp.v1.Producer, Product, Retailer, Batch) and as the
	// store gives it after the upgrade.
	address5 = wire(nil).str(1, "Thanh Hóa").str(2, "Xã Nga Sơn").str(3, "Thôn 3").str(4, "Huyện Nga Sơn")
	address  = &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn", Street: "Thôn 3", LegacyDistrict: "Huyện Nga Sơn"}

	producer5 = wire(nil).str(1, "P").str(2, "Hợp tác xã cói Nga Sơn").num(3, 1).str(4, "2801234567").msg(5, address5).
			str(6, "0237 3 123 456").time(7, created5)
	producerP = &estampv1.Producer{Id: "P", Name: "Hợp tác xã cói Nga Sơn", Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		TaxCode: "2801234567", Address: address, Phone: "0237 3 123 456", CreateTime: timestamppb.New(created5)}

	productA5 = wire(nil).str(1, "A").str(2, "P").str(3, "Chiếu cói Nga Sơn").num(4, 4).num(5, 4).
			msg(6, wire(nil).str(1, "1/QĐ-UBND").num(2, 1).str(3, "2025-01-01").str(4, "2027-12-31")).num(7, 1).time(8, created5)
	productA = &estampv1.Product{Id: "A", ProducerId: "P", Name: "Chiếu cói Nga Sơn", Group: estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT, StarGrade: 4,
		Certificate: &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", Authority: estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL,
			DecisionDate: "2025-01-01", ValidUntil: "2027-12-31"},
		Number: 1, CreateTime: timestamppb.New(created5)}
	// productB5Active is product B before its certificate was revoked.
	productB5Active = wire(nil).str(1, "B").str(2, "P").str(3, "Nem chua").num(4, 1).num(5, 3).
			msg(6, wire(nil).str(1, "2/QĐ-UBND").num(2, 3).str(3, "2024-06-01").str(4, "2027-05-31")).num(7, 2).time(8, created5)
	productB5 = wire(nil).str(1, "B").str(2, "P").str(3, "Nem chua").num(4, 1).num(5, 3).
			msg(6, wire(nil).str(1, "2/QĐ-UBND").num(2, 3).str(3, "2024-06-01").str(4, "2027-05-31").str(6, "Gian lận").time(7, revoked5)).
			num(7, 2).time(8, created5)
	productB = &estampv1.Product{Id: "B", ProducerId: "P", Name: "Nem chua", Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, StarGrade: 3,
		Certificate: &estampv1.Certificate{DecisionNumber: "2/QĐ-UBND", Authority: estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT,
			DecisionDate: "2024-06-01", ValidUntil: "2027-05-31", RevocationReason: "Gian lận", RevokeTime: timestamppb.New(revoked5)},
		Number: 2, CreateTime: timestamppb.New(created5)}

	retailer5 = wire(nil).str(1, "R").str(2, "Cửa hàng OCOP Hạc Thành").msg(3, address5).str(4, "2801234567-001").time(5, created5)
	retailerR = &estampv1.Retailer{Id: "R", Name: "Cửa hàng OCOP Hạc Thành", Address: address, TaxCode: "2801234567-001", CreateTime: timestamppb.New(created5)}

	batch15 = wire(nil).num(1, 1).str(2, "A").str(3, "L1").str(4, "2026-11-01").str(5, "2027-11-01").num(6, 10).num(7, 1).num(8, 4).
		str(9, "1/QĐ-UBND").str(10, "2027-12-31").str(11, "56475aa7").time(12, issued5).str(13, "order-1").str(16, "HTTP://LOCALHOST:8080/V/")
	batch1 = &estampv1.Batch{Id: 1, ProductId: "A", Lot: "L1", ProductionDate: "2026-11-01", ExpiryDate: "2027-11-01", Quantity: 10, FirstSerial: 1,
		StarGrade: 4, CertificateDecisionNumber: "1/QĐ-UBND", ValidUntil: "2027-12-31", KeyId: "56475aa7", IssueTime: timestamppb.New(issued5),
		RequestId: "order-1", BaseUrl: "HTTP://LOCALHOST:8080/V/"}
	// batch25Issued is batch 2 before it was revoked.
	batch25Issued = wire(nil).num(1, 2).str(2, "B").str(3, "N1").str(4, "2026-11-02").num(6, 5).num(7, 11).num(8, 3).
			str(9, "2/QĐ-UBND").str(10, "2027-05-31").str(11, "56475aa7").time(12, issued5).str(13, "order-2").str(16, "HTTP://LOCALHOST:8080/V/")
	// A decoder takes fields in any order.
	batch25 = append(slices.Clip(batch25Issued), wire(nil).num(14, 1).str(15, "Thu hồi lô").time(17, revoked5).str(18, "admin office/aa (Chi cục)")...)
	batch2  = &estampv1.Batch{Id: 2, ProductId: "B", Lot: "N1", ProductionDate: "2026-11-02", Quantity: 5, FirstSerial: 11,
		StarGrade: 3, CertificateDecisionNumber: "2/QĐ-UBND", ValidUntil: "2027-05-31", KeyId: "56475aa7", IssueTime: timestamppb.New(issued5),
		RequestId: "order-2", BaseUrl: "HTTP://LOCALHOST:8080/V/",
		Revoked: true, RevocationReason: "Thu hồi lô", RevokeTime: timestamppb.New(revoked5), RevokedBy: "admin office/aa (Chi cục)"}
)

// schema5 writes a database as schema 5 left it after these changes, each
// with its audit entry hashing the bytes it stored: producer P; products
// A and B; retailer R; batch 1 of A (request order-1) and batch 2 of B;
// B's certificate revoked; batch 2 revoked; stamp 3 revoked; a token.
// edit then changes the file in the same transaction, as someone with
// write access to it could. It returns the path and the number of audit
// entries.
func schema5(t *testing.T, edit func(tx *bolt.Tx) error) (string, uint64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estamp.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	var seq uint64
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "producers", "products", "product_numbers", "batches", "product_batches", "requests", "stamps", "retailers", "batch_ranges", "revocations", "base_urls", "tokens", "key_states", "audit"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		head := make([]byte, sha256.Size)
		// change stores each value under its key and appends its audit
		// entry, as appendAudit and putAudited did at schema 5.
		change := func(action, target string, puts ...any) {
			rec := &storagev1.AuditRecord{TimeUnixNano: t0.UnixNano(), Actor: "admin office/aa", Action: action, Target: target, PreviousHash: head}
			for i := 0; i < len(puts); i += 3 {
				bucket, k, v := puts[i].(string), puts[i+1].([]byte), puts[i+2].(wire)
				if err := tx.Bucket([]byte(bucket)).Put(k, v); err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(v)
				rec.Records = append(rec.Records, &storagev1.RecordDigest{Bucket: bucket, Key: k, Sha256: sum[:]})
			}
			body, err := proto.MarshalOptions{Deterministic: true}.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			seq++
			if err := tx.Bucket([]byte("audit")).Put(key(seq), append(sum[:], body...)); err != nil {
				t.Fatal(err)
			}
			head = sum[:]
		}
		put := func(bucket string, k []byte, v []byte) {
			if err := tx.Bucket([]byte(bucket)).Put(k, v); err != nil {
				t.Fatal(err)
			}
		}
		marshal := func(m proto.Message) wire {
			v, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		list := func(version uint64, e *estampv1.RevocationEntry, actor string) {
			e.Version = version
			put("revocations", key(version), marshal(&storagev1.RevocationRecord{Entry: e, Actor: actor}))
		}

		change("producer.create", "P", "producers", []byte("P"), producer5)
		change("product.create", "A", "products", []byte("A"), productA5)
		put("product_numbers", []byte{0, 0, 0, 1}, []byte("A"))
		change("product.create", "B", "products", []byte("B"), productB5Active)
		put("product_numbers", []byte{0, 0, 0, 2}, []byte("B"))
		change("retailer.create", "R", "retailers", []byte("R"), retailer5)
		change("stamps.issue", "1", "batches", key(1), batch15)
		put("requests", []byte("P\x00order-1"), key(1))
		put("product_batches", append([]byte("A\x00"), key(1)...), nil)
		put("batch_ranges", key(1), key(1))
		put("base_urls", key(1), []byte("HTTP://LOCALHOST:8080"))
		change("stamps.issue", "2", "batches", key(2), batch25Issued)
		put("requests", []byte("P\x00order-2"), key(2))
		put("product_batches", append([]byte("B\x00"), key(2)...), nil)
		put("batch_ranges", key(11), key(2))
		change("certificate.revoke", "B", "products", []byte("B"), productB5)
		list(1, &estampv1.RevocationEntry{Reason: "Gian lận", RevokeTime: timestamppb.New(revoked5),
			Certificate: &estampv1.CertificateChange{ProductNumber: 2, ProductId: "B", ValidUntil: "2027-05-31", Revoked: true}}, "admin office/aa")
		change("batch.revoke", "2", "batches", key(2), batch25)
		list(2, &estampv1.RevocationEntry{KeyId: "56475aa7", BatchId: 2, Reason: "Thu hồi lô", RevokeTime: timestamppb.New(revoked5)}, "admin office/aa (Chi cục)")
		change("stamps.revoke", "serials")
		list(3, &estampv1.RevocationEntry{KeyId: "56475aa7", BatchId: 1, Reason: "Tem bị mất", RevokeTime: timestamppb.New(revoked5),
			SerialRanges: []*estampv1.SerialRange{{First: 3, Last: 3}}}, "producer P/bb (Lan)")
		put("stamps", key(3), marshal(&storagev1.StampState{ScanCount: 2, Revocation: &storagev1.Revocation{ListVersion: 3}}))
		change("token.create", "t1", "tokens", []byte("t1"), marshal(&storagev1.TokenRecord{Id: "t1", Role: int32(estampv1.Role_ROLE_PRODUCER), ProducerId: "P", SecretSha256: []byte{1}}))

		for k, v := range map[string]uint64{"next_batch": 3, "next_serial": 16, "next_product_number": 3, "next_revocation": 4, "next_audit": seq + 1, "schema_version": 5} {
			put("meta", []byte(k), key(v))
		}
		put("meta", []byte("audit_head"), head)
		if edit != nil {
			return edit(tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path, seq
}

// A schema-5 database opens as schema 6: every producer, product, retailer
// and batch is rewritten as its storage record and reads back as it was;
// one audit entry holds the hashes of the rewritten records, so that
// `audit verify` passes at once and names a record edited afterwards; and
// verification's lookups, the lists, a retry of an old request and the
// revocation list work on the migrated data.
func TestMigrateSchema5(t *testing.T) {
	path, entries5 := schema5(t, nil)
	upgraded := t0.Add(time.Minute)
	s, err := store.Open(path, store.Options{Now: func() time.Time { return upgraded }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()

	// The upgrades' entries: 5 -> 6, 6 -> 7 (TestMigrateSchema6), 7 -> 8.
	check, err := s.VerifyAudit(ctx)
	if err != nil || check.FirstBroken != 0 || len(check.Mismatches) != 0 || check.Checked != entries5+3 {
		t.Fatalf("audit right after the upgrade = %+v, %v; want %d entries intact", check, err, entries5+3)
	}
	log, _, err := s.AuditEntries(ctx, entries5, 10)
	if err != nil || len(log) != 3 || log[1].Record.Action != "schema.upgrade" || !strings.HasPrefix(log[1].Record.Detail, "6 -> 7: ") || !strings.HasPrefix(log[2].Record.Detail, "7 -> 8: ") {
		t.Fatalf("the upgrades' audit entries: %v, %v", log, err)
	}
	up := log[0].Record
	var rewritten []string
	for _, d := range up.Records {
		k := string(d.Key)
		if d.Bucket == "batches" {
			k = fmt.Sprint(binary.BigEndian.Uint64(d.Key))
		}
		rewritten = append(rewritten, d.Bucket+" "+k)
	}
	if up.Action != "schema.upgrade" || up.Actor != "estampd" || !record.Time(up.TimeUnixNano).Equal(upgraded) ||
		!slices.Equal(rewritten, []string{"producers P", "products A", "products B", "retailers R", "batches 1", "batches 2"}) {
		t.Errorf("the upgrade's entry: %s by %s at %v, hashing %q", up.Action, up.Actor, record.Time(up.TimeUnixNano), rewritten)
	}

	// Every field reads back as schema 5 stored it.
	if p, err := s.Producer(ctx, "P"); err != nil || !proto.Equal(p, producerP) {
		t.Errorf("producer P = %v, %v\nwant %v", p, err, producerP)
	}
	if list, more, err := s.Products(ctx, "P", "", 10); err != nil || more || len(list) != 2 || !proto.Equal(list[0], productA) || !proto.Equal(list[1], productB) {
		t.Errorf("products of P = %v, %v, %v\nwant %v\n     %v", list, more, err, productA, productB)
	}
	if list, _, err := s.Retailers(ctx, "", 10); err != nil || len(list) != 1 || !proto.Equal(list[0], retailerR) {
		t.Errorf("retailers = %v, %v\nwant %v", list, err, retailerR)
	}
	if list, _, err := s.Batches(ctx, "A", 0, 10); err != nil || len(list) != 1 || !proto.Equal(list[0], batch1) {
		t.Errorf("batches of A = %v, %v\nwant %v", list, err, batch1)
	}
	if b, err := s.Batch(ctx, 2); err != nil || !proto.Equal(b, batch2) {
		t.Errorf("batch 2 = %v, %v\nwant %v", b, err, batch2)
	}

	// What verification reads of a stamp: its batch, product, producer
	// and state, and a revoked stamp's reason from its list entry.
	rec, err := s.Stamp(ctx, 1, 5)
	if err != nil || !proto.Equal(rec.Batch, batch1) || !proto.Equal(rec.Product, productA) || !proto.Equal(rec.Producer, producerP) || rec.State.ScanCount != 0 {
		t.Errorf("stamp 5 = %+v, %v", rec, err)
	}
	if rec, err := s.StampOf(ctx, 3); err != nil || rec.State.ScanCount != 2 || rec.State.Revocation.GetReason() != "Tem bị mất" || rec.State.Revocation.GetActor() != "producer P/bb (Lan)" {
		t.Errorf("stamp 3 = %+v, %v", rec, err)
	}
	if rec, err := s.StampOf(ctx, 12); err != nil || !proto.Equal(rec.Batch, batch2) || !proto.Equal(rec.Product, productB) {
		t.Errorf("stamp 12 = %+v, %v", rec, err)
	}

	// The revocation list is as it was; the next entry follows it.
	if version, list, _, err := s.Revocations(ctx, store.RevocationPage{Limit: 10}); err != nil || version != 3 || !slices.Equal(entries(list), []string{"0: whole", "2: whole", "1: 3"}) || !list[0].Certificate.GetRevoked() {
		t.Errorf("revocation list = %d %q, %v", version, entries(list), err)
	}

	// A retry of a request issued under schema 5 returns its batch; a new
	// request gets the next batch and serials.
	again, created, err := s.IssueBatch(ctx, "order-1", "A", at(t0), planOf(99), issued)
	if err != nil || created || !proto.Equal(again, batch1) {
		t.Errorf("retry of order-1 = %v, created %v, %v; want batch 1", again, created, err)
	}
	b3, created, err := s.IssueBatch(ctx, "order-3", "A", at(t0), planOf(5), issued)
	if err != nil || !created || b3.Id != 3 || b3.FirstSerial != 16 {
		t.Errorf("new request = %v, created %v, %v; want batch 3 from serial 16", b3, created, err)
	}
	if _, n, v, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{4}, Reason: "mất nữa", Change: at(t0)}, revoked); err != nil || n != 1 || v != 4 {
		t.Errorf("revoke after the upgrade: %d at version %d, %v", n, v, err)
	}
	if list, _, err := s.Batches(ctx, "A", 0, 10); err != nil || len(list) != 2 || list[1].Id != 3 {
		t.Errorf("batches of A after a new one = %v, %v", list, err)
	}

	// The records are stored as storage records now, and the log checks
	// them: an edit in the file shows.
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("products"))
		p := new(storagev1.ProductRecord)
		if err := proto.Unmarshal(b.Get([]byte("B")), p); err != nil {
			return err
		}
		if p.CreateUnixNano != created5.UnixNano() || p.Certificate.GetRevokeUnixNano() != revoked5.UnixNano() {
			return fmt.Errorf("product B is not stored as a ProductRecord: %v", p)
		}
		p.StarGrade, p.Certificate.RevokeUnixNano, p.Certificate.RevocationReason = 5, 0, ""
		v, err := proto.Marshal(p)
		if err != nil {
			return err
		}
		return b.Put([]byte("B"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	check, err = s.VerifyAudit(ctx)
	if err != nil || check.FirstBroken != 0 || len(check.Mismatches) != 1 ||
		check.Mismatches[0] != (store.RecordMismatch{Kind: "product", ID: "B", Sequence: entries5 + 1, Problem: fmt.Sprintf("differs from what audit entry %d recorded", entries5+1)}) {
		t.Errorf("audit after product B was edited in the file = %+v, %v", check, err)
	}
}

// The upgrade vouches only for records that matched the log: one edited
// in the file under schema 5 is rewritten, and still named afterwards,
// against the entry that last wrote it.
func TestMigrateSchema5KeepsAnEditNamed(t *testing.T) {
	path, entries5 := schema5(t, func(tx *bolt.Tx) error {
		// Batch 2 un-revoked in the file, the log untouched.
		return tx.Bucket([]byte("batches")).Put(binary.BigEndian.AppendUint64(nil, 2), batch25Issued)
	})
	s := open(t, path)
	defer s.Close()
	// Entry 8 revoked batch 2.
	check, err := s.VerifyAudit(ctx)
	if err != nil || check.FirstBroken != 0 || len(check.Mismatches) != 1 ||
		check.Mismatches[0] != (store.RecordMismatch{Kind: "batch", ID: "2", Sequence: 8, Problem: "differs from what audit entry 8 recorded"}) {
		t.Errorf("audit after the upgrade of an edited batch = %+v, %v", check, err)
	}
	log, _, err := s.AuditEntries(ctx, entries5, 1)
	if err != nil || len(log) != 1 || len(log[0].Record.Records) != 5 || !strings.Contains(log[0].Record.Detail, "but for 1 that did not match") {
		t.Errorf("the upgrade's entry = %v, %v; want 5 records hashed, and the one left out said", log, err)
	}
	if b, err := s.Batch(ctx, 2); err != nil || b.Revoked {
		t.Errorf("batch 2 = %v, %v; want it rewritten as it was in the file", b, err)
	}
}

// A schema-5 record that would not read back the same from its new
// encoding stops the upgrade, naming it, and leaves the file at schema 5:
// converting it would lose what this binary cannot read.
func TestMigrateSchema5RefusesWhatItWouldLose(t *testing.T) {
	key := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	tests := []struct {
		name string
		edit func(tx *bolt.Tx) error
		want string
	}{
		{"a field this binary does not know", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("products")).Put([]byte("A"), slices.Clip(productA5).str(99, "later"))
		}, "product A would not read back the same"},
		{"an id that is not its key", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("batches")).Put(key(7), batch15)
		}, "batch 7 would not read back the same"},
		{"a record that does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("retailers")).Put([]byte("R"), []byte{0xff})
		}, "retailer R: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := schema5(t, tt.edit)
			if s, err := store.Open(path, store.Options{}); err == nil || !strings.Contains(err.Error(), "migrating schema 5 to 6: "+tt.want) {
				if err == nil {
					s.Close()
				}
				t.Fatalf("open = %v, want the upgrade refused: %s", err, tt.want)
			}
			db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.View(func(tx *bolt.Tx) error {
				if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); binary.BigEndian.Uint64(v) != 5 {
					t.Errorf("schema version after a refused upgrade: %d", binary.BigEndian.Uint64(v))
				}
				if v := tx.Bucket([]byte("producers")).Get([]byte("P")); string(v) != string(producer5) {
					t.Error("producer P was rewritten by a refused upgrade")
				}
				return nil
			})
		})
	}
}
