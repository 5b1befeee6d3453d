from . import connections, modules, routing

routing.install()
connections.install()
modules.install()
