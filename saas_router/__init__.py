from . import connections, crons, models, modules, routing

routing.install()
connections.install()
modules.install()
crons.install()
