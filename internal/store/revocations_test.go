package store_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// entries shows revocation-list entries as "batch: ranges" (or "batch:
// whole"), in order.
func entries(list []*estampv1.RevocationEntry) []string {
	var out []string
	for _, e := range list {
		what := ranges(e)
		if what == "" {
			what = "whole"
		}
		out = append(out, fmt.Sprintf("%d: %s", e.BatchId, what))
	}
	return out
}

// A RevokeStamps call writes one revocation-list entry per batch its
// serials belong to, holding the serials it newly revoked as ranges in
// ascending order; a stamp's state refers to its entry, which holds the
// reason once.
func TestRevokeStampsMakesOneEntryPerBatch(t *testing.T) {
	s, path := newStore(t)
	seed(t, s, "A", "A1")
	for i, q := range []uint32{10, 10, 2*store.MaxRangesPerEntry + 100} {
		if _, _, err := s.IssueBatch(ctx, fmt.Sprint("r", i), "A1", at(t0), planOf(q), issued); err != nil {
			t.Fatal(err)
		}
	}
	// Batch 3 holds serials 21 to 2120: every other one, 22 to 2120, is
	// 1050 ranges.
	var scattered []uint64
	for s := uint64(2120); s >= 21; s -= 2 {
		scattered = append(scattered, s)
	}
	steps := []struct {
		name    string
		batch   uint64
		serials []uint64
		// count is how many stamps the call newly revokes; entries are
		// the list entries it adds; bad names what refuses it.
		count   int
		entries []string
		bad     string
	}{
		{name: "two batches, unsorted, repeated", serials: []uint64{7, 3, 4, 5, 3, 14, 12, 13, 12}, count: 7, entries: []string{"1: 3-5 7", "2: 12-14"}},
		{name: "some revoked before", serials: []uint64{8, 4, 5, 6, 7}, count: 2, entries: []string{"1: 6 8"}},
		{name: "all revoked before", serials: []uint64{4, 13}},
		{name: "serials of a named batch", batch: 2, serials: []uint64{16, 15, 20}, count: 3, entries: []string{"2: 15-16 20"}},
		{name: "serial outside the named batch", batch: 2, serials: []uint64{17, 9}, bad: "serial 9 (index 1) is not in batch 2"},
		{name: "serial never issued", serials: []uint64{1, 5000}, bad: "serial 5000 (index 1) was never issued"},
		{name: "serial 0", serials: []uint64{0}, bad: "serial 0 (index 0) was never issued"},
		{name: "more ranges than an entry holds", serials: scattered, count: 1050, entries: []string{"3: " + strings.Repeat("x ", 1000), "3: " + strings.Repeat("x ", 50)}},
		// Serials 3 to 8 of batch 1 were revoked one by one above: the
		// recall newly revokes the other four.
		{name: "a whole batch", batch: 1, count: 4, entries: []string{"1: whole"}},
		{name: "a serial of a recalled batch", serials: []uint64{9, 10}},
		{name: "a recalled batch again", batch: 1},
	}
	var version uint64
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			_, n, v, err := s.RevokeStamps(ctx, record.Revocation{BatchID: st.batch, Serials: st.serials, Reason: "lý do: " + st.name, Change: audit.Change{Actor: "HTX (" + st.name + ")", Time: t0}}, revoked)
			var inv *ocop.InvalidError
			if st.bad != "" {
				if !errors.As(err, &inv) || inv.Field != "serials" || !strings.Contains(inv.Reason, st.bad) {
					t.Errorf("error = %v, want serials: %s", err, st.bad)
				}
				if v != 0 || n != 0 {
					t.Errorf("a refused call revoked %d stamps", n)
				}
			} else if err != nil || n != st.count || v != version+uint64(len(st.entries)) {
				t.Errorf("revoked %d at version %d, %v; want %d at version %d", n, v, err, st.count, version+uint64(len(st.entries)))
			}
			_, list, _, err := s.Revocations(ctx, store.RevocationPage{After: version, Limit: 10})
			got := entries(list)
			for i, e := range got {
				// Scattered serials: count the ranges, not their text.
				if batch, rs, _ := strings.Cut(e, ": "); batch == "3" {
					got[i] = "3: " + strings.Repeat("x ", len(strings.Fields(rs)))
				}
			}
			if err != nil || !slices.Equal(got, st.entries) {
				t.Errorf("new entries = %q, %v; want %q", got, err, st.entries)
			}
			for _, e := range list {
				if e.Reason != "lý do: "+st.name || !e.RevokeTime.AsTime().Equal(t0) {
					t.Errorf("entry %d = %v", e.Version, e)
				}
			}
			version += uint64(len(list))
		})
	}

	// Each stamp reads the reason, time and actor of the entry that
	// revoked it first.
	for _, tt := range []struct {
		batch, serial uint64
		step          string
		version       uint64
	}{
		{1, 3, "two batches, unsorted, repeated", 1},
		{2, 13, "two batches, unsorted, repeated", 2},
		{1, 6, "some revoked before", 3},
		{2, 20, "serials of a named batch", 4},
		{3, 22, "more ranges than an entry holds", 5},
		{3, 2020, "more ranges than an entry holds", 5},
		{3, 2022, "more ranges than an entry holds", 6},
		{3, 2120, "more ranges than an entry holds", 6},
	} {
		rec, err := s.Stamp(ctx, tt.batch, tt.serial)
		if err != nil {
			t.Fatal(err)
		}
		r := rec.State.GetRevocation()
		if r.GetReason() != "lý do: "+tt.step || r.GetActor() != "HTX ("+tt.step+")" || !record.Time(r.GetTimeUnixNano()).Equal(t0) || r.GetListVersion() != tt.version {
			t.Errorf("stamp %d: revocation %v; want step %q, entry %d", tt.serial, r, tt.step, tt.version)
		}
	}
	for _, serial := range []uint64{9, 21, 2119} {
		if rec, err := s.StampOf(ctx, serial); err != nil || rec.State.Revocation != nil {
			t.Errorf("stamp %d (not revoked on its own) = %v", serial, err)
		}
	}

	// A scan and an intake see the reason, and write the state back as
	// it was stored.
	states, err := s.RecordScans(ctx, []record.Scan{{Serial: 3, Time: t0}}, counted)
	if err != nil || states[0].GetRevocation().GetReason() != "lý do: two batches, unsorted, repeated" || states[0].ScanCount != 1 {
		t.Errorf("scan of a revoked stamp = %v, %v", states, err)
	}
	if err := s.CreateRetailer(ctx, &estampv1.Retailer{Id: "R", Name: "Cửa hàng"}, at(t0), said(audit.RetailerCreate, "R")); err != nil {
		t.Fatal(err)
	}
	var seen string
	_, _, err = s.ReceiveStamps(ctx, "R", []record.Intake{{Serial: 6, BatchID: 1}}, at(t0), func(_ int, rec *record.Stamp, _ []*record.Receipt) bool {
		seen = rec.State.GetRevocation().GetReason()
		return true
	}, func(st *record.StampState, retailerID string, at time.Time) {
		st.Receipts = append(st.Receipts, &record.Receipt{RetailerId: retailerID, FirstUnixNano: at.UnixNano(), LastUnixNano: at.UnixNano(), Count: 1})
	}, func() (audit.Entry, record.Delivery) {
		return audit.Entry{Action: audit.DeliveryReceive, Target: "R", Detail: "1 code"}, record.Delivery{Codes: 1}
	})
	if err != nil || seen != "lý do: some revoked before" {
		t.Errorf("intake of a revoked stamp saw %q, %v", seen, err)
	}

	// As stored, a revoked stamp holds its entry's version and no text.
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := 0
	err = db.View(func(tx *bolt.Tx) error {
		// Recent states, and settled ones: revoked stamps are in one or
		// the other.
		for _, bucket := range []string{"recent_stamps", "stamps"} {
			err := tx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error {
				st := new(storagev1.StampState)
				if err := proto.Unmarshal(v, st); err != nil {
					return err
				}
				stored++
				if r := st.Revocation; r.GetListVersion() == 0 || r.Reason != "" || r.Actor != "" || r.TimeUnixNano != 0 {
					t.Errorf("stamp %d stored as %v", binary.BigEndian.Uint64(k), r)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if stored == 0 {
		t.Error("no stamp state stored: nothing checked")
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Revocations pages by count and by size, up to a version: pages read up
// to the first page's version make the list as it stood then.
func TestRevocationsPage(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	if _, _, err := s.IssueBatch(ctx, "r", "A1", at(t0), planOf(3000), issued); err != nil {
		t.Fatal(err)
	}
	revoke := func(serials ...uint64) {
		t.Helper()
		if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{Serials: serials, Reason: "mất", Change: at(t0)}, revoked); err != nil {
			t.Fatal(err)
		}
	}
	for serial := range uint64(6) {
		revoke(serial + 1)
	}
	// A seventh entry of 1000 ranges, about 5 KB.
	var scattered []uint64
	for s := uint64(1001); s < 3000; s += 2 {
		scattered = append(scattered, s)
	}
	revoke(scattered...)
	big := 0
	if _, list, _, _ := s.Revocations(ctx, store.RevocationPage{After: 6, Limit: 1}); len(list) == 1 {
		big = proto.Size(list[0])
	}
	if big < 4000 {
		t.Fatalf("entry 7 is %d bytes; the test needs a large one", big)
	}
	small := 0
	if _, list, _, _ := s.Revocations(ctx, store.RevocationPage{Limit: 1}); len(list) == 1 {
		small = proto.Size(list[0])
	}

	tests := []struct {
		name     string
		page     store.RevocationPage
		upto     uint64
		versions []uint64
		more     bool
	}{
		{"everything", store.RevocationPage{Limit: 100}, 7, []uint64{1, 2, 3, 4, 5, 6, 7}, false},
		{"first page", store.RevocationPage{Limit: 3}, 7, []uint64{1, 2, 3}, true},
		{"next page", store.RevocationPage{After: 3, Upto: 7, Limit: 3}, 7, []uint64{4, 5, 6}, true},
		{"last page", store.RevocationPage{After: 6, Upto: 7, Limit: 3}, 7, []uint64{7}, false},
		{"up to a version", store.RevocationPage{After: 2, Upto: 4, Limit: 100}, 4, []uint64{3, 4}, false},
		{"up to a version, in pages", store.RevocationPage{After: 2, Upto: 5, Limit: 2}, 5, []uint64{3, 4}, true},
		{"up to past the newest", store.RevocationPage{After: 5, Upto: 99, Limit: 100}, 7, []uint64{6, 7}, false},
		{"after the page's end", store.RevocationPage{After: 4, Upto: 4, Limit: 100}, 4, nil, false},
		{"after the newest", store.RevocationPage{After: 7, Limit: 100}, 7, nil, false},
		{"after the largest version", store.RevocationPage{After: math.MaxUint64, Limit: 100}, 7, nil, false},
		{"bytes: the small ones, not the big one", store.RevocationPage{After: 3, Limit: 100, MaxBytes: 3*small + big - 1}, 7, []uint64{4, 5, 6}, true},
		{"bytes: the big one alone, though over", store.RevocationPage{After: 6, Limit: 100, MaxBytes: 10}, 7, []uint64{7}, false},
		{"bytes: one at least", store.RevocationPage{Limit: 100, MaxBytes: 1}, 7, []uint64{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upto, list, more, err := s.Revocations(ctx, tt.page)
			var versions []uint64
			for _, e := range list {
				versions = append(versions, e.Version)
			}
			if err != nil || upto != tt.upto || more != tt.more || !slices.Equal(versions, tt.versions) {
				t.Errorf("= up to %d, %v, more %v, %v; want up to %d, %v, more %v", upto, versions, more, err, tt.upto, tt.versions, tt.more)
			}
		})
	}
}

// legacyEntry is a revocation-list entry as schema 4 stored it: an
// estamp.v1.RevocationEntry whose field 4 held the serial.
func legacyEntry(e *estampv1.RevocationEntry, serial uint64) []byte {
	v, _ := proto.Marshal(e)
	if serial != 0 {
		v = protowire.AppendVarint(protowire.AppendTag(v, 4, protowire.VarintType), serial)
	}
	return v
}

// A schema-4 database opens as schema 5 with every revocation-list entry
// under its version: an entry of one serial becomes an entry of one range,
// who revoked joins the entry, and each revoked stamp refers to its entry
// and still reads its reason. New revocations follow the last version.
func TestMigrateSchema4(t *testing.T) {
	key := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
	p := product("A", "P")
	p.Number = 1
	t1 := t0.Add(time.Hour)
	b1 := &estampv1.Batch{Id: 1, ProductId: "A", Lot: "L", Quantity: 10, FirstSerial: 1, KeyId: "56475aa7", BaseUrl: "HTTP://LOCALHOST:8080/V/", ProductionDate: "2026-11-01", StarGrade: 4}
	b2 := &estampv1.Batch{Id: 2, ProductId: "A", Lot: "M", Quantity: 10, FirstSerial: 11, KeyId: "56475aa7", BaseUrl: "HTTP://LOCALHOST:8080/V/", ProductionDate: "2026-11-01", StarGrade: 4,
		Revoked: true, RevocationReason: "Thu hồi lô", RevokedBy: "admin office/aa (Chi cục)", RevokeTime: timestamppb.New(t1)}
	stolen := &storagev1.StampState{ScanCount: 3, Revocation: &storagev1.Revocation{TimeUnixNano: t0.UnixNano(), Reason: "Tem bị mất", Actor: "producer P/bb (Lan)"}}
	buckets := []string{"meta", "producers", "products", "product_numbers", "batches", "product_batches", "requests", "stamps", "retailers", "batch_ranges", "revocations", "base_urls", "tokens", "key_states", "audit"}
	path := oldDB(t, buckets, func(tx *bolt.Tx, put func(string, []byte, proto.Message)) error {
		put("producers", []byte("P"), producer("P"))
		put("products", []byte("A"), p)
		for _, b := range []*estampv1.Batch{b1, b2} {
			put("batches", key(b.Id), b)
			tx.Bucket([]byte("batch_ranges")).Put(key(b.FirstSerial), key(b.Id))
			tx.Bucket([]byte("product_batches")).Put(append([]byte("A\x00"), key(b.Id)...), nil)
		}
		tx.Bucket([]byte("base_urls")).Put(key(1), []byte("HTTP://LOCALHOST:8080"))
		for _, serial := range []uint64{4, 7} {
			put("stamps", key(serial), stolen)
		}
		list := tx.Bucket([]byte("revocations"))
		list.Put(key(1), legacyEntry(&estampv1.RevocationEntry{Version: 1, Certificate: &estampv1.CertificateChange{ProductNumber: 1, ProductId: "A", ValidUntil: "2027-12-31"}, RevokeTime: timestamppb.New(t0)}, 0))
		list.Put(key(2), legacyEntry(&estampv1.RevocationEntry{Version: 2, KeyId: "56475aa7", BatchId: 1, Reason: "Tem bị mất", RevokeTime: timestamppb.New(t0)}, 4))
		list.Put(key(3), legacyEntry(&estampv1.RevocationEntry{Version: 3, KeyId: "56475aa7", BatchId: 1, Reason: "Tem bị mất", RevokeTime: timestamppb.New(t0)}, 7))
		list.Put(key(4), legacyEntry(&estampv1.RevocationEntry{Version: 4, KeyId: "56475aa7", BatchId: 2, Reason: "Thu hồi lô", RevokeTime: timestamppb.New(t1)}, 0))
		meta := tx.Bucket([]byte("meta"))
		meta.Put([]byte("next_batch"), key(3))
		meta.Put([]byte("next_serial"), key(21))
		meta.Put([]byte("next_product_number"), key(2))
		meta.Put([]byte("next_revocation"), key(5))
		return meta.Put([]byte("schema_version"), key(4))
	})
	s := open(t, path)
	defer s.Close()

	version, list, more, err := s.Revocations(ctx, store.RevocationPage{Limit: 10})
	if got := entries(list); err != nil || more || version != 4 || !slices.Equal(got, []string{"0: whole", "1: 4", "1: 7", "2: whole"}) {
		t.Fatalf("migrated list = %d %q %v %v", version, got, more, err)
	}
	if c := list[0].Certificate; c.GetProductId() != "A" || c.GetValidUntil() != "2027-12-31" || list[1].Reason != "Tem bị mất" || !list[3].RevokeTime.AsTime().Equal(t1) {
		t.Errorf("migrated entries = %v", list)
	}
	for serial, version := range map[uint64]uint64{4: 2, 7: 3} {
		rec, err := s.StampOf(ctx, serial)
		if err != nil {
			t.Fatal(err)
		}
		r := rec.State.GetRevocation()
		if rec.State.ScanCount != 3 || r.GetReason() != "Tem bị mất" || r.GetActor() != "producer P/bb (Lan)" || !record.Time(r.GetTimeUnixNano()).Equal(t0) || r.GetListVersion() != version {
			t.Errorf("stamp %d after the upgrade: %v", serial, rec.State)
		}
	}
	if _, n, v, err := s.RevokeStamps(ctx, record.Revocation{Serials: []uint64{5, 6, 7}, Reason: "mất nữa", Change: at(t1)}, revoked); err != nil || n != 2 || v != 5 {
		t.Errorf("revoke after the upgrade: %d at version %d, %v; want 2 at version 5", n, v, err)
	}
	if _, list, _, _ := s.Revocations(ctx, store.RevocationPage{After: 4, Limit: 10}); !slices.Equal(entries(list), []string{"1: 5-6"}) {
		t.Errorf("entry after the upgrade = %q", entries(list))
	}
	// The upgrades' entries (4 -> 5, 5 -> 6, 6 -> 7, 7 -> 8), then the
	// revocation's.
	if check, err := s.VerifyAudit(ctx); err != nil || check.FirstBroken != 0 || check.Checked != 5 {
		t.Errorf("audit after the upgrade = %+v, %v", check, err)
	}
}

// RevokedSerials lists the serials revoked one by one as ranges, never the
// serials of a recall, and only of the batch asked for.
func TestRevokedSerials(t *testing.T) {
	s, _ := newStore(t)
	seed(t, s, "A", "A1")
	for i := range 2 {
		if _, _, err := s.IssueBatch(ctx, fmt.Sprint("r", i), "A1", at(t0), planOf(10), issued); err != nil {
			t.Fatal(err)
		}
	}
	revoke := func(batch uint64, serials ...uint64) {
		t.Helper()
		if _, _, _, err := s.RevokeStamps(ctx, record.Revocation{BatchID: batch, Serials: serials, Reason: "mất", Change: audit.Change{Actor: "HTX", Time: t0}}, revoked); err != nil {
			t.Fatal(err)
		}
	}
	show := func(batch uint64) string {
		t.Helper()
		b, rs, err := s.RevokedSerials(ctx, batch)
		if err != nil || b.Id != batch {
			t.Fatalf("RevokedSerials(%d) = %v, %v", batch, b, err)
		}
		return fmt.Sprint(b.Revoked, " ", ranges(&estampv1.RevocationEntry{SerialRanges: rs}))
	}
	if got := show(1); got != "false " {
		t.Errorf("before any revocation: %q", got)
	}
	revoke(0, 2, 3, 4, 9, 11, 12)
	if got, want := show(1), "false 2-4 9"; got != want {
		t.Errorf("batch 1 = %q, want %q", got, want)
	}
	if got, want := show(2), "false 11-12"; got != want {
		t.Errorf("batch 2 = %q, want %q", got, want)
	}
	revoke(2)
	if got, want := show(2), "true 11-12"; got != want {
		t.Errorf("recalled batch 2 = %q, want %q", got, want)
	}
	if _, _, err := s.RevokedSerials(ctx, 3); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("batch 3: %v, want not found", err)
	}
}
