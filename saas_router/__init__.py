from . import connections, models, modules, routing

routing.install()
connections.install()
modules.install()
