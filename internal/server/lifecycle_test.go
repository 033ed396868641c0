package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/epcis/epcistest"
)

// exportEvents reads a product's EPCIS document over gRPC.
func (e *env) exportEvents(t testing.TB, req *estampv1.ExportEventsRequest) []byte {
	t.Helper()
	stream, err := e.Insight.ExportEvents(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return doc.Bytes()
		}
		if err != nil {
			t.Fatal(err)
		}
		doc.Write(msg.Chunk)
	}
}

// epcisEvent is what the test reads of an exported event.
type epcisEvent struct {
	EventTime   string   `json:"eventTime"`
	EventID     string   `json:"eventID"`
	Action      string   `json:"action"`
	BizStep     string   `json:"bizStep"`
	Disposition string   `json:"disposition"`
	EPCList     []string `json:"epcList"`
	ReadPoint   struct {
		ID string `json:"id"`
	} `json:"readPoint"`
	ILMD map[string]string `json:"ilmd"`
}

func eventsOf(t testing.TB, doc []byte) []epcisEvent {
	t.Helper()
	sch, err := epcistest.Compile(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := epcistest.Validate(sch, doc); err != nil {
		t.Fatalf("the export is not a valid EPCIS 2.0 document: %v\n%s", err, doc)
	}
	var d struct {
		Body struct {
			Events []epcisEvent `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	return d.Body.Events
}

// A roll printed ahead, from issuance to a buyer: NOT_ACTIVATED on every
// transport until packing activates serials 1–50; those are GENUINE with
// the lot, 51+ are not; shop A receives and sells one, which the buyer's
// page shows; the same label at shop B's intake is SUSPECTED_COPY,
// "already sold". The lot's EPCIS export validates against GS1's schema
// and holds commissioning at activation, receiving, and retail selling,
// with their times, places and identifiers. The export is the same over
// HTTP with the token, and refused without it.
func TestStampLifeFromRollToShop(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	e.retailer(t, "SHOP-A")
	ctx := context.Background()
	roll := e.issueInactive(t, "NEM-CHUA", 60, "roll")
	hs := httptest.NewServer(e.srv.HTTP)
	defer hs.Close()

	if v := e.verify(t, roll.Stamps[0].Code); v.Verdict != estampv1.Verdict_VERDICT_NOT_ACTIVATED || v.Product != nil {
		t.Errorf("before activation: %v, product shown: %v", v.Verdict, v.Product != nil)
	}
	if p := get(t, hs.URL+path(roll.Stamps[0].Code)); !strings.Contains(p.body, "Tem chưa được kích hoạt") {
		t.Errorf("the page of a label never activated:\n%s", p.body)
	}
	if r := e.receive(t, "SHOP-A", roll.Stamps[0].Code); r.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ACTIVATED {
		t.Errorf("intake of a label never activated: %v", r.Items[0].Verdict)
	}

	activatedAt := e.clock.Now()
	resp, err := e.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id,
		FirstSerial: roll.Stamps[0].Serial, LastSerial: roll.Stamps[49].Serial, Lot: "L-DONG-GOI", ProductionDate: "2026-11-27", ExpiryDate: "2027-05-27"})
	if err != nil || resp.ActivatedCount != 50 {
		t.Fatalf("activate: %v, %v", resp, err)
	}
	for i, want := range map[int]estampv1.Verdict{0: estampv1.Verdict_VERDICT_GENUINE, 49: estampv1.Verdict_VERDICT_GENUINE, 50: estampv1.Verdict_VERDICT_NOT_ACTIVATED, 59: estampv1.Verdict_VERDICT_NOT_ACTIVATED} {
		v := e.verify(t, roll.Stamps[i].Code)
		if v.Verdict != want {
			t.Errorf("label %d: %v, want %v", i+1, v.Verdict, want)
		}
		if want == estampv1.Verdict_VERDICT_GENUINE && (v.Batch.GetLot() != "L-DONG-GOI" || v.Batch.GetProductionDate() != "2026-11-27" || v.Batch.GetExpiryDate() != "2027-05-27") {
			t.Errorf("label %d shows lot %q, %s, %s", i+1, v.Batch.GetLot(), v.Batch.GetProductionDate(), v.Batch.GetExpiryDate())
		}
	}
	// Refusals: another lot for activated labels, a revoked label.
	if _, err := e.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id, FirstSerial: roll.Stamps[40].Serial, LastSerial: roll.Stamps[55].Serial, Lot: "KHAC"}); err == nil || !strings.Contains(err.Error(), "already activated with lot L-DONG-GOI") {
		t.Errorf("overlapping activation with another lot: %v", err)
	}
	if _, err := e.Issuance.RevokeStamps(ctx, &estampv1.RevokeStampsRequest{Target: someStamps(roll.Stamps[59].Serial), Reason: "mất"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id, FirstSerial: roll.Stamps[50].Serial, LastSerial: roll.Stamps[59].Serial, Lot: "L-DONG-GOI"}); err == nil || !strings.Contains(err.Error(), "is revoked and cannot be activated") {
		t.Errorf("activation over a revoked label: %v", err)
	}

	// A list of labels scanned one by one: 51, 53 and 53 again; the
	// revoked 60th is refused above, so 52 and 54+ stay not activated.
	if r, err := e.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id,
		Serials: []uint64{roll.Stamps[52].Serial, roll.Stamps[50].Serial, roll.Stamps[52].Serial}, Lot: "L-DONG-GOI", ProductionDate: "2026-11-27", ExpiryDate: "2027-05-27"}); err != nil || r.ActivatedCount != 2 {
		t.Fatalf("activate a list: %v, %v", r, err)
	}
	for i, want := range map[int]estampv1.Verdict{50: estampv1.Verdict_VERDICT_GENUINE, 51: estampv1.Verdict_VERDICT_NOT_ACTIVATED, 52: estampv1.Verdict_VERDICT_GENUINE, 53: estampv1.Verdict_VERDICT_NOT_ACTIVATED} {
		if v := e.verify(t, roll.Stamps[i].Code); v.Verdict != want {
			t.Errorf("label %d after the list: %v, want %v", i+1, v.Verdict, want)
		}
	}
	if _, err := e.Issuance.ActivateStamps(ctx, &estampv1.ActivateStampsRequest{BatchId: roll.Batch.Id, Serials: []uint64{roll.Stamps[51].Serial}, FirstSerial: roll.Stamps[51].Serial, LastSerial: roll.Stamps[51].Serial, Lot: "X"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("serials with first/last: %v", err)
	}

	e.clock.Set(activatedAt.Add(2 * time.Hour))
	receivedAt := e.clock.Now()
	codes := []string{roll.Stamps[0].Code, roll.Stamps[1].Code}
	if r := e.receive(t, "SHOP-A", codes...); r.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED {
		t.Fatalf("intake after activation: %v", r.Items[0].Verdict)
	}

	// Sold at A's till; the buyer's phone says so; the label turning up
	// at B's intake is a copy, "already sold".
	e.retailer(t, "SHOP-B")
	e.clock.Set(receivedAt.Add(24 * time.Hour))
	soldAt := e.clock.Now()
	if r := e.sell(t, "SHOP-A", "till-1", roll.Stamps[0].Code); r.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SOLD {
		t.Fatalf("sale at A: %v", r.Items[0].Verdict)
	}
	if v := e.verify(t, roll.Stamps[0].Code); v.Sold.GetRetailerName() != "Cửa hàng SHOP-A" {
		t.Errorf("Verify after the sale: sold %v", v.Sold)
	}
	if p := get(t, hs.URL+path(roll.Stamps[0].Code)); !strings.Contains(p.body, "Đã bán tại") || !strings.Contains(p.body, "Cửa hàng SHOP-A") {
		t.Errorf("the page of a sold stamp does not say where it was sold:\n%s", p.body)
	}
	e.clock.Set(soldAt.Add(time.Hour))
	atB := e.clock.Now()
	if r := e.receive(t, "SHOP-B", roll.Stamps[0].Code); r.Items[0].Verdict != estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY || !strings.Contains(r.Items[0].Message, "đã bán tại Cửa hàng SHOP-A") {
		t.Errorf("intake at B of a stamp sold at A: %v %q", r.Items[0].Verdict, r.Items[0].Message)
	}

	doc := e.exportEvents(t, &estampv1.ExportEventsRequest{ProductId: "NEM-CHUA", Lot: "L-DONG-GOI"})
	events := eventsOf(t, doc)
	stampURL := strings.ToUpper(roll.Stamps[0].Code) // the stamp's own URL: the product has no GTIN
	var steps []string
	for _, ev := range events {
		steps = append(steps, ev.BizStep)
		if !strings.HasPrefix(ev.EventID, "ni:///sha-256;") {
			t.Errorf("event id %q is not a CBV event hash", ev.EventID)
		}
		switch ev.BizStep {
		case "commissioning":
			if ev.Action != "ADD" || len(ev.EPCList) != 50 && len(ev.EPCList) != 1 || ev.EventTime != activatedAt.UTC().Format("2006-01-02T15:04:05.000Z") ||
				ev.ILMD["cbvmda:lotNumber"] != "L-DONG-GOI" || !strings.HasSuffix(ev.ReadPoint.ID, "/epcis/loc/producer/HTX-NEM-CHUA") {
				t.Errorf("commissioning: %+v", ev)
			}
			if len(ev.EPCList) == 50 && ev.EPCList[0] != stampURL && ev.EPCList[0] != roll.Stamps[0].Code {
				t.Errorf("commissioning names the first stamp %q, want its URL %q", ev.EPCList[0], roll.Stamps[0].Code)
			}
		case "receiving":
			// A's delivery of two, then B's intake of the sold one.
			want := map[string]string{receivedAt.UTC().Format("2006-01-02T15:04:05.000Z"): "SHOP-A", atB.UTC().Format("2006-01-02T15:04:05.000Z"): "SHOP-B"}
			if shop, ok := want[ev.EventTime]; ev.Action != "OBSERVE" || !ok || !strings.HasSuffix(ev.ReadPoint.ID, "/epcis/loc/retailer/"+shop) {
				t.Errorf("receiving: %+v", ev)
			}
		case "retail_selling":
			if ev.Action != "OBSERVE" || ev.Disposition != "retail_sold" || len(ev.EPCList) != 1 || ev.EventTime != soldAt.UTC().Format("2006-01-02T15:04:05.000Z") ||
				!strings.HasSuffix(ev.ReadPoint.ID, "/epcis/loc/retailer/SHOP-A") {
				t.Errorf("retail_selling: %+v", ev)
			}
		}
	}
	if strings.Join(steps, " ") != "commissioning commissioning commissioning receiving retail_selling receiving" {
		t.Errorf("events %v, want commissioning (1–50, 51, 53), receiving at A, the sale, receiving at B", steps)
	}

	// The same document over HTTP with the office's token; refused without.
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/epcis/events?product=NEM-CHUA&lot=L-DONG-GOI", nil)
	req.Header.Set("Authorization", "Bearer "+e.adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/ld+json" || len(eventsOf(t, body)) != 6 {
		t.Errorf("GET /epcis/events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err = http.Get(hs.URL + "/epcis/events?product=NEM-CHUA")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("GET /epcis/events without a token: %d", res.StatusCode)
	}
}

// A stamp of a product with a GTIN is named in EPCIS by its GS1 Digital
// Link URI, /01/<GTIN-14>/10/<lot>/21/<serial> under the service's base
// URL; the producer with a GLN by the GLN's GS1 URI.
func TestExportNamesStampsByDigitalLink(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	ctx := context.Background()
	_, err := e.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: &estampv1.Producer{
		Id: "DN-NUOC-MAM", Name: "Doanh nghiệp Nước mắm Hải Thanh", Kind: estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE, Gln: "8930000000019",
		Address: &estampv1.Address{Province: "Thanh Hóa", Commune: "Phường Hải Bình"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: &estampv1.Product{
		Id: "NUOC-MAM", ProducerId: "DN-NUOC-MAM", Name: "Nước mắm cốt nhĩ", StarGrade: 4, Gtin: "8930000000026",
		Group: estampv1.ProductGroup_PRODUCT_GROUP_FOOD, Certificate: &estampv1.Certificate{DecisionNumber: "9/QĐ-UBND", DecisionDate: "2025-08-20"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.issue(t, "NUOC-MAM", 2, "gtin")
	events := eventsOf(t, e.exportEvents(t, &estampv1.ExportEventsRequest{ProductId: "NUOC-MAM", Lot: "L-2026-11"}))
	if len(events) != 1 || events[0].BizStep != "commissioning" {
		t.Fatalf("events: %+v", events)
	}
	want := "http://localhost:8080/01/08930000000026/10/L-2026-11/21/" + strconv.FormatUint(b.Stamps[0].Serial, 10)
	if got := events[0].EPCList[0]; got != want {
		t.Errorf("first stamp = %q, want %q", got, want)
	}
	if got := events[0].ReadPoint.ID; got != "https://id.gs1.org/414/8930000000019" {
		t.Errorf("producer = %q, want its GLN", got)
	}
}
