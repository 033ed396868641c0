package custody

import (
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/record"
)

// The custody rule is one for this province's shops and other provinces'
// ("issuer:retailer"): whoever had the stamp before is named, with its
// province when it is another.
func TestTakeIn(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	had := func(id string, at time.Time) *record.Receipt {
		return &record.Receipt{RetailerId: id, FirstUnixNano: at.UnixNano(), LastUnixNano: at.UnixNano(), Count: 1}
	}
	sold := &record.StampState{Sale: &record.Sale{RetailerId: "CH-B", TimeUnixNano: t0.UnixNano()}}
	for _, tt := range []struct {
		name    string
		verdict estampv1.IntakeVerdict
		state   *record.StampState
		before  []*record.Receipt
		shop    string
		keep    bool
		want    estampv1.IntakeVerdict
		other   string
		issuer  string
		at      time.Time
	}{
		{name: "not genuine", verdict: estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED, shop: "CH-A", want: estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED},
		{name: "nobody had it", shop: "01:CH-HN", keep: true, want: estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED},
		{name: "the same shop of another province again", shop: "01:CH-HN", before: []*record.Receipt{had("01:CH-HN", t0)}, keep: true,
			want: estampv1.IntakeVerdict_INTAKE_VERDICT_ALREADY_RECEIVED},
		{name: "a shop here after one of another province", shop: "CH-A", before: []*record.Receipt{had("01:CH-HN", t0)}, keep: true,
			want: estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, other: "01:CH-HN", issuer: "01", at: t0},
		{name: "a shop of another province after one here", shop: "01:CH-HN", before: []*record.Receipt{had("CH-A", t0)}, keep: true,
			want: estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, other: "CH-A", at: t0},
		{name: "another shop of the same province", shop: "01:CH-HN-2", before: []*record.Receipt{had("01:CH-HN", t0)}, keep: true,
			want: estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, other: "01:CH-HN", issuer: "01", at: t0},
		{name: "sold here before", shop: "01:CH-HN", state: sold, keep: true,
			want: estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, other: "CH-B", at: t0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.verdict
			if v == estampv1.IntakeVerdict_INTAKE_VERDICT_UNSPECIFIED {
				v = estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED
			}
			it := &estampv1.IntakeItem{Verdict: v}
			keep := takeIn(it, &record.Stamp{State: tt.state}, tt.before, tt.shop)
			var at time.Time
			if ts := it.GetOtherReceiveTime(); ts != nil {
				at = ts.AsTime()
			}
			if ts := it.GetOtherSaleTime(); ts != nil {
				at = ts.AsTime()
			}
			if keep != tt.keep || it.Verdict != tt.want || it.OtherRetailerId != tt.other || it.OtherIssuerId != tt.issuer || !at.Equal(tt.at) {
				t.Errorf("takeIn = %v, %v; want %v, %v other %q of %q at %v", keep, it, tt.keep, tt.want, tt.other, tt.issuer, tt.at)
			}
		})
	}
}
