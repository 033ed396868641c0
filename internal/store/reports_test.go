package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/store"
)

// reportJudge is custody's judge as the tests make it: a stamp with a
// record is ACCEPTED, or SUSPECTED_COPY naming the last other shop that
// had it, or else ALREADY_RECEIVED; anything else NOT_ISSUED, and not
// kept.
// calls counts the receipts it judged.
func reportJudge(receipts []store.ReportedReceipt, calls *int) func(int, *record.Stamp, []*record.Receipt, func(string) string) (*estampv1.ReceiptOutcome, bool) {
	return func(i int, rec *record.Stamp, before []*record.Receipt, name func(string) string) (*estampv1.ReceiptOutcome, bool) {
		*calls++
		r := receipts[i].Receipt
		o := &estampv1.ReceiptOutcome{ReceiptId: r.ReceiptId, Verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED}
		if rec == nil {
			return o, false
		}
		o.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED
		for _, b := range before {
			switch {
			case b.RetailerId != store.ForeignShopID("01", r.RetailerId):
				o.Verdict, o.OtherRetailerName, o.OtherIssuerId = estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, name(b.RetailerId), store.ShopIssuer(b.RetailerId)
			case o.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED:
				o.Verdict = estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED
			}
		}
		return o, true
	}
}

// receiveAt is custody.Receive as the tests make it.
func receiveAt(st *record.StampState, retailerID string, at time.Time) {
	for _, r := range st.Receipts {
		if r.RetailerId == retailerID {
			r.Count++
			r.LastUnixNano = at.UnixNano()
			return
		}
	}
	st.Receipts = append(st.Receipts, &record.Receipt{RetailerId: retailerID, FirstUnixNano: at.UnixNano(), LastUnixNano: at.UnixNano(), Count: 1})
}

// hanoiReceipt is a receipt province 01 reports of a stamp of batch.
func hanoiReceipt(id uint64, batch, serial uint64, shop string, at time.Time) store.ReportedReceipt {
	r := store.ReportedReceipt{Receipt: &estampv1.ForeignReceipt{ReceiptId: id, Code: fmt.Sprint("code of ", serial), RetailerId: shop,
		RetailerName: "Cửa hàng " + shop, Commune: "Phường Hoàn Kiếm", Province: "Hà Nội", ReceiveTime: timestamppb.New(at)}}
	if serial != 0 {
		r.Stamp = &record.Intake{Serial: serial, BatchID: batch}
	}
	return r
}

