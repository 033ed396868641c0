package verify

import (
	"time"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/record"
)

// Bounds on what a stamp's state keeps of its scans, so that it does not
// grow with use.
const (
	// EarlyScans are kept one by one; later scans are counted per day.
	EarlyScans = 5
	// ScanDays is how many days of daily counts are kept.
	ScanDays = 90
)

// CountScan folds one scan at `at` into a stamp's state: the count, the
// first and last scan, the early scans one by one, then a count per day in
// Vietnam, dropping days older than ScanDays. The recorder hands it to the
// store, which applies it in the transaction that stores the scan.
func CountScan(st *record.StampState, at time.Time) {
	n := at.UnixNano()
	st.ScanCount++
	if st.FirstScanUnixNano == 0 {
		st.FirstScanUnixNano = n
	}
	st.LastScanUnixNano = n
	if len(st.EarlyScansUnixNano) < EarlyScans {
		st.EarlyScansUnixNano = append(st.EarlyScansUnixNano, n)
		return
	}
	day := ocop.Day(at)
	if k := len(st.DailyScans); k > 0 && st.DailyScans[k-1].Day == day {
		st.DailyScans[k-1].Count++
	} else {
		st.DailyScans = append(st.DailyScans, &storagev1.DailyScans{Day: day, Count: 1})
	}
	for len(st.DailyScans) > 0 && st.DailyScans[0].Day <= day-ScanDays {
		st.DailyScans = st.DailyScans[1:]
	}
}
