// Package console is estamp's web console: server-rendered pages on the
// same HTTP listener as the stamp pages, in Vietnamese first, for the
// people who run the service and use it at work — the provincial OCOP
// office, producers and shops. Consumers have the stamp page (package
// web) and need no account.
//
// The console holds no rule of its own about who may do what. Every page
// calls the gRPC services through an in-process connection, as the signed
// in person: the server admits the session id as a credential on that
// connection only, and runs the same interceptors and access table as for
// an API token of the account's role. The route table below only decides
// what to show whom; refusals come from the services.
//
// Pages work without JavaScript, except the camera at intake, which loads
// scripts from this binary under a strict Content-Security-Policy.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/ocop"
)

// Prefix is where the console lives on the HTTP listener.
const Prefix = "/console/"

//go:embed templates assets
var files embed.FS

// Accounts signs people in and keeps their sessions (package account).
type Accounts interface {
	SignIn(ctx context.Context, username, password, client string) (*account.Session, error)
	Session(ctx context.Context, id string) (*account.Session, error)
	SignOut(ctx context.Context, id string) error
	ChangePassword(ctx context.Context, s *account.Session, current, next string) (*account.Session, error)
}

// Config is what the console is built from.
type Config struct {
	// Conn reaches the gRPC services as the signed-in person.
	Conn grpc.ClientConnInterface
	// Accounts signs people in.
	Accounts Accounts
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the entropy of idempotency keys; crypto/rand when nil.
	Rand io.Reader
	Log  *slog.Logger
}

// clients are the services the pages call.
type clients struct {
	registry estampv1.RegistryServiceClient
	issuance estampv1.IssuanceServiceClient
	verify   estampv1.VerificationServiceClient
	labels   estampv1.LabelServiceClient
	custody  estampv1.CustodyServiceClient
	admin    estampv1.AdminServiceClient
	insight  estampv1.InsightServiceClient
}

// Handler serves the console.
type Handler struct {
	cfg      Config
	api      clients
	words    catalogue
	pages    map[string]*template.Template
	assets   fs.FS
	mux      *http.ServeMux
	crossOri *http.CrossOriginProtection
	// sent are the intake forms already sent (shop_sent.go).
	sent *sentDeliveries
	// jobs render large files in the background (jobs.go); Close ends
	// them.
	jobs *jobs
}

// New builds the console.
func New(cfg Config) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	words, err := newCatalogue()
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg: cfg, words: words, mux: http.NewServeMux(), crossOri: http.NewCrossOriginProtection(), sent: newSentDeliveries(),
		api: clients{
			registry: estampv1.NewRegistryServiceClient(cfg.Conn), issuance: estampv1.NewIssuanceServiceClient(cfg.Conn),
			verify: estampv1.NewVerificationServiceClient(cfg.Conn), labels: estampv1.NewLabelServiceClient(cfg.Conn),
			custody: estampv1.NewCustodyServiceClient(cfg.Conn), admin: estampv1.NewAdminServiceClient(cfg.Conn),
			insight: estampv1.NewInsightServiceClient(cfg.Conn),
		},
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.assets, err = fs.Sub(files, "assets"); err != nil {
		return nil, err
	}
	for _, rt := range Routes() {
		h.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) { h.serve(rt, w, r) })
	}
	h.mux.HandleFunc("GET "+Prefix+"assets/{file...}", h.asset)
	h.mux.HandleFunc(Prefix+"{path...}", func(w http.ResponseWriter, r *http.Request) {
		h.notFound(w, r, nil)
	})
	// Last: nothing after it can fail and leave its janitor running.
	h.jobs = newJobs(os.TempDir(), cfg.Now, jobLimits{perProducer: jobsPerProducer, total: jobsTotal, ttl: jobTTL})
	return h, nil
}

// Route is one page or form action of the console.
type Route struct {
	// Method is GET (pages) or POST (forms that change something).
	Method string
	// Path is a net/http pattern path under Prefix.
	Path string
	// Roles may open it; empty means anyone signed in. The services
	// refuse what a role may not do anyway: this decides what the
	// console offers.
	Roles []estampv1.Role
	// Public routes need no session: signing in.
	Public bool
	// Script routes may load the console's own scripts (the camera).
	Script bool
	serve  func(*Handler, *Request) error
}

