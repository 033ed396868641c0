package verdict_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
	"github.com/ocopvn/estamp/internal/verdict"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// lists is another province's revocation list as a cache holds it: absent
// when it was never fetched.
type lists map[string]*verdict.Revocations

var fetched = now.Add(-10 * time.Minute)

func (l lists) Record(issuerID string, c stampcode.Claims) (*verdict.Record, time.Time, bool) {
	r, ok := l[issuerID]
	if !ok {
		return nil, time.Time{}, false
	}
	return r.Record(c), fetched, true
}

// A stamp of another province is judged by that province's revocation
// list as last fetched, by the same rule as the province's own stamps:
// its serial or batch revoked, not activated, its certificate revoked or
// renewed; entries about other stamps change nothing. Without a fetched
// list, the code alone decides and no status time is given.
func TestForeignStampsAreJudgedByTheIssuersList(t *testing.T) {
	key := seeded(9)
	list := &trust.List{Version: 1, Expires: now.Add(24 * time.Hour), Issuers: []trust.Issuer{
		{ID: "38", Name: "Tỉnh Thanh Hóa", BaseURLs: []string{"HTTPS://TEM.THANHHOA.EXAMPLE"},
			Keys: []trust.Key{{ID: idOf(key), Public: key.Public().(ed25519.PublicKey), Status: trust.Active}}},
	}}
	c := claims
	c.KeyID = idOf(key)
	code := "HTTPS://TEM.THANHHOA.EXAMPLE/V/" + tokenBy(t, key, c)
	serials := func(first, last uint64) []*estampv1.SerialRange {
		return []*estampv1.SerialRange{{First: first, Last: last}}
	}
	batch, serial := uint64(c.BatchID), c.Serial
	tests := []struct {
		name    string
		entries []*estampv1.RevocationEntry // nil: never fetched
		want    estampv1.Verdict
		cause   verdict.Cause
		reason  string
	}{
		{"never fetched", nil, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"fetched, empty", []*estampv1.RevocationEntry{}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"batch revoked", []*estampv1.RevocationEntry{{BatchId: batch, Reason: "lô hỏng"}}, estampv1.Verdict_VERDICT_REVOKED, verdict.BatchRevoked, "lô hỏng"},
		{"another batch revoked", []*estampv1.RevocationEntry{{BatchId: batch + 1, Reason: "lô hỏng"}}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"serial revoked, first reason kept", []*estampv1.RevocationEntry{
			{BatchId: batch, Reason: "mất", SerialRanges: serials(serial-1, serial+1)},
			{BatchId: batch, Reason: "hỏng", SerialRanges: serials(serial, serial)},
		}, estampv1.Verdict_VERDICT_REVOKED, verdict.StampRevoked, "mất"},
		{"other serials revoked", []*estampv1.RevocationEntry{{BatchId: batch, Reason: "mất", SerialRanges: serials(serial+1, serial+5)}}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"printed ahead, not activated", []*estampv1.RevocationEntry{{Activation: &estampv1.Activation{BatchId: batch, Pending: true}}}, estampv1.Verdict_VERDICT_NOT_ACTIVATED, verdict.NoCause, ""},
		{"printed ahead, activated", []*estampv1.RevocationEntry{
			{Activation: &estampv1.Activation{BatchId: batch, Pending: true}},
			{Activation: &estampv1.Activation{BatchId: batch, SerialRanges: serials(serial, serial)}},
		}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
		{"certificate revoked", []*estampv1.RevocationEntry{{Reason: "không tái đánh giá", RevokeTime: timestamppb.New(now.Add(-time.Hour)), Certificate: &estampv1.CertificateChange{ProductNumber: c.ProductNumber, ValidUntil: "2028-03-09", Revoked: true}}}, estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, verdict.NoCause, "không tái đánh giá"},
		{"certificate ended early", []*estampv1.RevocationEntry{{Certificate: &estampv1.CertificateChange{ProductNumber: c.ProductNumber, ValidUntil: "2026-11-01"}}}, estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, verdict.NoCause, ""},
		{"another product's certificate revoked", []*estampv1.RevocationEntry{{Reason: "x", RevokeTime: timestamppb.New(now.Add(-time.Hour)), Certificate: &estampv1.CertificateChange{ProductNumber: c.ProductNumber + 1, ValidUntil: "2028-03-09", Revoked: true}}}, estampv1.Verdict_VERDICT_GENUINE, verdict.NoCause, ""},
	}
	plain, err := verdict.New([]string{"http://localhost:8080"}, keyring{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetchedLists := lists{}
			if tt.entries != nil {
				r := verdict.NewRevocations()
				for _, e := range tt.entries {
					r.Add(e)
				}
				// What a refresh adds to a copy must not reach the list read.
				r.Clone().Add(&estampv1.RevocationEntry{BatchId: batch, Reason: "chưa lấy"})
				fetchedLists["38"] = r
			}
			ch := plain.WithIssuers(held{list}).WithForeignStatus(fetchedLists)
			o := ch.Decide(ch.Check(code, verdict.Scanned), nil, now)
			if o.Verdict != tt.want || o.Cause != tt.cause || o.Reason != tt.reason {
				t.Errorf("got %v (cause %v, reason %q), want %v (cause %v, reason %q)", o.Verdict, o.Cause, o.Reason, tt.want, tt.cause, tt.reason)
			}
			if wantTime := tt.entries != nil; o.StatusTime.Equal(fetched) != wantTime || !wantTime && !o.StatusTime.IsZero() {
				t.Errorf("status time %v; fetched list: %v", o.StatusTime, wantTime)
			}
		})
	}
}
