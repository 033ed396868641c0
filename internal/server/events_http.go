package server

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// EventsPath is where traceability systems fetch a lot's EPCIS 2.0
// events over plain HTTP: GET with "Authorization: Bearer TOKEN" (a
// producer's own products, or the office's), ?product=ID and optionally
// &lot=, &since= and &until= (RFC 3339).
const EventsPath = "/epcis/events"

// eventsHandler answers EventsPath by calling InsightService.ExportEvents
// on the in-process server, with the caller's token: the same access
// table, audit actor and error rules as over gRPC.
type eventsHandler struct {
	conn grpc.ClientConnInterface
}

func (h eventsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	req := &estampv1.ExportEventsRequest{ProductId: q.Get("product"), Lot: q.Get("lot")}
	for _, p := range []struct {
		name string
		to   **timestamppb.Timestamp
	}{{"since", &req.SinceTime}, {"until", &req.UntilTime}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, p.name+": not an RFC 3339 time (2026-11-20T00:00:00+07:00)", http.StatusBadRequest)
			return
		}
		*p.to = timestamppb.New(t)
	}
	ctx := r.Context()
	// Only a bearer token: a console session is the console's, behind its
	// own CSRF checks.
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
	}
	stream, err := estampv1.NewInsightServiceClient(h.conn).ExportEvents(ctx, req)
	if err != nil {
		eventsError(w, err)
		return
	}
	first, err := stream.Recv()
	if err != nil {
		eventsError(w, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/ld+json")
	hd.Set("Cache-Control", "no-store")
	w.Write(first.Chunk)
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// The status line is sent: the document ends short, which a
			// JSON parser notices.
			return
		}
		w.Write(msg.Chunk)
	}
}

// eventsError answers a refused export with the HTTP status of its gRPC
// code and the service's safe message.
func eventsError(w http.ResponseWriter, err error) {
	st := status.Convert(err)
	code := map[codes.Code]int{
		codes.InvalidArgument:   http.StatusBadRequest,
		codes.Unauthenticated:   http.StatusUnauthorized,
		codes.PermissionDenied:  http.StatusForbidden,
		codes.NotFound:          http.StatusNotFound,
		codes.ResourceExhausted: http.StatusTooManyRequests,
		codes.Unavailable:       http.StatusServiceUnavailable,
	}[st.Code()]
	if code == 0 {
		code = http.StatusInternalServerError
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="estamp"`)
	}
	http.Error(w, st.Code().String()+": "+st.Message(), code)
}
