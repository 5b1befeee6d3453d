from . import settings
from . import models
from .hooks import post_init_hook
