from . import saas_route