// RecordReportedReceipts keeps what the judge keeps, in one commit: the
// receipt under the shop's "issuer:retailer" id at the shop's time, the
// shop (by which Retailer names it), the answer, a flag for a copy and an
// audit entry; a receipt answered before gets its answer back and is not
// judged or counted again; what the judge refuses leaves nothing; a
// failed commit leaves nothing of the whole report.
func TestRecordReportedReceipts(t *testing.T) {
	var fail atomic.Bool
	s, err := store.Open(filepath.Join(t.TempDir(), "estamp.db"), store.Options{FailBeforeCommit: func() error {
		if fail.Load() {
			return errors.New("disk on fire")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	seed(t, s, "P", "A")
	if err := s.CreateRetailer(ctx, &estampv1.Retailer{Id: "R1", Name: "Cửa hàng R1"}, at(t0), said(audit.RetailerCreate, "R1")); err != nil {
		t.Fatal(err)
	}
	b := issue(t, s, "A", 4, t0)
	first := b.FirstSerial
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	receive(t, s, "R1", t1, b.Id, nil, first+2)

	entries := func() int {
		list, _, err := s.AuditEntries(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range list {
			if e.Record.Action == string(audit.ReceiptsReport) {
				n++
			}
		}
		return n
	}
	shops := func(serial uint64) string {
		rec, err := s.StampOf(ctx, serial)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rec.State.Receipts {
			out = append(out, fmt.Sprintf("%s×%d@%s", r.RetailerId, r.Count, record.Time(r.FirstUnixNano).Sub(t0)))
		}
		return strings.Join(out, " ")
	}
	steps := []struct {
		name     string
		receipts []store.ReportedReceipt
		fail     bool
		want     []string // verdicts, with the other shop's name and province for copies
		judged   int
		entries  int // audit entries of reports after the step
		shops    map[uint64]string
	}{
		{name: "a commit that fails", fail: true, receipts: []store.ReportedReceipt{hanoiReceipt(1, b.Id, first, "CH-1", t1)},
			judged: 1, entries: 0, shops: map[uint64]string{first: ""}},
		{name: "a new stamp, one never issued, and a code of no stamp", receipts: []store.ReportedReceipt{
			hanoiReceipt(1, b.Id, first, "CH-1", t1), hanoiReceipt(2, b.Id, first+99, "CH-1", t1), hanoiReceipt(3, b.Id, 0, "CH-1", t1)},
			want: []string{"ACCEPTED", "NOT_ISSUED", "NOT_ISSUED"}, judged: 3, entries: 1, shops: map[uint64]string{first: "01:CH-1×1@1h0m0s"}},
		{name: "the same again: the answer kept, the refused judged again", receipts: []store.ReportedReceipt{
			hanoiReceipt(1, b.Id, first, "CH-1", t1), hanoiReceipt(2, b.Id, first+99, "CH-1", t1), hanoiReceipt(3, b.Id, 0, "CH-1", t1)},
			want: []string{"ACCEPTED", "NOT_ISSUED", "NOT_ISSUED"}, judged: 2, entries: 1, shops: map[uint64]string{first: "01:CH-1×1@1h0m0s"}},
		{name: "one stamp at two shops of one report", receipts: []store.ReportedReceipt{
			hanoiReceipt(4, b.Id, first+1, "CH-1", t1), hanoiReceipt(5, b.Id, first+1, "CH-2", t2), hanoiReceipt(6, b.Id, first+1, "CH-2", t2)},
			want: []string{"ACCEPTED", "SUSPECTED_COPY Cửa hàng CH-1 01", "SUSPECTED_COPY Cửa hàng CH-1 01"}, judged: 3, entries: 2,
			shops: map[uint64]string{first + 1: "01:CH-1×1@1h0m0s 01:CH-2×2@2h0m0s"}},
		{name: "a stamp a shop here had", receipts: []store.ReportedReceipt{hanoiReceipt(7, b.Id, first+2, "CH-1", t2)},
			want: []string{"SUSPECTED_COPY Cửa hàng R1 "}, judged: 1, entries: 3, shops: map[uint64]string{first + 2: "R1×1@1h0m0s 01:CH-1×1@2h0m0s"}},
	}
	for _, st := range steps {
		judged := 0
		fail.Store(st.fail)
		got, err := s.RecordReportedReceipts(ctx, "01", st.receipts, audit.Change{Actor: "issuer 01", Time: t2}, reportJudge(st.receipts, &judged), receiveAt,
			func() audit.Entry { return audit.Entry{Action: audit.ReceiptsReport, Target: "01"} })
		fail.Store(false)
		switch {
		case st.fail && err == nil:
			t.Fatalf("%s: no error", st.name)
		case !st.fail && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		}
		var verdicts []string
		for i, o := range got {
			if o.ReceiptId != st.receipts[i].Receipt.ReceiptId {
				t.Errorf("%s: answer %d is of receipt %d", st.name, i, o.ReceiptId)
			}
			v := strings.TrimPrefix(o.Verdict.String(), "INTAKE_VERDICT_")
			if o.Verdict == estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY {
				v += " " + o.OtherRetailerName + " " + o.OtherIssuerId
			}
			verdicts = append(verdicts, v)
		}
		if fmt.Sprint(verdicts) != fmt.Sprint(st.want) || judged != st.judged {
			t.Errorf("%s: %q, %d judged; want %q, %d", st.name, verdicts, judged, st.want, st.judged)
		}
		if n := entries(); n != st.entries {
			t.Errorf("%s: %d audit entries of reports, want %d", st.name, n, st.entries)
		}
		for serial, want := range st.shops {
			if got := shops(serial); got != want {
				t.Errorf("%s: serial %d received by %q, want %q", st.name, serial, got, want)
			}
		}
	}

	shop, err := s.Retailer(ctx, "01:CH-2")
	if err != nil || shop.Name != "Cửa hàng CH-2" || shop.Address.GetCommune() != "Phường Hoàn Kiếm" || shop.Address.GetProvince() != "Hà Nội" {
		t.Errorf("Retailer(01:CH-2) = %v, %v", shop, err)
	}
	if _, err := s.Retailer(ctx, "01:CH-9"); !errors.As(err, new(*ocop.NotFoundError)) {
		t.Errorf("an unreported shop of another province: %v", err)
	}
	flags, _, err := s.Flags(ctx, store.FlagQuery{ProducerID: "P", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var flagged []string
	for _, f := range flags {
		flagged = append(flagged, fmt.Sprint(f.Serial-first, ":", strings.Join(f.Record.RetailerIds, ",")))
	}
	if want := []string{"1:01:CH-1,01:CH-2", "2:R1,01:CH-1"}; fmt.Sprint(flagged) != fmt.Sprint(want) {
		t.Errorf("flags %q, want %q", flagged, want)
	}

	// An answer kept is the answer given, whatever happened since.
	again := []store.ReportedReceipt{hanoiReceipt(1, b.Id, first, "CH-1", t1)}
	judged := 0
	got, err := s.RecordReportedReceipts(ctx, "01", again, at(t2), reportJudge(again, &judged), receiveAt, func() audit.Entry {
		t.Error("an entry asked for a report that changed nothing")
		return audit.Entry{}
	})
	if err != nil || judged != 0 || !proto.Equal(got[0], &estampv1.ReceiptOutcome{ReceiptId: 1, Verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED}) {
		t.Errorf("receipt 1 again: %v, %v, judged %d", got, err, judged)
	}
	// Receipt ids are each province's own: 1 of province 79 is another.
	judged = 0
	if _, err := s.RecordReportedReceipts(ctx, "79", again, at(t2), reportJudge(again, &judged), receiveAt, func() audit.Entry {
		return audit.Entry{Action: audit.ReceiptsReport, Target: "79"}
	}); err != nil || judged != 1 {
		t.Errorf("receipt 1 of another province: %v, judged %d", err, judged)
	}
	// A sender restored from an older backup uses receipt id 1 again, for
	// another stamp: a new receipt, judged and recorded, not the old
	// answer.
	reused := []store.ReportedReceipt{hanoiReceipt(1, b.Id, first+3, "CH-1", t2)}
	judged = 0
	got, err = s.RecordReportedReceipts(ctx, "01", reused, at(t2), reportJudge(reused, &judged), receiveAt, func() audit.Entry {
		return audit.Entry{Action: audit.ReceiptsReport, Target: "01"}
	})
	if err != nil || judged != 1 || got[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Errorf("receipt id 1 used again for another stamp: %v, %v, judged %d", got, err, judged)
	}
	if got, want := shops(first+3), "01:CH-1×1@2h0m0s"; got != want {
		t.Errorf("the stamp of the reused receipt id: %q, want %q", got, want)
	}
}
