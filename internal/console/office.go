package console

import (
	"slices"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
)

// office is the OCOP office's role: every office page lists it.
var office = []estampv1.Role{estampv1.Role_ROLE_ADMIN}

// officeRoutes are the OCOP office's pages, in the order of its menu.
func officeRoutes() []Route {
	return slices.Concat(officeDashboardRoutes(), officeProducerRoutes(), officeProductRoutes(), officeRetailerRoutes(),
		officeAccountRoutes(), officeTokenRoutes(), officeKeyRoutes(), officeAuditRoutes())
}
