package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// ctx is the context of the tests' calls: never done, but for the tests
// that cancel their own.
var ctx = context.Background()

// at is a change by the tests at t.
func at(t time.Time) audit.Change { return audit.Change{Actor: "test", Time: t} }

// said is an audit entry as the tests hand it to the store. The words are
// the services'; the store only keeps them.
func said(a audit.Action, target string) audit.Entry { return audit.Entry{Action: a, Target: target} }

// issued is the tests' audit entry of a batch.
func issued(b *estampv1.Batch) audit.Entry {
	return audit.Entry{Action: audit.StampsIssue, Target: fmt.Sprint(b.Id), Detail: fmt.Sprintf("%d stamps", b.Quantity)}
}

// counted is the tests' fold of a scan into a stamp's state. What a state
// keeps of its scans is verification's policy (verify.CountScan, tested
// there); the store applies whatever fold it is given.
func counted(st *record.StampState, at time.Time) {
	st.ScanCount++
	if st.FirstScanUnixNano == 0 {
		st.FirstScanUnixNano = at.UnixNano()
	}
	st.LastScanUnixNano = at.UnixNano()
}

// revoked is the tests' audit entry of a revocation, with its reason.
func revoked(r record.Revocation, done record.Revoked) audit.Entry {
	if len(r.Serials) == 0 {
		return audit.Entry{Action: audit.BatchRevoke, Target: fmt.Sprint(done.Batch.Id), Detail: r.Reason}
	}
	return audit.Entry{Action: audit.StampsRevoke, Target: "serials", Detail: fmt.Sprintf("%d stamps: %s", done.Count, r.Reason)}
}

