from . import settings
from . import models
