from . import saas_plan
from . import saas_billing_adjustment
from . import contract_line
from . import contract_contract
from . import account_move
from . import account_move_line
from . import saas_instance
from . import res_config_settings
