from . import connections, crons, gate, models, modules, probe, routing

routing.install()
connections.install()
modules.install()
gate.install()
crons.install()
probe.install()
