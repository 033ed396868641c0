package verify_test

import (
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/verify"
)

// Scans beyond the first few are counted per day, and old days dropped:
// a stamp's record does not grow with use, however often the store
// applies the fold.
func TestScanRecordStaysBounded(t *testing.T) {
	st := openStore(t)
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var last *record.StampState
	for day := range 200 {
		scans := make([]record.Scan, 10)
		for i := range scans {
			scans[i] = record.Scan{Serial: 1, Time: at.Add(time.Duration(day) * 24 * time.Hour)}
		}
		states, err := st.RecordScans(t.Context(), scans, verify.CountScan)
		if err != nil {
			t.Fatal(err)
		}
		last = states[len(states)-1]
	}
	if last.ScanCount != 2000 || len(last.EarlyScansUnixNano) != verify.EarlyScans || len(last.DailyScans) > verify.ScanDays {
		t.Errorf("count %d, %d early scans, %d days", last.ScanCount, len(last.EarlyScansUnixNano), len(last.DailyScans))
	}
	if !record.Time(last.FirstScanUnixNano).Equal(at) || !record.Time(last.LastScanUnixNano).Equal(at.Add(199*24*time.Hour)) {
		t.Errorf("first scan %v, last %v", record.Time(last.FirstScanUnixNano), record.Time(last.LastScanUnixNano))
	}
}