func open(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estamp.db")
	s := open(t, path)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func producer(id string) *estampv1.Producer {
	return &estampv1.Producer{Id: id, Name: "Hợp tác xã " + id, Kind: estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Xã Nga Sơn"}}
}

func product(id, producerID string) *estampv1.Product {
	return &estampv1.Product{Id: id, ProducerId: producerID, Name: "Chiếu cói " + id, StarGrade: 4,
		Group:       estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT,
		Certificate: &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", DecisionDate: "2025-01-01", ValidUntil: "2027-12-31"}}
}

func seed(t *testing.T, s *store.Store, producerID string, productIDs ...string) {
	t.Helper()
	if err := s.CreateProducer(ctx, producer(producerID), false, at(t0), said(audit.ProducerCreate, producerID)); err != nil {
		t.Fatal(err)
	}
	for _, id := range productIDs {
		if err := s.CreateProduct(ctx, product(id, producerID), at(t0), said(audit.ProductCreate, id)); err != nil {
			t.Fatal(err)
		}
	}
}

func planOf(quantity uint32) func(*estampv1.Product) (*estampv1.Batch, error) {
	return func(p *estampv1.Product) (*estampv1.Batch, error) {
		return &estampv1.Batch{Lot: "L1", ProductionDate: "2026-11-01", Quantity: quantity, StarGrade: p.StarGrade}, nil
	}
}

func TestOpenFileModeLockAndSchema(t *testing.T) {
	s, path := newStore(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %o, want 600", info.Mode().Perm())
	}
	if _, err := store.Open(path, store.Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	s.Close()

	// A database written by a newer binary must not be touched.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{}); err == nil {
		t.Error("opened a database of schema version 99")
	}
}

func TestProducersCreateGetListPages(t *testing.T) {
	s, _ := newStore(t)
	for i := range 5 {
		if err := s.CreateProducer(ctx, producer(fmt.Sprintf("P%d", i)), false, at(t0), said(audit.ProducerCreate, fmt.Sprintf("P%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	var conflict *ocop.ConflictError
	if err := s.CreateProducer(ctx, producer("P1"), false, at(t0), said(audit.ProducerCreate, "P1")); !errors.As(err, &conflict) {
		t.Errorf("duplicate producer: %v, want conflict", err)
	}
	var notFound *ocop.NotFoundError
	if _, err := s.Producer(ctx, "nope"); !errors.As(err, &notFound) {
		t.Errorf("missing producer: %v, want not found", err)
	}
	got, err := s.Producer(ctx, "P3")
	if err != nil || got.Name != "Hợp tác xã P3" || !got.CreateTime.AsTime().Equal(t0) {
		t.Errorf("Producer(P3) = %v, %v", got, err)
	}
	var seen []string
	after := ""
	for page := 0; ; page++ {
		list, more, err := s.Producers(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			seen = append(seen, p.Id)
		}
		if !more {
			break
		}
		after = list[len(list)-1].Id
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if fmt.Sprint(seen) != "[P0 P1 P2 P3 P4]" {
		t.Errorf("pages gave %v", seen)
	}
}

func TestProductsNeedProducerAndGetNumbers(t *testing.T) {
	s, _ := newStore(t)
	var notFound *ocop.NotFoundError
	if err := s.CreateProduct(ctx, product("X", "nobody"), at(t0), said(audit.ProductCreate, "X")); !errors.As(err, &notFound) || notFound.What != "producer" {
		t.Errorf("product of unknown producer: %v", err)
	}
	seed(t, s, "A", "A1", "A2")
	seed(t, s, "B", "B1")
	var conflict *ocop.ConflictError
	if err := s.CreateProduct(ctx, product("A1", "A"), at(t0), said(audit.ProductCreate, "A1")); !errors.As(err, &conflict) {
		t.Errorf("duplicate product: %v", err)
	}
	for i, id := range []string{"A1", "A2", "B1"} {
		p, err := s.Product(ctx, id)
		if err != nil || p.Number != uint32(i+1) {
			t.Errorf("Product(%s) number = %v, %v; want %d", id, p.GetNumber(), err, i+1)
		}
	}
	list, more, err := s.Products(ctx, "A", "", 1)
	if err != nil || more != true || len(list) != 1 || list[0].Id != "A1" {
		t.Errorf("first page of A = %v more=%v %v", list, more, err)
	}
	list, more, err = s.Products(ctx, "A", "A1", 1)
	if err != nil || more || len(list) != 1 || list[0].Id != "A2" {
		t.Errorf("second page of A = %v more=%v %v", list, more, err)
	}
	if _, _, err := s.Products(ctx, "nobody", "", 10); !errors.As(err, &notFound) {
		t.Errorf("products of unknown producer: %v", err)
	}
}

func TestIssueBatchIsAtomicAndIdempotent(t *testing.T) {
	s, path := newStore(t)
	seed(t, s, "A", "A1")

	refuse := errors.New("refused")
	_, _, err := s.IssueBatch(ctx, "r0", "A1", at(t0), func(*estampv1.Product) (*estampv1.Batch, error) { return nil, refuse }, issued)
	if !errors.Is(err, refuse) {
		t.Fatalf("refused plan: %v", err)
	}
	if next, _ := s.NextSerial(ctx); next != 1 {
		t.Errorf("a refused batch used serials: next = %d", next)
	}
	if _, _, err := s.IssueBatch(ctx, "r0b", "nope", at(t0), planOf(1), issued); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("unknown product: %v", err)
	}

	b1, created, err := s.IssueBatch(ctx, "r1", "A1", at(t0), planOf(100), issued)
	if err != nil || !created || b1.Id != 1 || b1.FirstSerial != 1 || b1.ProductId != "A1" || b1.RequestId != "r1" {
		t.Fatalf("first batch = %v created=%v %v", b1, created, err)
	}
	again, created, err := s.IssueBatch(ctx, "r1", "A1", at(t0.Add(time.Minute)), planOf(999), issued)
	if err != nil || created || again.Id != b1.Id || again.Quantity != 100 {
		t.Errorf("retry = %v created=%v %v; want batch 1 again", again, created, err)
	}
	b2, _, err := s.IssueBatch(ctx, "r2", "A1", at(t0), planOf(50), issued)
	if err != nil || b2.FirstSerial != 101 {
		t.Errorf("second batch = %v, %v; want first serial 101", b2, err)
	}

	// Serials survive a restart.
	s.Close()
	s = open(t, path)
	defer s.Close()
	b3, _, err := s.IssueBatch(ctx, "r3", "A1", at(t0), planOf(1), issued)
	if err != nil || b3.FirstSerial != 151 || b3.Id != 3 {
		t.Errorf("after reopen = %v, %v; want batch 3 at serial 151", b3, err)
	}
}

func TestBatchesListedPerProduct(t *testing.T) {
	s, _ := newStore(t)
	// "P" is a prefix of "P2": the index must not mix them.
	seed(t, s, "A", "P", "P2")
	for i := range 3 {
		for _, p := range []string{"P", "P2"} {
			if _, _, err := s.IssueBatch(ctx, fmt.Sprintf("%s-%d", p, i), p, at(t0), planOf(1), issued); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ids []uint64
	var after uint64
	for {
		list, more, err := s.Batches(ctx, "P", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range list {
			if b.ProductId != "P" {
				t.Errorf("batch %d of %s listed under P", b.Id, b.ProductId)
			}
			ids = append(ids, b.Id)
		}
		if !more {
			break
		}
		after = list[len(list)-1].Id
	}
	if fmt.Sprint(ids) != "[1 3 5]" {
		t.Errorf("batches of P = %v, want [1 3 5]", ids)
	}
}

func TestStampLookupScansAndRevocation(t *testing.T) {
	s, path := newStore(t)
	seed(t, s, "A", "A1")
	b, _, err := s.IssueBatch(ctx, "r1", "A1", at(t0), planOf(10), issued)
	if err != nil {
		t.Fatal(err)
	}
	for _, serial := range []uint64{0, 11, 12} {
		if _, err := s.Stamp(ctx, b.Id, serial); !errors.As(err, new(*ocop.NotFoundError)) {
			t.Errorf("serial %d outside batch: %v", serial, err)
		}
	}
	if _, err := s.Stamp(ctx, 99, 1); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("unknown batch: %v", err)
	}
	rec, err := s.Stamp(ctx, b.Id, 10)
	if err != nil || rec.Product.Id != "A1" || rec.Producer.Id != "A" || rec.State.ScanCount != 0 {
		t.Fatalf("Stamp = %+v, %v", rec, err)
	}

	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	states, err := s.RecordScans(ctx, []record.Scan{{Serial: 3, Time: t1}, {Serial: 4, Time: t1}, {Serial: 3, Time: t2}}, counted)
	if err != nil {
		t.Fatal(err)
	}
	if states[0].ScanCount != 1 || states[1].ScanCount != 1 || states[2].ScanCount != 2 ||
		!record.Time(states[2].FirstScanUnixNano).Equal(t1) || !record.Time(states[2].LastScanUnixNano).Equal(t2) {
		t.Errorf("states = %+v", states)
	}

	var inv *ocop.InvalidError
	if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Serials: []uint64{3, 42}, Reason: "stolen", Change: audit.Change{Actor: "test", Time: t2}}, revoked); !errors.As(err, &inv) {
		t.Errorf("revoke outside batch: %v", err)
	}
	_, n, v1, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{3, 3, 5}, Reason: "Tem bị mất cắp", Change: audit.Change{Actor: "HTX", Time: t2}}, revoked)
	if err != nil || n != 2 || v1 != 1 {
		t.Errorf("revoke 3,3,5 = %d (version %d), %v; want 2 at version 1", n, v1, err)
	}

	s.Close()
	s = open(t, path)
	defer s.Close()
	rec, err = s.Stamp(ctx, b.Id, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State.ScanCount != 2 || rec.State.Revocation.GetReason() != "Tem bị mất cắp" || rec.State.Revocation.GetActor() != "HTX" {
		t.Errorf("after reopen: %+v", rec.State)
	}
	if rec, _ := s.Stamp(ctx, b.Id, 4); rec.State.Revocation != nil {
		t.Error("stamp 4 revoked too")
	}
	rb, n, v2, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Reason: "Lô in lỗi", Change: audit.Change{Actor: "HTX", Time: t2}}, revoked)
	// Serials 3 and 5 were revoked before: the recall adds the other 8.
	if err != nil || n != 8 || !rb.Revoked || v2 != 2 {
		t.Errorf("revoke batch = %v %d %d %v", rb, n, v2, err)
	}
	if _, n, v3, err := s.RevokeStamps(ctx, record.Revocation{BatchID: b.Id, Reason: "again", Change: audit.Change{Actor: "HTX", Time: t2}}, revoked); err != nil || n != 0 || v3 != 2 {
		t.Errorf("second batch revoke: %d %d %v; want an idempotent no-op", n, v3, err)
	}
	version, all, more, err := s.Revocations(ctx, store.RevocationPage{Limit: 10})
	if err != nil || more || version != 2 || len(all) != 2 || ranges(all[0]) != "3 5" || len(all[1].SerialRanges) != 0 || all[1].BatchId != b.Id {
		t.Errorf("revocation list = %d %v %v %v", version, all, more, err)
	}
	if _, since, _, _ := s.Revocations(ctx, store.RevocationPage{After: 1, Limit: 10}); len(since) != 1 || since[0].Version != 2 {
		t.Errorf("since 1 = %v", since)
	}
}

// ranges shows an entry's serial ranges as "a-b c", in order.
func ranges(e *estampv1.RevocationEntry) string {
	var out []string
	for _, r := range e.SerialRanges {
		if r.First == r.Last {
			out = append(out, fmt.Sprint(r.First))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", r.First, r.Last))
		}
	}
	return strings.Join(out, " ")
}

func TestUpdateProductRollsBackOnError(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	boom := errors.New("boom")
	if _, err := s.UpdateProduct(ctx, "A1", at(t0), func(p *estampv1.Product) (audit.Entry, error) {
		p.StarGrade = 5
		return said(audit.CertificateRenew, "A1"), boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if p, _ := s.Product(ctx, "A1"); p.StarGrade != 4 {
		t.Errorf("failed update was stored: grade %d", p.StarGrade)
	}
	if _, err := s.UpdateProduct(ctx, "nope", at(t0), func(*estampv1.Product) (audit.Entry, error) { return said(audit.CertificateRenew, "nope"), nil }); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("update unknown: %v", err)
	}
}

// A schema-1 database (binary stamp states, no batch ranges) opens as
// schema 2 with its scans and revocations intact.
func TestMigrateSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "estamp.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	batch := &estampv1.Batch{Id: 1, ProductId: "A1", Lot: "L", Quantity: 10, FirstSerial: 1, KeyId: "56475aa7"}
	state := make([]byte, 32)
	binary.BigEndian.PutUint64(state[0:], 7)
	binary.BigEndian.PutUint64(state[8:], uint64(t0.UnixNano()))
	binary.BigEndian.PutUint64(state[16:], uint64(t0.Add(time.Hour).UnixNano()))
	binary.BigEndian.PutUint64(state[24:], uint64(t0.Add(2*time.Hour).UnixNano()))
	state = append(state, "Tem bị mất"...)
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "producers", "products", "product_numbers", "batches", "product_batches", "requests", "stamps"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		v, _ := proto.Marshal(batch)
		tx.Bucket([]byte("batches")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 1}, v)
		tx.Bucket([]byte("stamps")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 4}, state)
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	defer s.Close()
	seed(t, s, "P", "A1")
	rec, err := s.StampOf(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Batch.Id != 1 || rec.State.ScanCount != 7 || !record.Time(rec.State.FirstScanUnixNano).Equal(t0) || rec.State.Revocation.GetReason() != "Tem bị mất" {
		t.Errorf("migrated state = %+v", rec.State)
	}
	if v, list, _, err := s.Revocations(ctx, store.RevocationPage{Limit: 10}); err != nil || v != 1 || len(list) != 1 || ranges(list[0]) != "4" || list[0].KeyId != "56475aa7" {
		t.Errorf("migrated revocation list = %d %v %v", v, list, err)
	}
}

// A record that does not decode is reported with its kind and key.
func TestCorruptRecordNamesItsKind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "estamp.db")
	s := open(t, path)
	seed(t, s, "P", "A")
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("products")).Put([]byte("A"), []byte{0xff, 0xff}) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	if _, err := s.Product(ctx, "A"); err == nil || !strings.Contains(err.Error(), `corrupt Product record "A"`) {
		t.Errorf("Product = %v", err)
	}
}

