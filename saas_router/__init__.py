from . import connections, crons, modules, routing

routing.install()
connections.install()
modules.install()
crons.install()
