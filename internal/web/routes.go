package web

import (
	"net/http"
	"strings"

	"github.com/ocopvn/estamp/internal/photo"
)

// Route is how the service treats a request path besides answering it.
// The server's rate limit and its metrics ask RouteOf rather than keep
// their own lists of paths, which had drifted from the handler's.
type Route struct {
	// Label names the route in metrics: the path itself for a fixed path,
	// StampLabel for every stamp page and OtherLabel for anything else,
	// so that tokens and random paths never become labels.
	Label string
	// Limited means callers without a token are held to the per-client
	// rate limit there.
	Limited bool
}

// ConsolePath is where the server mounts the console.
const ConsolePath = "/console"

// The labels of paths that are not fixed.
const (
	StampLabel = "/V/{token}"
	PhotoLabel = photo.Dir + "{file}"
	OtherLabel = "other"
)

// route is a fixed path the handler answers with GET (and HEAD).
type route struct {
	path    string
	limited bool
	serve   func(*Handler, http.ResponseWriter, *http.Request)
}

// routes is the table of fixed paths: New serves them and RouteOf reads
// them, so a path added here is served, limited and counted alike. Stamp
// pages are not in it: they live under any base path, so ServeHTTP finds
// them by their /V/ segment.
var routes = []route{
	{"/", true, (*Handler).home},
	{"/verify", true, (*Handler).verifyForm},
	{KeysPath, true, (*Handler).jwks},
	{RevocationsPath, true, (*Handler).revocations},
	{TrustListPath, true, (*Handler).trustList},
	// A monitor polling the health check must never be refused, and the
	// style sheet is fetched by a page the caller was just allowed to see.
	{"/healthz", false, (*Handler).health},
	{"/assets/style.css", false, (*Handler).style},
}

// Paths are the fixed paths the handler answers, besides stamp pages.
func Paths() []string {
	p := make([]string, len(routes))
	for i, r := range routes {
		p[i] = r.path
	}
	return p
}

// RouteOf says how a request path is treated, in the order ServeHTTP
// dispatches: stamp pages first, then the fixed paths.
func RouteOf(path string) Route {
	// The console (package console) is served beside these pages; its
	// sign-in has limits of its own, and people at work must not share a
	// budget with scanners.
	if path == ConsolePath || strings.HasPrefix(path, ConsolePath+"/") {
		return Route{Label: ConsolePath}
	}
	if lastStampSegment(path) >= 0 {
		return Route{Label: StampLabel, Limited: true}
	}
	// A photo is fetched by a stamp page the caller was just allowed to
	// see, like the style sheet, and then kept for a year.
	if strings.HasPrefix(path, photo.Dir) {
		return Route{Label: PhotoLabel}
	}
	for _, r := range routes {
		if r.path == path {
			return Route{Label: r.path, Limited: r.limited}
		}
	}
	return Route{Label: OtherLabel, Limited: true}
}

func (h *Handler) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