// Every record kept by id is read, refused and named the same way: a
// missing one is NotFound naming its kind and id, and a new one whose id
// differs from a stored one only in letter case is a conflict naming both.
func TestRecordsByID(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "P", "A")
	if err := s.CreateRetailer(ctx, &estampv1.Retailer{Id: "R", Name: "Cửa hàng"}, at(t0), said(audit.RetailerCreate, "R")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IssueBatch(ctx, "r1", "A", at(t0), planOf(1), issued); err != nil {
		t.Fatal(err)
	}
	gets := []struct {
		what, id string
		get      func(id string) error
	}{
		{"producer", "P", func(id string) error { _, err := s.Producer(ctx, id); return err }},
		{"product", "A", func(id string) error { _, err := s.Product(ctx, id); return err }},
		{"retailer", "R", func(id string) error { _, err := s.Retailer(ctx, id); return err }},
		{"token", "", func(id string) error { _, err := s.Token(ctx, id); return err }},
		{"batch", "1", func(id string) error {
			n, _ := strconv.ParseUint(id, 10, 64)
			_, err := s.Batch(ctx, n)
			return err
		}},
	}
	for _, g := range gets {
		if g.id != "" {
			if err := g.get(g.id); err != nil {
				t.Errorf("%s %s: %v", g.what, g.id, err)
			}
		}
		var nf *ocop.NotFoundError
		if err := g.get("99"); !errors.As(err, &nf) || nf.What != g.what || nf.ID != "99" {
			t.Errorf("missing %s: %v, want not found naming %s 99", g.what, err, g.what)
		}
	}
	var conflict *ocop.ConflictError
	err := s.CreateRetailer(ctx, &estampv1.Retailer{Id: "r", Name: "Khác"}, at(t0), said(audit.RetailerCreate, "r"))
	if !errors.As(err, &conflict) || conflict.What != "retailer" || !strings.Contains(err.Error(), `as "R"`) {
		t.Errorf("retailer r beside R: %v, want a conflict naming R", err)
	}
	if list, more, err := s.Retailers(ctx, "", 10); err != nil || more || len(list) != 1 || list[0].Id != "R" || !list[0].CreateTime.AsTime().Equal(t0) {
		t.Errorf("Retailers = %v, %v, %v", list, more, err)
	}
}

// oldDB builds, by hand, a database file of an earlier schema with the
// buckets named, filled by fill; put stores a message under a key.
func oldDB(t *testing.T, buckets []string, fill func(tx *bolt.Tx, put func(bucket string, k []byte, m proto.Message)) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "estamp.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return fill(tx, func(bucket string, k []byte, m proto.Message) {
			v, err := proto.Marshal(m)
			if err == nil {
				err = tx.Bucket([]byte(bucket)).Put(k, v)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}
