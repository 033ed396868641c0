package console

import (
	"net/http"
	"slices"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// office is the OCOP office's role: every office page lists it.
var office = []estampv1.Role{estampv1.Role_ROLE_ADMIN}

// officeRoutes are the OCOP office's pages.
func officeRoutes() []Route {
	return slices.Concat([]Route{
		{Method: "GET", Path: officeHome, Roles: office, serve: (*Handler).officeHome},
	}, officeProducerRoutes(), officeProductRoutes(), officeRetailerRoutes(), officeAccountRoutes(),
		officeTokenRoutes(), officeKeyRoutes(), officeAuditRoutes())
}

func (h *Handler) officeHome(rq *Request) error {
	return h.render(rq, http.StatusOK, "office/home", &Page{Title: "nav.office.home"})
}