// Routes is the console's route table: New serves every route in it, the
// navigation links to it, and the role walk tests every route of it.
func Routes() []Route {
	return slices.Concat(accountRoutes(), officeRoutes(), producerRoutes(), shopRoutes(), shopSaleRoutes())
}

// Request is one request of a page: who asks, in which language, and the
// context that calls the services as them.
type Request struct {
	W    http.ResponseWriter
	R    *http.Request
	Lang ocop.Lang
	// Session is nil on public routes.
	Session *account.Session
	route   Route
}

// Ctx calls the services as the signed-in person.
func (rq *Request) Ctx() context.Context {
	ctx := rq.R.Context()
	if rq.Session != nil {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Session "+rq.Session.ID)
	}
	return ctx
}

// Role is the signed-in person's role.
func (rq *Request) Role() estampv1.Role {
	if rq.Session == nil {
		return estampv1.Role_ROLE_UNSPECIFIED
	}
	return estampv1.Role(rq.Session.Account.Role)
}

// ServeHTTP sets the headers every response carries and dispatches.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", cspNoScript)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	if r.URL.Path+"/" == Prefix {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// The console's Content-Security-Policy: nothing from elsewhere, no inline
// script or style. Pages with the camera may load this binary's scripts
// and use the video stream they open.
const (
	cspNoScript = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	cspScript   = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

// serve runs a route: session, password change first, role, CSRF, then
// the page.
func (h *Handler) serve(rt Route, w http.ResponseWriter, r *http.Request) {
	rq := &Request{W: w, R: r, Lang: language(r), route: rt}
	if rt.Script {
		w.Header().Set("Content-Security-Policy", cspScript)
	}
	if r.Method == http.MethodPost {
		// Browsers say where a request comes from (Sec-Fetch-Site,
		// Origin): a form posted from another site is refused before
		// anything else; the per-form token below is the second layer.
		if err := h.crossOri.Check(r); err != nil {
			h.forbidden(rq, "csrf.refused")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	}
	if !rt.Public {
		sess, err := h.session(r)
		if err != nil {
			if !errors.Is(err, account.ErrNoSession) {
				h.fail(rq, err)
				return
			}
			h.toSignIn(rq)
			return
		}
		rq.Session = sess
		if sess.Account.MustChangePassword && rt.Path != passwordPath && rt.Path != signOutPath {
			http.Redirect(w, r, passwordPath, http.StatusSeeOther)
			return
		}
		if len(rt.Roles) > 0 && !slices.Contains(rt.Roles, rq.Role()) {
			h.forbidden(rq, "denied.role")
			return
		}
		if r.Method == http.MethodPost && !sess.CheckCSRF(csrfOf(r)) {
			h.forbidden(rq, "csrf.refused")
			return
		}
	}
	if err := rt.serve(h, rq); err != nil {
		h.fail(rq, err)
	}
}

// maxForm bounds a posted form: a delivery of 10,000 codes, or a product
// photo of 300 KB, fits.
const maxForm = 2 << 20

// csrfOf is a form's CSRF token: the csrf field, or the X-CSRF-Token
// header of the camera's requests.
func csrfOf(r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxForm); err != nil {
			return ""
		}
	}
	return r.PostFormValue("csrf")
}

// toSignIn sends a request without a session to the sign-in page, which
// brings the person back to a page they asked for.
func (h *Handler) toSignIn(rq *Request) {
	target := signInPath
	if rq.R.Method == http.MethodGet && rq.R.URL.Path != Prefix {
		target += "?next=" + urlQueryEscape(rq.R.URL.RequestURI())
	}
	http.Redirect(rq.W, rq.R, target, http.StatusSeeOther)
}

// localPath keeps a "next" address on the console: anything else (another
// site, //host, a backslash or a dot segment) goes to the console's home.
func localPath(next string) string {
	p, _, _ := strings.Cut(next, "?")
	if !strings.HasPrefix(p, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.Contains(p, "//") || strings.Contains(p, "/.") {
		return Prefix
	}
	return next
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(h.assets, name)
	if err != nil || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// errNotFound is a console path or record that is not there.
var errNotFound = errors.New("console: not found")

// fieldError is a form value the console itself refuses before calling a
// service, e.g. a quantity that is not a number.
type fieldError struct {
	Field string
	Key   string // catalogue key of the reason
}

func (e *fieldError) Error() string { return fmt.Sprintf("console: %s: %s", e.Field, e.Key) }
