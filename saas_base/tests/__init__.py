from . import test_subdomain
from . import test_instance_subdomain
from . import test_state_machine
from . import test_server
from . import test_template_plan
from . import test_security
from . import test_concurrency
from . import test_views
