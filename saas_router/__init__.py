from . import routing

routing.install()
