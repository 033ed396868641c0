package console

import (
	"net/http"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// producers is the producer role: every producer page lists it.
var producers = []estampv1.Role{estampv1.Role_ROLE_PRODUCER}

// producerRoutes are a producer's pages.
func producerRoutes() []Route {
	return []Route{
		{Method: "GET", Path: producerHome, Roles: producers, serve: (*Handler).producerHome},
	}
}

func (h *Handler) producerHome(rq *Request) error {
	return h.render(rq, http.StatusOK, "producer/home", &Page{Title: "nav.producer.home"})
}
