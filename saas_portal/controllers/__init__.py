from . import signup
from . import portal
