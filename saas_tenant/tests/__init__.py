from . import test_limits
from . import test_max_users
from . import test_suspension
from . import test_tenant_admin
from . import test_sso
from . import test_apps
from . import test_storage
