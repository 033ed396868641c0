package insight_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/insight"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/store"
)

// overviewOnly is a store with a registry and nothing counted: what the
// overview computes from the registry as of the service's clock.
type overviewOnly struct {
	insight.Store
	products []*estampv1.Product
	// asked is the window the service asked for.
	asked [2]int32
}

func (s *overviewOnly) Overview(_ context.Context, from, to int32) (*store.Overview, error) {
	s.asked = [2]int32{from, to}
	o := &store.Overview{Products: s.products, Producers: []*estampv1.Producer{{Id: "P", Name: "HTX P"}}}
	for d := from; d <= to; d++ {
		o.Days = append(o.Days, store.Day{Day: d})
	}
	return o, nil
}

// now is 00:30 on 2026-11-28 in Vietnam, where certificates are dated,
// while UTC still says the 27th.
var now = time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC)

func certified(id, validUntil string, revoked bool) *estampv1.Product {
	c := &estampv1.Certificate{DecisionNumber: "1/QĐ-UBND", DecisionDate: "2024-01-01", ValidUntil: validUntil}
	if revoked {
		c.RevokeTime = timestamppb.New(now.Add(-time.Hour))
	}
	return &estampv1.Product{Id: id, ProducerId: "P", StarGrade: 4, Certificate: c}
}

// A certificate expires within 90 days from its last valid day back to
// today; it has expired from the next day on; a revoked one is in
// neither list, ended by decision rather than date.
func TestOverviewCertificatesDue(t *testing.T) {
	st := &overviewOnly{products: []*estampv1.Product{
		certified("TODAY", "2026-11-28", false),
		certified("IN-90-DAYS", "2027-02-26", false),
		certified("IN-91-DAYS", "2027-02-27", false),
		certified("YESTERDAY", "2026-11-27", false),
		certified("LONG-AGO", "2024-01-03", false),
		certified("REVOKED-SOON", "2026-12-01", true),
		certified("REVOKED-EXPIRED", "2025-01-01", true),
		{Id: "NO-CERTIFICATE", ProducerId: "P", StarGrade: 2},
	}}
	o, err := insight.New(st, nil, func() time.Time { return now }).GetOverview(context.Background(), &estampv1.GetOverviewRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []*estampv1.CertificateDue) (out []string) {
		for _, c := range list {
			out = append(out, c.ProductId)
		}
		return out
	}
	if got, want := ids(o.ExpiringCertificates), []string{"TODAY", "IN-90-DAYS"}; !slices.Equal(got, want) || o.ExpiringCount != 2 {
		t.Errorf("expiring = %q (%d), want %q, soonest first", got, o.ExpiringCount, want)
	}
	if got, want := ids(o.ExpiredCertificates), []string{"YESTERDAY", "LONG-AGO"}; !slices.Equal(got, want) || o.ExpiredCount != 2 {
		t.Errorf("expired = %q (%d), want %q, most recent first", got, o.ExpiredCount, want)
	}
	if c := o.ExpiringCertificates[0]; c.ProducerName != "HTX P" || c.ValidUntil != "2026-11-28" || c.StarGrade != 4 {
		t.Errorf("a certificate due = %v", c)
	}
	if len(o.Grades) != 2 || o.Grades[0].StarGrade != 2 || o.Grades[1].Products != 7 {
		t.Errorf("grades = %v", o.Grades)
	}
}

// A daily series ends today in Vietnam and is days long: 30 unless asked,
// at most 366.
func TestDailySeriesWindow(t *testing.T) {
	today := ocop.Day(now)
	tests := []struct {
		days     uint32
		wantFrom int32
		wantErr  bool
	}{
		{0, today - 29, false},
		{1, today, false},
		{366, today - 365, false},
		{367, 0, true},
	}
	for _, tt := range tests {
		st := &overviewOnly{}
		o, err := insight.New(st, nil, func() time.Time { return now }).GetOverview(context.Background(), &estampv1.GetOverviewRequest{Days: tt.days})
		var inv *ocop.InvalidError
		switch {
		case tt.wantErr:
			if !errors.As(err, &inv) || inv.Field != "days" {
				t.Errorf("%d days: %v, want InvalidArgument naming days", tt.days, err)
			}
		case err != nil:
			t.Errorf("%d days: %v", tt.days, err)
		case st.asked != [2]int32{tt.wantFrom, today} || o.Days[len(o.Days)-1].Date != "2026-11-28" || o.Days[0].Date != ocop.DayDate(tt.wantFrom):
			t.Errorf("%d days: asked for %v, got %s to %s; want %d to %d ending 2026-11-28", tt.days, st.asked, o.Days[0].Date, o.Days[len(o.Days)-1].Date, tt.wantFrom, today)
		}
	}
}
