from . import saas_release_move
from . import saas_release, saas_release_rehearsal, saas_release_update, saas_release_rollout
from . import saas_instance_release, saas_instance_rehearsal, saas_instance_promote
from . import saas_template, saas_instance_log
