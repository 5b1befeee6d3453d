from . import home
from . import sso
