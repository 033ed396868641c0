package issuance

import (
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/record"
)

// The audit log's words for issuance and revocation are the service's,
// and read as they did when the store wrote them.
func TestAuditEntries(t *testing.T) {
	b := &estampv1.Batch{Id: 7, ProductId: "NEM-CHUA", Lot: "L1", Quantity: 100, FirstSerial: 201, KeyId: "56475aa7"}
	tests := []struct {
		name string
		got  audit.Entry
		want audit.Entry
	}{
		{"issue", issueEntry(b), audit.Entry{Action: audit.StampsIssue, Target: "7", Detail: "product NEM-CHUA, lot L1, 100 stamps, serials 201-300, key 56475aa7"}},
		{"recall", revocationEntry(record.Revocation{BatchID: 7, Reason: "lỗi bao bì"}, record.Revoked{Batch: b, Count: 100, Versions: []uint64{4}}),
			audit.Entry{Action: audit.BatchRevoke, Target: "7", Detail: "lỗi bao bì"}},
		{"serials of a named batch", revocationEntry(record.Revocation{BatchID: 7, Serials: []uint64{226, 222, 224}, Reason: "mất"}, record.Revoked{Batch: b, Count: 3, Versions: []uint64{2, 3}}),
			audit.Entry{Action: audit.StampsRevoke, Target: "7", Detail: "3 stamps (3 of 222-226), revocation list versions 2-3: mất"}},
		{"one serial", revocationEntry(record.Revocation{Serials: []uint64{222}, Reason: "mất"}, record.Revoked{Count: 1, Versions: []uint64{2}}),
			audit.Entry{Action: audit.StampsRevoke, Target: "serials", Detail: "1 stamps (222), revocation list version 2: mất"}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
}
