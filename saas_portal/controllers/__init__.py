from . import signup
from . import portal
from . import health
