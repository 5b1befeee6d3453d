from . import main
from . import portal
