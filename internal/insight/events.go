package insight

import (
	"context"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
)

// EventQuery selects the traceability events of a product's stamps: of
// one lot when Lot is set, in [Since, Until) when those are set.
type EventQuery struct {
	ProductID    string
	Lot          string
	Since, Until time.Time
}

// Events writes the EPCIS document of a query (package trace).
type Events interface {
	Export(ctx context.Context, q EventQuery) ([]byte, error)
}

// eventChunk is the most of the document one message carries.
const eventChunk = 256 << 10

// ExportEvents implements estampv1.InsightServiceServer.
func (s *Service) ExportEvents(req *estampv1.ExportEventsRequest, stream estampv1.InsightService_ExportEventsServer) error {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return err
	}
	q := EventQuery{ProductID: req.GetProductId(), Lot: req.GetLot()}
	if t := req.GetSinceTime(); t != nil {
		q.Since = t.AsTime()
	}
	if t := req.GetUntilTime(); t != nil {
		q.Until = t.AsTime()
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return ocop.Invalid("until_time", "phải sau since_time", "must be after since_time")
	}
	doc, err := s.events.Export(stream.Context(), q)
	if err != nil {
		return err
	}
	for len(doc) > 0 {
		n := min(len(doc), eventChunk)
		if err := stream.Send(&estampv1.ExportEventsResponse{Chunk: doc[:n]}); err != nil {
			return err
		}
		doc = doc[n:]
	}
	return nil
}
