package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// shops is the retailer role: every shop page lists it.
var shops = []estampv1.Role{estampv1.Role_ROLE_RETAILER}

// shopRoutes are a shop's pages.
func shopRoutes() []Route {
	return []Route{
		{Method: "GET", Path: shopHome, Roles: shops, serve: (*Handler).shopHome},
	}
}

func (h *Handler) shopHome(rq *Request) error {
	return h.render(rq, http.StatusOK, "shop/home", &Page{Title: "nav.shop.intake"})
}
