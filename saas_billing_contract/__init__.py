from . import settings
from . import models
from . import controllers
