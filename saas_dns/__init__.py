from . import settings
from . import controllers, models
