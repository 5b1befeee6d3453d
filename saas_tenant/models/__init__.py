from . import ir_attachment
from . import ir_config_parameter
from . import ir_http
from . import ir_module_module
from . import res_users
from . import res_users_sso
