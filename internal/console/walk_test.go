package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/console"
)

// TestEveryRouteForEveryRole walks every route of the console as every
// kind of person, as TestRoleMatrix walks the gRPC methods: signed out,
// the office, two producers and two shops. Routes that name a record are
// opened with producer B's or shop B's records, so that producer A and
// shop A must be refused on every one of them, and B admitted.
func TestEveryRouteForEveryRole(t *testing.T) {
	e := start(t, false)
	ctx := context.Background()
	// B's records, which the routes' parameters name.
	issued, err := e.admin.Issuance.IssueStamps(ctx, &estampv1.IssueStampsRequest{
		ProductId: productB, Lot: "CHIEU-B-01", ProductionDate: "2026-11-01", Quantity: 5, RequestId: "walk",
	})
	if err != nil {
		t.Fatal(err)
	}
	batchB := issued.Batch
	e.newAccount(t, "con.nguoi.khac", estampv1.Role_ROLE_RETAILER, shopB)
	// A delivery of shop B, with a problem row (a code twice) for its
	// page to show.
	_, stampsB := e.issue(t, productB, "CHIEU-B-02", 1)
	deliveryB := e.receive(t, shopB, "PHIEU-B-01", stampsB[0], stampsB[0]).DeliveryId
	ownerB := e.person(t, "producer.b", estampv1.Role_ROLE_PRODUCER, producerB)
	ownerB.get("/console/producer/batches/" + strconv.FormatUint(batchB.Id, 10))
	started := ownerB.post("/console/producer/batches/"+strconv.FormatUint(batchB.Id, 10)+"/labels", url.Values{"layout": {""}})
	jobB := started.location[strings.LastIndexByte(started.location, '/')+1:]
	if started.code != http.StatusSeeOther || jobB == "" {
		t.Fatalf("producer B's labels job: %d %q", started.code, started.location)
	}
	params := map[string]string{
		"product":  productB,
		"batch":    strconv.FormatUint(batchB.Id, 10),
		"serial":   strconv.FormatUint(batchB.FirstSerial, 10),
		"producer": producerB,
		"retailer": shopB,
		"username": "con.nguoi.khac",
		"delivery": strconv.FormatUint(deliveryB, 10),
		"token":    shopToken(t, e, shopB),
		"key":      e.srv.Ring.Active().ID.String(),
		// A labels job of producer B's: its account's alone (jobs.go).
		"job": jobB,
	}
	// What only B's own pages may show: a producer or shop that is not B
	// must never see it.
	secrets := []string{"Chiếu cói Nga Sơn", "CHIEU-B-01", "CHIEU-B-02", "PHIEU-B-01"}

	type who struct {
		name  string
		role  estampv1.Role
		owner bool // B, or the office
		b     *browser
	}
	people := []who{
		{"signed out", estampv1.Role_ROLE_UNSPECIFIED, false, e.browser(t)},
		{"producer A", estampv1.Role_ROLE_PRODUCER, false, e.person(t, "producer.a", estampv1.Role_ROLE_PRODUCER, producerA)},
		{"shop A", estampv1.Role_ROLE_RETAILER, false, e.person(t, "shop.a", estampv1.Role_ROLE_RETAILER, shopA)},
		{"producer B", estampv1.Role_ROLE_PRODUCER, true, ownerB},
		{"shop B", estampv1.Role_ROLE_RETAILER, true, e.person(t, "shop.b", estampv1.Role_ROLE_RETAILER, shopB)},
		{"office", estampv1.Role_ROLE_ADMIN, true, e.person(t, "office", estampv1.Role_ROLE_ADMIN, "")},
	}
	param := regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)
	for _, rt := range console.Routes() {
		path := strings.TrimSuffix(rt.Path, "{$}")
		named := false
		path = param.ReplaceAllStringFunc(path, func(m string) string {
			name := param.FindStringSubmatch(m)[1]
			v, ok := params[name]
			if !ok {
				t.Errorf("%s %s: the walk has no value for {%s}: add one (a record of producer B or shop B)", rt.Method, rt.Path, name)
			}
			named = true
			return v
		})
		for _, p := range people {
			// Signing out would end the walk for this person.
			if rt.Path == "/console/signout" && p.role != estampv1.Role_ROLE_UNSPECIFIED {
				continue
			}
			var got page
			if rt.Method == http.MethodGet {
				got = p.b.get(path)
			} else {
				got = p.b.post(path, nil)
			}
			allowed := len(rt.Roles) == 0 || slices.Contains(rt.Roles, p.role)
			where := rt.Method + " " + path + " as " + p.name
			switch {
			case got.code >= 500:
				t.Errorf("%s: %d", where, got.code)
			case rt.Public:
				// Anyone may sign in.
			case p.role == estampv1.Role_ROLE_UNSPECIFIED:
				if got.code != http.StatusSeeOther || !strings.HasPrefix(got.location, "/console/signin") {
					t.Errorf("%s: %d %q, want the sign-in page", where, got.code, got.location)
				}
			case !allowed:
				if got.code != http.StatusForbidden {
					t.Errorf("%s: %d, want 403 (not this role's page)", where, got.code)
				}
			case named && !p.owner:
				// Someone else's record: refused, whether or not it
				// exists.
				if got.code != http.StatusForbidden && got.code != http.StatusNotFound {
					t.Errorf("%s: %d, want 403 or 404 (B's record)", where, got.code)
				}
			case got.code == http.StatusForbidden:
				t.Errorf("%s: 403, want it allowed", where)
			}
			html := strings.HasPrefix(got.header.Get("Content-Type"), "text/html")
			if html && strings.Contains(got.body, "¿") {
				t.Errorf("%s: the page says a word missing from the catalogue", where)
			}
			if !p.owner {
				for _, s := range secrets {
					if html && strings.Contains(got.body, s) && p.role != estampv1.Role_ROLE_UNSPECIFIED {
						t.Errorf("%s: shows %q, which is B's", where, s)
					}
				}
			}
		}
	}
}
