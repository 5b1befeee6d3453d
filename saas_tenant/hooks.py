from .limits import ensure_table


def post_init_hook(env):
    # ``res.users.init()`` already created it; kept so that the table exists
    # even if a later refactoring moves the models around.
    ensure_table(env.cr)
