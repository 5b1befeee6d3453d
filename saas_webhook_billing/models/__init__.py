from . import saas_instance
from . import contract_line
from . import account_move
