package custody

import (
	"time"

	"github.com/ocopvn/estamp/internal/record"
)

// MaxReceipts is how many shops' receipts a stamp's state keeps; past it
// the oldest goes (a stamp in that many shops is a copy already).
const MaxReceipts = 20

// Receive folds a shop's intake at `at` into a stamp's state: a shop seen
// before counts once more, a new one is added, and the state stays
// bounded. ReceiveDelivery hands it to the store, which applies it in the
// transaction that records the delivery.
func Receive(st *record.StampState, retailerID string, at time.Time) {
	n := at.UnixNano()
	for _, r := range st.Receipts {
		if r.RetailerId == retailerID {
			r.LastUnixNano = n
			r.Count++
			return
		}
	}
	st.Receipts = append(st.Receipts, &record.Receipt{RetailerId: retailerID, FirstUnixNano: n, LastUnixNano: n, Count: 1})
	if len(st.Receipts) > MaxReceipts {
		st.Receipts = st.Receipts[1:]
	}
}
