from . import connections, crons, gate, models, modules, routing

routing.install()
connections.install()
modules.install()
gate.install()
crons.install()
