from . import settings
from . import controllers
from . import models
